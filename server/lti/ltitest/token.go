package ltitest

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

const (
	grantClientCredentials = "client_credentials"
	assertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

	// maxAssertionLifetime is the longest exp - iat the token endpoint accepts.
	maxAssertionLifetime = 5 * time.Minute
	// assertionLeeway absorbs small clock differences between tool and platform.
	assertionLeeway = 5 * time.Second
)

// accessToken is an issued bearer token.
type accessToken struct {
	clientID string
	scopes   []string
	expires  time.Time
}

// oauthError is an RFC 6749 section 5.2 error response.
type oauthError struct {
	status      int
	code        string
	description string
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

// handleToken is the client-credentials token endpoint with private_key_jwt
// client authentication (LTI Security Framework section 4.1).
func (p *Platform) handleToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.tokenRequests++
	p.mu.Unlock()
	body, oerr := p.issueToken(r)
	if oerr != nil {
		writeJSON(w, oerr.status, "application/json",
			map[string]string{"error": oerr.code, "error_description": oerr.description})
		return
	}
	p.mu.Lock()
	ct := p.tokenContentType
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, ct, body)
}

// issueToken validates a token request and mints a token for the granted scopes.
func (p *Platform) issueToken(r *http.Request) (map[string]any, *oauthError) {
	bad := func(code, desc string) *oauthError { return &oauthError{http.StatusBadRequest, code, desc} }
	// Moodle reads $_POST: any other body type looks like an empty request.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, bad("invalid_request", "body must be application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		return nil, bad("invalid_request", "body could not be parsed")
	}
	f := r.PostForm
	for _, name := range []string{"grant_type", "client_assertion_type", "client_assertion", "scope"} {
		if f.Get(name) == "" {
			return nil, bad("invalid_request", "missing "+name)
		}
	}
	if f.Get("grant_type") != grantClientCredentials {
		return nil, bad("unsupported_grant_type", "grant_type must be client_credentials")
	}
	if f.Get("client_assertion_type") != assertionTypeJWTBearer {
		return nil, bad("invalid_request", "client_assertion_type must be "+assertionTypeJWTBearer)
	}
	tool, oerr := p.verifyAssertion(r.Context(), f.Get("client_assertion"))
	if oerr != nil {
		return nil, oerr
	}
	// Unknown or ungranted scopes are dropped silently, as Moodle does.
	var granted []string
	for _, s := range strings.Fields(f.Get("scope")) {
		if slices.Contains(tool.Scopes, s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		return nil, bad("invalid_scope", "none of the requested scopes is granted to this tool")
	}
	tok := randomToken()
	p.mu.Lock()
	ttl, now := p.tokenTTL, p.now()
	if len(p.tokens) > 10000 {
		for k, t := range p.tokens {
			if !now.Before(t.expires) {
				delete(p.tokens, k)
			}
		}
	}
	p.tokens[tok] = &accessToken{clientID: tool.ClientID, scopes: granted, expires: now.Add(ttl)}
	p.mu.Unlock()
	return map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(ttl / time.Second),
		"scope":        strings.Join(granted, " "),
	}, nil
}

