package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// rejected asserts a browser-flow rejection: the status, a readable HTML page
// with the given words, a log line naming the check, no redirect into the app,
// and no launch session stored.
func (h *harness) rejected(t *testing.T, resp *http.Response, body string, status int, check, words string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d; body: %.300s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want an HTML page", ct)
	}
	if !strings.Contains(body, words) {
		t.Errorf("page does not say %q: %.500s", words, body)
	}
	if !strings.Contains(body, "What to do") {
		t.Errorf("page gives no next step: %.500s", body)
	}
	if check != "" && !strings.Contains(h.logs.String(), "check="+check) {
		t.Errorf("no log line names check %s; logs:\n%s", check, h.logs.String())
	}
	if loc := resp.Header.Get("Location"); strings.Contains(loc, "session=") {
		t.Errorf("rejection redirected into the app: %s", loc)
	}
	if _, sessions := h.count(); sessions != 0 {
		t.Errorf("%d sessions stored after a rejection", sessions)
	}
}

// ---- Login initiation: checklist 1–7 ----

func TestLogin_Rejections(t *testing.T) {
	h := newHarness(t)
	good := func() url.Values { return h.lms.LoginForm(ltitest.LaunchSpec{}) }
	scenarios := []struct {
		name   string
		form   func() url.Values
		status int
		check  string
		words  string
	}{
		{"1 missing iss", func() url.Values { f := good(); f.Del("iss"); return f }, 400, "login.iss_missing", "iss parameter is missing"},
		{"2 missing login_hint", func() url.Values { f := good(); f.Del("login_hint"); return f }, 400, "login.login_hint_missing", "login_hint parameter is missing"},
		{"3 missing target_link_uri", func() url.Values { f := good(); f.Del("target_link_uri"); return f }, 400, "login.target_link_uri_missing", "target_link_uri parameter is missing"},
		{"4 unknown iss", func() url.Values { f := good(); f.Set("iss", "https://unknown.example"); return f }, 400, "login.platform_unknown", "not registered with ltibox"},
		{"4 unknown client_id", func() url.Values { f := good(); f.Set("client_id", "someone-else"); return f }, 400, "login.platform_unknown", "not registered with ltibox"},
		{"5 foreign target_link_uri", func() url.Values { f := good(); f.Set("target_link_uri", "https://evil.example/steal"); return f }, 400, "login.target_link_uri_foreign", "not an ltibox address"},
		{"6 http target_link_uri", func() url.Values { f := good(); f.Set("target_link_uri", "http://evil.example/lti/launch"); return f }, 400, "login.target_link_uri_insecure", "not an https URL"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				var resp *http.Response
				var err error
				if method == http.MethodPost {
					resp, err = h.browser().PostForm(h.tool.LoginURL(), sc.form())
				} else {
					resp, err = h.browser().Get(h.tool.LoginURL() + "?" + sc.form().Encode())
				}
				if err != nil {
					t.Fatal(err)
				}
				body := readBody(t, resp)
				h.rejected(t, resp, body, sc.status, sc.check, sc.words)
				if resp.Header.Get("Location") != "" {
					t.Errorf("%s: rejected login redirects to %q", method, resp.Header.Get("Location"))
				}
				if logins, _ := h.count(); logins != 0 {
					t.Errorf("%s: %d login states stored after a rejection", method, logins)
				}
			}
		})
	}
}

