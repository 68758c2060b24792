package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// PathGrading is the instructor's grading view of the launched link.
const PathGrading = "/app/grading"

// gradingPage lists every learner of the course with their latest score on
// this link and where it is on its way to the gradebook. Instructors search,
// sort, download CSV, correct a score with a comment, push everything pending
// and read the gradebook back with differences highlighted.
type gradingPage struct {
	app.Compo

	mounted bool
	// mctx is the page's own context (from OnMount). Background reloads use it:
	// an event handler's ctx ends when its element goes (the edit form's Save).
	mctx    app.Context
	status  loadStatus
	loadErr string
	view    model.GradingView

	query  string
	sortBy string // name, score, delivery, activity
	desc   bool

	editing     int64 // user being edited, 0 for none
	editScore   string
	editStart   string // the score field's value when the form opened (see renderEdit)
	editComment string
	editErr     string

	busy     string // the action in progress, "" when idle
	message  string
	alert    bool
	readBack map[int64]model.ReadBackRow
	extra    []model.ReadBackRow // gradebook entries of people ltibox has not seen
	polling  bool
	gen      int // bumped by actions: loads started before them are stale
}

func newGradingPage() *gradingPage { return &gradingPage{status: statusLoading, sortBy: "name"} }

func (p *gradingPage) OnMount(ctx app.Context) {
	p.mounted, p.mctx = true, ctx
	if useSessionToken(ctx) == "" {
		p.status, p.loadErr = statusFailed, msgNoSession
		return
	}
	p.load(ctx)
}

func (p *gradingPage) load(app.Context) {
	ctx := p.mctx
	tok := sessionToken(ctx)
	gen := p.gen
	ctx.Async(func() {
		v, err := newClient(tok).Grading(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if gen != p.gen { // an action reloaded meanwhile; this answer predates it
				p.pollWhileInFlight(ctx)
				return
			}
			if err != nil {
				p.status, p.loadErr = statusFailed, model.ErrorMessage(err)
				return
			}
			p.status, p.view = statusLoaded, v
			p.pollWhileInFlight(ctx)
		})
	})
}

// pollWhileInFlight refreshes the view every 2 s while scores are on their way
// to the gradebook, so "waiting" and "retrying" turn into "sent" by themselves.
func (p *gradingPage) pollWhileInFlight(app.Context) {
	ctx := p.mctx
	if p.polling || p.view.Counts[model.DeliveryPending]+p.view.Counts[model.DeliveryRetrying] == 0 {
		return
	}
	p.polling = true
	ctx.Async(func() {
		time.Sleep(2 * time.Second)
		ctx.Dispatch(func(ctx app.Context) {
			p.polling = false
			p.load(ctx)
		})
	})
}

// run performs one toolbar action off the UI goroutine and reloads the view in
// the same goroutine: a handler's ctx ends when its element goes away, so the
// reload must not start from a Dispatch that removed it. done, if not nil,
// runs on the UI goroutine once the action succeeded.
func (p *gradingPage) run(ctx app.Context, name, progress string, do func(c *client) (string, error), done func()) {
	if p.busy != "" {
		return
	}
	tok := sessionToken(ctx)
	p.busy, p.message, p.alert = name, progress, false
	p.gen++
	ctx.Async(func() {
		c := newClient(tok)
		msg, err := do(c)
		var v model.GradingView
		var lerr error
		if err == nil {
			v, lerr = c.Grading(ctx)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			p.gen++
			if err != nil {
				p.message, p.alert = model.ErrorMessage(err), true
				return
			}
			p.message = msg
			if done != nil {
				done()
			}
			if lerr == nil {
				p.view = v
				p.pollWhileInFlight(ctx)
			}
		})
	})
}

func (p *gradingPage) onSearch(ctx app.Context, e app.Event) {
	p.query = ctx.JSSrc().Get("value").String()
}

func (p *gradingPage) onSort(ctx app.Context, e app.Event) {
	col := ctx.JSSrc().Get("value").String()
	if p.sortBy == col {
		p.desc = !p.desc
	} else {
		p.sortBy, p.desc = col, false
	}
}

