package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/ltibox/ltibox"
	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// webTestWasm is a stand-in for app.wasm: its gzip twin is real gzip, its
// "br" twin just distinct bytes (the server never decodes brotli).
var webTestWasm = bytes.Repeat([]byte("\x00asm fake wasm "), 1000)

func mustWebAssets(tb testing.TB, withWasm bool) fs.FS {
	tb.Helper()
	fsys := fstest.MapFS{
		"web/app.css":    {Data: []byte("body{color:red}\n")},
		"web/icon.svg":   {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"web/robots.txt": {Data: []byte("User-agent: *\nDisallow: /\n")},
		"web/sub/x.txt":  {Data: []byte("nested")},
	}
	if withWasm {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		if _, err := zw.Write(webTestWasm); err != nil {
			tb.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
		fsys["web/app.wasm.gz"] = &fstest.MapFile{Data: gz.Bytes()}
		fsys["web/app.wasm.br"] = &fstest.MapFile{Data: []byte("fake-brotli-bytes")}
	}
	return fsys
}

func mustWebApp(tb testing.TB, fsys fs.FS) (*fiber.App, *Web) {
	tb.Helper()
	w, err := NewWeb(WebOptions{Assets: fsys})
	if err != nil {
		tb.Fatalf("NewWeb: %v", err)
	}
	f := fiber.New()
	w.Mount(f)
	return f, w
}

type webReply struct {
	status int
	header http.Header
	body   string
}

func webDo(tb testing.TB, f *fiber.App, method, target string, header map[string]string) webReply {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Header.Del("Accept-Encoding")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := f.Test(req, -1)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return webReply{status: res.StatusCode, header: res.Header, body: string(b)}
}

func TestWebStatic(t *testing.T) {
	f, w := mustWebApp(t, mustWebAssets(t, true))
	v := w.Version()
	if len(v) != 12 {
		t.Fatalf("Version() = %q, want 12 hex digits", v)
	}
	gz, _ := fs.ReadFile(mustWebAssets(t, true), "web/app.wasm.gz")

	tests := []struct {
		name        string
		target      string
		accept      string
		wantStatus  int
		wantType    string
		wantEnc     string
		wantBody    string
		wantImmut   bool
		wantLength  int
		skipHeaders bool
	}{
		{name: "css", target: "/web/" + v + "/app.css", wantStatus: 200, wantType: "text/css", wantBody: "body{color:red}\n", wantImmut: true},
		{name: "svg", target: "/web/" + v + "/icon.svg", wantStatus: 200, wantType: "image/svg+xml", wantImmut: true},
		{name: "nested", target: "/web/" + v + "/sub/x.txt", wantStatus: 200, wantType: "text/plain", wantBody: "nested", wantImmut: true},
		{name: "wasm br", target: "/web/" + v + "/app.wasm", accept: "gzip, deflate, br, zstd", wantStatus: 200, wantType: "application/wasm", wantEnc: "br", wantBody: "fake-brotli-bytes", wantImmut: true},
		{name: "wasm gzip", target: "/web/" + v + "/app.wasm", accept: "gzip, deflate", wantStatus: 200, wantType: "application/wasm", wantEnc: "gzip", wantBody: string(gz), wantImmut: true},
		{name: "wasm br refused", target: "/web/" + v + "/app.wasm", accept: "br;q=0, gzip;q=0.5", wantStatus: 200, wantType: "application/wasm", wantEnc: "gzip", wantBody: string(gz), wantImmut: true},
		{name: "wasm identity", target: "/web/" + v + "/app.wasm", wantStatus: 200, wantType: "application/wasm", wantBody: string(webTestWasm), wantImmut: true, wantLength: len(webTestWasm)},
		{name: "wasm identity explicit", target: "/web/" + v + "/app.wasm", accept: "identity", wantStatus: 200, wantType: "application/wasm", wantBody: string(webTestWasm), wantImmut: true},
		{name: "wrong version", target: "/web/000000000000/app.css", wantStatus: 404, skipHeaders: true},
		{name: "unknown file", target: "/web/" + v + "/nope.css", wantStatus: 404, skipHeaders: true},
		{name: "directory", target: "/web/" + v + "/sub", wantStatus: 404, skipHeaders: true},
		{name: "dot segments", target: "/web/" + v + "/sub/../app.css", wantStatus: 404, skipHeaders: true},
		{name: "no file", target: "/web/" + v + "/", wantStatus: 404, skipHeaders: true},
		{name: "robots", target: "/robots.txt", wantStatus: 200, wantType: "text/plain", wantBody: "User-agent: *\nDisallow: /\n"},
		{name: "sitemap not proxied", target: "/sitemap.xml", wantStatus: 404, skipHeaders: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.accept != "" {
				h["Accept-Encoding"] = tt.accept
			}
			r := webDo(t, f, "GET", tt.target, h)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %.80q)", r.status, tt.wantStatus, r.body)
			}
			if tt.skipHeaders {
				return
			}
			if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := r.header.Get("Content-Encoding"); got != tt.wantEnc {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.wantEnc)
			}
			if tt.wantBody != "" && r.body != tt.wantBody {
				t.Errorf("body = %.60q (%d bytes), want %.60q (%d bytes)", r.body, len(r.body), tt.wantBody, len(tt.wantBody))
			}
			if tt.wantImmut {
				if got := r.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
					t.Errorf("Cache-Control = %q", got)
				}
				if got := r.header.Get("Vary"); got != "Accept-Encoding" {
					t.Errorf("Vary = %q", got)
				}
			}
			if tt.wantLength != 0 {
				if got := r.header.Get("Content-Length"); got != strconv.Itoa(tt.wantLength) {
					t.Errorf("Content-Length = %q, want %d", got, tt.wantLength)
				}
			}
		})
	}
}

