package lti

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
)

// GenerateKey makes a new RSA-2048 tool key whose kid is its RFC 7638 thumbprint.
func GenerateKey() (*Key, error) {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return &Key{KID: Thumbprint(&pk.PublicKey), Private: pk}, nil
}

// Thumbprint is the RFC 7638 JWK thumbprint of an RSA public key: SHA-256 over
// the required members in lexicographic order, base64url without padding.
func Thumbprint(pub *rsa.PublicKey) string {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	// json.Marshal of a struct keeps field order, which here is e, kty, n.
	canon, _ := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{b64(big.NewInt(int64(pub.E)).Bytes()), "RSA", b64(pub.N.Bytes())})
	sum := sha256.Sum256(canon)
	return b64(sum[:])
}

// keyRing caches the tool keys and the published JWKS. Keys change only on
// rotation, which may happen in another process (the CLI), so the cache is
// refreshed every minute.
type keyRing struct {
	store   KeyStore
	overlap time.Duration
	now     func() time.Time

	mu       sync.Mutex
	loadedAt time.Time
	current  *Key
	jwks     []byte
}

const keyCacheTTL = time.Minute

func (k *keyRing) load(ctx context.Context) (*Key, []byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.current != nil && k.now().Sub(k.loadedAt) < keyCacheTTL {
		return k.current, k.jwks, nil
	}
	keys, err := k.store.Keys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load keys: %w", err)
	}
	if len(keys) == 0 || keys[0].RetiredAt != nil {
		nk, err := GenerateKey()
		if err != nil {
			return nil, nil, err
		}
		if err := k.store.AddCurrentKey(ctx, nk); err != nil {
			return nil, nil, fmt.Errorf("store first key: %w", err)
		}
		if keys, err = k.store.Keys(ctx); err != nil {
			return nil, nil, fmt.Errorf("load keys: %w", err)
		}
	}
	storage := jwkset.NewMemoryStorage()
	for _, key := range keys {
		if key.RetiredAt != nil && k.now().After(key.RetiredAt.Add(k.overlap)) {
			continue
		}
		jwk, err := jwkset.NewJWKFromKey(&key.Private.PublicKey, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: key.KID, ALG: jwkset.AlgRS256, USE: jwkset.UseSig},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("jwk %s: %w", key.KID, err)
		}
		if err := storage.KeyWrite(ctx, jwk); err != nil {
			return nil, nil, fmt.Errorf("jwk %s: %w", key.KID, err)
		}
	}
	raw, err := storage.JSONPublic(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("jwks: %w", err)
	}
	k.current, k.jwks, k.loadedAt = keys[0], raw, k.now()
	return k.current, k.jwks, nil
}

func (k *keyRing) invalidate() {
	k.mu.Lock()
	k.current = nil
	k.mu.Unlock()
}

// SigningKey returns the current tool key, creating the first one on first use.
func (t *Tool) SigningKey(ctx context.Context) (*Key, error) {
	key, _, err := t.keys.load(ctx)
	return key, err
}

// JWKS returns the tool's public JWK Set: the current key and retired keys still
// inside the overlap window. Public parts only.
func (t *Tool) JWKS(ctx context.Context) ([]byte, error) {
	_, raw, err := t.keys.load(ctx)
	return raw, err
}

// RotateKey makes a new current key; the old one stays published for the overlap window.
func (t *Tool) RotateKey(ctx context.Context) (*Key, error) {
	nk, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := t.keys.store.AddCurrentKey(ctx, nk); err != nil {
		return nil, fmt.Errorf("rotate key: %w", err)
	}
	t.keys.invalidate()
	return nk, nil
}
