package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// The console's row buttons act on the row as last loaded, not as it was
// first drawn: go-app keeps a handler while its event scope is unchanged, so
// a handler holding the row's data would act on the old data after a reload.
// Each test changes a row, then uses the same row again without reloading
// the page.

// TestConsole_DisableThenActivatePlatform: Disable, then Activate on the
// redrawn row, undoes it: the platform is active again and launches.
func TestConsole_DisableThenActivatePlatform(t *testing.T) {
	c := openConsole(t, "/admin/")
	c.run("disable, then activate",
		browsertest.Press("button", "Disable Demo LMS"),
		c.done("Demo LMS is now disabled."),
		browsertest.Press("button", "Activate Demo LMS"),
		c.done("Demo LMS is now active."),
		browsertest.WaitFor("button", "Disable Demo LMS"),
	)
	if r, err := c.a.db.Registration(context.Background(), 1); err != nil || r.Status != "active" {
		t.Errorf("stored platform: %+v %v", r, err)
	}
	var p model.Platform
	if st := c.api("GET", platformPath(1), &p); st != 200 || p.Status != "active" {
		t.Errorf("admin API: %d status %q", st, p.Status)
	}
	if st, page := c.launch("1"); st != http.StatusSeeOther {
		t.Errorf("launch after activating again = %d %.300s", st, page)
	}
}

// TestConsole_EditPlatformTwice: the edit form opened again after a save
// shows the saved values, and saving it again keeps them (it does not write
// the values from before the first save back).
func TestConsole_EditPlatformTwice(t *testing.T) {
	c := openConsole(t, "/admin/")
	tokenURL := c.base + "/demo-lms/oauth2/token"
	if tokenURL == c.a.demo.TokenURL() {
		t.Fatal("the new token URL must differ from the demo LMS's")
	}
	var token string
	c.run("edit, save, edit again",
		browsertest.Press("button", "Edit Demo LMS"),
		browsertest.Fill("Access token URL", tokenURL),
		browsertest.Press("button", "Save platform"),
		c.done("Saved Demo LMS."),
		browsertest.Press("button", "Edit Demo LMS"),
		browsertest.Value("Access token URL", &token),
	)
	if token != tokenURL {
		t.Errorf("edit form opened again: token URL %q, want %q", token, tokenURL)
	}
	c.run("save again",
		browsertest.Press("button", "Save platform"),
		c.done("Saved Demo LMS."),
	)
	if r, err := c.a.db.Registration(context.Background(), 1); err != nil || r.TokenURL != tokenURL {
		t.Errorf("stored platform after the second save: %+v %v", r, err)
	}
	var p model.Platform
	if st := c.api("GET", platformPath(1), &p); st != 200 || p.TokenURL != tokenURL {
		t.Errorf("admin API after the second save: %d token URL %q", st, p.TokenURL)
	}
}

// TestConsole_AddThenEditPlatform: Edit while the Add form is open types
// into the field it shows. (Without the LMS address field the fields move
// up one place, and each kept the handler of the field that stood there: the
// token URL went into the authorization URL.)
func TestConsole_AddThenEditPlatform(t *testing.T) {
	c := openConsole(t, "/admin/")
	tokenURL := c.base + "/demo-lms/oauth2/token"
	c.run("add, then edit",
		browsertest.Press("button", "Add platform"),
		browsertest.WaitFor("textbox", "LMS address (fills in the URLs)"),
		browsertest.Press("button", "Edit Demo LMS"),
		browsertest.WaitFor("heading", "Platforms"),
	)
	if n := c.count("textbox", "LMS address (fills in the URLs)"); n != 0 {
		t.Fatalf("the edit form still asks for the LMS address")
	}
	c.run("change the token URL and save",
		browsertest.Fill("Access token URL", tokenURL),
		browsertest.Press("button", "Save platform"),
		c.done("Saved Demo LMS."),
	)
	r, err := c.a.db.Registration(context.Background(), 1)
	if err != nil || r.TokenURL != tokenURL || r.AuthURL != c.a.demo.AuthURL() || r.Name != "Demo LMS" {
		t.Errorf("stored platform: %+v %v", r, err)
	}
	if st, page := c.launch("1"); st != http.StatusSeeOther {
		t.Errorf("launch after the edit = %d %.300s", st, page)
	}
}

