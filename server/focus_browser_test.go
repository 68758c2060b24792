package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
)

// Keyboard focus after actions that remove or add the part of the page the
// user is in: it must land somewhere useful, never on <body> (a keyboard or
// screen reader user would be back at the top of the page).

// focusedIn names the focused element of the document d: "body", else its id,
// else its accessible label, else its tag.
const focusedIn = `(d.activeElement === d.body ? 'body' : (d.activeElement.id || d.activeElement.getAttribute('aria-label') || d.activeElement.tagName))`

// settleFocus waits a little for the focus to satisfy cond (it moves after
// go-app's re-render); the caller reads it afterwards either way.
func settleFocus(ctx context.Context, cond string) {
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_ = chromedp.Run(wctx, chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(3*time.Second)))
}

// TestConsole_SetupPanelFocus: Setup moves the focus to the setup panel's
// heading (it opens above the table), and Close setup gives it back to the
// Setup button of that platform's row.
func TestConsole_SetupPanelFocus(t *testing.T) {
	c := openConsole(t, "/admin/")
	const setup = "Show setup for Demo LMS"
	var opened, closed string
	c.run("open the setup panel with the keyboard",
		browsertest.Press("button", setup),
		chromedp.WaitVisible(`#setup`),
	)
	d := `(d => ` + focusedIn + `)(document)`
	settleFocus(c.ctx, `document.activeElement.id === 'setup-heading'`)
	c.run("read the focus", chromedp.Evaluate(d, &opened))
	if opened != "setup-heading" {
		t.Errorf("after Setup the focus is on %q, want the setup panel's heading", opened)
	}
	c.run("close it with the keyboard",
		browsertest.Press("button", "Close setup"),
		chromedp.WaitNotPresent(`#setup`),
	)
	settleFocus(c.ctx, `document.activeElement.getAttribute('aria-label') === `+jsString(setup))
	c.run("read the focus", chromedp.Evaluate(d, &closed))
	if closed != setup {
		t.Errorf("after Close setup the focus is on %q, want the %q button", closed, setup)
	}
}