func (p *gradingPage) onSendPending(ctx app.Context, e app.Event) {
	p.run(ctx, "send", "Queuing every score not yet in the gradebook…", func(c *client) (string, error) {
		r, err := c.SendPending(ctx)
		if err != nil {
			return "", err
		}
		return sentPendingMessage(r.Count), nil
	}, nil)
}

// sentPendingMessage reports what Send all pending queued.
func sentPendingMessage(n int) string {
	switch n {
	case 0:
		return "Nothing was waiting to be sent."
	case 1:
		return "1 score queued for the gradebook. Its status updates below."
	}
	return fmt.Sprintf("%d scores queued for the gradebook. Their status updates below.", n)
}

func (p *gradingPage) onReadBack(ctx app.Context, e app.Event) {
	tok := sessionToken(ctx)
	if p.busy != "" {
		return
	}
	p.busy, p.message, p.alert = "readback", "Reading the gradebook…", false
	ctx.Async(func() {
		rb, err := newClient(tok).ReadBack(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			if err != nil {
				p.message, p.alert = model.ErrorMessage(err), true
				return
			}
			p.readBack, p.extra = map[int64]model.ReadBackRow{}, nil
			for _, r := range rb.Rows {
				if r.UserID == 0 {
					p.extra = append(p.extra, r)
				} else {
					p.readBack[r.UserID] = r
				}
			}
			switch rb.Differences {
			case 0:
				p.message = "The gradebook matches ltibox for every learner."
			case 1:
				p.message, p.alert = "1 learner differs between ltibox and the gradebook (highlighted).", true
			default:
				p.message, p.alert = fmt.Sprintf("%d learners differ between ltibox and the gradebook (highlighted).", rb.Differences), true
			}
		})
	})
}

func (p *gradingPage) onDownload(ctx app.Context, e app.Event) {
	p.run(ctx, "export", "Preparing the CSV file…", func(c *client) (string, error) {
		text, err := c.ExportCSV(ctx)
		if err != nil {
			return "", err
		}
		downloadText("grades.csv", "text/csv", text)
		return "Downloaded grades.csv.", nil
	}, nil)
}

// downloadText saves text as a file through a Blob URL (the API needs the
// bearer token, so a plain link cannot fetch it).
func downloadText(name, mime, text string) {
	win := app.Window()
	blob := win.Get("Blob").New([]any{text}, map[string]any{"type": mime})
	href := win.Get("URL").Call("createObjectURL", blob)
	a := win.Get("document").Call("createElement", "a")
	a.Set("href", href)
	a.Set("download", name)
	win.Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	win.Get("URL").Call("revokeObjectURL", href)
}

func (p *gradingPage) onEdit(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
	if err != nil {
		return
	}
	p.editing, p.editErr, p.editComment, p.editScore = id, "", "", ""
	for _, r := range p.view.Rows {
		if r.User.ID == id && r.Score != nil && r.Score.ScoreGiven != nil {
			p.editScore = formatScore(*r.Score.ScoreGiven)
		}
	}
	p.editStart = p.editScore
	// The form opens below the table, away from the button: take the
	// keyboard focus to its first field, holding this learner's score (the
	// field may still show what was typed for another learner: its value
	// attribute did not change, so go-app leaves it).
	start := p.editScore
	p.focusAfterRender(func(doc app.Value) app.Value {
		el := doc.Call("getElementById", "edit-score")
		if el.Truthy() {
			el.Set("value", start)
		}
		return el
	})
}

// onCancel closes the edit form unsaved and gives the focus back to the
// row's Edit button.
func (p *gradingPage) onCancel(ctx app.Context, e app.Event) {
	id := p.editing
	p.editing = 0
	p.focusEditButton(id)
}

