package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/domdebugger"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
)

// countPendingAsks makes the page count its requests for the approval count
// (window.pendingAsks). A reload of the page would lose the counter, so it
// also shows that the page was never loaded again.
const countPendingAsks = `(() => {
	window.pendingAsks = 0;
	const fetch = window.fetch;
	window.fetch = function (url) {
		if (String(url).endsWith('/api/admin/pending')) window.pendingAsks++;
		return fetch.apply(this, arguments);
	};
	return true;
})()`

// navSays waits until the navigation's Pending approvals link reads want.
func (c *console) navSays(want string) chromedp.Action {
	b, _ := json.Marshal(want)
	return chromedp.Poll(`document.querySelector('nav a[href="/admin/approvals"]').textContent === `+string(b), nil,
		chromedp.WithPollingTimeout(10*time.Second))
}

// pendingAsks is how many times the page asked for the approval count since
// countPendingAsks; -1 if the page was loaded again since.
func (c *console) pendingAsks() int {
	c.t.Helper()
	n := -1
	c.run("read the count of asks", chromedp.Evaluate(`window.pendingAsks === undefined ? -1 : window.pendingAsks`, &n))
	return n
}

// visibilityListeners is how many visibilitychange listeners the document
// has, as the browser's developer tools list them.
func (c *console) visibilityListeners() int {
	c.t.Helper()
	n := 0
	c.run("list the document's listeners", chromedp.ActionFunc(func(ctx context.Context) error {
		doc, _, err := runtime.Evaluate("document").Do(ctx)
		if err != nil {
			return err
		}
		ls, err := domdebugger.GetEventListeners(doc.ObjectID).Do(ctx)
		for _, l := range ls {
			if l.Type == "visibilitychange" {
				n++
			}
		}
		return err
	}))
	return n
}

// setTabHidden makes the tab report itself hidden or shown, and tells the
// page that it changed, as the browser does when its tab goes to the
// background or comes back.
func setTabHidden(hidden bool) chromedp.Action {
	b, _ := json.Marshal(hidden)
	state := map[bool]string{true: "'hidden'", false: "'visible'"}[hidden]
	return chromedp.Evaluate(`Object.defineProperty(document, 'hidden', {value: `+string(b)+`, configurable: true});
		Object.defineProperty(document, 'visibilityState', {value: `+state+`, configurable: true});
		document.dispatchEvent(new Event('visibilitychange')); true`, nil)
}

// TestConsole_ApprovalCountStaysCurrent: with the console open on a page that
// shows no approvals (Keys), deployments that launches queue appear in the
// navigation's count without a reload; one approved elsewhere (by a script
// through the admin API) leaves it, and one approved here empties it.
func TestConsole_ApprovalCountStaysCurrent(t *testing.T) {
	c := openConsoleConfig(t, "/admin/keys", func(cfg *config) { cfg.PendingRefresh = 300 * time.Millisecond })
	c.run("before", chromedp.Evaluate(countPendingAsks, nil), c.navSays("Pending approvals"))
	c.demoLaunchesFrom("9", "10")
	for _, dep := range []string{"9", "10"} {
		if st, page := c.launch(dep); st != http.StatusForbidden {
			t.Fatalf("launch from unknown deployment %s = %d %.300s", dep, st, page)
		}
	}
	c.run("two deployments wait", c.navSays("Pending approvals (2)"))
	if st := c.api("POST", platformPath(1)+"/deployments/9/approve", nil); st != http.StatusOK {
		t.Fatalf("approve deployment 9 through the admin API: %d", st)
	}
	c.run("one waits", c.navSays("Pending approvals (1)"))
	c.run("approve the other here",
		browsertest.Press("link", "Pending approvals (1)"),
		browsertest.WaitFor("button", "Approve deployment 10 of Demo LMS"),
		browsertest.Press("button", "Approve deployment 10 of Demo LMS"),
		c.done("Approved deployment 10 of Demo LMS."),
		c.navSays("Pending approvals"),
	)
	if n := c.pendingAsks(); n < 2 {
		t.Errorf("the page asked %d times (-1: it was loaded again), want it to have kept counting without a reload", n)
	}
}

// TestConsole_ApprovalCountWhenTabShown: a tab in the background does not
// count; shown again, it counts at once, without waiting for the next round
// (here an hour away).
func TestConsole_ApprovalCountWhenTabShown(t *testing.T) {
	c := openConsoleConfig(t, "/admin/keys", func(cfg *config) { cfg.PendingRefresh = time.Hour })
	c.run("hide the tab", c.navSays("Pending approvals"), chromedp.Evaluate(countPendingAsks, nil), setTabHidden(true))
	c.failedLaunch() // queues deployment 9
	c.run("hidden", chromedp.Sleep(500*time.Millisecond), c.navSays("Pending approvals"))
	if n := c.pendingAsks(); n != 0 {
		t.Errorf("a hidden tab asked %d times for the count", n)
	}
	c.run("show the tab", setTabHidden(false), c.navSays("Pending approvals (1)"))
}

// TestConsole_ApprovalCountOneTicker: moving between console pages does not
// add rounds of counting or listeners (the console keeps one of each while it
// is open), and leaving the console for another page of the app stops it and
// removes its listener.
func TestConsole_ApprovalCountOneTicker(t *testing.T) {
	const every = 250 * time.Millisecond
	c := openConsoleConfig(t, "/admin/keys", func(cfg *config) { cfg.PendingRefresh = every })
	for _, page := range []string{"Activities library", "Recent launches", "Grade outbox", "Keys", "Activities library", "Grade outbox"} {
		c.run("open "+page, browsertest.Press("link", page), browsertest.WaitFor("heading", page),
			chromedp.WaitVisible(`main[data-status="loaded"]`))
	}
	const wait = 2 * time.Second
	c.run("count the asks", chromedp.Sleep(every), chromedp.Evaluate(countPendingAsks, nil), chromedp.Sleep(wait))
	if n, most := c.pendingAsks(), int(wait/every)+1; n < 2 || n > most {
		t.Errorf("in %v the console asked %d times for the count, want about one every %v (2 to %d)", wait, n, every, most)
	}
	if n := c.visibilityListeners(); n != 1 {
		t.Errorf("%d visibilitychange listeners on the open console, want 1", n)
	}
	// Leave the console for the app's home (go-app follows the history, as
	// after the browser's Back): the console's rounds stop with it.
	c.run("leave the console",
		chromedp.Evaluate(`history.pushState({}, '', '/app'); dispatchEvent(new PopStateEvent('popstate')); true`, nil),
		chromedp.WaitNotPresent(`main[data-auth]`),
		chromedp.Sleep(every),
		chromedp.Evaluate(countPendingAsks, nil),
		chromedp.Sleep(4*every),
	)
	if n := c.pendingAsks(); n != 0 {
		t.Errorf("after leaving the console, the page asked %d times for the count", n)
	}
	// The console's listener went with it (go-app would drop what a stale
	// one dispatches, but it would stay in the page).
	if n := c.visibilityListeners(); n != 0 {
		t.Errorf("%d visibilitychange listeners after leaving the console, want 0", n)
	}
}
