package ltitest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// fakeTool is a tiny LTI tool for testing the emulator against: it initiates
// login, verifies launches against the platform JWKS, and signs client
// assertions with its own key served from its own JWKS.
type fakeTool struct {
	t        testing.TB
	p        *ltitest.Platform
	srv      *httptest.Server
	clientID string
	now      func() time.Time

	mu         sync.Mutex
	key        *rsa.PrivateKey
	kid        string
	nonces     map[string]string // state -> nonce
	claims     jwt.MapClaims     // last verified launch
	header     map[string]any
	errFields  url.Values // last error posted by the platform
	editAuth   func(url.Values)
	jwksServed int
}

// newFakeTool starts the tool and registers it with p.
func newFakeTool(t testing.TB, p *ltitest.Platform, cfg ltitest.ToolConfig) *fakeTool {
	t.Helper()
	ft := &fakeTool{t: t, p: p, nonces: map[string]string{}, now: time.Now}
	ft.rotate()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", ft.handleJWKS)
	mux.HandleFunc("/login", ft.handleLogin)
	mux.HandleFunc("POST /launch", ft.handleLaunch)
	ft.srv = httptest.NewServer(mux)
	t.Cleanup(ft.srv.Close)
	cfg.LoginURL = ft.srv.URL + "/login"
	cfg.RedirectURIs = []string{ft.srv.URL + "/launch"}
	cfg.TargetLinkURI = ft.srv.URL + "/launch"
	cfg.JWKSURL = ft.srv.URL + "/jwks"
	ft.clientID = p.RegisterTool(cfg)
	return ft
}

// rotate replaces the tool key (the old one disappears from its JWKS).
func (ft *fakeTool) rotate() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		ft.t.Fatal(err)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.key, ft.kid = key, rand.Text()
}

func (ft *fakeTool) handleJWKS(w http.ResponseWriter, r *http.Request) {
	ft.mu.Lock()
	key, kid := ft.key, ft.kid
	ft.jwksServed++
	ft.mu.Unlock()
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgRS256, KID: kid, USE: jwkset.UseSig},
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	json.NewEncoder(w).Encode(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
}

// authParams builds the auth request a correct tool sends for a login form.
func (ft *fakeTool) authParams(login url.Values, state, nonce string) url.Values {
	return url.Values{
		"scope":            {"openid"},
		"response_type":    {"id_token"},
		"response_mode":    {"form_post"},
		"prompt":           {"none"},
		"client_id":        {login.Get("client_id")},
		"redirect_uri":     {ft.srv.URL + "/launch"},
		"login_hint":       {login.Get("login_hint")},
		"lti_message_hint": {login.Get("lti_message_hint")},
		"state":            {state},
		"nonce":            {nonce},
	}
}

func (ft *fakeTool) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.Form.Get("iss") != ft.p.Issuer() || r.Form.Get("client_id") != ft.clientID || r.Form.Get("target_link_uri") == "" {
		http.Error(w, "bad login initiation", http.StatusBadRequest)
		return
	}
	state, nonce := rand.Text(), rand.Text()
	ft.mu.Lock()
	ft.nonces[state] = nonce
	edit := ft.editAuth
	ft.mu.Unlock()
	q := ft.authParams(r.Form, state, nonce)
	if edit != nil {
		edit(q)
	}
	http.SetCookie(w, &http.Cookie{Name: "state", Value: state, Path: "/"})
	http.Redirect(w, r, ft.p.AuthURL()+"?"+q.Encode(), http.StatusFound)
}

func (ft *fakeTool) handleLaunch(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	state := r.PostForm.Get("state")
	if c, err := r.Cookie("state"); err != nil || c.Value != state {
		http.Error(w, "state mismatch", http.StatusUnauthorized)
		return
	}
	if r.PostForm.Get("error") != "" {
		ft.mu.Lock()
		ft.errFields = r.PostForm
		ft.mu.Unlock()
		http.Error(w, "platform error: "+r.PostForm.Get("error"), http.StatusUnauthorized)
		return
	}
	claims, header, err := ft.verifyIDToken(r.Context(), r.PostForm.Get("id_token"))
	if err != nil {
		http.Error(w, "launch rejected: "+err.Error(), http.StatusUnauthorized)
		return
	}
	ft.mu.Lock()
	want := ft.nonces[state]
	delete(ft.nonces, state)
	ok := want != "" && claims["nonce"] == want
	if ok {
		ft.claims, ft.header = claims, header
	}
	ft.mu.Unlock()
	if !ok {
		http.Error(w, "nonce mismatch", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/app#session=ok", http.StatusSeeOther)
}

// verifyIDToken checks an id_token against the platform JWKS as a strict tool
// would: RS256 only, kid required, iss, aud, exp, version.
func (ft *fakeTool) verifyIDToken(ctx context.Context, tok string) (jwt.MapClaims, map[string]any, error) {
	raw, err := httpGet(ctx, ft.p.JWKSURL())
	if err != nil {
		return nil, nil, err
	}
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	claims := jwt.MapClaims{}
	t, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["kid"].(string); !ok {
			return nil, errString("no kid")
		}
		return kf.Keyfunc(t)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(ft.p.Issuer()), jwt.WithAudience(ft.clientID),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return nil, nil, err
	}
	if claims["https://purl.imsglobal.org/spec/lti/claim/version"] != "1.3.0" {
		return nil, nil, errString("bad version")
	}
	return claims, t.Header, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func httpGet(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// assertion signs a client assertion; edit may change header and claims.
func (ft *fakeTool) assertion(edit func(h, c map[string]any)) string {
	ft.t.Helper()
	ft.mu.Lock()
	key, kid := ft.key, ft.kid
	ft.mu.Unlock()
	now := ft.now()
	c := map[string]any{
		"iss": ft.clientID, "sub": ft.clientID, "aud": ft.p.TokenURL(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": rand.Text(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(c))
	tok.Header["kid"] = kid
	if edit != nil {
		edit(tok.Header, c)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		ft.t.Fatal(err)
	}
	return s
}

// tokenForm is a correct token request body.
func (ft *fakeTool) tokenForm(assertion string, scopes ...string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join(scopes, " ")},
	}
}

// postToken sends a token request and decodes the JSON answer.
func postToken(t testing.TB, p *ltitest.Platform, contentType string, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(p.TokenURL(), contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	return resp.StatusCode, m
}

// accessToken gets a bearer token for scopes or fails the test.
func (ft *fakeTool) accessToken(scopes ...string) string {
	ft.t.Helper()
	status, m := postToken(ft.t, ft.p, "application/x-www-form-urlencoded", ft.tokenForm(ft.assertion(nil), scopes...).Encode())
	if status != http.StatusOK {
		ft.t.Fatalf("token: %d %v", status, m)
	}
	return m["access_token"].(string)
}

// browser is an HTTP client with a cookie jar, like a user's browser.
func browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// call makes a service request and returns status, headers and body.
func call(t testing.TB, method, u, token string, headers map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// fakeClock is a settable clock for expiry tests without sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// nextLink finds the URL of rel in an RFC 8288 Link header value.
func nextLink(header, rel string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if strings.TrimSpace(p) == `rel="`+rel+`"` {
				return strings.Trim(target, "<>")
			}
		}
	}
	return ""
}