// focusEditButton focuses, after the re-render, the Edit button of the
// learner with the id (the edit form and its buttons are gone by then, and
// Chromium would drop the focus to <body>). If a search hides that row, the
// search box takes the focus instead.
func (p *gradingPage) focusEditButton(id int64) {
	p.focusAfterRender(func(doc app.Value) app.Value {
		el := doc.Call("querySelector", `#grading-table tr[data-user="`+strconv.FormatInt(id, 10)+`"] button[aria-label^="Edit the score of "]`)
		if !el.Truthy() {
			el = doc.Call("getElementById", "grading-search")
		}
		return el
	})
}

// focusAfterRender focuses the element find returns once the page has
// re-rendered, deferred on the page's own context: go-app skips a Defer whose
// element (the button pressed) is gone by then. Natively it does nothing.
func (p *gradingPage) focusAfterRender(find func(doc app.Value) app.Value) {
	focusLater(p.mounted, p.mctx, find)
}

func (p *gradingPage) onEditScore(ctx app.Context, e app.Event) {
	p.editScore = ctx.JSSrc().Get("value").String()
}

func (p *gradingPage) onEditComment(ctx app.Context, e app.Event) {
	p.editComment = ctx.JSSrc().Get("value").String()
}

func (p *gradingPage) onSave(ctx app.Context, e app.Event) {
	e.PreventDefault()
	v, err := strconv.ParseFloat(strings.TrimSpace(p.editScore), 64)
	if err != nil {
		p.editErr = "Enter a number between 0 and " + formatScore(p.view.ScoreMaximum) + "."
		return
	}
	in := model.ScoreEdit{UserID: p.editing, ScoreGiven: &v, Comment: p.editComment}
	local := p.view.LocalOnly
	p.editErr = ""
	p.run(ctx, "save", "Saving the score…", func(c *client) (string, error) {
		if _, err := c.EditScore(ctx, in); err != nil {
			ctx.Dispatch(func(ctx app.Context) { p.editErr = model.ErrorMessage(err) })
			return "", err
		}
		if local {
			return "Score saved in ltibox.", nil
		}
		return "Score saved and queued for the gradebook.", nil
	}, func() {
		// The form closes (unless another learner's is open by now): back
		// to the row's Edit button.
		if p.editing == in.UserID {
			p.editing = 0
			p.focusEditButton(in.UserID)
		}
	})
}

// rows applies search and sort.
func (p *gradingPage) rows() []model.GradebookRow {
	q := strings.ToLower(strings.TrimSpace(p.query))
	var out []model.GradebookRow
	for _, r := range p.view.Rows {
		if q == "" || strings.Contains(strings.ToLower(r.User.DisplayName()+" "+r.User.Email+" "+r.User.Subject+" "+rowDelivery(r)), q) {
			out = append(out, r)
		}
	}
	key := func(r model.GradebookRow) string {
		switch p.sortBy {
		case "score":
			if r.Score == nil || r.Score.ScoreGiven == nil {
				return "~"
			}
			return fmt.Sprintf("%012.4f", *r.Score.ScoreGiven)
		case "delivery":
			return rowDelivery(r)
		case "activity":
			if r.LastActivity == nil {
				return ""
			}
			return r.LastActivity.UTC().Format("20060102150405")
		}
		return strings.ToLower(r.User.DisplayName())
	}
	slices.SortStableFunc(out, func(a, b model.GradebookRow) int {
		// Learners without a score stay last whatever the direction.
		if p.sortBy == "score" {
			an, bn := a.Score == nil || a.Score.ScoreGiven == nil, b.Score == nil || b.Score.ScoreGiven == nil
			if an != bn {
				if an {
					return 1
				}
				return -1
			}
		}
		c := strings.Compare(key(a), key(b))
		if p.desc {
			c = -c
		}
		return c
	})
	return out
}

func rowDelivery(r model.GradebookRow) string {
	if r.Score == nil {
		return "not started"
	}
	return r.Score.Delivery.State
}

