package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// startApp runs ltibox in-process on a loopback port with the given data dir and
// returns its base URL and a stop function.
func startApp(t testing.TB, dataDir string, demo bool) (*app, string, func()) {
	t.Helper()
	return startAppWith(t, dataDir, demo, nil)
}

// startAppWith is startApp with setup run on the built app before it serves
// (before any of its goroutines start, so setup may replace a.db.Now).
func startAppWith(t testing.TB, dataDir string, demo bool, setup func(*app)) (*app, string, func()) {
	t.Helper()
	return startAppConfig(t, dataDir, demo, nil, setup)
}

// startAppConfig is startAppWith with configure run on the test config first
// (for settings that are not flags, such as config.OutboxRetryWait).
func startAppConfig(t testing.TB, dataDir string, demo bool, configure func(*config), setup func(*app)) (*app, string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{DataDir: dataDir, Addr: ln.Addr().String(), BaseURL: "http://" + ln.Addr().String(), Demo: demo,
		SessionTTL: 8 * time.Hour, Leeway: time.Minute, MaxTokenAge: 5 * time.Minute}
	if configure != nil {
		configure(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(a)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.close()
	}
	return a, cfg.BaseURL, stop
}

func noRedirectClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestRestart_KeepsState: registrations, keys and sessions survive a restart on the same SQLite file.
func TestRestart_KeepsState(t *testing.T) {
	dir := t.TempDir()
	a, base, stop := startApp(t, dir, true)
	kidBefore, err := a.tool.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	token := launchToken(t, a.demo, ltitest.LaunchSpec{UserID: "instructor"})
	stop()

	a2, base2, stop2 := startApp(t, dir, false)
	defer stop2()
	_ = base
	kidAfter, err := a2.tool.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if kidAfter.KID != kidBefore.KID {
		t.Errorf("signing key changed across restart: %s → %s", kidBefore.KID, kidAfter.KID)
	}
	regs, err := a2.db.Registrations(context.Background())
	if err != nil || len(regs) != 1 || regs[0].ClientID != demoClientID {
		t.Fatalf("registrations after restart = %v, %v", regs, err)
	}
	req, _ := http.NewRequest("GET", base2+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), "Grace Hopper") {
		t.Errorf("session after restart: %d %s", r.StatusCode, body)
	}
}

func TestCLI_PlatformLifecycle(t *testing.T) {
	dir := t.TempDir()
	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), append(args, "--data", dir, "--base-url", "https://ltibox.example.edu"), &out, &errb); err != nil {
			t.Fatalf("ltibox %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	// Flags must come before positional arguments for Go's flag package, so build them per command.
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"platform", "add", "--data", dir, "--base-url", "https://ltibox.example.edu", "--name", "Moodle", "--preset", "moodle",
		"--issuer", "https://moodle.example.edu", "--client-id", "AbC", "--auth-url", "https://moodle.example.edu/mod/lti/auth.php",
		"--token-url", "https://moodle.example.edu/mod/lti/token.php", "--jwks-url", "https://moodle.example.edu/mod/lti/certs.php", "--deployment", "1,2"}, &out, &errb)
	if err != nil {
		t.Fatalf("platform add: %v %s", err, errb.String())
	}
	for _, want := range []string{"Added platform 1", `"loginUrl": "https://ltibox.example.edu/lti/login"`, `"jwksUrl": "https://ltibox.example.edu/.well-known/jwks.json"`, `"deploymentId": "2"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("platform add output lacks %s:\n%s", want, out.String())
		}
	}
	if got := runOK("platform", "list"); !strings.Contains(got, "https://moodle.example.edu") || !strings.Contains(got, "AbC") {
		t.Errorf("platform list:\n%s", got)
	}
	// Refusals: http URLs, missing fields, duplicates — with a readable error and nothing stored.
	for _, bad := range [][]string{
		{"--issuer", "https://x.example", "--client-id", "c", "--auth-url", "http://x.example/auth", "--token-url", "https://x.example/t", "--jwks-url", "https://x.example/j"},
		{"--issuer", "https://x.example"},
		{"--issuer", "https://moodle.example.edu", "--client-id", "AbC", "--auth-url", "https://a.example", "--token-url", "https://a.example", "--jwks-url", "https://a.example"},
	} {
		var o, e bytes.Buffer
		err := run(context.Background(), append([]string{"platform", "add", "--data", dir}, bad...), &o, &e)
		if err == nil {
			t.Errorf("platform add %v succeeded", bad)
		} else if msg := err.Error(); !strings.Contains(msg, "https URL") && !strings.Contains(msg, "Missing") && !strings.Contains(msg, "already registered") {
			t.Errorf("platform add %v: unclear error %q", bad, msg)
		}
	}
	if got := runOK("platform", "list"); strings.Count(got, "\n") != 2 {
		t.Errorf("refused adds stored something:\n%s", got)
	}
	var o, e bytes.Buffer
	if err := run(context.Background(), []string{"deployment", "add", "--data", dir, "1", "3"}, &o, &e); err != nil || !strings.Contains(o.String(), `Added deployment "3"`) {
		t.Errorf("deployment add: %v %s", err, o.String())
	}
	first := runOK("keys", "list") // creates the first key
	if got := runOK("keys", "rotate"); !strings.Contains(got, "publishes it within a minute and starts signing with it at") || !strings.Contains(got, "stays published for 7 days") {
		t.Errorf("keys rotate says:\n%s", got)
	}
	if got := runOK("keys", "list"); strings.Count(got, "next: signs from") != 1 || strings.Count(got, "current until") != 1 {
		t.Errorf("keys list after rotate:\n%s\nbefore:\n%s", got, first)
	}
	if err := run(context.Background(), []string{"keys", "rotate", "--data", dir}, &o, &e); err == nil || !strings.Contains(err.Error(), "already published") || !strings.Contains(err.Error(), "--now") {
		t.Errorf("second keys rotate while the first waits: %v", err)
	}
	if err := run(context.Background(), []string{"keys", "rotate", "--data", dir, "--key-prepublish", "5m"}, &o, &e); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("keys rotate --key-prepublish 5m (shorter than the cache times): %v", err)
	}
	if got := runOK("keys", "rotate", "--now"); !strings.Contains(got, "replaces every other key") || !strings.Contains(got, "stops publishing") {
		t.Errorf("keys rotate --now says:\n%s", got)
	}
	if got := runOK("keys", "list"); strings.Count(got, "\n") != 2 || !strings.Contains(got, " current\n") {
		t.Errorf("keys list after rotate --now (one key left, current):\n%s", got)
	}
	o.Reset()
	if err := run(context.Background(), []string{"platform", "remove", "--data", dir, "1"}, &o, &e); err != nil {
		t.Fatalf("platform remove: %v", err)
	}
	if err := run(context.Background(), []string{"platform", "show", "--data", dir, "1"}, &o, &e); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("show removed platform: %v", err)
	}
}

// launchToken launches from lms as spec (no redirect followed) and returns
// the session token the tool's 303 carries in its URL fragment.
func launchToken(t testing.TB, lms *ltitest.Platform, spec ltitest.LaunchSpec) string {
	t.Helper()
	resp, err := lms.Launch(context.Background(), noRedirectClient(), spec)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	i := strings.Index(loc, "#session=")
	if resp.StatusCode != http.StatusSeeOther || i < 0 {
		t.Fatalf("launch as %s: %d %s", spec.UserID, resp.StatusCode, loc)
	}
	return loc[i+len("#session="):]
}