func TestLogin_InsecureAuthURL(t *testing.T) {
	h := newHarness(t)
	// Stored directly: the admin API would refuse it, but a row could predate the rule.
	reg := &lti.Registration{Name: "Plain http", Issuer: "https://plain.example", ClientID: "c1", AuthURL: "http://plain.example/auth",
		TokenURL: "https://plain.example/token", JWKSURL: "https://plain.example/jwks"}
	if err := h.db.CreateRegistration(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"iss": {reg.Issuer}, "login_hint": {"u1"}, "target_link_uri": {h.tool.LaunchURL()}, "client_id": {"c1"}}
	resp, err := h.browser().PostForm(h.tool.LoginURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	h.rejected(t, resp, readBody(t, resp), 400, "login.auth_url_insecure", "not an https URL")
	if logins, _ := h.count(); logins != 0 {
		t.Errorf("%d login states stored", logins)
	}
}

func TestLogin_AmbiguousIssuerNeedsClientID(t *testing.T) {
	h := newHarness(t)
	second := *h.reg
	second.ID, second.ClientID = 0, "tool-2"
	if err := h.db.CreateRegistration(context.Background(), &second); err != nil {
		t.Fatal(err)
	}
	f := h.lms.LoginForm(ltitest.LaunchSpec{})
	f.Del("client_id")
	resp, err := h.browser().PostForm(h.tool.LoginURL(), f)
	if err != nil {
		t.Fatal(err)
	}
	h.rejected(t, resp, readBody(t, resp), 400, "login.client_id_ambiguous", "did not send a client ID")
}

func TestLogin_AuthenticationRequest(t *testing.T) {
	h := newHarness(t)
	f := h.lms.LoginForm(ltitest.LaunchSpec{})
	f.Set("lti_message_hint", `{"launchid":"x y+z"}`)
	f.Set("lti_deployment_id", "1")
	f.Del("client_id") // optional: the issuer has one registration
	resp, err := h.browser().PostForm(h.tool.LoginURL(), f)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != h.lms.AuthURL() {
		t.Errorf("redirect to %s, want the platform auth URL %s", got, h.lms.AuthURL())
	}
	q := loc.Query()
	want := map[string]string{"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
		"client_id": "tool-1", "redirect_uri": h.tool.LaunchURL(), "login_hint": f.Get("login_hint"),
		"lti_message_hint": `{"launchid":"x y+z"}`, "lti_deployment_id": "1"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("state")) < 40 || len(q.Get("nonce")) < 40 || q.Get("state") == q.Get("nonce") {
		t.Errorf("state %q / nonce %q are not fresh random values", q.Get("state"), q.Get("nonce"))
	}
	var cookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "ltibox_state_") {
			cookie = c
		}
	}
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/lti/", "Max-Age=600"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("state cookie %q lacks %s", cookie, attr)
		}
	}
	if logins, _ := h.count(); logins != 1 {
		t.Errorf("%d login states stored, want 1", logins)
	}
}

// ---- Launch: checklist 8–31 ----

func del(path ...string) func(map[string]any) {
	return func(c map[string]any) {
		m := c
		for _, p := range path[:len(path)-1] {
			m, _ = m[p].(map[string]any)
			if m == nil {
				return
			}
		}
		delete(m, path[len(path)-1])
	}
}

func set(k string, v any) func(map[string]any) { return func(c map[string]any) { c[k] = v } }

// badPayload is one checklist launch that must be rejected, whatever way the
// browser binding is proven (cookie here; platform storage in bridge_test.go).
type badPayload struct {
	name   string
	spec   ltitest.LaunchSpec
	status int
	check  string
	words  string
}

func TestLaunch_BadPayloads(t *testing.T) {
	h := newHarness(t)
	for _, sc := range badPayloads() {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.launch(sc.spec)
			h.rejected(t, resp, body, sc.status, sc.check, sc.words)
		})
	}
}

