package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// The console signs in with a first-party session cookie (HttpOnly, Secure,
// SameSite=Strict) and proves every unsafe request with a CSRF token in the
// X-CSRF-Token header. The token is derived from the cookie value (HMAC), so
// nothing extra is stored and a page that cannot read the cookie cannot forge it.
// Scripts keep using the admin bearer token instead.

const (
	adminCookie     = "ltibox_admin"
	csrfHeader      = "X-CSRF-Token"
	adminSessionTTL = 12 * time.Hour
	adminKey        = "ltibox.admin"
	// MinPasswordLength is the shortest console password accepted.
	MinPasswordLength = 10
)

// HashPassword hashes a console password with bcrypt.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", model.Errorf(model.EINVALID, "This password cannot be used (at most 72 bytes).")
	}
	return string(h), nil
}

// ValidateCredentials checks a new administrator's username and password.
func ValidateCredentials(in *model.Credentials) error {
	in.Username = strings.TrimSpace(in.Username)
	switch {
	case in.Username == "" || len(in.Username) > 64:
		return model.Errorf(model.EINVALID, "Choose a username of 1 to 64 characters.")
	case utf8.RuneCountInString(in.Password) < MinPasswordLength:
		return model.Errorf(model.EINVALID, "Choose a password of at least %d characters.", MinPasswordLength)
	case len(in.Password) > 72:
		return model.Errorf(model.EINVALID, "Choose a password of at most 72 bytes.")
	}
	return nil
}

func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("ltibox-csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

func adminSessionCookie(value string, maxAge int) string {
	ck := http.Cookie{Name: adminCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
	return ck.String()
}

// requireAdmin protects /api/admin: the admin bearer token (scripts) or a
// console session cookie, plus the CSRF header on unsafe methods.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	if tok, ok := bearer(c); ok {
		if s.cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
			return model.Errorf(model.EUNAUTHORIZED, "Admin access requires a valid admin token.")
		}
		return c.Next()
	}
	cookie := c.Cookies(adminCookie)
	if cookie == "" {
		return model.Errorf(model.EUNAUTHORIZED, "Admin access requires a valid admin token or a console sign-in.")
	}
	a, _, err := s.db.AdminBySession(c.UserContext(), lti.HashToken(cookie))
	if err != nil {
		return err
	}
	if !safeMethod(c.Method()) && subtle.ConstantTimeCompare([]byte(c.Get(csrfHeader)), []byte(csrfFor(cookie))) != 1 {
		return model.Errorf(model.EFORBIDDEN, "This request lacks a valid CSRF token. Reload the console and try again.")
	}
	c.Locals(adminKey, a)
	return c.Next()
}

// adminWho names who made an admin request, for the log: the console
// administrator's username, or "admin token" for a script.
func adminWho(c *fiber.Ctx) string {
	if a, ok := c.Locals(adminKey).(*model.Admin); ok && a != nil {
		return a.Username
	}
	return "admin token"
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// adminStatus is GET /api/admin/status (public): is setup open, is this browser signed in.
func (s *Server) adminStatus(c *fiber.Ctx) error {
	n, err := s.db.CountAdmins(c.UserContext())
	if err != nil {
		return err
	}
	out := model.AdminStatus{SetupRequired: n == 0}
	if ck := c.Cookies(adminCookie); ck != "" {
		_, _, err := s.db.AdminBySession(c.UserContext(), lti.HashToken(ck))
		out.SignedIn = err == nil
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// adminSetup is POST /api/admin/setup: creates the first administrator while
// there is none, and signs them in. It needs the setup code (the admin token
// stored in the data directory), which only the operator can read. Wrong codes
// count against the sign-in rate limit.
func (s *Server) adminSetup(c *fiber.Ctx) error {
	var in model.Credentials
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	now := s.tool.Config().Now()
	if wait := s.logins.blocked(now, "ip:"+c.IP()); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return fiber.NewError(fiber.StatusTooManyRequests, "Too many failed attempts. Wait a few minutes and try again.")
	}
	if s.cfg.AdminToken == "" {
		return model.Errorf(model.EFORBIDDEN, "Setup in the browser is off on this server. Create the administrator with `ltibox admin create`.")
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(in.SetupCode)), []byte(s.cfg.AdminToken)) != 1 {
		s.logins.fail(now, "ip:"+c.IP())
		s.log.Warn("console setup refused: wrong setup code", "ip", c.IP())
		return model.Errorf(model.EFORBIDDEN, "The setup code is not right. It is the admin token, in the file admin-token of the ltibox data directory.")
	}
	if err := ValidateCredentials(&in); err != nil {
		return err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return err
	}
	a, err := s.db.CreateFirstAdmin(c.UserContext(), strings.Clone(in.Username), hash)
	if err != nil {
		return err
	}
	s.log.Info("console setup: first administrator created", "username", a.Username)
	return s.signIn(c, a, fiber.StatusCreated)
}

// adminLogin is POST /api/admin/login, rate-limited per address and per username.
func (s *Server) adminLogin(c *fiber.Ctx) error {
	var in model.Credentials
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	in.Username = strings.TrimSpace(in.Username)
	now := s.tool.Config().Now()
	keys := []string{"ip:" + c.IP(), "user:" + strings.ToLower(in.Username)}
	if wait := s.logins.blocked(now, keys...); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		s.log.Warn("console login rate-limited", "ip", c.IP())
		return fiber.NewError(fiber.StatusTooManyRequests, "Too many failed sign-in attempts. Wait a few minutes and try again.")
	}
	a, hash, err := s.db.AdminPasswordHash(c.UserContext(), in.Username)
	if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
		return err
	}
	if a == nil {
		hash = dummyHash // same work whether or not the user exists
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(in.Password)) != nil || a == nil {
		s.logins.fail(now, keys...)
		s.log.Warn("console login failed", "ip", c.IP())
		return model.Errorf(model.EUNAUTHORIZED, "Wrong username or password.")
	}
	s.logins.reset(keys[1])
	return s.signIn(c, a, fiber.StatusOK)
}

