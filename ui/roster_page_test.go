package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func testRoster(n int) model.Roster {
	synced := time.Now().Add(-3 * time.Minute)
	r := model.Roster{Enabled: true, Context: model.Context{ContextID: "c-1", Label: "MATH101", Title: "Analytical Engines"},
		SyncedAt: &synced, GradedActivities: 2}
	launched := time.Now().Add(-2 * time.Hour)
	left := time.Now().Add(-24 * time.Hour)
	r.Members = append(r.Members,
		model.RosterMember{Subject: "t1", Name: "Grace Hopper", Email: "grace@example.edu", Roles: []string{"Instructor"}, Status: "Active", LastLaunch: &launched},
		model.RosterMember{Subject: "s-left", Name: "Alan Turing", Email: "alan@example.edu", Roles: []string{"Learner"}, Status: "Inactive", LeftAt: &left,
			Scores: model.ScoreSummary{Scored: 1, Activities: 2, Points: 7.5, Maximum: 10}},
		model.RosterMember{Subject: "s-private", Roles: []string{"Learner"}, Status: "Inactive"},
		model.RosterMember{Subject: "ta", Name: "Tess Assist", Roles: []string{"Instructor#TeachingAssistant"}, Status: "Active"},
	)
	for i := range n {
		r.Members = append(r.Members, model.RosterMember{Subject: fmt.Sprintf("l%d", i), Name: fmt.Sprintf("Learner %04d", i), Roles: []string{"Learner"}, Status: "Active"})
	}
	return r
}

func loadedRoster(r model.Roster) *rosterPage {
	p := newRosterPage()
	p.setRoster(r)
	return p
}

