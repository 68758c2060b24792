package ui

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// scoreSlider is the learner's score control for a graded activity: a
// labelled, keyboard-operable range input from 0 to the activity maximum with
// its value spoken (aria-valuetext) and shown (<output>), a Submit button, and
// a status line (role=status) that follows the score to the gradebook: saved,
// sent, retrying (with when) or failed (with why). It loads and submits by
// itself with the launch token, so any page can host it.
type scoreSlider struct {
	app.Compo

	status     loadStatus
	loadErr    string
	view       model.GradeView
	value      float64
	touched    bool // the learner moved the slider since the last load
	submitting bool
	submitErr  string
	polling    bool
	gen        int // bumped on submit: loads started before it are stale

	showActivity bool        // also render the activity title and instructions (pages without their own)
	mctx         app.Context // the component's own context, for background reloads
}

func newScoreSlider() *scoreSlider { return &scoreSlider{status: statusLoading} }

// ShowActivity makes the slider render the activity's title (as the page
// heading) and instructions above itself.
func (s *scoreSlider) ShowActivity(v bool) *scoreSlider {
	s.showActivity = v
	return s
}

func (s *scoreSlider) OnMount(ctx app.Context) {
	s.mctx = ctx
	s.load(ctx, true)
}

// load fetches the grading state; on the first load of a graded activity it
// reports InProgress (the server ignores it once the learner has a score).
func (s *scoreSlider) load(_ app.Context, first bool) {
	ctx := s.mctx
	tok := sessionToken(ctx)
	if tok == "" {
		s.status, s.loadErr = statusFailed, msgNoSession
		return
	}
	gen := s.gen
	ctx.Async(func() {
		c := newClient(tok)
		v, err := c.Grade(ctx)
		if err == nil && first && v.Enabled && v.ActivityID != 0 && v.Score == nil {
			if _, perr := c.SubmitScore(ctx, model.ScoreSubmission{ActivityID: v.ActivityID, ActivityProgress: "InProgress"}); perr == nil {
				v, err = c.Grade(ctx)
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			if gen != s.gen { // a submit happened meanwhile: this answer predates it
				s.pollWhileInFlight(ctx)
				return
			}
			if err != nil {
				s.status, s.loadErr = statusFailed, model.ErrorMessage(err)
				return
			}
			s.status, s.view = statusLoaded, v
			if !s.touched {
				s.value = 0
				if v.Score != nil && v.Score.ScoreGiven != nil {
					s.value = *v.Score.ScoreGiven
				}
			}
			s.pollWhileInFlight(ctx)
		})
	})
}

// pollWhileInFlight refreshes the status while the latest score is on its way.
func (s *scoreSlider) pollWhileInFlight(app.Context) {
	ctx := s.mctx
	sc := s.view.Score
	if s.polling || sc == nil || (sc.Delivery.State != model.DeliveryPending && sc.Delivery.State != model.DeliveryRetrying) {
		return
	}
	s.polling = true
	ctx.Async(func() {
		time.Sleep(time.Second)
		ctx.Dispatch(func(ctx app.Context) {
			s.polling = false
			s.load(ctx, false)
		})
	})
}

func (s *scoreSlider) onInput(ctx app.Context, e app.Event) {
	v, err := strconv.ParseFloat(ctx.JSSrc().Get("value").String(), 64)
	if err != nil {
		return
	}
	s.value, s.touched = v, true
}

func (s *scoreSlider) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.submitting {
		return
	}
	tok := sessionToken(ctx)
	v := s.value
	in := model.ScoreSubmission{ActivityID: s.view.ActivityID, ScoreGiven: &v, ActivityProgress: "Completed"}
	s.submitting, s.submitErr = true, ""
	s.gen++
	ctx.Async(func() {
		sc, err := newClient(tok).SubmitScore(ctx, in)
		ctx.Dispatch(func(ctx app.Context) {
			s.submitting = false
			s.gen++ // answers to loads started during the submit are stale too
			if err != nil {
				s.submitErr = model.ErrorMessage(err)
				return
			}
			s.touched = false
			s.view.Score = &sc
			s.pollWhileInFlight(ctx)
		})
	})
}

