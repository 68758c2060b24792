package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// PathPicker is the deep-linking picker a LtiDeepLinkingRequest opens.
const PathPicker = "/app/picker"

// pickChoice is the picker's state for one selected activity.
type pickChoice struct {
	gradebook bool
	target    string
}

// pickerPage lets an instructor find, preview or create activities and send a
// selection back to the LMS. It offers only what the LMS accepts: several
// items only with accept_multiple, a gradebook column only with
// accept_lineitem, and the presentation targets the LMS lists.
type pickerPage struct {
	app.Compo

	mounted bool
	token   string
	status  loadStatus
	err     *model.Error
	opts    model.DeepLinkOptions
	list    []model.Activity
	loadSeq int

	query  string
	graded string // "", "true", "false"

	selected []int64 // in the order they were picked
	choices  map[int64]*pickChoice
	preview  int64

	newTitle, newInstructions, newTag string
	newGraded                         bool
	newMax                            string
	newStart, newEnd                  string // datetime-local values, "" for no date
	creating                          bool
	createErr                         string

	sending bool
	notice  string
}

func newPickerPage() *pickerPage {
	return &pickerPage{status: statusLoading, choices: map[int64]*pickChoice{}, newMax: "100"}
}

func (p *pickerPage) OnMount(ctx app.Context) {
	p.mounted = true
	p.token = useSessionToken(ctx)
	if p.token == "" {
		p.fail(model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession))
		return
	}
	tok := p.token
	ctx.Async(func() {
		cl := newClient(tok)
		opts, err := cl.DeepLinkOptions(ctx)
		var list []model.Activity
		if err == nil {
			list, err = cl.Activities(ctx, "", "")
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.fail(err)
				return
			}
			p.opts, p.list, p.status = opts, list, statusLoaded
			if len(list) > 0 {
				p.preview = list[0].ID
			}
		})
	})
}

func (p *pickerPage) fail(err error) {
	p.status = statusFailed
	p.err = model.Errorf(model.ErrorCode(err), "%s", model.ErrorMessage(err))
	if model.ErrorCode(err) == model.EUNAUTHORIZED {
		p.err = model.Errorf(model.EUNAUTHORIZED, "%s", msgExpired)
	}
}

// reload fetches the list for the current search and filter; answers to
// older searches are dropped.
func (p *pickerPage) reload(ctx app.Context) {
	p.loadSeq++
	seq, tok, q, g := p.loadSeq, p.token, p.query, p.graded
	ctx.Async(func() {
		list, err := newClient(tok).Activities(ctx, q, g)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.loadSeq {
				return
			}
			if err != nil {
				p.notice = model.ErrorMessage(err)
				return
			}
			p.list = list
			p.notice = plural(len(list), "activity") + " found."
		})
	})
}

func (p *pickerPage) onSearch(ctx app.Context, e app.Event) {
	p.query = ctx.JSSrc().Get("value").String()
	p.reload(ctx)
}

// onFilter maps the filter radios to the API's graded parameter. The radio
// values avoid "true"/"false": go-app's prerender writes those as bare
// boolean attributes.
func (p *pickerPage) onFilter(ctx app.Context, e app.Event) {
	switch ctx.JSSrc().Get("value").String() {
	case "graded":
		p.graded = "true"
	case "ungraded":
		p.graded = "false"
	default:
		p.graded = ""
	}
	p.reload(ctx)
}

func (p *pickerPage) activity(id int64) (model.Activity, bool) {
	for _, a := range p.list {
		if a.ID == id {
			return a, true
		}
	}
	return model.Activity{}, false
}

// toggle picks or unpicks an activity. Without accept_multiple a pick
// replaces the previous one (radio buttons).
func (p *pickerPage) toggle(id int64, on bool) {
	p.preview, p.notice = id, ""
	if !on {
		p.selected = slices.DeleteFunc(p.selected, func(x int64) bool { return x == id })
		delete(p.choices, id)
		return
	}
	if !p.opts.AcceptMultiple {
		p.selected, p.choices = nil, map[int64]*pickChoice{}
	}
	if _, ok := p.choices[id]; !ok {
		a, _ := p.activity(id)
		p.choices[id] = &pickChoice{gradebook: a.Graded && p.opts.AcceptLineItem, target: p.defaultTarget()}
		p.selected = append(p.selected, id)
	}
}

