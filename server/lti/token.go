package lti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Service scopes (AGS 2.0, NRPS 2.0).
const (
	ScopeLineItem         = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeLineItemReadOnly = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly   = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeScore            = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeNRPS             = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
)

// HasScope reports whether a launch advertised scope.
func HasScope(granted []string, scope string) bool { return slices.Contains(granted, scope) }

// ServiceError is a failed call to a platform service. Retryable errors (429,
// 5xx, network) go back to the queue with backoff; the others are configuration
// problems that retrying cannot fix (400/401/403/404/422) and are shown to people.
type ServiceError struct {
	Op        string // "token", "score", "lineitems", "memberships", ...
	Status    int    // 0 for a network error
	Retryable bool
	Message   string // the platform's own words, trimmed
	RetryAt   time.Time
	Err       error
}

func (e *ServiceError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Op, e.Message)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.Status, e.Message)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// tokenCache holds access tokens per (registration, scope set) until shortly
// before they expire, and lets one request at a time fetch a missing token per
// key: 100 concurrent score posts cost one token request.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]*tokenEntry
}

type tokenEntry struct {
	mu      sync.Mutex // held while fetching
	token   string
	expires time.Time
	// refused remembers a configuration error (400/401/403 from the token
	// endpoint) until refusedUntil, so the callers queued behind the failed
	// fetch get the same answer instead of each asking again: no retry storm.
	refused      error
	refusedUntil time.Time
}

// refusalMemory is how long a refused token request is answered from memory.
const refusalMemory = 30 * time.Second

// tokenMargin renews tokens this long before the platform says they expire.
const tokenMargin = 60 * time.Second

// TokenRequests counts token fetches (for benchmarks and tests of the cache).
func (t *Tool) TokenRequests() int64 { return t.tokenRequests.Load() }

// AccessToken returns a bearer token for scopes on reg, from the cache when it
// is still fresh, else from the platform's token endpoint with a JWT client
// assertion signed by the tool's current key.
func (t *Tool) AccessToken(ctx context.Context, reg *Registration, scopes []string) (string, error) {
	scopes = slices.Clone(scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	key := fmt.Sprintf("%d %s", reg.ID, strings.Join(scopes, " "))
	t.tokens.mu.Lock()
	if t.tokens.entries == nil {
		t.tokens.entries = map[string]*tokenEntry{}
	}
	e, ok := t.tokens.entries[key]
	if !ok {
		e = &tokenEntry{}
		t.tokens.entries[key] = e
	}
	t.tokens.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token != "" && t.cfg.Now().Before(e.expires) {
		return e.token, nil
	}
	if e.refused != nil && t.cfg.Now().Before(e.refusedUntil) {
		return "", e.refused
	}
	tok, ttl, err := t.fetchToken(ctx, reg, scopes)
	if err != nil {
		var se *ServiceError
		if errors.As(err, &se) && !se.Retryable && se.Status != 0 {
			e.refused, e.refusedUntil = err, t.cfg.Now().Add(refusalMemory)
		}
		return "", err
	}
	e.refused = nil
	margin := tokenMargin
	if ttl <= 2*margin {
		margin = ttl / 2
	}
	e.token, e.expires = tok, t.cfg.Now().Add(ttl-margin)
	return tok, nil
}

// ForgetTokens empties the token cache (after an admin edits a registration).
func (t *Tool) ForgetTokens() {
	t.tokens.mu.Lock()
	t.tokens.entries = nil
	t.tokens.mu.Unlock()
}

// forgetToken drops a cached token the platform refused (revoked early).
func (t *Tool) forgetToken(reg *Registration, scopes []string) {
	scopes = slices.Clone(scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	key := fmt.Sprintf("%d %s", reg.ID, strings.Join(scopes, " "))
	t.tokens.mu.Lock()
	if e, ok := t.tokens.entries[key]; ok {
		e.mu.Lock()
		e.token = ""
		e.mu.Unlock()
	}
	t.tokens.mu.Unlock()
}

// ClientAssertion builds the signed JWT that authenticates the tool at a token
// endpoint (RFC 7523): iss = sub = client_id, aud = the token URL or the
// registration's token audience (Brightspace), a unique jti, five minutes of life.
func (t *Tool) ClientAssertion(ctx context.Context, reg *Registration) (string, error) {
	key, err := t.SigningKey(ctx)
	if err != nil {
		return "", err
	}
	jti, err := randomToken()
	if err != nil {
		return "", err
	}
	aud := reg.TokenURL
	if reg.TokenAudience != "" {
		aud = reg.TokenAudience
	}
	now := t.cfg.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    reg.ClientID,
		Subject:   reg.ClientID,
		Audience:  jwt.ClaimStrings{aud},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		ID:        jti,
	})
	tok.Header["kid"] = key.KID
	return tok.SignedString(key.Private)
}

func (t *Tool) fetchToken(ctx context.Context, reg *Registration, scopes []string) (string, time.Duration, error) {
	t.tokenRequests.Add(1)
	assertion, err := t.ClientAssertion(ctx, reg)
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join(scopes, " ")},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, reg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &ServiceError{Op: "token", Message: "the token URL is not valid: " + err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", 0, &ServiceError{Op: "token", Retryable: true, Message: "the LMS token endpoint did not answer", Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxServiceBody))
	if resp.StatusCode != http.StatusOK {
		return "", 0, statusError("token", resp, body)
	}
	// Moodle labels this JSON text/html: parse by content, not by Content-Type.
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.AccessToken == "" {
		return "", 0, &ServiceError{Op: "token", Status: resp.StatusCode, Message: "the LMS token endpoint answered without an access token"}
	}
	ttl := time.Duration(out.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour
	}
	return out.AccessToken, ttl, nil
}