func badPayloads() []badPayload {
	long := strings.Repeat("x", 256)
	return []badPayload{
		{"8 no kid", ltitest.LaunchSpec{Header: func(hd map[string]any) { delete(hd, "kid") }}, 401, "launch.kid_missing", "no kid"},
		{"9 unknown kid", ltitest.LaunchSpec{Header: func(hd map[string]any) { hd["kid"] = "not-a-key" }}, 401, "launch.kid_unknown", "key the LMS does not publish"},
		{"10 version 1.2.0", ltitest.LaunchSpec{Mutate: set(lti.ClaimVersion, "1.2.0")}, 401, "launch.version_wrong", "LTI version"},
		{"10 version 2.3", ltitest.LaunchSpec{Mutate: set(lti.ClaimVersion, "2.3")}, 401, "launch.version_wrong", "LTI version"},
		{"11 no version", ltitest.LaunchSpec{Mutate: del(lti.ClaimVersion)}, 401, "launch.version_missing", "which LTI version"},
		{"13 no iss", ltitest.LaunchSpec{Mutate: del("iss")}, 401, "launch.claim_missing", "required claim (iss)"},
		{"13 no aud", ltitest.LaunchSpec{Mutate: del("aud")}, 401, "launch.claim_missing", "required claim (aud)"},
		{"13 no exp", ltitest.LaunchSpec{Mutate: del("exp")}, 401, "launch.claim_missing", "exp"},
		{"13 no iat", ltitest.LaunchSpec{Mutate: del("iat")}, 401, "launch.claim_missing", "iat"},
		{"13 no nonce", ltitest.LaunchSpec{Mutate: del("nonce")}, 401, "launch.nonce_missing", "no nonce"},
		{"13 no target_link_uri", ltitest.LaunchSpec{Mutate: del(lti.ClaimTargetLinkURI)}, 401, "launch.target_link_uri_missing", "target_link_uri"},
		{"14 expired", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }}, 401, "launch.expired", "expired"},
		{"14 iat in the future", ltitest.LaunchSpec{Mutate: func(c map[string]any) {
			c["iat"] = time.Now().Add(5 * time.Minute).Unix()
			c["exp"] = time.Now().Add(10 * time.Minute).Unix()
		}}, 401, "launch.iat_future", "future"},
		{"14 iat too old", ltitest.LaunchSpec{Mutate: func(c map[string]any) {
			c["iat"] = time.Now().Add(-30 * time.Minute).Unix()
			c["exp"] = time.Now().Add(time.Minute).Unix()
		}}, 401, "launch.too_old", "too long ago"},
		{"15 no message_type", ltitest.LaunchSpec{Mutate: del(lti.ClaimMessageType)}, 401, "launch.message_type_missing", "what kind of launch"},
		{"15 unknown message_type", ltitest.LaunchSpec{Mutate: set(lti.ClaimMessageType, "LtiMadeUpRequest")}, 401, "launch.message_type_unknown", "LtiMadeUpRequest"},
		{"16 no roles", ltitest.LaunchSpec{Mutate: del(lti.ClaimRoles)}, 401, "launch.roles_missing", "roles"},
		{"17 no deployment_id", ltitest.LaunchSpec{Mutate: del(lti.ClaimDeploymentID)}, 401, "launch.deployment_missing", "deployment"},
		{"18 no resource_link.id", ltitest.LaunchSpec{Mutate: del(lti.ClaimResourceLink, "id")}, 401, "launch.resource_link_missing", "resource link"},
		{"18 no resource_link", ltitest.LaunchSpec{Mutate: del(lti.ClaimResourceLink)}, 401, "launch.resource_link_missing", "resource link"},
		{"19 no sub", ltitest.LaunchSpec{Mutate: del("sub")}, 401, "launch.sub_missing", "who the user is"},
		{"20 tampered", ltitest.LaunchSpec{Tamper: true}, 401, "launch.signature_invalid", "signature is not valid"},
		{"21 alg none", ltitest.LaunchSpec{SignWith: "none"}, 401, "launch.alg_not_allowed", "RS256 only"},
		{"21 HS256 with the public key", ltitest.LaunchSpec{SignWith: "HS256-pubkey"}, 401, "launch.alg_not_allowed", "RS256 only"},
		{"21 RS256 with another key", ltitest.LaunchSpec{SignWith: "other-key"}, 401, "launch.signature_invalid", "signature is not valid"},
		{"22 other iss", ltitest.LaunchSpec{Mutate: set("iss", "https://other-lms.example")}, 401, "launch.iss_mismatch", "different LMS"},
		{"23 aud without client_id", ltitest.LaunchSpec{Mutate: set("aud", "someone-else")}, 401, "launch.aud_mismatch", "another tool"},
		{"24 several aud, no azp", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c["aud"] = []string{"tool-1", "other"}; delete(c, "azp") }}, 401, "launch.azp_missing", "authorized party"},
		{"24 azp is another tool", ltitest.LaunchSpec{Mutate: set("azp", "other")}, 401, "launch.azp_mismatch", "another tool"},
		{"24 untrusted extra aud", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c["aud"] = []string{"tool-1", "other"}; c["azp"] = "tool-1" }}, 401, "launch.aud_untrusted", "does not trust"},
		{"25 unregistered deployment", ltitest.LaunchSpec{Mutate: set(lti.ClaimDeploymentID, "99")}, 403, "launch.deployment_unknown", `put deployment &#34;99&#34; in its approval queue`},
		{"27 nonce of another login", ltitest.LaunchSpec{Mutate: set("nonce", "a-nonce-from-elsewhere")}, 401, "launch.nonce_mismatch", "not issued for this login"},
		{"29 other target_link_uri", ltitest.LaunchSpec{Mutate: set(lti.ClaimTargetLinkURI, "http://127.0.0.1:1/lti/launch?other")}, 401, "launch.target_link_uri_mismatch", "different link"},
		{"31 sub too long", ltitest.LaunchSpec{Mutate: set("sub", long)}, 401, "launch.identifier_invalid", "255 characters"},
		{"31 sub not ASCII", ltitest.LaunchSpec{Mutate: set("sub", "usér")}, 401, "launch.identifier_invalid", "plain ASCII"},
		{"31 deployment_id too long", ltitest.LaunchSpec{Mutate: set(lti.ClaimDeploymentID, long)}, 401, "launch.identifier_invalid", "255 characters"},
		{"31 resource_link.id too long", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c[lti.ClaimResourceLink].(map[string]any)["id"] = long }}, 401, "launch.identifier_invalid", "255 characters"},
		{"31 context.id not ASCII", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c[lti.ClaimContext].(map[string]any)["id"] = "kürs" }}, 401, "launch.identifier_invalid", "plain ASCII"},
		// A claim of a type LTI does not allow names the claim, not "could not be read".
		{"claim type: context.id a number", ltitest.LaunchSpec{Mutate: func(c map[string]any) { c[lti.ClaimContext].(map[string]any)["id"] = 101 }},
			400, "launch.claim_type", "context.id claim is a number, where LTI 1.3 expects a text"},
		{"claim type: sub a number", ltitest.LaunchSpec{Mutate: set("sub", 5)}, 400, "launch.claim_type", "sub claim is a number, where LTI 1.3 expects a text"},
		{"claim type: roles with a number", ltitest.LaunchSpec{Mutate: set(lti.ClaimRoles, []any{ltitest.RoleLearner, 7})},
			400, "launch.claim_type", "roles claim is a list holding something other than text, where LTI 1.3 expects a list of texts"},
		{"claim type: roles an object", ltitest.LaunchSpec{Mutate: set(lti.ClaimRoles, map[string]any{"role": ltitest.RoleLearner})},
			400, "launch.claim_type", "roles claim is an object, where LTI 1.3 expects a list of texts"},
		{"claim type: tool_platform a text", ltitest.LaunchSpec{Mutate: set(lti.ClaimToolPlatform, "Moodle")}, 400, "launch.claim_type", "tool_platform claim is a text, where LTI 1.3 expects an object"},
		// jwt reads the times itself, without naming them: "tomorrow" is not
		// even a type error to it, and true one without a claim name.
		{"claim type: exp a text", ltitest.LaunchSpec{Mutate: set("exp", "tomorrow")}, 400, "launch.claim_type", "exp claim is a text, where LTI 1.3 expects a number"},
		{"claim type: iat a text", ltitest.LaunchSpec{Mutate: set("iat", "today")}, 400, "launch.claim_type", "iat claim is a text, where LTI 1.3 expects a number"},
		{"claim type: nbf a text", ltitest.LaunchSpec{Mutate: set("nbf", "now")}, 400, "launch.claim_type", "nbf claim is a text, where LTI 1.3 expects a number"},
		{"claim type: exp true", ltitest.LaunchSpec{Mutate: set("exp", true)}, 400, "launch.claim_type", "exp claim is true or false, where LTI 1.3 expects a number"},
		{"claim type: nbf an object", ltitest.LaunchSpec{Mutate: set("nbf", map[string]any{"at": 1})}, 400, "launch.claim_type", "nbf claim is an object, where LTI 1.3 expects a number"},
	}
}

