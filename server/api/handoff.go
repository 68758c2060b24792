package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

// The new-window handoff (binding "window"): when the LMS frame keeps no
// cookie and the platform offers no storage, the login bridge page offers a
// new top-level window. That window restarts the login there, where the state
// cookie is first-party, so the launch that follows is an ordinary cookie
// launch with every check. The original login never reached the platform's
// auth endpoint, so its lti_message_hint is still unused.
//
// The handoff is one-time and short-lived, and it is bound to the browser
// that opened it: its id travels in the URL, but its key only by postMessage
// from the framed page that opened the window (window.opener, same origin).
// A copied link, opened in another browser or tab, has no opener to ask and
// is refused. Restarting a login grants nothing by itself: the platform still
// authenticates the user in this browser and signs a fresh id_token.

// handoffTTL bounds how long the "Open in a new window" button works.
const handoffTTL = 3 * time.Minute

// createHandoff makes the handoff for a login still waiting in a frame:
// POST /lti/handoff (state) from the bridge page → {id, key, url}.
func (s *Server) createHandoff(c *fiber.Ctx) error {
	if !s.sameOrigin(c) {
		return errCrossSite
	}
	state := c.FormValue("state")
	if state == "" {
		return handoffRefused("launch.handoff_state_missing", "The page did not say which launch to continue.")
	}
	id, err := lti.NewToken()
	if err != nil {
		return err
	}
	key, err := lti.NewToken()
	if err != nil {
		return err
	}
	if err := s.db.CreateHandoff(c.UserContext(), lti.HashToken(id), lti.HashToken(key), lti.HashToken(state), handoffTTL); err != nil {
		return handoffError(err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"id": id, "key": key, "url": "/lti/handoff/" + id})
}

// handoffPage is the new window: it asks its opener for the key (bridge.js).
func (s *Server) handoffPage(c *fiber.Ctx) error {
	return s.renderBridge(c, bridgePage{Step: "handoff", Title: "Opening the activity", Working: "Opening the activity in this window…",
		Handoff: c.Params("id")})
}

// useHandoff spends the handoff and restarts the login in this top-level
// window: POST /lti/handoff/:id (key) → state cookie + 303 to the platform.
func (s *Server) useHandoff(c *fiber.Ctx) error {
	if !s.sameOrigin(c) {
		return errCrossSite
	}
	key := c.FormValue("key")
	if key == "" {
		return handoffRefused("launch.handoff_key_missing", "This window was not opened by the launch it belongs to.")
	}
	orig, err := s.db.UseHandoff(c.UserContext(), lti.HashToken(c.Params("id")), lti.HashToken(key))
	if err != nil {
		return handoffError(err)
	}
	reg, err := s.db.Registration(c.UserContext(), orig.RegistrationID)
	if err != nil {
		return err
	}
	res, err := s.tool.Login(c.UserContext(), lti.LoginRequest{
		Issuer: reg.Issuer, ClientID: reg.ClientID, LoginHint: orig.LoginHint, TargetLinkURI: orig.TargetLinkURI,
		MessageHint: orig.MessageHint, DeploymentID: orig.DeploymentHint, Binding: lti.BindingWindow,
	})
	if err != nil {
		return err
	}
	c.Response().Header.Add(fiber.HeaderSetCookie, stateCookie(res.State, int(s.tool.Config().LoginTTL.Seconds())))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(res.RedirectURL, fiber.StatusSeeOther)
}

func handoffRefused(check, msg string) *lti.CheckError {
	return &lti.CheckError{Check: check, Status: 401, Title: "This window cannot continue the launch", Message: msg,
		Hint: "Go back to your course and open the activity again."}
}

// handoffError words a refused handoff for the person in the new window.
func handoffError(err error) error {
	switch {
	case errors.Is(err, sqlite.ErrHandoffKey):
		return handoffRefused("launch.handoff_key_mismatch", "This window was not opened by the launch it belongs to.")
	case errors.Is(err, lti.ErrNotFound):
		return handoffRefused("launch.handoff_unknown", "ltibox does not know this launch link.")
	case errors.Is(err, lti.ErrLoginUsed):
		return handoffRefused("launch.handoff_used", "This launch link was already used. Each one works only once.")
	case errors.Is(err, lti.ErrLoginExpired):
		return handoffRefused("launch.handoff_expired", "This launch link has expired.")
	}
	return err
}
