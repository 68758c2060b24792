package ui

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// PathActivity is the page a resource-link launch opens: the activity of the
// link, as a student sees it, plus an instructor view.
const PathActivity = "/app/activity"

// activityPage shows the launched link's activity. Learners see the title and
// instructions; instructors also see that it is a preview and can choose or
// change the activity of the link (once, for links made by hand in the LMS).
type activityPage struct {
	app.Compo

	mounted bool
	// mctx is the page's own context (from OnMount): focus moves deferred on
	// it outlive the button that asked for them (go-app skips a Defer whose
	// element is gone after the re-render).
	mctx    app.Context
	token   string
	status  loadStatus
	err     *model.Error
	session model.Session
	link    model.LinkActivity

	// Instructor chooser.
	choices  []model.Activity
	chosen   int64
	changing bool
	saving   bool
	notice   string

	// Instructor editor of a course-owned activity.
	editing bool
	draft   model.Activity
	maxText string
	// startText and endText are the date inputs' datetime-local values.
	startText, endText string
	editErr            string
}

func newActivityPage() *activityPage { return &activityPage{status: statusLoading} }

func (p *activityPage) OnMount(ctx app.Context) {
	p.mounted, p.mctx = true, ctx
	p.token = useSessionToken(ctx)
	if p.token == "" {
		p.status, p.err = statusFailed, model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession)
		return
	}
	tok := p.token
	ctx.Async(func() {
		cl := newClient(tok)
		s, err := cl.Session(ctx)
		var link model.LinkActivity
		var list []model.Activity
		if err == nil {
			link, err = cl.LinkActivity(ctx)
		}
		if err == nil && s.Role == model.RoleInstructor {
			list, err = cl.Activities(ctx, "", "")
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.status = statusFailed
				p.err = model.Errorf(model.ErrorCode(err), "%s", model.ErrorMessage(err))
				if model.ErrorCode(err) == model.EUNAUTHORIZED {
					p.err = model.Errorf(model.EUNAUTHORIZED, "%s", msgExpired)
				}
				return
			}
			p.session, p.link, p.choices, p.status = s, link, list, statusLoaded
			if link.Activity != nil {
				p.chosen = link.Activity.ID
			} else if len(list) > 0 {
				p.chosen = list[0].ID
			}
		})
	})
}

func (p *activityPage) assign(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.saving || p.chosen == 0 {
		return
	}
	p.saving, p.notice = true, "Saving…"
	tok, id := p.token, p.chosen
	ctx.Async(func() {
		link, err := newClient(tok).AssignActivity(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			p.saving = false
			if err != nil {
				p.notice = model.ErrorMessage(err)
				return
			}
			// The chooser and its Save go: the focus goes back to the button
			// that opened it or, when the link was first set up (nothing opened
			// the chooser), to the heading of the activity it now opens.
			if p.changing {
				p.focusAfterRender("change-activity")
			} else {
				p.focusAfterRender("activity-title")
			}
			p.link, p.changing = link, false
			p.notice = fmt.Sprintf("This link now opens %q for everyone in the course.", link.Activity.Title)
		})
	})
}

func (p *activityPage) Render() app.UI {
	statusText, statusClass := p.notice, "status"
	switch p.status {
	case statusLoading:
		statusText = "Loading the activity…"
	case statusFailed:
		statusText, statusClass = msgNoSession, "status alert alert-error"
		if p.err != nil {
			statusText = p.err.Message
		}
	}
	heading := "ltibox"
	if p.status == statusLoaded {
		switch {
		case p.link.Activity != nil:
			heading = p.link.Activity.Title
		case p.link.LinkTitle != "":
			heading = p.link.LinkTitle
		default:
			heading = "This link"
		}
	}
	return app.Main().ID("main").Class("activity").DataSet("status", p.status.String()).Body(
		app.If(p.status == statusLoaded, func() app.UI { return p.renderFacts() }),
		app.H1().ID("activity-title").TabIndex(-1).Text(heading), // takes the focus after the first set-up (assign)
		app.P().ID("status").Class(statusClass).Role("status").Aria("live", "polite").Text(statusText),
		app.If(p.status == statusLoaded, func() app.UI { return p.renderLoaded() }),
		wasmReady(p.mounted),
	)
}

// renderFacts is the one-line "who and where" the home page shows in full.
func (p *activityPage) renderFacts() app.UI {
	s := p.session
	return app.P().Class("launch-facts muted").Body(
		app.Span().Text("Hello, "+s.User.DisplayName()+" · "),
		app.Span().ID("role").Text(roleLabel(s.Role)),
		app.Span().Text(" · "+s.Context.DisplayTitle()),
	)
}

