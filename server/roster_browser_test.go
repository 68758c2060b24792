package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// TestRoster_InBrowser: an instructor launches from the demo LMS, opens the
// roster from the home page, sees the LMS's members, narrows them with the
// keyboard-typed search, sorts with the keyboard, and exports a CSV that has
// every member, not only the visible page.
func TestRoster_InBrowser(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	a.demo.AddLearners("course-101", 298) // + Grace and Ada: 300 members
	a.demo.SetPageSize(20)                // a slow, finely paged LMS, so the first load shows progress
	a.demo.SetDelay(40 * time.Millisecond)
	// In a subtest, so the browser has closed its connections before stop
	// shuts the server down gracefully.
	t.Run("instructor", func(t *testing.T) { rosterInBrowser(t, a, base) })
}

func rosterInBrowser(t *testing.T, a *app, base string) {
	downloads := t.TempDir()
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	var count, sorted, frameText, progress string
	err := chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		poll(`!!(d.querySelector('#wasm-ready') && d.querySelector('#roster-link'))`),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster-link').click()`), nil),
		poll(`!!d.querySelector('#sync-progress') && /Loading the roster from your LMS… [\d,]+ members so far \([1-9]\d* pages\)/.test(d.querySelector('#sync-status').textContent)`),
		chromedp.Evaluate(inFrame(`d.querySelector('#sync-status').textContent`), &progress),
		poll(`!!(d.querySelector('#roster tbody tr') && /of 300 members/.test(d.querySelector('#roster-count').textContent))`),
		chromedp.Evaluate(inFrame(`d.body.innerText`), &frameText),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, filepath.Join(t.TempDir(), "roster.png"))
		t.Fatalf("open roster: %v (frame text: %.500q)", err, frameText)
	}
	t.Logf("progress while loading: %q", progress)
	for _, want := range []string{"Roster: Demo Course 101", "Grace Hopper", "grace@example.edu", "Instructor", "Synced just now", "Showing 1–50 of 300 members", "Export CSV (all 300 members)"} {
		if !strings.Contains(frameText, want) {
			t.Errorf("roster page does not show %q:\n%.1500s", want, frameText)
		}
	}

	// Search by typing, as a person would.
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#roster-search').focus()`), nil),
		chromedp.KeyEvent("Test Learner 17"),
		poll(`/of 11 members \(filtered from 300\)/.test(d.querySelector('#roster-count').textContent)`),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster-count').textContent`), &count),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster tbody').innerText`), &frameText),
	)
	if err != nil {
		t.Fatalf("search: %v (count %q)", err, count)
	}
	if strings.Contains(frameText, "Grace Hopper") || !strings.Contains(frameText, "Test Learner 179") {
		t.Errorf("search did not narrow the table:\n%s", frameText)
	}

	// Sort by name, descending, with the keyboard (Enter on the header button).
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#sort-name').focus()`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`d.querySelector('#sort-name').closest('th').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster tbody th[scope=row]').textContent`), &sorted),
	)
	if err != nil || sorted != "Test Learner 179" {
		t.Errorf("keyboard sort: %v, first row %q, want Test Learner 179", err, sorted)
	}

	// Export: the download holds every member, whatever the search shows.
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#export').focus()`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`!!d.querySelector('#csv-link')`),
	)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	rows := waitForCSV(t, filepath.Join(downloads, "roster-DEMO101.csv"))
	if len(rows) != 301 || rows[0][0] != "Name" {
		t.Fatalf("CSV has %d lines (header %v), want a header and 300 members", len(rows), rows[0])
	}
	subjects := map[string]bool{}
	for _, r := range rows[1:] {
		subjects[r[4]] = true
	}
	if len(subjects) != 300 || !subjects["instructor"] || !subjects["student"] || !subjects["learner-298"] {
		t.Errorf("CSV has %d distinct members", len(subjects))
	}

	// Refresh (by keyboard): the button is disabled while the LMS is asked
	// for changes, then the roster shows the new member and the new time.
	a.demo.Enroll("course-101", "late-joiner")
	err = chromedp.Run(ctx,
		chromedp.Evaluate(inFrame(`d.querySelector('#refresh').focus()`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`d.querySelector('#refresh').disabled && /Checking your LMS for changes|Loading the roster/.test(d.querySelector('#sync-status').textContent)`),
		poll(`!d.querySelector('#sync-progress') && !d.querySelector('#refresh').disabled && /Synced just now/.test(d.querySelector('#sync-status').textContent) && /Export CSV \(all 301 members\)/.test(d.querySelector('#export').textContent)`),
	)
	if err != nil {
		t.Errorf("refresh: %v", err)
	}
}

