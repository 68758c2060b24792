package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// splitCells lists the console's table cells that must stay on one line
// (column headers, states, action buttons) but are rendered on more, as
// "text (n lines)". A text's line count is the number of distinct line tops
// of its Range's boxes: "Stat|us" or "Dele|te" cut in two counts 2.
// splitCellsIn does the same for a document d (an LMS iframe's).
const splitCells = splitCellsIn + `(document)`

const splitCellsIn = `(d => {
	const cells = d.querySelectorAll('main table th[scope=col], main table td.actions, main table td.state, main table td[class^="status-"], main table td button');
	const out = [];
	for (const cell of cells) {
		const walk = d.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!n.textContent.trim()) continue;
			const r = d.createRange();
			r.selectNodeContents(n);
			const tops = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
			if (tops.size > 1) out.push(n.textContent + ' (' + tops.size + ' lines)');
		}
	}
	return out.length ? out : (cells.length ? [] : ['no cell found']);
})`

// TestConsole_TableWordsNotSplit: at 1280×800 no header, state or action
// button of the Platforms and Grade outbox tables breaks a word in half (the
// review read "Stat us", "Deploym ents", "Dele te", "Retr y", "retryi ng").
func TestConsole_TableWordsNotSplit(t *testing.T) {
	c := openConsole(t, "/admin/")
	// A score the LMS cannot take yet, so the outbox has a retrying row.
	c.a.demo.SetOutage("/ags/", http.StatusServiceUnavailable)
	scoreAsStudent(t, c.a, c.base, 7)
	waitForOutbox(t, c.a, model.DeliveryRetrying, 1)

	for _, page := range []struct{ path, row string }{
		{"/admin/", `#platforms tbody td.actions button`},
		{"/admin/outbox", `#outbox tbody tr.outbox-retrying button`},
	} {
		var split []string
		c.run("measure "+page.path,
			chromedp.EmulateViewport(1280, 800),
			chromedp.Navigate(c.base+page.path),
			chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
			chromedp.WaitVisible(page.row),
			chromedp.Evaluate(splitCells, &split),
		)
		if len(split) != 0 {
			t.Errorf("%s at 1280 px: cells on more than one line: %q", page.path, split)
		}
	}
}

// TestConsole_DebugMovesFocusToDebugger: Enter on a failed launch's Debug
// button brings the keyboard focus into the debugger (which opens above the
// table), not back to <body>.
func TestConsole_DebugMovesFocusToDebugger(t *testing.T) {
	c := openConsole(t, "/admin/launches")
	l := c.failedLaunch()
	c.run("list the launch", c.reload())
	var focused string
	c.run("debug with the keyboard",
		browsertest.Press("button", c.debugButton(l)),
		chromedp.WaitVisible(`#debugger`),
		chromedp.Poll(`document.getElementById('debugger').contains(document.activeElement)`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
	)
	if focused != "debugger-heading" {
		t.Errorf("focus on #%s, want the debugger's heading", focused)
	}
}

// TestGrading_NarrowFrameNoPageScroll: in a 640 px wide LMS frame the
// grading page does not scroll sideways: the table scrolls in its own box.
func TestGrading_NarrowFrameNoPageScroll(t *testing.T) {
	ctx, _, base := scoredInBrowser(t)
	var widths []int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Evaluate(`document.querySelector('iframe[name="tool"]').style.width = '640px'`, nil),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#grading-link'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#grading-link').click(), true)`), nil),
		chromedp.Poll(inFrame(`!!d.querySelector('#grading-table tbody tr[data-user]')`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(inFrame(`[d.documentElement.scrollWidth, d.documentElement.clientWidth]`), &widths),
	)
	if err != nil {
		var text string
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("open the grading page: %v (frame: %q)", err, text)
	}
	if len(widths) != 2 || widths[1] > 640 || widths[0] > widths[1] {
		t.Errorf("grading page in a 640 px frame: scrollWidth, clientWidth = %v: the page scrolls sideways", widths)
	}
}

// TestActivity_InstructorOpensRoster: on the activity page (where a launch of
// a set-up link lands) the instructor finds "Course roster" under Instructor
// tools, and it opens the roster with the same launch.
func TestActivity_InstructorOpensRoster(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop)
	mapDemoLink(t, a)
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var link, text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#instructor-tools a#roster-link'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster-link').textContent`), &link),
		chromedp.Evaluate(inFrame(`(d.querySelector('#roster-link').click(), true)`), nil),
		chromedp.Poll(inFrame(`!!(d.querySelector('#roster tbody tr') && /of 2 members/.test(d.querySelector('#roster-count').textContent))`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(frameText, &text),
	)
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("activity page → roster: %v (frame: %q)", err, text)
	}
	if link != "Course roster" || !strings.Contains(text, "Grace Hopper") || !strings.Contains(text, "Ada Lovelace") {
		t.Errorf("link %q; roster page:\n%.800s", link, text)
	}
}

// scoreAsStudent launches the demo course's graded link as the student (Ada
// Lovelace) and submits the score through the API.
// scoredInBrowser starts the demo app, has the student score 7 and opens a
// browser with a 90 s limit; the app stops after the browser closes
// (cleanups run last-in first-out).
func scoredInBrowser(t *testing.T) (context.Context, *app, string) {
	t.Helper()
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop)
	scoreAsStudent(t, a, base, 7)
	ctx, cancel := context.WithTimeout(browsertest.New(t), 90*time.Second)
	t.Cleanup(cancel)
	return ctx, a, base
}

func scoreAsStudent(t *testing.T, a *app, base string, score float64) {
	t.Helper()
	token := launchToken(t, a.demo, ltitest.LaunchSpec{UserID: "student", CourseID: "course-101", WithAGS: true, LineItemID: demoLineItem(t, a)})
	if st, body := callAPI(t, "POST", base+"/api/v1/grade/score", token, model.ScoreSubmission{ScoreGiven: &score}); st != 201 {
		t.Fatalf("student score: %d %s", st, body)
	}
}

// waitForOutbox waits until n scores of the outbox are in the state.
func waitForOutbox(t *testing.T, a *app, state string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := a.db.CountOutbox(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[state] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox never had %d %s scores: %v", n, state, c)
		}
	}
}
