package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// customActivityID is the custom parameter deep linking puts on every link.
const customActivityID = "activity_id"

// pathActivity is the SPA view a resource-link launch opens.
const pathActivity = "/app/activity"

// landingFor records the launched link and returns the SPA path the launch
// opens: the activity page for a link with an activity, landingPath otherwise.
// Every path that finishes a launch (cookie or platform storage) calls it.
func (s *Server) landingFor(c *fiber.Ctx, sess *model.LaunchSession) string {
	if s.recordResourceLink(c, sess) {
		return pathActivity
	}
	return landingPath(sess)
}

// recordResourceLink remembers the launched link and, when the link carries
// custom.activity_id (it was made by deep linking), which activity it opens.
// A link without it keeps its stored mapping, or stays unset until an
// instructor chooses. A custom id naming an activity this course cannot use
// is ignored (logged): the launch itself is valid and must not fail for it.
// It reports whether the link opens an activity; an unset link lands on the
// home page, which offers the one-time choice (instructors) or says to ask.
func (s *Server) recordResourceLink(c *fiber.Ctx, sess *model.LaunchSession) bool {
	if sess.MessageType != lti.MessageResourceLink || sess.ResourceLinkID == "" {
		return false
	}
	rl := &model.ResourceLink{RegistrationID: sess.RegistrationID, DeploymentID: sess.DeploymentID,
		ResourceLinkID: sess.ResourceLinkID, Title: sess.LinkTitle}
	if sess.Context != nil {
		rl.ContextID = sess.Context.ID
	}
	if sess.Claims.AGS != nil {
		rl.LineItemURL = sess.Claims.AGS.LineItem
	}
	if raw := strings.TrimSpace(sess.Claims.Custom[customActivityID]); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err == nil {
			_, err = s.visibleActivity(c.UserContext(), sess, id)
		}
		if err != nil {
			s.log.Warn("launch names an unusable activity", "custom_activity_id", raw, "resource_link_id", sess.ResourceLinkID, "err", err)
		} else {
			rl.ActivityID = id
		}
	}
	if err := s.db.UpsertResourceLink(c.UserContext(), rl); err != nil {
		s.log.Warn("record resource link", "resource_link_id", sess.ResourceLinkID, "err", err)
		return false
	}
	return rl.ActivityID != 0
}
