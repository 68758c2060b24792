package ltitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
)

// LaunchSpec describes one launch the platform will make. The zero value is a
// resource-link launch of the only registered tool by "student" in "course-101".
type LaunchSpec struct {
	ClientID, DeploymentID string // default: the first registered tool / its first deployment
	UserID                 string // default "student"
	Anonymous              bool   // omit sub and PII (with UserID "" the roles are empty unless Roles is set)
	CourseID               string // default "course-101"
	NoContext              bool   // omit the context claim
	// ResourceLinkID and ResourceLinkTitle default to "rl-1" and "Activity 1".
	ResourceLinkID, ResourceLinkTitle string
	MessageType                       string // default "LtiResourceLinkRequest"
	TargetLinkURI                     string // default the tool's TargetLinkURI
	Custom                            map[string]string
	// Roles overrides the roles claim: nil means the user's roles in the course;
	// use []string{} for an empty array.
	Roles []string
	// WithAGS adds the AGS endpoint claim (lineitems URL, the tool's AGS scopes,
	// lineitem if LineItemID is set); WithNRPS adds the NRPS claim. Each is
	// left out, as in Moodle, when the tool was granted none of its scopes.
	WithAGS, WithNRPS bool
	LineItemID        string
	OmitPII           bool // no name, given_name, family_name, email
	// LoginGET makes Launch initiate login with a GET instead of Moodle's POST.
	LoginGET bool
	// DeepLinking sets the deep_linking_settings of an LtiDeepLinkingRequest
	// (nil: Moodle's, see MoodleDeepLinking). See deeplink_links.go.
	DeepLinking *DeepLinkSettings

	// Negative-test knobs, applied when the id_token is built.
	Mutate   func(claims map[string]any) // edit claims before signing
	Header   func(h map[string]any)      // edit the JOSE header
	SignWith string                      // "", "none", "HS256-pubkey" or "other-key"
	Tamper   bool                        // change a payload byte after signing
}

// pendingLaunch is what lti_message_hint points at, like Moodle's session
// launch id: it is single use.
type pendingLaunch struct {
	launch launch
	err    error // why the launch cannot happen; /auth reports it to the tool
	seq    int64
}

// maxPending bounds launches started but never completed.
const maxPending = 10000

// LoginForm returns the OIDC login initiation parameters for spec and registers
// the pending launch behind lti_message_hint. A spec that cannot be resolved
// (unknown user or course) still yields a form; /auth then posts the reason back
// to the tool as an error, and with no tool at all the form has no client_id.
func (p *Platform) LoginForm(spec LaunchSpec) url.Values {
	l, err := p.resolve(spec)
	v := url.Values{}
	v.Set("iss", p.Issuer())
	if l.tool.ClientID == "" {
		v.Set("client_id", spec.ClientID)
		v.Set("login_hint", spec.UserID)
		return v
	}
	hintID := "ltilaunch_" + randomToken()
	hint, _ := json.Marshal(map[string]string{"cmid": l.spec.ResourceLinkID, "launchid": hintID})
	p.mu.Lock()
	p.pendingSeq++
	p.pending[string(hint)] = &pendingLaunch{launch: l, err: err, seq: p.pendingSeq}
	if len(p.pending) > maxPending {
		for k, pl := range p.pending {
			if pl.seq <= p.pendingSeq-maxPending {
				delete(p.pending, k)
			}
		}
	}
	p.mu.Unlock()
	v.Set("login_hint", l.loginHint)
	v.Set("target_link_uri", l.targetLink)
	v.Set("lti_message_hint", string(hint))
	v.Set("client_id", l.tool.ClientID)
	v.Set("lti_deployment_id", l.deploymentID)
	if t := p.storageTarget(); t != "" {
		v.Set("lti_storage_target", t)
	}
	return v
}

