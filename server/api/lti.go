package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// maxLaunchBody caps the launch POST (checklist 32): an id_token is a few KiB.
const maxLaunchBody = 64 << 10

// stateCookiePrefix names the per-login state cookie. One cookie per login lets
// two launches run side by side in one browser (two iframes in one LMS page).
const stateCookiePrefix = "ltibox_state_"

func stateCookieName(state string) string { return stateCookiePrefix + lti.HashToken(state)[:16] }

// stateCookie binds a login state to the browser. SameSite=None because the
// launch is a cross-site POST; Partitioned (CHIPS) because browsers block
// unpartitioned third-party cookies in iframes; short-lived and path-scoped.
func stateCookie(state string, maxAge int) string {
	ck := http.Cookie{
		Name:        stateCookieName(state),
		Value:       state,
		Path:        "/lti/",
		MaxAge:      maxAge,
		HttpOnly:    true,
		Secure:      true,
		SameSite:    http.SameSiteNoneMode,
		Partitioned: true,
	}
	if maxAge < 0 {
		ck.Value = ""
	}
	return ck.String()
}

// param reads a login parameter from the query (GET) or the form (POST).
func param(c *fiber.Ctx, name string) string {
	if c.Method() == fiber.MethodPost {
		if v := c.FormValue(name); v != "" {
			return v
		}
	}
	return c.Query(name)
}

// login handles the OIDC third-party login initiation.
func (s *Server) login(c *fiber.Ctx) error {
	storageTarget := param(c, "lti_storage_target")
	res, err := s.tool.Login(c.UserContext(), lti.LoginRequest{
		Issuer:        param(c, "iss"),
		LoginHint:     param(c, "login_hint"),
		TargetLinkURI: param(c, "target_link_uri"),
		MessageHint:   param(c, "lti_message_hint"),
		ClientID:      param(c, "client_id"),
		DeploymentID:  param(c, "lti_deployment_id"),
		StorageTarget: storageTarget,
	})
	if err != nil {
		s.recordLogin(c, err) // launch log (issue 6)
		return err
	}
	c.Response().Header.Add(fiber.HeaderSetCookie, stateCookie(res.State, int(s.tool.Config().LoginTTL.Seconds())))
	c.Set(fiber.HeaderCacheControl, "no-store")
	if needsLoginBridge(c, storageTarget) { // issue 7: the cookie may not stick (bridge.go)
		return s.loginBridge(c, res, storageTarget)
	}
	return c.Redirect(res.RedirectURL, fiber.StatusFound)
}

// launch verifies the id_token posted by the platform and opens the app.
func (s *Server) launch(c *fiber.Ctx) error {
	if len(c.Body()) > maxLaunchBody {
		return model.Errorf(model.ETOOLARGE, "The launch request is larger than ltibox accepts (%d KiB).", maxLaunchBody>>10)
	}
	state := c.FormValue("state")
	var bound string
	if state != "" {
		bound = c.Cookies(stateCookieName(state))
	}
	if state != "" && bound == "" { // issue 7: no cookie; platform storage may hold the state
		if handled, err := s.launchBridge(c, state); handled {
			return err
		}
	}
	l, err := s.tool.VerifyLaunch(c.UserContext(), lti.LaunchRequest{
		IDToken:          c.FormValue("id_token"),
		State:            state,
		BoundState:       bound,
		Error:            c.FormValue("error"),
		ErrorDescription: c.FormValue("error_description"),
	})
	if state != "" && bound != "" {
		c.Response().Header.Add(fiber.HeaderSetCookie, stateCookie(state, -1))
	}
	if err != nil {
		s.recordLaunch(c, l, err) // launch log and approval queue
		return err
	}
	return s.finishLaunch(c, l, cookieBinding(l.Login))
}

// finishLaunch is the one ending of every verified launch, whatever bound the
// state (cookie, platform storage, new window): store the session, log the
// binding, learn the LMS origin for the CSP, record the link, open the app.
//
// The session, the resource link and the launch-log entry are written in one
// transaction (sqlite.CreateLaunch): the launch path is measured.
func (s *Server) finishLaunch(c *fiber.Ctx, l *lti.Launch, binding string) error {
	l.Login.Binding = binding
	token, err := lti.NewToken()
	if err != nil {
		return err
	}
	sess := sessionFromLaunch(l)
	sess.ExpiresAt = s.tool.Config().Now().Add(s.cfg.SessionTTL)
	rl := linkOf(sess)
	invalid := rl != nil && rl.ActivityID < 0
	if invalid {
		rl.ActivityID = 0
	}
	refused, err := s.db.CreateLaunch(c.UserContext(), lti.HashToken(token), sess, rl, launchAttempt(l))
	if err != nil {
		return err
	}
	if refused || invalid {
		s.log.Warn("launch names an unusable activity", "custom_activity_id", sess.Claims.Custom[customActivityID], "resource_link_id", sess.ResourceLinkID)
	}
	s.logLaunch(sess)
	s.learnFrameOrigins(c, sess)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(landingFor(sess, rl)+"#session="+token, fiber.StatusSeeOther)
}