// TestLaunch_OneStringForAList: a platform that sends one string where LTI
// wants a list of strings (roles, context type, AGS scope) still launches,
// with the string read as a list of one — the meaning is unambiguous.
func TestLaunch_OneStringForAList(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.launch(ltitest.LaunchSpec{WithAGS: true, Mutate: func(c map[string]any) {
		c[lti.ClaimRoles] = ltitest.RoleInstructor
		c[lti.ClaimContext].(map[string]any)["type"] = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
		c[lti.ClaimAGS].(map[string]any)["scope"] = lti.ScopeScore
	}})
	token := sessionToken(t, resp)
	var s model.Session
	if r, body := h.apiGet("/api/v1/session", token); r.StatusCode != 200 || json.Unmarshal([]byte(body), &s) != nil {
		t.Fatalf("session: %d %s", r.StatusCode, body)
	}
	if s.Role != model.RoleInstructor || !slices.Equal(s.Roles, []string{ltitest.RoleInstructor}) || !s.Services.AGS {
		t.Errorf("session from one-string lists: role %q roles %q AGS %v, want instructor, [%s], AGS", s.Role, s.Roles, s.Services.AGS, ltitest.RoleInstructor)
	}
}

func TestLaunch_UnknownKIDRefetchesOnce(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.launch(ltitest.LaunchSpec{})
	sessionToken(t, resp) // warms the JWKS cache
	before := h.lms.JWKSFetches()
	resp, body := h.launch(ltitest.LaunchSpec{Header: func(hd map[string]any) { hd["kid"] = "rotated-away" }})
	h.rejectedAllowingSessions(t, resp, body, 401, "launch.kid_unknown")
	if got := h.lms.JWKSFetches() - before; got != 1 {
		t.Errorf("JWKS fetched %d times for an unknown kid, want exactly one forced refetch", got)
	}
	// A rotated platform key is picked up by that refetch… after the rate limit window.
}

