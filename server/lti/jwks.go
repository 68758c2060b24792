package lti

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwksCache holds one keyfunc per platform JWKS URL. Keys are fetched once and
// refreshed hourly in the background; a token with an unknown kid triggers at
// most one refetch per URL every refetchEvery (platform key rotation), never a
// fetch per launch. jwkset uses refetchWait both as the longest a launch waits
// for the rate limiter (a longer wait fails at once) and as the timeout of the
// refetch itself, so it must leave room for a real HTTP round trip.
type jwksCache struct {
	ctx    context.Context
	client *http.Client

	mu   sync.Mutex
	sets map[string]*platformKeys
}

type platformKeys struct {
	once   sync.Once
	kf     keyfunc.Keyfunc
	err    error
	cancel context.CancelFunc

	// fetchErr is why the last fetch of the key set failed (nil after one
	// that worked): jwkset only reports it to a callback, and a launch whose
	// kid is not found must say whether the set was unreachable instead.
	fetchMu  sync.Mutex
	fetchErr error
}

func (pk *platformKeys) setFetchErr(err error) {
	pk.fetchMu.Lock()
	pk.fetchErr = err
	pk.fetchMu.Unlock()
}

// errNotKeySet: the JWKS URL answered 200 with something jwkset cannot read.
var errNotKeySet = errors.New("the answer is not a JWK Set")

// errNoAnswer: the JWKS URL could not be reached (the cause is logged).
var errNoAnswer = errors.New("no answer")

// fetchRecorder notes the outcome of each key-set request on its platformKeys.
type fetchRecorder struct {
	next http.RoundTripper
	pk   *platformKeys
}

func (f fetchRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	switch {
	case err != nil:
		f.pk.setFetchErr(errNoAnswer)
	case resp.StatusCode != http.StatusOK:
		f.pk.setFetchErr(fmt.Errorf("HTTP %d", resp.StatusCode))
	default:
		f.pk.setFetchErr(nil) // a body jwkset cannot read is reported by logRefresh after this
	}
	return resp, err
}

const (
	refetchEvery = 30 * time.Second
	refetchWait  = 5 * time.Second
)

func newJWKSCache(ctx context.Context, client *http.Client) *jwksCache {
	return &jwksCache{ctx: ctx, client: client, sets: map[string]*platformKeys{}}
}

// keyfunc returns the jwt.Keyfunc for a platform's JWKS URL, creating it on first use.
func (c *jwksCache) keyfunc(ctx context.Context, jwksURL string) (jwt.Keyfunc, error) {
	c.mu.Lock()
	pk, ok := c.sets[jwksURL]
	if !ok {
		pk = &platformKeys{}
		c.sets[jwksURL] = pk
	}
	c.mu.Unlock()
	pk.once.Do(func() {
		sctx, cancel := context.WithCancel(c.ctx)
		pk.cancel = cancel
		logRefresh := func(ctx context.Context, err error) {
			pk.fetchMu.Lock()
			if pk.fetchErr == nil { // the request went through: its body was the problem
				pk.fetchErr = errNotKeySet
			}
			pk.fetchMu.Unlock()
			slog.Warn("platform JWKS refresh failed", "jwks_url", jwksURL, "err", err)
		}
		hc := *c.client
		hc.Transport = fetchRecorder{next: c.client.Transport, pk: pk}
		if hc.Transport.(fetchRecorder).next == nil {
			hc.Transport = fetchRecorder{next: http.DefaultTransport, pk: pk}
		}
		storage, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
			Client:                    &hc,
			Ctx:                       sctx,
			HTTPTimeout:               10 * time.Second,
			NoErrorReturnFirstHTTPReq: true,
			RefreshErrorHandler:       logRefresh,
			RefreshInterval:           time.Hour,
		})
		if err != nil {
			pk.err = fmt.Errorf("platform jwks %s: %w", jwksURL, err)
			return
		}
		client, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
			HTTPURLs:          map[string]jwkset.Storage{jwksURL: storage},
			RateLimitWaitMax:  refetchWait,
			RefreshUnknownKID: rate.NewLimiter(rate.Every(refetchEvery), 1),
		})
		if err != nil {
			pk.err = fmt.Errorf("platform jwks %s: %w", jwksURL, err)
			return
		}
		pk.kf, pk.err = keyfunc.New(keyfunc.Options{Ctx: sctx, Storage: client, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
	})
	if pk.err != nil {
		// Do not cache a construction failure: the next launch tries again.
		c.forget(jwksURL)
		return nil, pk.err
	}
	return pk.kf.KeyfuncCtx(ctx), nil
}

// fetchError is why the last fetch of the key set at jwksURL failed, or nil.
func (c *jwksCache) fetchError(jwksURL string) error {
	c.mu.Lock()
	pk, ok := c.sets[jwksURL]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	pk.fetchMu.Lock()
	defer pk.fetchMu.Unlock()
	return pk.fetchErr
}

func (c *jwksCache) forget(jwksURL string) {
	c.mu.Lock()
	pk, ok := c.sets[jwksURL]
	delete(c.sets, jwksURL)
	c.mu.Unlock()
	if ok && pk.cancel != nil {
		pk.cancel()
	}
}
