package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

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
