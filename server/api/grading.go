package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// instructorTarget is gradeTargetOf for instructors only.
func (s *Server) instructorTarget(c *fiber.Ctx) (*model.LaunchSession, *gradeTarget, error) {
	sess := currentSession(c)
	if sess.Role != model.RoleInstructor {
		return nil, nil, model.Errorf(model.EFORBIDDEN, "Only instructors can see and change everyone's scores.")
	}
	g, err := s.gradeTargetOf(c.UserContext(), sess)
	return sess, g, err
}

// getGrading lists every learner of the course with their latest score on the
// launch's link and its delivery state.
func (s *Server) getGrading(c *fiber.Ctx) error {
	sess, g, err := s.instructorTarget(c)
	if err != nil {
		return err
	}
	if err := s.sendKeptScores(c.UserContext(), sess, g); err != nil {
		return err
	}
	view, err := s.gradingView(c.UserContext(), sess, g)
	if err != nil {
		return err
	}
	return c.JSON(view)
}

func (s *Server) gradingView(ctx context.Context, sess *model.LaunchSession, g *gradeTarget) (*model.GradingView, error) {
	view := &model.GradingView{Enabled: g.Enabled, Reason: g.Reason, Title: g.Title, ScoreMaximum: g.Max,
		Rows: []model.GradebookRow{}, Counts: map[string]int{}, LocalOnly: g.Local}
	if g.Activity != nil {
		view.ActivityID = g.Activity.ID
	}
	if sess.Context == nil || g.Link == nil {
		return view, nil
	}
	rows, err := s.db.Gradebook(ctx, sess.Context.ID, g.Link.ID)
	if err != nil {
		return nil, err
	}
	view.Rows = rows
	for _, r := range rows {
		if r.Score != nil {
			view.Counts[r.Score.Delivery.State]++
		}
	}
	return view, nil
}

// putGradingScore is an instructor's correction: a new FullyGraded score with
// an optional comment, queued like any other.
func (s *Server) postGradingScore(c *fiber.Ctx) error {
	sess, g, err := s.instructorTarget(c)
	if err != nil {
		return err
	}
	var in model.ScoreEdit
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The score could not be read.")
	}
	if !g.Enabled {
		return model.Errorf(model.ECONFLICT, "%s", g.Reason)
	}
	ctx := c.UserContext()
	ok, err := s.db.IsLearnerOf(ctx, sess.Context.ID, in.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return model.Errorf(model.ENOTFOUND, "This person is not a learner of this course.")
	}
	if err := checkScore(in.ScoreGiven, g.Max); err != nil {
		return err
	}
	comment := strings.TrimSpace(in.Comment)
	var setBy int64
	if sess.User != nil {
		setBy = sess.User.ID
	}
	var activityID int64
	if g.Activity != nil {
		activityID = g.Activity.ID
	}
	sc, err := s.db.CreateScore(ctx, &model.NewScore{RegistrationID: sess.RegistrationID, LinkID: g.Link.ID, UserID: in.UserID,
		ActivityID: activityID, ScoreGiven: in.ScoreGiven, ScoreMaximum: g.Max, ActivityProgress: lti.ProgressCompleted,
		GradingProgress: lti.GradingFullyGraded, Comment: comment, SetBy: setBy, Target: g.Target, LocalOnly: g.Local})
	if err != nil {
		return err
	}
	s.notifyOutbox()
	return c.Status(fiber.StatusCreated).JSON(sc)
}

// postGradingSend queues every undelivered score of the link for sending now,
// including failed ones (after the configuration was fixed).
func (s *Server) postGradingSend(c *fiber.Ctx) error {
	sess, g, err := s.instructorTarget(c)
	if err != nil {
		return err
	}
	if !g.Enabled {
		return model.Errorf(model.ECONFLICT, "%s", g.Reason)
	}
	if g.Local {
		return model.Errorf(model.ECONFLICT, "%s", model.MsgScoresKeptInLTIbox)
	}
	// Scores kept in ltibox while the link had no gradebook column go now
	// that it has one (the latest of each learner).
	if err := s.sendKeptScores(c.UserContext(), sess, g); err != nil {
		return err
	}
	// n counts the local scores just queued too: they are pending.
	n, err := s.db.RequeueOutbox(c.UserContext(), sqlite.OutboxFilter{LinkID: g.Link.ID})
	if err != nil {
		return err
	}
	// A person asks again, presumably after fixing the LMS settings: forget
	// remembered token refusals so the next attempt really asks the LMS.
	s.tool.ForgetTokens()
	s.notifyOutbox()
	return c.JSON(model.Requeued{Count: n})
}

