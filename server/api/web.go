package api

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/ltibox/ltibox/ui"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Web serves the embedded SPA: the go-app handler (prerendered pages, app.js,
// wasm_exec.js, manifest, the no-op service worker) and the versioned
// immutable static files.
type Web struct {
	assets   fs.FS // rooted so that "web/app.css" exists
	version  string
	hasWasm  bool
	hasBr    bool
	wasmSize int64 // uncompressed app.wasm, from the gzip trailer
	handler  *app.Handler
}

// WebOptions configures NewWeb.
type WebOptions struct {
	// Assets holds "web/app.css", "web/icon.svg", ... and, after `make wasm`,
	// "web/app.wasm.gz" (required for the UI to start) and "web/app.wasm.br".
	// Usually fs.Sub(ltibox.Assets, "assets").
	Assets fs.FS
	// Title of the pages; defaults to "ltibox".
	Title string
}

const (
	webName        = "ltibox"
	webWasm        = "web/app.wasm"
	webImmutable   = "public, max-age=31536000, immutable"
	webThemeColor  = "#1f5fbf"
	webBackground  = "#f7f8fa"
	webVersionLen  = 12
	webStaticRoute = "/web/:ver/*"
)

// webServiceWorker replaces go-app's default app-worker.js, which is
// cache-first for every request in scope "/" (LTI launches and /api calls
// included) and serves a stale app after each deploy. go-app always registers
// a worker, so this one does nothing but delete the caches an earlier worker
// left and take control. It has no request listener: nothing is intercepted
// and caching rests on plain HTTP. The version comment changes the script's
// bytes on every deploy, so browsers install it again.
const webServiceWorker = `// ltibox service worker {{.Version}}: intentionally inert.
self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});
`

// NewWeb checks the assets, derives the version and builds the go-app
// handler. It calls ui.Register so the prerender knows every page.
func NewWeb(opts WebOptions) (*Web, error) {
	if opts.Assets == nil {
		return nil, errors.New("new web: no assets")
	}
	if opts.Title == "" {
		opts.Title = webName
	}
	w := &Web{assets: opts.Assets}

	gz, err := fs.ReadFile(opts.Assets, webWasm+".gz")
	switch {
	case err == nil:
		if w.wasmSize, err = webGzipSize(gz); err != nil {
			return nil, fmt.Errorf("new web: %s.gz: %w", webWasm, err)
		}
		w.hasWasm = true
		_, err = fs.Stat(opts.Assets, webWasm+".br")
		w.hasBr = err == nil
	case errors.Is(err, fs.ErrNotExist):
		// No `make wasm` yet (unit tests): pages prerender, the UI never starts.
	default:
		return nil, fmt.Errorf("new web: %w", err)
	}

	// The version covers every file under web/, not only the wasm: the files
	// are cached as immutable, so a CSS-only change needs a new URL too.
	sum := sha256.New()
	err = fs.WalkDir(opts.Assets, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := fs.ReadFile(opts.Assets, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(sum, "%s %d\n", name, len(b))
		sum.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("new web: %w", err)
	}
	w.version = hex.EncodeToString(sum.Sum(nil))[:webVersionLen]

	ui.Register()
	w.handler = &app.Handler{
		Name:            webName,
		ShortName:       webName,
		Title:           opts.Title,
		Description:     "An LTI 1.3 tool.",
		Lang:            "en",
		Version:         w.version,
		BackgroundColor: webBackground,
		ThemeColor:      webThemeColor,
		LoadingLabel:    "Loading {progress}%",
		Icon: app.Icon{
			Default: "/web/icon-192.png",
			Large:   "/web/icon-512.png",
			SVG:     "/web/icon.svg",
		},
		Styles:                []string{"/web/app.css"},
		Scripts:               []string{"/web/storage-fallback.js"}, // issue 7: runs before go-app (not deferred)
		Resources:             webResolver{prefix: "/web/" + w.version},
		ServiceWorkerTemplate: webServiceWorker,
	}
	if w.hasWasm {
		w.handler.WasmContentLength = strconv.FormatInt(w.wasmSize, 10)
	}
	return w, nil
}

// Version is the asset version in every /web/<version>/ URL and go-app's
// ETag: 12 hex digits of a SHA-256 over every file under web/ (the wasm
// build, app.css, icons), so any change to them gives new URLs.
func (w *Web) Version() string { return w.version }

// Mount registers the static files and then the go-app catch-all. The
// catch-all is GET /*, so Mount must come after every other route.
func (w *Web) Mount(f *fiber.App) {
	f.Get(webStaticRoute, w.serveStatic)
	goapp := adaptor.HTTPHandler(w.handler)
	f.Get("/*", func(c *fiber.Ctx) error {
		switch c.Path() {
		case "/robots.txt":
			// go-app would try to proxy these over HTTP from /web/.
			return w.sendFile(c, "web/robots.txt", "no-cache")
		case "/sitemap.xml", "/ads.txt":
			return c.SendStatus(fiber.StatusNotFound)
		}
		if err := goapp(c); err != nil {
			return err
		}
		if c.Response().StatusCode() == fiber.StatusNotFound {
			// go-app answers an unknown route with a plain-text 404; a person
			// gets the server's error page, which says what to do next.
			c.Response().ResetBody()
			return fiber.ErrNotFound
		}
		return nil
	})
}

// serveStatic serves GET /web/<version>/<file> from the embedded assets.
func (w *Web) serveStatic(c *fiber.Ctx) error {
	if c.Params("ver") != w.version {
		return c.SendStatus(fiber.StatusNotFound)
	}
	name := c.Params("*")
	if name == "" || !fs.ValidPath(name) || path.Clean(name) != name {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if name == "app.wasm" {
		return w.sendWasm(c)
	}
	return w.sendFile(c, "web/"+name, webImmutable)
}

// sendFile streams one embedded file, or answers 404.
func (w *Web) sendFile(c *fiber.Ctx, name, cacheControl string) error {
	f, size, err := w.open(name)
	if err != nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderContentType, webContentType(name))
	return c.SendStream(f, int(size))
}

// sendWasm picks the precompressed twin the client accepts (br, then gzip)
// and gunzips on the fly for a client that accepts neither.
func (w *Web) sendWasm(c *fiber.Ctx) error {
	if !w.hasWasm {
		return c.SendStatus(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderCacheControl, webImmutable)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderContentType, "application/wasm")

	accept := c.Get(fiber.HeaderAcceptEncoding)
	enc := ""
	switch {
	case w.hasBr && webAcceptsEncoding(accept, "br"):
		enc = "br"
	case webAcceptsEncoding(accept, "gzip"):
		enc = "gzip"
	}
	if enc != "" {
		ext := ".gz"
		if enc == "br" {
			ext = ".br"
		}
		f, size, err := w.open(webWasm + ext)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentEncoding, enc)
		return c.SendStream(f, int(size))
	}

	f, _, err := w.open(webWasm + ".gz")
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	return c.SendStream(zr, int(w.wasmSize))
}

