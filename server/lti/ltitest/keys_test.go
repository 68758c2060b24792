package ltitest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/MicahParks/jwkset"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func fetchJWKS(t *testing.T, p *ltitest.Platform) jwkset.JWKSMarshal {
	t.Helper()
	raw, err := httpGet(context.Background(), p.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestJWKSAndRotation(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	set := fetchJWKS(t, p)
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys", len(set.Keys))
	}
	k := set.Keys[0]
	if k.KID != p.KeyID() || k.ALG != jwkset.AlgRS256 || k.USE != jwkset.UseSig || k.KTY != jwkset.KtyRSA || k.D != "" {
		t.Errorf("key %+v", k)
	}
	// kid is the RFC 7638 thumbprint of the published key.
	sum := sha256.Sum256([]byte(`{"e":"` + k.E + `","kty":"RSA","n":"` + k.N + `"}`))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.KID != want {
		t.Errorf("kid %q, RFC 7638 thumbprint %q", k.KID, want)
	}
	old := p.KeyID()
	if err := p.RotateKey(); err != nil {
		t.Fatal(err)
	}
	set = fetchJWKS(t, p)
	if len(set.Keys) != 1 || set.Keys[0].KID == old || set.Keys[0].KID != p.KeyID() {
		t.Errorf("after rotation: %+v (old %s)", set.Keys, old)
	}
	if got := p.JWKSFetches(); got != 2 {
		t.Errorf("JWKSFetches = %d, want 2", got)
	}
}

func TestToolJWKSIsCached(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	for range 3 {
		ft.accessToken(ltitest.ScopeNRPS)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.jwksServed != 1 {
		t.Errorf("tool JWKS fetched %d times for 3 tokens, want 1", ft.jwksServed)
	}
}
