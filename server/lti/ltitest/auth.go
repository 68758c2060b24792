package ltitest

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
)

// authResult is the outcome of an OIDC auth request: either a form to post to
// the redirect URI (id_token or error fields), or a reason the redirect URI
// itself cannot be trusted, in which case nothing is posted anywhere.
type authResult struct {
	action     string
	fields     [][2]string
	badRequest string
}

// authorize runs Moodle's auth.php checks. The redirect URI is checked first:
// until it is known to be registered for the client, errors cannot be sent to it.
// The lti_message_hint is consumed by any request that gets that far, good or
// bad, as Moodle clears it from the session.
func (p *Platform) authorize(v url.Values) authResult {
	clientID, redirect := v.Get("client_id"), v.Get("redirect_uri")
	hint := v.Get("lti_message_hint")
	p.mu.Lock()
	t, ok := p.tools[clientID]
	if !ok {
		p.mu.Unlock()
		if clientID == "" {
			return authResult{badRequest: "missing client_id"}
		}
		return authResult{badRequest: "unknown client_id"}
	}
	if !slices.Contains(t.RedirectURIs, redirect) {
		p.mu.Unlock()
		return authResult{badRequest: "redirect_uri is not registered for this tool"}
	}
	pl, known := p.pending[hint]
	if known {
		delete(p.pending, hint)
	}
	p.mu.Unlock()

	state := v.Get("state")
	fail := func(code, desc string) authResult {
		r := authResult{action: redirect, fields: [][2]string{{"error", code}, {"error_description", desc}}}
		if state != "" {
			r.fields = append(r.fields, [2]string{"state", state})
		}
		return r
	}
	nonce := v.Get("nonce")
	switch {
	case v.Get("scope") != "openid":
		return fail("invalid_scope", "scope must be openid")
	case v.Get("response_type") != "id_token":
		return fail("unsupported_response_type", "response_type must be id_token")
	case v.Get("response_mode") != "form_post":
		return fail("invalid_request", "Invalid response_mode")
	case v.Get("prompt") != "" && v.Get("prompt") != "none":
		return fail("invalid_request", "Invalid prompt")
	case nonce == "":
		return fail("invalid_request", "missing nonce")
	case state == "":
		return fail("invalid_request", "missing state")
	case v.Get("login_hint") == "":
		return fail("invalid_request", "missing login_hint")
	case hint == "":
		return fail("invalid_request", "missing lti_message_hint")
	case !known:
		return fail("invalid_request", "unknown or already used lti_message_hint")
	case pl.launch.tool.ClientID != clientID:
		return fail("unauthorized_client", "lti_message_hint belongs to another client")
	case v.Get("login_hint") != pl.launch.loginHint:
		return fail("access_denied", "login_hint does not match the user")
	case pl.err != nil:
		return fail("invalid_request", pl.err.Error())
	}
	tok, err := p.idToken(pl.launch, nonce)
	if err != nil {
		return fail("server_error", err.Error())
	}
	return authResult{action: redirect, fields: [][2]string{{"id_token", tok}, {"state", state}}}
}

// handleAuth is the OIDC authorization endpoint (GET and POST, like Moodle). It
// answers with a page that auto-posts the result to the tool's redirect URI, or
// with a 400 page when the redirect URI is not one of the tool's.
func (p *Platform) handleAuth(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeHTMLError(w, http.StatusBadRequest, "The authentication request could not be read.")
		return
	}
	res := p.authorize(r.Form)
	if res.badRequest != "" {
		writeHTMLError(w, http.StatusBadRequest, "Invalid authentication request: "+res.badRequest+".")
		return
	}
	p.writeAutoPost(w, "Signing you in", "Sending you to the tool…", res.action, res.fields)
}

// Authorize runs the /auth logic on a tool redirect URL (the Location of the
// tool's login response) and returns what the browser would post: the action
// URL and either id_token and state, or error, error_description and state.
// It returns an error when the URL is not our auth endpoint or its
// redirect_uri cannot be trusted (where /auth answers 400).
func (p *Platform) Authorize(authRequestURL string) (action string, fields url.Values, err error) {
	u, err := url.Parse(authRequestURL)
	if err != nil {
		return "", nil, fmt.Errorf("authorize: %w", err)
	}
	if !p.isAuthURL(u) {
		return "", nil, fmt.Errorf("authorize: %s is not the platform auth endpoint", authRequestURL)
	}
	res := p.authorize(u.Query())
	if res.badRequest != "" {
		return "", nil, fmt.Errorf("authorize: %w", errors.New(res.badRequest))
	}
	fields = url.Values{}
	for _, f := range res.fields {
		fields.Add(f[0], f[1])
	}
	return res.action, fields, nil
}

// autoPostPage is a form that submits itself via an external script, so it works
// under a Content-Security-Policy of default-src 'self'; the noscript button
// covers browsers without JavaScript.
var autoPostPage = template.Must(template.New("autopost").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<main>
<p>{{.Message}}</p>
<form method="post" action="{{.Action}}" enctype="application/x-www-form-urlencoded" data-autosubmit>
{{range .Fields}}<input type="hidden" name="{{index . 0}}" value="{{index . 1}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form>
</main>
<script src="{{.Script}}"></script>
</body>
</html>
`))

// writeAutoPost renders an auto-submitting form.
func (p *Platform) writeAutoPost(w http.ResponseWriter, title, message, action string, fields [][2]string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "origin")
	autoPostPage.Execute(w, map[string]any{
		"Title":   title,
		"Message": message,
		"Action":  template.URL(action),
		"Fields":  fields,
		"Script":  p.base.Path + "/autosubmit.js",
	})
}

// autosubmitJS submits the page's auto-submit form once the page has loaded.
const autosubmitJS = `"use strict";
(function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
`

// handleAutosubmitJS serves the one script the emulator uses, so pages need no
// inline script.
func handleAutosubmitJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(autosubmitJS))
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<main>
<h1>Error</h1>
<p>{{.}}</p>
</main>
</body>
</html>
`))

// writeHTMLError answers a browser-facing request with a short error page.
func writeHTMLError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	errorPage.Execute(w, msg)
}
