package ui

import (
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestGradingPage_ProgressInWords: the Progress column reads the AGS
// activityProgress and gradingProgress values as words, never "InProgress".
func TestGradingPage_ProgressInWords(t *testing.T) {
	for _, c := range []struct{ activity, grading, want string }{
		{"Initialized", "NotReady", "Not started"},
		{"Started", "NotReady", "Started"},
		{"InProgress", "NotReady", "In progress"},
		{"Submitted", "Pending", "Submitted, grading pending"},
		{"Submitted", "PendingManual", "Submitted, pending manual grading"},
		{"Completed", "FullyGraded", "Completed"},
		{"Completed", "Failed", "Completed, grading failed"},
		{"", "PendingManual", "Pending manual grading"},
		{"", "", "—"},
		{"SomethingNew", "", "SomethingNew"}, // a value ltibox does not know is shown as it is
	} {
		if got := progressText(c.activity, c.grading); got != c.want {
			t.Errorf("progressText(%q, %q) = %q, want %q", c.activity, c.grading, got, c.want)
		}
	}
	seven := 7.0
	p := &gradingPage{status: statusLoaded, sortBy: "name", view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 10,
		Counts: map[string]int{"delivered": 2},
		Rows: []model.GradebookRow{
			{User: model.User{ID: 1, Name: "Ada Lovelace"}, Score: &model.Score{ScoreMaximum: 10, ActivityProgress: "InProgress", GradingProgress: "NotReady",
				Delivery: model.Delivery{State: "delivered"}}},
			{User: model.User{ID: 2, Name: "Bob Byron"}, Score: &model.Score{ScoreGiven: &seven, ScoreMaximum: 10, ActivityProgress: "Submitted",
				GradingProgress: "PendingManual", Comment: "Late", Delivery: model.Delivery{State: "delivered"}}},
			{User: model.User{ID: 3, Name: "Cy Young"}},
		}},
	}
	got := render(t, p)
	mustContain(t, got, "<td>In progress</td>", "<td>Submitted, pending manual grading — comment: Late</td>", "<td>Not started</td>")
	mustNotContain(t, got, "InProgress", "PendingManual")
}

// TestGradingPage_SendPendingMessage: Send all pending counts in proper
// English, and says when nothing was waiting rather than "0 score(s)".
func TestGradingPage_SendPendingMessage(t *testing.T) {
	for n, want := range map[int]string{
		0: "Nothing was waiting to be sent.",
		1: "1 score queued for the gradebook. Its status updates below.",
		2: "2 scores queued for the gradebook. Their status updates below.",
	} {
		if got := sentPendingMessage(n); got != want {
			t.Errorf("sentPendingMessage(%d) = %q, want %q", n, got, want)
		}
	}
}
