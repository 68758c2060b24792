package api

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// OutboxNotifier wakes the score delivery worker (server/outbox) after a score
// is queued. Without one, the worker still finds the score on its next poll.
type OutboxNotifier interface{ Notify() }

// gradeState is the grading part of Server.
type gradeState struct {
	outbox OutboxNotifier
	maxima sync.Map // link row id -> float64: scoreMaximum read from the platform line item
}

// SetOutbox connects the delivery worker (serve.go does it at start).
func (s *Server) SetOutbox(n OutboxNotifier) { s.grades.outbox = n }

func (s *Server) notifyOutbox() {
	if s.grades.outbox != nil {
		s.grades.outbox.Notify()
	}
}

// defaultScoreMaximum is the maximum of a link that has no ltibox activity and
// whose platform line item cannot be read. Platforms rescale scoreGiven /
// scoreMaximum to their own column maximum, so the gradebook stays right.
const defaultScoreMaximum = 100

// gradeTarget is what grading means for one launch: the link, its activity and
// where its scores go. When Enabled is false, Reason says why in plain words.
type gradeTarget struct {
	Enabled  bool
	Reason   string
	Reg      *lti.Registration
	Link     *model.ResourceLink
	Activity *model.Activity // nil: the link has no ltibox activity yet
	Title    string
	Max      float64
	Target   model.ScoreTarget
	// Local: scores are kept in ltibox and not sent (the link was placed
	// without a gradebook column and the LMS bound none). Enabled is true.
	Local bool
}

// Plain-words reasons for a link without grades.
const (
	reasonNoLink     = "Grades are not enabled for this link: it was not opened from a course activity, so there is no gradebook column."
	reasonNoAGS      = "Grades are not enabled for this link: the LMS did not turn on the grade service (AGS) for this launch. An instructor or LMS administrator can enable grades for ltibox in the LMS tool settings."
	reasonNoScope    = "Grades are not enabled for this link: the LMS does not let ltibox send scores (the score permission is missing). An LMS administrator can grant it in the tool settings."
	reasonNoLineItem = "Grades are not enabled for this link: the LMS gave it no gradebook column and does not let ltibox create one. Make the activity accept grades in the LMS."
	reasonUngraded   = "This activity is not graded."
)

// gradeTargetOf resolves "the activity of this launch": the resource link
// mapping (ResourceLinkOf(...).ActivityID) decides the activity and its
// maximum. A link with no mapping yet is graded when the launch carries AGS
// with a line item (or the right to create one); its maximum is the platform
// line item's scoreMaximum when ltibox may read it, else 100.
func (s *Server) gradeTargetOf(ctx context.Context, sess *model.LaunchSession) (*gradeTarget, error) {
	g := &gradeTarget{Title: sess.LinkTitle}
	if sess.Context == nil || sess.ResourceLinkID == "" {
		g.Reason = reasonNoLink
		return g, nil
	}
	reg, err := s.db.Registration(ctx, sess.RegistrationID)
	if err != nil {
		return nil, err
	}
	g.Reg = reg
	link, err := s.db.ResourceLinkOf(ctx, sess.RegistrationID, sess.DeploymentID, sess.ResourceLinkID)
	if model.ErrorCode(err) == model.ENOTFOUND {
		link = &model.ResourceLink{RegistrationID: sess.RegistrationID, DeploymentID: sess.DeploymentID,
			ContextID: sess.Context.ID, ResourceLinkID: sess.ResourceLinkID, Title: sess.LinkTitle}
		err = s.db.UpsertResourceLink(ctx, link)
	}
	if err != nil {
		return nil, err
	}
	g.Link = link
	if link.ActivityID != 0 {
		a, err := s.db.Activity(ctx, link.ActivityID)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return nil, err
		}
		if a != nil {
			g.Activity, g.Title = a, a.Title
			if !a.Graded {
				g.Reason = reasonUngraded
				return g, nil
			}
			g.Max = a.ScoreMaximum
		}
	}
	if g.Title == "" {
		g.Title = "Activity"
	}
	ags := sess.Claims.AGS
	if localOnly(sess, link) {
		// The instructor's choice holds: no column is created, whatever the
		// LMS would allow; scores stay in ltibox.
		if g.Max == 0 {
			g.Max = defaultScoreMaximum
		}
		g.Enabled, g.Local = true, true
		return g, nil
	}
	switch {
	case ags == nil:
		g.Reason = reasonNoAGS
		return g, nil
	case !lti.HasScope(ags.Scope, lti.ScopeScore):
		g.Reason = reasonNoScope
		return g, nil
	case ags.LineItem == "" && link.LineItemURL == "" && (ags.LineItems == "" || !lti.HasScope(ags.Scope, lti.ScopeLineItem)):
		g.Reason = reasonNoLineItem
		return g, nil
	}
	if g.Max == 0 {
		g.Max = s.platformMaximum(ctx, reg, sess, link)
	}
	g.Enabled = true
	g.Target = model.ScoreTarget{LineItem: ags.LineItem, LineItems: ags.LineItems, Scopes: ags.Scope,
		ResourceLinkID: sess.ResourceLinkID, Label: g.Title, ScoreMaximum: g.Max}
	if g.Activity != nil {
		g.Target.ResourceID, g.Target.Tag = strconv.FormatInt(g.Activity.ID, 10), g.Activity.Tag
	} else {
		g.Target.ResourceID = "link:" + sess.ResourceLinkID
	}
	return g, nil
}