func (p *activityPage) renderLoaded() app.UI {
	instructor := p.session.Role == model.RoleInstructor
	a := p.link.Activity
	if a == nil {
		if !instructor {
			return app.P().ID("not-set-up").Class("alert").Text(model.MsgActivityNotSetUp)
		}
		return app.Div().Body(
			app.P().ID("not-set-up").Text("No activity is set up for this link yet. Choose the one it opens; learners will see it from now on."),
			p.renderChooser("Set up this link"),
		)
	}
	return app.Div().Body(
		app.If(instructor, func() app.UI {
			return app.P().ID("instructor-view").Class("note").Text(instructorViewNote(*a))
		}),
		app.If(a.Graded, func() app.UI {
			return app.P().ID("activity-meta").Class("muted").Text(fmt.Sprintf("Graded, out of %g.", a.ScoreMaximum))
		}),
		app.If(a.StartAt != nil || a.EndAt != nil, func() app.UI {
			return app.P().ID("activity-dates").Class("muted").Body(availability(*a)...)
		}),
		app.Article().ID("activity-instructions").Body(instructionsUI(*a, 2)),
		// Graded activities get their score component here (issue 4 adds the
		// score slider into this slot; keep the id).
		// An instructor's main action: Edit this activity for a course's own
		// activity; for a library one (nothing to edit here) the grading view.
		app.If(a.Graded, func() app.UI { return gradedSlot(*a, p.session.Role, a.ContextID == 0, p.link.ScoresKept) }),
		app.If(instructor, func() app.UI { return p.renderInstructorTools() }),
	)
}

// instructorViewNote tops the instructor's view of the activity. The
// instructions are written for learners and may well say "move the slider",
// which instructors never get: for a graded activity the note says so first.
func instructorViewNote(a model.Activity) string {
	if a.Graded {
		return "Instructor view: learners see the activity below without this note, and a score slider where you see the grading view."
	}
	return "Instructor view: learners see the activity below without this note."
}

// gradedSlot holds the score UI of a graded activity (issue 4): learners get
// the score slider, which loads and submits their own score; instructors get
// what the slider does for learners (the instructions above may ask them to
// use it) and the way to the grading view, drawn as a button when it is the
// page's main action (gradingMain).
func gradedSlot(a model.Activity, role model.Role, gradingMain, kept bool) app.UI {
	var body []app.UI
	if role == model.RoleInstructor {
		where := ", and ltibox sends it to the course gradebook."
		if kept {
			where = ". This link was added without a gradebook column, so their scores stay in ltibox."
		}
		body = []app.UI{
			app.H2().ID("learner-scores-heading").Text("Learners' scores"),
			app.P().ID("slider-note").Text("Learners get a score slider here: they choose a score from 0 to " + formatScore(a.ScoreMaximum) +
				" and press Submit score" + where + " You get no slider: follow and correct their scores in the grading view."),
			app.P().Body(gradingLink(gradingMain)),
		}
	} else {
		body = []app.UI{newScoreSlider()}
	}
	return app.Section().ID("graded-slot").DataSet("activity", strconv.FormatInt(a.ID, 10)).DataSet("role", string(role)).
		Aria("label", "Score").Body(body...)
}

// gradingLink leads an instructor to the grading view; as the page's main
// action it looks like a primary button (app.css .button).
func gradingLink(main bool) app.UI {
	a := app.A().ID("grading-link").Href(PathGrading).Text("Open the grading view")
	if main {
		return a.Class("button")
	}
	return a
}

func (p *activityPage) renderInstructorTools() app.UI {
	a := p.link.Activity
	var edit app.UI = app.P().Class("muted").Text("This activity is in the ltibox library, shared by every course, so it is not edited here. To adapt it, open ltibox's content picker from your LMS (its add-content or Select content button), duplicate the activity there and place your copy; or point this link at one of your course's activities with Change the activity of this link.")
	if a.ContextID != 0 {
		edit = p.renderEditor()
	}
	var change app.UI = p.renderChooser("Change the activity of this link")
	if !p.changing {
		change = app.P().Body(app.Button().Type("button").ID("change-activity").Class("secondary").Text("Change the activity of this link").
			OnClick(p.openChooser))
	}
	return app.Section().ID("instructor-tools").Aria("labelledby", "tools-heading").Body(
		app.H2().ID("tools-heading").Text("Instructor tools"),
		// The home page, which also links the roster, only opens for links
		// without an activity: this is the instructor's way there.
		app.If(p.session.Services.NRPS, func() app.UI {
			return app.Ul().Class("tools").Body(app.Li().Body(app.A().ID("roster-link").Href(PathRoster).Text("Course roster")))
		}),
		edit,
		change,
	)
}

// availabilityLayout shows an activity's dates, which people set to the minute.
const availabilityLayout = "2 January 2006, 15:04"