func (s *scoreSlider) Render() app.UI {
	var body []app.UI
	if s.showActivity {
		title := "Your activity"
		if s.status == statusLoaded && s.view.Title != "" {
			title = s.view.Title
		}
		body = append(body, app.H1().ID("activity-title").Text(title))
		if s.view.Instructions != "" {
			body = append(body, app.Article().ID("activity-instructions").Body(instructionsUI(model.Activity{InstructionsHTML: s.view.Instructions}, 2)))
		}
	}
	body = append(body, app.H2().ID("score-heading").Text("Your score"))
	switch {
	case s.status == statusLoading:
		body = append(body, app.P().ID("score-status").Class("status").Role("status").Aria("live", "polite").Text("Loading your score…"))
	case s.status == statusFailed:
		body = append(body, app.P().ID("score-status").Class("status alert alert-error").Role("status").Aria("live", "polite").Text(s.loadErr))
	case !s.view.Enabled:
		body = append(body, app.P().ID("score-status").Class("status alert").Role("status").Aria("live", "polite").Text(s.view.Reason))
	case s.view.ActivityID == 0:
		// A link no activity was chosen for (GET /api/v1/activity answers
		// setUp false for the same links): nothing to score yet. The home
		// page says the same and offers no way here.
		body = append(body, app.P().ID("score-status").Class("status alert").Role("status").Aria("live", "polite").Text(model.MsgActivityNotSetUp))
	default:
		body = append(body, s.renderForm(), app.P().ID("score-status").Class(s.statusClass()).Role("status").Aria("live", "polite").Body(s.statusLine()...))
	}
	return app.Section().Class("score-slider").Aria("labelledby", "score-heading").DataSet("status", s.status.String()).Body(body...)
}

func (s *scoreSlider) renderForm() app.UI {
	maxScore := s.view.ScoreMaximum
	input := app.Input().Type("range").ID("score-input").Name("score").
		Min(0).Max(formatMaximum(maxScore)).Attr("step", sliderStep(maxScore)).Value(formatScore(s.value)).
		Aria("valuetext", fmt.Sprintf("%s out of %s", formatScore(s.value), formatScore(maxScore))).
		OnInput(s.onInput)
	button := app.Button().Type("submit").ID("score-submit").Text("Submit score")
	if s.submitting {
		// aria-disabled, not disabled: Chromium moves the focus of a button
		// that becomes disabled to <body>, throwing a keyboard user back to
		// the top of the page. onSubmit ignores presses while sending.
		button = button.Aria("disabled", "true").Aria("busy", "true").Text("Submitting…")
	}
	return app.Form().ID("score-form").OnSubmit(s.onSubmit).Body(
		app.Label().For("score-input").Text(fmt.Sprintf("Score, from 0 to %s", formatScore(maxScore))),
		app.Div().Class("slider-row").Body(
			input,
			app.Output().ID("score-output").For("score-input").Name("score-output").Text(formatScore(s.value)),
			app.Span().Aria("hidden", "true").Text(" / "+formatScore(maxScore)),
		),
		button,
	)
}

func (s *scoreSlider) statusClass() string {
	if s.submitErr != "" {
		return "status alert alert-error"
	}
	if sc := s.view.Score; sc != nil && sc.Delivery.State == model.DeliveryFailed {
		return "status alert alert-error"
	}
	return "status"
}

// statusLine says where the latest score is, in words (times in a <time>
// element, in the learner's local time).
func (s *scoreSlider) statusLine() []app.UI {
	if s.submitErr != "" {
		return []app.UI{app.Text("Your score was not saved: " + s.submitErr)}
	}
	if s.submitting {
		return []app.UI{app.Text("Saving your score…")}
	}
	if s.view.LocalOnly && (s.view.Score == nil || s.view.Score.ScoreGiven == nil) {
		return []app.UI{app.Text("Not submitted yet. Move the slider, then press Submit score. Your score is saved in ltibox; this activity does not send scores to the course gradebook.")}
	}
	if sc := s.view.Score; !s.view.LocalOnly && sc != nil && sc.ScoreGiven != nil && sc.Delivery.State == model.DeliveryLocal {
		// Given while the link had no gradebook column; it has one now.
		return []app.UI{app.Text("Your score (" + formatScore(*sc.ScoreGiven) + " out of " + formatScore(sc.ScoreMaximum) +
			") is saved in ltibox. It was given before this activity had a gradebook column; your instructor can send it there.")}
	}
	return delivery(s.view.Score, s.view.ScoreMaximum)
}

