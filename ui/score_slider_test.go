package ui

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestScoreSlider_States(t *testing.T) {
	seven := 7.0
	next := time.Date(2026, 12, 3, 9, 15, 0, 0, time.UTC)
	score := func(state, why string) *model.Score {
		sc := &model.Score{ScoreGiven: &seven, ScoreMaximum: 10, ActivityProgress: "Completed", GradingProgress: "FullyGraded",
			Delivery: model.Delivery{State: state, Error: why}}
		if state == model.DeliveryRetrying {
			sc.Delivery.NextAttemptAt = &next
		}
		return sc
	}
	for _, tc := range []struct {
		name     string
		s        *scoreSlider
		want     []string
		unwanted []string
	}{
		{"not enabled", &scoreSlider{status: statusLoaded, view: model.GradeView{Reason: "Grades are not enabled for this link: no AGS."}},
			[]string{`role="status"`, "Grades are not enabled for this link: no AGS."}, []string{`type="range"`}},
		// A link no activity was chosen for: the AGS claim would let a score
		// through, but there is nothing to score yet. The learner reads the
		// sentence the home page and the activity page say, no slider.
		{"link not set up", &scoreSlider{status: statusLoaded, view: model.GradeView{Enabled: true, ScoreMaximum: 100, Title: "Activity 1"}, showActivity: true},
			[]string{`<h1 id="activity-title">Activity 1</h1>`, `role="status"`, model.MsgActivityNotSetUp}, []string{`type="range"`, "Submit score", "Not submitted yet"}},
		{"fresh", &scoreSlider{status: statusLoaded, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Title: "Quiz", Instructions: "<h1>Quiz</h1><p>Go.</p>"}, showActivity: true},
			[]string{`<h1 id="activity-title">Quiz</h1>`, "<h2>Quiz</h2>", `<label for="score-input">Score, from 0 to 10</label>`, `type="range"`, `min="0"`, `max="10"`, `step="1"`,
				`aria-valuetext="0 out of 10"`, `<output `, `id="score-output"`, `for="score-input"`, `Submit score`, "Not submitted yet"},
			[]string{`disabled`}},
		{"saved", &scoreSlider{status: statusLoaded, value: 7, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Score: score(model.DeliveryPending, "")}},
			[]string{`aria-valuetext="7 out of 10"`, "Saved: 7 out of 10. Sending it to the gradebook"}, nil},
		{"retrying", &scoreSlider{status: statusLoaded, value: 7, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Score: score(model.DeliveryRetrying, "HTTP 503")}},
			[]string{"ltibox will try again at", "HTTP 503", "Your score is safe"}, nil},
		// The LMS's words about platform setup are for the instructor and the
		// admin; the learner gets a plain sentence they can act on.
		{"failed", &scoreSlider{status: statusLoaded, value: 7, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Score: score(model.DeliveryFailed,
			"The LMS refused ltibox an access token: check the client ID, the tool's public key (JWKS URL) (HTTP 404): 404 page not found")}},
			[]string{"Your score (7 out of 10) is saved in ltibox. The course gradebook did not accept it yet; your instructor can see why and send it again.", "alert-error"},
			[]string{"access token", "client ID", "JWKS", "HTTP 404", "404 page not found"}},
		{"sent", &scoreSlider{status: statusLoaded, value: 7, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Score: score(model.DeliveryDelivered, "")}},
			[]string{"Sent to the gradebook: 7 out of 10."}, nil},
		{"submitting", &scoreSlider{status: statusLoaded, submitting: true, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10}},
			// aria-disabled, not disabled: a disabled button loses the keyboard
			// focus (go-app writes a "true" attribute without its value, and
			// attributes in no fixed order).
			[]string{`id="score-submit"`, ` aria-disabled`, ` aria-busy`, `>Submitting…</button>`, "Saving your score"},
			[]string{` disabled `, ` disabled>`, `disabled="false"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.s)
			mustContain(t, got, tc.want...)
			mustNotContain(t, got, tc.unwanted...)
			// The next attempt is in the learner's local time, keeping the exact instant.
			if tc.name == "retrying" {
				mustShowLocal(t, got, "2 Jan 2006, 15:04:05", next)
			} else {
				mustShowLocal(t, got, "")
			}
		})
	}
}

func TestGradingPage_RowsSearchSortReadBack(t *testing.T) {
	six, eight, three := 6.0, 8.0, 3.0
	seen := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	p := &gradingPage{status: statusLoaded, sortBy: "score", desc: true, view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 10,
		Counts: map[string]int{"delivered": 1, "failed": 1},
		Rows: []model.GradebookRow{
			{User: model.User{ID: 1, Name: "Ada Lovelace", Email: "ada@example.edu"}, LastActivity: &seen,
				Score: &model.Score{ScoreGiven: &eight, ScoreMaximum: 10, ActivityProgress: "Completed", Delivery: model.Delivery{State: "delivered"}}},
			{User: model.User{ID: 2, Name: "Bob Byron"}, LastActivity: &seen,
				Score: &model.Score{ScoreGiven: &six, ScoreMaximum: 10, ActivityProgress: "Completed", Comment: "Late", Delivery: model.Delivery{State: "failed", Error: "HTTP 401"}}},
			{User: model.User{ID: 3, Name: "Cy Young"}, LastActivity: &seen},
		}},
		readBack: map[int64]model.ReadBackRow{1: {UserID: 1, Local: &eight, Gradebook: &three, Differs: true, Note: "The gradebook has a different score."}},
	}
	got := render(t, p)
	// Last activity in the instructor's local time, keeping the exact instant.
	mustShowLocal(t, got, "2 Jan 2006, 15:04:05", seen, seen, seen)
	mustContain(t, got, "<h1>Grading: Quiz</h1>", "<caption>", `aria-sort="descending"`, `<th scope="row">`, "Ada Lovelace",
		"8 / 10", "Refused: HTTP 401", "comment: Late", `class="differs"`, "Differs: 3. The gradebook has a different score.",
		`<label for="grading-search">`, "Send all pending", "Read back from the gradebook", "Download CSV", `aria-label="Edit the score of Bob Byron"`,
		"3 learners. Scores: 1 sent to the gradebook, 0 waiting, 0 retrying, 1 refused.")
	rows := p.rows()
	if rows[0].User.ID != 1 || rows[1].User.ID != 2 {
		t.Errorf("sorted by score descending: %v, %v", rows[0].User.Name, rows[1].User.Name)
	}
	p.query = "bob"
	if rows := p.rows(); len(rows) != 1 || rows[0].User.ID != 2 {
		t.Errorf("search bob: %d rows", len(rows))
	}
	p.query = "failed"
	if rows := p.rows(); len(rows) != 1 || rows[0].User.ID != 2 {
		t.Errorf("search by status: %d rows", len(rows))
	}
	p2 := *p
	p2.Compo = app.Compo{}
	p2.editing = 2
	got = render(t, &p2)
	mustContain(t, got, "<legend>Change the score of Bob Byron</legend>", `<label for="edit-score">`, `<label for="edit-comment">`)
	mustNotContain(t, got, `disabled="false"`)
}

// TestGradingPage_RetryInLocalTime: a score waiting for another attempt says
// when, in the instructor's local time, keeping the exact instant.
func TestGradingPage_RetryInLocalTime(t *testing.T) {
	five := 5.0
	next := time.Date(2026, 12, 3, 9, 15, 0, 0, time.UTC)
	p := &gradingPage{status: statusLoaded, sortBy: "name", view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 10,
		Counts: map[string]int{"retrying": 1},
		Rows: []model.GradebookRow{{User: model.User{ID: 1, Name: "Ada Lovelace"},
			Score: &model.Score{ScoreGiven: &five, ScoreMaximum: 10, Delivery: model.Delivery{State: model.DeliveryRetrying, NextAttemptAt: &next, Error: "HTTP 503"}}}}}}
	got := render(t, p)
	mustShowLocal(t, got, "2 Jan 2006, 15:04:05", next)
	mustContain(t, got, "Retrying at", "(HTTP 503)")
}

// TestSliderStep: the step divides the maximum (full marks is reachable) and
// every whole number (5 is reachable), for whole, half and other maxima.
func TestSliderStep(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want string
	}{
		{10, "1"}, {100, "1"}, {1000, "1"}, {1, "1"},
		{7.5, "0.5"}, {2.5, "0.5"}, {1.5, "0.5"},
		{0.3, "0.01"}, {0.5, "0.01"}, {7.25, "0.01"}, {0.07, "0.01"},
		{0.333, "any"}, {0, "any"},
	} {
		got := sliderStep(tc.max)
		if got != tc.want {
			t.Errorf("sliderStep(%g) = %q, want %q", tc.max, got, tc.want)
			continue
		}
		if got == "any" {
			continue
		}
		// The range input's positions are 0, step, 2×step, …: the maximum
		// and every whole score up to it must be one of them.
		step, _ := strconv.ParseFloat(got, 64)
		for _, v := range []float64{tc.max, math.Floor(tc.max), math.Floor(tc.max / 2)} {
			if n := v / step; math.Abs(n-math.Round(n)) > 1e-9 {
				t.Errorf("max %g, step %s: %g is not a position of the slider", tc.max, got, v)
			}
		}
	}
}

// TestScoreSlider_MaximumOfTheScore: a score is told with the maximum it was
// stored and sent with. The activity's maximum changed to 20 since; the LMS
// column still says 5 out of 7.5.
func TestScoreSlider_MaximumOfTheScore(t *testing.T) {
	five := 5.0
	s := &scoreSlider{status: statusLoaded, value: 5, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 20,
		Score: &model.Score{ScoreGiven: &five, ScoreMaximum: 7.5, ActivityProgress: "Completed", GradingProgress: "FullyGraded",
			Delivery: model.Delivery{State: model.DeliveryDelivered}}}}
	got := render(t, s)
	mustContain(t, got, "Sent to the gradebook: 5 out of 7.5.", `max="20"`)
	mustNotContain(t, got, "5 out of 20.")
	for _, state := range []string{model.DeliveryPending, model.DeliveryFailed} {
		s.view.Score.Delivery.State = state
		// (the slider itself is out of 20 now: its aria-valuetext says so)
		got := render(t, &scoreSlider{status: statusLoaded, value: 5, view: s.view})
		mustContain(t, got, "5 out of 7.5")
		mustNotContain(t, got, "5 out of 20.", "5 out of 20)")
	}
}

// TestScoreSlider_FractionalMaximum: a maximum of 7.5 gives a slider whose
// positions include 7.5 and 5, and a correction field that takes any value.
func TestScoreSlider_FractionalMaximum(t *testing.T) {
	s := &scoreSlider{status: statusLoaded, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 7.5}}
	mustContain(t, render(t, s), `max="7.5"`, `step="0.5"`)
	p := &gradingPage{status: statusLoaded, sortBy: "name", editing: 1, view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 7.5,
		Rows: []model.GradebookRow{{User: model.User{ID: 1, Name: "Ada Lovelace"}}}}}
	got := render(t, p)
	mustContain(t, got, `id="edit-score"`, `max="7.5"`, `step="any"`)
	mustNotContain(t, got, `step="0.08"`)
}

// TestScoreSlider_LocalOnly: on a link placed without a gradebook column the
// learner reads, before and after submitting, that the score stays in
// ltibox; the instructor's view says so and offers no sending or reading of
// a gradebook.
func TestScoreSlider_LocalOnly(t *testing.T) {
	five := 5.0
	fresh := &scoreSlider{status: statusLoaded, view: model.GradeView{Enabled: true, LocalOnly: true, ActivityID: 1, ScoreMaximum: 10}}
	mustContain(t, render(t, fresh), "Not submitted yet", "Your score is saved in ltibox; this activity does not send scores to the course gradebook.")
	saved := &scoreSlider{status: statusLoaded, value: 5, view: model.GradeView{Enabled: true, LocalOnly: true, ActivityID: 1, ScoreMaximum: 10,
		Score: &model.Score{ScoreGiven: &five, ScoreMaximum: 10, Delivery: model.Delivery{State: model.DeliveryLocal}}}}
	got := render(t, saved)
	mustContain(t, got, "Your score (5 out of 10) is saved in ltibox. This activity does not send scores to the course gradebook.")
	mustNotContain(t, got, "Sending it", "Sent to the gradebook", "alert-error")

	p := &gradingPage{status: statusLoaded, sortBy: "name", view: model.GradingView{Enabled: true, LocalOnly: true, Title: "Quiz", ScoreMaximum: 10,
		Counts: map[string]int{model.DeliveryLocal: 1},
		Rows:   []model.GradebookRow{{User: model.User{ID: 1, Name: "Ada Lovelace"}, Score: saved.view.Score}}}}
	got = render(t, p)
	mustContain(t, got, "1 learner. "+model.MsgScoresKeptInLTIbox, "5 / 10", "Kept in ltibox (no gradebook column)", "Download CSV")
	mustNotContain(t, got, `id="send-pending"`, `id="read-back"`, "sent to the gradebook,")
	p2 := *p
	p2.Compo = app.Compo{}
	p2.editing = 1
	mustContain(t, render(t, &p2), "Comment for the learner (kept in ltibox)")
}

// TestScoreSlider_KeptScoreOnceTheLinkHasAColumn: when the LMS binds a
// column to a link whose scores were kept in ltibox, the learner reads that
// the kept score can still be sent, and the instructor's view counts it and
// says Send all pending sends it (which it now offers).
func TestScoreSlider_KeptScoreOnceTheLinkHasAColumn(t *testing.T) {
	six := 6.0
	kept := &model.Score{ScoreGiven: &six, ScoreMaximum: 10, Delivery: model.Delivery{State: model.DeliveryLocal}}
	learner := &scoreSlider{status: statusLoaded, value: 6, view: model.GradeView{Enabled: true, ActivityID: 1, ScoreMaximum: 10, Score: kept}}
	got := render(t, learner)
	mustContain(t, got, "Your score (6 out of 10) is saved in ltibox. It was given before this activity had a gradebook column; your instructor can send it there.")
	mustNotContain(t, got, "does not send scores to the course gradebook")

	p := &gradingPage{status: statusLoaded, sortBy: "name", view: model.GradingView{Enabled: true, Title: "Quiz", ScoreMaximum: 10,
		Counts: map[string]int{model.DeliveryLocal: 1},
		Rows:   []model.GradebookRow{{User: model.User{ID: 1, Name: "Ada Lovelace"}, Score: kept}}}}
	got = render(t, p)
	mustContain(t, got, "1 kept in ltibox from before the link had a gradebook column: Send all pending sends them.",
		"Kept in ltibox, not sent yet (given before the link had a gradebook column)", `id="send-pending"`)
}
