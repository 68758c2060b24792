package lti

import (
	"context"
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
			slog.Warn("platform JWKS refresh failed", "jwks_url", jwksURL, "err", err)
		}
		storage, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
			Client:                    c.client,
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

func (c *jwksCache) forget(jwksURL string) {
	c.mu.Lock()
	pk, ok := c.sets[jwksURL]
	delete(c.sets, jwksURL)
	c.mu.Unlock()
	if ok && pk.cancel != nil {
		pk.cancel()
	}
}
