package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestActivity_DatesInLocalTimeAcrossDST: a learner in New York sees an
// activity's dates in New York time, both the winter one (UTC−5) and the
// summer one (UTC−4), each keeping the exact UTC instant in its <time>
// element. Go's time.Local in wasm is fixed to the offset of the moment the
// page loaded, so one of the two would be off by an hour with it.
func TestActivity_DatesInLocalTimeAcrossDST(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop) // after the browser closes (cleanups run last-in first-out)
	mapDemoLink(t, a)
	year := time.Now().Year() + 1
	start := time.Date(year, time.January, 15, 14, 30, 0, 0, time.UTC)
	end := time.Date(year, time.July, 15, 21, 45, 0, 0, time.UTC)
	ctx := context.Background()
	graded := true
	list, err := a.db.Activities(ctx, model.ActivityFilter{Library: true, Graded: &graded})
	if err != nil || len(list) != 1 {
		t.Fatalf("the seeded graded activity: %v %v", list, err)
	}
	act := list[0]
	act.StartAt, act.EndAt = &start, &end
	if err := a.db.UpdateActivity(ctx, act); err != nil {
		t.Fatal(err)
	}

	bctx := browsertest.New(t)
	bctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	var got []struct{ Datetime, Title, Text string }
	var text string
	err = chromedp.Run(bctx,
		emulation.SetTimezoneOverride("America/New_York"),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#activity-dates'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`[...d.querySelectorAll('#activity-dates time')].map(t => ({datetime: t.getAttribute('datetime'), title: t.title, text: t.textContent}))`), &got),
		chromedp.Evaluate(inFrame(`d.querySelector('#activity-dates').textContent`), &text),
	)
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(bctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("activity page dates: %v (frame: %q)", err, text)
	}
	newYork := map[time.Time]string{ // EST in January, EDT in July
		start: time.Date(year, time.January, 15, 9, 30, 0, 0, time.UTC).Format("2 January 2006, 15:04"),
		end:   time.Date(year, time.July, 15, 17, 45, 0, 0, time.UTC).Format("2 January 2006, 15:04"),
	}
	if len(got) != 2 {
		t.Fatalf("dates line %q has %d <time> elements, want 2: %+v", text, len(got), got)
	}
	for i, at := range []time.Time{start, end} {
		if got[i].Datetime != at.Format(time.RFC3339) || got[i].Title != at.Format("2006-01-02 15:04:05")+" UTC" {
			t.Errorf("date %d keeps %q / %q, want the instant %s", i, got[i].Datetime, got[i].Title, at.Format(time.RFC3339))
		}
		if got[i].Text != newYork[at] {
			t.Errorf("date %d (%s) shows %q, want New York time %q", i, at.Format(time.RFC3339), got[i].Text, newYork[at])
		}
	}
	if want := "Open from " + newYork[start] + " until " + newYork[end] + "."; text != want {
		t.Errorf("dates line %q, want %q", text, want)
	}
}

// TestActivity_InstructorCancelsChangeOfActivity: an instructor opens "Change
// the activity of this link" with the keyboard (the focus moves into the
// chooser), picks another activity, thinks better of it and presses Cancel:
// the chooser closes unsaved, the focus is back on the button that opened it,
// and reopening it shows the link's activity, not the abandoned pick. Saving
// another pick closes the chooser too, with the focus back on the button.
func TestActivity_InstructorCancelsChangeOfActivity(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop) // after the browser closes (cleanups run last-in first-out)
	mapDemoLink(t, a)

	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	focused := func(dst *string) chromedp.Action {
		return chromedp.Evaluate(inFrame(`d.activeElement === d.body ? 'body' : (d.activeElement.id || d.activeElement.tagName)`), dst)
	}
	var title, opened, cancelled, after, selected, text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		poll(`!!(d.querySelector('#wasm-ready') && d.querySelector('#change-activity'))`),
		chromedp.Evaluate(inFrame(`d.querySelector('#activity-title').textContent`), &title),
		chromedp.Evaluate(inFrame(`(d.querySelector('#change-activity').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`!!d.querySelector('#chooser-cancel') && d.activeElement && d.activeElement.id === 'choose-activity'`),
		focused(&opened),
		// Pick the reading, unsaved.
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#choose-activity'); s.value = [...s.options].find(o => o.textContent.startsWith('Welcome reading')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`), nil),
		chromedp.KeyEvent(kb.Tab), // Save
		chromedp.KeyEvent(kb.Tab), // Cancel
		poll(`d.activeElement && d.activeElement.id === 'chooser-cancel'`),
		chromedp.KeyEvent(kb.Enter),
		poll(`!d.querySelector('#chooser') && !!d.querySelector('#change-activity')`),
		chromedp.Poll(inFrame(`d.activeElement && d.activeElement.id === 'change-activity'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
		focused(&cancelled),
		chromedp.Evaluate(inFrame(`d.querySelector('#activity-title').textContent + ' | ' + d.querySelector('#status').textContent`), &after),
		// Reopened, the chooser shows what the link opens.
		chromedp.KeyEvent(kb.Enter),
		poll(`!!d.querySelector('#choose-activity')`),
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#choose-activity'); return s.options[s.selectedIndex].textContent; })()`), &selected),
		// Saved, the chooser goes too: the focus is back on the button.
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#choose-activity'); s.value = [...s.options].find(o => o.textContent.startsWith('Welcome reading')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`), nil),
		chromedp.Evaluate(inFrame(`(d.querySelector('#assign').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`d.querySelector('#activity-title').textContent === 'Welcome reading: meet your class' && !d.querySelector('#chooser')`),
		chromedp.Poll(inFrame(`d.activeElement && d.activeElement.id === 'change-activity'`), nil, chromedp.WithPollingTimeout(5*time.Second)),
	)
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text), focused(&cancelled))
		dcancel()
		t.Fatalf("change of activity, cancelled then saved: %v (focus on %q after opening, %q now; frame: %.1500q)", err, opened, cancelled, text)
	}
	if opened != "choose-activity" || cancelled != "change-activity" {
		t.Errorf("focus after opening %q, after Cancel %q; want choose-activity, then change-activity", opened, cancelled)
	}
	if !strings.HasPrefix(selected, title) {
		t.Errorf("reopened, the chooser shows %q; want the link's activity %q", selected, title)
	}
	if !strings.Contains(after, title) || strings.Contains(after, "now opens") {
		t.Errorf("after Cancel the page reads %q; want %q unchanged, nothing saved", after, title)
	}
}
