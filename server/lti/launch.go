package lti

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// LaunchRequest is what the platform posts to the redirect URI, plus the state
// value the browser proved it holds (from the state cookie, platform storage or
// a new-window handoff).
type LaunchRequest struct {
	IDToken    string
	State      string
	BoundState string
	// Binding says where BoundState came from: BindingCookie (default) or
	// BindingStorage, in which case BoundNonce must be the nonce read back
	// from platform storage too, and the login must have offered storage.
	Binding          string
	BoundNonce       string
	Error            string // error=login_required etc., from the platform
	ErrorDescription string
}

// Launch is a verified launch.
type Launch struct {
	Registration *Registration
	Login        *LoginState
	Claims       *Claims
}

// IsInstructor reports whether the launch carries an instructor-like role.
func (l *Launch) IsInstructor() bool { return IsInstructor(l.Claims.RoleList()) }

// VerifyLaunch runs every launch check of the security checklist (8–31) and
// returns the verified launch. The state is consumed even when a later check
// fails, so a rejected id_token can never be retried with the same login.
func (t *Tool) VerifyLaunch(ctx context.Context, req LaunchRequest) (*Launch, error) {
	if req.State == "" {
		return nil, unauthorized("launch.state_missing", "The LMS did not send back the login state.")
	}
	if req.BoundState == "" {
		// A launch posted a second time (Back, or the form resubmitted) comes
		// without the cookie, which its first use cleared: say it was used,
		// rather than send the user and the admin after their cookies.
		if _, err := t.logins.PeekLogin(ctx, HashToken(req.State)); errors.Is(err, ErrLoginUsed) {
			return nil, errStateUsed()
		}
		return nil, unauthorized("launch.state_unbound", "Your browser did not keep the short-lived login cookie that proves this launch started here, so ltibox cannot trust it.").
			hint("Relaunch from your course. If it fails again, allow cookies for this site or open the activity in a new window.")
	}
	if subtle.ConstantTimeCompare([]byte(req.BoundState), []byte(req.State)) != 1 {
		return nil, unauthorized("launch.state_mismatch", "This launch was started in a different browser window than the one finishing it.")
	}
	login, err := t.logins.ConsumeLogin(ctx, HashToken(req.State))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, unauthorized("launch.state_unknown", "ltibox does not know this login; it may have been cleaned up or never started here.")
	case errors.Is(err, ErrLoginUsed):
		return nil, errStateUsed()
	case errors.Is(err, ErrLoginExpired):
		return nil, unauthorized("launch.state_expired", "This launch took too long to complete and has expired.")
	case err != nil:
		return nil, fmt.Errorf("verify launch: %w", err)
	}
	if err := checkStorageBinding(req, login); err != nil {
		return nil, err
	}
	reg, err := t.platforms.Registration(ctx, login.RegistrationID)
	if err != nil {
		return nil, unauthorized("launch.platform_unknown", "The LMS registration for this launch was removed.").with(nil, err)
	}
	if reg.Status != StatusActive {
		return nil, (&CheckError{Check: "launch.platform_disabled", Status: 403, Title: "This LMS is not active in ltibox",
			Message: "The ltibox administrator has not enabled this LMS registration.", Hint: TellSupport + ": it must be approved under " + ApprovalsPage(t.cfg.BaseURL) + " or activated under " + PlatformsPage(t.cfg.BaseURL) + " in the ltibox admin console."}).with(reg, nil)
	}
	if req.Error != "" {
		desc := req.ErrorDescription
		if desc == "" {
			desc = "The LMS did not say why."
		}
		return nil, (&CheckError{Check: "launch.platform_error", Status: 400, Title: "The LMS refused to complete the launch",
			Message: fmt.Sprintf("The LMS answered %q: %s", req.Error, desc), Hint: relaunch}).with(reg, nil)
	}
	claims, err := t.verifyIDToken(ctx, reg, req.IDToken)
	if err != nil {
		return nil, err
	}
	l := &Launch{Registration: reg, Login: login, Claims: claims}
	if err := t.checkClaims(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

func errStateUsed() *CheckError {
	return unauthorized("launch.state_used", "This launch was already used. Each launch can be opened only once.")
}

// verifyIDToken checks the JWT itself: shape, header, signature, iss, aud, azp, times.
func (t *Tool) verifyIDToken(ctx context.Context, reg *Registration, raw string) (*Claims, error) {
	if raw == "" {
		return nil, badRequest("launch.id_token_missing", "The LMS did not send an id_token.").with(reg, nil)
	}
	if strings.Count(raw, ".") != 2 {
		return nil, badRequest("launch.not_jwt", "The id_token the LMS sent is not a JWT.").with(reg, nil)
	}
	// jwksUnavailable says why the key set could not be used in a few words
	// (reason: "HTTP 404", "no answer"); err, the whole story, goes to the log.
	jwksUnavailable := func(reason, err error) *CheckError {
		return (&CheckError{Check: "launch.jwks_unavailable", Status: 502, Title: "ltibox could not read the LMS keys",
			Message: fmt.Sprintf("The LMS key set could not be fetched from the platform's JWKS URL (%v).", reason),
			Hint:    "Try again in a minute. If it persists, " + tellSupport + ": the platform's JWKS URL in ltibox needs checking."}).with(reg, err)
	}
	kf, err := t.jwks.keyfunc(ctx, reg.JWKSURL)
	if err != nil {
		return nil, jwksUnavailable(errors.New("the URL is not usable"), err)
	}
	// The header rules run inside the keyfunc, before any key lookup, so the
	// token is decoded once. jwt also enforces RS256 through WithValidMethods;
	// checking here first gives the precise reason.
	var headerErr *CheckError
	checkHeader := func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid == "" {
			headerErr = unauthorized("launch.kid_missing", "The id_token does not name the key it was signed with (no kid).")
			return nil, headerErr
		}
		if alg, _ := tok.Header["alg"].(string); alg != "RS256" {
			headerErr = unauthorized("launch.alg_not_allowed", fmt.Sprintf("The id_token is signed with %q; ltibox accepts RS256 only.", alg))
			return nil, headerErr
		}
		return kf(tok)
	}
	now := t.cfg.Now()
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithLeeway(t.cfg.Leeway),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(reg.Issuer),
		jwt.WithAudience(reg.ClientID),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	claims := &Claims{}
	if _, err := parser.ParseWithClaims(raw, claims, checkHeader); err != nil {
		if headerErr != nil {
			return nil, headerErr.with(reg, nil)
		}
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method") {
			// alg none / HS256 are refused by WithValidMethods before the keyfunc runs.
			return nil, unauthorized("launch.alg_not_allowed", "The id_token is not signed with RS256; ltibox accepts RS256 only.").with(reg, err)
		}
		if fetchErr := t.jwks.fetchError(reg.JWKSURL); errors.Is(err, jwkset.ErrKeyNotFound) && fetchErr != nil {
			// The kid is unknown because the key set could not be read at all.
			return nil, jwksUnavailable(fetchErr, err)
		}
		if errors.Is(err, jwt.ErrTokenMalformed) {
			if ce := timeClaimType(raw); ce != nil {
				return nil, ce.with(reg, err)
			}
		}
		return nil, tokenError(err).with(reg, err)
	}
	if claims.IssuedAt == nil {
		return nil, unauthorized("launch.claim_missing", "The id_token has no issue time (iat).").with(reg, nil)
	}
	if now.Sub(claims.IssuedAt.Time) > t.cfg.MaxTokenAge {
		return nil, unauthorized("launch.too_old", "The id_token was issued too long ago.").with(reg, nil)
	}
	aud := claims.Audience
	if len(aud) > 1 && claims.AZP == "" {
		return nil, unauthorized("launch.azp_missing", "The id_token names several audiences but no authorized party (azp).").with(reg, nil)
	}
	if claims.AZP != "" && claims.AZP != reg.ClientID {
		return nil, unauthorized("launch.azp_mismatch", "The id_token was issued to another tool (azp does not match the client ID).").with(reg, nil)
	}
	for _, a := range aud {
		if a != reg.ClientID && !slices.Contains(t.cfg.TrustedAudiences, a) {
			return nil, unauthorized("launch.aud_untrusted", fmt.Sprintf("The id_token is also addressed to an audience ltibox does not trust (%q).", a)).with(reg, nil)
		}
	}
	return claims, nil
}