// LoginGetURL is the tool's login URL with the initiation parameters in the
// query: the GET form of login initiation that some platforms use.
func (p *Platform) LoginGetURL(spec LaunchSpec) (string, error) {
	p.mu.Lock()
	t, ok := p.toolLocked(spec.ClientID)
	var loginURL string
	if ok {
		loginURL = t.LoginURL
	}
	p.mu.Unlock()
	if !ok {
		return "", errors.New("login get url: no such tool")
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return "", fmt.Errorf("login get url: %w", err)
	}
	q := u.Query()
	for k, vs := range p.LoginForm(spec) {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Launch plays the user's browser through a whole launch with client, which
// should have a cookie jar: it posts the login initiation to the tool, follows
// the tool's redirect to /auth, and posts the id_token form to the redirect URI.
// It returns the tool's final response without following it, so the caller can
// read a 303 Location. If the tool answers the login without a redirect, that
// response is returned instead. The caller closes the body.
func (p *Platform) Launch(ctx context.Context, client *http.Client, spec LaunchSpec) (*http.Response, error) {
	if client == nil {
		return nil, errors.New("launch: nil client")
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	p.mu.Lock()
	t, ok := p.toolLocked(spec.ClientID)
	var loginURL string
	if ok {
		loginURL = t.LoginURL
	}
	p.mu.Unlock()
	if !ok {
		return nil, errors.New("launch: no such tool")
	}

	// 1. Login initiation, a cross-site form post from the platform page.
	var req *http.Request
	var err error
	if spec.LoginGET {
		var u string
		if u, err = p.LoginGetURL(spec); err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	} else {
		form := p.LoginForm(spec)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, loginURL, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", p.origin())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("launch: login request: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("launch: login: %w", err)
	}
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return resp, nil
	}
	loc, err := resp.Location()
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("launch: login redirect: %w", err)
	}

	// 2. The browser follows the redirect to the platform's auth endpoint.
	action, fields, err := p.browseAuth(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}

	// 3. The auto-submitting page posts id_token and state to the tool.
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(fields.Encode()))
	if err != nil {
		return nil, fmt.Errorf("launch: post id token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.origin())
	resp, err = c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("launch: post id token: %w", err)
	}
	return resp, nil
}

// browseAuth requests the auth URL through the platform's own handler (so it
// works wherever the handler is mounted, reachable or not) and reads the form
// the returned page would auto-submit.
func (p *Platform) browseAuth(ctx context.Context, loc *url.URL) (string, url.Values, error) {
	if !p.isAuthURL(loc) {
		return "", nil, fmt.Errorf("tool redirected to %s, not to the platform auth endpoint %s", loc, p.AuthURL())
	}
	rel := *loc
	rel.Scheme, rel.Host = "", ""
	rel.Path = strings.TrimPrefix(loc.Path, p.base.Path)
	rel.RawPath = ""
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, rel.RequestURI(), nil)
	req.Host = p.base.Host
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return "", nil, fmt.Errorf("auth endpoint answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return parseAutoPost(rec.Body.String())
}

// isAuthURL reports whether u points at our auth endpoint.
func (p *Platform) isAuthURL(u *url.URL) bool {
	a, _ := url.Parse(p.AuthURL())
	return u.Scheme == a.Scheme && u.Host == a.Host && u.Path == a.Path
}

// origin is the platform's web origin, sent as Origin on form posts the way a
// browser would.
func (p *Platform) origin() string { return p.base.Scheme + "://" + p.base.Host }

var (
	formActionRE  = regexp.MustCompile(`<form[^>]*\saction="([^"]*)"`)
	hiddenInputRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// parseAutoPost reads the action and hidden fields of an auto-post page that
// this package rendered.
func parseAutoPost(page string) (string, url.Values, error) {
	m := formActionRE.FindStringSubmatch(page)
	if m == nil {
		return "", nil, errors.New("auth page has no form")
	}
	fields := url.Values{}
	for _, in := range hiddenInputRE.FindAllStringSubmatch(page, -1) {
		fields.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), fields, nil
}
