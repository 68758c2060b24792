package lti

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Tool.
type Config struct {
	// BaseURL is the tool's public base URL; every URL handed to a platform is built from it.
	BaseURL string
	// AllowInsecure accepts http platform URLs on loopback hosts (demo and tests only).
	AllowInsecure bool
	// Leeway is the clock skew allowed on exp/iat/nbf (default 60 s).
	Leeway time.Duration
	// MaxTokenAge rejects id_tokens issued longer ago than this (default 5 min).
	MaxTokenAge time.Duration
	// LoginTTL is how long a login state waits for its launch (default 10 min).
	LoginTTL time.Duration
	// KeyOverlap keeps retired tool keys in the JWKS this long (default 7 days).
	KeyOverlap time.Duration
	// KeyPrepublish is how long a rotated-in key is published before it signs
	// (default 1 h), so an LMS that caches our key set (we serve it with
	// JWKSMaxAge) and does not refetch on an unknown kid has it already.
	KeyPrepublish time.Duration
	// TrustedAudiences may appear in aud beside our client_id (checklist 24).
	TrustedAudiences []string
	// HTTPClient makes every outbound call (JWKS, tokens, services).
	HTTPClient *http.Client
	// UserAgent is sent on every outbound call (Canvas refuses calls without one).
	UserAgent string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RegistrationTimeout and RegistrationMaxBytes limit each dynamic
	// registration call (default 10 s and 256 KiB).
	RegistrationTimeout  time.Duration
	RegistrationMaxBytes int64
}

// Tool is the LTI 1.3 tool: it initiates logins, verifies launches and signs
// messages. It is safe for concurrent use.
type Tool struct {
	cfg           Config
	platforms     PlatformStore
	logins        LoginStore
	keys          *keyRing
	jwks          *jwksCache
	tokens        tokenCache
	tokenRequests atomic.Int64
	ctx           context.Context
	cancel        context.CancelFunc
	closeOnce     sync.Once
}

// New returns a Tool. Call Close to stop background JWKS refreshes.
func New(cfg Config, platforms PlatformStore, logins LoginStore, keys KeyStore) (*Tool, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("new tool: BaseURL is required")
	}
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, errors.New("new tool: BaseURL is not a URL")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Leeway == 0 {
		cfg.Leeway = 60 * time.Second
	}
	if cfg.MaxTokenAge == 0 {
		cfg.MaxTokenAge = 5 * time.Minute
	}
	if cfg.LoginTTL == 0 {
		cfg.LoginTTL = 10 * time.Minute
	}
	if cfg.KeyOverlap == 0 {
		cfg.KeyOverlap = 7 * 24 * time.Hour
	}
	if cfg.KeyPrepublish == 0 {
		cfg.KeyPrepublish = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ltibox"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	cfg.HTTPClient = withUserAgent(cfg.HTTPClient, cfg.UserAgent)
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tool{cfg: cfg, platforms: platforms, logins: logins, ctx: ctx, cancel: cancel}
	t.keys = &keyRing{store: keys, overlap: cfg.KeyOverlap, now: cfg.Now}
	t.jwks = newJWKSCache(ctx, cfg.HTTPClient)
	return t, nil
}

// Close stops background work.
func (t *Tool) Close() { t.closeOnce.Do(t.cancel) }

// Config returns the tool's configuration.
func (t *Tool) Config() Config { return t.cfg }

// HTTPClient is the outbound client (timeouts, User-Agent) for services built on the tool.
func (t *Tool) HTTPClient() *http.Client { return t.cfg.HTTPClient }

// Tool URLs a platform needs.
func (t *Tool) LoginURL() string    { return t.cfg.BaseURL + "/lti/login" }
func (t *Tool) LaunchURL() string   { return t.cfg.BaseURL + "/lti/launch" }
func (t *Tool) JWKSURL() string     { return t.cfg.BaseURL + "/.well-known/jwks.json" }
func (t *Tool) DeepLinkURL() string { return t.cfg.BaseURL + "/lti/launch" }

// ForgetPlatformKeys drops the cached JWKS of a platform (after an admin edit).
func (t *Tool) ForgetPlatformKeys(jwksURL string) { t.jwks.forget(jwksURL) }

// userAgentTransport sets the User-Agent on every outbound request.
type userAgentTransport struct {
	base http.RoundTripper
	ua   string
}

func (u userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.ua)
	}
	return u.base.RoundTrip(r)
}

func withUserAgent(c *http.Client, ua string) *http.Client {
	cp := *c
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = userAgentTransport{base: base, ua: ua}
	return &cp
}

// secureURL reports whether u is https, or http on a loopback host when insecure URLs are allowed.
func (t *Tool) secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	return u.Scheme == "http" && t.cfg.AllowInsecure && IsLoopbackHost(u.Hostname())
}

// IsLoopbackHost reports whether host names this machine.
func IsLoopbackHost(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" || strings.HasSuffix(host, ".localhost")
}

// ToolURLs are the values an LMS administrator pastes into the LMS.
type ToolURLs struct {
	LoginURL       string `json:"loginUrl"`
	RedirectURL    string `json:"redirectUrl"`
	TargetLinkURI  string `json:"targetLinkUri"`
	JWKSURL        string `json:"jwksUrl"`
	DeepLinkingURL string `json:"deepLinkingUrl"`
	Domain         string `json:"domain"`
}

// URLs returns the tool's URLs for manual registration in an LMS.
func (t *Tool) URLs() ToolURLs {
	u, _ := url.Parse(t.cfg.BaseURL)
	return ToolURLs{LoginURL: t.LoginURL(), RedirectURL: t.LaunchURL(), TargetLinkURI: t.LaunchURL(), JWKSURL: t.JWKSURL(), DeepLinkingURL: t.DeepLinkURL(), Domain: u.Host}
}

// SecureURL reports whether raw is acceptable as a platform URL: https, or
// http on loopback when the tool runs in demo/test mode.
func (t *Tool) SecureURL(raw string) bool { return t.secureURL(raw) }
