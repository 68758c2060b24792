package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
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
