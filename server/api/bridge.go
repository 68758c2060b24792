package api

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// Browser binding when the LMS frame blocks cookies (issue 7).
//
// Each launch proves that the browser finishing it is the one that started
// the login, in one of three ways, tried in this order:
//
//	cookie   the Partitioned state cookie came back (lti.go);
//	storage  the login carried lti_storage_target and cookies are blocked:
//	         state and nonce go into the platform's postMessage storage at
//	         login, and the launch page reads them back and completes the
//	         launch with a same-origin POST to /lti/launch/storage;
//	window   neither works: the login offers a new top-level window, where a
//	         first-party cookie binds a fresh login (handoff.go).
//
// The choice is made at login, before the platform's auth endpoint sees the
// login (most LMSs accept an lti_message_hint only once): framed logins
// (Sec-Fetch-Dest: iframe) and logins offering storage answer a bridge page
// that asks the server whether the state cookie stuck, and only then goes on.

// bridgeTimeout is how long a bridge page waits for the platform to answer a
// postMessage before it offers the new window.
const bridgeTimeout = 3 * time.Second

// needsLoginBridge reports whether the login answers a bridge page instead of
// a plain redirect: when the platform offers storage, or the login runs in a
// frame, where the browser may refuse the state cookie.
func needsLoginBridge(c *fiber.Ctx, storageTarget string) bool {
	if storageTarget != "" {
		return true
	}
	dest := c.Get("Sec-Fetch-Dest")
	return dest == "iframe" || dest == "frame"
}

// anyOriginQuirk: Canvas's storage frame does not accept the auth origin as
// targetOrigin yet, so messages go out with "*" (answers are still checked).
func anyOriginQuirk(reg *lti.Registration) bool {
	return reg != nil && strings.EqualFold(reg.Preset, "canvas")
}

type bridgePage struct {
	Step          string // login, launch, handoff
	Title         string
	Working       string
	AuthURL       string
	PlatformOrig  string
	AnyOrigin     bool
	Target        string
	State, Nonce  string
	Handoff       string
	TimeoutMillis string
	// Launch step: the form the script completes and submits.
	IDToken, Error, ErrorDescription string
}

