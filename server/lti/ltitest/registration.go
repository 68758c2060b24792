package ltitest

import (
	"encoding/json"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dynamic registration, as Moodle 4.5 does it: the admin pastes the tool's
// registration URL; the platform opens it with openid_configuration and a
// registration_token (single use, valid 1 h); the tool posts its configuration
// to /register with that token as a bearer token; the platform answers 200 with
// the client_id and the new deployment_id, or a plain-text error.

// registrationTokenTTL is Moodle's registration token lifetime.
const registrationTokenTTL = time.Hour

type registrationToken struct {
	expires time.Time
	used    bool
}

func (p *Platform) productFamilyCode() string {
	if p.opts.ProductFamilyCode != "" {
		return p.opts.ProductFamilyCode
	}
	return productFamilyCode
}

// RegistrationEndpoint is where tools post their registration.
func (p *Platform) RegistrationEndpoint() string { return p.baseURL + "/register" }

// OpenIDConfigurationURL is the platform configuration a tool reads first.
func (p *Platform) OpenIDConfigurationURL() string {
	return p.baseURL + "/.well-known/openid-configuration"
}

// NewRegistrationToken issues a single-use registration token.
func (p *Platform) NewRegistrationToken() string {
	tok := randomToken()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.regTokens == nil {
		p.regTokens = map[string]*registrationToken{}
	}
	p.regTokens[tok] = &registrationToken{expires: p.now().Add(registrationTokenTTL)}
	return tok
}

// RegistrationURL is the address the platform opens: the tool's registration
// URL with openid_configuration and a fresh registration_token.
func (p *Platform) RegistrationURL(toolRegisterURL string) string {
	q := url.Values{"openid_configuration": {p.OpenIDConfigurationURL()}, "registration_token": {p.NewRegistrationToken()}}
	sep := "?"
	if strings.Contains(toolRegisterURL, "?") {
		sep = "&"
	}
	return toolRegisterURL + sep + q.Encode()
}

// DynamicRegistration is one registration a tool posted, for assertions.
type DynamicRegistration struct {
	ClientID     string
	DeploymentID string
	Body         map[string]any
}

// DynamicRegistrations returns the registrations tools made, oldest first.
func (p *Platform) DynamicRegistrations() []DynamicRegistration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.dynRegs)
}

// handleRegister checks the bearer token and the body like Moodle and registers the tool.
func (p *Platform) handleRegister(w http.ResponseWriter, r *http.Request) {
	plain := func(status int, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, msg)
	}
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	p.mu.Lock()
	rt := p.regTokens[tok]
	switch {
	case !ok || tok == "" || rt == nil:
		p.mu.Unlock()
		plain(http.StatusUnauthorized, "invalid_registration_token")
		return
	case rt.used:
		p.mu.Unlock()
		plain(http.StatusUnauthorized, "token_already_used")
		return
	case p.now().After(rt.expires):
		p.mu.Unlock()
		plain(http.StatusUnauthorized, "registration_token_expired")
		return
	}
	rt.used = true // Moodle burns the token on first use, even if the body is bad
	p.mu.Unlock()

	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		plain(http.StatusBadRequest, "Content-Type must be application/json")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		plain(http.StatusBadRequest, "unreadable body")
		return
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		plain(http.StatusBadRequest, "invalid JSON")
		return
	}
	var req struct {
		ApplicationType  string   `json:"application_type"`
		GrantTypes       []string `json:"grant_types"`
		ResponseTypes    []string `json:"response_types"`
		RedirectURIs     []string `json:"redirect_uris"`
		InitiateLoginURI string   `json:"initiate_login_uri"`
		ClientName       string   `json:"client_name"`
		JWKSURI          string   `json:"jwks_uri"`
		AuthMethod       string   `json:"token_endpoint_auth_method"`
		Scope            string   `json:"scope"`
		ToolCfg          *struct {
			Domain        string `json:"domain"`
			TargetLinkURI string `json:"target_link_uri"`
			Claims        []string
			Messages      []struct {
				Type          string `json:"type"`
				TargetLinkURI string `json:"target_link_uri"`
			} `json:"messages"`
		} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		plain(http.StatusBadRequest, "invalid registration request")
		return
	}
	tc := req.ToolCfg
	switch {
	case req.ApplicationType != "web":
		plain(http.StatusBadRequest, "application_type must be web")
	case !slices.Contains(req.GrantTypes, "implicit") || !slices.Contains(req.GrantTypes, "client_credentials"):
		plain(http.StatusBadRequest, "grant_types must include implicit and client_credentials")
	case !slices.Contains(req.ResponseTypes, "id_token"):
		plain(http.StatusBadRequest, "response_types must include id_token")
	case len(req.RedirectURIs) == 0:
		plain(http.StatusBadRequest, "missing redirect_uris")
	case !absURL(req.InitiateLoginURI) || !absURL(req.JWKSURI):
		plain(http.StatusBadRequest, "initiate_login_uri and jwks_uri must be absolute URLs")
	case req.AuthMethod != "private_key_jwt":
		plain(http.StatusBadRequest, "token_endpoint_auth_method must be private_key_jwt")
	case tc == nil:
		plain(http.StatusBadRequest, "missing https://purl.imsglobal.org/spec/lti-tool-configuration")
	case !absURL(tc.TargetLinkURI):
		plain(http.StatusBadRequest, "missing target_link_uri")
	case tc.Domain != hostOf(tc.TargetLinkURI):
		plain(http.StatusBadRequest, "domain must match the host of target_link_uri")
	default:
		p.registerDynamic(w, body, req.RedirectURIs, req.InitiateLoginURI, tc.TargetLinkURI, req.JWKSURI, req.Scope)
	}
}