// learnFrameOrigins remembers where this verified launch came from, so the CSP
// lets that LMS page frame ltibox (Canvas and Blackboard course pages live on a
// host other than their issuer). Failures only cost a log line.
func (s *Server) learnFrameOrigins(c *fiber.Ctx, sess *model.LaunchSession) {
	for _, o := range []string{originOf(c.Get(fiber.HeaderOrigin)), originOf(sess.Claims.ReturnURL)} {
		if o == "" || !s.tool.SecureURL(o) || s.csp.known(c.UserContext(), o) {
			continue
		}
		if err := s.db.AddFrameOrigin(c.UserContext(), sess.RegistrationID, o); err != nil {
			s.log.Warn("learn frame origin", "origin", o, "err", err)
			continue
		}
		s.csp.invalidate()
	}
}

// launchGet answers a person who opened the launch URL directly.
func (s *Server) launchGet(c *fiber.Ctx) error {
	return s.renderError(c, fiber.StatusMethodNotAllowed, errorPage{Title: "Open ltibox from your course",
		Message: "This address is where your LMS sends launches; it does not work on its own.",
		Hint:    "Go to your course in the LMS and open the ltibox activity there.", Code: "launch.direct_visit"})
}

// landingPath is the SPA view a launch opens.
func landingPath(s *model.LaunchSession) string {
	if s.MessageType == lti.MessageDeepLinking {
		return "/app/picker"
	}
	return "/app/"
}

// sessionFromLaunch turns verified claims into the stored session.
func sessionFromLaunch(l *lti.Launch) *model.LaunchSession {
	c := l.Claims
	sess := &model.LaunchSession{
		RegistrationID: l.Registration.ID,
		DeploymentID:   c.DeploymentID,
		MessageType:    c.MessageType,
		Roles:          c.RoleList(),
		Role:           model.RoleLearner,
		Binding:        l.Login.Binding,
		Claims: model.LaunchClaims{
			TargetLinkURI: c.TargetLinkURI,
			Custom:        c.CustomStrings(),
		},
	}
	if l.IsInstructor() {
		sess.Role = model.RoleInstructor
	}
	if c.Subject != "" {
		sess.User = &model.User{Subject: c.Subject, Name: strings.TrimSpace(c.Name), GivenName: c.GivenName, FamilyName: c.FamilyName, Email: c.Email}
	}
	if c.Context != nil {
		sess.Context = &model.Context{ContextID: c.Context.ID, Label: c.Context.Label, Title: c.Context.Title}
	}
	if c.ResourceLink != nil {
		sess.ResourceLinkID, sess.LinkTitle = c.ResourceLink.ID, c.ResourceLink.Title
	}
	if c.ToolPlatform != nil {
		sess.Claims.PlatformName = c.ToolPlatform.Name
	}
	if c.LaunchPresentation != nil {
		sess.Claims.ReturnURL = c.LaunchPresentation.ReturnURL
	}
	if c.AGS != nil {
		sess.Claims.AGS = &model.AGSClaim{Scope: c.AGS.Scope, LineItems: c.AGS.LineItems, LineItem: c.AGS.LineItem}
	}
	if c.NRPS != nil && c.NRPS.ContextMembershipsURL != "" {
		sess.Claims.NRPS = &model.NRPSClaim{ContextMembershipsURL: c.NRPS.ContextMembershipsURL, ServiceVersions: c.NRPS.ServiceVersions}
	}
	if dl := c.DeepLinking; dl != nil {
		sess.Claims.DeepLinking = &model.DeepLinkingSettings{
			ReturnURL: dl.ReturnURL, AcceptTypes: dl.AcceptTypes, AcceptPresentationDocumentTargets: dl.AcceptPresentationDocumentTargets,
			AcceptMediaTypes: dl.AcceptMediaTypes, AcceptMultiple: dl.AcceptMultiple, AcceptLineItem: dl.AcceptLineItem,
			AutoCreate: dl.AutoCreate, Title: dl.Title, Text: dl.Text, Data: dl.Data,
		}
	}
	return sess
}

// jwksCacheControl lets an LMS keep our key set for lti.JWKSMaxAge.
var jwksCacheControl = "public, max-age=" + strconv.Itoa(int(lti.JWKSMaxAge.Seconds()))

// jwks publishes the tool's public keys.
func (s *Server) jwks(c *fiber.Ctx) error {
	raw, err := s.tool.JWKS(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, jwksCacheControl)
	return c.Send(raw)
}