var dummyHash = func() string {
	h, _ := bcrypt.GenerateFromPassword([]byte("ltibox-dummy-password"), bcrypt.DefaultCost)
	return string(h)
}()

func (s *Server) signIn(c *fiber.Ctx, a *model.Admin, status int) error {
	tok, err := lti.NewToken()
	if err != nil {
		return err
	}
	exp := s.tool.Config().Now().Add(adminSessionTTL)
	if err := s.db.CreateAdminSession(c.UserContext(), lti.HashToken(tok), a.ID, exp); err != nil {
		return err
	}
	c.Response().Header.Add(fiber.HeaderSetCookie, adminSessionCookie(tok, int(adminSessionTTL.Seconds())))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(s.adminSessionOf(a, tok, exp.UTC()))
}

// adminSession is GET /api/admin/session: who is signed in and the CSRF token
// (a reloaded console page gets it here; SameSite=Strict and CORS keep other
// sites from reading it).
func (s *Server) adminSession(c *fiber.Ctx) error {
	ck := c.Cookies(adminCookie)
	if ck == "" {
		return model.Errorf(model.EUNAUTHORIZED, "Sign in to the ltibox console.")
	}
	a, exp, err := s.db.AdminBySession(c.UserContext(), lti.HashToken(ck))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(s.adminSessionOf(a, ck, exp))
}

// adminSessionOf is what the console learns on signing in or reloading: who,
// the CSRF token of the session cookie tok, and how often to refresh counts.
func (s *Server) adminSessionOf(a *model.Admin, tok string, exp time.Time) model.AdminSession {
	return model.AdminSession{Admin: *a, CSRFToken: csrfFor(tok), ExpiresAt: exp, PendingRefreshMS: s.cfg.PendingRefresh.Milliseconds()}
}

// adminLogout is POST /api/admin/logout.
func (s *Server) adminLogout(c *fiber.Ctx) error {
	if ck := c.Cookies(adminCookie); ck != "" {
		if err := s.db.DeleteAdminSession(c.UserContext(), lti.HashToken(ck)); err != nil {
			return err
		}
	}
	c.Response().Header.Add(fiber.HeaderSetCookie, adminSessionCookie("", -1))
	return c.SendStatus(fiber.StatusNoContent)
}

// loginLimiter counts failed sign-ins per key in a sliding window.
type loginLimiter struct {
	mu      sync.Mutex
	entries map[string]*limitEntry
}

type limitEntry struct {
	start time.Time
	fails int
}

const (
	loginWindow   = 15 * time.Minute
	loginMaxFails = 5
)

func (l *loginLimiter) blocked(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if e := l.entries[k]; e != nil && now.Sub(e.start) < loginWindow && e.fails >= loginMaxFails {
			if w := loginWindow - now.Sub(e.start); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (l *loginLimiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = map[string]*limitEntry{}
	}
	if len(l.entries) > 10000 { // bound memory under a spray of usernames
		for k, e := range l.entries {
			if now.Sub(e.start) >= loginWindow {
				delete(l.entries, k)
			}
		}
	}
	for _, k := range keys {
		e := l.entries[k]
		if e == nil || now.Sub(e.start) >= loginWindow {
			e = &limitEntry{start: now}
			l.entries[k] = e
		}
		e.fails++
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}
