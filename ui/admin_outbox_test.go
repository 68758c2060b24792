package ui

import (
	"regexp"
	"slices"
	"strings"
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
		{"id", "user", "platform", "course", "line_item", "score", "state", "attempts", "last_attempt", "next_attempt", "error"},
		{"1", "Sam Lee", "Riverside Moodle", "Biology 101", "Quiz 1", "—", "retrying", "2", "", "2026-03-01T09:01:35Z", "Service Unavailable"},
		{"2", "Sam Lee", "Hillside Canvas", "Chemistry 2", "Quiz 1", "—", "failed", "1", "", "", "Line item not found"},
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

// TestAdminOutbox_LastAttempt: each row shows when ltibox last tried the
// score, in the reader's local time ("never" when not tried yet): a failed
// score shows no next attempt, and after a Retry that failed again its
// attempts and words are as before, so only this time tells it was tried.
// The CSV has it in RFC 3339 UTC.
func TestAdminOutbox_LastAttempt(t *testing.T) {
	c := outboxConsole()
	tried := time.Date(2026, 3, 1, 9, 3, 7, 0, time.UTC)
	c.outbox.Items[0].Score.Delivery.NextAttemptAt = nil // only the last attempt's <time> below
	c.outbox.Items[0].Score.Delivery.State = model.DeliveryPending
	c.outbox.Items[0].Score.Delivery.Attempts = 0
	c.outbox.Items[1].Score.Delivery.LastAttemptAt = &tried
	got := render(t, c)
	mustContain(t, got, `<th scope="col">Last attempt</th>`, `<td class="last-attempt">never</td>`)
	mustShowLocal(t, got, "2 Jan 2006, 15:04:05", tried)
	rows := c.outboxRows()
	want := []string{"2", "Sam Lee", "Hillside Canvas", "Chemistry 2", "Quiz 1", "—", "failed", "1", "2026-03-01T09:03:07Z", "", "Line item not found"}
	if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, want) }) {
		t.Errorf("CSV lacks %q:\n%q", want, rows)
	}
}

// TestAdminOutbox_RetryStatusSaysWhatHappened: after Retry on one score the
// status says what the LMS answered this time, not a bare "Requeued.".
func TestAdminOutbox_RetryStatusSaysWhatHappened(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 3, 7, 0, time.UTC)
	next := at.Add(time.Minute)
	local := func(t time.Time) string { return t.Local().Format("2 Jan 2006, 15:04:05") }
	item := func(d model.Delivery) model.OutboxRetry {
		return model.OutboxRetry{Requeued: 1, Items: []model.OutboxItem{{ID: 2, Score: model.Score{Delivery: d}}}}
	}
	for _, tc := range []struct {
		name string
		in   model.OutboxRetry
		want string
	}{
		{"delivered", item(model.Delivery{State: model.DeliveryDelivered, Attempts: 1, LastAttemptAt: &at}), "Sent again at " + local(at) + ": delivered."},
		{"refused again", item(model.Delivery{State: model.DeliveryFailed, Attempts: 1, LastAttemptAt: &at, Error: "Line item not found (HTTP 404)"}),
			"Sent again at " + local(at) + "; refused again: Line item not found (HTTP 404)."},
		{"held", item(model.Delivery{State: model.DeliveryRetrying, Attempts: 1, LastAttemptAt: &at, NextAttemptAt: &next, Error: "Service Unavailable"}),
			"Sent again at " + local(at) + "; the LMS did not take it (Service Unavailable); ltibox tries again at " + local(next) + "."},
		{"no answer yet", item(model.Delivery{State: model.DeliveryPending}), outboxQueuedStatus},
		{"gone", model.OutboxRetry{}, "Nothing to send again: the score was delivered meanwhile."},
	} {
		if got := outboxRetryStatus(tc.in); got != tc.want {
			t.Errorf("%s: status %q, want %q", tc.name, got, tc.want)
		}
		if strings.Contains(outboxRetryStatus(tc.in), "Requeued") {
			t.Errorf("%s: a bare Requeued", tc.name)
		}
	}
}

// TestAdminOutbox_Empty: with nothing waiting the page says so in a sentence
// instead of a bare table header, and Retry all is disabled with the reason;
// with a failed score it is enabled.
func TestAdminOutbox_Empty(t *testing.T) {
	c := newAdminConsole(PathAdminOutbox)
	c.auth, c.loaded = authReady, statusLoaded
	c.outbox = model.OutboxStatus{Counts: map[string]int{model.DeliveryDelivered: 3}, Items: []model.OutboxItem{}}
	got := render(t, c)
	mustContain(t, got, "Nothing is waiting for the gradebook.", "Nothing to retry: no score has failed or is waiting to be tried again.")
	mustNotContain(t, got, `<table`, "Scores not delivered yet")
	mustTag(t, got, "retry-all", "disabled", `aria-describedby="retry-all-why"`)
	mustTag(t, got, "retry-all-why")

	got = render(t, outboxConsole())
	mustContain(t, got, `id="outbox"`, "Scores not delivered yet")
	mustNotContain(t, got, "Nothing is waiting for the gradebook.", "Nothing to retry", "retry-all-why")
	if tag := regexp.MustCompile(`<button [^>]*id="retry-all"[^>]*>`).FindString(got); tag == "" || regexp.MustCompile(`\sdisabled(\s|>|=)`).MatchString(tag) {
		t.Errorf("Retry all with a failed score: %q, want an enabled button", tag)
	}
}

