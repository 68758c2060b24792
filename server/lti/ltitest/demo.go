package ltitest

import (
	"html/template"
	"net/http"
)

// demoPage is the course page of `ltibox serve --demo`: plain HTML with no
// inline script or style, so it works under default-src 'self'.
var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>This is a built-in pretend LMS: pick a person to launch ltibox the way a real LMS would, over LTI 1.3.</p>
{{range .Users}}<form method="post" action="{{$.Start}}" target="tool">
<input type="hidden" name="user" value="{{.ID}}">
<button type="submit">Launch as {{.Role}} ({{.Name}})</button>
</form>
{{end}}<form method="post" action="{{.Start}}/deeplink" target="tool">
<button type="submit">Add activities as instructor (deep linking)</button>
</form>
{{range .Links}}<form method="post" action="{{$.Start}}/link" target="tool">
<input type="hidden" name="link" value="{{.Index}}">
<input type="hidden" name="user" value="student">
<button type="submit">Open "{{.Title}}" as student{{if .Graded}} (graded){{end}}</button>
</form>
<form method="post" action="{{$.Start}}/link" target="tool">
<input type="hidden" name="link" value="{{.Index}}">
<input type="hidden" name="user" value="instructor">
<button type="submit">Open "{{.Title}}" as instructor{{if .Graded}} (grading){{end}}</button>
</form>
{{end}}<iframe name="tool" title="ltibox" src="about:blank" width="100%" height="600"></iframe>
{{with .Storage}}{{if .FrameURL}}<iframe name="{{.Script.Frame}}" title="LMS storage" src="{{.FrameURL}}" hidden></iframe>{{end}}
<script src="{{.Script.Src}}" data-role="page" data-frame="{{.Script.Frame}}" data-prefix="{{.Script.Prefix}}" data-fault="{{.Script.Fault}}"></script>{{end}}
</main>
</body>
</html>
`))

// demoCourse and demoUsers are what the demo page offers.
const demoCourse = "course-101"

var demoUsers = []struct{ id, role string }{{"instructor", "instructor"}, {"student", "student"}}

// handleDemo renders the demo course page.
func (p *Platform) handleDemo(w http.ResponseWriter, r *http.Request) {
	type entry struct{ ID, Role, Name string }
	p.mu.Lock()
	title := p.opts.Name
	if c, ok := p.courses[demoCourse]; ok {
		title += " — " + c.Title
	}
	var users []entry
	for _, du := range demoUsers {
		if u, ok := p.users[du.id]; ok {
			users = append(users, entry{ID: u.ID, Role: du.role, Name: u.Name})
		}
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var storage any
	if t := p.storageTarget(); t != "" {
		st := struct {
			Script   storageScript
			FrameURL string
		}{Script: p.storageScriptFor("page")}
		if t != "_parent" {
			st.FrameURL = p.storageFrameURL("frame")
		}
		storage = st
	}
	demoPage.Execute(w, map[string]any{"Title": title, "Users": users, "Start": p.base.Path + "/start", "Storage": storage, "Links": p.demoLinks()})
}

// handleStart begins a demo launch inside the iframe: it renders a page that
// auto-posts the login initiation to the registered tool, with AGS (bound to a
// graded "Activity 1") and NRPS, as a Moodle activity with grades would.
func (p *Platform) handleStart(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeHTMLError(w, http.StatusBadRequest, "The launch request could not be read.")
		return
	}
	userID := r.PostForm.Get("user")
	p.mu.Lock()
	_, known := p.users[userID]
	t, hasTool := p.toolLocked("")
	var loginURL, lineItemID string
	if hasTool {
		loginURL = t.LoginURL
	}
	if c, ok := p.courses[demoCourse]; ok && hasTool {
		for _, li := range c.lineItems {
			if li.ResourceLinkID == "rl-1" && li.owner == "" {
				lineItemID = li.num
			}
		}
		if lineItemID == "" {
			lineItemID = p.addLineItemLocked(c, LineItem{Label: "Activity 1", ScoreMaximum: 100, ResourceLinkID: "rl-1"}, "").num
		}
	}
	p.mu.Unlock()
	switch {
	case !known:
		writeHTMLError(w, http.StatusBadRequest, "Unknown user.")
		return
	case !hasTool:
		writeHTMLError(w, http.StatusServiceUnavailable, "No tool is registered with the demo LMS.")
		return
	}
	form := p.LoginForm(LaunchSpec{UserID: userID, CourseID: demoCourse, WithAGS: true, WithNRPS: true, LineItemID: lineItemID})
	var fields [][2]string
	for _, k := range []string{"iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id", "lti_storage_target"} {
		if form.Has(k) {
			fields = append(fields, [2]string{k, form.Get(k)})
		}
	}
	p.writeAutoPost(w, "Launching", "Starting the tool…", loginURL, fields)
}

// handleReturn is the launch_presentation return_url: where a tool sends the
// user back, with optional lti_msg / lti_errormsg.
func (p *Platform) handleReturn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	msg := q.Get("lti_errormsg")
	if msg == "" {
		msg = q.Get("lti_msg")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	returnPage.Execute(w, map[string]any{"Message": msg, "Home": p.base.Path + "/"})
}

var returnPage = template.Must(template.New("return").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Back in the LMS</title>
</head>
<body>
<main>
<h1>Back in the LMS</h1>
{{if .Message}}<p>{{.Message}}</p>
{{end}}<p><a href="{{.Home}}" target="_top">Return to the course</a></p>
</main>
</body>
</html>
`))