var bridgeTemplate = template.Must(template.New("bridge").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · ltibox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem;color:#1b1b1f;background:#fff}main{max-width:40rem}
h1{font-size:1.3rem;margin:0 0 .5rem}button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer}
button:disabled{opacity:.6;cursor:wait}button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
@media (prefers-color-scheme:dark){body{background:#16161a;color:#eee}}</style>
<script src="/lti/bridge.js" defer></script>
</head><body>
<main id="bridge" data-step="{{.Step}}" data-timeout="{{.TimeoutMillis}}" data-platform-origin="{{.PlatformOrig}}"{{if .AnyOrigin}} data-any-origin="1"{{end}} data-target="{{.Target}}" data-state="{{.State}}" data-nonce="{{.Nonce}}" data-auth-url="{{.AuthURL}}" data-cookie-url="/lti/bind/cookie" data-handoff-url="/lti/handoff" data-handoff="{{.Handoff}}">
<p id="status" role="status" aria-live="polite">{{.Working}}</p>
{{if eq .Step "handoff"}}<form id="continue" method="post" action="/lti/handoff/{{.Handoff}}"><input type="hidden" name="key" value=""></form>
<section id="handoff-error" hidden><h1>This link only works in the window your course opened</h1>
<p>ltibox could not confirm that this window belongs to the launch that opened it. Go back to your course and open the activity again.</p></section>
{{else}}<section id="fallback" hidden aria-labelledby="fallback-title"><h1 id="fallback-title">Open this activity in a new window</h1>
<p>Your browser blocks the cookie ltibox needs inside the course page{{if .Target}} and your LMS could not keep it either{{end}}, so the activity has to open in its own window.</p>
<p><button type="button" id="open-window" disabled>Open in a new window</button></p>
<p id="fallback-status" role="status" aria-live="polite"></p></section>
{{end}}{{if eq .Step "launch"}}<form id="complete" method="post" action="/lti/launch/storage">
<input type="hidden" name="id_token" value="{{.IDToken}}"><input type="hidden" name="state" value="{{.State}}">
{{if .Error}}<input type="hidden" name="error" value="{{.Error}}"><input type="hidden" name="error_description" value="{{.ErrorDescription}}">{{end}}
<input type="hidden" name="bound_state" value=""><input type="hidden" name="bound_nonce" value=""></form>{{end}}
<noscript><p>{{if eq .Step "login"}}<a href="{{.AuthURL}}">Continue to your LMS</a>. If the activity then fails, allow cookies for this site.{{else}}ltibox needs JavaScript, or cookies allowed for this site, to finish this launch. Turn one of them on and open the activity again.{{end}}</p></noscript>
</main></body></html>`))

func (s *Server) renderBridge(c *fiber.Ctx, p bridgePage) error {
	p.TimeoutMillis = strconv.Itoa(int(bridgeTimeout / time.Millisecond))
	var buf bytes.Buffer
	if err := bridgeTemplate.Execute(&buf, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(buf.Bytes())
}

// loginBridge answers a login whose state cookie may not stick.
func (s *Server) loginBridge(c *fiber.Ctx, res *lti.LoginResult, storageTarget string) error {
	return s.renderBridge(c, bridgePage{Step: "login", Title: "Starting the activity", Working: "Starting the activity…",
		AuthURL: res.RedirectURL, PlatformOrig: originOf(res.Registration.AuthURL), AnyOrigin: anyOriginQuirk(res.Registration),
		Target: storageTarget, State: res.State, Nonce: res.Nonce})
}

// launchBridge handles a launch POST that came without the state cookie. If
// its login stored the state in platform storage, it answers the page that
// reads it back and reports handled; otherwise VerifyLaunch rejects the
// launch as unbound.
func (s *Server) launchBridge(c *fiber.Ctx, state string) (handled bool, err error) {
	login, err := s.db.PeekLogin(c.UserContext(), lti.HashToken(state))
	if err != nil || login.Binding != lti.BindingStorage || login.StorageTarget == "" {
		return false, nil
	}
	reg, err := s.db.Registration(c.UserContext(), login.RegistrationID)
	if err != nil {
		return false, nil
	}
	return true, s.renderBridge(c, bridgePage{Step: "launch", Title: "Opening the activity", Working: "Checking that this launch started in this browser…",
		PlatformOrig: originOf(reg.AuthURL), AnyOrigin: anyOriginQuirk(reg), Target: login.StorageTarget,
		State: state, Nonce: login.Nonce, IDToken: c.FormValue("id_token"), Error: c.FormValue("error"), ErrorDescription: c.FormValue("error_description")})
}

// sameOrigin reports whether a POST comes from ltibox's own pages: browsers
// set Origin (and Sec-Fetch-Site) on every POST and no other site can forge
// them, so a bridge completion cannot be posted from anywhere else (login CSRF).
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	own := originOf(s.cfg.BaseURL)
	return own != "" && c.Get(fiber.HeaderOrigin) == own
}

var errCrossSite = &lti.CheckError{Check: "launch.bridge_cross_site", Status: 403, Title: "This launch could not be verified",
	Message: "This request did not come from ltibox's own page in your browser, so ltibox cannot trust it.",
	Hint:    "Go back to your course and open the activity again."}

// completeStorageLaunch finishes a launch whose state and nonce the launch
// page read back from platform storage. Every launch check applies, plus:
// the POST must come from the launch page itself, the login must have
// offered storage, and the values read back must be this login's.
func (s *Server) completeStorageLaunch(c *fiber.Ctx) error {
	if len(c.Body()) > maxLaunchBody {
		return model.Errorf(model.ETOOLARGE, "The launch request is larger than ltibox accepts (%d KiB).", maxLaunchBody>>10)
	}
	if !s.sameOrigin(c) {
		return errCrossSite
	}
	l, err := s.tool.VerifyLaunch(c.UserContext(), lti.LaunchRequest{
		IDToken:          c.FormValue("id_token"),
		State:            c.FormValue("state"),
		BoundState:       c.FormValue("bound_state"),
		Binding:          lti.BindingStorage,
		BoundNonce:       c.FormValue("bound_nonce"),
		Error:            c.FormValue("error"),
		ErrorDescription: c.FormValue("error_description"),
	})
	if err != nil {
		s.recordLaunch(c, l, err) // launch log and approval queue
		return err
	}
	return s.finishLaunch(c, l, lti.BindingStorage)
}

// cookieBinding is the binding of a launch whose state cookie came back: a
// new-window login keeps "window", so the counts show how often it was needed.
func cookieBinding(login *lti.LoginState) string {
	if login.Binding == lti.BindingWindow {
		return lti.BindingWindow
	}
	return lti.BindingCookie
}

// logLaunch records which binding a launch used, for operators.
func (s *Server) logLaunch(sess *model.LaunchSession) {
	s.log.Info("launch", "binding", sess.Binding, "registration", sess.RegistrationID, "message_type", sess.MessageType)
}

// stateCookieCheck tells a bridge page whether the state cookie of its login
// came back, i.e. whether this browser keeps ltibox's cookies in this frame.
func (s *Server) stateCookieCheck(c *fiber.Ctx) error {
	state := c.FormValue("state")
	ok := state != "" && c.Cookies(stateCookieName(state)) == state
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"cookie": ok})
}

// launchBindingCounts is the admin view of how launches of one platform bound
// their state: GET /api/admin/platforms/:id/bindings.
func (s *Server) launchBindingCounts(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return model.Errorf(model.EINVALID, "The platform id must be a number.")
	}
	if _, err := s.db.Registration(c.UserContext(), id); err != nil {
		return err
	}
	counts, err := s.db.LaunchBindingCounts(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"bindings": counts})
}