// tokenError maps a jwt validation error to a check.
func tokenError(err error) *CheckError {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed) && errors.As(err, &typeErr):
		// The token is readable JSON (jwt decodes it before it checks the
		// signature); one claim has a type LTI does not allow. Say which, so
		// the admin can report it to the LMS vendor.
		return claimTypeError(claimName(typeErr), jsonKind(typeErr.Value), expectedKind(typeErr.Type))
	case errors.Is(err, jwt.ErrTokenMalformed):
		return badRequest("launch.not_jwt", "The id_token the LMS sent could not be read.")
	case errors.Is(err, jwkset.ErrKeyNotFound):
		return unauthorized("launch.kid_unknown", "The id_token was signed with a key the LMS does not publish.").
			hint("Relaunch from your course. If it keeps failing, " + tellSupport + ": the platform's JWKS URL in ltibox needs checking.")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthorized("launch.key_unusable", "The key the id_token names cannot verify it.")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthorized("launch.signature_invalid", "The id_token signature is not valid; it may have been changed on the way.")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthorized("launch.claim_missing", fmt.Sprintf("The id_token is missing a required claim (%s).", missingClaim(err)))
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthorized("launch.expired", "The id_token has expired.").
			hint("Relaunch from your course. If it keeps happening, the clocks of the LMS and the ltibox server may disagree.")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthorized("launch.iat_future", "The id_token claims to be issued in the future.").
			hint("The clocks of the LMS and the ltibox server disagree. " + TellSupport + ": the server times need checking.")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthorized("launch.nbf_future", "The id_token is not valid yet.")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthorized("launch.iss_mismatch", "The id_token comes from a different LMS than the one that started this login.")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthorized("launch.aud_mismatch", "The id_token was issued to another tool (aud does not contain the client ID).")
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return unauthorized("launch.claims_invalid", "The id_token claims are not valid.")
	}
	return unauthorized("launch.token_invalid", "The id_token could not be verified.")
}

