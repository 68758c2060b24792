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

// PathRoster is the instructor's roster page.
const PathRoster = "/app/roster"

const (
	// rosterPageSize is how many rows the table shows at once: 10,000 rows
	// in the DOM would make every keystroke in the search box slow.
	rosterPageSize = 50
	// rosterPollEvery is how often the page asks how a refresh is going.
	rosterPollEvery = 400 * time.Millisecond
)

// Messages of the roster page.
const (
	msgRosterLoading    = "Loading the course roster…"
	msgRosterNotEnabled = "The roster is not enabled for ltibox in your LMS."
	msgRosterNotHint    = "Ask your LMS administrator to turn on Names and Role Provisioning (the roster service) for ltibox, then open ltibox again from your course."
	msgRosterForbidden  = "Only instructors can see the course roster."
)

// Status filter values.
const (
	filterAll      = ""
	filterActive   = "active"
	filterInactive = "inactive"
	filterLeft     = "left"
)

// rosterPage lists the course's members from the LMS with what each did in
// ltibox: search, filters, sortable columns, CSV export of everyone, and a
// refresh that shows its progress while a large roster loads.
type rosterPage struct {
	app.Compo

	mounted bool
	// ui is the component's own context, kept from OnMount. Background work
	// dispatches through it, not through an event's context: that one belongs
	// to the clicked element, and go-app drops dispatches for an element that
	// a re-render replaced (the Refresh button is, while a refresh runs).
	ui      app.Context
	stop    chan struct{} // closed on dismount: go-app never cancels ctx
	token   string
	status  loadStatus
	err     *model.Error
	roster  model.Roster
	roles   []string // distinct roles, for the filter
	sync    model.RosterSync
	polling bool

	query   string
	role    string
	state   string
	sortKey string
	desc    bool
	page    int
	view    []int // indexes into roster.Members, filtered and sorted

	exporting bool
	csvURL    string
	csvName   string
	csvErr    string
}

func newRosterPage() *rosterPage {
	return &rosterPage{status: statusLoading, sortKey: "name"}
}

func (p *rosterPage) OnMount(ctx app.Context) {
	p.mounted, p.ui, p.stop = true, ctx, make(chan struct{})
	p.token = useSessionToken(ctx)
	if p.token == "" {
		p.status, p.err = statusFailed, model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession)
		return
	}
	p.load(ctx)
	// Re-render every half minute so "synced 3 min ago" stays true.
	stop := p.stop
	ctx.Async(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Second):
				ctx.Dispatch(func(app.Context) {})
			}
		}
	})
}

// OnDismount ends the page's background loops.
func (p *rosterPage) OnDismount() {
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
}

// load fetches the roster; the server starts a refresh itself when the roster
// was never loaded or is old, and then the page polls its progress.
func (p *rosterPage) load(ctx app.Context) {
	c := newClient(p.token)
	ctx.Async(func() {
		r, err := c.Roster(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.status, p.err = statusFailed, asModelError(err)
				return
			}
			p.setRoster(r)
			if r.Sync.Running {
				p.poll(ctx)
			}
		})
	})
}

func asModelError(err error) *model.Error {
	return &model.Error{Code: model.ErrorCode(err), Message: model.ErrorMessage(err)}
}

// setRoster shows a freshly loaded roster.
func (p *rosterPage) setRoster(r model.Roster) {
	p.status, p.err, p.roster, p.sync = statusLoaded, nil, r, r.Sync
	seen := map[string]bool{}
	p.roles = p.roles[:0]
	for _, m := range r.Members {
		for _, role := range m.Roles {
			if !seen[role] {
				seen[role] = true
				p.roles = append(p.roles, role)
			}
		}
	}
	slices.Sort(p.roles)
	p.recompute()
}

