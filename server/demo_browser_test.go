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
