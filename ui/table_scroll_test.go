package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// scrollBoxes returns the opening tag of the element around each <table> in
// html ("" for a table that is not the first thing inside a <div>).
func scrollBoxes(html string) []string {
	var out []string
	div := regexp.MustCompile(`(?s)<div\b[^>]*>\s*$`)
	for _, loc := range regexp.MustCompile(`<table\b`).FindAllStringIndex(html, -1) {
		out = append(out, strings.TrimSpace(div.FindString(html[:loc[0]])))
	}
	return out
}

// TestTableScroll_EveryConsoleTable: each table of the console sits in a
// .table-scroll box that is a named region taking the keyboard focus, so a
// table wider than a narrow window scrolls there (by keyboard too), not the
// page. Attributes are checked one by one: go-app does not fix their order.
func TestTableScroll_EveryConsoleTable(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 5, 0, time.UTC)
	platform := model.Platform{ID: 1, Name: "Demo LMS", Status: "active", Deployments: []model.Deployment{{ID: 1, DeploymentID: "1", Status: "active", CreatedAt: at}}}
	for _, sc := range []struct {
		page   string
		tables int
		load   func(c *adminConsole)
	}{
		{PathAdmin, 1, func(c *adminConsole) { c.platforms = []model.Platform{platform} }},
		{PathAdminDeployments, 1, func(c *adminConsole) { c.platforms = []model.Platform{platform} }},
		{PathAdminApprovals, 2, func(c *adminConsole) {
			c.pending = model.Pending{Deployments: []model.PendingDeployment{{RegistrationID: 1, Platform: "Demo LMS", DeploymentID: "9", CreatedAt: at}}}
		}},
		{PathAdminKeys, 1, func(c *adminConsole) { c.keys = []model.KeyInfo{{KID: "k1", State: "current", CreatedAt: at}} }},
		{PathAdminActivities, 1, func(c *adminConsole) { c.library = []model.Activity{{ID: 1, Title: "Reading"}} }},
		{PathAdminLaunches, 1, func(c *adminConsole) {
			c.launches = []model.LaunchAttempt{{ID: 1, CreatedAt: at, Platform: "Demo LMS", DeploymentID: "1"}}
		}},
		{PathAdminOutbox, 1, func(c *adminConsole) { *c = *outboxConsole() }},
	} {
		t.Run(sc.page, func(t *testing.T) {
			c := newAdminConsole(sc.page)
			c.auth, c.loaded = authReady, statusLoaded
			sc.load(c)
			boxes := scrollBoxes(render(t, c))
			if len(boxes) != sc.tables {
				t.Fatalf("%d tables, want %d", len(boxes), sc.tables)
			}
			for _, tag := range boxes {
				mustBeScrollRegion(t, tag)
			}
		})
	}
}

// mustBeScrollRegion checks the opening tag of a table's scrolling box.
func mustBeScrollRegion(tb testing.TB, tag string) {
	tb.Helper()
	mustContain(tb, tag, `class="table-scroll"`, `role="region"`, `tabindex="0"`)
	if !regexp.MustCompile(`\saria-label="[^"]*\S[^"]*"`).MatchString(tag) {
		tb.Errorf("table box without a name (aria-label): %q", tag)
	}
}
