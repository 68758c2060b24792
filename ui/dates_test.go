package ui

import (
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// TestDateConversion: datetime-local values and instants convert both ways
// (on the server the server's zone stands in for the browser's), and empty
// means no date.
func TestDateConversion(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.Local)
	if got := localInputValue(&start); got != "2026-03-01T09:00" {
		t.Errorf("localInputValue = %q", got)
	}
	withSec := start.Add(5 * time.Second)
	if got := localInputValue(&withSec); got != "2026-03-01T09:00:05" {
		t.Errorf("localInputValue keeps seconds = %q", got)
	}
	if got := localInputValue(nil); got != "" {
		t.Errorf("localInputValue(nil) = %q", got)
	}
	for in, want := range map[string]time.Time{"2026-03-01T09:00": start, "2026-03-01T09:00:05": withSec} {
		got, err := parseLocalInput(in)
		if err != nil || got == nil || !got.Equal(want) {
			t.Errorf("parseLocalInput(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	a := model.Activity{StartAt: &start, EndAt: &start}
	if err := applyDates(&a, "", " "); err != nil || a.StartAt != nil || a.EndAt != nil {
		t.Errorf("empty inputs do not clear the dates: %v %v %v", a.StartAt, a.EndAt, err)
	}
	if err := applyDates(&a, "2026-03-01T09:00", "soon"); model.ErrorMessage(err) != "The end date is not a valid date and time." {
		t.Errorf("bad end date: %v", err)
	}
}

// TestDateFields: every activity form has the two labelled datetime-local
// inputs, filled with the activity's dates, and shows refusals as an alert.
func TestDateFields(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.Local)
	end := time.Date(2026, 3, 8, 17, 30, 0, 0, time.Local)
	dated := quiz
	dated.StartAt, dated.EndAt = &start, &end
	labelled := func(t *testing.T, got, prefix string) {
		t.Helper()
		mustContain(t, got, `<label for="`+prefix+`start">Start date (optional)</label>`, `<label for="`+prefix+`end">End date (optional)</label>`,
			"In your local time. Leave a date empty for none.")
		mustTag(t, got, prefix+"start", `type="datetime-local"`, `aria-describedby="`+prefix+`dates-help"`)
		mustTag(t, got, prefix+"end", `type="datetime-local"`)
		mustNotContain(t, got, `checked="false"`, `disabled="false"`, `required="false"`)
	}

	t.Run("picker create form", func(t *testing.T) {
		p := loadedPicker(model.DeepLinkOptions{CanLink: true})
		got := render(t, p)
		labelled(t, got, "new-")
		mustNotContain(t, got, `value="2026`) // empty: no date
		p = loadedPicker(model.DeepLinkOptions{CanLink: true})
		p.newStart, p.newEnd, p.createErr = "2026-03-08T09:00", "2026-03-01T09:00", "The end date is before the start date."
		got = render(t, p)
		mustTag(t, got, "new-start", `value="2026-03-08T09:00"`)
		mustTag(t, got, "new-end", `value="2026-03-01T09:00"`)
		mustContain(t, got, `role="alert"`, "The end date is before the start date.")
	})

	t.Run("activity page editor", func(t *testing.T) {
		p := newActivityPage()
		p.status, p.session = statusLoaded, model.Session{User: model.User{Name: "Grace"}, Role: model.RoleInstructor, Context: model.Context{Title: "Course"}}
		p.link = model.LinkActivity{SetUp: true, Activity: &dated}
		p.editing, p.draft, p.maxText = true, dated, "10"
		p.startText, p.endText = localInputValue(dated.StartAt), localInputValue(dated.EndAt)
		p.editErr = "The end date is before the start date."
		got := render(t, p)
		labelled(t, got, "edit-")
		mustTag(t, got, "edit-start", `value="2026-03-01T09:00"`)
		mustTag(t, got, "edit-end", `value="2026-03-08T17:30"`)
		mustContain(t, got, `role="alert"`, "The end date is before the start date.")
	})

	t.Run("admin library form", func(t *testing.T) {
		c := newAdminConsole(PathAdminActivities)
		c.auth, c.loaded = authReady, statusLoaded
		c.openActivity(dated)
		got := render(t, c)
		labelled(t, got, "act-")
		mustTag(t, got, "act-start", `value="2026-03-01T09:00"`)
		mustTag(t, got, "act-end", `value="2026-03-08T17:30"`)
		c = newAdminConsole(PathAdminActivities)
		c.auth, c.loaded = authReady, statusLoaded
		c.openActivity(model.Activity{ScoreMaximum: 100})
		c.errMsg = "The end date is before the start date."
		got = render(t, c)
		mustNotContain(t, got, `value="2026`) // a new activity has no dates
		mustContain(t, got, `role="alert"`, "The end date is before the start date.")
	})
}