// missingClaim names the claim in a jwt "claim is required" error.
func missingClaim(err error) string {
	for _, c := range []string{"exp", "iat", "nbf", "iss", "aud", "sub"} {
		if strings.Contains(err.Error(), c+" claim is required") {
			return c
		}
	}
	return "exp"
}

// checkClaims applies the LTI message rules to a verified token.
func (t *Tool) checkClaims(ctx context.Context, l *Launch) error {
	c, reg := l.Claims, l.Registration
	reject := func(check, msg string) error { return unauthorized(check, msg).with(reg, nil) }
	switch {
	case c.Nonce == "":
		return reject("launch.nonce_missing", "The id_token has no nonce.")
	case subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(l.Login.Nonce)) != 1:
		return reject("launch.nonce_mismatch", "The id_token was not issued for this login (nonce mismatch).")
	case c.Version == nil:
		return reject("launch.version_missing", "The id_token does not say which LTI version it uses.")
	case *c.Version != Version13:
		return reject("launch.version_wrong", fmt.Sprintf("The id_token uses LTI version %q; ltibox speaks LTI 1.3.0.", *c.Version))
	case c.MessageType == "":
		return reject("launch.message_type_missing", "The id_token does not say what kind of launch it is (message_type).")
	case c.MessageType != MessageResourceLink && c.MessageType != MessageDeepLinking:
		return reject("launch.message_type_unknown", fmt.Sprintf("ltibox does not handle %q launches.", c.MessageType))
	case c.DeploymentID == "":
		return reject("launch.deployment_missing", "The id_token does not name its deployment.")
	case c.TargetLinkURI == "":
		return reject("launch.target_link_uri_missing", "The id_token does not say what to open (target_link_uri).")
	case c.TargetLinkURI != l.Login.TargetLinkURI:
		return reject("launch.target_link_uri_mismatch", "The id_token opens a different link than the login asked for.")
	}
	if c.Subject == "" && (c.MessageType != MessageResourceLink || !reg.AllowAnonymous) {
		return reject("launch.sub_missing", "The id_token does not say who the user is (sub).")
	}
	ids := map[string]string{"sub": c.Subject, "deployment_id": c.DeploymentID}
	if c.ResourceLink != nil {
		ids["resource_link.id"] = c.ResourceLink.ID
	}
	if c.Context != nil {
		ids["context.id"] = c.Context.ID
	}
	for name, v := range ids {
		if !validIdentifier(v) {
			return reject("launch.identifier_invalid", fmt.Sprintf("The %s in the id_token is longer than 255 characters or not plain ASCII.", name))
		}
	}
	if c.Context != nil && c.Context.ID == "" {
		return reject("launch.context_invalid", "The id_token has a context without an id.")
	}
	switch c.MessageType {
	case MessageResourceLink:
		if c.Roles == nil {
			return reject("launch.roles_missing", "The id_token does not list the user's roles.")
		}
		if c.ResourceLink == nil || c.ResourceLink.ID == "" {
			return reject("launch.resource_link_missing", "The id_token does not name the resource link.")
		}
	case MessageDeepLinking:
		dl := c.DeepLinking
		switch {
		case dl == nil:
			return reject("launch.dl_settings_missing", "The deep-linking request has no deep_linking_settings.")
		case dl.ReturnURL == "":
			return reject("launch.dl_return_url_missing", "The deep-linking request does not say where to return the selection.")
		case !t.secureURL(dl.ReturnURL):
			return reject("launch.dl_return_url_insecure", "The deep-linking return URL is not an https URL.")
		case len(dl.AcceptTypes) == 0:
			return reject("launch.dl_accept_types_missing", "The deep-linking request does not say which content it accepts.")
		}
	}
	status, err := t.platforms.DeploymentStatus(ctx, reg.ID, c.DeploymentID)
	switch {
	case errors.Is(err, ErrNotFound):
		return (&CheckError{Check: "launch.deployment_unknown", Status: 403, Title: "This LMS deployment is not registered with ltibox",
			Message: fmt.Sprintf("The launch comes from deployment %q, which ltibox does not know.", c.DeploymentID),
			Hint:    fmt.Sprintf("%s: deployment %q must be added to the platform %q in the ltibox admin console, or approved under %s.", TellSupport, c.DeploymentID, reg.Name, ApprovalsPage(t.cfg.BaseURL))}).with(reg, nil)
	case err != nil:
		return fmt.Errorf("deployment status: %w", err)
	case status == StatusPending:
		return (&CheckError{Check: "launch.deployment_pending", Status: 403, Title: "This LMS deployment is waiting for approval",
			Message: fmt.Sprintf("Deployment %q is waiting for the ltibox administrator's approval.", c.DeploymentID),
			Hint:    TellSupport + ": it must be approved under " + ApprovalsPage(t.cfg.BaseURL) + ". Then relaunch."}).with(reg, nil)
	case status != StatusActive:
		return (&CheckError{Check: "launch.deployment_rejected", Status: 403, Title: "This LMS deployment is not allowed",
			Message: fmt.Sprintf("The ltibox administrator has refused deployment %q.", c.DeploymentID),
			Hint:    TellSupport + " if this is a mistake: the deployment can be approved again on the Deployments page of the ltibox admin console."}).with(reg, nil)
	}
	return nil
}

// validIdentifier: LTI identifiers are at most 255 ASCII characters.
func validIdentifier(s string) bool {
	if len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
