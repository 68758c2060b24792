package ltitest_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// platformKeyfunc reads the platform JWKS once.
func platformKeyfunc(t *testing.T, p *ltitest.Platform) keyfunc.Keyfunc {
	t.Helper()
	raw, err := httpGet(context.Background(), p.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

func decodeSegment(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("segment is not JSON: %v", err)
	}
	return m
}

func TestIDTokenKnobs(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	newFakeTool(t, p, ltitest.ToolConfig{})
	kf := platformKeyfunc(t, p)
	verify := func(tok string) error {
		_, err := jwt.Parse(tok, kf.Keyfunc, jwt.WithValidMethods([]string{"RS256"}))
		return err
	}

	good, err := p.IDToken(ltitest.LaunchSpec{}, "n-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(good); err != nil {
		t.Fatalf("good token does not verify: %v", err)
	}

	t.Run("none", func(t *testing.T) {
		tok, _ := p.IDToken(ltitest.LaunchSpec{SignWith: ltitest.SignNone}, "n")
		parts := strings.Split(tok, ".")
		if len(parts) != 3 || parts[2] != "" || decodeSegment(t, parts[0])["alg"] != "none" {
			t.Errorf("token %q", tok)
		}
	})
	t.Run("hs256 with public key", func(t *testing.T) {
		tok, _ := p.IDToken(ltitest.LaunchSpec{SignWith: ltitest.SignHS256PubKey}, "n")
		raw, _ := httpGet(context.Background(), p.JWKSURL())
		kf2, _ := keyfunc.NewJWKSetJSON(raw)
		pub, err := kf2.Keyfunc(&jwt.Token{Header: map[string]any{"alg": "RS256", "kid": p.KeyID()}})
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(pub)
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			t.Errorf("HS256 token does not verify with the PEM secret: %v", err)
		}
		if verify(tok) == nil {
			t.Error("HS256 token passes an RS256-only check")
		}
	})
	t.Run("other key keeps the kid", func(t *testing.T) {
		tok, _ := p.IDToken(ltitest.LaunchSpec{SignWith: ltitest.SignOtherKey}, "n")
		if h := decodeSegment(t, strings.Split(tok, ".")[0]); h["kid"] != p.KeyID() {
			t.Errorf("kid = %v", h["kid"])
		}
		if verify(tok) == nil {
			t.Error("other-key token verifies")
		}
	})
	t.Run("tamper keeps JSON valid", func(t *testing.T) {
		tok, _ := p.IDToken(ltitest.LaunchSpec{Tamper: true}, "n")
		decodeSegment(t, strings.Split(tok, ".")[1])
		if verify(tok) == nil {
			t.Error("tampered token verifies")
		}
	})
	t.Run("header edit", func(t *testing.T) {
		tok, _ := p.IDToken(ltitest.LaunchSpec{Header: func(h map[string]any) { h["kid"] = "nope" }}, "n")
		if h := decodeSegment(t, strings.Split(tok, ".")[0]); h["kid"] != "nope" {
			t.Errorf("kid = %v", h["kid"])
		}
		if verify(tok) == nil {
			t.Error("unknown kid verifies")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		if _, err := p.IDToken(ltitest.LaunchSpec{UserID: "ghost"}, "n"); err == nil {
			t.Error("want error")
		}
	})
	t.Run("deep linking request", func(t *testing.T) {
		tok, err := p.IDToken(ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking}, "n")
		if err != nil {
			t.Fatal(err)
		}
		c := decodeSegment(t, strings.Split(tok, ".")[1])
		if _, ok := c[lti+"resource_link"]; ok {
			t.Error("resource_link on a deep linking request")
		}
		dl, ok := c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"].(map[string]any)
		if ret, _ := dl["deep_link_return_url"].(string); !ok || !strings.HasPrefix(ret, p.Issuer()+"/deeplink/return?dl=") {
			t.Errorf("deep_linking_settings = %v", dl)
		}
	})
}
