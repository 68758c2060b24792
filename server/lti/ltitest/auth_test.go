package ltitest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// authURL is a correct auth request for a fresh pending launch.
func authURL(p *ltitest.Platform, ft *fakeTool, edit func(url.Values)) string {
	q := ft.authParams(p.LoginForm(ltitest.LaunchSpec{}), "state-1", "nonce-1")
	if edit != nil {
		edit(q)
	}
	return p.AuthURL() + "?" + q.Encode()
}

func TestAuthorizeRejectsBadParameters(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	other := newFakeTool(t, p, ltitest.ToolConfig{})
	tests := []struct {
		name     string
		edit     func(url.Values)
		wantCode string // error posted to the tool; "" = Authorize returns an error (400 page)
	}{
		{"scope", func(q url.Values) { q.Set("scope", "openid profile") }, "invalid_scope"},
		{"no scope", func(q url.Values) { q.Del("scope") }, "invalid_scope"},
		{"response_type", func(q url.Values) { q.Set("response_type", "code") }, "unsupported_response_type"},
		{"response_mode", func(q url.Values) { q.Set("response_mode", "query") }, "invalid_request"},
		{"no response_mode", func(q url.Values) { q.Del("response_mode") }, "invalid_request"},
		{"prompt login", func(q url.Values) { q.Set("prompt", "login") }, "invalid_request"},
		{"no nonce", func(q url.Values) { q.Del("nonce") }, "invalid_request"},
		{"no state", func(q url.Values) { q.Del("state") }, "invalid_request"},
		{"no login_hint", func(q url.Values) { q.Del("login_hint") }, "invalid_request"},
		{"wrong login_hint", func(q url.Values) { q.Set("login_hint", "instructor") }, "access_denied"},
		{"no message hint", func(q url.Values) { q.Del("lti_message_hint") }, "invalid_request"},
		{"unknown message hint", func(q url.Values) { q.Set("lti_message_hint", `{"launchid":"x"}`) }, "invalid_request"},
		{"hint of another client", func(q url.Values) {
			q.Set("client_id", other.clientID)
			q.Set("redirect_uri", other.srv.URL+"/launch")
		}, "unauthorized_client"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }, ""},
		{"no client", func(q url.Values) { q.Del("client_id") }, ""},
		{"redirect not registered", func(q url.Values) { q.Set("redirect_uri", ft.srv.URL+"/launch/") }, ""},
		{"redirect of another tool", func(q url.Values) { q.Set("redirect_uri", other.srv.URL+"/launch") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			action, fields, err := p.Authorize(authURL(p, ft, tt.edit))
			if tt.wantCode == "" {
				if err == nil {
					t.Fatalf("want error, got form to %s: %v", action, fields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fields.Get("error") != tt.wantCode || fields.Get("id_token") != "" {
				t.Errorf("fields = %v, want error %s", fields, tt.wantCode)
			}
			if fields.Get("error_description") == "" {
				t.Error("no error_description")
			}
			if tt.name != "no state" && fields.Get("state") != "state-1" {
				t.Errorf("state = %q", fields.Get("state"))
			}
			if tt.name != "hint of another client" && action != ft.srv.URL+"/launch" {
				t.Errorf("action = %q", action)
			}
		})
	}
}

func TestAuthorizeSuccessAndSingleUse(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	u := authURL(p, ft, func(q url.Values) { q.Del("prompt") }) // empty prompt is fine
	action, fields, err := p.Authorize(u)
	if err != nil {
		t.Fatal(err)
	}
	if action != ft.srv.URL+"/launch" || fields.Get("id_token") == "" || fields.Get("state") != "state-1" {
		t.Fatalf("action %s fields %v", action, fields)
	}
	_, fields, err = p.Authorize(u)
	if err != nil {
		t.Fatal(err)
	}
	if fields.Get("error") != "invalid_request" {
		t.Errorf("replayed hint: fields = %v", fields)
	}
	if _, _, err := p.Authorize("http://elsewhere.example/auth?" + strings.SplitN(u, "?", 2)[1]); err == nil {
		t.Error("foreign auth URL accepted")
	}
}

func TestAuthEndpointPages(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})

	// POST works like GET, and the page auto-posts with an external script.
	u, _ := url.Parse(authURL(p, ft, nil))
	resp, err := http.PostForm(p.AuthURL(), u.Query())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, page)
	}
	for _, want := range []string{
		`<form method="post" action="` + ft.srv.URL + `/launch"`,
		`<input type="hidden" name="id_token" value="`,
		`<input type="hidden" name="state" value="state-1">`,
		`<script src="/autosubmit.js"></script>`,
		`<noscript><button type="submit">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("inline script")
	}

	// A bad redirect_uri gets a 400 page and nothing is posted anywhere.
	resp, err = http.Get(authURL(p, ft, func(q url.Values) { q.Set("redirect_uri", "https://evil.example/") }))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "<form") {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}

	resp, err = http.Get(p.Issuer() + "/autosubmit.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(body), "submit()") {
		t.Errorf("autosubmit.js: %s %s", resp.Header.Get("Content-Type"), body)
	}
}
