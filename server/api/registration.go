package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// Settings of dynamic registration, changed from the admin console.
const (
	// SettingApproval is "active" (new registrations work at once) or
	// "pending" (an admin approves them first; the default, because anyone who
	// can reach /lti/register could otherwise register an LMS of their own).
	SettingApproval = "registration.approval"
	// SettingAllowPrivate lets dynamic registration contact private addresses.
	SettingAllowPrivate = "registration.allow_private"
)

// registrationTTL is how long the services page waits for its submit.
const registrationTTL = 30 * time.Minute

// approvalStatus is the status new registrations get under the current policy.
func (s *Server) approvalStatus(c *fiber.Ctx) (string, error) {
	v, err := s.db.Setting(c.UserContext(), SettingApproval, lti.StatusPending)
	if err != nil {
		return "", err
	}
	if v == lti.StatusActive {
		return lti.StatusActive, nil
	}
	return lti.StatusPending, nil
}

func (s *Server) registrationFetch(c *fiber.Ctx) (lti.RegistrationFetch, error) {
	v, err := s.db.Setting(c.UserContext(), SettingAllowPrivate, "false")
	return lti.RegistrationFetch{AllowPrivate: v == "true"}, err
}

var frameAncestorsRe = regexp.MustCompile(`frame-ancestors [^;]*`)

// allowFramingBy lets the registering LMS show the registration page in its
// frame: that LMS is not registered yet, so the CSP does not name it.
func allowFramingBy(c *fiber.Ctx, preset string, rawURLs ...string) {
	list := []string{"'self'"}
	for _, raw := range rawURLs {
		if o := originOf(raw); o != "" && !strings.ContainsAny(o, " ;,'") {
			list = append(list, o)
		}
	}
	if preset == lti.PresetCanvas {
		// Canvas frames the page from the school's own host, not the issuer's.
		list = append(list, "https://*.instructure.com", "https://*.canvaslms.com")
	}
	csp := string(c.Response().Header.Peek("Content-Security-Policy"))
	c.Set("Content-Security-Policy", frameAncestorsRe.ReplaceAllString(csp, "frame-ancestors "+strings.Join(list, " ")))
}

// registerStart is GET /lti/register: read and check the platform
// configuration, then ask which services to register.
func (s *Server) registerStart(c *fiber.Ctx) error {
	configURL := strings.Clone(c.Query("openid_configuration"))
	token := strings.Clone(c.Query("registration_token"))
	allowFramingBy(c, "", configURL)
	c.Set(fiber.HeaderCacheControl, "no-store")
	f, err := s.registrationFetch(c)
	if err != nil {
		return err
	}
	pc, err := s.tool.FetchPlatformConfiguration(c.UserContext(), configURL, f)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(pc)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	id, err := lti.NewToken()
	if err != nil {
		return err
	}
	preset := lti.DetectPreset(pc.Platform.ProductFamilyCode, pc.Issuer)
	allowFramingBy(c, preset, configURL, pc.Issuer)
	rs := &model.RegistrationSession{IDHash: lti.HashToken(id), ConfigURL: configURL, Config: string(raw), Token: token, Preset: preset,
		ExpiresAt: s.tool.Config().Now().Add(registrationTTL)}
	if err := s.db.CreateRegistrationSession(c.UserContext(), rs); err != nil {
		return err
	}
	status, err := s.approvalStatus(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, registerTemplate, map[string]any{
		"Session":     id,
		"Issuer":      pc.Issuer,
		"Preset":      lti.PresetByKey(preset).Label,
		"DeepLinking": pc.SupportsMessage(lti.MessageDeepLinking) || len(pc.Platform.MessagesSupported) == 0,
		"Grades":      pc.SupportsScope(lti.ScopeScore),
		"Roster":      pc.SupportsScope(lti.ScopeNRPS),
		"Pending":     status == lti.StatusPending,
		"Approvals":   lti.ApprovalsPage(s.cfg.BaseURL),
		"Action":      "/lti/register",
	})
}

