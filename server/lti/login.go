package lti

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// LoginRequest is the third-party login initiation a platform sends (GET or POST).
type LoginRequest struct {
	Issuer        string // iss
	LoginHint     string // login_hint
	TargetLinkURI string // target_link_uri
	MessageHint   string // lti_message_hint, echoed unmodified
	ClientID      string // client_id (optional)
	DeploymentID  string // lti_deployment_id (optional)
	StorageTarget string // lti_storage_target (platform storage, optional)
	// Binding says how the caller binds the state to the browser (cookie by default).
	Binding string
}

// LoginResult is where to send the browser next, and the state to bind to it.
type LoginResult struct {
	RedirectURL  string // the platform's OIDC auth endpoint with the authentication request
	State        string // raw state: bind it to the browser (cookie, platform storage)
	Nonce        string
	Registration *Registration
}

// Login validates a login initiation (checklist 1–7), stores a fresh state and
// nonce bound to each other, and returns the authentication request URL.
func (t *Tool) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	switch {
	case req.Issuer == "":
		return nil, badRequest("login.iss_missing", "The LMS did not say who it is (the iss parameter is missing).")
	case req.LoginHint == "":
		return nil, badRequest("login.login_hint_missing", "The LMS did not say who is logging in (the login_hint parameter is missing).")
	case req.TargetLinkURI == "":
		return nil, badRequest("login.target_link_uri_missing", "The LMS did not say what to open (the target_link_uri parameter is missing).")
	}
	reg, err := t.findRegistration(ctx, req.Issuer, req.ClientID)
	if err != nil {
		return nil, err
	}
	if !t.secureURL(reg.AuthURL) {
		return nil, (&CheckError{Check: "login.auth_url_insecure", Status: 400, Title: "This LMS registration is not safe to use",
			Message: "The LMS sign-in address registered in ltibox is not an https URL.",
			Hint:    TellSupport + ": the platform's OIDC auth URL in ltibox must be an https URL."}).with(reg, nil)
	}
	tl, err := url.Parse(req.TargetLinkURI)
	if err != nil || !t.secureURL(req.TargetLinkURI) {
		return nil, (&CheckError{Check: "login.target_link_uri_insecure", Status: 400, Title: "This launch link is not safe to open",
			Message: "The link the LMS asked ltibox to open is not an https URL.",
			Hint:    "Ask your LMS administrator to use the https launch URL shown in the ltibox admin console."}).with(reg, err)
	}
	base, _ := url.Parse(t.cfg.BaseURL)
	if !strings.EqualFold(tl.Host, base.Host) {
		return nil, (&CheckError{Check: "login.target_link_uri_foreign", Status: 400, Title: "This launch link does not point to ltibox",
			Message: fmt.Sprintf("The LMS asked ltibox to open %s, which is not an ltibox address.", tl.Host),
			Hint:    "Ask your LMS administrator to use the launch URL shown in the ltibox admin console."}).with(reg, nil)
	}
	state, err := randomToken()
	if err != nil {
		return nil, err
	}
	nonce, err := randomToken()
	if err != nil {
		return nil, err
	}
	binding := req.Binding
	switch {
	case binding != "":
	case req.StorageTarget != "":
		binding = BindingStorage
	default:
		binding = BindingCookie
	}
	now := t.cfg.Now().UTC()
	if err := t.logins.SaveLogin(ctx, &LoginState{
		StateHash:      HashToken(state),
		Nonce:          nonce,
		RegistrationID: reg.ID,
		TargetLinkURI:  req.TargetLinkURI,
		LoginHint:      req.LoginHint,
		DeploymentHint: req.DeploymentID,
		Binding:        binding,
		MessageHint:    req.MessageHint,
		StorageTarget:  req.StorageTarget,
		CreatedAt:      now,
		ExpiresAt:      now.Add(t.cfg.LoginTTL),
	}); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	q := url.Values{}
	q.Set("scope", "openid")
	q.Set("response_type", "id_token")
	q.Set("response_mode", "form_post")
	q.Set("prompt", "none")
	q.Set("client_id", reg.ClientID)
	q.Set("redirect_uri", t.LaunchURL())
	q.Set("login_hint", req.LoginHint)
	q.Set("state", state)
	q.Set("nonce", nonce)
	if req.MessageHint != "" {
		q.Set("lti_message_hint", req.MessageHint)
	}
	if req.DeploymentID != "" {
		q.Set("lti_deployment_id", req.DeploymentID)
	}
	sep := "?"
	if strings.Contains(reg.AuthURL, "?") {
		sep = "&"
	}
	return &LoginResult{RedirectURL: reg.AuthURL + sep + q.Encode(), State: state, Nonce: nonce, Registration: reg}, nil
}

// findRegistration picks the registration for (issuer, clientID). Without a
// client_id the issuer must have exactly one registration.
func (t *Tool) findRegistration(ctx context.Context, issuer, clientID string) (*Registration, error) {
	regs, err := t.platforms.RegistrationsByIssuer(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("find registration: %w", err)
	}
	unknown := &CheckError{Check: "login.platform_unknown", Status: 400, Title: "This LMS is not registered with ltibox",
		Message: fmt.Sprintf("ltibox has no registration for the LMS %q (client ID %q).", issuer, clientID),
		Hint:    TellSupport + ": this LMS must be added in the ltibox admin console, or the client ID the LMS sends checked.",
		Issuer:  issuer, ClientID: clientID}
	var reg *Registration
	switch {
	case clientID != "":
		for _, r := range regs {
			if r.ClientID == clientID {
				reg = r
			}
		}
	case len(regs) == 1:
		reg = regs[0]
	case len(regs) > 1:
		unknown.Check = "login.client_id_ambiguous"
		unknown.Message = fmt.Sprintf("ltibox has %d registrations for the LMS %q and the LMS did not send a client ID.", len(regs), issuer)
		unknown.Hint = "Ask your LMS administrator to send client_id in the login request."
		return nil, unknown
	}
	if reg == nil {
		return nil, unknown
	}
	switch reg.Status {
	case StatusActive:
		return reg, nil
	case StatusPending:
		return nil, (&CheckError{Check: "login.platform_pending", Status: 403, Title: "This LMS is waiting for approval",
			Message: "The ltibox administrator has not yet approved this LMS registration.",
			Hint:    TellSupport + ": it must be approved under " + ApprovalsPage(t.cfg.BaseURL) + " in the ltibox admin console."}).with(reg, nil)
	default:
		return nil, (&CheckError{Check: "login.platform_disabled", Status: 403, Title: "This LMS is disabled in ltibox",
			Message: "The ltibox administrator has switched this LMS registration off.",
			Hint:    TellSupport + ": it must be activated under " + PlatformsPage(t.cfg.BaseURL) + " in the ltibox admin console."}).with(reg, nil)
	}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewToken returns a fresh opaque random token (sessions, handoffs).
func NewToken() (string, error) { return randomToken() }

// HashToken is how tokens are stored: hex SHA-256, so a leaked database holds no usable token.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