// poll follows a running refresh until it ends, then reloads the roster.
func (p *rosterPage) poll(ctx app.Context) {
	if p.polling {
		return
	}
	p.polling = true
	c := newClient(p.token)
	stop := p.stop
	ctx.Async(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(rosterPollEvery):
			}
			st, err := c.RosterSync(ctx)
			done := err != nil || !st.Running
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.sync.Running, p.sync.Error = false, asModelError(err)
				} else {
					p.sync = st
				}
				if done {
					p.polling = false
				}
			})
			if done {
				if err == nil {
					p.load(ctx)
				}
				return
			}
		}
	})
}

func (p *rosterPage) refresh(_ app.Context, e app.Event) {
	if p.sync.Running {
		return
	}
	ctx := p.ui
	c := newClient(p.token)
	p.sync = model.RosterSync{Running: true}
	ctx.Async(func() {
		st, err := c.RefreshRoster(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.sync = model.RosterSync{Error: asModelError(err)}
				return
			}
			p.sync = st
			p.poll(ctx)
		})
	})
}

// exportCSV downloads every member (the server's CSV, not the visible page)
// through a Blob: the API needs the bearer token, which a plain link cannot send.
func (p *rosterPage) exportCSV(_ app.Context, e app.Event) {
	if p.exporting {
		return
	}
	ctx := p.ui
	p.exporting, p.csvErr = true, ""
	c := newClient(p.token)
	name := p.roster.Context.RosterFileName()
	ctx.Async(func() {
		text, err := c.RosterCSV(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.exporting = false
			if err != nil {
				p.csvErr = "The export failed: " + model.ErrorMessage(err)
				return
			}
			if p.csvURL != "" {
				app.Window().Get("URL").Call("revokeObjectURL", p.csvURL)
			}
			blob := app.Window().Get("Blob").New([]any{text}, map[string]any{"type": "text/csv;charset=utf-8"})
			p.csvURL = app.Window().Get("URL").Call("createObjectURL", blob).String()
			p.csvName = name
			doc := app.Window().Get("document")
			a := doc.Call("createElement", "a")
			a.Set("href", p.csvURL)
			a.Set("download", name)
			doc.Get("body").Call("appendChild", a)
			a.Call("click")
			a.Call("remove")
		})
	})
}

func (p *rosterPage) onSearch(ctx app.Context, e app.Event) {
	p.query = ctx.JSSrc().Get("value").String()
	p.page = 0
	p.recompute()
}

func (p *rosterPage) onRole(ctx app.Context, e app.Event) {
	p.role = ctx.JSSrc().Get("value").String()
	p.page = 0
	p.recompute()
}

func (p *rosterPage) onState(ctx app.Context, e app.Event) {
	p.state = ctx.JSSrc().Get("value").String()
	p.page = 0
	p.recompute()
}

// sortBy returns the handler of a column header: a first click sorts by the
// column, a second reverses it.
func (p *rosterPage) sortBy(key string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.sortKey == key {
			p.desc = !p.desc
		} else {
			p.sortKey, p.desc = key, false
		}
		p.recompute()
	}
}

func (p *rosterPage) prevPage(ctx app.Context, e app.Event) {
	if p.page > 0 {
		p.page--
	}
}

func (p *rosterPage) nextPage(ctx app.Context, e app.Event) {
	if (p.page+1)*rosterPageSize < len(p.view) {
		p.page++
	}
}

// recompute applies the search, filters and sort order to the members.
func (p *rosterPage) recompute() {
	ms := p.roster.Members
	q := strings.ToLower(strings.TrimSpace(p.query))
	p.view = p.view[:0]
	for i, m := range ms {
		if q != "" && !strings.Contains(strings.ToLower(m.DisplayName()+"\x00"+m.Email+"\x00"+m.Subject), q) {
			continue
		}
		if p.role != "" && !slices.Contains(m.Roles, p.role) {
			continue
		}
		switch p.state {
		case filterActive:
			if m.Status != model.MemberActive {
				continue
			}
		case filterInactive:
			if m.Status != model.MemberInactive || m.LeftAt != nil {
				continue
			}
		case filterLeft:
			if m.LeftAt == nil {
				continue
			}
		}
		p.view = append(p.view, i)
	}
	key := func(m model.RosterMember) string { return strings.ToLower(m.DisplayName()) }
	cmpTime := func(a, b *time.Time) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return a.Compare(*b)
	}
	slices.SortStableFunc(p.view, func(i, j int) int {
		a, b := ms[i], ms[j]
		c := 0
		switch p.sortKey {
		case "email":
			c = strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email))
		case "roles":
			c = strings.Compare(strings.Join(a.Roles, ","), strings.Join(b.Roles, ","))
		case "status":
			c = strings.Compare(memberState(a), memberState(b))
		case "last":
			c = cmpTime(a.LastLaunch, b.LastLaunch)
		case "score":
			c = compareScore(a.Scores, b.Scores)
		}
		if c == 0 {
			c = strings.Compare(key(a), key(b))
		}
		if p.desc {
			c = -c
		}
		return c
	})
	if last := max(0, (len(p.view)-1)/rosterPageSize); p.page > last {
		p.page = last
	}
}

