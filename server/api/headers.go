package api

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/sqlite"
)

// securityHeaders sets the CSP and friends on every response. frame-ancestors
// names only registered platforms, so no other site can frame ltibox
// (clickjacking); there is deliberately no X-Frame-Options, which cannot list
// several origins. go-app needs 'wasm-unsafe-eval' and inline styles, nothing else.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	ancestors, forms := s.csp.sources(c.UserContext())
	if p := c.Path(); p == "/admin" || strings.HasPrefix(p, "/admin/") {
		ancestors = "'none'" // the console is never framed (issue 6)
	}
	h := &c.Response().Header
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors "+ancestors+"; form-action "+forms)
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Next()
}

// cspCache keeps the platform origins for the CSP. Registrations change rarely,
// and possibly from another process (the CLI), so the list is re-read every 30 s
// and at once after an admin change in this process.
type cspCache struct {
	db   *sqlite.DB
	self string

	mu        sync.Mutex
	loadedAt  time.Time
	ancestors string
	forms     string
	origins   map[string]bool
}

func newCSPCache(db *sqlite.DB, baseURL string) *cspCache {
	return &cspCache{db: db, self: originOf(baseURL)}
}

const cspTTL = 30 * time.Second

func (c *cspCache) sources(ctx context.Context) (ancestors, forms string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ancestors != "" && time.Since(c.loadedAt) < cspTTL {
		return c.ancestors, c.forms
	}
	urls, err := c.db.PlatformURLs(ctx)
	if err != nil && c.ancestors != "" {
		return c.ancestors, c.forms // keep serving the last good list
	}
	c.origins = map[string]bool{}
	list := []string{"'self'"}
	for _, u := range urls {
		if o := originOf(u); o != "" && o != c.self && !c.origins[o] {
			c.origins[o] = true
			list = append(list, o)
		}
	}
	slices.Sort(list[1:])
	c.ancestors = strings.Join(list, " ")
	c.forms = c.ancestors
	c.loadedAt = time.Now()
	return c.ancestors, c.forms
}

// known reports whether origin is already allowed (so launches learn new ones only once).
func (c *cspCache) known(ctx context.Context, origin string) bool {
	c.sources(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	return origin == c.self || c.origins[origin]
}

func (c *cspCache) invalidate() {
	c.mu.Lock()
	c.ancestors = ""
	c.mu.Unlock()
}

// originOf returns scheme://host[:port] of an absolute http(s) URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// allowFormAction adds origin to the form-action of this response's CSP. The
// deep-linking return page posts to the LMS return URL, whose host may be none
// of the registered platform URLs (issue 3).
func allowFormAction(c *fiber.Ctx, origin string) {
	if origin == "" {
		return
	}
	h := &c.Response().Header
	csp := string(h.Peek("Content-Security-Policy"))
	i := strings.Index(csp, "form-action ")
	if i < 0 {
		return
	}
	rest := csp[i+len("form-action "):]
	if j := strings.Index(rest, ";"); j >= 0 {
		rest = rest[:j]
	}
	if slices.Contains(strings.Fields(rest), origin) {
		return
	}
	h.Set("Content-Security-Policy", csp[:i]+"form-action "+origin+" "+csp[i+len("form-action "):])
}
