package api_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ltibox/ltibox"
	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/sqlite"
)

// logBuffer collects structured log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// harness is ltibox on a real loopback port with a real SQLite file, and the
// platform emulator on another port (so the launch is cross-origin, as in an LMS).
type harness struct {
	t      testing.TB
	db     *sqlite.DB
	tool   *lti.Tool
	srv    *api.Server
	url    string
	lms    *ltitest.Platform
	reg    *lti.Registration
	clock  *ltitest.Clock // shared by the tool and the store
	logs   *logBuffer
	dbPath string
}

type harnessOption func(*harnessConfig)

type harnessConfig struct {
	dbPath   string
	withUI   bool
	lmsOpts  ltitest.Options
	toolCfg  func(*lti.Config)
	apiCfg   func(*api.Config)
	register bool
}

func withDBPath(p string) harnessOption               { return func(c *harnessConfig) { c.dbPath = p } }
func withUI() harnessOption                           { return func(c *harnessConfig) { c.withUI = true } }
func withAPIConfig(f func(*api.Config)) harnessOption { return func(c *harnessConfig) { c.apiCfg = f } }
func withToolConfig(f func(*lti.Config)) harnessOption {
	return func(c *harnessConfig) { c.toolCfg = f }
}

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	hc := harnessConfig{dbPath: filepath.Join(t.TempDir(), "ltibox.db"), register: true}
	for _, o := range opts {
		o(&hc)
	}
	h := &harness{t: t, clock: &ltitest.Clock{}, logs: &logBuffer{}, dbPath: hc.dbPath}
	db, err := sqlite.Open(hc.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = h.clock.Now
	h.db = db
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String()
	cfg := lti.Config{BaseURL: h.url, AllowInsecure: true, Now: h.clock.Now}
	if hc.toolCfg != nil {
		hc.toolCfg(&cfg)
	}
	h.tool, err = lti.New(cfg, db, db, db)
	if err != nil {
		t.Fatal(err)
	}
	var assets fs.FS
	if hc.withUI {
		if assets, err = fs.Sub(ltibox.Assets, "assets"); err != nil {
			t.Fatal(err)
		}
	}
	apiCfg := api.Config{BaseURL: h.url, AdminToken: "admin-secret", Assets: assets, Insecure: true,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(h.logs, testWriter{t}), nil))}
	if hc.apiCfg != nil {
		hc.apiCfg(&apiCfg)
	}
	h.srv, err = api.New(apiCfg, db, h.tool)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.srv.App().Listener(ln) }()
	h.lms = ltitest.NewServer(t, hc.lmsOpts)
	urls := h.tool.URLs()
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	if hc.register {
		h.reg = &lti.Registration{Name: "Test LMS", Issuer: h.lms.Issuer(), ClientID: "tool-1", AuthURL: h.lms.AuthURL(),
			TokenURL: h.lms.TokenURL(), JWKSURL: h.lms.JWKSURL()}
		if err := db.CreateRegistration(context.Background(), h.reg); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddDeployment(context.Background(), h.reg.ID, "1", lti.StatusActive); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		// A connection the shared transport dialed but never used (it lost
		// a dial race) is not idle to fasthttp, so Shutdown would wait the
		// server's ReadTimeout (30 s) for it: close it first.
		http.DefaultClient.CloseIdleConnections()
		_ = h.srv.Shutdown(context.Background())
		h.tool.Close()
		db.Close()
	})
	return h
}

// testWriter sends server logs to the test log when -v is set (not for a
// fuzz test's harness: F.Log may not be called while its target runs).
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	if _, fuzz := w.t.(*testing.F); testing.Verbose() && !fuzz {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// browser is a client with a cookie jar that never follows redirects by itself.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// launch runs a whole launch through the emulator and returns the tool's answer.
func (h *harness) launch(spec ltitest.LaunchSpec) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.lms.Launch(context.Background(), h.browser(), spec)
	if err != nil {
		h.t.Fatalf("launch: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// sessionToken extracts the bearer token from a successful launch's redirect.
func sessionToken(t testing.TB, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("launch status = %d, want 303", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	i := strings.Index(loc, "#session=")
	if i < 0 {
		t.Fatalf("launch redirect %q has no #session=", loc)
	}
	return loc[i+len("#session="):]
}

// startLogin runs the login initiation and the platform's /auth step by hand,
// returning the form the browser would post to the launch URL.
func (h *harness) startLogin(client *http.Client, spec ltitest.LaunchSpec) (action string, fields url.Values) {
	h.t.Helper()
	form := h.lms.LoginForm(spec)
	resp, err := client.PostForm(h.tool.LoginURL(), form)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("login status = %d, want 302", resp.StatusCode)
	}
	action, fields, err = h.lms.Authorize(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatalf("authorize: %v", err)
	}
	return action, fields
}

func (h *harness) post(client *http.Client, action string, fields url.Values) (*http.Response, string) {
	h.t.Helper()
	resp, err := client.PostForm(action, fields)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (h *harness) count() (logins, sessions int) {
	h.t.Helper()
	l, err := h.db.CountLogins(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := h.db.CountSessions(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return l, s
}

// apiGet calls the session API with a bearer token.
func (h *harness) apiGet(path, token string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var _ = os.Getenv