// defaultTarget prefers opening inside the LMS page.
func (p *pickerPage) defaultTarget() string {
	for _, t := range []string{"iframe", "frame", "window"} {
		if slices.Contains(p.opts.Targets, t) {
			return t
		}
	}
	return ""
}

func (p *pickerPage) submit(ctx app.Context, cancel bool) {
	if p.sending {
		return
	}
	sel := model.DeepLinkSelection{Items: []model.DeepLinkChoice{}}
	if !cancel {
		for _, id := range p.selected {
			ch := p.choices[id]
			sel.Items = append(sel.Items, model.DeepLinkChoice{ActivityID: id, Gradebook: ch.gradebook, Target: ch.target})
		}
	}
	p.sending = true
	p.notice = "Sending your selection to the course…"
	if cancel {
		p.notice = "Returning to your course without adding anything…"
	}
	tok := p.token
	ctx.Async(func() {
		ticket, err := newClient(tok).SubmitDeepLink(ctx, sel)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.sending = false
				p.notice = model.ErrorMessage(err)
				return
			}
			// A real navigation: the return page is served by the server and
			// posts the signed response to the LMS.
			app.Window().Get("location").Call("assign", ticket.ReturnPath)
		})
	})
}

// duplicate copies an activity into the course and lists the copy after it,
// so an instructor can adapt a library activity.
func (p *pickerPage) duplicate(ctx app.Context, id int64) {
	tok := p.token
	ctx.Async(func() {
		cp, err := newClient(tok).DuplicateActivity(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.notice = model.ErrorMessage(err)
				return
			}
			i := slices.IndexFunc(p.list, func(a model.Activity) bool { return a.ID == id })
			p.list = slices.Insert(p.list, i+1, cp)
			p.preview = cp.ID
			p.notice = fmt.Sprintf("Created %q in this course.", cp.Title)
		})
	})
}

// archive hides a course activity from the picker; links already placed keep working.
func (p *pickerPage) archive(ctx app.Context, id int64) {
	tok := p.token
	ctx.Async(func() {
		a, err := newClient(tok).ArchiveActivity(ctx, id, true)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.notice = model.ErrorMessage(err)
				return
			}
			p.toggle(id, false)
			p.list = slices.DeleteFunc(p.list, func(x model.Activity) bool { return x.ID == id })
			p.notice = fmt.Sprintf("Archived %q. Links already in your course keep working.", a.Title)
		})
	})
}

func (p *pickerPage) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.creating {
		return
	}
	a := model.Activity{Title: strings.TrimSpace(p.newTitle), Instructions: p.newInstructions, Tag: strings.TrimSpace(p.newTag), Graded: p.newGraded}
	if a.Graded {
		v, err := strconv.ParseFloat(strings.TrimSpace(p.newMax), 64)
		if err != nil {
			p.createErr = "The maximum score must be a number."
			return
		}
		a.ScoreMaximum = v
	}
	if err := applyDates(&a, p.newStart, p.newEnd); err != nil {
		p.createErr = model.ErrorMessage(err)
		return
	}
	p.creating, p.createErr = true, ""
	tok := p.token
	ctx.Async(func() {
		created, err := newClient(tok).CreateActivity(ctx, a)
		ctx.Dispatch(func(ctx app.Context) {
			p.creating = false
			if err != nil {
				p.createErr = model.ErrorMessage(err)
				return
			}
			p.list = append([]model.Activity{created}, p.list...)
			p.newTitle, p.newInstructions, p.newTag, p.newGraded, p.newStart, p.newEnd = "", "", "", false, "", ""
			p.toggle(created.ID, true)
			p.notice = fmt.Sprintf("Created %q and selected it.", created.Title)
		})
	})
}

func (p *pickerPage) Render() app.UI {
	heading := "Add activities to your course"
	if p.status == statusLoaded && !p.opts.AcceptMultiple {
		heading = "Add an activity to your course"
	}
	statusText, statusClass := "", "status"
	switch p.status {
	case statusLoading:
		statusText = "Loading the activity catalog…"
	case statusFailed:
		statusText, statusClass = msgNoSession, "status alert alert-error"
		if p.err != nil {
			statusText = p.err.Message
		}
	case statusLoaded:
		statusText = p.notice
		if statusText == "" {
			statusText = selectionSummary(len(p.selected), p.hiddenPicks())
		}
	}
	return app.Main().ID("main").Class("picker").DataSet("status", p.status.String()).Body(
		app.H1().Text(heading),
		app.P().ID("status").Class(statusClass).Role("status").Aria("live", "polite").Text(statusText),
		app.If(p.status == statusLoaded, func() app.UI { return p.renderLoaded() }),
		wasmReady(p.mounted),
	)
}