// TestConsole_ExportAfterNavigation: Export CSV on the Activities library,
// reached from the Platforms page without a reload, downloads the
// activities. (The pages share their layout and go-app reused the Platforms
// page's button with its handler: platforms.csv.)
func TestConsole_ExportAfterNavigation(t *testing.T) {
	c := openConsole(t, "/admin/")
	var downloads []string
	c.run("go to the library and export",
		browsertest.Press("link", "Activities library"),
		chromedp.WaitVisible(`#activities`),
		chromedp.Poll(`document.getElementById('main').dataset.status === 'loaded'`, nil),
		// Record the file names instead of downloading.
		chromedp.Evaluate(`window.downloads = [];
			HTMLAnchorElement.prototype.click = function() { window.downloads.push(this.download); }`, nil),
		browsertest.Press("button", "Export CSV"),
		chromedp.Evaluate(`window.downloads`, &downloads),
	)
	if len(downloads) != 1 || downloads[0] != "activities.csv" {
		t.Errorf("downloads: %q", downloads)
	}
}

// libraryActivity reads the library activity with the title from the admin
// API (ok false if none has it).
func (c *console) libraryActivity(title string) (model.Activity, bool) {
	c.t.Helper()
	var list []model.Activity
	if st := c.api("GET", "/activities", &list); st != 200 {
		c.t.Fatalf("admin API activities: %d", st)
	}
	for _, a := range list {
		if a.Title == title {
			return a, true
		}
	}
	return model.Activity{}, false
}

// TestConsole_LibraryRenameActivity: after renaming a library activity, its
// Edit opens the form with the new title. (The graded example, so the
// ungraded form's own bug cannot hide this one.)
func TestConsole_LibraryRenameActivity(t *testing.T) {
	c := openConsole(t, "/admin/activities")
	var title string
	c.run("rename, save, edit again",
		browsertest.Press("button", "Edit Self-assessment: how confident are you?"),
		browsertest.Fill("Title", "Confidence check"),
		browsertest.Press("button", "Save activity"),
		c.done("Saved Confidence check."),
		browsertest.Press("button", "Edit Confidence check"),
		browsertest.Value("Title", &title),
	)
	if title != "Confidence check" {
		t.Errorf("edit form opened again: title %q", title)
	}
	if a, ok := c.libraryActivity("Confidence check"); !ok || !a.Graded || a.ScoreMaximum != 10 {
		t.Errorf("admin API after the rename: %+v %v", a, ok)
	}
}

// TestConsole_LibrarySaveUngradedActivity: an ungraded activity saves; the
// maximum score it does not use is not asked for (it blocked the form).
func TestConsole_LibrarySaveUngradedActivity(t *testing.T) {
	c := openConsole(t, "/admin/activities")
	c.run("edit the ungraded activity",
		browsertest.Press("button", "Edit Welcome reading: meet your class"),
		browsertest.WaitFor("textbox", "Tag"),
	)
	if n := c.count("spinbutton", "Maximum score"); n != 0 {
		t.Errorf("%d Maximum score fields for an ungraded activity", n)
	}
	c.run("save it",
		browsertest.Fill("Tag", "week 1"),
		browsertest.Press("button", "Save activity"),
		c.done("Saved Welcome reading: meet your class."),
	)
	a, ok := c.libraryActivity("Welcome reading: meet your class")
	if !ok || a.Tag != "week 1" || a.Graded || a.ScoreMaximum != 0 {
		t.Errorf("admin API after the save: %+v %v", a, ok)
	}
}
