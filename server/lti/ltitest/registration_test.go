package ltitest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRegister_ChecksTokenAndBody: the registration endpoint refuses what
// Moodle refuses, with plain-text errors, and burns a token on first use.
func TestRegister_ChecksTokenAndBody(t *testing.T) {
	p := NewServer(t, Options{})
	good := `{"application_type":"web","grant_types":["implicit","client_credentials"],"response_types":["id_token"],
		"redirect_uris":["https://tool.example/lti/launch"],"initiate_login_uri":"https://tool.example/lti/login","jwks_uri":"https://tool.example/jwks",
		"token_endpoint_auth_method":"private_key_jwt","scope":"` + ScopeScore + ` https://example.com/unknown",
		"https://purl.imsglobal.org/spec/lti-tool-configuration":{"domain":"tool.example","target_link_uri":"https://tool.example/lti/launch","messages":[{"type":"LtiDeepLinkingRequest"}]}}`
	post := func(token, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, p.RegistrationEndpoint(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := post("", good); st != 401 || body != "invalid_registration_token" {
		t.Errorf("no token: %d %q", st, body)
	}
	tok := p.NewRegistrationToken()
	if st, body := post(tok, strings.Replace(good, `"domain":"tool.example"`, `"domain":"other.example"`, 1)); st != 400 || !strings.Contains(body, "domain must match") {
		t.Errorf("bad domain: %d %q", st, body)
	}
	if st, body := post(tok, good); st != 401 || body != "token_already_used" {
		t.Errorf("reused token: %d %q", st, body)
	}
	tok = p.NewRegistrationToken()
	st, body := post(tok, good)
	if st != 200 || !strings.Contains(body, `"deployment_id"`) || strings.Contains(body, "unknown") {
		t.Fatalf("good registration: %d %s", st, body)
	}
	regs := p.DynamicRegistrations()
	if len(regs) != 1 {
		t.Fatalf("%d registrations", len(regs))
	}
	tc, ok := p.Tool(regs[0].ClientID)
	if !ok || tc.LoginURL != "https://tool.example/lti/login" || len(tc.Scopes) != 1 || tc.DeploymentIDs[0] != regs[0].DeploymentID {
		t.Errorf("registered tool = %+v", tc)
	}
}
