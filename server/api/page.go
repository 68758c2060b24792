package api

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
)

// errorPage is the small HTML page shown inside the LMS iframe when something
// fails: what went wrong, what to do next, and a code to quote to support.
type errorPage struct {
	Title   string
	Message string
	Hint    string
	Code    string
}

// serverPageStyle is the look of the server's own small pages (errors, the home page).
const serverPageStyle = `<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem;color:#1b1b1f;background:#fff}main{max-width:40rem}
h1{font-size:1.4rem;margin:0 0 .5rem}.hint{background:#f3f4f6;border-left:4px solid #2563eb;padding:.75rem 1rem}
.code{color:#555;font-size:.85rem}a{color:#1d4ed8}@media (prefers-color-scheme:dark){body{background:#16161a;color:#eee}.hint{background:#23232a}.code{color:#aaa}a{color:#93b4ff}}</style>`

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · ltibox</title>
` + serverPageStyle + `
</head><body><main role="alert">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Hint}}<p class="hint"><strong>What to do:</strong> {{.Hint}}</p>{{end}}
{{if .Code}}<p class="code">Error code for support: <code>{{.Code}}</code></p>{{end}}
</main></body></html>`))

func (s *Server) renderError(c *fiber.Ctx, status int, p errorPage) error {
	var buf bytes.Buffer
	if err := errorTemplate.Execute(&buf, p); err != nil {
		return c.Status(status).SendString(p.Title + ": " + p.Message)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

// lmsMessage reports whether a request to / carries an LTI login initiation
// (iss and login_hint) or a launch (id_token), in the query or a form.
func lmsMessage(c *fiber.Ctx) bool {
	return (c.FormValue("iss") != "" && c.FormValue("login_hint") != "") || c.FormValue("id_token") != "" ||
		(c.Query("iss") != "" && c.Query("login_hint") != "")
}

// homePage is GET / without --demo: the first address an IT administrator
// opens says what ltibox is and where to set it up, instead of a 404.
var homePage = []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ltibox</title>
` + serverPageStyle + `
</head><body><main>
<h1>ltibox</h1>
<p>This is ltibox, an LTI 1.3 tool. Instructors and students open it from their course in the LMS (Moodle, Canvas, Brightspace and others), not from this address.</p>
<p class="hint"><strong>LMS administrators:</strong> register ltibox in your LMS with the URLs shown in the <a href="/admin/">admin console</a>.</p>
</main></body></html>`)

func (s *Server) home(c *fiber.Ctx) error {
	if lmsMessage(c) { // a login initiation by GET, sent to the bare address
		return s.launchAtHome(c)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(homePage)
}

// launchAtHome is POST /: an LMS whose tool URL was set to ltibox's bare
// address posts its login or launch here. The page says which addresses the
// LMS needs, instead of a bare "Method Not Allowed".
func (s *Server) launchAtHome(c *fiber.Ctx) error {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if lmsMessage(c) { // not every stray POST: scanners would fill the log
		s.log.Warn("an LMS sent a login or launch to ltibox's home address; its tool URLs are wrong", "check", "launch.wrong_url",
			"iss", strings.Clone(c.FormValue("iss")), "origin", c.Get(fiber.HeaderOrigin))
	}
	return s.renderError(c, fiber.StatusBadRequest, errorPage{
		Title:   "The LMS sent this to the wrong ltibox address",
		Message: "The LMS posted to " + base + "/, ltibox's home page. Logins go to " + base + "/lti/login and launches to " + base + "/lti/launch.",
		Hint:    lti.TellSupport + ": the tool's URLs in the LMS must be the ones the ltibox admin console shows (Platforms, Setup).",
		Code:    "launch.wrong_url",
	})
}
