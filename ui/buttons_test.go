package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// primaryButtons counts the buttons app.css draws as primary (filled): those
// without a class, or with the class primary, and links with the class
// button. outside counts those outside any form, perForm those of each form.
func primaryButtons(html string) (outside int, perForm []int) {
	count := func(s string) int {
		n := 0
		for _, tag := range regexp.MustCompile(`<button\b[^>]*>`).FindAllString(s, -1) {
			m := regexp.MustCompile(`\sclass="([^"]*)"`).FindStringSubmatch(tag)
			if m == nil || strings.Contains(" "+m[1]+" ", " primary ") {
				n++
			}
		}
		return n + len(buttonLinks(s))
	}
	form := regexp.MustCompile(`(?s)<form\b.*?</form>`) // forms do not nest
	for _, f := range form.FindAllString(html, -1) {
		perForm = append(perForm, count(f))
	}
	return count(form.ReplaceAllString(html, "")), perForm
}

// buttonLinks are the <a> tags in html that app.css draws as a primary
// button (class button).
func buttonLinks(html string) []string {
	var out []string
	for _, tag := range regexp.MustCompile(`<a\b[^>]*>`).FindAllString(html, -1) {
		if m := regexp.MustCompile(`\sclass="([^"]*)"`).FindStringSubmatch(tag); m != nil && strings.Contains(" "+m[1]+" ", " button ") {
			out = append(out, tag)
		}
	}
	return out
}

// mustHaveOnePrimary asserts one primary action per form and at most one
// outside forms (a view with only secondary tools has none).
func mustHaveOnePrimary(tb testing.TB, html string) {
	tb.Helper()
	outside, perForm := primaryButtons(html)
	if outside > 1 {
		tb.Errorf("%d primary buttons outside forms, want at most 1:\n%s", outside, html)
	}
	for i, n := range perForm {
		if n != 1 {
			tb.Errorf("form %d has %d primary buttons, want 1:\n%s", i+1, n, html)
		}
	}
}