func (p *gradingPage) Render() app.UI {
	title := "Grading"
	if p.status == statusLoaded && p.view.Title != "" {
		title = "Grading: " + p.view.Title
	}
	var body []app.UI
	body = append(body, app.P().Body(app.A().Href(PathHome).Text("← Back")), app.H1().Text(title))
	switch {
	case p.status == statusLoading:
		body = append(body, app.P().ID("grading-status").Class("status").Role("status").Aria("live", "polite").Text("Loading the learners and their scores…"))
	case p.status == statusFailed:
		body = append(body, app.P().ID("grading-status").Class("status alert alert-error").Role("status").Aria("live", "polite").Text(p.loadErr))
	case !p.view.Enabled:
		body = append(body, app.P().ID("grading-status").Class("status alert").Role("status").Aria("live", "polite").Text(p.view.Reason))
	default:
		body = append(body, p.renderLoaded()...)
	}
	body = append(body, wasmReady(p.mounted))
	return app.Main().ID("main").DataSet("status", p.status.String()).Body(body...)
}

func (p *gradingPage) renderLoaded() []app.UI {
	cls := "status"
	if p.alert {
		cls = "status alert alert-error"
	}
	// While an action runs the other buttons are disabled; the one pressed
	// is only aria-disabled (its handler ignores presses meanwhile): Chromium
	// moves the focus off a disabled button to <body>, and the keyboard user
	// would lose their place.
	busy := func(b app.HTMLButton, name string) app.HTMLButton {
		switch p.busy {
		case "":
		case name:
			b = b.Aria("disabled", "true").Aria("busy", "true")
		default:
			b = b.Disabled(true)
		}
		return b
	}
	c := p.view.Counts
	summary := fmt.Sprintf("%s. Scores: %d sent to the gradebook, %d waiting, %d retrying, %d refused.",
		plural(len(p.view.Rows), "learner"), c[model.DeliveryDelivered], c[model.DeliveryPending], c[model.DeliveryRetrying], c[model.DeliveryFailed])
	if n := c[model.DeliveryLocal]; n > 0 && !p.view.LocalOnly {
		// Scores given while the link had no gradebook column: it has one now.
		summary += fmt.Sprintf(" %d kept in ltibox from before the link had a gradebook column: Send all pending sends them.", n)
	}
	if p.view.LocalOnly {
		// Nothing goes to the gradebook: no counts of deliveries, no
		// buttons that would send or read it.
		summary = plural(len(p.view.Rows), "learner") + ". " + model.MsgScoresKeptInLTIbox
	}
	toolbar := []app.UI{
		app.Div().Class("control").Body(
			app.Label().For("grading-search").Text("Search learners"),
			app.Input().Type("search").ID("grading-search").Value(p.query).Placeholder("Name, email or status").OnInput(p.onSearch),
		),
	}
	if !p.view.LocalOnly {
		toolbar = append(toolbar,
			busy(app.Button().Type("button").ID("send-pending").Text("Send all pending").OnClick(p.onSendPending), "send"),
			busy(app.Button().Type("button").ID("read-back").Class("secondary").Text("Read back from the gradebook").OnClick(p.onReadBack), "readback"))
	}
	toolbar = append(toolbar, busy(app.Button().Type("button").ID("download-csv").Class("secondary").Text("Download CSV").OnClick(p.onDownload), "export"))
	out := []app.UI{
		app.P().ID("grading-summary").Text(summary),
		app.Div().Class("toolbar").Body(toolbar...),
		app.P().ID("grading-status").Class(cls).Role("status").Aria("live", "polite").Text(p.message),
		p.renderTable(),
	}
	if p.editing != 0 {
		out = append(out, p.renderEdit())
	}
	return out
}

func (p *gradingPage) sortHeader(label, col string) app.UI {
	th := app.Th().Scope("col")
	if p.sortBy == col {
		dir := "ascending"
		if p.desc {
			dir = "descending"
		}
		th = th.Aria("sort", dir)
	}
	return th.Body(app.Button().Type("button").Class("sort").Value(col).Text(label).OnClick(p.onSort, app.EventScope(col)))
}