// registerFinish is POST /lti/register: post the registration to the platform,
// store it with its deployment, and tell the platform to close the dialog.
func (s *Server) registerFinish(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	id := c.FormValue("session")
	if id == "" {
		return &lti.CheckError{Check: "register.session_missing", Status: 400, Title: "ltibox could not register with this LMS",
			Message: "This registration form is incomplete.", Hint: "Start the registration again from your LMS."}
	}
	rs, err := s.db.TakeRegistrationSession(c.UserContext(), lti.HashToken(id))
	if model.ErrorCode(err) == model.ENOTFOUND {
		return &lti.CheckError{Check: "register.session_unknown", Status: 400, Title: "This registration has expired",
			Message: "The registration form was already used or waited too long.", Hint: "Start the registration again from your LMS to get a fresh link."}
	} else if err != nil {
		return err
	}
	allowFramingBy(c, rs.Preset, rs.ConfigURL)
	var pc lti.PlatformConfiguration
	if err := json.Unmarshal([]byte(rs.Config), &pc); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	f, err := s.registrationFetch(c)
	if err != nil {
		return err
	}
	opts := lti.RegistrationOptions{
		Name:        strings.TrimSpace(c.FormValue("name")),
		DeepLinking: c.FormValue("deep_linking") == "on",
		Grades:      c.FormValue("grades") == "on",
		Roster:      c.FormValue("roster") == "on",
		Preset:      rs.Preset,
	}
	if len(opts.Name) > 100 {
		opts.Name = opts.Name[:100]
	}
	res, err := s.tool.Register(c.UserContext(), &pc, rs.Token, s.tool.RegistrationRequest(&pc, opts), f)
	if err != nil {
		return err
	}
	status, err := s.approvalStatus(c)
	if err != nil {
		return err
	}
	preset := lti.PresetByKey(rs.Preset)
	// Other registrations of the same LMS (a repeated registration, a test
	// install) are named on the closing page. The new one's name stays the
	// LMS's, as a person would type it: the client ID that tells them apart
	// is said where they are shown (its own field here and in the CLI, the
	// console's labels), so storing it in the name would say it twice.
	others, err := s.db.RegistrationsByIssuer(c.UserContext(), pc.Issuer)
	if err != nil {
		return err
	}
	reg := &lti.Registration{
		Name:     platformName(preset, pc.Issuer),
		Issuer:   pc.Issuer,
		ClientID: res.ClientID,
		AuthURL:  pc.AuthorizationEndpoint,
		TokenURL: pc.TokenEndpoint,
		JWKSURL:  pc.JWKSURI,
		Preset:   preset.Key,
		Status:   status,
	}
	switch {
	case pc.AuthorizationServer != "" && pc.AuthorizationServer != pc.TokenEndpoint:
		reg.TokenAudience = pc.AuthorizationServer
	case preset.TokenAudience != "":
		reg.TokenAudience = preset.TokenAudience
	}
	if err := ValidateRegistration(s.tool, reg); err != nil {
		return &lti.CheckError{Check: "register.response_invalid", Status: 502, Title: "ltibox could not register with this LMS",
			Message: model.ErrorMessage(err), Hint: "Register ltibox manually from the ltibox admin console."}
	}
	if err := s.db.CreateRegistrationWithDeployment(c.UserContext(), reg, res.DeploymentID); err != nil {
		return err
	}
	s.csp.invalidate()
	s.log.Info("dynamic registration", "issuer", reg.Issuer, "client_id", reg.ClientID, "deployment_id", res.DeploymentID, "status", reg.Status, "preset", reg.Preset)
	sameIssuer := []string{}
	for _, o := range others {
		sameIssuer = append(sameIssuer, o.Name+" (client ID "+o.ClientID+", "+o.Status+")")
	}
	return s.renderPage(c, fiber.StatusOK, registeredTemplate, map[string]any{
		"Platform":     reg.Name,
		"Issuer":       reg.Issuer,
		"ClientID":     reg.ClientID,
		"DeploymentID": res.DeploymentID,
		"SameIssuer":   sameIssuer,
		"Approvals":    lti.ApprovalsPage(s.cfg.BaseURL),
		"Pending":      reg.Status == lti.StatusPending,
		"Moodle":       preset.Key == lti.PresetMoodle,
		"Script":       "/lti/register/close.js",
	})
}

