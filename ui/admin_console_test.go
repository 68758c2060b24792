package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestAdminConsole_PrerenderIsAShell: the server prerenders only a loading
// shell (no per-user data, no boolean attributes rendered false).
func TestAdminConsole_PrerenderIsAShell(t *testing.T) {
	for _, p := range adminPages {
		html := app.HTMLString(newAdminConsole(p.path))
		if !strings.Contains(html, "Loading the console") || strings.Contains(html, `="false"`) || strings.Contains(html, "wasm-ready") {
			t.Errorf("%s prerender: %s", p.path, html)
		}
	}
}

// timeTags returns the start tag and text of every <time> element.
func timeTags(html string) [][2]string {
	var out [][2]string
	for _, m := range regexp.MustCompile(`(<time\b[^>]*>)([^<]*)</time>`).FindAllStringSubmatch(html, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

// mustTimeTag asserts that tag has every attribute (one by one: go-app
// renders them in no fixed order).
func mustTimeTag(tb testing.TB, tag string, attrs ...string) {
	tb.Helper()
	for _, a := range attrs {
		if !strings.Contains(tag, " "+a) {
			tb.Errorf("%s lacks %s", tag, a)
		}
	}
}

// mustShowLocal asserts that html shows exactly the instants want, in order,
// each as a <time> element whose text is the local time in layout and that
// keeps the exact instant (datetime in RFC 3339 UTC, and the title); and that
// no UTC value appears as text ("09:00 UTC", "…Z").
func mustShowLocal(tb testing.TB, html, layout string, want ...time.Time) {
	tb.Helper()
	tags := timeTags(html)
	if len(tags) != len(want) {
		tb.Fatalf("%d <time> elements, want %d:\n%s", len(tags), len(want), html)
	}
	text := regexp.MustCompile(`<time\b[^>]*>`).ReplaceAllString(html, "<time>") // the page less the exact values
	for i, w := range want {
		mustTimeTag(tb, tags[i][0], `datetime="`+w.UTC().Format(time.RFC3339)+`"`, `title="`+w.UTC().Format("2006-01-02 15:04:05")+` UTC"`)
		if got, local := tags[i][1], w.Local().Format(layout); got != local {
			tb.Errorf("shown as %q, want the local time %q", got, local)
		}
		mustNotContain(tb, text, w.UTC().Format("2006-01-02 15:04"), w.UTC().Format("15:04:05")+" UTC", w.UTC().Format(time.RFC3339))
	}
	mustNotContain(tb, text, " UTC", "(UTC)")
}

// TestAdminConsole_TimesAreLocal: the console shows each time in the
// reader's local time, readably, in a <time> element that keeps the exact
// instant (datetime in RFC 3339 UTC, and the title) — never the raw UTC
// value ("2026-03-01 09:00:05" or "…Z") as the text.
func TestAdminConsole_TimesAreLocal(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 5, 0, time.UTC)
	retry := at.Add(90 * time.Second)
	for _, sc := range []struct {
		page string
		load func(c *adminConsole)
		want time.Time
	}{
		{PathAdminLaunches, func(c *adminConsole) {
			c.launches = []model.LaunchAttempt{{ID: 1, CreatedAt: at, Platform: "Demo LMS", DeploymentID: "1", OK: true}}
		}, at},
		{PathAdminDeployments, func(c *adminConsole) {
			c.platforms = []model.Platform{{ID: 1, Name: "Demo LMS", Deployments: []model.Deployment{{ID: 1, DeploymentID: "1", Status: "active", CreatedAt: at}}}}
		}, at},
		{PathAdminApprovals, func(c *adminConsole) {
			c.pending = model.Pending{Deployments: []model.PendingDeployment{{RegistrationID: 1, Platform: "Demo LMS", DeploymentID: "9", CreatedAt: at}}}
		}, at},
		{PathAdminApprovals, func(c *adminConsole) {
			c.pending = model.Pending{Platforms: []model.Platform{{ID: 2, Name: "New LMS", Status: "pending", CreatedAt: at}}}
		}, at},
		{PathAdminOutbox, func(c *adminConsole) {
			c.outbox = model.OutboxStatus{Items: []model.OutboxItem{{ID: 1, Subject: "student", Score: model.Score{ScoreMaximum: 10,
				Delivery: model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &retry, Error: "Service Unavailable"}}}}}
		}, retry},
	} {
		t.Run(sc.page, func(t *testing.T) {
			c := newAdminConsole(sc.page)
			c.auth, c.loaded = authReady, statusLoaded
			sc.load(c)
			mustShowLocal(t, render(t, c), "2 Jan 2006, 15:04:05", sc.want)
		})
	}
}

// TestAdminActivities_EditSaysPlacedLinksKeepTheirMaximum: editing a library
// activity's maximum says links already placed keep theirs (and the field is
// described by it); a new activity has no such note.
func TestAdminActivities_EditSaysPlacedLinksKeepTheirMaximum(t *testing.T) {
	c := newAdminConsole(PathAdminActivities)
	c.auth, c.loaded = authReady, statusLoaded
	c.openActivity(model.Activity{ID: 4, Title: "Quiz", Graded: true, ScoreMaximum: 7.5})
	got := render(t, c)
	mustContain(t, got, msgMaximumKept, "Edit library activity")
	mustTag(t, got, "act-max", `aria-describedby="act-max-help"`, `step="any"`)

	c = newAdminConsole(PathAdminActivities)
	c.auth, c.loaded = authReady, statusLoaded
	c.openActivity(model.Activity{Graded: true, ScoreMaximum: 100})
	got = render(t, c)
	mustContain(t, got, "New library activity")
	mustNotContain(t, got, msgMaximumKept)
}
