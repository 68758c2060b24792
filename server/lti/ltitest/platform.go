// Package ltitest is the platform emulator: a small but strict LMS that speaks
// LTI 1.3 core, AGS 2.0 and NRPS 2.0 the way Moodle 4.5 does.
//
// Every test of the tool runs against it, and `ltibox serve --demo` mounts it at
// /demo-lms, so it must behave like a real platform: it validates what the tool
// sends (auth requests, client assertions, media types, score timestamps) and
// answers bad input with the status a real LMS would use. A stub that accepted
// anything would let tool bugs through to production.
//
// It is written with net/http only and imports nothing from the rest of ltibox,
// so it can never share a bug with the code it tests.
package ltitest

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
)

// Options configures a Platform.
type Options struct {
	// BaseURL is the public base URL the handler is served at, e.g.
	// "http://127.0.0.1:4321" or "http://localhost:8080/demo-lms". It is also the issuer.
	BaseURL string
	// Name is the display name, default "Demo LMS".
	Name string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// TokenAudience is the client-assertion aud the token endpoint expects
	// (Brightspace style); default the token URL.
	TokenAudience string
	// LowercaseLinkHeader sends "link" instead of "Link", as Canvas does.
	LowercaseLinkHeader bool
	// HTTPClient fetches the tool JWKS; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Hostname is the host NewServer puts in BaseURL (default 127.0.0.1; use
	// "localhost" to put the LMS on another site than a tool on 127.0.0.1).
	Hostname string
	// StorageTarget turns platform storage on: the login initiation carries
	// lti_storage_target with this frame name ("_parent", or a named frame such
	// as Canvas's "post_message_forwarding"); "" means no platform storage (Moodle).
	StorageTarget string
	// StorageFrameHost serves the named storage frame from another host name
	// (same scheme and port), i.e. another origin than the platform's OIDC auth
	// origin, e.g. "127.0.0.1" for a platform on localhost. Default: the platform's own.
	StorageFrameHost string
	// StorageSubjectPrefix is "org.imsglobal." for platforms that speak the
	// older prefixed subjects (org.imsglobal.lti.put_data), as older Brightspace does.
	StorageSubjectPrefix string
	// KeepToolKeys caches a tool's key set until ForgetToolKeys instead of
	// refetching it when a client assertion names an unknown kid: an LMS that
	// honours only the Cache-Control max-age of our JWKS. Key rotation tests use it.
	KeepToolKeys bool
	// ProductFamilyCode is announced in the platform configuration (dynamic
	// registration); default "ltibox-emulator". Pass "moodle" to look like Moodle.
	ProductFamilyCode string
}

// Platform is one emulated LMS. All methods are safe for concurrent use.
type Platform struct {
	opts    Options
	baseURL string   // BaseURL without a trailing slash
	base    *url.URL // parsed baseURL
	guid    string
	handler http.Handler

	mu          sync.Mutex
	key         *rsa.PrivateKey
	kid         string
	otherKey    *rsa.PrivateKey // lazily made for SignWith "other-key"
	jwksFetches int

	tools     map[string]*ToolConfig
	toolOrder []string

	users      map[string]*User
	courses    map[string]*course
	seq        int64 // membership change counter behind NRPS differences
	learnerSeq int

	pending    map[string]*pendingLaunch
	pendingSeq int64

	tokens           map[string]*accessToken
	jtis             map[string]time.Time
	tokenTTL         time.Duration
	tokenRequests    int
	tokenContentType string

	nextLineItem  int
	pageSize      int
	relativeLinks bool
	differences   bool
	shortRoles    bool
	refusals      map[string]*refusal // RefuseMemberships, by course id

	deepLinks  []DeepLinkResponse
	dlRequests map[string]*dlRequest // deep-linking requests by the id in their return URL
	dlSeq      int
	links      []Link // resource links created by deep linking
	linkSeq    int

	failures []failure
	outages  []outage // outage.go
	holds    []hold   // outage.go
	delay    time.Duration
	requests []Request

	storageFault  string
	regTokens     map[string]*registrationToken // dynamic registration (registration.go)
	dynRegs       []DynamicRegistration
	deploymentSeq int

	kfMu     sync.Mutex
	keyfuncs map[string]keyfunc.Keyfunc // tool JWKS URL -> cached key set
}

// New makes a platform with its own RSA-2048 signing key and the default
// directory (see directory.go). BaseURL is required because every URL the
// platform hands out (issuer, endpoints, Link headers) is built from it.
func New(opts Options) (*Platform, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse base url: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("base url %q: want an absolute http(s) url without query or fragment", opts.BaseURL)
	}
	if opts.Name == "" {
		opts.Name = "Demo LMS"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	key, kid, err := newSigningKey()
	if err != nil {
		return nil, fmt.Errorf("new platform: %w", err)
	}
	sum := sha256.Sum256([]byte(base.String()))
	p := &Platform{
		opts:             opts,
		baseURL:          base.String(),
		base:             base,
		guid:             hex.EncodeToString(sum[:16]),
		key:              key,
		kid:              kid,
		tools:            map[string]*ToolConfig{},
		users:            map[string]*User{},
		courses:          map[string]*course{},
		pending:          map[string]*pendingLaunch{},
		tokens:           map[string]*accessToken{},
		jtis:             map[string]time.Time{},
		tokenTTL:         time.Hour,
		tokenContentType: "application/json",
		pageSize:         10,
		differences:      true,
		keyfuncs:         map[string]keyfunc.Keyfunc{},
	}
	p.addDefaultDirectory()
	p.handler = p.routes()
	return p, nil
}

