package ltitest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

const formType = "application/x-www-form-urlencoded"

func TestTokenEndpoint(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{Scopes: []string{ltitest.ScopeScore, ltitest.ScopeLineItem}})

	tests := []struct {
		name        string
		contentType string
		body        func() string
		wantStatus  int
		wantError   string
	}{
		{"good", formType, func() string { return ft.tokenForm(ft.assertion(nil), ltitest.ScopeScore).Encode() }, 200, ""},
		{"charset parameter is fine", formType + "; charset=utf-8", func() string {
			return ft.tokenForm(ft.assertion(nil), ltitest.ScopeScore).Encode()
		}, 200, ""},
		{"json body", "application/json", func() string { return `{"grant_type":"client_credentials"}` }, 400, "invalid_request"},
		{"wrong grant type", formType, func() string {
			f := ft.tokenForm(ft.assertion(nil), ltitest.ScopeScore)
			f.Set("grant_type", "password")
			return f.Encode()
		}, 400, "unsupported_grant_type"},
		{"wrong assertion type", formType, func() string {
			f := ft.tokenForm(ft.assertion(nil), ltitest.ScopeScore)
			f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
			return f.Encode()
		}, 400, "invalid_request"},
		{"no scope", formType, func() string { return ft.tokenForm(ft.assertion(nil)).Encode() }, 400, "invalid_request"},
		{"not a jwt", formType, func() string { return ft.tokenForm("abc", ltitest.ScopeScore).Encode() }, 400, "invalid_request"},
		{"wrong aud", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { c["aud"] = p.Issuer() }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"aud list with token url", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { c["aud"] = []string{"x", p.TokenURL()} }), ltitest.ScopeScore).Encode()
		}, 200, ""},
		{"missing kid", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { delete(h, "kid") }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"unknown kid", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { h["kid"] = "nope" }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"lifetime over 5 min", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) {
				c["exp"] = time.Now().Add(6 * time.Minute).Unix()
			}), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"expired", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) {
				c["iat"] = time.Now().Add(-3 * time.Minute).Unix()
				c["exp"] = time.Now().Add(-2 * time.Minute).Unix()
			}), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"no exp", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { delete(c, "exp") }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"no jti", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { delete(c, "jti") }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"iss differs from sub", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { c["iss"] = "someone" }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"unknown client", formType, func() string {
			return ft.tokenForm(ft.assertion(func(h, c map[string]any) { c["iss"], c["sub"] = "ghost", "ghost" }), ltitest.ScopeScore).Encode()
		}, 401, "invalid_client"},
		{"ungranted scope only", formType, func() string { return ft.tokenForm(ft.assertion(nil), ltitest.ScopeNRPS).Encode() }, 400, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := postToken(t, p, tt.contentType, tt.body())
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, m)
			}
			if tt.wantError != "" {
				if m["error"] != tt.wantError || m["error_description"] == "" {
					t.Errorf("body %v, want error %s", m, tt.wantError)
				}
				return
			}
			if m["token_type"] != "Bearer" || m["expires_in"] != float64(3600) || m["access_token"] == "" || m["scope"] != ltitest.ScopeScore {
				t.Errorf("body %v", m)
			}
		})
	}
	if got := p.TokenRequests(); got != len(tests) {
		t.Errorf("TokenRequests = %d, want %d", got, len(tests))
	}
}

func TestTokenScopesAndReplay(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{Scopes: []string{ltitest.ScopeScore, ltitest.ScopeLineItem}})

	// Ungranted and unknown scopes are dropped silently.
	status, m := postToken(t, p, formType, ft.tokenForm(ft.assertion(nil),
		ltitest.ScopeNRPS, ltitest.ScopeLineItem, "https://example.com/made-up", ltitest.ScopeScore).Encode())
	if status != 200 || m["scope"] != ltitest.ScopeLineItem+" "+ltitest.ScopeScore {
		t.Fatalf("%d %v", status, m)
	}

	// A jti is good once.
	a := ft.assertion(nil)
	if status, m := postToken(t, p, formType, ft.tokenForm(a, ltitest.ScopeScore).Encode()); status != 200 {
		t.Fatalf("first use: %d %v", status, m)
	}
	status, m = postToken(t, p, formType, ft.tokenForm(a, ltitest.ScopeScore).Encode())
	if status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("replay: %d %v", status, m)
	}

	// The tool rotates its key: the platform refetches the tool JWKS on the new kid.
	ft.rotate()
	if status, m := postToken(t, p, formType, ft.tokenForm(ft.assertion(nil), ltitest.ScopeScore).Encode()); status != 200 {
		t.Errorf("after tool key rotation: %d %v", status, m)
	}
}

func TestTokenAudienceAndContentType(t *testing.T) {
	const aud = "https://api.brightspace.com/auth/token"
	p := ltitest.NewServer(t, ltitest.Options{TokenAudience: aud})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	p.SetTokenContentType("text/html; charset=utf-8")

	status, m := postToken(t, p, formType, ft.tokenForm(ft.assertion(nil), ltitest.ScopeNRPS).Encode())
	if status != http.StatusUnauthorized {
		t.Errorf("token URL as aud with a configured audience: %d %v", status, m)
	}
	resp, err := http.Post(p.TokenURL(), formType, strings.NewReader(ft.tokenForm(
		ft.assertion(func(h, c map[string]any) { c["aud"] = aud }), ltitest.ScopeNRPS).Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("configured audience: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestAccessTokenExpires(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	p := ltitest.NewServer(t, ltitest.Options{Now: clock.Now})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	ft.now = clock.Now
	p.SetTokenTTL(time.Minute)
	status, m := postToken(t, p, formType, ft.tokenForm(ft.assertion(nil), ltitest.ScopeNRPS).Encode())
	if status != 200 || m["expires_in"] != float64(60) {
		t.Fatalf("%d %v", status, m)
	}
	tok := m["access_token"].(string)
	url := p.Issuer() + "/nrps/course-101/memberships"
	accept := map[string]string{"Accept": ltitest.MediaMembership}
	if status, _, body := call(t, "GET", url, tok, accept, ""); status != 200 {
		t.Fatalf("fresh token: %d %s", status, body)
	}
	clock.Advance(2 * time.Minute)
	if status, h, _ := call(t, "GET", url, tok, accept, ""); status != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
		t.Errorf("expired token: %d", status)
	}
}
