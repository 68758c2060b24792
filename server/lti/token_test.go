package lti_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/sqlite"
)

// serviceFixture is a Tool with its JWKS served on loopback, registered in an emulator.
type serviceFixture struct {
	tool *lti.Tool
	lms  *ltitest.Platform
	reg  *lti.Registration
}

func newServiceFixture(t *testing.T, opts ...ltitest.Options) *serviceFixture {
	t.Helper()
	var lmsOpts ltitest.Options
	if len(opts) > 0 {
		lmsOpts = opts[0]
	}
	return newServiceFixtureCfg(t, lti.Config{}, lmsOpts)
}

// newServiceFixtureCfg is newServiceFixture with tool settings (BaseURL and
// AllowInsecure are filled in).
func newServiceFixtureCfg(t *testing.T, cfg lti.Config, lmsOpts ltitest.Options) *serviceFixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg.BaseURL, cfg.AllowInsecure = base, true
	tool, err := lti.New(cfg, db, db, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tool.Close)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := tool.JWKS(r.Context())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	lms := ltitest.NewServer(t, lmsOpts)
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "c1", LoginURL: tool.LoginURL(), RedirectURIs: []string{tool.LaunchURL()}, JWKSURL: base + "/.well-known/jwks.json"})
	reg := &lti.Registration{Name: "LMS", Issuer: lms.Issuer(), ClientID: "c1", AuthURL: lms.AuthURL(), TokenURL: lms.TokenURL(), JWKSURL: lms.JWKSURL(), Status: lti.StatusActive}
	if err := db.CreateRegistration(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	return &serviceFixture{tool: tool, lms: lms, reg: reg}
}

func TestAccessToken_CachedAndSingleFlight(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore, lti.ScopeLineItem}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := f.lms.TokenRequests(); n != 1 {
		t.Errorf("100 concurrent token requests reached the platform %d times, want 1", n)
	}
	// The same scopes in another order share the cache entry.
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeLineItem, lti.ScopeScore}); err != nil {
		t.Fatal(err)
	}
	if n := f.lms.TokenRequests(); n != 1 {
		t.Errorf("reordered scopes fetched a new token (%d requests)", n)
	}
	// An expired token is refreshed once. The platform clock is real, so wait
	// out a 2 s token (renewed 1 s early) instead of moving the tool's clock.
	f.lms.SetTokenTTL(2 * time.Second)
	f.tool.ForgetTokens()
	if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore, lti.ScopeLineItem}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	for i := 0; i < 3; i++ {
		if _, err := f.tool.AccessToken(ctx, f.reg, []string{lti.ScopeScore, lti.ScopeLineItem}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.lms.TokenRequests(); n != 3 {
		t.Errorf("after expiry: %d token requests, want 3 (first, short-lived, one refresh)", n)
	}
}

func TestAccessToken_ConfigurationErrorIsNotRetryable(t *testing.T) {
	f := newServiceFixture(t)
	f.reg.ClientID = "not-registered-there"
	_, err := f.tool.AccessToken(context.Background(), f.reg, []string{lti.ScopeScore})
	var se *lti.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a ServiceError", err)
	}
	if se.Retryable || se.Status < 400 || se.Status >= 500 || se.Message == "" {
		t.Errorf("token refusal = %+v, want a non-retryable 4xx with the platform's message", se)
	}
}

func TestAccessToken_NetworkErrorIsRetryable(t *testing.T) {
	f := newServiceFixture(t)
	f.reg.TokenURL = "http://127.0.0.1:1/token"
	_, err := f.tool.AccessToken(context.Background(), f.reg, []string{lti.ScopeScore})
	var se *lti.ServiceError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want a retryable ServiceError", err)
	}
}

func TestAccessToken_ServerErrorIsRetryable(t *testing.T) {
	f := newServiceFixture(t)
	f.lms.FailNext("/token", 1, http.StatusServiceUnavailable)
	_, err := f.tool.AccessToken(context.Background(), f.reg, []string{lti.ScopeScore})
	var se *lti.ServiceError
	if !errors.As(err, &se) || !se.Retryable || se.Status != 503 {
		t.Fatalf("err = %v, want a retryable 503", err)
	}
	if _, err := f.tool.AccessToken(context.Background(), f.reg, []string{lti.ScopeScore}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestParseLinks(t *testing.T) {
	base, _ := url.Parse("https://lms.example/api/lti/courses/1/names_and_roles?limit=10")
	for _, sc := range []struct {
		name   string
		header http.Header
		want   map[string]string
	}{
		{"canonical", http.Header{"Link": {`<https://lms.example/p2>; rel="next", <https://lms.example/d>; rel="differences"`}}, map[string]string{"next": "https://lms.example/p2", "differences": "https://lms.example/d"}},
		{"lowercase header (Canvas)", http.Header{"link": {`<https://lms.example/p2>; rel="next"`}}, map[string]string{"next": "https://lms.example/p2"}},
		{"relative URL", http.Header{"Link": {`</api/page/2?from=x,y>; rel=next`}}, map[string]string{"next": "https://lms.example/api/page/2?from=x,y"}},
		{"several rels", http.Header{"Link": {`<https://lms.example/last>; rel="last next"`}}, map[string]string{"last": "https://lms.example/last", "next": "https://lms.example/last"}},
		{"two header lines", http.Header{"Link": {`<https://a.example/1>; rel="first"`, `<https://a.example/2>; rel="next"`}}, map[string]string{"first": "https://a.example/1", "next": "https://a.example/2"}},
		{"garbage", http.Header{"Link": {`nonsense; rel=next, <>`}}, map[string]string{}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			got := lti.ParseLinks(base, sc.header)
			if len(got) != len(sc.want) {
				t.Fatalf("got %v, want %v", got, sc.want)
			}
			for k, v := range sc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