// NewServer runs a platform on an httptest server bound to 127.0.0.1, fills in
// BaseURL, and closes the server when the test ends.
func NewServer(tb testing.TB, opts Options) *Platform {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("ltitest: listen: %v", err)
	}
	opts.BaseURL = "http://" + ln.Addr().String()
	if opts.Hostname != "" {
		opts.BaseURL = "http://" + net.JoinHostPort(opts.Hostname, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
	}
	p, err := New(opts)
	if err != nil {
		ln.Close()
		tb.Fatalf("ltitest: %v", err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.Handler()}}
	srv.Start()
	tb.Cleanup(srv.Close)
	return p
}

// routes is the one route table. Paths are relative to BaseURL's path: the
// caller strips any mount prefix before calling Handler.
func (p *Platform) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.handleDemo)
	mux.HandleFunc("POST /start", p.handleStart)
	mux.HandleFunc("POST /start/deeplink", p.handleStartDeepLink) // deeplink_demo.go
	mux.HandleFunc("POST /start/link", p.handleStartLink)
	mux.HandleFunc("GET /autosubmit.js", handleAutosubmitJS)
	mux.HandleFunc("GET /return", p.handleReturn)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.handleOpenIDConfiguration)
	mux.HandleFunc("GET /jwks", p.handleJWKS)
	mux.HandleFunc("GET /auth", p.handleAuth)
	mux.HandleFunc("POST /auth", p.handleAuth)
	mux.HandleFunc("POST /token", p.handleToken)
	mux.HandleFunc("GET /ags/{context}/lineitems", p.handleLineItemsGet)
	mux.HandleFunc("POST /ags/{context}/lineitems", p.handleLineItemsPost)
	mux.HandleFunc("GET /ags/{context}/lineitems/{id}", p.handleLineItemGet)
	mux.HandleFunc("PUT /ags/{context}/lineitems/{id}", p.handleLineItemPut)
	mux.HandleFunc("DELETE /ags/{context}/lineitems/{id}", p.handleLineItemDelete)
	mux.HandleFunc("POST /ags/{context}/lineitems/{id}/scores", p.handleScores)
	mux.HandleFunc("GET /ags/{context}/lineitems/{id}/results", p.handleResults)
	mux.HandleFunc("GET /nrps/{context}/memberships", p.handleMemberships)
	mux.HandleFunc("POST /deeplink/return", p.handleDeepLinkReturn)
	// Issue 7: platform storage.
	mux.HandleFunc("GET /storage-frame", p.handleStorageFrame)
	mux.HandleFunc("GET /platform-storage.js", handlePlatformStorageJS)
	mux.HandleFunc("POST /register", p.handleRegister) // dynamic registration (registration.go)
	mux.HandleFunc("GET /register-tool", p.handleRegisterTool)
	mux.HandleFunc("GET /register-tool.js", handleRegisterToolJS)
	return p.record(mux)
}

// Handler serves every endpoint. Paths are relative to BaseURL's path.
func (p *Platform) Handler() http.Handler { return p.handler }

// Issuer is the iss of every id_token: the base URL, as Moodle uses its site URL.
func (p *Platform) Issuer() string { return p.baseURL }

// AuthURL is the OIDC authorization endpoint.
func (p *Platform) AuthURL() string { return p.baseURL + "/auth" }

// TokenURL is the OAuth2 token endpoint for client-credentials grants.
func (p *Platform) TokenURL() string { return p.baseURL + "/token" }

// JWKSURL is where the platform publishes its public keys.
func (p *Platform) JWKSURL() string { return p.baseURL + "/jwks" }

// now reads the configured clock.
func (p *Platform) now() time.Time { return p.opts.Now() }

// SetTokenTTL changes the expires_in of new access tokens (default 1 h), so tests
// can make tokens expire with a fake clock instead of sleeping.
func (p *Platform) SetTokenTTL(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenTTL = d
}

// SetTokenContentType changes the Content-Type of token responses. Moodle 4.5
// labels its JSON "text/html"; pass that to check the tool parses by content.
func (p *Platform) SetTokenContentType(ct string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenContentType = ct
}

// SetPageSize sets the largest page AGS and NRPS containers return (default 10);
// a smaller limit query parameter wins, a larger one is capped like real LMSs do.
func (p *Platform) SetPageSize(n int) {
	if n < 1 {
		n = 1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pageSize = n
}

// SetRelativeLinks makes Link headers carry host-relative URLs (path and query
// only), which RFC 8288 allows and some platforms send.
func (p *Platform) SetRelativeLinks(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.relativeLinks = on
}

// SetDifferences turns the NRPS rel="differences" link on the last page on or off
// (default on).
func (p *Platform) SetDifferences(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.differences = on
}

// SetShortRoleNames makes NRPS list membership roles by short name ("Learner"),
// as Moodle does, instead of full URIs (the default).
func (p *Platform) SetShortRoleNames(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shortRoles = on
}