func TestWebPages(t *testing.T) {
	f, w := mustWebApp(t, mustWebAssets(t, true))
	v := w.Version()

	t.Run("home shell is prerendered", func(t *testing.T) {
		for _, target := range []string{"/app/", "/app"} {
			r := webDo(t, f, "GET", target, nil)
			if r.status != 200 {
				t.Fatalf("GET %s = %d", target, r.status)
			}
			for _, want := range []string{
				"<title>ltibox</title>",
				`href="/web/` + v + `/app.css"`,
				`href="/web/` + v + `/icon.svg"`,
				"<main ", `id="main"`,
				`role="status"`,
				"<h1>ltibox</h1>",
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("GET %s: missing %q", target, want)
				}
			}
			for _, unwanted := range []string{"raw.githubusercontent.com", "wasm-ready", `="false"`} {
				if strings.Contains(r.body, unwanted) {
					t.Errorf("GET %s: unexpected %q", target, unwanted)
				}
			}
		}
	})

	t.Run("app.js loads the versioned wasm with its raw size", func(t *testing.T) {
		r := webDo(t, f, "GET", "/app.js", nil)
		if r.status != 200 {
			t.Fatalf("GET /app.js = %d", r.status)
		}
		for _, want := range []string{
			`"/web/` + v + `/app.wasm"`,
			`goappWasmContentLength = "` + strconv.Itoa(len(webTestWasm)) + `"`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("app.js: missing %q", want)
			}
		}
	})

	t.Run("service worker intercepts nothing", func(t *testing.T) {
		r := webDo(t, f, "GET", "/app-worker.js", nil)
		if r.status != 200 {
			t.Fatalf("GET /app-worker.js = %d", r.status)
		}
		if strings.Contains(r.body, "fetch") {
			t.Errorf("service worker has a fetch listener:\n%s", r.body)
		}
		for _, want := range []string{"skipWaiting", "caches.delete", "clients.claim", v} {
			if !strings.Contains(r.body, want) {
				t.Errorf("service worker: missing %q", want)
			}
		}
	})

	t.Run("manifest icons are local", func(t *testing.T) {
		r := webDo(t, f, "GET", "/manifest.webmanifest", nil)
		if r.status != 200 || strings.Contains(r.body, "https://") || !strings.Contains(r.body, "/web/"+v+"/icon-512.png") {
			t.Errorf("manifest = %d %s", r.status, r.body)
		}
	})

	t.Run("unrouted page is 404", func(t *testing.T) {
		if r := webDo(t, f, "GET", "/nope", nil); r.status != 404 {
			t.Errorf("GET /nope = %d, want 404", r.status)
		}
	})
}

func TestWebWithoutWasm(t *testing.T) {
	f, w := mustWebApp(t, mustWebAssets(t, false))
	if r := webDo(t, f, "GET", "/web/"+w.Version()+"/app.wasm", map[string]string{"Accept-Encoding": "br"}); r.status != 404 {
		t.Errorf("wasm without a build = %d, want 404", r.status)
	}
	if r := webDo(t, f, "GET", "/app/", nil); r.status != 200 {
		t.Errorf("GET /app/ without wasm = %d, want 200", r.status)
	}
}