func selectionSummary(n, hidden int) string {
	switch n {
	case 0:
		return "Nothing selected yet."
	case 1:
		return "1 activity selected" + hiddenNote(1, hidden) + "."
	}
	return fmt.Sprintf("%d activities selected%s.", n, hiddenNote(n, hidden))
}

// hiddenPicks counts the selected activities the current search or filter
// does not list. They stay selected and are sent with Add: an instructor
// builds a selection across several searches ("find the quiz, then the
// reading") and expects Add to place all of it, so dropping what the search
// hides would lose picks without a word. The counts say so instead.
func (p *pickerPage) hiddenPicks() int {
	n := 0
	for _, id := range p.selected {
		if _, ok := p.activity(id); !ok {
			n++
		}
	}
	return n
}

// hiddenNote is the " (… hidden by search)" of the selection's count.
func hiddenNote(n, hidden int) string {
	switch {
	case hidden == 0:
		return ""
	case hidden == n:
		if n == 1 {
			return " (hidden by search)"
		}
		return " (all hidden by search)"
	}
	return fmt.Sprintf(" (%d hidden by search)", hidden)
}

func (p *pickerPage) renderLoaded() app.UI {
	if !p.opts.CanLink {
		return app.Div().Body(
			app.P().Class("alert alert-error").Text("Your LMS does not accept LTI links here, which is what ltibox adds. Cancel and use another way to add ltibox."),
			p.renderActions(),
		)
	}
	return app.Div().Body(
		p.renderSearch(),
		p.renderList(),
		p.renderPreview(),
		p.renderCreate(),
		p.renderActions(),
	)
}

func (p *pickerPage) renderSearch() app.UI {
	filter := func(value, graded, label string) app.UI {
		in := app.Input().Type("radio").ID("filter-" + value).Name("filter").Value(value).OnChange(p.onFilter)
		if p.graded == graded {
			in = in.Checked(true)
		}
		return app.Span().Class("choice").Body(in, app.Label().For("filter-"+value).Text(label))
	}
	return app.Div().Role("search").Class("picker-search").Body(
		app.Label().For("picker-search").Text("Search activities"),
		app.Input().Type("search").ID("picker-search").Value(p.query).Placeholder("Title, instructions or tag").OnInput(p.onSearch),
		app.FieldSet().Class("inline").Body(
			app.Legend().Text("Show"),
			filter("all", "", "All"),
			filter("graded", "true", "Graded"),
			filter("ungraded", "false", "Not graded"),
		),
	)
}

func (p *pickerPage) renderList() app.UI {
	legend := "Choose one activity"
	kind := "radio"
	if p.opts.AcceptMultiple {
		legend, kind = "Choose one or more activities", "checkbox"
	}
	return app.FieldSet().ID("picker-list").Body(
		app.Legend().Text(legend),
		app.If(len(p.list) == 0, func() app.UI {
			return app.P().Class("muted").Text("No activity matches. Change the search, or create a new activity below.")
		}),
		app.Ul().Class("pick-list").Body(
			app.Range(p.list).Slice(func(i int) app.UI {
				a := p.list[i]
				return p.renderRow(a, kind)
			}),
		),
	)
}