// localOnly reports whether a link's scores stay in ltibox: it was placed by
// deep linking without a gradebook column (custom.gradebook=none) and no
// column is bound to it (neither in this launch's lineitem claim nor stored
// from an earlier launch). A column the LMS binds anyway gets the scores.
func localOnly(sess *model.LaunchSession, link *model.ResourceLink) bool {
	if strings.TrimSpace(sess.Claims.Custom[customGradebook]) != gradebookNone || link.LineItemURL != "" {
		return false
	}
	return sess.Claims.AGS == nil || sess.Claims.AGS.LineItem == ""
}

// platformMaximum reads the scoreMaximum of the link's platform line item once
// (then from memory), or falls back to defaultScoreMaximum.
func (s *Server) platformMaximum(ctx context.Context, reg *lti.Registration, sess *model.LaunchSession, link *model.ResourceLink) float64 {
	if v, ok := s.grades.maxima.Load(link.ID); ok {
		return v.(float64)
	}
	u := sess.Claims.AGS.LineItem
	if u == "" {
		u = link.LineItemURL
	}
	ags := lti.NewAGS(s.tool, reg, sess.Claims.AGS.Scope)
	if u == "" || !(ags.Can(lti.ScopeLineItem) || ags.Can(lti.ScopeLineItemReadOnly)) {
		return defaultScoreMaximum
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	li, err := ags.LineItem(rctx, u)
	if err != nil || !(li.ScoreMaximum > 0) {
		s.log.Warn("grades: platform line item maximum unavailable, using the default", "link", link.ID, "err", err)
		return defaultScoreMaximum
	}
	s.grades.maxima.Store(link.ID, li.ScoreMaximum)
	return li.ScoreMaximum
}

// getGrade returns the learner's view: is grading on, the maximum, and the
// state of their latest score.
func (s *Server) getGrade(c *fiber.Ctx) error {
	sess := currentSession(c)
	g, err := s.gradeTargetOf(c.UserContext(), sess)
	if err != nil {
		return err
	}
	view := model.GradeView{Enabled: g.Enabled, Reason: g.Reason, Title: g.Title, ScoreMaximum: g.Max, LocalOnly: g.Local}
	if g.Activity != nil {
		view.ActivityID = g.Activity.ID
		if view.Instructions, err = renderInstructions(g.Activity.Instructions); err != nil {
			return err
		}
	}
	if err := s.sendKeptScores(c.UserContext(), sess, g); err != nil {
		return err
	}
	if g.Enabled && sess.User != nil {
		sc, err := s.db.LatestScore(c.UserContext(), g.Link.ID, sess.User.ID)
		if err == nil {
			view.Score = sc
		} else if model.ErrorCode(err) != model.ENOTFOUND {
			return err
		}
	}
	return c.JSON(view)
}

// sendKeptScores queues the link's kept scores (each learner's latest) when
// the link was placed without a gradebook column and now has one (the LMS
// bound it later): the first learner or instructor to open the activity
// sends them, before any view is built; other links pay nothing, and no
// launch pays for the check.
func (s *Server) sendKeptScores(ctx context.Context, sess *model.LaunchSession, g *gradeTarget) error {
	if !g.Enabled || g.Local || g.Link == nil || strings.TrimSpace(sess.Claims.Custom[customGradebook]) != gradebookNone {
		return nil
	}
	n, err := s.db.QueueLocalScores(ctx, sess.RegistrationID, g.Link.ID, g.Target)
	if n > 0 {
		s.notifyOutbox()
	}
	return err
}

// postGrade saves the learner's own score for the activity of their launch,
// then queues it for the gradebook. "InProgress" (opening the activity) is
// reported only while the learner has no score, so it never hides a grade.
func (s *Server) postGrade(c *fiber.Ctx) error {
	sess := currentSession(c)
	var in model.ScoreSubmission
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The score could not be read. Reload the page and try again.")
	}
	if sess.Role != model.RoleLearner {
		return model.Errorf(model.EFORBIDDEN, "Only learners submit their own score here. Instructors change scores in the grading view.")
	}
	if sess.User == nil {
		return model.Errorf(model.EFORBIDDEN, "This launch is anonymous, so a score cannot be recorded for you.")
	}
	if in.UserID != 0 && in.UserID != sess.User.ID {
		return model.Errorf(model.EFORBIDDEN, "You can only submit your own score.")
	}
	ctx := c.UserContext()
	g, err := s.gradeTargetOf(ctx, sess)
	if err != nil {
		return err
	}
	activityID := int64(0)
	if g.Activity != nil {
		activityID = g.Activity.ID
	}
	if in.ActivityID != activityID {
		return model.Errorf(model.EFORBIDDEN, "You can only submit a score for the activity you opened from your course.")
	}
	if !g.Enabled {
		return model.Errorf(model.ECONFLICT, "%s", g.Reason)
	}
	ns := &model.NewScore{RegistrationID: sess.RegistrationID, LinkID: g.Link.ID, UserID: sess.User.ID, ActivityID: activityID,
		ScoreMaximum: g.Max, Target: g.Target, LocalOnly: g.Local}
	switch in.ActivityProgress {
	case lti.ProgressInProgress:
		if in.ScoreGiven != nil {
			return model.Errorf(model.EINVALID, "An activity in progress has no score yet.")
		}
		if sc, err := s.db.LatestScore(ctx, g.Link.ID, sess.User.ID); err == nil {
			return c.JSON(sc) // already started or graded: nothing to report
		} else if model.ErrorCode(err) != model.ENOTFOUND {
			return err
		}
		ns.ActivityProgress, ns.GradingProgress = lti.ProgressInProgress, lti.GradingNotReady
	case "", lti.ProgressCompleted:
		if err := checkScore(in.ScoreGiven, g.Max); err != nil {
			return err
		}
		ns.ScoreGiven = in.ScoreGiven
		ns.ActivityProgress, ns.GradingProgress = lti.ProgressCompleted, lti.GradingFullyGraded
	default:
		return model.Errorf(model.EINVALID, "Progress must be InProgress or Completed.")
	}
	sc, err := s.db.CreateScore(ctx, ns)
	if err != nil {
		return err
	}
	s.notifyOutbox()
	return c.Status(fiber.StatusCreated).JSON(sc)
}

// checkScore answers a missing or out-of-range score in the person's words.
func checkScore(v *float64, maxScore float64) error {
	switch {
	case v == nil:
		return model.Errorf(model.EINVALID, "Choose a score before submitting.")
	case math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 || *v > maxScore:
		return model.Errorf(model.EINVALID, "The score must be between 0 and %g.", maxScore)
	}
	return nil
}

// agsError turns a failed AGS call into a message for people: retryable
// problems are 503, configuration problems 409 with the LMS's words.
func agsError(what string, err error) error {
	var se *lti.ServiceError
	if errors.As(err, &se) {
		if se.Retryable {
			return model.Errorf(model.EUNAVAILABLE, "The LMS did not answer while %s. Try again in a moment. (%s)", what, se.Message)
		}
		return model.Errorf(model.ECONFLICT, "The LMS refused %s: %s", what, se.Message)
	}
	return err
}
