package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

const sessionKey = "ltibox.session"

// requireSession authenticates /api/v1 with the launch's bearer token. Nothing
// here depends on cookies, so it works in a third-party iframe.
func (s *Server) requireSession(c *fiber.Ctx) error {
	tok, ok := bearer(c)
	if !ok {
		return model.Errorf(model.EUNAUTHORIZED, "This page only works when opened from your course. Relaunch the activity from your LMS.")
	}
	sess, err := s.db.SessionByTokenHash(c.UserContext(), lti.HashToken(tok))
	if err != nil {
		return err
	}
	c.Locals(sessionKey, sess)
	return c.Next()
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	tok := strings.TrimSpace(h[7:])
	return tok, tok != ""
}

// currentSession returns the session requireSession loaded.
func currentSession(c *fiber.Ctx) *model.LaunchSession {
	sess, _ := c.Locals(sessionKey).(*model.LaunchSession)
	return sess
}

// getSession returns who launched, from where, and what the launch granted.
func (s *Server) getSession(c *fiber.Ctx) error {
	sess := currentSession(c)
	reg, err := s.db.Registration(c.UserContext(), sess.RegistrationID)
	if err != nil {
		return err
	}
	return c.JSON(wireSession(sess, reg))
}

func wireSession(sess *model.LaunchSession, reg *lti.Registration) model.Session {
	out := model.Session{
		Role:         sess.Role,
		Roles:        sess.Roles,
		ResourceLink: sess.ResourceLinkID,
		LinkTitle:    sess.LinkTitle,
		MessageType:  sess.MessageType,
		Platform:     reg.Name,
		Services:     sess.Claims.Services(),
		ExpiresAt:    sess.ExpiresAt,
	}
	if sess.Claims.PlatformName != "" {
		out.Platform = sess.Claims.PlatformName
	}
	if sess.User != nil {
		out.User = *sess.User
		out.User.Name = sess.User.DisplayName()
	} else {
		out.User.Name = "Anonymous"
	}
	if sess.Context != nil {
		out.Context = *sess.Context
	}
	return out
}
