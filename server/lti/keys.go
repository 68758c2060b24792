package lti

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
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

// KeyState is where a tool key is in its life at a given moment.
type KeyState string

const (
	// KeyNext is published in the JWKS but does not sign until its ActiveFrom.
	KeyNext KeyState = "next"
	// KeyCurrent signs.
	KeyCurrent KeyState = "current"
	// KeyRetired no longer signs and stays published for the overlap window.
	KeyRetired KeyState = "retired"
)

// State is k's state at now.
func (k *Key) State(now time.Time) KeyState {
	switch {
	case now.Before(k.ActiveFrom):
		return KeyNext
	case k.RetiredAt != nil && !now.Before(*k.RetiredAt):
		return KeyRetired
	}
	return KeyCurrent
}

// RotationPendingError refuses a scheduled rotation while the previous one's
// key is still waiting to sign: a second key would cut that key's
// pre-publication short or never be used.
type RotationPendingError struct{ Next *Key }

func (e *RotationPendingError) Error() string {
	return fmt.Sprintf("a new key (%s) is already published and starts signing at %s UTC; rotate again after that",
		e.Next.KID, e.Next.ActiveFrom.UTC().Format("2006-01-02 15:04"))
}

// keyRing caches the tool keys and the published JWKS. Keys change on
// rotation, which may happen in another process (the CLI), so the cache is
// refreshed every minute, and at once when a key changes state.
type keyRing struct {
	store   KeyStore
	overlap time.Duration
	now     func() time.Time

	mu         sync.Mutex
	validUntil time.Time
	current    *Key
	jwks       []byte
}

// JWKSMaxAge is the Cache-Control max-age the tool's JWKS is served with:
// how long an LMS may keep our key set, which a rotation must outwait
// (KeyPrepublish) and a leaked key survives (RotateKeyNow).
const JWKSMaxAge = 5 * time.Minute

// KeyCacheTTL is how long a Tool keeps its keys and JWKS before reading the
// store again: a rotation made by another process (the CLI) shows within it.
const KeyCacheTTL = time.Minute

// signingKey is the current key with the latest ActiveFrom (keys come latest first).
func signingKey(keys []*Key, now time.Time) *Key {
	for _, k := range keys {
		if k.State(now) == KeyCurrent {
			return k
		}
	}
	return nil
}

func (k *keyRing) load(ctx context.Context) (*Key, []byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.current != nil && now.Before(k.validUntil) {
		return k.current, k.jwks, nil
	}
	keys, err := k.store.Keys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load keys: %w", err)
	}
	current := signingKey(keys, now)
	if current == nil {
		nk, err := GenerateKey()
		if err != nil {
			return nil, nil, err
		}
		nk.CreatedAt, nk.ActiveFrom = now, now
		if err := k.store.AddKey(ctx, nk); err != nil {
			return nil, nil, fmt.Errorf("store first key: %w", err)
		}
		if keys, err = k.store.Keys(ctx); err != nil {
			return nil, nil, fmt.Errorf("load keys: %w", err)
		}
		if current = signingKey(keys, now); current == nil {
			return nil, nil, errors.New("load keys: the new key was not stored")
		}
	}
	validUntil := now.Add(KeyCacheTTL)
	endsEarlier := func(t time.Time) {
		if t.After(now) && t.Before(validUntil) {
			validUntil = t
		}
	}
	// The current key comes first in the set, then the others latest first.
	storage := jwkset.NewMemoryStorage()
	for i, key := range append([]*Key{current}, keys...) {
		if i > 0 && key.KID == current.KID {
			continue
		}
		endsEarlier(key.ActiveFrom)
		if key.RetiredAt != nil {
			endsEarlier(*key.RetiredAt)
			until := key.RetiredAt.Add(k.overlap)
			if !now.Before(until) {
				continue
			}
			endsEarlier(until)
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
	k.current, k.jwks, k.validUntil = current, raw, validUntil
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

// JWKS returns the tool's public JWK Set: the current key, a rotated-in key
// waiting to sign, and retired keys still inside the overlap window. Public
// parts only.
func (t *Tool) JWKS(ctx context.Context) ([]byte, error) {
	_, raw, err := t.keys.load(ctx)
	return raw, err
}

// RotateKey publishes a new key now and has it sign from KeyPrepublish
// later, when the current key retires (staying published for KeyOverlap).
// An LMS that caches our key set without refetching on an unknown kid thus
// never sees a client assertion signed by a key it does not hold. It refuses
// with *RotationPendingError while an earlier rotation's key still waits.
func (t *Tool) RotateKey(ctx context.Context) (*Key, error) {
	if _, err := t.SigningKey(ctx); err != nil {
		return nil, err
	}
	keys, err := t.keys.store.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("rotate key: %w", err)
	}
	now := t.cfg.Now()
	for _, k := range keys {
		if k.State(now) == KeyNext {
			return nil, &RotationPendingError{Next: k}
		}
	}
	return t.addKey(ctx, now, now.Add(t.cfg.KeyPrepublish), t.keys.store.AddKey)
}

// RotateKeyNow is for a leaked key: a new key signs at once and every other
// key leaves the JWKS at once. The tool's keys sit together in its store, so
// a leak of one is taken as a leak of all. LMSs that cached the key set keep
// trusting the old keys until their cache runs out (JWKSMaxAge); those that do not refetch on an unknown kid refuse our
// service calls until then.
func (t *Tool) RotateKeyNow(ctx context.Context) (*Key, error) {
	now := t.cfg.Now()
	return t.addKey(ctx, now, now, t.keys.store.ReplaceKeys)
}

// addKey makes a key that signs from activeFrom and stores it with save.
func (t *Tool) addKey(ctx context.Context, now, activeFrom time.Time, save func(context.Context, *Key) error) (*Key, error) {
	nk, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	nk.CreatedAt, nk.ActiveFrom = now, activeFrom
	if err := save(ctx, nk); err != nil {
		return nil, fmt.Errorf("rotate key: %w", err)
	}
	t.keys.invalidate()
	return nk, nil
}