// availability says when an activity with dates is open, each date in the
// reader's local time (localTimeAs: right on either side of a daylight-saving
// change, the exact instant kept in the <time> element).
func availability(a model.Activity) []app.UI {
	at := func(t *time.Time) app.UI { return localTimeAs(*t, availabilityLayout) }
	switch {
	case a.StartAt != nil && a.EndAt != nil:
		return []app.UI{app.Text("Open from "), at(a.StartAt), app.Text(" until "), at(a.EndAt), app.Text(".")}
	case a.StartAt != nil:
		return []app.UI{app.Text("Opens "), at(a.StartAt), app.Text(".")}
	}
	return []app.UI{app.Text("Open until "), at(a.EndAt), app.Text(".")}
}

// renderEditor edits a course-owned activity in place.
func (p *activityPage) renderEditor() app.UI {
	if !p.editing {
		return app.P().Body(app.Button().Type("button").ID("edit-activity").Text("Edit this activity").OnClick(func(ctx app.Context, e app.Event) {
			p.editing, p.draft, p.editErr = true, *p.link.Activity, ""
			p.maxText = strconv.FormatFloat(p.draft.ScoreMaximum, 'g', -1, 64)
			p.startText, p.endText = localInputValue(p.draft.StartAt), localInputValue(p.draft.EndAt)
		}))
	}
	value := func(dst *string) app.EventHandler {
		return func(ctx app.Context, e app.Event) { *dst = ctx.JSSrc().Get("value").String() }
	}
	graded := app.Input().Type("checkbox").ID("edit-graded").OnChange(func(ctx app.Context, e app.Event) { p.draft.Graded = ctx.JSSrc().Get("checked").Bool() })
	if p.draft.Graded {
		graded = graded.Checked(true)
	}
	save := app.Button().Type("submit").ID("edit-save").Text("Save changes")
	if p.saving {
		save = save.Disabled(true)
	}
	return app.Form().ID("editor").OnSubmit(p.saveEdit).Body(
		app.FieldSet().Body(
			app.Legend().Text("Edit this activity"),
			app.P().Body(app.Label().For("edit-title").Text("Title"), app.Input().Type("text").ID("edit-title").Required(true).Value(p.draft.Title).OnChange(value(&p.draft.Title))),
			app.P().Body(app.Label().For("edit-instructions").Text("Instructions (Markdown)"), app.Textarea().ID("edit-instructions").Rows(8).Text(p.draft.Instructions).OnChange(value(&p.draft.Instructions))),
			app.P().Body(app.Label().For("edit-tag").Text("Tag (optional)"), app.Input().Type("text").ID("edit-tag").Value(p.draft.Tag).OnChange(value(&p.draft.Tag))),
			app.P().Class("choice").Body(graded, app.Label().For("edit-graded").Text("Graded")),
			app.If(p.draft.Graded, func() app.UI {
				label, in := maxScoreField("edit-max", "edit-max-help")
				return app.P().Body(label, in.Value(p.maxText).OnChange(value(&p.maxText)),
					app.Br(), app.Small().ID("edit-max-help").Class("muted").Text(msgMaximumKept))
			}),
			dateFields("edit-", &p.startText, &p.endText),
			app.If(p.editErr != "", func() app.UI { return app.P().Class("alert alert-error").Role("alert").Text(p.editErr) }),
			app.Div().Class("actions").Body(
				save,
				app.Button().Type("button").ID("edit-cancel").Class("secondary").Text("Cancel").OnClick(func(ctx app.Context, e app.Event) { p.editing = false }),
			),
		),
	)
}

func (p *activityPage) saveEdit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.saving {
		return
	}
	d := p.draft
	if d.Graded {
		v, err := strconv.ParseFloat(p.maxText, 64)
		if err != nil {
			p.editErr = "The maximum score must be a number."
			return
		}
		d.ScoreMaximum = v
	}
	if err := applyDates(&d, p.startText, p.endText); err != nil {
		p.editErr = model.ErrorMessage(err)
		return
	}
	p.saving, p.editErr = true, ""
	tok := p.token
	ctx.Async(func() {
		a, err := newClient(tok).UpdateActivity(ctx, d)
		ctx.Dispatch(func(ctx app.Context) {
			p.saving = false
			if err != nil {
				p.editErr = model.ErrorMessage(err)
				return
			}
			p.link.Activity, p.editing = &a, false
			p.notice = fmt.Sprintf("Saved %q.", a.Title)
		})
	})
}

// openChooser opens the chooser of a link's activity, on the activity it
// opens now, and takes the focus there (the button that opened it is gone).
func (p *activityPage) openChooser(ctx app.Context, e app.Event) {
	if p.link.Activity == nil {
		return
	}
	p.changing, p.chosen = true, p.link.Activity.ID
	p.focusAfterRender("choose-activity")
}