// open returns a regular embedded file and its size.
func (w *Web) open(name string) (fs.File, int64, error) {
	f, err := w.assets.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, 0, fs.ErrNotExist
	}
	return f, fi.Size(), nil
}

// webResolver maps /web/x to /web/<version>/x, so go-app writes versioned
// URLs into the page, app.js and the manifest. It only resolves; the files
// are served by Web.serveStatic (go-app's default resolver would serve the
// process's current directory).
type webResolver struct {
	prefix string // "/web/<version>"
}

func (r webResolver) Resolve(p string) string {
	switch {
	case p == "" || p == "/":
		return "/"
	case p == r.prefix || strings.HasPrefix(p, r.prefix+"/"):
		return p
	case p == "/web":
		return r.prefix
	case strings.HasPrefix(p, "/web/"):
		return r.prefix + strings.TrimPrefix(p, "/web")
	case strings.HasPrefix(p, "web/"):
		return r.prefix + "/" + strings.TrimPrefix(p, "web/")
	}
	return p
}

// webGzipSize returns the uncompressed size recorded in a gzip trailer (ISIZE,
// modulo 2^32: fine for a wasm binary).
func webGzipSize(gz []byte) (int64, error) {
	if len(gz) < 18 || gz[0] != 0x1f || gz[1] != 0x8b {
		return 0, errors.New("not gzip")
	}
	return int64(binary.LittleEndian.Uint32(gz[len(gz)-4:])), nil
}

// webAcceptsEncoding reports whether an Accept-Encoding header allows enc
// (named or via "*") with a non-zero quality.
func webAcceptsEncoding(header, enc string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != enc && name != "*" {
			continue
		}
		ok := true
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				ok = err == nil && q > 0
			}
		}
		if name == enc {
			return ok
		}
		star = ok
	}
	return star
}

// webContentType is the media type for an embedded file name.
func webContentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm"
	case ".webmanifest":
		return "application/manifest+json"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