// TestGrading_FocusFollowsEdits: in the grading view, Edit takes the focus to
// the form's score field; Cancel, and a saved score, give it back to the
// row's Edit button; Send all pending keeps it (on the button or its status
// line), and says so when nothing was waiting.
func TestGrading_FocusFollowsEdits(t *testing.T) {
	ctx, _, base := scoredInBrowser(t)
	const edit = "Edit the score of Ada Lovelace"
	row := `[...d.querySelectorAll('#grading-table tbody tr')].find(r => r.innerText.includes('Ada Lovelace'))`
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var text string
			dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
			dcancel()
			t.Fatalf("%s: %v (frame: %q)", step, err, text)
		}
	}
	focus := func(cond string) string {
		t.Helper()
		settleFocus(ctx, inFrame(cond))
		var got string
		run("read the focus", chromedp.Evaluate(inFrame(focusedIn), &got))
		return got
	}
	run("open the grading view",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('#grading-link'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#grading-link').click(), true)`), nil),
		chromedp.Poll(inFrame(`(() => { const r = `+row+`; return !!r && r.innerText.includes('7 / 100') && r.innerText.includes('Sent'); })()`), nil, chromedp.WithPollingTimeout(30*time.Second)),
	)
	pressEdit := chromedp.Tasks{
		chromedp.Evaluate(inFrame(`(`+row+`.querySelector('button[aria-label=`+jsString(edit)+`]').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`!!d.querySelector('#edit-score')`), nil, chromedp.WithPollingTimeout(5*time.Second)),
	}
	run("Edit with the keyboard", pressEdit)
	if got := focus(`d.activeElement.id === 'edit-score'`); got != "edit-score" {
		t.Errorf("after Edit the focus is on %q, want the score field (edit-score)", got)
	}
	run("Cancel with the keyboard",
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-cancel').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`!d.querySelector('#edit-form')`), nil, chromedp.WithPollingTimeout(5*time.Second)),
	)
	if got := focus(`d.activeElement.getAttribute('aria-label') === ` + jsString(edit)); got != edit {
		t.Errorf("after Cancel the focus is on %q, want the row's %q button", got, edit)
	}
	run("Edit again and save with the keyboard", pressEdit,
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-score').select(), d.querySelector('#edit-score').focus(), true)`), nil),
		chromedp.KeyEvent("8"),
		chromedp.Evaluate(inFrame(`(d.querySelector('#edit-save').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`(() => { const r = `+row+`; return !d.querySelector('#edit-form') && !!r && r.innerText.includes('8 / 100'); })()`), nil, chromedp.WithPollingTimeout(30*time.Second)),
	)
	if got := focus(`d.activeElement.getAttribute('aria-label') === ` + jsString(edit)); got != edit {
		t.Errorf("after saving the focus is on %q, want the row's %q button", got, edit)
	}
	var status string
	run("Send all pending with the keyboard, once the score is sent",
		chromedp.Poll(inFrame(`(() => { const r = `+row+`; return !!r && r.innerText.includes('Sent'); })()`), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(inFrame(`(d.querySelector('#send-pending').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(inFrame(`/^(Nothing was waiting|\d+ scores? queued|\d+ score\(s\) queued)/.test(d.querySelector('#grading-status').textContent) && !d.querySelector('#send-pending').hasAttribute('aria-busy')`), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(inFrame(`d.querySelector('#grading-status').textContent`), &status),
	)
	if status != "Nothing was waiting to be sent." {
		t.Errorf("Send all pending with nothing pending said %q", status)
	}
	if got := focus(`d.activeElement.id === 'send-pending' || d.activeElement.id === 'grading-status'`); got != "send-pending" && got != "grading-status" {
		t.Errorf("after Send all pending the focus is on %q, want the button or its status line", got)
	}
}

// TestLinkSetup_FocusAfterFirstSave: when an instructor sets up an unset
// link and saves, the chooser goes and the focus moves to the heading of the
// activity the link now opens, not to <body>.
func TestLinkSetup_FocusAfterFirstSave(t *testing.T) {
	_, base, stop := startApp(t, t.TempDir(), true)
	t.Cleanup(stop)
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := func(expr string) chromedp.Action {
		return chromedp.Poll(inFrame(expr), nil, chromedp.WithPollingTimeout(45*time.Second))
	}
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/demo-lms/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
		poll(`!!d.querySelector('#wasm-ready') && !!d.querySelector('#set-up-link')`),
		chromedp.Evaluate(inFrame(`d.querySelector('#set-up-link').click()`), nil),
		poll(`!!d.querySelector('#choose-activity') && d.querySelector('#choose-activity').options.length === 2`),
		chromedp.Evaluate(inFrame(`(() => { const s = d.querySelector('#choose-activity'); s.value = [...s.options].find(o => o.textContent.startsWith('Welcome reading')).value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`), nil),
		chromedp.Evaluate(inFrame(`(d.querySelector('#assign').focus(), true)`), nil),
		chromedp.KeyEvent(kb.Enter),
		poll(`d.querySelector('#activity-title').textContent === 'Welcome reading: meet your class' && !d.querySelector('#assign')`),
	)
	if err != nil {
		var text string
		_ = chromedp.Run(ctx, chromedp.Evaluate(frameText, &text))
		t.Fatalf("link setup: %v\nframe text:\n%s", err, text)
	}
	settleFocus(ctx, inFrame(`d.activeElement.id === 'activity-title' || d.activeElement.id === 'main'`))
	var got string
	if err := chromedp.Run(ctx, chromedp.Evaluate(inFrame(focusedIn), &got)); err != nil {
		t.Fatal(err)
	}
	if got != "activity-title" {
		t.Errorf("after setting up the link the focus is on %q, want the page's heading (activity-title)", got)
	}
}

// TestConsole_PlatformFormFocus: the platform form closes on Save and on
// Cancel, and takes its buttons with it. The focus goes on, never to <body>:
// after adding a platform, to the heading of its setup box (which opens to
// say what to enter in the LMS); after an edit, and after Cancel, back to the
// button that opened the form (the row's Edit button, or Add platform).
func TestConsole_PlatformFormFocus(t *testing.T) {
	c := openConsole(t, "/admin/")
	d := `(d => ` + focusedIn + `)(document)`
	focus := func(cond string) string {
		t.Helper()
		settleFocus(c.ctx, cond)
		var got string
		c.run("read the focus", chromedp.Evaluate(d, &got))
		return got
	}
	byLabel := func(label string) string {
		return `document.activeElement.getAttribute('aria-label') === ` + jsString(label)
	}

	c.run("add a platform with the keyboard",
		browsertest.Press("button", "Add platform"),
		browsertest.Fill("LMS address (fills in the URLs)", "https://moodle.school.example"),
		browsertest.Fill("Client ID", "Kx7moodleClient"),
		browsertest.Press("button", "Save platform"),
		c.done("Saved Moodle."),
		chromedp.WaitVisible(`#setup`),
	)
	if got := focus(`document.activeElement.id === 'setup-heading'`); got != "setup-heading" {
		t.Errorf("after adding a platform the focus is on %q, want its setup box's heading (setup-heading)", got)
	}

	c.run("edit a platform with the keyboard",
		browsertest.Press("button", "Edit Demo LMS"),
		browsertest.Fill("Name", "Riverside LMS"),
		browsertest.Press("button", "Save platform"),
		c.done("Saved Riverside LMS."),
		chromedp.WaitNotPresent(`#platform-form`),
	)
	if got := focus(byLabel("Edit Riverside LMS")); got != "Edit Riverside LMS" {
		t.Errorf("after saving an edit the focus is on %q, want the row's %q button", got, "Edit Riverside LMS")
	}

	c.run("open the edit form and cancel it",
		browsertest.Press("button", "Edit Riverside LMS"),
		chromedp.WaitVisible(`#platform-form`),
		browsertest.Press("button", "Cancel"),
		chromedp.WaitNotPresent(`#platform-form`),
	)
	if got := focus(byLabel("Edit Riverside LMS")); got != "Edit Riverside LMS" {
		t.Errorf("after Cancel in the edit form the focus is on %q, want the row's %q button", got, "Edit Riverside LMS")
	}
	c.run("open the add form and cancel it",
		browsertest.Press("button", "Add platform"),
		chromedp.WaitVisible(`#platform-form`),
		browsertest.Press("button", "Cancel"),
		chromedp.WaitNotPresent(`#platform-form`),
	)
	if got := focus(`document.activeElement.id === 'add-platform'`); got != "add-platform" {
		t.Errorf("after Cancel in the add form the focus is on %q, want the Add platform button", got)
	}
}