// cancelChooser closes the chooser without saving (the choice is forgotten)
// and gives the focus back to the button that opened it.
func (p *activityPage) cancelChooser(ctx app.Context, e app.Event) {
	if !p.changing {
		return
	}
	p.changing = false
	if p.link.Activity != nil {
		p.chosen = p.link.Activity.ID
	}
	p.focusAfterRender("change-activity")
}

// focusAfterRender focuses the element with the id once the page has
// re-rendered (see mctx); natively, with no page, it does nothing.
func (p *activityPage) focusAfterRender(id string) { focusLater(p.mounted, p.mctx, byID(id)) }

func (p *activityPage) renderChooser(legend string) app.UI {
	if len(p.choices) == 0 {
		return app.P().Class("muted").Text("There are no activities yet. Create one from your LMS's \"Add an activity\" (deep linking) page.")
	}
	save := app.Button().Type("submit").ID("assign").Text("Save")
	if p.saving {
		save = save.Disabled(true)
	}
	return app.Form().ID("chooser").OnSubmit(p.assign).Body(
		app.FieldSet().Body(
			app.Legend().Text(legend),
			app.Label().For("choose-activity").Text("Activity"),
			app.Select().ID("choose-activity").OnChange(func(ctx app.Context, e app.Event) {
				if v, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64); err == nil {
					p.chosen = v
				}
			}).Body(
				app.Range(p.choices).Slice(func(i int) app.UI {
					c := p.choices[i]
					o := app.Option().Value(strconv.FormatInt(c.ID, 10)).Text(activityLabel(c))
					if c.ID == p.chosen {
						o = o.Selected(true)
					}
					return o
				}),
			),
			// Opened by "Change the activity of this link", the chooser can be
			// closed unsaved; a link with no activity yet has only the chooser.
			app.Div().Class("actions").Body(
				save,
				app.If(p.changing, func() app.UI {
					return app.Button().Type("button").ID("chooser-cancel").Class("secondary").Text("Cancel").OnClick(p.cancelChooser)
				}),
			),
		),
	)
}

// linkStatus is the home page's note about the launched link: what it opens,
// or that it is not set up yet (with the way to set it up for instructors).
// A learner of a graded link gets the way to their score only once the link
// is set up: the score page says the same sentence as this note until then.
type linkStatus struct {
	app.Compo

	Role   model.Role
	AGS    bool // the launch carries the grade service
	status loadStatus
	link   model.LinkActivity
	err    string
}

func newLinkStatus(role model.Role) *linkStatus {
	return &linkStatus{Role: role, status: statusLoading}
}

// Graded says whether the launch carries the grade service (AGS).
func (l *linkStatus) Graded(v bool) *linkStatus {
	l.AGS = v
	return l
}

func (l *linkStatus) OnMount(ctx app.Context) {
	tok := sessionToken(ctx)
	if tok == "" {
		return
	}
	ctx.Async(func() {
		link, err := newClient(tok).LinkActivity(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				l.status, l.err = statusFailed, model.ErrorMessage(err)
				return
			}
			l.status, l.link = statusLoaded, link
		})
	})
}

func (l *linkStatus) Render() app.UI {
	var body app.UI
	switch {
	case l.status == statusLoading:
		body = app.P().Class("muted").Text("Checking which activity this link opens…")
	case l.status == statusFailed:
		body = app.P().Class("alert alert-error").Text(l.err)
	case l.link.Activity != nil:
		body = app.P().Body(app.Text("This link opens "), app.A().ID("open-activity").Href(PathActivity).Text(l.link.Activity.Title), app.Text("."))
		if l.AGS && l.Role != model.RoleInstructor {
			body = app.Div().Body(body, app.P().Body(app.A().ID("score-link").Href(PathScore).Text("Open your score")))
		}
	case l.Role == model.RoleInstructor:
		body = app.P().Body(app.Text("No activity is set up for this link yet. "), app.A().ID("set-up-link").Href(PathActivity).Text("Choose the activity it opens"), app.Text("."))
	default:
		body = app.P().ID("not-set-up").Class("alert").Text(model.MsgActivityNotSetUp)
	}
	return app.Section().ID("link-status").Aria("labelledby", "link-heading").Body(
		app.H2().ID("link-heading").Text("This link"),
		body,
	)
}

// msgMaximumKept is said under an activity's maximum where it can be changed:
// a new maximum applies to scores given from then on.
const msgMaximumKept = "A new maximum applies to scores given from now on. Links already placed in courses keep their gradebook column (and its maximum) as the LMS made it, and scores already given keep the maximum they were given out of."