func TestWebVersionFollowsWasm(t *testing.T) {
	a, err := NewWeb(WebOptions{Assets: mustWebAssets(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	other := mustWebAssets(t, true).(fstest.MapFS)
	other["web/app.wasm.gz"] = &fstest.MapFile{Data: append([]byte{0x1f, 0x8b}, make([]byte, 30)...)}
	b, err := NewWeb(WebOptions{Assets: other})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() == b.Version() {
		t.Errorf("different wasm, same version %q", a.Version())
	}
	css := mustWebAssets(t, true).(fstest.MapFS)
	css["web/app.css"] = &fstest.MapFile{Data: []byte("body{color:blue}\n")}
	c, err := NewWeb(WebOptions{Assets: css})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() == c.Version() {
		t.Errorf("different app.css, same version %q: browsers would keep the old one for a year", a.Version())
	}
	again, err := NewWeb(WebOptions{Assets: mustWebAssets(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != again.Version() {
		t.Errorf("same files, versions %q and %q", a.Version(), again.Version())
	}
}

func TestWebRejectsBrokenWasm(t *testing.T) {
	fsys := mustWebAssets(t, true).(fstest.MapFS)
	fsys["web/app.wasm.gz"] = &fstest.MapFile{Data: []byte("not gzip")}
	if _, err := NewWeb(WebOptions{Assets: fsys}); err == nil {
		t.Error("NewWeb accepted a broken app.wasm.gz")
	}
	if _, err := NewWeb(WebOptions{}); err == nil {
		t.Error("NewWeb accepted no assets")
	}
}

// TestWebEmbeddedAssets mounts the real embedded tree (with or without a
// wasm build) to catch missing files.
func TestWebEmbeddedAssets(t *testing.T) {
	sub, err := fs.Sub(ltibox.Assets, "assets")
	if err != nil {
		t.Fatal(err)
	}
	f, w := mustWebApp(t, sub)
	for _, name := range []string{"app.css", "icon.svg", "icon-192.png", "icon-512.png"} {
		if r := webDo(t, f, "GET", "/web/"+w.Version()+"/"+name, nil); r.status != 200 {
			t.Errorf("GET %s = %d", name, r.status)
		}
	}
	r := webDo(t, f, "GET", "/app/", nil)
	if r.status != 200 || !strings.Contains(r.body, "/web/"+w.Version()+"/app.css") {
		t.Errorf("GET /app/ = %d", r.status)
	}
}

func TestWebAcceptsEncoding(t *testing.T) {
	tests := []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"gzip", "br", false},
		{"br;q=0", "br", false},
		{"BR;Q=0.5", "br", true},
		{"*", "br", true},
		{"*;q=0", "gzip", false},
		{"*, gzip;q=0", "gzip", false},
		{"", "gzip", false},
		{"identity", "gzip", false},
	}
	for _, tt := range tests {
		if got := webAcceptsEncoding(tt.header, tt.enc); got != tt.want {
			t.Errorf("webAcceptsEncoding(%q, %q) = %v, want %v", tt.header, tt.enc, got, tt.want)
		}
	}
}

// TestWebInBrowser runs the real wasm (built by `make wasm`) in headless
// Chromium against Web alone plus a stand-in for GET /api/v1/session: the
// token travels in the fragment, is stripped from the address bar, is sent as
// a bearer token, survives a reload, and every failure reads as a sentence.
func TestWebInBrowser(t *testing.T) {
	sub, err := fs.Sub(ltibox.Assets, "assets")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(sub, "web/app.wasm.gz"); err != nil {
		// make test builds the wasm first; only a bare `go test` outside CI may lack it.
		if os.Getenv("CI") != "" {
			t.Fatal("no wasm build in assets/web: CI must run `make test`, which builds it")
		}
		t.Skip("no wasm build in assets/web (run `make wasm`): skipping the browser test")
	}
	w, err := NewWeb(WebOptions{Assets: sub})
	if err != nil {
		t.Fatal(err)
	}

	var unknownHits atomic.Int32
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Get("/api/v1/session", func(c *fiber.Ctx) error {
		switch c.Get(fiber.HeaderAuthorization) {
		case "Bearer good":
			return c.JSON(model.Session{
				User:      model.User{Name: "Ada Lovelace"},
				Role:      model.RoleLearner,
				Context:   model.Context{Title: "Analytical Engines"},
				LinkTitle: "Week 3 quiz",
				Services:  model.Services{AGS: true},
			})
		case "Bearer expired":
			return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": fiber.Map{"code": model.EUNAUTHORIZED, "message": "Session expired."}})
		}
		unknownHits.Add(1)
		return c.Next() // falls through to the go-app catch-all: a plain-text 404
	})
	w.Mount(f)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.Listener(ln) }()
	t.Cleanup(func() { _ = f.ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String()

	browser := browsertest.New(t)
	var ctx context.Context

	// expect waits for the wasm to take over and the page to reach status,
	// then returns the heading and the status message.
	expect := func(t *testing.T, status string, actions ...chromedp.Action) (h1, msg string) {
		t.Helper()
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(browser, 60*time.Second)
		t.Cleanup(cancel)
		actions = append(actions,
			chromedp.WaitReady("#wasm-ready", chromedp.ByQuery),
			chromedp.WaitVisible(`main[data-status="`+status+`"]`, chromedp.ByQuery),
			chromedp.Text("h1", &h1, chromedp.ByQuery),
			chromedp.TextContent("#status", &msg, chromedp.ByQuery),
		)
		if err := chromedp.Run(ctx, actions...); err != nil {
			browsertest.Screenshot(t, browser, t.TempDir()+"/page.png")
			t.Fatalf("waiting for status %q: %v", status, err)
		}
		return h1, msg
	}

	t.Run("launch", func(t *testing.T) {
		h1, _ := expect(t, "loaded", chromedp.Navigate(base+"/app/#session=good"))
		var course, hash, stored, wasmEncoding string
		if err := chromedp.Run(ctx,
			chromedp.Text("#course", &course, chromedp.ByQuery),
			chromedp.Evaluate(`location.hash`, &hash),
			chromedp.Evaluate(`sessionStorage.getItem("ltibox.session")`, &stored),
			chromedp.Evaluate(`(() => { const e = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/app.wasm")); return e ? e.name + " " + e.encodedBodySize + "/" + e.decodedBodySize : "none"; })()`, &wasmEncoding),
		); err != nil {
			t.Fatal(err)
		}
		if h1 != "Hello, Ada Lovelace" || course != "Analytical Engines" {
			t.Errorf("h1 = %q, course = %q", h1, course)
		}
		if hash != "" {
			t.Errorf("token left in the address bar: hash = %q", hash)
		}
		if stored != `"good"` {
			t.Errorf("sessionStorage = %q", stored)
		}
		if !strings.Contains(wasmEncoding, "/web/"+w.Version()+"/app.wasm") {
			t.Errorf("wasm resource = %q", wasmEncoding)
		}
		t.Logf("wasm transfer (encoded/decoded bytes): %s", wasmEncoding)

		var worker string
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(async () => {
			const reg = await navigator.serviceWorker.ready;
			return (await caches.keys()).length + " caches, active: " + !!reg.active;
		})()`, &worker, func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
			t.Fatal(err)
		}
		if worker != "0 caches, active: true" {
			t.Errorf("service worker: %s", worker)
		}
	})

	t.Run("reload keeps the session", func(t *testing.T) {
		if h1, _ := expect(t, "loaded", chromedp.Reload()); h1 != "Hello, Ada Lovelace" {
			t.Errorf("h1 = %q", h1)
		}
	})

	// Every launch below starts from about:blank: a real launch is always a
	// new document (the LMS POSTs, we answer 303), while a fragment-only
	// change would not reload the page.
	t.Run("expired", func(t *testing.T) {
		if _, msg := expect(t, "failed", chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/app/#session=expired")); msg != "Your session has ended or is not valid. Relaunch the activity from your course." {
			t.Errorf("status = %q", msg)
		}
	})

	t.Run("no API yet", func(t *testing.T) {
		if _, msg := expect(t, "failed", chromedp.Navigate("about:blank"), chromedp.Navigate(base+"/app#session=x")); msg != "Could not load your course activity. Not found (HTTP 404)." {
			t.Errorf("status = %q", msg)
		}
		before := unknownHits.Load()
		if err := chromedp.Run(ctx,
			chromedp.Click("main button", chromedp.ByQuery),
			chromedp.WaitVisible(`main[data-status="failed"] button`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for unknownHits.Load() == before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if unknownHits.Load() == before {
			t.Error("Try again did not call the API again")
		}
	})

	t.Run("no token", func(t *testing.T) {
		_, msg := expect(t, "failed",
			chromedp.Evaluate(`sessionStorage.clear()`, nil),
			chromedp.Navigate(base+"/app/"),
		)
		if msg != "This page only works when opened from your course. Relaunch the activity from your LMS." {
			t.Errorf("status = %q", msg)
		}
	})
}
