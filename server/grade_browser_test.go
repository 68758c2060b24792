package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// TestGrade_StudentSliderInBrowser: a student launches from the demo LMS, sets
// the slider with the keyboard, submits with the keyboard, and the LMS
// gradebook holds the score for the right user and line item, with the
// progress values and an ISO 8601 timestamp with sub-second precision; the
// focus stays on the Submit button (not <body>) through the submit. The
// link is set up with the graded self-assessment: the launch lands on the
// activity page, slider out of the activity's 10. (A link with no activity
// yet offers no score: TestGrade_UnsetLinkOffersNoScore.)
func TestGrade_StudentSliderInBrowser(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxScore  float64
		keys      int // ArrowRight presses before one ArrowLeft
		wantValue string
	}{
		{"activity page", 10, 8, "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, base, stop := startApp(t, t.TempDir(), true)
			// Cleanups run last-in first-out: the browser (registered by
			// browsertest.New below) closes before the app stops, so Chromium's
			// unused preconnected sockets cannot hold the shutdown.
			t.Cleanup(stop)
			mapDemoLink(t, a)
			ctx := browsertest.New(t)
			ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			var output, valuetext, status, text, focused string
			open := []chromedp.Action{
				chromedp.Navigate(base + "/"),
				chromedp.WaitVisible(`iframe[name="tool"]`),
				chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
				chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#graded-slot #score-input'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
			}
			keys := []chromedp.Action{
				chromedp.Poll(inFrame(`!!d.querySelector('#score-input') && /Not submitted yet/.test(d.querySelector('#score-status').innerText)`), nil, chromedp.WithPollingTimeout(20*time.Second)),
				chromedp.Evaluate(inFrame(`(d.querySelector('#score-input').focus(), d.activeElement.id)`), nil),
			}
			for range tc.keys {
				keys = append(keys, chromedp.KeyEvent(kb.ArrowRight))
			}
			keys = append(keys, chromedp.KeyEvent(kb.ArrowLeft),
				chromedp.Poll(inFrame(`d.querySelector('#score-output').textContent === '`+tc.wantValue+`'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
				chromedp.Evaluate(inFrame(`d.querySelector('#score-output').textContent`), &output),
				chromedp.Evaluate(inFrame(`d.querySelector('#score-input').getAttribute('aria-valuetext')`), &valuetext),
				chromedp.KeyEvent(kb.Tab),
				chromedp.Poll(inFrame(`d.activeElement && d.activeElement.id === 'score-submit'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
				chromedp.KeyEvent(kb.Enter),
				chromedp.Poll(inFrame(`/Sent to the gradebook/.test(d.querySelector('#score-status').innerText)`), nil, chromedp.WithPollingTimeout(30*time.Second)),
				chromedp.Evaluate(inFrame(`d.querySelector('#score-status').innerText`), &status),
				chromedp.Evaluate(inFrame(`d.activeElement === d.body ? 'body' : d.activeElement.id`), &focused),
				chromedp.Evaluate(frameText, &text),
			)
			if err := chromedp.Run(ctx, append(open, keys...)...); err != nil {
				browsertest.Screenshot(t, ctx, t.TempDir()+"/slider.png")
				dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
				dcancel()
				t.Fatalf("slider flow: %v (frame: %q)", err, text)
			}
			maxText := fmt.Sprint(tc.maxScore)
			if output != tc.wantValue || valuetext != tc.wantValue+" out of "+maxText {
				t.Errorf("after the arrow keys: output %q, aria-valuetext %q; want %s, \"%s out of %s\"", output, valuetext, tc.wantValue, tc.wantValue, maxText)
			}
			if !strings.Contains(status, "Sent to the gradebook: "+tc.wantValue+" out of "+maxText+".") {
				t.Errorf("status line = %q", status)
			}
			// A keyboard user stays where they were, not thrown back to the top.
			if focused != "score-submit" {
				t.Errorf("after submitting with the keyboard the focus is on %q, want the Submit button", focused)
			}
			lineItem := demoLineItemURL(t, a)
			scores := a.demo.Scores(lineItem)
			if len(scores) != 2 {
				t.Fatalf("gradebook of %s holds %d scores, want 2 (InProgress on opening, Completed on submit): %+v", lineItem, len(scores), scores)
			}
			ts := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
			opened, done := scores[0], scores[1]
			if opened.UserID != "student" || opened.ActivityProgress != "InProgress" || opened.GradingProgress != "NotReady" || opened.ScoreGiven != nil {
				t.Errorf("opening report = %+v", opened)
			}
			if done.UserID != "student" || done.ActivityProgress != "Completed" || done.GradingProgress != "FullyGraded" ||
				done.ScoreGiven == nil || *done.ScoreGiven != 7 || done.ScoreMaximum == nil || *done.ScoreMaximum != tc.maxScore {
				t.Errorf("submitted score = %+v", done)
			}
			for _, s := range scores {
				if !ts.MatchString(s.Timestamp) {
					t.Errorf("timestamp %q is not ISO 8601 UTC with sub-second precision", s.Timestamp)
				}
			}
			// The LMS rescales to its column maximum (100).
			want := 7 * 100 / tc.maxScore
			if res := a.demo.Results(lineItem); len(res) != 1 || res[0].UserID != "student" || *res[0].ResultScore != want {
				t.Errorf("gradebook results = %+v, want %v for student", res, want)
			}
		})
	}
}