func (p *Platform) registerDynamic(w http.ResponseWriter, body map[string]any, redirects []string, login, target, jwks, scope string) {
	granted := []string{}
	for _, s := range strings.Fields(scope) {
		if slices.Contains(allScopes, s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	p.mu.Lock()
	p.deploymentSeq++
	dep := strconv.Itoa(100 + p.deploymentSeq)
	p.mu.Unlock()
	clientID := p.RegisterTool(ToolConfig{DeploymentIDs: []string{dep}, LoginURL: login, RedirectURIs: redirects,
		TargetLinkURI: target, JWKSURL: jwks, Scopes: granted})
	p.mu.Lock()
	p.dynRegs = append(p.dynRegs, DynamicRegistration{ClientID: clientID, DeploymentID: dep, Body: body})
	p.mu.Unlock()
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	out["client_id"] = clientID
	out["scope"] = strings.Join(granted, " ")
	tc, _ := body["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	tcOut := map[string]any{"version": "1.3.0", "deployment_id": dep}
	for k, v := range tc {
		if k != "messages" {
			tcOut[k] = v
		}
	}
	out["https://purl.imsglobal.org/spec/lti-tool-configuration"] = tcOut
	writeJSON(w, http.StatusOK, "application/json", out) // Moodle: 200, not 201
}

func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

// handleRegisterTool is the admin page that opens a tool's registration URL in
// a frame and waits for its org.imsglobal.lti.close message, like Moodle's
// "Add LTI Advantage" dialog. GET /register-tool?url=<tool registration URL>.
func (p *Platform) handleRegisterTool(w http.ResponseWriter, r *http.Request) {
	tool := r.URL.Query().Get("url")
	if !absURL(tool) {
		writeHTMLError(w, http.StatusBadRequest, "Pass the tool's registration URL as ?url=.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	registerToolPage.Execute(w, map[string]any{"Frame": p.RegistrationURL(tool), "Script": p.base.Path + "/register-tool.js"})
}

var registerToolPage = template.Must(template.New("register-tool").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Add LTI Advantage tool</title></head>
<body><h1>Add LTI Advantage tool</h1>
<p id="dynreg-status" role="status" aria-live="polite">Registration in progress…</p>
<iframe name="dynreg" title="Tool registration" src="{{.Frame}}" style="width:100%;height:36rem;border:1px solid #ccc"></iframe>
<script src="{{.Script}}"></script>
</body></html>`))

// registerToolJS listens for the tool's close message, as the LTI Dynamic
// Registration spec says a platform must.
const registerToolJS = `window.addEventListener("message", function (e) {
  if (!e.data || e.data.subject !== "org.imsglobal.lti.close") { return; }
  var s = document.getElementById("dynreg-status");
  s.textContent = "Registration closed by the tool.";
  s.dataset.closed = "true";
  s.dataset.origin = e.origin;
});
`

func handleRegisterToolJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	io.WriteString(w, registerToolJS)
}