func TestLaunch_JWKSCachedAcrossLaunches(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 5; i++ {
		resp, _ := h.launch(ltitest.LaunchSpec{})
		sessionToken(t, resp)
	}
	if n := h.lms.JWKSFetches(); n != 1 {
		t.Errorf("platform JWKS fetched %d times for 5 launches, want 1", n)
	}
}

func TestLaunch_PlatformKeyRotation(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.launch(ltitest.LaunchSpec{})
	sessionToken(t, resp)
	if err := h.lms.RotateKey(); err != nil {
		t.Fatal(err)
	}
	resp, _ = h.launch(ltitest.LaunchSpec{})
	sessionToken(t, resp) // the new kid is unknown, so the tool refetches and succeeds
}

// rejectedAllowingSessions is rejected for tests that launched successfully before.
func (h *harness) rejectedAllowingSessions(t *testing.T, resp *http.Response, body string, status int, check string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(h.logs.String(), "check="+check) {
		t.Errorf("status = %d (want %d), check %s logged: %v", resp.StatusCode, status, check, strings.Contains(h.logs.String(), "check="+check))
	}
	if strings.Contains(resp.Header.Get("Location"), "session=") {
		t.Error("rejection redirected into the app")
	}
}

func TestLaunch_NotAJWT(t *testing.T) {
	for _, tok := range []string{"garbage", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", ""} {
		t.Run(tok, func(t *testing.T) {
			h := newHarness(t)
			client := h.browser()
			action, fields := h.startLogin(client, ltitest.LaunchSpec{})
			fields.Set("id_token", tok)
			resp, body := h.post(client, action, fields)
			check := "launch.not_jwt"
			if tok == "" {
				check = "launch.id_token_missing"
			}
			h.rejected(t, resp, body, 400, check, "id_token")
		})
	}
}

// ---- State, replay and browser binding: checklist 26, 28, 30 ----