// verifyAssertion checks the client assertion JWT: RS256 with a kid from the
// tool's JWKS, iss = sub = client_id, our audience, a bounded lifetime and a
// fresh jti. Failures are invalid_client (401), per RFC 7523 section 3.2,
// except a replayed jti, which is invalid_grant (400).
func (p *Platform) verifyAssertion(ctx context.Context, assertion string) (ToolConfig, *oauthError) {
	unauthorized := func(desc string) *oauthError {
		return &oauthError{http.StatusUnauthorized, "invalid_client", desc}
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(assertion, jwt.MapClaims{})
	if err != nil {
		return ToolConfig{}, &oauthError{http.StatusBadRequest, "invalid_request", "client_assertion is not a JWT"}
	}
	sub, _ := unverified.Claims.(jwt.MapClaims)["sub"].(string)
	tool, ok := p.Tool(sub)
	if sub == "" || !ok {
		return ToolConfig{}, unauthorized("unknown client")
	}
	if kid, _ := unverified.Header["kid"].(string); kid == "" {
		return ToolConfig{}, unauthorized("client assertion header has no kid")
	}
	if tool.JWKSURL == "" {
		return ToolConfig{}, unauthorized("no JWKS URL registered for this tool")
	}
	kf, err := p.toolKeyfunc(tool.JWKSURL)
	if err != nil {
		return ToolConfig{}, unauthorized(err.Error())
	}
	aud := p.opts.TokenAudience
	if aud == "" {
		aud = p.TokenURL()
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(assertion, claims, kf.KeyfuncCtx(ctx),
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(tool.ClientID),
		jwt.WithSubject(tool.ClientID),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(assertionLeeway),
		jwt.WithTimeFunc(p.now),
	)
	if err != nil {
		return ToolConfig{}, unauthorized(fmt.Sprintf("client assertion rejected: %v", err))
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return ToolConfig{}, unauthorized("client assertion has no iat")
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Sub(iat.Time) > maxAssertionLifetime {
		return ToolConfig{}, unauthorized("client assertion lifetime exceeds 5 minutes")
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return ToolConfig{}, unauthorized("client assertion has no jti")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := tool.ClientID + "\x00" + jti
	if _, seen := p.jtis[key]; seen {
		return ToolConfig{}, &oauthError{http.StatusBadRequest, "invalid_grant", "client assertion jti already used"}
	}
	now := p.now()
	if len(p.jtis) > 10000 {
		// An expired assertion is rejected by exp anyway, so its jti can go.
		for k, until := range p.jtis {
			if until.Before(now.Add(-time.Hour)) {
				delete(p.jtis, k)
			}
		}
	}
	p.jtis[key] = exp.Time
	return tool, nil
}

// toolKeyfunc returns the cached key set for a tool JWKS URL. An unknown kid
// makes keyfunc refetch the set, as a platform should when a tool rotates
// keys, unless Options.KeepToolKeys.
func (p *Platform) toolKeyfunc(jwksURL string) (keyfunc.Keyfunc, error) {
	p.kfMu.Lock()
	defer p.kfMu.Unlock()
	if kf, ok := p.keyfuncs[jwksURL]; ok {
		return kf, nil
	}
	store, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
		Client:                    p.opts.HTTPClient,
		Ctx:                       context.Background(),
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: true, // a tool that is down now may be up at the next kid miss
	})
	if err != nil {
		return nil, fmt.Errorf("tool jwks: %w", err)
	}
	refetch := rate.NewLimiter(rate.Inf, 1)
	if p.opts.KeepToolKeys {
		refetch = nil
	}
	client, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{jwksURL: store},
		RefreshUnknownKID: refetch,
		RateLimitWaitMax:  time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("tool jwks: %w", err)
	}
	kf, err := keyfunc.New(keyfunc.Options{Storage: client})
	if err != nil {
		return nil, fmt.Errorf("tool jwks: %w", err)
	}
	p.keyfuncs[jwksURL] = kf
	return kf, nil
}

// ForgetToolKeys drops every cached tool key set, as when its max-age runs
// out: the next client assertion fetches the tool's JWKS again.
func (p *Platform) ForgetToolKeys() {
	p.kfMu.Lock()
	defer p.kfMu.Unlock()
	clear(p.keyfuncs)
}

// TokenRequests is how many requests reached the token endpoint, good or bad.
func (p *Platform) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenRequests
}

// bearer checks the Authorization header of a service call and that the token
// carries one of the scopes. It writes 401 (no or bad token) or 403 (token
// without the scope) and returns ok=false on failure.
func (p *Platform) bearer(w http.ResponseWriter, r *http.Request, scopes ...string) (clientID string, ok bool) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+p.opts.Name+`"`)
		serviceError(w, http.StatusUnauthorized, "missing bearer token")
		return "", false
	}
	p.mu.Lock()
	t, found := p.tokens[strings.TrimSpace(tok)]
	now := p.now()
	p.mu.Unlock()
	if !found || !now.Before(t.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		serviceError(w, http.StatusUnauthorized, "invalid or expired access token")
		return "", false
	}
	for _, s := range scopes {
		if slices.Contains(t.scopes, s) {
			return t.clientID, true
		}
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
	serviceError(w, http.StatusForbidden, "access token lacks the required scope")
	return "", false
}