func (p *gradingPage) renderTable() app.UI {
	rows := p.rows()
	showRB := p.readBack != nil
	head := []app.UI{
		p.sortHeader("Learner", "name"), p.sortHeader("Score", "score"), app.Th().Scope("col").Text("Progress"),
		p.sortHeader("Gradebook delivery", "delivery"), p.sortHeader("Last activity", "activity"),
	}
	if showRB {
		head = append(head, app.Th().Scope("col").Text("In the gradebook"))
	}
	head = append(head, app.Th().Scope("col").Text("Actions"))
	body := make([]app.UI, 0, len(rows))
	for _, r := range rows {
		body = append(body, p.renderRow(r, showRB))
	}
	if len(rows) == 0 {
		msg := "No learner has opened this activity yet. Learners appear here after their first launch, or once the course roster is refreshed."
		if p.query != "" {
			msg = "No learner matches your search."
		}
		body = append(body, app.Tr().Body(app.Td().ColSpan(len(head)).Text(msg)))
	}
	for _, x := range p.extra {
		body = append(body, app.Tr().Class("differs").Body(app.Th().Scope("row").Text(x.Name), app.Td().ColSpan(len(head)-1).Text(
			fmt.Sprintf("%s (gradebook: %s)", x.Note, optScore(x.Gradebook)))))
	}
	// Scrolls by itself in a narrow LMS frame, so the page does not.
	return tableScroll("Learners and scores", app.Table().ID("grading-table").Body(
		app.Caption().Text("Learners of this course, their latest score on this activity and its delivery to the LMS gradebook"),
		app.THead().Body(app.Tr().Body(head...)),
		app.TBody().Body(body...),
	))
}

func (p *gradingPage) renderRow(r model.GradebookRow, showRB bool) app.UI {
	name := r.User.DisplayName()
	score, progress := "—", "Not started"
	if sc := r.Score; sc != nil {
		if sc.ScoreGiven != nil {
			score = formatScore(*sc.ScoreGiven) + " / " + formatScore(sc.ScoreMaximum)
		}
		progress = progressText(sc.ActivityProgress, sc.GradingProgress)
		if sc.Comment != "" {
			progress += " — comment: " + sc.Comment
		}
	}
	var last app.UI = app.Text("—")
	if r.LastActivity != nil {
		last = localTime(*r.LastActivity)
	}
	tr := app.Tr().DataSet("user", r.User.ID)
	cells := []app.UI{
		app.Th().Scope("row").Body(app.Text(name), app.If(r.User.Email != "", func() app.UI {
			return app.Br()
		}), app.If(r.User.Email != "", func() app.UI { return app.Small().Text(r.User.Email) })),
		app.Td().Class("score").Text(score),
		app.Td().Text(progress),
		app.Td().Class("delivery").Body(gradingDelivery(r.Score, p.view.LocalOnly)...),
		app.Td().Body(last),
	}
	if showRB {
		rb, ok := p.readBack[r.User.ID]
		text := "—"
		if ok {
			text = optScore(rb.Gradebook)
			if rb.Differs {
				tr = tr.Class("differs")
				text = "Differs: " + text + ". " + rb.Note
			}
		}
		cells = append(cells, app.Td().Class("gradebook").Text(text))
	}
	id := strconv.FormatInt(r.User.ID, 10)
	cells = append(cells, app.Td().Body(
		app.Button().Type("button").Class("secondary").Value(id).Aria("label", "Edit the score of "+name).Text("Edit").OnClick(p.onEdit, app.EventScope(id)),
	))
	return tr.Body(cells...)
}

func optScore(v *float64) string {
	if v == nil {
		return "no score"
	}
	return formatScore(*v)
}