// TestGrade_UnsetLinkOffersNoScore: a student launched on a graded link no
// activity was chosen for yet reads, on the home page, that it is not set up
// (the sentence the activity page says too) and gets no "Open your score"
// link; the score page, opened anyway, says the same sentence and offers no
// slider, and reports nothing (not even InProgress) to the LMS gradebook.
func TestGrade_UnsetLinkOffersNoScore(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(browsertest.New(t), 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	var home, score string
	var links, sliders int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('#link-status') && !d.querySelector('#link-status .muted')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#main').innerText`), &home),
		chromedp.Evaluate(inFrame(`d.querySelectorAll('#score-link, a[href="/app/score"]').length`), &links),
		// The score page by its address (a bookmark, the back button).
		chromedp.Evaluate(inFrame(`(d.defaultView.location.assign('/app/score'), true)`), nil),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('.score-slider[data-status="loaded"]')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#main').innerText`), &score),
		chromedp.Evaluate(inFrame(`d.querySelectorAll('#score-input, #score-submit').length`), &sliders),
	)
	if err != nil {
		var text string
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("unset link: %v (frame: %q)", err, text)
	}
	if !strings.Contains(home, model.MsgActivityNotSetUp) || links != 0 {
		t.Errorf("home page of a student on an unset link: %d links to the score page, text:\n%s", links, home)
	}
	if !strings.Contains(score, model.MsgActivityNotSetUp) || sliders != 0 {
		t.Errorf("score page of an unset link: %d slider controls, text:\n%s", sliders, score)
	}
	if got := a.demo.Scores(demoLineItemURL(t, a)); len(got) != 0 {
		t.Errorf("the LMS gradebook received %d scores from a student on an unset link: %+v", len(got), got)
	}
}