// delivery describes a score's way to the gradebook for people. A score is
// told with the maximum it was stored and sent with, not the activity's
// maximum of today (an edited maximum does not change what the gradebook
// received); maxScore only stands in for a score stored without one.
func delivery(sc *model.Score, maxScore float64) []app.UI {
	if sc == nil || sc.ScoreGiven == nil {
		return []app.UI{app.Text("Not submitted yet. Move the slider, then press Submit score.")}
	}
	if sc.ScoreMaximum > 0 {
		maxScore = sc.ScoreMaximum
	}
	what := formatScore(*sc.ScoreGiven) + " out of " + formatScore(maxScore)
	d := sc.Delivery
	switch d.State {
	case model.DeliveryPending:
		return []app.UI{app.Text("Saved: " + what + ". Sending it to the gradebook…")}
	case model.DeliveryRetrying:
		saved := "Saved: " + what + ". The gradebook is not answering (" + d.Error + "); ltibox will try again "
		if d.NextAttemptAt == nil {
			return []app.UI{app.Text(saved + "shortly. Your score is safe.")}
		}
		return []app.UI{app.Text(saved + "at "), localTime(*d.NextAttemptAt), app.Text(". Your score is safe.")}
	case model.DeliveryFailed:
		// The LMS's words are about the platform's setup (client ID, keys),
		// which a learner cannot act on: the grading view and the console
		// show them; the learner hears what it means for them.
		return []app.UI{app.Text("Your score (" + what + ") is saved in ltibox. The course gradebook did not accept it yet; your instructor can see why and send it again.")}
	case model.DeliveryDelivered:
		return []app.UI{app.Text("Sent to the gradebook: " + what + ".")}
	case model.DeliveryLocal:
		return []app.UI{app.Text("Your score (" + what + ") is saved in ltibox. This activity does not send scores to the course gradebook.")}
	}
	return []app.UI{app.Text("Saved: " + what + ".")}
}

// sliderStep is the learner slider's step attribute. The step must divide the
// maximum, or full marks is out of reach (a range input snaps to min + n×step),
// and divide every whole number, or a score of 5 snaps to 5.04. So:
//   - a whole maximum (1 or more): 1, every whole score;
//   - a maximum ending in .5 (1.5 or more): 0.5, whole and half scores;
//   - any other maximum with at most two decimals (0.3, 7.25): 0.01, the
//     precision scores are shown with;
//   - anything finer: "any" (the server checks 0 ≤ score ≤ maximum).
//
// 0.5 and 0.01 divide every whole number, so both keep whole scores reachable.
// Below 1 the coarser steps would leave one or two positions, hence 0.01.
func sliderStep(maxScore float64) string {
	switch {
	case !(maxScore > 0) || math.IsInf(maxScore, 0):
		return "any"
	case maxScore >= 1 && isWhole(maxScore):
		return "1"
	case maxScore >= 1 && isWhole(2*maxScore):
		return "0.5"
	case isWhole(100 * maxScore):
		return "0.01"
	}
	return "any"
}

// isWhole reports whether v is a whole number, forgiving the binary rounding
// of decimal fractions (100 × 0.3 is 30.000000000000004).
func isWhole(v float64) bool { return math.Abs(v-math.Round(v)) < 1e-9*math.Max(1, math.Abs(v)) }

func formatScore(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

// formatMaximum is the max attribute of a score field: the maximum as it is
// (rounding 0.333 to 0.33 would put full marks out of reach).
func formatMaximum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
