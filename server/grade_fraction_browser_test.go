package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestGrade_FractionalMaximumInBrowser: with an activity out of 7.5, the
// learner's slider reaches 5 exactly (Home, then ArrowRight) and full marks
// with End; submitted from the keyboard, the LMS gradebook receives 7.5 out
// of 7.5. The instructor's correction field accepts 7.5 and 5 (Chromium
// checks the step: 0.08 refused both).
func TestGrade_FractionalMaximumInBrowser(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop)
	mapDemoLink(t, a)
	setGradedMaximum(t, a, 7.5)
	ctx, cancel := context.WithTimeout(browsertest.New(t), 120*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	var five, full, status string
	actions := []chromedp.Action{
		chromedp.Navigate(base + "/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('#score-input') && /Not submitted yet/.test(d.querySelector('#score-status').innerText)`),
		chromedp.Evaluate(inFrame(`(d.querySelector('#score-input').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Home),
	}
	for range 10 { // 10 steps of 0.5
		actions = append(actions, chromedp.KeyEvent(kb.ArrowRight))
	}
	actions = append(actions,
		poll(`d.querySelector('#score-output').textContent === '5'`),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-input').value`), &five),
		chromedp.KeyEvent(kb.End),
		poll(`d.querySelector('#score-output').textContent === '7.5'`),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-input').value`), &full),
		chromedp.KeyEvent(kb.Tab),
		poll(`d.activeElement && d.activeElement.id === 'score-submit'`),
		chromedp.KeyEvent(kb.Enter),
		poll(`/Sent to the gradebook/.test(d.querySelector('#score-status').innerText)`),
		chromedp.Evaluate(inFrame(`d.querySelector('#score-status').innerText`), &status),
	)
	if err := chromedp.Run(ctx, actions...); err != nil {
		var text string
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("slider out of 7.5: %v (frame: %q)", err, text)
	}
	if five != "5" || full != "7.5" {
		t.Errorf("slider values: %q after Home and ten ArrowRight, %q after End; want 5 and 7.5", five, full)
	}
	if !strings.Contains(status, "Sent to the gradebook: 7.5 out of 7.5.") {
		t.Errorf("status line = %q", status)
	}
	scores := a.demo.Scores(demoLineItemURL(t, a))
	if len(scores) == 0 {
		t.Fatal("the LMS gradebook received no score")
	}
	last := scores[len(scores)-1]
	if last.UserID != "student" || last.ScoreGiven == nil || *last.ScoreGiven != 7.5 || last.ScoreMaximum == nil || *last.ScoreMaximum != 7.5 {
		t.Errorf("the gradebook received %s, want scoreGiven 7.5 out of scoreMaximum 7.5", last.Raw)
	}

	// The instructor's correction field takes full marks, and 5.
	row := `[...d.querySelectorAll('#grading-table tbody tr')].find(r => r.innerText.includes('Ada Lovelace'))`
	var valid75, valid5 bool
	var text, dbg string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		poll(`!!(d.querySelector('#wasm-ready') && d.querySelector('#grading-link'))`),
		chromedp.Evaluate(inFrame(`(d.querySelector('#grading-link').click(), true)`), nil),
		poll(`(() => { const r = `+row+`; return !!r && r.innerText.includes('7.5 / 7.5'); })()`),
		chromedp.Evaluate(inFrame(`(`+row+`.querySelector('button').click(), true)`), nil),
		poll(`!!d.querySelector('#edit-score')`),
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-score').value = '', d.querySelector('#edit-score').focus(), true)`), nil),
		chromedp.KeyEvent("7.5"),
		chromedp.Evaluate(inFrame(`d.querySelector('#edit-score').checkValidity()`), &valid75),
		chromedp.Evaluate(inFrame(`d.querySelector('#edit-score').value + ' | ' + d.querySelector('#edit-score').outerHTML + ' | ' + d.querySelector('#edit-score').validationMessage`), &dbg),
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-score').select(), true)`), nil),
		chromedp.KeyEvent("5"),
		chromedp.Evaluate(inFrame(`d.querySelector('#edit-score').checkValidity()`), &valid5),
		chromedp.Evaluate(frameText, &text),
	)
	if err != nil {
		t.Fatalf("grading view out of 7.5: %v (frame: %q)", err, text)
	}
	if !valid75 || !valid5 {
		t.Errorf("the correction field refuses a score: 7.5 valid %v, 5 valid %v (%s)", valid75, valid5, dbg)
	}
}

// setGradedMaximum sets the maximum of the demo's graded activity.
func setGradedMaximum(t *testing.T, a *app, maxScore float64) {
	t.Helper()
	ctx := context.Background()
	list, err := a.db.Activities(ctx, model.ActivityFilter{Library: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Graded {
			x.ScoreMaximum = maxScore
			if err := a.db.UpdateActivity(ctx, x); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no graded activity in the demo library")
}