// mapDemoLink sets up the demo LMS's "Activity 1" link (rl-1) to open the
// seeded graded self-assessment, as an instructor does once for a link made
// by hand in the LMS.
func mapDemoLink(t *testing.T, a *app) {
	t.Helper()
	ctx := context.Background()
	var act *model.Activity
	list, err := a.db.Activities(ctx, model.ActivityFilter{Library: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Graded {
			act = x
		}
	}
	regs, err := a.db.RegistrationsByIssuer(ctx, a.demo.Issuer())
	if err != nil || len(regs) != 1 || act == nil {
		t.Fatalf("demo registration %v / graded activity %v: %v", regs, act, err)
	}
	if err := a.db.UpsertResourceLink(ctx, &model.ResourceLink{RegistrationID: regs[0].ID, DeploymentID: "1", ResourceLinkID: "rl-1", ActivityID: act.ID}); err != nil {
		t.Fatal(err)
	}
}

// TestGrading_InstructorInBrowser: the instructor opens the grading view from
// the demo LMS, finds the student's score, corrects it with a comment using
// the keyboard, and reads the gradebook back.
func TestGrading_InstructorInBrowser(t *testing.T) {
	ctx, a, base := scoredInBrowser(t) // the student scores 7 first
	downloads := t.TempDir()
	row := `[...d.querySelectorAll('#grading-table tbody tr')].find(r => r.innerText.includes('Ada Lovelace'))`
	var text, status string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#grading-link'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#grading-link').click(), true)`), nil),
		chromedp.Poll(inFrame(`(() => { const r = `+row+`; return !!r && r.innerText.includes('7 / 100') && r.innerText.includes('Sent'); })()`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		// Edit with the keyboard: focus the row's Edit button, press Enter, type.
		chromedp.Evaluate(inFrame(`(`+row+`.querySelector('button').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`!!d.querySelector('#edit-score')`), nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-score').select(), d.querySelector('#edit-score').focus(), true)`), nil),
		chromedp.KeyEvent("9"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent("Well argued."),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`(() => { const r = `+row+`; return !d.querySelector('#edit-form') && !!r && r.innerText.includes('9 / 100') && r.innerText.includes('Sent'); })()`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads),
		chromedp.Evaluate(inFrame(`(d.querySelector('#download-csv').click(), true)`), nil),
		chromedp.Poll(inFrame(`/Downloaded grades.csv/.test(d.querySelector('#grading-status').innerText)`), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#read-back').click(), true)`), nil),
		chromedp.Poll(inFrame(`/matches ltibox/.test(d.querySelector('#grading-status').innerText)`), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(inFrame(`d.querySelector('#grading-status').innerText`), &status),
		chromedp.Evaluate(frameText, &text),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, t.TempDir()+"/grading.png")
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		var dbg string
		_ = chromedp.Run(dctx, chromedp.Evaluate(inFrame(`(async () => { let t = d.defaultView.sessionStorage.getItem('ltibox.session'); try { t = JSON.parse(t) } catch (e) {}; const r = await d.defaultView.fetch('/api/v1/grading', {headers: {Authorization: 'Bearer ' + t}}); return await r.text(); })()`), &dbg, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		t.Logf("grading API now: %s", dbg)
		dcancel()
		for _, sc := range a.demo.Scores(demoLineItemURL(t, a)) {
			t.Logf("gradebook score: %s", sc.Raw)
		}
		t.Fatalf("grading flow: %v (frame: %q)", err, text)
	}
	if !strings.Contains(text, "Well argued.") || !strings.Contains(text, "In the gradebook") {
		t.Errorf("grading page after edit and read back:\n%s", text)
	}
	var csvText string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(downloads, "grades.csv")); err == nil && len(b) > 0 {
			csvText = string(b)
			break
		}
	}
	if !strings.HasPrefix(csvText, "Name,Email,LMS user ID,Score") || !strings.Contains(csvText, "Ada Lovelace,ada@example.edu,student,9,100,Completed,FullyGraded") {
		t.Errorf("downloaded CSV:\n%s", csvText)
	}
	var found bool
	for _, s := range a.demo.Scores(demoLineItemURL(t, a)) {
		if s.UserID == "student" && s.Comment == "Well argued." && *s.ScoreGiven == 9 {
			found = true
		}
	}
	if !found {
		t.Errorf("the corrected score with its comment did not reach the gradebook: %+v", a.demo.Scores(demoLineItemURL(t, a)))
	}
}

// demoLineItemURL is the demo course's platform line item for rl-1 (the demo
// page creates it on the first launch; this creates it the same way if needed).
func demoLineItemURL(t *testing.T, a *app) string {
	t.Helper()
	for _, li := range a.demo.LineItems("course-101") {
		if li.ResourceLinkID == "rl-1" {
			return li.ID
		}
	}
	return a.demo.AddLineItem("course-101", ltitest.LineItem{Label: "Activity 1", ScoreMaximum: 100, ResourceLinkID: "rl-1"})
}

func demoLineItem(t *testing.T, a *app) string { return path.Base(demoLineItemURL(t, a)) }