func TestLaunch_Replay(t *testing.T) {
	h := newHarness(t)
	client := h.browser()
	action, fields := h.startLogin(client, ltitest.LaunchSpec{})
	resp, _ := h.post(client, action, fields)
	sessionToken(t, resp)
	// The same id_token and state again, with the cookie restored.
	client2 := h.browser()
	u, _ := url.Parse(action)
	client2.Jar.SetCookies(u, []*http.Cookie{{Name: stateCookieName(fields.Get("state")), Value: fields.Get("state"), Path: "/lti/"}})
	resp, body := h.post(client2, action, fields)
	if resp.StatusCode != 401 || !strings.Contains(body, "already used") {
		t.Errorf("replay: status %d, body %.300s", resp.StatusCode, body)
	}
	if _, sessions := h.count(); sessions != 1 {
		t.Errorf("%d sessions after a replay, want 1", sessions)
	}
}

// A launch form posted again by the same browser (Back, resubmit) has lost
// its cookie to the first launch: the page must say it was used, not blame
// the browser's cookies.
func TestLaunch_ResubmittedFormSaysUsed(t *testing.T) {
	h := newHarness(t)
	client := h.browser()
	action, fields := h.startLogin(client, ltitest.LaunchSpec{})
	resp, _ := h.post(client, action, fields)
	sessionToken(t, resp)
	resp, body := h.post(client, action, fields)
	h.rejectedAllowingSessions(t, resp, body, 401, "launch.state_used")
	if !strings.Contains(body, "already used") || strings.Contains(body, "cookie") {
		t.Errorf("a resubmitted launch blames cookies: %.300s", body)
	}
	if _, sessions := h.count(); sessions != 1 {
		t.Errorf("%d sessions after a resubmission, want 1", sessions)
	}
}

func stateCookieName(state string) string { return "ltibox_state_" + lti.HashToken(state)[:16] }

func TestLaunch_StateRules(t *testing.T) {
	scenarios := []struct {
		name  string
		setup func(h *harness, client *http.Client, fields url.Values) *http.Client
		check string
		words string
	}{
		{"missing state", func(h *harness, c *http.Client, f url.Values) *http.Client { f.Del("state"); return c }, "launch.state_missing", "login state"},
		{"unknown state", func(h *harness, c *http.Client, f url.Values) *http.Client {
			f.Set("state", "made-up-state")
			u, _ := url.Parse(h.tool.LaunchURL())
			c.Jar.SetCookies(u, []*http.Cookie{{Name: stateCookieName("made-up-state"), Value: "made-up-state", Path: "/lti/"}})
			return c
		}, "launch.state_unknown", "does not know this login"},
		{"no cookie (other browser)", func(h *harness, c *http.Client, f url.Values) *http.Client { return h.browser() }, "launch.state_unbound", "cookie"},
		{"cookie of another login", func(h *harness, c *http.Client, f url.Values) *http.Client {
			other := h.browser()
			u, _ := url.Parse(h.tool.LaunchURL())
			other.Jar.SetCookies(u, []*http.Cookie{{Name: stateCookieName(f.Get("state")), Value: "another-state", Path: "/lti/"}})
			return other
		}, "launch.state_mismatch", "different browser window"},
		{"expired state", func(h *harness, c *http.Client, f url.Values) *http.Client {
			h.clock.Advance(11 * time.Minute)
			return c
		}, "launch.state_expired", "expired"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			h := newHarness(t)
			client := h.browser()
			action, fields := h.startLogin(client, ltitest.LaunchSpec{})
			client = sc.setup(h, client, fields)
			resp, body := h.post(client, action, fields)
			h.rejected(t, resp, body, 401, sc.check, sc.words)
		})
	}
}