// postGradingReadBack reads the line item's results from the LMS and compares
// them with ltibox's latest graded scores.
func (s *Server) postGradingReadBack(c *fiber.Ctx) error {
	sess, g, err := s.instructorTarget(c)
	if err != nil {
		return err
	}
	if !g.Enabled {
		return model.Errorf(model.ECONFLICT, "%s", g.Reason)
	}
	if g.Local {
		return model.Errorf(model.ECONFLICT, "%s", model.MsgScoresKeptInLTIbox)
	}
	ctx := c.UserContext()
	lineItem := g.Target.LineItem
	if stored, err := s.db.LinkLineItem(ctx, g.Link.ID); err == nil && stored != "" {
		lineItem = stored
	}
	if lineItem == "" {
		return model.Errorf(model.ECONFLICT, "Nothing has been sent to the gradebook for this link yet, so there is nothing to read back.")
	}
	ags := lti.NewAGS(s.tool, g.Reg, g.Target.Scopes)
	if !ags.Can(lti.ScopeResultReadOnly) {
		return model.Errorf(model.ECONFLICT, "The LMS does not let ltibox read the gradebook (the result permission is missing).")
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	results, err := ags.Results(rctx, lineItem, "")
	if err != nil {
		return agsError("reading the gradebook", err)
	}
	rows, err := s.db.Gradebook(ctx, sess.Context.ID, g.Link.ID)
	if err != nil {
		return err
	}
	return c.JSON(compareResults(rows, results, lineItem, g.Max))
}

// compareResults lines up ltibox's scores and the LMS results per learner.
// Results are rescaled to ltibox's maximum (platforms rescale to theirs).
func compareResults(rows []model.GradebookRow, results []lti.Result, lineItem string, maxScore float64) model.ReadBack {
	out := model.ReadBack{LineItemURL: lineItem, ScoreMaximum: maxScore, Rows: []model.ReadBackRow{}}
	bySubject := map[string]lti.Result{}
	for _, r := range results {
		bySubject[r.UserID] = r
	}
	seen := map[string]bool{}
	for _, row := range rows {
		rb := model.ReadBackRow{UserID: row.User.ID, Subject: row.User.Subject, Name: row.User.DisplayName()}
		rowMax := maxScore // the learner's score was given out of its own maximum (the activity's may have changed since)
		if sc := row.Score; sc != nil && sc.ScoreGiven != nil && sc.GradingProgress == lti.GradingFullyGraded {
			v := *sc.ScoreGiven
			rb.Local = &v
			if sc.ScoreMaximum > 0 {
				rowMax = sc.ScoreMaximum
			}
		}
		if r, ok := bySubject[row.User.Subject]; ok {
			seen[row.User.Subject] = true
			rb.Gradebook = scaled(r, rowMax)
		}
		switch {
		case rb.Local == nil && rb.Gradebook == nil:
		case rb.Local == nil:
			rb.Differs, rb.Note = true, "In the gradebook, not in ltibox."
		case rb.Gradebook == nil:
			rb.Differs, rb.Note = true, "Not in the gradebook yet."
		case math.Abs(*rb.Local-*rb.Gradebook) > rowMax*1e-6:
			rb.Differs, rb.Note = true, "The gradebook has a different score."
		}
		out.Rows = append(out.Rows, rb)
	}
	for _, r := range results {
		if seen[r.UserID] {
			continue
		}
		out.Rows = append(out.Rows, model.ReadBackRow{Subject: r.UserID, Name: r.UserID, Gradebook: scaled(r, maxScore),
			Differs: true, Note: "In the gradebook, but this learner has not opened ltibox."})
	}
	for _, r := range out.Rows {
		if r.Differs {
			out.Differences++
		}
	}
	return out
}

func scaled(r lti.Result, maxScore float64) *float64 {
	if r.ResultScore == nil {
		return nil
	}
	v := *r.ResultScore
	if r.ResultMaximum > 0 {
		v = v * maxScore / r.ResultMaximum
	}
	v = math.Round(v*1e6) / 1e6
	return &v
}

// getGradingExport downloads the grading view as CSV.
func (s *Server) getGradingExport(c *fiber.Ctx) error {
	sess, g, err := s.instructorTarget(c)
	if err != nil {
		return err
	}
	view, err := s.gradingView(c.UserContext(), sess, g)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"Name", "Email", "LMS user ID", "Score", "Maximum", "Activity progress", "Grading progress", "Delivery", "Delivery detail", "Comment", "Last activity"})
	for _, r := range view.Rows {
		rec := []string{cell(r.User.DisplayName()), cell(r.User.Email), cell(r.User.Subject), "", strconv.FormatFloat(view.ScoreMaximum, 'f', -1, 64), "", "", "not started", "", "", ""}
		if sc := r.Score; sc != nil {
			if sc.ScoreGiven != nil {
				rec[3] = strconv.FormatFloat(*sc.ScoreGiven, 'f', -1, 64)
			}
			if sc.ScoreMaximum > 0 { // the maximum this score was given out of
				rec[4] = strconv.FormatFloat(sc.ScoreMaximum, 'f', -1, 64)
			}
			rec[5], rec[6], rec[7], rec[8], rec[9] = sc.ActivityProgress, sc.GradingProgress, sc.Delivery.State, cell(sc.Delivery.Error), cell(sc.Comment)
		}
		if r.LastActivity != nil {
			rec[10] = r.LastActivity.UTC().Format(time.RFC3339)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	name := "grades.csv"
	if g.Link != nil {
		name = "grades-" + strconv.FormatInt(g.Link.ID, 10) + ".csv"
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

// cell defuses spreadsheet formulas in text a person or an LMS supplied.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
