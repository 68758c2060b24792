package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// recordLaunch writes the launch log (Recent launches, launch debugger) and
// queues an unknown deployment of a known registration for approval. For a
// failed launch it keeps the id_token's decoded header and claims, never its
// signature, and without the person's name, email and picture (an admin
// debugging a launch needs the claims' shape, not who it was; sub stays);
// a successful one keeps only who/where. Failures only cost a log line.
func (s *Server) recordLaunch(c *fiber.Ctx, l *lti.Launch, err error) {
	ctx := c.UserContext()
	a := launchAttempt(l)
	a.OK = err == nil
	if err != nil {
		a.Header, a.Claims = lti.DecodeUnverified(c.FormValue("id_token"))
		redactPersonalClaims(a.Claims)
		a.DeploymentID = claimString(a.Claims, lti.ClaimDeploymentID)
		a.MessageType = claimString(a.Claims, lti.ClaimMessageType)
		a.Check, a.Title, a.Message = "internal", "Internal error", "The launch failed inside ltibox; see the server log."
		ce, isCheck := lti.AsCheckError(err)
		if isCheck {
			a.Check, a.Title, a.Message, a.Issuer, a.ClientID = ce.Check, ce.Title, ce.Message, ce.Issuer, ce.ClientID
		}
		if a.Issuer == "" {
			a.Issuer = claimString(a.Claims, "iss")
		}
		if reg := s.registrationOf(c, a.Issuer, a.ClientID); reg != nil {
			a.RegistrationID = reg.ID
			// The id_token was verified before the deployment check ran, so a
			// deployment_unknown launch really comes from this registration.
			if isCheck && ce.Check == "launch.deployment_unknown" && a.DeploymentID != "" {
				if _, qerr := s.db.AddDeployment(ctx, reg.ID, a.DeploymentID, lti.StatusPending); qerr != nil && model.ErrorCode(qerr) != model.ECONFLICT {
					s.log.Warn("queue deployment", "err", qerr)
				} else {
					s.log.Info("deployment queued for approval", "issuer", reg.Issuer, "client_id", reg.ClientID, "deployment_id", a.DeploymentID)
					ce.Hint = "ltibox has put deployment " + strconv.Quote(a.DeploymentID) + " in its approval queue. " + lti.TellSupport + ": it must be approved under " + lti.ApprovalsPage(s.cfg.BaseURL) + ". Then relaunch."
				}
			}
		}
	}
	if lerr := s.db.AddLaunchAttempt(ctx, a); lerr != nil {
		s.log.Warn("launch log", "err", lerr)
	}
}

// personalClaims are the OIDC profile claims an LMS may send about the person.
var personalClaims = []string{"name", "given_name", "family_name", "middle_name", "nickname", "email", "picture", "phone_number", "address", "birthdate"}

// redacted replaces a personal claim's value in the launch log.
const redacted = "(removed: personal data is not kept in the launch log)"

func redactPersonalClaims(claims map[string]any) {
	for _, k := range personalClaims {
		if _, ok := claims[k]; ok {
			claims[k] = redacted
		}
	}
}

// launchAttempt is the launch-log entry of a launch (successful ones are written
// with the session, failed ones by recordLaunch).
func launchAttempt(l *lti.Launch) *model.LaunchAttempt {
	a := &model.LaunchAttempt{OK: true}
	if l != nil {
		a.RegistrationID, a.Issuer, a.ClientID = l.Registration.ID, l.Registration.Issuer, l.Registration.ClientID
		a.DeploymentID, a.MessageType = l.Claims.DeploymentID, l.Claims.MessageType
	}
	return a
}

// recordLogin logs a refused login initiation (an unregistered issuer or
// client ID is the most common setup mistake). The parameters are what the
// LMS sent; nothing is verified yet, so nothing is queued.
func (s *Server) recordLogin(c *fiber.Ctx, err error) {
	a := &model.LaunchAttempt{
		Issuer: strings.Clone(param(c, "iss")), ClientID: strings.Clone(param(c, "client_id")),
		DeploymentID: strings.Clone(param(c, "lti_deployment_id")), MessageType: "login",
		Check: "internal", Title: "Internal error", Message: "The login failed inside ltibox; see the server log.",
	}
	if ce, ok := lti.AsCheckError(err); ok {
		a.Check, a.Title, a.Message = ce.Check, ce.Title, ce.Message
	}
	if reg := s.registrationOf(c, a.Issuer, a.ClientID); reg != nil {
		a.RegistrationID = reg.ID
	}
	if lerr := s.db.AddLaunchAttempt(c.UserContext(), a); lerr != nil {
		s.log.Warn("launch log", "err", lerr)
	}
}

func (s *Server) registrationOf(c *fiber.Ctx, issuer, clientID string) *lti.Registration {
	if issuer == "" || clientID == "" {
		return nil
	}
	regs, err := s.db.RegistrationsByIssuer(c.UserContext(), issuer)
	if err != nil {
		return nil
	}
	for _, r := range regs {
		if r.ClientID == clientID {
			return r
		}
	}
	return nil
}

func claimString(m map[string]any, name string) string {
	v, _ := m[name].(string)
	return strings.Clone(v)
}

// listLaunches is GET /api/admin/launches: newest first.
func (s *Server) listLaunches(c *fiber.Ctx) error {
	out, err := s.db.LaunchAttempts(c.UserContext(), c.QueryInt("limit", 200))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// getLaunch is GET /api/admin/launches/:id: the launch debugger's view, with
// the decoded token, the failed check and a hint for that LMS.
func (s *Server) getLaunch(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return model.Errorf(model.EINVALID, "The launch id must be a positive number.")
	}
	a, err := s.db.LaunchAttempt(c.UserContext(), id)
	if err != nil {
		return err
	}
	hints := []string{}
	if h := lti.CheckHints[a.Check]; h != "" {
		hints = append(hints, h)
	}
	if a.Preset != "" {
		if p := lti.PresetByKey(a.Preset); p.Hint != "" {
			hints = append(hints, p.Label+": "+p.Hint)
		}
	}
	a.Hint = strings.Join(hints, " ")
	return c.JSON(a)
}
