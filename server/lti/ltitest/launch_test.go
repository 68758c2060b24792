package ltitest_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

const lti = "https://purl.imsglobal.org/spec/lti/claim/"

func TestLaunchReachesToolWithExpectedClaims(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})

	resp, err := p.Launch(context.Background(), browser(t), ltitest.LaunchSpec{
		UserID: "instructor", WithAGS: true, WithNRPS: true, LineItemID: "7",
		Custom: map[string]string{"chapter": "3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if got := resp.Header.Get("Location"); got != "/app#session=ok" {
		t.Errorf("Location = %q", got)
	}

	ft.mu.Lock()
	claims, header := ft.claims, ft.header
	ft.mu.Unlock()
	if header["alg"] != "RS256" || header["typ"] != "JWT" || header["kid"] != p.KeyID() {
		t.Errorf("header = %v", header)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 60 {
		t.Errorf("exp - iat = %v, want 60", exp-iat)
	}
	if claims["nonce"] == "" || claims["nonce"] == nil {
		t.Error("no nonce")
	}
	base := p.Issuer()
	want := map[string]any{
		"iss":                       base,
		"aud":                       ft.clientID,
		"azp":                       ft.clientID,
		"sub":                       "instructor",
		"name":                      "Grace Hopper",
		"given_name":                "Grace",
		"family_name":               "Hopper",
		"email":                     "grace@example.edu",
		lti + "message_type":        "LtiResourceLinkRequest",
		lti + "version":             "1.3.0",
		lti + "deployment_id":       "1",
		lti + "target_link_uri":     ft.srv.URL + "/launch",
		lti + "resource_link":       map[string]any{"id": "rl-1", "title": "Activity 1"},
		lti + "roles":               []any{ltitest.RoleInstructor},
		lti + "custom":              map[string]any{"chapter": "3"},
		lti + "context":             map[string]any{"id": "course-101", "label": "DEMO101", "title": "Demo Course 101", "type": []any{"http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"}},
		lti + "launch_presentation": map[string]any{"document_target": "iframe", "return_url": base + "/return", "locale": "en"},
		"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": map[string]any{
			"scope":     []any{ltitest.ScopeLineItem, ltitest.ScopeLineItemReadOnly, ltitest.ScopeResultReadOnly, ltitest.ScopeScore},
			"lineitems": base + "/ags/course-101/lineitems",
			"lineitem":  base + "/ags/course-101/lineitems/7",
		},
		"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": map[string]any{
			"context_memberships_url": base + "/nrps/course-101/memberships",
			"service_versions":        []any{"2.0"},
		},
	}
	got := map[string]any{}
	for k := range want {
		got[k] = claims[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	tp := claims[lti+"tool_platform"].(map[string]any)
	if tp["product_family_code"] != "ltibox-emulator" || tp["name"] != "Demo LMS" || tp["guid"] == "" {
		t.Errorf("tool_platform = %v", tp)
	}
}

func TestLaunchVariants(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{Scopes: []string{ltitest.ScopeScore}})
	tests := []struct {
		name  string
		spec  ltitest.LaunchSpec
		check func(t *testing.T, c map[string]any)
	}{
		{"defaults are the student", ltitest.LaunchSpec{}, func(t *testing.T, c map[string]any) {
			if c["sub"] != "student" || c["email"] != "ada@example.edu" {
				t.Errorf("sub %v email %v", c["sub"], c["email"])
			}
			if diff := cmp.Diff([]any{ltitest.RoleLearner}, c[lti+"roles"]); diff != "" {
				t.Error(diff)
			}
			if _, ok := c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]; ok {
				t.Error("AGS claim without WithAGS")
			}
		}},
		{"ags scopes are the granted ones", ltitest.LaunchSpec{WithAGS: true}, func(t *testing.T, c map[string]any) {
			ags := c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"].(map[string]any)
			if diff := cmp.Diff([]any{ltitest.ScopeScore}, ags["scope"]); diff != "" {
				t.Error(diff)
			}
			if _, ok := ags["lineitem"]; ok {
				t.Error("lineitem without LineItemID")
			}
		}},
		{"nrps not granted", ltitest.LaunchSpec{WithNRPS: true}, func(t *testing.T, c map[string]any) {
			if _, ok := c["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]; ok {
				t.Error("NRPS claim for a tool without the NRPS scope")
			}
		}},
		{"no PII", ltitest.LaunchSpec{OmitPII: true}, func(t *testing.T, c map[string]any) {
			for _, k := range []string{"name", "given_name", "family_name", "email"} {
				if _, ok := c[k]; ok {
					t.Errorf("%s present", k)
				}
			}
		}},
		{"no context", ltitest.LaunchSpec{NoContext: true}, func(t *testing.T, c map[string]any) {
			if _, ok := c[lti+"context"]; ok {
				t.Error("context present")
			}
		}},
		{"empty roles", ltitest.LaunchSpec{Roles: []string{}}, func(t *testing.T, c map[string]any) {
			if r, ok := c[lti+"roles"].([]any); !ok || len(r) != 0 {
				t.Errorf("roles = %#v", c[lti+"roles"])
			}
		}},
		{"anonymous", ltitest.LaunchSpec{Anonymous: true}, func(t *testing.T, c map[string]any) {
			if _, ok := c["sub"]; ok {
				t.Error("sub present")
			}
			if _, ok := c["name"]; ok {
				t.Error("name present")
			}
		}},
		{"mutate", ltitest.LaunchSpec{Mutate: func(c map[string]any) {
			c[lti+"resource_link"].(map[string]any)["id"] = "changed"
			c["extra"] = true
		}}, func(t *testing.T, c map[string]any) {
			if c[lti+"resource_link"].(map[string]any)["id"] != "changed" || c["extra"] != true {
				t.Errorf("mutation lost: %v", c)
			}
		}},
		{"login by GET", ltitest.LaunchSpec{LoginGET: true}, func(t *testing.T, c map[string]any) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Launch(context.Background(), browser(t), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			ft.mu.Lock()
			c := ft.claims
			ft.mu.Unlock()
			tt.check(t, c)
		})
	}
}

func TestLaunchBadTokensAreRejectedByTool(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	newFakeTool(t, p, ltitest.ToolConfig{})
	tests := map[string]ltitest.LaunchSpec{
		"alg none":     {SignWith: ltitest.SignNone},
		"hs256 pubkey": {SignWith: ltitest.SignHS256PubKey},
		"other key":    {SignWith: ltitest.SignOtherKey},
		"tampered":     {Tamper: true},
		"no kid":       {Header: func(h map[string]any) { delete(h, "kid") }},
		"no version":   {Mutate: func(c map[string]any) { delete(c, lti+"version") }},
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := p.Launch(context.Background(), browser(t), spec)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want the tool's 401", resp.StatusCode)
			}
		})
	}
}