func compareScore(a, b model.ScoreSummary) int {
	ra, rb := -1.0, -1.0
	if a.Maximum > 0 {
		ra = a.Points / a.Maximum
	}
	if b.Maximum > 0 {
		rb = b.Points / b.Maximum
	}
	switch {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	return 0
}

// memberState is the status a person reads.
func memberState(m model.RosterMember) string {
	if m.LeftAt != nil {
		return "Left the course"
	}
	return m.Status
}

func (p *rosterPage) Render() app.UI {
	statusText, statusClass := "", "status"
	switch p.status {
	case statusLoading:
		statusText = msgRosterLoading
	case statusFailed:
		statusClass = "status alert alert-error"
		statusText = "Could not load the roster."
		if p.err != nil {
			statusText = p.err.Message
			if p.err.Code == model.EUNAUTHORIZED {
				statusText = msgExpired
			}
		}
	}
	title := "Course roster"
	if p.status == statusLoaded {
		title = "Roster: " + p.roster.Context.DisplayTitle()
	}
	return app.Main().ID("main").Class("wide").DataSet("status", p.status.String()).Body(
		app.P().Body(app.A().ID("home-link").Href(PathHome).Text("← Back to ltibox")),
		app.H1().Text(title),
		app.P().ID("status").Class(statusClass).Role("status").Aria("live", "polite").Text(statusText),
		app.If(p.status == statusFailed && p.err != nil && p.err.Code != model.EUNAUTHORIZED && p.err.Code != model.EFORBIDDEN, func() app.UI {
			return app.Button().Type("button").ID("retry").Text("Try again").OnClick(func(_ app.Context, e app.Event) {
				p.status = statusLoading
				p.load(p.ui)
			})
		}),
		app.If(p.status == statusLoaded && !p.roster.Enabled, func() app.UI {
			return app.Section().ID("not-enabled").Aria("labelledby", "not-enabled-heading").Body(
				app.H2().ID("not-enabled-heading").Text(msgRosterNotEnabled),
				app.P().Text(msgRosterNotHint),
			)
		}),
		app.If(p.status == statusLoaded && p.roster.Enabled, p.renderRoster),
		wasmReady(p.mounted),
	)
}

func (p *rosterPage) renderRoster() app.UI {
	return app.Div().Body(
		p.renderSync(),
		app.If(len(p.roster.Members) > 0, p.renderControls),
		app.If(len(p.roster.Members) > 0, p.renderTable),
	)
}

// renderSync is the "Synced 3 min ago · Refresh" line, the progress of a
// running refresh, and why the last one failed.
func (p *rosterPage) renderSync() app.UI {
	st := p.sync
	text := "Not loaded from your LMS yet."
	if p.roster.SyncedAt != nil {
		text = "Synced " + ago(*p.roster.SyncedAt, time.Now())
	}
	if st.Running {
		what := "Loading the roster from your LMS"
		if st.Incremental {
			what = "Checking your LMS for changes"
		}
		text = what + "…"
		if st.Pages > 0 {
			text = fmt.Sprintf("%s… %s so far (%s).", what, plural(st.Members, "member"), plural(st.Pages, "page"))
		}
	}
	refresh := app.Button().Type("button").ID("refresh").Class("secondary").Text("Refresh").OnClick(p.refresh)
	if st.Running {
		refresh = refresh.Disabled(true)
	}
	return app.Div().Class("sync-bar").Body(
		app.Div().Class("sync-line").Body(
			app.P().ID("sync-status").Role("status").Aria("live", "polite").Text(text),
			app.Span().Aria("hidden", "true").Text("·"),
			refresh,
		),
		app.If(st.Running, func() app.UI {
			return app.Progress().ID("sync-progress").Aria("label", "Roster loading progress")
		}),
		app.If(st.Error != nil, func() app.UI {
			return app.P().ID("sync-error").Class("alert alert-error").Role("alert").Text(st.Error.Message)
		}),
	)
}

func (p *rosterPage) renderControls() app.UI {
	return app.FieldSet().Class("roster-controls").Body(
		app.Legend().Text("Find members"),
		app.Div().Class("control").Body(
			app.Label().For("roster-search").Text("Search name, email or user ID"),
			app.Input().Type("search").ID("roster-search").Value(p.query).OnInput(p.onSearch),
		),
		app.Div().Class("control").Body(
			app.Label().For("roster-role").Text("Role"),
			app.Select().ID("roster-role").OnChange(p.onRole).Body(
				append([]app.UI{option("", "All roles", p.role)}, rangeRoles(p.roles, p.role)...)...,
			),
		),
		app.Div().Class("control").Body(
			app.Label().For("roster-state").Text("Status"),
			app.Select().ID("roster-state").OnChange(p.onState).Body(
				option(filterAll, "All statuses", p.state),
				option(filterActive, "Active", p.state),
				option(filterInactive, "Inactive", p.state),
				option(filterLeft, "Left the course", p.state),
			),
		),
		app.Div().Class("control").Body(
			p.exportButton(),
			app.If(p.csvURL != "", func() app.UI {
				return app.A().ID("csv-link").Href(p.csvURL).Download(p.csvName).Text("Download " + p.csvName + " again")
			}),
			app.If(p.csvErr != "", func() app.UI {
				return app.P().ID("csv-error").Class("alert alert-error").Role("alert").Text(p.csvErr)
			}),
		),
	)
}

func (p *rosterPage) exportButton() app.UI {
	b := app.Button().Type("button").ID("export").Text(fmt.Sprintf("Export CSV (all %s)", plural(len(p.roster.Members), "member"))).OnClick(p.exportCSV)
	if p.exporting {
		b = b.Disabled(true)
	}
	return b
}

// option renders a select option; selected is only ever set to true (see
// frontend.md: the prerender writes false booleans as present attributes).
func option(value, label, current string) app.UI {
	o := app.Option().Value(value).Text(label)
	if value == current {
		o = o.Selected(true)
	}
	return o
}

func rangeRoles(roles []string, current string) []app.UI {
	out := make([]app.UI, 0, len(roles))
	for _, r := range roles {
		out = append(out, option(r, roleText(r), current))
	}
	return out
}

// roleText makes a short LIS role readable: "Instructor#TeachingAssistant"
// → "Teaching assistant (Instructor)".
func roleText(r string) string {
	base, sub, ok := strings.Cut(r, "#")
	if !ok {
		return splitWords(r)
	}
	return splitWords(sub) + " (" + splitWords(base) + ")"
}

// splitWords turns "TeachingAssistant" into "Teaching assistant".
func splitWords(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (p *rosterPage) renderTable() app.UI {
	total := len(p.view)
	from := p.page * rosterPageSize
	to := min(from+rosterPageSize, total)
	count := fmt.Sprintf("Showing %d–%d of %s", from+1, to, plural(total, "member"))
	if total == 0 {
		count = "No member matches your search."
	}
	if total != len(p.roster.Members) {
		count += fmt.Sprintf(" (filtered from %d)", len(p.roster.Members))
	}
	rows := make([]app.UI, 0, to-from)
	for _, i := range p.view[from:to] {
		rows = append(rows, p.renderRow(p.roster.Members[i]))
	}
	prev := app.Button().Type("button").ID("prev-page").Class("secondary").Text("Previous").OnClick(p.prevPage)
	if p.page == 0 {
		prev = prev.Disabled(true)
	}
	next := app.Button().Type("button").ID("next-page").Class("secondary").Text("Next").OnClick(p.nextPage)
	if to >= total {
		next = next.Disabled(true)
	}
	return app.Div().Body(
		app.P().ID("roster-count").Role("status").Aria("live", "polite").Text(count),
		tableScroll("Course members", app.Table().ID("roster").Body(
			app.Caption().Text(p.caption()),
			app.THead().Body(app.Tr().Body(
				p.header("name", "Name"),
				p.header("email", "Email"),
				p.header("roles", "Roles"),
				p.header("status", "Status"),
				p.header("last", "Last launch"),
				p.header("score", "Score"),
			)),
			app.TBody().Body(rows...),
		)),
		app.Nav().Class("pager").Aria("label", "Roster pages").Body(prev, next),
	)
}

// caption says what the table is, and what the score column adds up.
func (p *rosterPage) caption() string {
	c := "Members of " + p.roster.Context.DisplayTitle() + ", from your LMS."
	if p.roster.GradedActivities == 0 {
		return c + " The course has no graded ltibox activities yet."
	}
	return c + " Score sums the " + plural(p.roster.GradedActivities, "graded activity") + "."
}

// header is a sortable column header: a real button (keyboard operable)
// inside a th with aria-sort on the sorted column.
func (p *rosterPage) header(key, label string) app.UI {
	th := app.Th().Scope("col")
	arrow := ""
	if p.sortKey == key {
		if p.desc {
			th, arrow = th.Aria("sort", "descending"), " ▼"
		} else {
			th, arrow = th.Aria("sort", "ascending"), " ▲"
		}
	}
	return th.Body(app.Button().Type("button").Class("sort").ID("sort-"+key).OnClick(p.sortBy(key)).Body(
		app.Text(label),
		app.Span().Aria("hidden", "true").Text(arrow),
		app.Span().Class("sr-only").Text(", sort"),
	))
}

func (p *rosterPage) renderRow(m model.RosterMember) app.UI {
	last := app.Td().Text("Never")
	if m.LastLaunch != nil {
		// The words are relative ("3 min ago", "on 2 Mar 2026"); the <time>
		// keeps the exact instant, in UTC words on hover.
		at := *m.LastLaunch
		last = app.Td().Body(app.Time().DateTime(at.UTC().Format(time.RFC3339)).Title(utcTitle(at)).Text(ago(at, time.Now())))
	}
	roles := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		roles[i] = roleText(r)
	}
	name := app.Th().Scope("row").Text(m.DisplayName())
	if m.Name == "" && m.GivenName == "" && m.FamilyName == "" {
		name = app.Th().Scope("row").Class("muted").Text(m.DisplayName())
	}
	return app.Tr().DataSet("subject", m.Subject).Body(
		name,
		app.Td().Text(m.Email),
		app.Td().Text(strings.Join(roles, ", ")),
		app.Td().Text(memberState(m)),
		last,
		app.Td().Text(scoreText(m.Scores)),
	)
}

// scoreText is "7.5 / 10 (1 of 2 activities)", or a dash with nothing scored.
func scoreText(s model.ScoreSummary) string {
	if s.Activities == 0 || s.Scored == 0 {
		return "—"
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	return fmt.Sprintf("%s / %s (%d of %d)", num(s.Points), num(s.Maximum), s.Scored, s.Activities)
}

// ago says how long ago t was, in words; a date older than a month is the
// day on the reader's calendar (wallClock: in wasm Go's time.Local is fixed
// at page load, so a date across a daylight-saving change could be a day off).
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "min") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return "on " + wallClock(t).Format("2 Jan 2006")
}

// plural is "1 member", "2,500 members" (model.Plural, shared with the server).
func plural(n int, noun string) string { return model.Plural(n, noun) }
