package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
)

// inFrame runs a JS expression with d bound to the demo page's tool iframe document.
func inFrame(expr string) string {
	return `(() => { const f = document.querySelector('iframe[name="tool"]'); const d = f && f.contentDocument; if (!d || !d.body) return null; return (` + expr + `); })()`
}

// TestDeepLink_BrowserPickTwoThenLaunch is the instructor's story in a real
// browser: "Add activities" in the LMS opens the picker in the iframe; they
// search, pick the reading and the graded self-assessment (keeping its
// gradebook column, toggled from the keyboard), press Add; the LMS records two
// links, the graded one with a line item; a student launch of each link
// opens the right activity.
func TestDeepLink_BrowserPickTwoThenLaunch(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		var text string
		_ = chromedp.Run(ctx, chromedp.Evaluate(inFrame(`d.body.innerText`), &text))
		browsertest.Screenshot(t, ctx, t.TempDir()+"/deeplink.png")
		t.Fatalf("%s: %v\nframe text:\n%s", step, err, text)
	}
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	// rowID finds a picker row's activity id by its label.
	rowID := func(title string) string {
		return inFrame(`[...d.querySelectorAll('.pick-row')].find(r => r.querySelector('label').textContent.includes(` + jsString(title) + `))?.dataset.activity ?? ""`)
	}

	// 1. The picker opens inside the LMS iframe, offering what the LMS accepts.
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[normalize-space(.)="Add activities as instructor (deep linking)"]`, chromedp.BySearch),
		poll(`!!d.querySelector('#wasm-ready') && d.querySelectorAll('.pick-row').length === 2`),
	)
	if err != nil {
		fail("open the picker", err)
	}
	var legend, readingID, gradedID string
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#picker-list legend').textContent`), &legend),
		chromedp.Evaluate(rowID("Welcome reading"), &readingID),
		chromedp.Evaluate(rowID("Self-assessment"), &gradedID),
	); err != nil || readingID == "" || gradedID == "" {
		fail("read the catalog", err)
	}
	if legend != "Choose one or more activities" {
		t.Errorf("legend = %q: accept_multiple is true, so the picker must allow several", legend)
	}

	// 2. Search narrows the list; clearing it brings both back.
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#picker-search'); s.value = 'confident'; s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`), nil),
		poll(`d.querySelectorAll('.pick-row').length === 1 && d.querySelector('.pick-row').dataset.activity === `+jsString(gradedID)),
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#picker-search'); s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`), nil),
		poll(`d.querySelectorAll('.pick-row').length === 2`),
	)
	if err != nil {
		fail("search", err)
	}

	// 3. Pick both. The graded one offers a gradebook column (accept_lineitem),
	// checked by default; the keyboard toggles it off and on again.
	var gradeOffered, readingGradeOffered bool
	var previewHeading string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#pick-`+readingID+`').click()`), nil),
		chromedp.Evaluate(inFrame(`d.querySelector('#pick-`+gradedID+`').click()`), nil),
		poll(`!!d.querySelector('#grade-`+gradedID+`') && d.querySelector('#grade-`+gradedID+`').checked`),
		chromedp.Evaluate(inFrame(`!!d.querySelector('#grade-`+gradedID+`')`), &gradeOffered),
		chromedp.Evaluate(inFrame(`!!d.querySelector('#grade-`+readingID+`')`), &readingGradeOffered),
		chromedp.Evaluate(inFrame(`d.querySelector('#preview-heading').textContent`), &previewHeading),
		chromedp.Evaluate(inFrame(`(d.querySelector('#grade-`+gradedID+`').focus(), true)`), nil),
		chromedp.KeyEvent(" "),
		poll(`!d.querySelector('#grade-`+gradedID+`').checked`),
		chromedp.KeyEvent(" "),
		poll(`d.querySelector('#grade-`+gradedID+`').checked && d.querySelector('#add').textContent === 'Add 2 to course'`),
	)
	if err != nil {
		fail("pick two", err)
	}
	if !gradeOffered || readingGradeOffered {
		t.Errorf("gradebook choice offered: graded %v, reading %v; want only for the graded activity", gradeOffered, readingGradeOffered)
	}
	if !strings.HasPrefix(previewHeading, "Preview: Self-assessment") {
		t.Errorf("preview heading = %q", previewHeading)
	}

	// 3b. A search that hides a pick keeps it, and Add says so; the page has
	// one <h1> (the instructions' "# Self-assessment" is demoted).
	var h1s int
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#picker-search'); s.value = 'confident'; s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`), nil),
		poll(`d.querySelectorAll('.pick-row').length === 1 && d.querySelector('#add').textContent === 'Add 2 to course (1 hidden by search)' && d.querySelector('#status').textContent === '1 activity found.'`),
		chromedp.Evaluate(inFrame(`d.querySelectorAll('h1').length`), &h1s),
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#picker-search'); s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`), nil),
		poll(`d.querySelectorAll('.pick-row').length === 2 && d.querySelector('#add').textContent === 'Add 2 to course'`),
	)
	if err != nil {
		fail("search hides a pick", err)
	}
	if h1s != 1 {
		t.Errorf("the picker has %d <h1>, want 1", h1s)
	}

	if dir := os.Getenv("LTIBOX_SCREENSHOTS"); dir != "" {
		browsertest.Screenshot(t, ctx, dir+"/picker.png")
	}
	// 4. Add: the LMS receives and verifies the signed response.
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#add').click()`), nil),
		poll(`d.body.innerText.includes('2 items received from the tool.')`),
	)
	if err != nil {
		fail("add to course", err)
	}
	links := a.demo.Links()
	if len(links) != 2 {
		t.Fatalf("the LMS recorded %d links, want 2: %+v", len(links), links)
	}
	titles := map[string]string{readingID: "Welcome reading: meet your class", gradedID: "Self-assessment: how confident are you?"}
	for _, l := range links {
		id := l.Custom["activity_id"]
		if l.Title != titles[id] {
			t.Errorf("link %s has title %q and activity_id %q", l.ResourceLinkID, l.Title, id)
		}
		switch {
		case id == gradedID && (l.LineItem == nil || l.LineItem.ScoreMaximum != 10 || l.LineItem.ResourceID != gradedID):
			t.Errorf("graded link line item = %+v", l.LineItem)
		case id == readingID && l.LineItem != nil:
			t.Errorf("reading link got a line item %+v", l.LineItem)
		}
	}
	if r := a.demo.DeepLinkResponses(); len(r) != 1 || r[0].Data == nil || *r[0].Data != "demo-course-101" {
		t.Errorf("responses = %+v (data must be echoed)", r)
	}

	// 5. A student launch of each link opens its activity.
	for i, l := range links {
		id := l.Custom["activity_id"]
		t.Run(fmt.Sprintf("student opens link %d", i), func(t *testing.T) {
			var title, role, slot string
			err := chromedp.Run(ctx,
				chromedp.Navigate(base+"/demo-lms/"),
				chromedp.WaitVisible(`iframe[name="tool"]`),
				chromedp.Click(fmt.Sprintf(`//form[input[@name="link" and @value="%d"]]/button`, i), chromedp.BySearch),
				poll(`!!d.querySelector('#wasm-ready') && d.querySelector('main').dataset.status === 'loaded' && !!d.querySelector('#activity-instructions')`),
				chromedp.Evaluate(inFrame(`d.querySelector('#activity-title').textContent`), &title),
				chromedp.Evaluate(inFrame(`d.querySelector('#role').textContent`), &role),
				chromedp.Evaluate(inFrame(`d.querySelector('#graded-slot') ? 'present' : 'absent'`), &slot),
			)
			if err != nil {
				fail("student launch", err)
			}
			if dir := os.Getenv("LTIBOX_SCREENSHOTS"); dir != "" {
				browsertest.Screenshot(t, ctx, fmt.Sprintf("%s/activity-%d.png", dir, i))
			}
			if title != titles[id] || role != "Learner" {
				t.Errorf("student sees %q as %q, want %q", title, role, titles[id])
			}
			if want := map[bool]string{true: "present", false: "absent"}[id == gradedID]; slot != want {
				t.Errorf("graded slot %s, want %s", slot, want)
			}
		})
	}
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// TestLinkSetup_BrowserInstructorChoosesOnce: a link made by hand in the LMS
// (the demo's "Activity 1", no custom activity_id) is unset. The student is
// told to ask; the instructor follows "Choose the activity it opens", picks
// the reading and saves; from then on the student's launch opens it.
func TestLinkSetup_BrowserInstructorChoosesOnce(t *testing.T) {
	_, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	launch := func(button string) chromedp.Action {
		return chromedp.Tasks{
			chromedp.Navigate(base + "/demo-lms/"),
			chromedp.WaitVisible(`iframe[name="tool"]`),
			chromedp.Click(`//button[starts-with(normalize-space(.), "`+button+`")]`, chromedp.BySearch),
		}
	}
	var msg, title string
	err := chromedp.Run(ctx,
		launch("Launch as student"),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('#not-set-up')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#not-set-up').textContent`), &msg),

		launch("Launch as instructor"),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('#set-up-link')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#set-up-link').click()`), nil),
		poll(`!!d.querySelector('#choose-activity') && d.querySelector('#choose-activity').options.length === 2`),
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#choose-activity'); s.value = [...s.options].find(o => o.textContent.startsWith('Welcome reading')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`), nil),
		chromedp.Evaluate(inFrame(`d.querySelector('#assign').click()`), nil),
		poll(`d.querySelector('#activity-title').textContent === 'Welcome reading: meet your class' && !!d.querySelector('#instructor-view')`),

		launch("Launch as student"),
		poll(`!!d.querySelector('#wasm-ready') && d.querySelector('main').dataset.status === 'loaded' && !!d.querySelector('#activity-title')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#activity-title').textContent`), &title),
	)
	if err != nil {
		var text string
		_ = chromedp.Run(ctx, chromedp.Evaluate(inFrame(`d.body.innerText`), &text))
		t.Fatalf("link setup: %v\nframe text:\n%s", err, text)
	}
	if msg != "This activity is not set up yet — ask your instructor." {
		t.Errorf("student on the unset link read %q", msg)
	}
	if title != "Welcome reading: meet your class" {
		t.Errorf("after setup the student sees %q", title)
	}
}