// waitForCSV waits for Chromium to finish writing a download and parses it.
func waitForCSV(t *testing.T, path string) [][]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if f, err := os.Open(path); err == nil {
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err == nil && len(rows) > 0 {
				return rows
			}
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("no download at %s (dir has %v)", path, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRoster_LastLaunchDatesAcrossDST: an instructor in New York sees the
// day of a learner's last launch (older than a month) on New York's calendar,
// for a winter launch and a summer one alike. Both launches are at 04:30 UTC,
// the evening before in winter (UTC−5) and just after midnight in summer
// (UTC−4). Go's time.Local in wasm is fixed to the offset of the moment the
// page loaded, so with it one of the two would show the wrong day.
func TestRoster_LastLaunchDatesAcrossDST(t *testing.T) {
	year := time.Now().Year() - 2
	winter := time.Date(year, time.January, 15, 4, 30, 0, 0, time.UTC)
	summer := time.Date(year, time.July, 15, 4, 30, 0, 0, time.UTC)
	var clock atomic.Int64 // the store's clock while the learners launch; 0: the real one
	a, base, stop := startAppWith(t, t.TempDir(), true, func(a *app) {
		a.db.Now = func() time.Time {
			if ns := clock.Load(); ns != 0 {
				return time.Unix(0, ns)
			}
			return time.Now()
		}
	})
	t.Cleanup(stop) // after the browser closes (cleanups run last-in first-out)
	a.demo.AddLearners("course-101", 1)
	for user, at := range map[string]time.Time{"student": winter, "learner-1": summer} {
		clock.Store(at.UnixNano())
		launchToken(t, a.demo, ltitest.LaunchSpec{UserID: user})
	}
	clock.Store(0)

	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	var got map[string]struct{ Datetime, Title, Text string }
	var text string
	err := chromedp.Run(ctx,
		emulation.SetTimezoneOverride("America/New_York"),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		poll(`!!(d.querySelector('#wasm-ready') && d.querySelector('#roster-link'))`),
		chromedp.Evaluate(inFrame(`d.querySelector('#roster-link').click()`), nil),
		poll(`!!d.querySelector('#roster tbody tr[data-subject="learner-1"]')`),
		chromedp.Evaluate(inFrame(`Object.fromEntries([...d.querySelectorAll('#roster tbody tr')].map(tr => {
			const t = tr.cells[4].querySelector('time');
			return [tr.dataset.subject, t ? {datetime: t.getAttribute('datetime'), title: t.title, text: t.textContent} : {text: tr.cells[4].textContent}];
		}))`), &got),
	)
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
		dcancel()
		t.Fatalf("roster: %v (frame: %.1000q)", err, text)
	}
	for user, c := range map[string]struct {
		at   time.Time
		want string
	}{
		"student":   {winter, fmt.Sprintf("on 14 Jan %d", year)}, // 23:30 EST the day before
		"learner-1": {summer, fmt.Sprintf("on 15 Jul %d", year)}, // 00:30 EDT
	} {
		g := got[user]
		if g.Text != c.want {
			t.Errorf("%s's last launch (%s) shows %q, want New York's %q", user, c.at.Format(time.RFC3339), g.Text, c.want)
		}
		if g.Datetime != c.at.Format(time.RFC3339) || g.Title != c.at.Format("2006-01-02 15:04:05")+" UTC" {
			t.Errorf("%s's last launch keeps %q / %q, want the instant %s", user, g.Datetime, g.Title, c.at.Format(time.RFC3339))
		}
	}
	if g := got["instructor"]; g.Text != "just now" {
		t.Errorf("the instructor's own launch shows %q, want just now", g.Text)
	}
}
