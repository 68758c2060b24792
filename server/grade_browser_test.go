package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
)

// inFrame evaluates a JS expression with d = the tool iframe's document.
func inFrame(expr string) string {
	return `(() => { const f = document.querySelector('iframe[name="tool"]'); const d = f && f.contentDocument; if (!d || !d.body) return null; return (` + expr + `); })()`
}

// TestGrade_StudentSliderInBrowser: a student launches from the demo LMS, sets
// the slider with the keyboard, submits with the keyboard, and the LMS
// gradebook holds the score for the right user and line item, with the
// progress values and an ISO 8601 timestamp with sub-second precision.
func TestGrade_StudentSliderInBrowser(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var output, valuetext, status, text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#score-link'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#score-link').click(), true)`), nil),
		chromedp.Poll(inFrame(`!!d.querySelector('#score-input') && /Not submitted yet/.test(d.querySelector('#score-status').innerText)`), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#score-input').focus(), d.activeElement.id)`), nil),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowLeft),
		chromedp.Poll(inFrame(`d.querySelector('#score-output').textContent === '7'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-output').textContent`), &output),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-input').getAttribute('aria-valuetext')`), &valuetext),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Poll(inFrame(`d.activeElement && d.activeElement.id === 'score-submit'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`/Sent to the gradebook/.test(d.querySelector('#score-status').innerText)`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-status').innerText`), &status),
		chromedp.Evaluate(frameText, &text),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, t.TempDir()+"/slider.png")
		t.Fatalf("slider flow: %v (frame: %q)", err, text)
	}
	if output != "7" || valuetext != "7 out of 100" {
		t.Errorf("after 8 × → and 1 ←: output %q, aria-valuetext %q; want 7, \"7 out of 100\"", output, valuetext)
	}
	if !strings.Contains(status, "Sent to the gradebook: 7 out of 100.") {
		t.Errorf("status line = %q", status)
	}
	var lineItem string
	for _, li := range a.demo.LineItems("course-101") {
		if li.ResourceLinkID == "rl-1" {
			lineItem = li.ID
		}
	}
	scores := a.demo.Scores(lineItem)
	if len(scores) != 2 {
		t.Fatalf("gradebook of %s holds %d scores, want 2 (InProgress on opening, Completed on submit): %+v", lineItem, len(scores), scores)
	}
	ts := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	open, done := scores[0], scores[1]
	if open.UserID != "student" || open.ActivityProgress != "InProgress" || open.GradingProgress != "NotReady" || open.ScoreGiven != nil {
		t.Errorf("opening report = %+v", open)
	}
	if done.UserID != "student" || done.ActivityProgress != "Completed" || done.GradingProgress != "FullyGraded" ||
		done.ScoreGiven == nil || *done.ScoreGiven != 7 || done.ScoreMaximum == nil || *done.ScoreMaximum != 100 {
		t.Errorf("submitted score = %+v", done)
	}
	for _, s := range scores {
		if !ts.MatchString(s.Timestamp) {
			t.Errorf("timestamp %q is not ISO 8601 UTC with sub-second precision", s.Timestamp)
		}
	}
	if res := a.demo.Results(lineItem); len(res) != 1 || res[0].UserID != "student" || *res[0].ResultScore != 7 {
		t.Errorf("gradebook results = %+v", res)
	}
}
