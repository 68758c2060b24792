package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
)

// frameText reads the text of the demo LMS page's tool iframe (same origin in the demo).
const frameText = `(() => { const f = document.querySelector('iframe[name="tool"]'); const d = f && f.contentDocument; return d && d.body ? d.body.innerText : ""; })()`

// TestDemo_LaunchInBrowser is the newcomer's first click: the demo LMS page
// launches ltibox inside its iframe, and the app greets the demo user.
func TestDemo_LaunchInBrowser(t *testing.T) {
	_, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	for _, sc := range []struct{ button, name, role string }{
		{"Launch as instructor", "Hello, Grace Hopper", "Instructor"},
		{"Launch as student", "Hello, Ada Lovelace", "Learner"},
	} {
		t.Run(sc.button, func(t *testing.T) {
			ctx := browsertest.New(t)
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			var text string
			err := chromedp.Run(ctx,
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(`iframe[name="tool"]`),
				chromedp.Click(`//button[starts-with(normalize-space(.), "`+sc.button+`")]`, chromedp.BySearch),
				chromedp.Poll(`(() => { const f = document.querySelector('iframe[name="tool"]'); const d = f && f.contentDocument; return !!(d && d.querySelector('#wasm-ready') && d.querySelector('#role')); })()`, nil, chromedp.WithPollingTimeout(45*time.Second)),
				chromedp.Evaluate(frameText, &text),
			)
			if err != nil {
				browsertest.Screenshot(t, ctx, t.TempDir()+"/demo.png")
				t.Fatalf("demo launch: %v (frame text: %q)", err, text)
			}
			for _, want := range []string{sc.name, sc.role, "Demo Course 101"} {
				if !strings.Contains(text, want) {
					t.Errorf("app in the iframe does not show %q:\n%s", want, text)
				}
			}
		})
	}
}

// BenchmarkDemo_FirstPaint measures, in headless Chromium, the first contentful
// paint of the prerendered app inside the demo LMS iframe, counted from the
// start of the navigation that ends on the app (the launch POST and its 303).
func BenchmarkDemo_FirstPaint(b *testing.B) {
	_, base, stop := startApp(b, b.TempDir(), true)
	defer stop()
	ctx := browsertest.New(b)
	const fcp = `(() => { const f = document.querySelector('iframe[name="tool"]'); const w = f && f.contentWindow;
		if (!w || !w.location.pathname.startsWith('/app/')) return -1;
		const e = w.performance.getEntriesByName('first-contentful-paint'); return e.length ? e[0].startTime : -1; })()`
	var total float64
	for i := 0; i < b.N; i++ {
		var ms float64
		err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/demo-lms/"),
			chromedp.WaitVisible(`iframe[name="tool"]`),
			chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
			chromedp.Poll(fcp+` >= 0`, nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Evaluate(fcp, &ms),
		)
		if err != nil {
			b.Fatal(err)
		}
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "fcp-ms")
}
