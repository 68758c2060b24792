package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestActivityPage(t *testing.T) {
	student := model.Session{User: model.User{Name: "Ada"}, Role: model.RoleLearner, Context: model.Context{Title: "Course"}}
	teacher := model.Session{User: model.User{Name: "Grace"}, Role: model.RoleInstructor, Context: model.Context{Title: "Course"}}
	page := func(s model.Session, link model.LinkActivity, choices ...model.Activity) *activityPage {
		p := newActivityPage()
		p.status, p.session, p.link, p.choices = statusLoaded, s, link, choices
		if len(choices) > 0 {
			p.chosen = choices[0].ID
		}
		return p
	}
	q := quiz

	t.Run("student sees title and instructions; graded slot for graded", func(t *testing.T) {
		got := render(t, page(student, model.LinkActivity{SetUp: true, Activity: &q}))
		// The heading takes the focus after a first set-up (tabindex); attributes
		// render in no fixed order, so id and text are checked apart.
		mustContain(t, got, `id="activity-title"`, `tabindex="-1"`, `>Self-assessment</h1>`, "<p>Move the slider.</p>", `id="graded-slot"`, `data-activity="2"`, ">Learner<")
		mustNotContain(t, got, "Instructor view", `id="change-activity"`)
		r := reading
		got = render(t, page(student, model.LinkActivity{SetUp: true, Activity: &r}))
		mustNotContain(t, got, `id="graded-slot"`)
		// The instructions' "# Welcome" sits under the page's one <h1>.
		if n := strings.Count(got, "<h1"); n != 1 {
			t.Errorf("%d <h1> on the page, want 1:\n%s", n, got)
		}
		mustContain(t, got, "<h2>Welcome</h2>")
	})

	t.Run("student on an unset link is told to ask", func(t *testing.T) {
		got := render(t, page(student, model.LinkActivity{LinkTitle: "Week 3"}))
		mustContain(t, got, `id="activity-title"`, ">Week 3</h1>", model.MsgActivityNotSetUp)
		mustNotContain(t, got, `id="chooser"`)
	})

	t.Run("instructor chooses for an unset link", func(t *testing.T) {
		got := render(t, page(teacher, model.LinkActivity{}, reading, quiz))
		mustContain(t, got, `<legend>Set up this link</legend>`, `<label for="choose-activity">Activity</label>`,
			"Self-assessment (graded, out of 10)", `id="assign"`)
		if !regexp.MustCompile(`<option (value="1" selected|selected value="1")>Welcome reading</option>`).MatchString(got) {
			t.Errorf("the first activity is not preselected:\n%s", got)
		}
		mustNotContain(t, got, `checked="false"`, `disabled="false"`, `selected="false"`, `required="false"`)
	})

	t.Run("instructor preview of a set link", func(t *testing.T) {
		got := render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz))
		mustContain(t, got, "Instructor view", `id="change-activity"`, `id="graded-slot"`)
		p := page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz)
		p.changing = true
		mustContain(t, render(t, p), "<legend>Change the activity of this link</legend>")
	})

	t.Run("instructor cancels a change of activity", func(t *testing.T) {
		p := page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz)
		p.openChooser(app.Context{}, app.Event{})
		if !p.changing || p.chosen != quiz.ID {
			t.Fatalf("open: changing %v, chosen %d; want the chooser on the link's activity %d", p.changing, p.chosen, quiz.ID)
		}
		p.chosen = reading.ID // picked, not saved
		rendered := func() string { c := *p; c.Compo = app.Compo{}; return render(t, &c) }
		got := rendered()
		mustContain(t, got, `id="chooser"`, ">Cancel</button>")
		mustTag(t, got, "chooser-cancel", `type="button"`, `class="secondary"`)
		mustNotContain(t, got, `id="change-activity"`)
		p.cancelChooser(app.Context{}, app.Event{})
		if p.changing || p.chosen != quiz.ID {
			t.Errorf("cancel: changing %v, chosen %d; want closed, the choice forgotten (%d)", p.changing, p.chosen, quiz.ID)
		}
		got = rendered()
		mustNotContain(t, got, `id="chooser"`, `id="chooser-cancel"`)
		mustTag(t, got, "change-activity", `type="button"`)
		// A link with no activity yet has only the chooser: nothing to cancel.
		mustNotContain(t, render(t, page(teacher, model.LinkActivity{}, reading, quiz)), `id="chooser-cancel"`)
	})

	t.Run("instructor of a graded activity is told the slider is the learners'", func(t *testing.T) {
		// The instructions speak to learners ("Move the slider"); the
		// instructor has no slider, and the page says so where it would be.
		got := render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz))
		mustContain(t, got, "<p>Move the slider.</p>",
			"Instructor view: learners see the activity below without this note, and a score slider where you see the grading view.",
			`<h2 id="learner-scores-heading">Learners' scores</h2>`,
			"Learners get a score slider here: they choose a score from 0 to 10 and press Submit score, and ltibox sends it to the course gradebook. You get no slider: follow and correct their scores in the grading view.",
			`id="grading-link"`)
		mustNotContain(t, got, `type="range"`, `id="score-input"`)
		// A link placed without a gradebook column says where scores stay.
		got = render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &q, ScoresKept: true}, reading, quiz))
		mustContain(t, got, "and press Submit score. This link was added without a gradebook column, so their scores stay in ltibox. You get no slider")
		mustNotContain(t, got, "ltibox sends it to the course gradebook")
		r := reading // ungraded: no slider to explain
		got = render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &r}, reading, quiz))
		mustContain(t, got, "Instructor view: learners see the activity below without this note.")
		mustNotContain(t, got, "slider")
	})

	t.Run("instructor edits a course activity; library ones are duplicated instead", func(t *testing.T) {
		got := render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz))
		mustContain(t, got, `id="edit-activity"`, "<h2 id=\"tools-heading\">Instructor tools</h2>")
		mustNotContain(t, got, `id="roster-link"`) // no roster service granted
		withRoster := page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz)
		withRoster.session.Services.NRPS = true
		mustContain(t, render(t, withRoster), `id="roster-link"`, `href="/app/roster"`, `>Course roster</a>`) // attributes come in no fixed order
		r := reading
		got = render(t, page(teacher, model.LinkActivity{SetUp: true, Activity: &r}, reading, quiz))
		mustContain(t, got, "duplicate the activity there and place your copy")
		mustNotContain(t, got, `id="edit-activity"`)
		p := page(teacher, model.LinkActivity{SetUp: true, Activity: &q}, reading, quiz)
		p.editing, p.draft, p.maxText = true, q, "10"
		got = render(t, p)
		mustContain(t, got, "<legend>Edit this activity</legend>", `<label for="edit-title">Title</label>`, `<label for="edit-max">Maximum score</label>`, `id="edit-save"`)
		mustTag(t, got, "edit-graded", "checked")
		// A new maximum does not rewrite placed links or given scores: said where it is changed.
		mustTag(t, got, "edit-max", `aria-describedby="edit-max-help"`)
		mustContain(t, got, `id="edit-max-help"`, msgMaximumKept)
		mustTag(t, got, "edit-title", `value="Self-assessment"`)
		mustTag(t, got, "edit-cancel", `class="secondary"`) // Save is the main action
	})

	t.Run("dates are shown in the reader's local time", func(t *testing.T) {
		// As the API sends them: UTC (wallClock, not the value's own zone,
		// decides what the reader sees).
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		end := time.Date(2026, 7, 1, 17, 30, 0, 0, time.UTC)
		for _, sc := range []struct {
			start, end *time.Time
			words      []string
		}{
			{&start, nil, []string{"Opens"}},
			{nil, &end, []string{"Open until"}},
			{&start, &end, []string{"Open from", "until"}},
		} {
			d := quiz
			d.StartAt, d.EndAt = sc.start, sc.end
			got := render(t, page(student, model.LinkActivity{SetUp: true, Activity: &d}))
			var want []time.Time
			for _, at := range []*time.Time{sc.start, sc.end} {
				if at != nil {
					want = append(want, *at)
				}
			}
			mustShowLocal(t, got, "2 January 2006, 15:04", want...)
			mustContain(t, got, sc.words...)
		}
	})

	t.Run("home page link status", func(t *testing.T) {
		l := newLinkStatus(model.RoleLearner)
		l.status = statusLoaded
		mustContain(t, render(t, l), model.MsgActivityNotSetUp)
		l = newLinkStatus(model.RoleInstructor)
		l.status = statusLoaded
		mustContain(t, render(t, l), `id="set-up-link"`, "Choose the activity it opens")
		l = newLinkStatus(model.RoleLearner)
		l.status, l.link = statusLoaded, model.LinkActivity{SetUp: true, Activity: &q}
		got := render(t, l)
		mustContain(t, got, `id="open-activity"`, "Self-assessment")
		mustNotContain(t, got, `id="score-link"`) // no grade service

		// A graded launch: the learner's way to their score comes once the
		// link is set up, and only for learners.
		l = newLinkStatus(model.RoleLearner).Graded(true)
		l.status = statusLoaded
		got = render(t, l)
		mustContain(t, got, `id="not-set-up"`, model.MsgActivityNotSetUp)
		mustNotContain(t, got, `id="score-link"`, "Open your score")
		l = newLinkStatus(model.RoleLearner).Graded(true)
		l.status, l.link = statusLoaded, model.LinkActivity{SetUp: true, Activity: &q}
		mustContain(t, render(t, l), `id="open-activity"`, `id="score-link"`, "Open your score")
		l = newLinkStatus(model.RoleInstructor).Graded(true)
		l.status, l.link = statusLoaded, model.LinkActivity{SetUp: true, Activity: &q}
		mustNotContain(t, render(t, l), `id="score-link"`)
	})
}