func (p *pickerPage) renderRow(a model.Activity, kind string) app.UI {
	id := a.ID
	sid := strconv.FormatInt(id, 10)
	ch, picked := p.choices[id]
	box := app.Input().Type(kind).ID("pick-"+sid).Name("pick").Value(sid).
		OnChange(func(ctx app.Context, e app.Event) { p.toggle(id, ctx.JSSrc().Get("checked").Bool()) }, app.EventScope(id))
	if picked {
		box = box.Checked(true)
	}
	meta := "Not graded"
	if a.Graded {
		meta = fmt.Sprintf("Graded, out of %g", a.ScoreMaximum)
	}
	if a.ContextID == 0 {
		meta += " · ltibox library"
	} else {
		meta += " · this course"
	}
	if a.Tag != "" {
		meta += " · " + a.Tag
	}
	return app.Li().Class("pick-row").DataSet("activity", sid).Body(
		box,
		app.Label().For("pick-"+sid).Text(a.Title),
		app.Span().Class("muted pick-meta").Text(" "+meta+" "),
		app.Button().Type("button").Class("link-button").ID("preview-"+sid).Aria("controls", "preview").Text("Preview").
			Aria("label", "Preview "+a.Title).
			OnClick(func(ctx app.Context, e app.Event) { p.preview = id }, app.EventScope(id)),
		app.Text(" "),
		app.Button().Type("button").Class("link-button").ID("duplicate-"+sid).Text("Duplicate").Aria("label", "Duplicate "+a.Title).
			OnClick(func(ctx app.Context, e app.Event) { p.duplicate(ctx, id) }, app.EventScope(id)),
		app.If(a.ContextID != 0, func() app.UI {
			return app.Span().Body(app.Text(" "), app.Button().Type("button").Class("link-button").ID("archive-"+sid).Text("Archive").Aria("label", "Archive "+a.Title).
				OnClick(func(ctx app.Context, e app.Event) { p.archive(ctx, id) }, app.EventScope(id)))
		}),
		app.If(picked, func() app.UI { return p.renderChoice(a, ch) }),
	)
}

// renderChoice shows the per-item options a picked activity has.
func (p *pickerPage) renderChoice(a model.Activity, ch *pickChoice) app.UI {
	id := a.ID
	sid := strconv.FormatInt(id, 10)
	var parts []app.UI
	if a.Graded && p.opts.AcceptLineItem {
		gb := app.Input().Type("checkbox").ID("grade-"+sid).Aria("describedby", "grade-help-"+sid).
			OnChange(func(ctx app.Context, e app.Event) {
				if c := p.choices[id]; c != nil {
					c.gradebook = ctx.JSSrc().Get("checked").Bool()
				}
			}, app.EventScope(id))
		if ch.gradebook {
			gb = gb.Checked(true)
		}
		parts = append(parts, app.Span().Class("choice").Body(gb,
			app.Label().For("grade-"+sid).Text(fmt.Sprintf("Add a gradebook column (out of %g)", a.ScoreMaximum))),
			app.Span().ID("grade-help-"+sid).Class("help").Text("Without a column, learners' scores stay in ltibox (you see them in its grading view)."))
	}
	if len(p.opts.Targets) > 1 {
		parts = append(parts, app.Span().Class("choice").Body(
			app.Label().For("target-"+sid).Text("Open in "),
			app.Select().ID("target-"+sid).OnChange(func(ctx app.Context, e app.Event) {
				if c := p.choices[id]; c != nil {
					c.target = ctx.JSSrc().Get("value").String()
				}
			}, app.EventScope(id)).Body(
				app.Range(p.opts.Targets).Slice(func(i int) app.UI {
					t := p.opts.Targets[i]
					o := app.Option().Value(t).Text(targetLabel(t))
					if t == ch.target {
						o = o.Selected(true)
					}
					return o
				}),
			),
		))
	}
	if len(parts) == 0 {
		return app.Text("")
	}
	return app.Div().Class("pick-options").Body(parts...)
}

func targetLabel(t string) string {
	switch t {
	case "iframe":
		return "the course page (embedded)"
	case "frame":
		return "the LMS frame"
	case "window":
		return "a new window"
	}
	return t
}

// renderPreview shows the previewed activity's instructions. With nothing to
// show (an empty catalog, or a search that hides the previewed activity) it
// says how to fill it rather than leave an empty box; the section itself
// stays, as a live region must exist before what it announces.
func (p *pickerPage) renderPreview() app.UI {
	a, ok := p.activity(p.preview)
	return app.Section().ID("preview").Class("preview").Aria("labelledby", "preview-heading").Aria("live", "polite").Body(
		app.If(!ok, func() app.UI {
			return app.Div().Body(
				app.H2().ID("preview-heading").Text("Preview"),
				app.P().ID("preview-placeholder").Class("muted").Text(p.previewPlaceholder()),
			)
		}).Else(func() app.UI {
			return app.Div().Body(
				app.H2().ID("preview-heading").Text("Preview: "+a.Title),
				instructionsUI(a, 3),
			)
		}),
	)
}

// previewPlaceholder fills the preview while it shows no activity.
func (p *pickerPage) previewPlaceholder() string {
	if len(p.list) == 0 {
		return "Nothing to preview."
	}
	return "Choose Preview next to an activity to read its instructions here."
}

