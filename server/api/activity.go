package api

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/model"
)

// requireInstructor lets only instructors through (after requireSession).
// Learners get 403: they may open activities, never change or place them.
func (s *Server) requireInstructor(c *fiber.Ctx) error {
	if sess := currentSession(c); sess == nil || sess.Role != model.RoleInstructor {
		return model.Errorf(model.EFORBIDDEN, "Only instructors can manage and place activities.")
	}
	return c.Next()
}

// courseID is the store id of the session's course, or an error for a launch
// without one (activities belong to a course or to the library).
func courseID(sess *model.LaunchSession) (int64, error) {
	if sess.Context == nil || sess.Context.ID == 0 {
		return 0, model.Errorf(model.EINVALID, "This launch has no course, so there are no course activities. Open ltibox from a course.")
	}
	return sess.Context.ID, nil
}

// visibleActivity loads an activity the session's course may use: the
// course's own or the tool-wide library's. Other courses' activities are
// reported as not found, so ids cannot be probed.
func (s *Server) visibleActivity(ctx context.Context, sess *model.LaunchSession, id int64) (*model.Activity, error) {
	a, err := s.db.Activity(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.ContextID != 0 && (sess.Context == nil || a.ContextID != sess.Context.ID) {
		return nil, model.Errorf(model.ENOTFOUND, "Activity not found.")
	}
	return a, nil
}

// editableActivity is a visible activity the course owns. Library activities
// belong to the ltibox administrator; instructors duplicate them to adapt them.
func (s *Server) editableActivity(ctx context.Context, sess *model.LaunchSession, id int64) (*model.Activity, error) {
	a, err := s.visibleActivity(ctx, sess, id)
	if err != nil {
		return nil, err
	}
	if a.ContextID == 0 {
		return nil, model.Errorf(model.EFORBIDDEN, "%q is in the ltibox library, which only the administrator changes. Duplicate it to make your own version.", a.Title)
	}
	return a, nil
}

func activityID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.EINVALID, "The activity id is not a number.")
	}
	return id, nil
}