func TestLaunchErrors(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	if _, err := p.Launch(context.Background(), browser(t), ltitest.LaunchSpec{}); err == nil {
		t.Error("launch without a tool: want error")
	}
	ft := newFakeTool(t, p, ltitest.ToolConfig{})

	// The tool sends the browser somewhere else: the driver reports it.
	ft.mu.Lock()
	ft.editAuth = func(q url.Values) { q.Set("redirect_uri", "https://evil.example/launch") }
	ft.mu.Unlock()
	if _, err := p.Launch(context.Background(), browser(t), ltitest.LaunchSpec{}); err == nil {
		t.Error("unregistered redirect_uri: want error from the auth step")
	}

	// An unknown user: the platform posts an error to the tool.
	ft.mu.Lock()
	ft.editAuth = nil
	ft.mu.Unlock()
	resp, err := p.Launch(context.Background(), browser(t), ltitest.LaunchSpec{UserID: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ft.mu.Lock()
	errFields := ft.errFields
	ft.mu.Unlock()
	if resp.StatusCode != http.StatusUnauthorized || errFields.Get("error") != "invalid_request" || errFields.Get("state") == "" {
		t.Errorf("status %d, error fields %v", resp.StatusCode, errFields)
	}
}

func TestLoginForm(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{DeploymentIDs: []string{"dep-a", "dep-b"}})
	f := p.LoginForm(ltitest.LaunchSpec{DeploymentID: "dep-b", UserID: "instructor"})
	want := map[string]string{
		"iss": p.Issuer(), "login_hint": "instructor", "target_link_uri": ft.srv.URL + "/launch",
		"client_id": ft.clientID, "lti_deployment_id": "dep-b",
	}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, f.Get(k), v)
		}
	}
	if f.Get("lti_message_hint") == "" {
		t.Error("no lti_message_hint")
	}
	if f2 := p.LoginForm(ltitest.LaunchSpec{}); f2.Get("lti_message_hint") == f.Get("lti_message_hint") {
		t.Error("message hints repeat")
	}
	u, err := p.LoginGetURL(ltitest.LaunchSpec{})
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(u)
	if parsed.Path != "/login" || parsed.Query().Get("iss") != p.Issuer() {
		t.Errorf("LoginGetURL = %s", u)
	}
}
