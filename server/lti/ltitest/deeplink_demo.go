package ltitest

import (
	"net/http"
	"strconv"
)

// DemoDeepLinking is what the demo course page's "Add activities" button
// sends: Moodle's settings plus accept_lineitem, so the picker offers a
// gradebook column for graded activities, and a data value to echo.
func DemoDeepLinking() DeepLinkSettings {
	s := MoodleDeepLinking()
	s.AcceptLineItem = true
	s.Title = "ltibox"
	data := "demo-course-101"
	s.Data = &data
	return s
}

// demoLink is a created link as the demo page lists it.
type demoLink struct {
	Index  int
	Title  string
	Graded bool
}

// demoLinks lists the deep-linked links of the demo course.
func (p *Platform) demoLinks() []demoLink {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []demoLink
	for i, l := range p.links {
		if l.CourseID == demoCourse {
			out = append(out, demoLink{Index: i, Title: l.Title, Graded: l.LineItem != nil})
		}
	}
	return out
}

// handleStartDeepLink starts an instructor's deep-linking launch from the demo
// page ("Add activities"), inside the page's iframe.
func (p *Platform) handleStartDeepLink(w http.ResponseWriter, r *http.Request) {
	settings := DemoDeepLinking()
	p.demoStart(w, LaunchSpec{UserID: "instructor", CourseID: demoCourse, MessageType: MessageDeepLinking, DeepLinking: &settings})
}

// handleStartLink launches a link created by deep linking, as the given user.
func (p *Platform) handleStartLink(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeHTMLError(w, http.StatusBadRequest, "The launch request could not be read.")
		return
	}
	i, err := strconv.Atoi(r.PostForm.Get("link"))
	if err != nil {
		writeHTMLError(w, http.StatusBadRequest, "Unknown link.")
		return
	}
	spec, err := p.LinkLaunch(i, r.PostForm.Get("user"))
	if err != nil {
		writeHTMLError(w, http.StatusBadRequest, "Unknown link.")
		return
	}
	p.demoStart(w, spec)
}

// demoStart renders the page that auto-posts the login initiation of spec.
func (p *Platform) demoStart(w http.ResponseWriter, spec LaunchSpec) {
	p.mu.Lock()
	t, ok := p.toolLocked("")
	var loginURL string
	if ok {
		loginURL = t.LoginURL
	}
	_, known := p.users[spec.UserID]
	p.mu.Unlock()
	switch {
	case !ok:
		writeHTMLError(w, http.StatusServiceUnavailable, "No tool is registered with the demo LMS.")
		return
	case !known:
		writeHTMLError(w, http.StatusBadRequest, "Unknown user.")
		return
	}
	form := p.LoginForm(spec)
	var fields [][2]string
	for _, k := range []string{"iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id"} {
		fields = append(fields, [2]string{k, form.Get(k)})
	}
	p.writeAutoPost(w, "Launching", "Starting the tool…", loginURL, fields)
}
