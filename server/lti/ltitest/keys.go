package ltitest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"

	"github.com/MicahParks/jwkset"
)

// newSigningKey makes an RSA-2048 key and its RFC 7638 thumbprint, the kid the
// tool will look up in our JWKS.
func newSigningKey() (*rsa.PrivateKey, string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", fmt.Errorf("generate rsa key: %w", err)
	}
	return key, thumbprint(&key.PublicKey), nil
}

// thumbprint is the RFC 7638 JWK thumbprint of an RSA public key: SHA-256 over the
// required members in lexicographic order, with no whitespace.
func thumbprint(pub *rsa.PublicKey) string {
	b64 := base64.RawURLEncoding.EncodeToString
	e := big.NewInt(int64(pub.E)).Bytes()
	canon := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64(e), b64(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(canon))
	return b64(sum[:])
}

// publicJWKS marshals the public half of key with jwkset, so the JSON is exactly
// what a standards-following library produces (no hand-rolled base64 mistakes).
func publicJWKS(key *rsa.PrivateKey, kid string) ([]byte, error) {
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgRS256, KID: kid, USE: jwkset.UseSig},
	})
	if err != nil {
		return nil, fmt.Errorf("jwk from key: %w", err)
	}
	set := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("marshal jwks: %w", err)
	}
	return b, nil
}

// handleJWKS publishes the current signing key. It counts fetches so tests can
// prove the tool caches the set and refetches only on an unknown kid.
func (p *Platform) handleJWKS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.jwksFetches++
	key, kid := p.key, p.kid
	p.mu.Unlock()
	b, err := publicJWKS(key, kid)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// JWKSFetches is how many times /jwks has been fetched.
func (p *Platform) JWKSFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksFetches
}

// KeyID is the kid of the current signing key.
func (p *Platform) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kid
}

// RotateKey replaces the signing key and drops the old one from the JWKS at once,
// the harshest rotation a platform can do: a tool with a cached set must refetch
// on the unknown kid.
func (p *Platform) RotateKey() error {
	key, kid, err := newSigningKey()
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key, p.kid = key, kid
	return nil
}

// otherSigningKey is a key that is not in the JWKS, made once, for the
// SignWith "other-key" knob.
func (p *Platform) otherSigningKey() (*rsa.PrivateKey, error) {
	p.mu.Lock()
	k := p.otherKey
	p.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, _, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.otherKey == nil {
		p.otherKey = k
	}
	return p.otherKey, nil
}

// handleOpenIDConfiguration is a minimal platform discovery document, enough for
// a tool to find the endpoints from the issuer.
func (p *Platform) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{
		"issuer":                                p.Issuer(),
		"authorization_endpoint":                p.AuthURL(),
		"token_endpoint":                        p.TokenURL(),
		"jwks_uri":                              p.JWKSURL(),
		"registration_endpoint":                 p.RegistrationEndpoint(),
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      append([]string{"openid"}, allScopes...),
		"response_types_supported":              []string{"id_token"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "name", "given_name", "family_name", "email"},
		"subject_types_supported":               []string{"public", "pairwise"},
		"https://purl.imsglobal.org/spec/lti-platform-configuration": map[string]any{
			"product_family_code": p.productFamilyCode(),
			"version":             "1.0",
			"messages_supported": []map[string]any{
				{"type": "LtiResourceLinkRequest"},
				{"type": "LtiDeepLinkingRequest"},
			},
		},
	}
	writeJSON(w, http.StatusOK, "application/json", doc)
}
