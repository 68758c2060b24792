package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// outboxConsole is the Grade outbox page with two held scores of one
// learner name in two schools' LMSs.
func outboxConsole() *adminConsole {
	next := time.Date(2026, 3, 1, 9, 1, 35, 0, time.UTC)
	c := newAdminConsole(PathAdminOutbox)
	c.auth, c.loaded = authReady, statusLoaded
	c.outbox = model.OutboxStatus{Items: []model.OutboxItem{
		{ID: 1, Subject: "s1", UserName: "Sam Lee", PlatformName: "Riverside Moodle", CourseTitle: "Biology 101",
			Target: model.ScoreTarget{Label: "Quiz 1"}, Score: model.Score{ScoreMaximum: 10,
				Delivery: model.Delivery{State: model.DeliveryRetrying, Attempts: 2, NextAttemptAt: &next, Error: "Service Unavailable"}}},
		{ID: 2, Subject: "s2", UserName: "Sam Lee", PlatformName: "Hillside Canvas", CourseTitle: "Chemistry 2",
			Target: model.ScoreTarget{Label: "Quiz 1"}, Score: model.Score{ScoreMaximum: 10,
				Delivery: model.Delivery{State: model.DeliveryFailed, Attempts: 1, Error: "Line item not found"}}},
	}}
	return c
}

// TestAdminOutbox_CourseAndPlatform: each held score names its course and
// its LMS, so two scores of the same learner name and activity can be told
// apart; search finds them by either, and the CSV export has both (and the
// next attempt, in UTC).
func TestAdminOutbox_CourseAndPlatform(t *testing.T) {
	c := outboxConsole()
	got := render(t, c)
	mustContain(t, got, `<th scope="col">Platform</th>`, `<th scope="col">Course</th>`,
		"Riverside Moodle", "Biology 101", "Hillside Canvas", "Chemistry 2")

	for _, sc := range []struct{ filter, want, gone string }{
		{"biology", "Riverside Moodle", "Hillside Canvas"},
		{"hillside", "Chemistry 2", "Biology 101"},
	} {
		c := outboxConsole()
		c.filter = sc.filter
		got := render(t, c)
		mustContain(t, got, sc.want)
		mustNotContain(t, got, sc.gone)
	}

	rows := c.outboxRows()
	for _, want := range [][]string{
		{"id", "user", "platform", "course", "line_item", "score", "state", "attempts", "next_attempt", "error"},
		{"1", "Sam Lee", "Riverside Moodle", "Biology 101", "Quiz 1", "—", "retrying", "2", "2026-03-01T09:01:35Z", "Service Unavailable"},
		{"2", "Sam Lee", "Hillside Canvas", "Chemistry 2", "Quiz 1", "—", "failed", "1", "", "Line item not found"},
	} {
		if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, want) }) {
			t.Errorf("CSV lacks %q:\n%q", want, rows)
		}
	}
}

// TestAdminOutbox_RetryNamesWhoseScore: each Retry button says whose score it
// sends, for which activity and where, not an outbox number: a screen
// reader's list of buttons tells the two Sam Lees apart. Parts an item lacks
// are left out.
func TestAdminOutbox_RetryNamesWhoseScore(t *testing.T) {
	got := render(t, outboxConsole())
	for _, name := range []string{
		"Retry score of Sam Lee for Quiz 1 in Biology 101 (Riverside Moodle)",
		"Retry score of Sam Lee for Quiz 1 in Chemistry 2 (Hillside Canvas)",
	} {
		if !hasTag(got, "button", `aria-label="`+name+`"`, `type="button"`) {
			t.Errorf("no Retry button named %q:\n%s", name, got)
		}
	}
	mustNotContain(t, got, `aria-label="Retry score 1"`, `aria-label="Retry score 2"`)
	if got := outboxRetryLabel(model.OutboxItem{Subject: "s9"}); got != "Retry score of s9" {
		t.Errorf("label of a bare item = %q", got)
	}
}
