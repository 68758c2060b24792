package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0):
// the platform opens the tool's registration URL with openid_configuration and
// registration_token; the tool reads the configuration, posts its own
// configuration to the registration endpoint and tells the platform it is done
// with a postMessage. This file is the protocol half; api/registration.go the pages.

// Claim names of dynamic registration.
const (
	ClaimPlatformConfiguration = "https://purl.imsglobal.org/spec/lti-platform-configuration"
	ClaimToolConfiguration     = "https://purl.imsglobal.org/spec/lti-tool-configuration"
)

// PlatformConfiguration is the platform's OpenID configuration as far as a tool needs it.
type PlatformConfiguration struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	RegistrationEndpoint                       string   `json:"registration_endpoint"`
	AuthorizationServer                        string   `json:"authorization_server,omitempty"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	Platform                                   struct {
		ProductFamilyCode string `json:"product_family_code"`
		Version           string `json:"version"`
		MessagesSupported []struct {
			Type       string   `json:"type"`
			Placements []string `json:"placements,omitempty"`
		} `json:"messages_supported"`
	} `json:"https://purl.imsglobal.org/spec/lti-platform-configuration"`
}

// SupportsMessage reports whether the platform lists a message type.
func (pc *PlatformConfiguration) SupportsMessage(typ string) bool {
	for _, m := range pc.Platform.MessagesSupported {
		if m.Type == typ {
			return true
		}
	}
	return false
}

// SupportsScope reports whether the platform lists a scope (an empty list means unknown: assume yes).
func (pc *PlatformConfiguration) SupportsScope(scope string) bool {
	return len(pc.ScopesSupported) == 0 || slices.Contains(pc.ScopesSupported, scope)
}

// registrationError builds the readable refusal of a registration step.
func registrationError(check string, status int, msg, hint string, err error) *CheckError {
	if hint == "" {
		hint = "Check the registration URL in your LMS and start the registration again. If it keeps failing, register ltibox manually from the ltibox admin console."
	}
	return &CheckError{Check: check, Status: status, Title: "ltibox could not register with this LMS", Message: msg, Hint: hint, Err: err}
}

// RegistrationFetch is the guard for one dynamic registration.
type RegistrationFetch struct {
	// AllowPrivate lets the configuration and registration endpoints live on
	// private addresses (an admin setting for on-premises LMSs).
	AllowPrivate bool
}

func (t *Tool) registrationGuard(f RegistrationFetch) GuardPolicy {
	return GuardPolicy{
		AllowLoopback: t.cfg.AllowInsecure || f.AllowPrivate,
		AllowPrivate:  f.AllowPrivate,
		AllowHTTP:     t.cfg.AllowInsecure,
		MaxBytes:      t.cfg.RegistrationMaxBytes,
		Timeout:       t.cfg.RegistrationTimeout,
		UserAgent:     t.cfg.UserAgent,
	}
}

// FetchPlatformConfiguration reads and checks the platform's OpenID
// configuration (checklist 41): fetched through the guarded client, issuer on
// the configuration URL's host, no fragments, https endpoints, id_token and
// RS256 supported, a registration endpoint present.
func (t *Tool) FetchPlatformConfiguration(ctx context.Context, rawURL string, f RegistrationFetch) (*PlatformConfiguration, error) {
	g := t.registrationGuard(f)
	if rawURL == "" {
		return nil, registrationError("register.config_missing", 400, "The LMS did not send its configuration address (openid_configuration).",
			"Start the registration from your LMS (for example \"Add LTI Advantage tool\" in Moodle) instead of opening this address directly.", nil)
	}
	u, err := g.guardURL(rawURL)
	if err != nil {
		return nil, registrationError("register.config_url_invalid", 400, fmt.Sprintf("The LMS configuration address %q is not acceptable: %v.", rawURL, err),
			"ltibox only reads LMS configurations over https. Check the LMS site address (it must start with https://).", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, registrationError("register.config_url_invalid", 400, "The LMS configuration address is not a valid URL.", "", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := GuardedClient(g).Do(req)
	if err != nil {
		return nil, fetchError("config", err)
	}
	defer resp.Body.Close()
	body, err := readLimited(resp.Body, g.maxBytes())
	if err != nil {
		return nil, fetchError("config", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, registrationError("register.config_status", 502, fmt.Sprintf("The LMS answered HTTP %d when ltibox asked for its configuration.", resp.StatusCode), "", nil)
	}
	var pc PlatformConfiguration
	if err := json.Unmarshal(body, &pc); err != nil {
		return nil, registrationError("register.config_invalid", 502, "The LMS configuration is not valid JSON.", "", err)
	}
	if err := t.checkPlatformConfiguration(u, &pc, g); err != nil {
		return nil, err
	}
	return &pc, nil
}

func (g GuardPolicy) maxBytes() int64 {
	if g.MaxBytes <= 0 {
		return 256 << 10
	}
	return g.MaxBytes
}

// fetchError maps a guarded-client failure to a readable refusal.
func fetchError(what string, err error) *CheckError {
	switch {
	case errors.Is(err, ErrAddressNotAllowed):
		return registrationError("register."+what+"_address_refused", 400, "The LMS address points to a private or local network address, which ltibox does not contact.",
			"If your LMS really runs on a private network, an ltibox administrator can allow private addresses under Dynamic registration in the admin console.", err)
	case errors.Is(err, ErrTooLarge):
		return registrationError("register."+what+"_too_large", 502, "The LMS sent a larger answer than ltibox accepts.", "", err)
	case isTimeout(err):
		return registrationError("register."+what+"_timeout", 504, "The LMS did not answer in time.", "Try the registration again in a minute.", err)
	case strings.Contains(err.Error(), "redirect"):
		return registrationError("register."+what+"_redirect_refused", 502, "The LMS redirected ltibox to another site, which ltibox does not follow.", "", err)
	}
	return registrationError("register."+what+"_unreachable", 502, "ltibox could not reach the LMS.", "Check that the LMS can be reached from the ltibox server and try again.", err)
}

func (t *Tool) checkPlatformConfiguration(configURL *url.URL, pc *PlatformConfiguration, g GuardPolicy) error {
	bad := func(check, msg string) error { return registrationError(check, 400, msg, "", nil) }
	iss, err := url.Parse(pc.Issuer)
	switch {
	case pc.Issuer == "" || err != nil || iss.Host == "":
		return bad("register.issuer_missing", "The LMS configuration does not name its issuer.")
	case iss.Fragment != "" || strings.Contains(pc.Issuer, "#"):
		return bad("register.issuer_fragment", "The LMS issuer contains a fragment (#), which LTI forbids.")
	case !strings.EqualFold(iss.Host, configURL.Host):
		return bad("register.issuer_host_mismatch", fmt.Sprintf("The LMS configuration at %s claims to be the issuer %s, on another host. ltibox only accepts a configuration served by the issuer's own host.", configURL.Host, pc.Issuer))
	}
	for name, v := range map[string]string{"issuer": pc.Issuer, "authorization endpoint": pc.AuthorizationEndpoint, "token endpoint": pc.TokenEndpoint,
		"JWKS URI": pc.JWKSURI, "registration endpoint": pc.RegistrationEndpoint} {
		if v == "" {
			return bad("register.endpoint_missing", fmt.Sprintf("The LMS configuration has no %s.", name))
		}
		if _, err := g.guardURL(v); err != nil || !t.secureURL(v) {
			return bad("register.endpoint_insecure", fmt.Sprintf("The LMS %s %q is not an https URL without a fragment.", name, v))
		}
	}
	if len(pc.ResponseTypesSupported) > 0 && !slices.Contains(pc.ResponseTypesSupported, "id_token") {
		return bad("register.id_token_unsupported", "The LMS does not support id_token responses, which LTI 1.3 launches need.")
	}
	if !slices.Contains(pc.IDTokenSigningAlgValuesSupported, "RS256") {
		return bad("register.rs256_unsupported", "The LMS does not sign id_tokens with RS256, the only algorithm ltibox accepts.")
	}
	if len(pc.TokenEndpointAuthMethodsSupported) > 0 && !slices.Contains(pc.TokenEndpointAuthMethodsSupported, "private_key_jwt") {
		return bad("register.auth_method_unsupported", "The LMS token endpoint does not accept signed JWT client assertions (private_key_jwt).")
	}
	return nil
}

// RegistrationOptions are the admin's choices on the registration page.
type RegistrationOptions struct {
	Name        string
	DeepLinking bool
	Grades      bool
	Roster      bool
	Preset      string // detected preset key (canvas adds its extensions)
}

// ToolRegistration is the client registration request body the tool posts.
type ToolRegistration map[string]any

// RegistrationRequest builds the tool's registration for the platform.
func (t *Tool) RegistrationRequest(pc *PlatformConfiguration, o RegistrationOptions) ToolRegistration {
	urls := t.URLs()
	name := strings.TrimSpace(o.Name)
	if name == "" {
		name = "ltibox"
	}
	scopes := []string{}
	if o.Grades {
		scopes = append(scopes, ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore)
	}
	if o.Roster {
		scopes = append(scopes, ScopeNRPS)
	}
	scopes = slices.DeleteFunc(scopes, func(s string) bool { return !pc.SupportsScope(s) })
	claims := []string{"iss", "sub", "name", "given_name", "family_name", "email"}
	if len(pc.ClaimsSupported) > 0 {
		claims = slices.DeleteFunc(claims, func(c string) bool { return !slices.Contains(pc.ClaimsSupported, c) })
	}
	rl := map[string]any{"type": MessageResourceLink, "target_link_uri": urls.TargetLinkURI, "label": name}
	messages := []map[string]any{rl}
	if o.DeepLinking {
		dl := map[string]any{"type": MessageDeepLinking, "target_link_uri": urls.DeepLinkingURL, "label": name}
		messages = append(messages, dl)
	}
	toolCfg := map[string]any{
		"domain":          urls.Domain,
		"target_link_uri": urls.TargetLinkURI,
		"claims":          claims,
		"messages":        messages,
		"description":     "ltibox: activities, grades and rosters for your course.",
	}
	if o.Preset == PresetCanvas {
		// Canvas extensions: privacy level and placements per message.
		toolCfg["https://canvas.instructure.com/lti/privacy_level"] = "public"
		rl["placements"] = []string{"link_selection", "course_navigation"}
		if o.DeepLinking {
			messages[1]["placements"] = []string{"assignment_selection", "link_selection"}
		}
	}
	return ToolRegistration{
		"application_type":           "web",
		"grant_types":                []string{"implicit", "client_credentials"},
		"response_types":             []string{"id_token"},
		"redirect_uris":              uniqueStrings(urls.RedirectURL, urls.DeepLinkingURL),
		"initiate_login_uri":         urls.LoginURL,
		"client_name":                name,
		"jwks_uri":                   urls.JWKSURL,
		"token_endpoint_auth_method": "private_key_jwt",
		"scope":                      strings.Join(scopes, " "),
		ClaimToolConfiguration:       toolCfg,
	}
}

func uniqueStrings(v ...string) []string {
	out := []string{}
	for _, s := range v {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// RegistrationResult is what the platform answered: the client_id it gave
// ltibox and the deployment it created.
type RegistrationResult struct {
	ClientID     string
	DeploymentID string
	Scope        string
}

// Register posts the tool's registration to the platform's registration
// endpoint with the registration token (if any) as a bearer token. Moodle
// answers 200 (the spec says 201) and plain-text errors; both are handled.
func (t *Tool) Register(ctx context.Context, pc *PlatformConfiguration, token string, body ToolRegistration, f RegistrationFetch) (*RegistrationResult, error) {
	g := t.registrationGuard(f)
	if _, err := g.guardURL(pc.RegistrationEndpoint); err != nil {
		return nil, registrationError("register.endpoint_insecure", 400, "The LMS registration endpoint is not an https URL.", "", err)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pc.RegistrationEndpoint, bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := GuardedClient(g).Do(req)
	if err != nil {
		return nil, fetchError("endpoint", err)
	}
	defer resp.Body.Close()
	answer, err := readLimited(resp.Body, g.maxBytes())
	if err != nil {
		return nil, fetchError("endpoint", err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		reason := platformReason(answer)
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = "The registration link from your LMS can be used only once and expires. Start the registration again from your LMS to get a fresh link."
		}
		return nil, registrationError("register.refused", 502, fmt.Sprintf("The LMS refused the registration (HTTP %d): %s", resp.StatusCode, reason), hint, nil)
	}
	var out struct {
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		ToolCfg  struct {
			DeploymentID string `json:"deployment_id"`
		} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || out.ClientID == "" {
		return nil, registrationError("register.response_invalid", 502, "The LMS accepted the registration but its answer has no client_id.", "", err)
	}
	return &RegistrationResult{ClientID: out.ClientID, DeploymentID: out.ToolCfg.DeploymentID, Scope: out.Scope}, nil
}

func (g GuardPolicy) timeout() time.Duration {
	if g.Timeout <= 0 {
		return 10 * time.Second
	}
	return g.Timeout
}

// platformReason turns an error body (JSON or Moodle's plain text) into one short line.
func platformReason(b []byte) string {
	var j struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	s := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &j) == nil && j.Error != "" {
		s = strings.TrimSpace(j.Error + " " + j.Description)
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "no reason given"
	}
	return s
}