// platformName is the console name of a dynamically registered LMS.
func platformName(p lti.Preset, issuer string) string {
	host := issuer
	if u, err := url.Parse(issuer); err == nil && u.Host != "" {
		host = u.Host
	}
	if p.Key == lti.PresetOther {
		return host
	}
	return p.Label + " (" + host + ")"
}

// closeScript tells the platform the registration is done (LTI DR 1.0 §3.6).
// It is a file, not inline, because the CSP allows scripts from 'self' only.
const closeScript = `(function () {
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
`

func (s *Server) registerCloseJS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.SendString(closeScript)
}

func (s *Server) renderPage(c *fiber.Ctx, status int, t *template.Template, data any) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", t.Name(), err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

const pageStyle = `<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;color:#1b1b1f;background:#fff}main{max-width:40rem}
h1{font-size:1.4rem;margin:0 0 .5rem}fieldset{border:1px solid #ccc;padding:.75rem 1rem;margin:1rem 0}label{display:block;margin:.25rem 0}
input[type=text]{font:inherit;padding:.35rem;width:100%;max-width:24rem}button{font:inherit;padding:.5rem 1.25rem;background:#1f5fbf;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}.note{background:#f3f4f6;border-left:4px solid #2563eb;padding:.75rem 1rem}
@media (prefers-color-scheme:dark){body{background:#16161a;color:#eee}.note{background:#23232a}}</style>`

var registerTemplate = template.Must(template.New("register").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Register ltibox · ltibox</title>` + pageStyle + `</head><body><main>
<h1>Register ltibox with your LMS</h1>
<p>ltibox will register itself with <strong>{{.Issuer}}</strong> ({{.Preset}}). Choose what your courses may use, then click Register.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="session" value="{{.Session}}">
<label for="name">Name shown in your LMS</label>
<input type="text" id="name" name="name" value="ltibox" maxlength="100" required>
<fieldset><legend>Services</legend>
{{if .DeepLinking}}<label for="deep_linking"><input type="checkbox" id="deep_linking" name="deep_linking" checked> Deep linking: teachers pick activities from ltibox</label>{{end}}
{{if .Grades}}<label for="grades"><input type="checkbox" id="grades" name="grades" checked> Grades: ltibox sends scores to the gradebook</label>{{end}}
{{if .Roster}}<label for="roster"><input type="checkbox" id="roster" name="roster" checked> Roster: ltibox reads the course's participants</label>{{end}}
</fieldset>
{{if .Pending}}<p class="note">After registering, an ltibox administrator must approve this LMS under {{.Approvals}} in the ltibox admin console before launches work.</p>{{end}}
<button type="submit" id="register">Register</button>
</form></main></body></html>`))

var registeredTemplate = template.Must(template.New("registered").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ltibox registered · ltibox</title>` + pageStyle + `</head><body><main>
<h1 id="registered">ltibox is registered</h1>
<p role="status">ltibox is now registered with <strong>{{.Platform}}</strong> (client ID <code>{{.ClientID}}</code>{{if .DeploymentID}}, deployment <code>{{.DeploymentID}}</code>{{end}}).</p>
{{if .Moodle}}<p class="note"><strong>Next step in Moodle:</strong> the new tool is <em>Pending</em> until a Moodle site administrator activates it under Site administration → Plugins → Activity modules → External tool → Manage tools.</p>{{end}}
{{if .Pending}}<p class="note"><strong>Next step in ltibox:</strong> an ltibox administrator must approve this LMS under {{.Approvals}} in the ltibox admin console before launches work.</p>{{end}}
{{if .SameIssuer}}<p class="note" id="same-issuer"><strong>ltibox already has {{if eq (len .SameIssuer) 1}}another registration{{else}}other registrations{{end}} for this LMS</strong> ({{.Issuer}}): {{range $i, $o := .SameIssuer}}{{if $i}}; {{end}}{{$o}}{{end}}. This one has client ID <code>{{.ClientID}}</code>: when approving, check the client ID, and remove registrations the LMS no longer uses.</p>{{end}}
<p>You can close this window.</p>
</main><script src="{{.Script}}"></script></body></html>`))