// TestButtons_SecondaryActionsLookSecondary: app.css draws every button
// without a class as a primary one. Cancel, Close, the instructor's change
// of activity and the other secondary tools carry class="secondary", so each
// form and view has one primary action.
func TestButtons_SecondaryActionsLookSecondary(t *testing.T) {
	t.Run("grading page", func(t *testing.T) {
		seven := 7.0
		p := &gradingPage{status: statusLoaded, sortBy: "name", editing: 1, view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 10,
			Rows: []model.GradebookRow{{User: model.User{ID: 1, Name: "Ada Lovelace"},
				Score: &model.Score{ScoreGiven: &seven, ScoreMaximum: 10, Delivery: model.Delivery{State: model.DeliveryDelivered}}}}}}
		got := render(t, p)
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "edit-cancel", `class="secondary"`, `type="button"`)
		mustTag(t, got, "read-back", `class="secondary"`)
		mustTag(t, got, "download-csv", `class="secondary"`)
		mustHaveTag(t, got, "button", `aria-label="Edit the score of Ada Lovelace"`, `class="secondary"`)
		if tag := regexp.MustCompile(`<button [^>]*id="send-pending"[^>]*>`).FindString(got); strings.Contains(tag, "class=") {
			t.Errorf("Send all pending is not the primary action: %s", tag)
		}
	})

	t.Run("activity page, instructor", func(t *testing.T) {
		q := quiz
		teacher := model.Session{User: model.User{Name: "Grace"}, Role: model.RoleInstructor, Context: model.Context{Title: "Course"}}
		page := func() *activityPage {
			p := newActivityPage()
			p.status, p.session, p.link, p.choices, p.chosen = statusLoaded, teacher, model.LinkActivity{SetUp: true, Activity: &q}, []model.Activity{reading, quiz}, quiz.ID
			return p
		}
		got := render(t, page())
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "change-activity", `class="secondary"`)
		if tag := regexp.MustCompile(`<button [^>]*id="edit-activity"[^>]*>`).FindString(got); tag == "" || strings.Contains(tag, "class=") {
			t.Errorf("Edit this activity is not the primary action: %q", tag)
		}
		p := page()
		p.editing, p.draft, p.maxText = true, q, "10"
		got = render(t, p)
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "edit-cancel", `class="secondary"`)
		p = page()
		p.changing = true
		got = render(t, p)
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "chooser-cancel", `class="secondary"`, `type="button"`)
		if tag := regexp.MustCompile(`<button [^>]*id="assign"[^>]*>`).FindString(got); tag == "" || strings.Contains(tag, "class=") {
			t.Errorf("Save is not the chooser's primary action: %q", tag)
		}
		// Edit this activity is the main action of a course's own activity:
		// the grading view is an ordinary link there.
		if links := buttonLinks(render(t, page())); len(links) != 0 {
			t.Errorf("a course activity's links drawn as buttons: %v", links)
		}
	})

	t.Run("activity page, instructor, library activity", func(t *testing.T) {
		teacher := model.Session{User: model.User{Name: "Grace"}, Role: model.RoleInstructor, Context: model.Context{Title: "Course"},
			Services: model.Services{NRPS: true}}
		page := func(a model.Activity) *activityPage {
			p := newActivityPage()
			p.status, p.session, p.link, p.choices, p.chosen = statusLoaded, teacher, model.LinkActivity{SetUp: true, Activity: &a}, []model.Activity{reading, quiz}, a.ID
			return p
		}
		// A graded library activity cannot be edited here: the grading view
		// is what the instructor most likely came for, and looks it.
		graded := quiz
		graded.ContextID = 0
		for _, changing := range []bool{false, true} {
			p := page(graded)
			p.changing = changing
			got := render(t, p)
			mustHaveOnePrimary(t, got)
			if outside, _ := primaryButtons(got); outside != 1 {
				t.Errorf("changing=%v: %d primary actions outside forms, want the grading view's", changing, outside)
			}
			mustTag(t, got, "grading-link", `class="button"`, `href="/app/grading"`)
			if !changing {
				mustTag(t, got, "change-activity", `class="secondary"`)
			}
		}
		// An ungraded library activity offers only tools (the roster, a
		// change of activity): none of them is the view's main action.
		got := render(t, page(reading))
		mustHaveOnePrimary(t, got)
		if outside, _ := primaryButtons(got); outside != 0 {
			t.Errorf("%d primary actions on an ungraded library activity, want none:\n%s", outside, got)
		}
		mustTag(t, got, "roster-link")
	})

	console := func(page string, load func(c *adminConsole)) string {
		c := newAdminConsole(page)
		c.auth, c.loaded, c.username = authReady, statusLoaded, "root"
		load(c)
		return render(t, c)
	}
	at := time.Date(2026, 3, 1, 9, 0, 5, 0, time.UTC)
	platform := model.Platform{ID: 1, Name: "Riverside Moodle", Preset: "moodle", Status: "active", CreatedAt: at,
		Deployments: []model.Deployment{{ID: 1, DeploymentID: "1", Status: "active", CreatedAt: at}},
		ToolURLs:    model.ToolURLs{LoginURL: "https://tool.example/lti/login", JWKSURL: "https://tool.example/.well-known/jwks.json"},
		Setup:       model.PlatformSetup{Where: "Site administration → Plugins.", JSONLabel: "Tool configuration", JSON: "{}"}}

	t.Run("console: platforms with the form and the setup box open", func(t *testing.T) {
		got := console(PathAdmin, func(c *adminConsole) {
			c.platforms, c.shown = []model.Platform{platform}, 1
			c.openEdit(1)
		})
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "platform-cancel", `class="secondary"`, `type="button"`)
		mustTag(t, got, "close-setup", `class="secondary"`)
		mustTag(t, got, "sign-out", `class="secondary"`)
		mustTag(t, got, "platforms-csv", `class="secondary"`)
		mustHaveTag(t, got, "button", `aria-label="Copy Login (OIDC initiation) URL"`, `class="secondary copy"`)
	})

	t.Run("console: library with the form open", func(t *testing.T) {
		got := console(PathAdminActivities, func(c *adminConsole) {
			c.library = []model.Activity{reading}
			c.openActivity(reading)
		})
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "activity-cancel", `class="secondary"`, `type="button"`)
	})

	t.Run("console: launches with the debugger open", func(t *testing.T) {
		got := console(PathAdminLaunches, func(c *adminConsole) {
			failed := model.LaunchAttempt{ID: 1, CreatedAt: at, Platform: "Riverside Moodle", Check: "launch.nonce"}
			c.launches, c.debug = []model.LaunchAttempt{failed}, &failed
		})
		mustHaveOnePrimary(t, got)
		mustTag(t, got, "close-debugger", `class="secondary"`)
	})

	for _, sc := range []struct {
		page string
		load func(c *adminConsole)
	}{
		{PathAdminDeployments, func(c *adminConsole) { c.platforms = []model.Platform{platform} }},
		{PathAdminApprovals, func(c *adminConsole) {
			c.pending = model.Pending{Platforms: []model.Platform{{ID: 2, Name: "New LMS", Status: "pending", CreatedAt: at}},
				Deployments: []model.PendingDeployment{{RegistrationID: 1, Platform: "Riverside Moodle", DeploymentID: "9", CreatedAt: at}}}
		}},
		{PathAdminRegistration, func(c *adminConsole) {}},
		{PathAdminKeys, func(c *adminConsole) {
			c.keys = []model.KeyInfo{{KID: "k1", State: "current", CreatedAt: at}}
		}},
		{PathAdminOutbox, func(c *adminConsole) { c.outbox = outboxConsole().outbox }},
	} {
		t.Run("console: "+sc.page, func(t *testing.T) { mustHaveOnePrimary(t, console(sc.page, sc.load)) })
	}
}