// instructionsUI shows instructions rendered and sanitized by the server,
// their headings demoted so that the top one ("# " in Markdown) is an <h{top}>:
// authors write "# Welcome", but the page already has its <h1>.
func instructionsUI(a model.Activity, top int) app.UI {
	if strings.TrimSpace(a.InstructionsHTML) == "" {
		return app.P().Class("muted").Text("No instructions.")
	}
	return app.Raw(`<div class="instructions">` + demoteHeadings(a.InstructionsHTML, top) + `</div>`)
}

// demoteHeadings shifts every heading of sanitized HTML by top-1 levels,
// stopping at <h6>. The server's sanitizer leaves headings as <hN> or
// <hN attr…>, so a replacer over the tag names is enough (no regexp in
// the wasm).
func demoteHeadings(html string, top int) string {
	if top <= 1 || !strings.Contains(html, "<h") {
		return html
	}
	var pairs []string
	for n := 1; n <= 6; n++ {
		m := strconv.Itoa(min(n+top-1, 6))
		h := strconv.Itoa(n)
		pairs = append(pairs, "<h"+h+">", "<h"+m+">", "<h"+h+" ", "<h"+m+" ", "</h"+h+">", "</h"+m+">")
	}
	return strings.NewReplacer(pairs...).Replace(html)
}

func (p *pickerPage) renderCreate() app.UI {
	graded := app.Input().Type("checkbox").ID("new-graded").OnChange(func(ctx app.Context, e app.Event) { p.newGraded = ctx.JSSrc().Get("checked").Bool() })
	if p.newGraded {
		graded = graded.Checked(true)
	}
	value := func(dst *string) app.EventHandler {
		return func(ctx app.Context, e app.Event) { *dst = ctx.JSSrc().Get("value").String() }
	}
	return app.Details().ID("create").Body(
		app.Summary().Text("Create a new activity"),
		app.Form().ID("create-form").OnSubmit(p.create).Body(
			app.P().Body(app.Label().For("new-title").Text("Title"), app.Input().Type("text").ID("new-title").Required(true).Value(p.newTitle).OnChange(value(&p.newTitle))),
			app.P().Body(app.Label().For("new-instructions").Text("Instructions (Markdown)"), app.Textarea().ID("new-instructions").Rows(5).Text(p.newInstructions).OnChange(value(&p.newInstructions))),
			app.P().Class("choice").Body(graded, app.Label().For("new-graded").Text("Graded")),
			app.If(p.newGraded, func() app.UI {
				label, in := maxScoreField("new-max", "")
				return app.P().Body(label, in.Value(p.newMax).OnChange(value(&p.newMax)))
			}),
			app.P().Body(app.Label().For("new-tag").Text("Tag (optional)"), app.Input().Type("text").ID("new-tag").Value(p.newTag).OnChange(value(&p.newTag))),
			dateFields("new-", &p.newStart, &p.newEnd),
			app.If(p.createErr != "", func() app.UI { return app.P().Class("alert alert-error").Role("alert").Text(p.createErr) }),
			app.Button().Type("submit").ID("create-submit").Text("Create activity"),
		),
	)
}

func (p *pickerPage) renderActions() app.UI {
	add := app.Button().Type("button").ID("add").Class("primary").Text(addLabel(len(p.selected), p.hiddenPicks())).OnClick(func(ctx app.Context, e app.Event) { p.submit(ctx, false) })
	if len(p.selected) == 0 || p.sending {
		add = add.Disabled(true)
	}
	// Every button looks primary unless told otherwise (app.css): Cancel
	// must not compete with Add.
	cancel := app.Button().Type("button").ID("cancel").Class("secondary").Text("Cancel").OnClick(func(ctx app.Context, e app.Event) { p.submit(ctx, true) })
	if p.sending {
		cancel = cancel.Disabled(true)
	}
	return app.Div().Class("actions").Body(add, cancel)
}

// addLabel names what Add sends, picks hidden by the search included (see
// hiddenPicks).
func addLabel(n, hidden int) string {
	switch {
	case hidden > 0:
		return fmt.Sprintf("Add %d to course%s", n, hiddenNote(n, hidden))
	case n <= 1:
		return "Add to course"
	}
	return fmt.Sprintf("Add %d to course", n)
}