func TestRosterPage_States(t *testing.T) {
	tests := []struct {
		name     string
		page     func() *rosterPage
		want     []string
		unwanted []string
	}{
		{
			name:     "prerender shows loading",
			page:     newRosterPage,
			want:     []string{`data-status="loading"`, msgRosterLoading, `role="status"`, `href="/app/"`},
			unwanted: []string{"wasm-ready", "<table"},
		},
		{
			name: "roster not enabled in the LMS",
			page: func() *rosterPage {
				return loadedRoster(model.Roster{Enabled: false, Context: model.Context{Title: "Bio"}})
			},
			want:     []string{msgRosterNotEnabled, "Names and Role Provisioning", "Roster: Bio"},
			unwanted: []string{"<table", `id="refresh"`},
		},
		{
			name: "learner is told, with no retry",
			page: func() *rosterPage {
				p := newRosterPage()
				p.status, p.err = statusFailed, model.Errorf(model.EFORBIDDEN, "%s", msgRosterForbidden)
				return p
			},
			want:     []string{msgRosterForbidden, "alert-error"},
			unwanted: []string{`id="retry"`, "<table"},
		},
		{
			name: "network failure offers a retry",
			page: func() *rosterPage {
				p := newRosterPage()
				p.status, p.err = statusFailed, model.Errorf(model.EUNAVAILABLE, "Could not reach ltibox.")
				return p
			},
			want: []string{"Could not reach ltibox.", `id="retry"`},
		},
		{
			name: "first load in progress",
			page: func() *rosterPage {
				p := loadedRoster(model.Roster{Enabled: true, Context: model.Context{Title: "Big"}, Sync: model.RosterSync{Running: true, Pages: 12, Members: 1200}})
				return p
			},
			want:     []string{"Loading the roster from your LMS… 1,200 members so far (12 pages).", "<progress", `id="sync-progress"`, "disabled"},
			unwanted: []string{"<table"},
		},
		{
			name: "the LMS refused: its reason, and the old roster stays",
			page: func() *rosterPage {
				r := testRoster(0)
				r.Sync = model.RosterSync{Error: &model.Error{Code: model.CodeLMSRefused, Message: "The LMS refused the roster request (HTTP 403: Roster disabled)."}}
				return loadedRoster(r)
			},
			want: []string{`role="alert"`, "HTTP 403: Roster disabled", "<table", "Grace Hopper"},
		},
		{
			name: "loaded table",
			page: func() *rosterPage { return loadedRoster(testRoster(0)) },
			want: []string{
				"Synced 3 min ago", `id="refresh"`, "<caption>Members of Analytical Engines, from your LMS. Score sums the 2 graded activities.</caption>",
				`id="sort-name"`, `<th scope="row">Grace Hopper</th>`,
				`<label for="roster-search">`, `<label for="roster-role">`, `<label for="roster-state">`, "<legend>Find members</legend>",
				"Left the course", "User s-private", "7.5 / 10 (1 of 2)", "2 hours ago", "Never",
				"Teaching assistant (Instructor)", "Export CSV (all 4 members)", "Showing 1–4 of 4 members",
			},
			unwanted: []string{"<progress", `selected="false"`, `disabled="false"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.page())
			mustContain(t, got, tt.want...)
			if tt.name == "loaded table" {
				mustHaveTag(t, got, "th", `scope="col"`, `aria-sort="ascending"`)
			}
			mustNotContain(t, got, tt.unwanted...)
		})
	}
}

// renderCopy renders a fresh copy of p: a component mounts only once.
func renderCopy(t *testing.T, p *rosterPage) string {
	t.Helper()
	c := *p
	c.Compo = app.Compo{}
	return render(t, &c)
}

func TestRosterPage_SearchFilterSortPage(t *testing.T) {
	p := loadedRoster(testRoster(120))
	if len(p.view) != 124 {
		t.Fatalf("view = %d", len(p.view))
	}
	got := renderCopy(t, p)
	mustContain(t, got, "Showing 1–50 of 124 members")
	if n := strings.Count(got, `scope="row"`); n != rosterPageSize {
		t.Errorf("%d rows rendered, want a page of %d", n, rosterPageSize)
	}

	p.nextPage(app.Context{}, app.Event{})
	p.nextPage(app.Context{}, app.Event{})
	p.nextPage(app.Context{}, app.Event{}) // no page 4
	mustContain(t, renderCopy(t, p), "Showing 101–124 of 124 members")

	p.query, p.page = "ALAN@", 0
	p.recompute()
	got = renderCopy(t, p)
	mustContain(t, got, "Showing 1–1 of 1 member (filtered from 124)", "Alan Turing")
	mustNotContain(t, got, "Grace Hopper")

	p.query = ""
	p.role = "Instructor#TeachingAssistant"
	p.recompute()
	if len(p.view) != 1 || p.roster.Members[p.view[0]].Subject != "ta" {
		t.Errorf("role filter = %v", p.view)
	}
	p.role = ""
	for state, want := range map[string][]string{filterLeft: {"s-left"}, filterInactive: {"s-private"}} {
		p.state = state
		p.recompute()
		var got []string
		for _, i := range p.view {
			got = append(got, p.roster.Members[i].Subject)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("status %q = %v, want %v", state, got, want)
		}
	}
	p.state = filterActive
	p.recompute()
	if len(p.view) != 122 {
		t.Errorf("active = %d, want 122", len(p.view))
	}

	p.state = ""
	p.sortBy("last")(app.Context{}, app.Event{})
	p.sortBy("last")(app.Context{}, app.Event{}) // descending: launched first
	if first := p.roster.Members[p.view[0]]; first.Subject != "t1" {
		t.Errorf("last launch descending starts with %s", first.Subject)
	}
	mustHaveTag(t, renderCopy(t, p), "th", `scope="col"`, `aria-sort="descending"`)
	p.sortBy("score")(app.Context{}, app.Event{})
	p.desc = true
	p.recompute()
	if first := p.roster.Members[p.view[0]]; first.Subject != "s-left" {
		t.Errorf("best score first = %s", first.Subject)
	}
}

func TestRosterPage_Words(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[time.Duration]string{
		10 * time.Second: "just now", time.Minute: "1 min ago", 3 * time.Minute: "3 min ago",
		90 * time.Minute: "1 hour ago", 50 * time.Hour: "2 days ago",
	} {
		if got := ago(now.Add(-in), now); got != want {
			t.Errorf("ago(%v) = %q, want %q", in, got, want)
		}
	}
	if got := plural(2500, "member"); got != "2,500 members" {
		t.Errorf("plural = %q", got)
	}
	if got := plural(1, "graded activity"); got != "1 graded activity" {
		t.Errorf("plural = %q", got)
	}
	if got := (model.Context{Label: "BIO 1/2"}).RosterFileName(); got != "roster-BIO-1-2.csv" {
		t.Errorf("csvFileName = %q", got)
	}
}

func TestHomePage_RosterLink(t *testing.T) {
	for _, tc := range []struct {
		role model.Role
		nrps bool
		want bool
	}{
		{model.RoleInstructor, true, true},
		{model.RoleInstructor, false, false},
		{model.RoleLearner, true, false},
	} {
		h := newHomePage()
		h.info = sessionInfo{Status: statusLoaded, Session: model.Session{Role: tc.role, Services: model.Services{NRPS: tc.nrps}}}
		got := render(t, h)
		if has := hasTag(got, "a", `id="roster-link"`, `href="/app/roster"`); has != tc.want {
			t.Errorf("%s with NRPS=%v: roster link shown = %v, want %v", tc.role, tc.nrps, has, tc.want)
		}
	}
}

func TestRosterPage_CaptionWithoutGradedActivities(t *testing.T) {
	r := testRoster(0)
	r.GradedActivities = 0
	mustContain(t, render(t, loadedRoster(r)), "<caption>Members of Analytical Engines, from your LMS. The course has no graded ltibox activities yet.</caption>")
}

// hasTag reports whether html has an opening tag with all the attributes, in
// any order (the renderer does not keep attribute order).
func hasTag(html, tag string, attrs ...string) bool {
	for rest := html; ; {
		i := strings.Index(rest, "<"+tag+" ")
		if i < 0 {
			return false
		}
		rest = rest[i:]
		end := strings.Index(rest, ">")
		if end < 0 {
			return false
		}
		open := rest[:end]
		ok := true
		for _, a := range attrs {
			if !strings.Contains(open, a) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
		rest = rest[end:]
	}
}

func mustHaveTag(t *testing.T, html, tag string, attrs ...string) {
	t.Helper()
	if !hasTag(html, tag, attrs...) {
		t.Errorf("no <%s> with %v in:\n%s", tag, attrs, html)
	}
}

// TestRosterPage_LastLaunchKeepsInstant: the last-launch words ("2 hours
// ago", "on 2 Mar 2026") sit in a <time> that keeps the exact instant, in
// UTC words on hover.
func TestRosterPage_LastLaunchKeepsInstant(t *testing.T) {
	old := time.Date(2024, 7, 15, 4, 30, 0, 0, time.UTC)
	r := testRoster(0)
	r.Members[1].LastLaunch = &old
	got := renderCopy(t, loadedRoster(r))
	mustHaveTag(t, got, "time", `datetime="2024-07-15T04:30:00Z"`)
	mustHaveTag(t, got, "time", `title="2024-07-15 04:30:00 UTC"`)
	mustContain(t, got, ">"+ago(old, time.Now())+"</time>")
	mustHaveTag(t, got, "time", `datetime="`+r.Members[0].LastLaunch.UTC().Format(time.RFC3339)+`"`)
	mustContain(t, got, ">2 hours ago</time>")
}
