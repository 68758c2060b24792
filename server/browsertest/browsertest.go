// Package browsertest starts headless Chromium for end-to-end tests of the
// web UI, through chromedp (pinned at v0.14.2: chromedp@latest has a
// different API).
//
//	ctx := browsertest.New(t)
//	err := chromedp.Run(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#wasm-ready"))
//
// Each call starts a fresh browser with an empty profile, so every test sees
// a cold cache and no cookies. Chromium is /usr/bin/chromium (Debian's
// package) or $CHROMIUM. Without it a test fails when $CI is set and is
// skipped, loudly, otherwise.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// New starts headless Chromium and returns a context for chromedp.Run. Options
// set up the profile before the browser starts (e.g. BlockCookies). The
// browser is closed (and its profile directory removed) when tb ends. If tb
// has a deadline (go test -timeout), the context ends a little before it, so
// a stuck browser fails the test instead of killing the whole run.
func New(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	path := execPath(tb)
	profile := tb.TempDir()
	if err := writeProfile(profile, opts); err != nil {
		tb.Fatalf("browsertest: %v", err)
	}

	parent := context.Background()
	cancelParent := context.CancelFunc(func() {})
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			parent, cancelParent = context.WithDeadline(parent, deadline.Add(-5*time.Second))
		}
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)

	// chromedp logs from its own goroutines; after the test ends tb.Logf
	// would panic, so stop forwarding first.
	var mu sync.Mutex
	done := false
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			tb.Logf("chromedp: "+format, args...)
		}
	}
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))

	tb.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// A graceful close lets Chromium stop its helper processes itself;
		// the cancels below then kill whatever is left and wait for it.
		_ = chromedp.Cancel(withLimit(ctx, closeCtx))
		cancelCtx()
		cancelAlloc()
		cancelParent()
		mu.Lock()
		done = true
		mu.Unlock()
	})

	// Start the browser now, so a broken install fails here, not in the
	// first action of the test.
	if err := chromedp.Run(ctx); err != nil {
		tb.Fatalf("browsertest: start %s: %v", path, err)
	}
	return ctx
}

// withLimit keeps ctx's chromedp values but bounds the wait by limit, so a
// test whose own context already expired can still close its browser.
func withLimit(ctx, limit context.Context) context.Context {
	return valuesOnly{Context: limit, values: ctx}
}

type valuesOnly struct {
	context.Context
	values context.Context
}

func (v valuesOnly) Value(key any) any { return v.values.Value(key) }

// execPath finds Chromium, or ends the test: t.Fatal on CI, t.Skip locally.
func execPath(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = DefaultPath
	}
	resolved, err := exec.LookPath(path)
	if err == nil {
		return resolved
	}
	msg := fmt.Sprintf("browsertest: Chromium not found at %q (%v). Install it (apt-get install -y chromium) or set CHROMIUM to its path.", path, err)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg + " CI is set, so this is a failure.")
	}
	fmt.Fprintln(os.Stderr, "!!! "+msg+" SKIPPING the browser test "+tb.Name()+"; CI would fail here.")
	tb.Skip(msg + " Skipped because CI is not set.")
	return ""
}

// Screenshot saves a PNG of the whole page to path, for debugging a test.
// A failure is logged, not fatal.
func Screenshot(tb testing.TB, ctx context.Context, path string) {
	tb.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		tb.Logf("browsertest: screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Logf("browsertest: screenshot: %v", err)
		return
	}
	tb.Logf("browsertest: screenshot saved to %s", path)
}