func TestLaunch_PlatformErrorChecksStateFirst(t *testing.T) {
	h := newHarness(t)
	client := h.browser()
	action, fields := h.startLogin(client, ltitest.LaunchSpec{})
	// A forged error post without the browser's cookie is a state failure, not the platform's message.
	forged := url.Values{"state": {fields.Get("state")}, "error": {"login_required"}, "error_description": {"Forged"}}
	resp, body := h.post(h.browser(), action, forged)
	h.rejected(t, resp, body, 401, "launch.state_unbound", "cookie")
	if strings.Contains(body, "Forged") {
		t.Error("an unbound error post was shown to the user")
	}
	// The real browser gets the platform's message.
	real := url.Values{"state": {fields.Get("state")}, "error": {"login_required"}, "error_description": {"Please log in to the LMS."}}
	resp, body = h.post(client, action, real)
	h.rejected(t, resp, body, 400, "launch.platform_error", "Please log in to the LMS.")
}

func TestLaunch_BodyTooLarge(t *testing.T) {
	h := newHarness(t)
	client := h.browser()
	action, fields := h.startLogin(client, ltitest.LaunchSpec{})
	fields.Set("padding", strings.Repeat("a", 70<<10))
	resp, body := h.post(client, action, fields)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than ltibox accepts") {
		t.Errorf("status %d, body %.300s", resp.StatusCode, body)
	}
	if _, sessions := h.count(); sessions != 0 {
		t.Errorf("%d sessions stored", sessions)
	}
}

func TestLaunch_PendingAndDisabled(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.db.AddDeployment(ctx, h.reg.ID, "2", lti.StatusPending); err != nil {
		t.Fatal(err)
	}
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1", "2"}, LoginURL: h.tool.LoginURL(),
		RedirectURIs: []string{h.tool.LaunchURL()}, TargetLinkURI: h.tool.LaunchURL(), JWKSURL: h.tool.JWKSURL()})
	resp, body := h.launch(ltitest.LaunchSpec{DeploymentID: "2"})
	h.rejected(t, resp, body, 403, "launch.deployment_pending", "waiting for the ltibox administrator")
	if err := h.db.SetDeploymentStatus(ctx, h.reg.ID, "2", lti.StatusRejected); err != nil {
		t.Fatal(err)
	}
	resp, body = h.launch(ltitest.LaunchSpec{DeploymentID: "2"})
	h.rejected(t, resp, body, 403, "launch.deployment_rejected", "refused deployment")
	h.reg.Status = lti.StatusDisabled
	if err := h.db.UpdateRegistration(ctx, h.reg); err != nil {
		t.Fatal(err)
	}
	resp, err := h.browser().PostForm(h.tool.LoginURL(), h.lms.LoginForm(ltitest.LaunchSpec{}))
	if err != nil {
		t.Fatal(err)
	}
	h.rejected(t, resp, readBody(t, resp), 403, "login.platform_disabled", "switched this LMS registration off")
}

// ---- Valid launches that must not break: checklist 33 ----