// TestAdminLaunches_Empty: no launches yet reads as a sentence, not a bare
// table header; launches show in the table.
func TestAdminLaunches_Empty(t *testing.T) {
	c := newAdminConsole(PathAdminLaunches)
	c.auth, c.loaded = authReady, statusLoaded
	got := render(t, c)
	mustContain(t, got, "No launches yet.")
	mustNotContain(t, got, `<table`, "Launches, newest first")

	c = newAdminConsole(PathAdminLaunches)
	c.auth, c.loaded = authReady, statusLoaded
	c.launches = []model.LaunchAttempt{{ID: 1, OK: true, Platform: "Riverside Moodle", CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	got = render(t, c)
	mustContain(t, got, `id="launches"`, "Riverside Moodle")
	mustNotContain(t, got, "No launches yet.")
}

// TestAdminOutbox_FollowsOnlyWhatIsInFlight: the open outbox page keeps asking
// while a retry awaits its answer, a score waits for the worker, or one is due
// again soon — not for a score whose next attempt is hours away.
func TestAdminOutbox_FollowsOnlyWhatIsInFlight(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	soon, later := now.Add(30*time.Second), now.Add(3*time.Hour)
	item := func(d model.Delivery) model.OutboxItem {
		return model.OutboxItem{ID: 4, Score: model.Score{Delivery: d}}
	}
	for _, tc := range []struct {
		name  string
		c     adminConsole
		wants bool
	}{
		{"nothing", adminConsole{}, false},
		{"awaited retry", adminConsole{awaitRetry: 4}, true},
		{"pending behind a score retrying in hours", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{
			{ID: 3, Score: model.Score{LinkID: 1, UserID: 2, Delivery: model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &later}}},
			{ID: 4, Score: model.Score{LinkID: 1, UserID: 2, Delivery: model.Delivery{State: model.DeliveryPending}}}}}}, false},
		{"pending of another learner", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{
			{ID: 3, Score: model.Score{LinkID: 1, UserID: 2, Delivery: model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &later}}},
			{ID: 4, Score: model.Score{LinkID: 1, UserID: 5, Delivery: model.Delivery{State: model.DeliveryPending}}}}}}, true},
		{"pending item", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{item(model.Delivery{State: model.DeliveryPending})}}}, true},
		{"retrying soon", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{item(model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &soon})}}}, true},
		{"retrying in hours", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{item(model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &later})}}}, false},
		{"failed", adminConsole{outbox: model.OutboxStatus{Items: []model.OutboxItem{item(model.Delivery{State: model.DeliveryFailed})}}}, false},
	} {
		if got := tc.c.outboxInFlight(now); got != tc.wants {
			t.Errorf("%s: in flight = %v, want %v", tc.name, got, tc.wants)
		}
	}
}

// TestAdminOutbox_AwaitedRetrySettles: the status says the LMS's answer once
// the awaited score leaves "pending", and "delivered" once it leaves the list.
func TestAdminOutbox_AwaitedRetrySettles(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 3, 7, 0, time.UTC)
	local := at.Local().Format("2 Jan 2006, 15:04:05")
	withItem := func(d model.Delivery) adminConsole {
		return adminConsole{awaitRetry: 4, status: outboxQueuedStatus,
			outbox: model.OutboxStatus{Items: []model.OutboxItem{{ID: 4, Score: model.Score{Delivery: d}}}}}
	}
	for _, tc := range []struct {
		name       string
		c          adminConsole
		status     string
		stillAwait bool
	}{
		{"still pending", withItem(model.Delivery{State: model.DeliveryPending}), outboxQueuedStatus, true},
		{"refused", withItem(model.Delivery{State: model.DeliveryFailed, LastAttemptAt: &at, Error: "Line item not found (HTTP 404)"}),
			"Sent again at " + local + "; refused again: Line item not found (HTTP 404).", false},
		{"gone from the list", adminConsole{awaitRetry: 4, status: outboxQueuedStatus}, "Sent again: delivered.", false},
		{"nothing awaited", adminConsole{status: "Signed in."}, "Signed in.", false},
	} {
		tc.c.settleAwaitedRetry()
		if tc.c.status != tc.status || (tc.c.awaitRetry != 0) != tc.stillAwait {
			t.Errorf("%s: status %q awaiting %d, want %q (still awaiting: %v)", tc.name, tc.c.status, tc.c.awaitRetry, tc.status, tc.stillAwait)
		}
	}
}

func TestAdminOutbox_RetryUnanswered(t *testing.T) {
	one := func(state string) model.OutboxRetry {
		return model.OutboxRetry{Requeued: 1, Items: []model.OutboxItem{{Score: model.Score{Delivery: model.Delivery{State: state}}}}}
	}
	if !outboxRetryUnanswered(one(model.DeliveryPending)) || outboxRetryUnanswered(one(model.DeliveryRetrying)) ||
		outboxRetryUnanswered(model.OutboxRetry{}) || !outboxRetryUnanswered(model.OutboxRetry{Requeued: 1}) {
		t.Error("outboxRetryUnanswered: only a score still pending (or requeued without an answer) awaits one")
	}
}