// gradingDelivery is the delivery column: state, and when (in the reader's
// local time) or why.
func gradingDelivery(sc *model.Score, localOnly bool) []app.UI {
	if sc == nil {
		return []app.UI{app.Text("Nothing to send")}
	}
	d := sc.Delivery
	switch d.State {
	case model.DeliveryDelivered:
		return []app.UI{app.Text("Sent")}
	case model.DeliveryPending:
		return []app.UI{app.Text("Waiting to be sent")}
	case model.DeliveryRetrying:
		if d.NextAttemptAt == nil {
			return []app.UI{app.Text("Retrying (" + d.Error + ")")}
		}
		return []app.UI{app.Text("Retrying at "), localTime(*d.NextAttemptAt), app.Text(" (" + d.Error + ")")}
	case model.DeliveryFailed:
		return []app.UI{app.Text("Refused: " + d.Error)}
	case model.DeliveryLocal:
		if !localOnly {
			return []app.UI{app.Text("Kept in ltibox, not sent yet (given before the link had a gradebook column)")}
		}
		return []app.UI{app.Text("Kept in ltibox (no gradebook column)")}
	}
	return []app.UI{app.Text(d.State)}
}

func (p *gradingPage) renderEdit() app.UI {
	name := "the learner"
	for _, r := range p.view.Rows {
		if r.User.ID == p.editing {
			name = r.User.DisplayName()
		}
	}
	save := app.Button().Type("submit").ID("edit-save").Text("Save score")
	if p.busy == "save" { // aria-disabled, not disabled: it keeps the focus (see busy in renderLoaded)
		save = save.Aria("disabled", "true").Aria("busy", "true")
	}
	commentLabel := "Comment for the learner (sent to the gradebook)"
	if p.view.LocalOnly {
		commentLabel = "Comment for the learner (kept in ltibox)"
	}
	return app.Form().ID("edit-form").OnSubmit(p.onSave).Body(
		app.FieldSet().Body(
			app.Legend().Text("Change the score of "+name),
			app.Div().Class("stack").Body(
				app.Label().For("edit-score").Text(fmt.Sprintf("Score, from 0 to %s", formatScore(p.view.ScoreMaximum))),
				// step="any": an instructor may give any score from 0 to the
				// maximum (7.25 of 7.5 too); the server checks the range.
				app.Input().Type("number").ID("edit-score").Min(0).Max(formatMaximum(p.view.ScoreMaximum)).Attr("step", "any").
					// The value is set when the form opens, not from each
					// keystroke: while "7." is typed the field reads "", and
					// writing that back would turn 7.5 into 5 (or 57).
					Value(p.editStart).OnInput(p.onEditScore),
			),
			app.Div().Class("stack").Body(
				app.Label().For("edit-comment").Text(commentLabel),
				app.Textarea().ID("edit-comment").Rows(3).Text(p.editComment).OnInput(p.onEditComment),
			),
			app.If(p.editErr != "", func() app.UI {
				return app.P().ID("edit-error").Class("alert alert-error").Role("alert").Text(p.editErr)
			}),
			app.Div().Class("actions").Body(
				save,
				app.Button().Type("button").ID("edit-cancel").Class("secondary").Text("Cancel").OnClick(p.onCancel),
			),
		),
	)
}

// activityProgressWords and gradingProgressWords put the AGS
// activityProgress and gradingProgress values in words.
var (
	activityProgressWords = map[string]string{
		"Initialized": "Not started",
		"Started":     "Started",
		"InProgress":  "In progress",
		"Submitted":   "Submitted",
		"Completed":   "Completed",
	}
	gradingProgressWords = map[string]string{
		"Pending":       "grading pending",
		"PendingManual": "pending manual grading",
		"Failed":        "grading failed",
	}
)

// progressText is the Progress column: the learner's progress in words, with
// the grading progress after it when it is worth saying (FullyGraded shows as
// the score, NotReady as the progress). Values ltibox does not know are shown
// as they are.
func progressText(activity, grading string) string {
	text, ok := activityProgressWords[activity]
	if !ok {
		text = activity
	}
	g, ok := gradingProgressWords[grading]
	switch {
	case !ok:
	case text == "":
		text = strings.ToUpper(g[:1]) + g[1:]
	default:
		text += ", " + g
	}
	if text == "" {
		return "—"
	}
	return text
}