func TestLaunch_ValidVariants(t *testing.T) {
	h := newHarness(t)
	scenarios := []struct {
		name     string
		spec     ltitest.LaunchSpec
		wantName string
		wantRole model.Role
		course   string
	}{
		{"instructor", ltitest.LaunchSpec{UserID: "instructor"}, "Grace Hopper", model.RoleInstructor, "Demo Course 101"},
		{"student", ltitest.LaunchSpec{}, "Ada Lovelace", model.RoleLearner, "Demo Course 101"},
		{"multiple roles", ltitest.LaunchSpec{Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner", "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}}, "Ada Lovelace", model.RoleInstructor, "Demo Course 101"},
		{"short role name", ltitest.LaunchSpec{Roles: []string{"Instructor"}}, "Ada Lovelace", model.RoleInstructor, "Demo Course 101"},
		{"teaching assistant sub-role", ltitest.LaunchSpec{Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"}}, "Ada Lovelace", model.RoleInstructor, "Demo Course 101"},
		{"unknown role", ltitest.LaunchSpec{Roles: []string{"http://example.com/roles#Wizard"}}, "Ada Lovelace", model.RoleLearner, "Demo Course 101"},
		{"empty roles", ltitest.LaunchSpec{Roles: []string{}}, "Ada Lovelace", model.RoleLearner, "Demo Course 101"},
		{"no PII", ltitest.LaunchSpec{OmitPII: true}, "Anonymous", model.RoleLearner, "Demo Course 101"},
		{"email only", ltitest.LaunchSpec{OmitPII: true, Mutate: set("email", "ada@example.edu")}, "ada@example.edu", model.RoleLearner, "Demo Course 101"},
		{"names only", ltitest.LaunchSpec{OmitPII: true, Mutate: func(c map[string]any) { c["given_name"] = "Ada"; c["family_name"] = "L." }}, "Ada L.", model.RoleLearner, "Demo Course 101"},
		{"no context", ltitest.LaunchSpec{NoContext: true}, "Ada Lovelace", model.RoleLearner, "No course"},
		{"email without context", ltitest.LaunchSpec{NoContext: true, OmitPII: true, Mutate: set("email", "ada@example.edu")}, "ada@example.edu", model.RoleLearner, "No course"},
		{"new resource link", ltitest.LaunchSpec{ResourceLinkID: "brand-new-link-42"}, "Ada Lovelace", model.RoleLearner, "Demo Course 101"},
		{"login by GET", ltitest.LaunchSpec{LoginGET: true}, "Ada Lovelace", model.RoleLearner, "Demo Course 101"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.launch(sc.spec)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status = %d: %.400s", resp.StatusCode, body)
			}
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/app/#session=") {
				t.Errorf("Location = %q", loc)
			}
			for _, c := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, "ltibox_state_") && !strings.Contains(c, "Max-Age=0") {
					t.Errorf("state cookie not cleared: %s", c)
				}
			}
			tok := sessionToken(t, resp)
			r, b := h.apiGet("/api/v1/session", tok)
			if r.StatusCode != 200 {
				t.Fatalf("session API status %d: %s", r.StatusCode, b)
			}
			var s model.Session
			if err := json.Unmarshal([]byte(b), &s); err != nil {
				t.Fatal(err)
			}
			if s.User.Name != sc.wantName || s.Role != sc.wantRole || s.Context.DisplayTitle() != sc.course {
				t.Errorf("session = name %q role %q course %q; want %q %q %q", s.User.Name, s.Role, s.Context.DisplayTitle(), sc.wantName, sc.wantRole, sc.course)
			}
		})
	}
}

func TestLaunch_AnonymousWhenAllowed(t *testing.T) {
	h := newHarness(t)
	h.reg.AllowAnonymous = true
	if err := h.db.UpdateRegistration(context.Background(), h.reg); err != nil {
		t.Fatal(err)
	}
	resp, body := h.launch(ltitest.LaunchSpec{Mutate: del("sub"), OmitPII: true})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous launch with allowAnonymous: status %d: %.300s", resp.StatusCode, body)
	}
	_, b := h.apiGet("/api/v1/session", sessionToken(t, resp))
	if !strings.Contains(b, `"name":"Anonymous"`) {
		t.Errorf("session = %s", b)
	}
}

// TestLaunch_JWKSUnreachableSaysSo: when the platform's JWKS URL does not
// give a key set, the launch is refused as jwks_unavailable with what the URL
// answered, not as an unknown kid (which sends admins looking at the LMS's keys).
func TestLaunch_JWKSUnreachableSaysSo(t *testing.T) {
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>Sign in</html>"))
	}))
	t.Cleanup(notJSON.Close)
	for _, tc := range []struct{ name, url, reason string }{
		{"404", "", "(HTTP 404)"},
		{"not a key set", notJSON.URL, "(the answer is not a JWK Set)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.reg.JWKSURL = tc.url
			if tc.url == "" {
				h.reg.JWKSURL = h.lms.JWKSURL() + "-gone"
			}
			if err := h.db.UpdateRegistration(context.Background(), h.reg); err != nil {
				t.Fatal(err)
			}
			resp, body := h.launch(ltitest.LaunchSpec{})
			h.rejected(t, resp, body, 502, "launch.jwks_unavailable", "could not be fetched from the platform&#39;s JWKS URL "+tc.reason)
			if strings.Contains(h.logs.String(), "check=launch.kid_unknown") {
				t.Errorf("logged as an unknown kid:\n%s", h.logs.String())
			}
		})
	}
}