func renderAll(list []*model.Activity) ([]*model.Activity, error) {
	out := make([]*model.Activity, 0, len(list))
	for _, a := range list {
		h, err := withHTML(a)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// listActivities: GET /api/v1/activities?q=&graded=true|false&archived=true.
// The course's activities and the library, with rendered instructions.
func (s *Server) listActivities(c *fiber.Ctx) error {
	sess := currentSession(c)
	f := model.ActivityFilter{Library: true, Query: c.Query("q"), IncludeArchived: c.Query("archived") == "true"}
	if sess.Context != nil {
		f.ContextID = sess.Context.ID
	}
	switch c.Query("graded") {
	case "true", "false":
		g := c.Query("graded") == "true"
		f.Graded = &g
	case "":
	default:
		return model.Errorf(model.EINVALID, "The graded filter must be true or false.")
	}
	list, err := s.db.Activities(c.UserContext(), f)
	if err != nil {
		return err
	}
	out, err := renderAll(list)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// activityInput reads the editable fields of an activity from the body.
func activityInput(c *fiber.Ctx) (*model.Activity, error) {
	var in model.Activity
	if err := c.BodyParser(&in); err != nil {
		return nil, model.Errorf(model.EINVALID, "The activity could not be read.")
	}
	return &in, nil
}

// createActivity: POST /api/v1/activities, a new activity of the course.
func (s *Server) createActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	cid, err := courseID(sess)
	if err != nil {
		return err
	}
	in, err := activityInput(c)
	if err != nil {
		return err
	}
	a := &model.Activity{Title: in.Title, Instructions: in.Instructions, Graded: in.Graded, ScoreMaximum: in.ScoreMaximum,
		Tag: in.Tag, StartAt: in.StartAt, EndAt: in.EndAt, ContextID: cid}
	if err := s.db.CreateActivity(c.UserContext(), a); err != nil {
		return err
	}
	out, err := withHTML(a)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// updateActivity: PUT /api/v1/activities/:id, edits a course activity.
func (s *Server) updateActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	id, err := activityID(c)
	if err != nil {
		return err
	}
	a, err := s.editableActivity(c.UserContext(), sess, id)
	if err != nil {
		return err
	}
	in, err := activityInput(c)
	if err != nil {
		return err
	}
	a.Title, a.Instructions, a.Graded, a.ScoreMaximum, a.Tag, a.StartAt, a.EndAt = in.Title, in.Instructions, in.Graded, in.ScoreMaximum, in.Tag, in.StartAt, in.EndAt
	if err := s.db.UpdateActivity(c.UserContext(), a); err != nil {
		return err
	}
	if a, err = s.db.Activity(c.UserContext(), id); err != nil {
		return err
	}
	out, err := withHTML(a)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// duplicateActivity: POST /api/v1/activities/:id/duplicate, a copy owned by
// the course (from the library or the course itself).
func (s *Server) duplicateActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	cid, err := courseID(sess)
	if err != nil {
		return err
	}
	id, err := activityID(c)
	if err != nil {
		return err
	}
	if _, err := s.visibleActivity(c.UserContext(), sess, id); err != nil {
		return err
	}
	cp, err := s.db.DuplicateActivity(c.UserContext(), id, cid)
	if err != nil {
		return err
	}
	out, err := withHTML(cp)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// archiveActivity: POST /api/v1/activities/:id/archive {"archived":bool}.
func (s *Server) archiveActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	id, err := activityID(c)
	if err != nil {
		return err
	}
	if _, err := s.editableActivity(c.UserContext(), sess, id); err != nil {
		return err
	}
	var in model.ArchiveActivity
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The archive request could not be read.")
	}
	a, err := s.db.SetActivityArchived(c.UserContext(), id, in.Archived)
	if err != nil {
		return err
	}
	out, err := withHTML(a)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// getLinkActivity: GET /api/v1/activity, the activity the launched link opens.
// An unset link answers SetUp false: the UI lets an instructor choose and
// tells a learner to ask.
func (s *Server) getLinkActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	if sess.ResourceLinkID == "" {
		return model.Errorf(model.EINVALID, "This launch did not open a link, so there is no activity to show.")
	}
	a, link, err := s.db.ActivityOfLink(c.UserContext(), sess.RegistrationID, sess.DeploymentID, sess.ResourceLinkID)
	switch {
	case model.ErrorCode(err) == model.ENOTFOUND:
		return c.JSON(model.LinkActivity{SetUp: false, LinkTitle: sess.LinkTitle, Message: model.MsgActivityNotSetUp})
	case err != nil:
		return err
	}
	out, err := withHTML(a)
	if err != nil {
		return err
	}
	return c.JSON(model.LinkActivity{Activity: out, SetUp: true, LinkTitle: sess.LinkTitle, ScoresKept: localOnly(sess, link)})
}

// assignLinkActivity: POST /api/v1/activity/assign {"activityId":n}. An
// instructor chooses (or changes) what the launched link opens; later launches
// of the link by anyone open it.
func (s *Server) assignLinkActivity(c *fiber.Ctx) error {
	sess := currentSession(c)
	if sess.ResourceLinkID == "" {
		return model.Errorf(model.EINVALID, "This launch did not open a link, so there is nothing to set up.")
	}
	var in model.AssignActivity
	if err := c.BodyParser(&in); err != nil || in.ActivityID <= 0 {
		return model.Errorf(model.EINVALID, "Choose an activity for this link.")
	}
	a, err := s.visibleActivity(c.UserContext(), sess, in.ActivityID)
	if err != nil {
		return err
	}
	rl := &model.ResourceLink{RegistrationID: sess.RegistrationID, DeploymentID: sess.DeploymentID, ResourceLinkID: sess.ResourceLinkID,
		Title: sess.LinkTitle, ActivityID: a.ID}
	if sess.Context != nil {
		rl.ContextID = sess.Context.ID
	}
	if err := s.db.UpsertResourceLink(c.UserContext(), rl); err != nil {
		return err
	}
	_, link, err := s.db.ActivityOfLink(c.UserContext(), sess.RegistrationID, sess.DeploymentID, sess.ResourceLinkID)
	if err != nil {
		return err
	}
	out, err := withHTML(a)
	if err != nil {
		return err
	}
	return c.JSON(model.LinkActivity{Activity: out, SetUp: true, LinkTitle: sess.LinkTitle, ScoresKept: localOnly(sess, link)})
}
