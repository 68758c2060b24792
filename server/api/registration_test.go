package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

var sessionField = regexp.MustCompile(`name="session" value="([^"]+)"`)

// statusLine is the closing page's sentence naming the new registration.
var statusLine = regexp.MustCompile(`<p role="status">.*?</p>`)

// registerStart opens the tool's registration URL as the LMS would.
func (h *harness) registerStart(rawURL string) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.browser().Get(rawURL)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, readBody(h.t, resp)
}

// registerFinish submits the services page with every service ticked.
func (h *harness) registerFinish(page string) (*http.Response, string) {
	h.t.Helper()
	m := sessionField.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("services page has no session field:\n%s", page)
	}
	form := url.Values{"session": {m[1]}, "name": {"ltibox test"}, "deep_linking": {"on"}, "grades": {"on"}, "roster": {"on"}}
	return h.post(h.browser(), h.url+"/lti/register", form)
}

func (h *harness) counts() (regs, deps, sessions int) {
	h.t.Helper()
	regs, deps, err := h.db.CountRegistrations(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	sessions, err = h.db.CountRegistrationSessions(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return regs, deps, sessions
}

// TestDynamicRegistration_EndToEnd registers ltibox with the emulator the way
// Moodle does, then launches with the new client_id and deployment.
func TestDynamicRegistration_EndToEnd(t *testing.T) {
	h := newHarness(t)
	if err := h.db.SetSetting(context.Background(), api.SettingApproval, lti.StatusActive); err != nil {
		t.Fatal(err)
	}
	resp, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	if resp.StatusCode != 200 {
		t.Fatalf("GET /lti/register = %d: %s", resp.StatusCode, page)
	}
	for _, want := range []string{h.lms.Issuer(), `<legend>Services</legend>`, `for="grades"`, `for="roster"`, `for="deep_linking"`} {
		if !strings.Contains(page, want) {
			t.Errorf("services page lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+h.lms.Issuer()) {
		t.Errorf("registration page cannot be framed by the registering LMS: %s", csp)
	}
	resp, page = h.registerFinish(page)
	if resp.StatusCode != 200 || !strings.Contains(page, "ltibox is registered") || !strings.Contains(page, `<script src="/lti/register/close.js"></script>`) {
		t.Fatalf("POST /lti/register = %d: %s", resp.StatusCode, page)
	}
	regs := h.lms.DynamicRegistrations()
	if len(regs) != 1 {
		t.Fatalf("emulator saw %d registrations, want 1", len(regs))
	}
	dr := regs[0]
	// What ltibox posted, as Moodle checks it.
	tc, _ := dr.Body[lti.ClaimToolConfiguration].(map[string]any)
	u, _ := url.Parse(h.url)
	if tc["domain"] != u.Host || tc["target_link_uri"] != h.tool.LaunchURL() {
		t.Errorf("tool configuration domain/target = %v/%v", tc["domain"], tc["target_link_uri"])
	}
	var types []string
	for _, m := range tc["messages"].([]any) {
		types = append(types, m.(map[string]any)["type"].(string))
	}
	if !slices.Contains(types, lti.MessageDeepLinking) || !slices.Contains(types, lti.MessageResourceLink) {
		t.Errorf("messages = %v, want both launch types", types)
	}
	for _, s := range []string{lti.ScopeScore, lti.ScopeNRPS} {
		if !strings.Contains(dr.Body["scope"].(string), s) {
			t.Errorf("scope %q not requested: %v", s, dr.Body["scope"])
		}
	}
	if dr.Body["token_endpoint_auth_method"] != "private_key_jwt" || dr.Body["jwks_uri"] != h.tool.JWKSURL() || dr.Body["initiate_login_uri"] != h.tool.LoginURL() {
		t.Errorf("registration body: %v", dr.Body)
	}
	if !strings.Contains(page, dr.ClientID) || !strings.Contains(page, dr.DeploymentID) {
		t.Errorf("closing page does not name the client and deployment: %s", page)
	}
	// Stored: the registration with the platform's endpoints and its deployment.
	stored, err := h.db.RegistrationsByIssuer(context.Background(), h.lms.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	var reg *lti.Registration
	for _, r := range stored {
		if r.ClientID == dr.ClientID {
			reg = r
		}
	}
	if reg == nil || reg.Status != lti.StatusActive || reg.AuthURL != h.lms.AuthURL() || reg.TokenURL != h.lms.TokenURL() || reg.JWKSURL != h.lms.JWKSURL() {
		t.Fatalf("stored registration = %+v", reg)
	}
	if st, err := h.db.DeploymentStatus(context.Background(), reg.ID, dr.DeploymentID); err != nil || st != lti.StatusActive {
		t.Fatalf("deployment %s: %q %v", dr.DeploymentID, st, err)
	}
	if _, _, sessions := h.counts(); sessions != 0 {
		t.Errorf("%d registration sessions left after use", sessions)
	}
	// A launch with the new registration works, services included.
	resp, body := h.launch(ltitest.LaunchSpec{ClientID: dr.ClientID, DeploymentID: dr.DeploymentID, UserID: "instructor", WithAGS: true, WithNRPS: true})
	tok := sessionToken(t, resp)
	if resp, body = h.apiGet("/api/v1/session", tok); resp.StatusCode != 200 || !strings.Contains(body, `"ags":true`) {
		t.Fatalf("session after dynamic registration: %d %s", resp.StatusCode, body)
	}
}

// TestDynamicRegistration_PendingByDefault: without an admin choosing "active",
// a dynamically registered LMS waits for approval and its launches are refused.
func TestDynamicRegistration_PendingByDefault(t *testing.T) {
	h := newHarness(t)
	_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	if !strings.Contains(page, "must approve") {
		t.Errorf("services page does not warn about approval")
	}
	approvals := "Pending approvals (" + h.url + "/admin/approvals)"
	if !strings.Contains(page, approvals) {
		t.Errorf("services page does not name %s: %s", approvals, page)
	}
	resp, page := h.registerFinish(page)
	if resp.StatusCode != 200 || !strings.Contains(page, "Next step in ltibox") {
		t.Fatalf("closing page = %d: %s", resp.StatusCode, page)
	}
	// The page that approves it is Pending approvals, not Platforms.
	if !strings.Contains(page, "approve this LMS under "+approvals) || strings.Contains(page, "under Platforms") {
		t.Errorf("closing page does not send the admin to %s: %s", approvals, page)
	}
	dr := h.lms.DynamicRegistrations()[0]
	resp, body := h.launch(ltitest.LaunchSpec{ClientID: dr.ClientID, DeploymentID: dr.DeploymentID})
	h.rejected(t, resp, body, 403, "login.platform_pending", "waiting for approval")
	// The person launching is a student or teacher in the LMS: they reach
	// the ltibox administrator through their school, who approves it there.
	for _, want := range []string{"Tell your teacher or your school", approvals} {
		if !strings.Contains(body, want) {
			t.Errorf("pending-platform page lacks %q: %.1500s", want, body)
		}
	}
	if strings.Contains(body, "Ask the ltibox administrator") || strings.Contains(body, "under Platforms") {
		t.Errorf("pending-platform page sends the reader to the ltibox administrator or to Platforms: %.1500s", body)
	}
}

// TestDynamicRegistration_SameIssuer: a second registration of the same LMS
// keeps the LMS's name, its closing page names its client ID once and warns
// of the first one, and the approval queue lists the other registration
// with each.
func TestDynamicRegistration_SameIssuer(t *testing.T) {
	h := newHarness(t)
	cookie, _ := h.signedIn()
	_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	h.registerFinish(page)
	_, page = h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	resp, page := h.registerFinish(page)
	drs := h.lms.DynamicRegistrations()
	if resp.StatusCode != 200 || len(drs) != 2 {
		t.Fatalf("second registration = %d (%d registrations): %s", resp.StatusCode, len(drs), page)
	}
	first, second := drs[0], drs[1]
	if !strings.Contains(page, `id="same-issuer"`) || !strings.Contains(page, "client ID "+first.ClientID+", pending") || !strings.Contains(page, h.lms.Issuer()) {
		t.Errorf("closing page of the second registration does not warn of the first: %s", page)
	}
	// The harness's own registration ("Test LMS", client tool-1) has the
	// same issuer too.
	regs, err := h.db.RegistrationsByIssuer(context.Background(), h.lms.Issuer())
	if err != nil || len(regs) != 3 {
		t.Fatalf("stored registrations: %v %v", regs, err)
	}
	names := map[string]string{}
	for _, r := range regs {
		names[r.ClientID] = r.Name
	}
	// Both keep the LMS's name, as a person would type it: the console and
	// the CLI show the client ID beside it (once).
	if names[first.ClientID] != names[second.ClientID] || strings.Contains(names[second.ClientID], second.ClientID) {
		t.Errorf("names of the two registrations: %q", names)
	}
	if said := statusLine.FindString(page); strings.Count(said, second.ClientID) != 1 || !strings.Contains(said, names[second.ClientID]) {
		t.Errorf("closing page names the registration as %q, want its name and client ID once", said)
	}
	_, pending := h.consoleCall("GET", "/api/admin/pending", cookie, "", "")
	var p struct {
		Platforms []struct {
			ClientID   string `json:"clientId"`
			SameIssuer []struct {
				ClientID string `json:"clientId"`
			} `json:"sameIssuer"`
		} `json:"platforms"`
	}
	if err := json.Unmarshal([]byte(pending), &p); err != nil || len(p.Platforms) != 2 {
		t.Fatalf("pending = %s", pending)
	}
	for _, pl := range p.Platforms {
		other := first.ClientID
		if pl.ClientID == first.ClientID {
			other = second.ClientID
		}
		if len(pl.SameIssuer) != 2 || pl.SameIssuer[0].ClientID != "tool-1" || pl.SameIssuer[1].ClientID != other {
			t.Errorf("pending %s: same issuer %+v, want tool-1 and %s", pl.ClientID, pl.SameIssuer, other)
		}
	}
}

// TestDynamicRegistration_Refusals: every refusal is a readable page, and
// neither a registration, a deployment nor a registration session is stored.
func TestDynamicRegistration_Refusals(t *testing.T) {
	h := newHarness(t, withToolConfig(func(c *lti.Config) {
		c.RegistrationTimeout = 500 * time.Millisecond
		c.RegistrationMaxBytes = 64 << 10
	}), withAPIConfig(func(c *api.Config) { c.RegisterPerMinute = 1000 })) // many refusals from one address
	config := func(mut func(d map[string]any, host string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			resp, err := http.Get(h.lms.OpenIDConfigurationURL())
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			var doc map[string]any
			json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			mut(doc, r.Host)
			json.NewEncoder(w).Encode(doc)
		}
	}
	foreign := httptest.NewServer(config(func(d map[string]any, _ string) { d["issuer"] = "https://lms.example.com" }))
	defer foreign.Close()
	noRS256 := httptest.NewServer(config(func(d map[string]any, host string) {
		d["issuer"] = "http://" + host
		d["id_token_signing_alg_values_supported"] = []string{"HS256"}
	}))
	defer noRS256.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"issuer":"` + strings.Repeat("x", 1<<20) + `"}`))
	}))
	defer big.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	redirect := httptest.NewServer(http.RedirectHandler(h.lms.OpenIDConfigurationURL(), http.StatusFound))
	defer redirect.Close()
	reg := h.url + "/lti/register?"
	q := func(configURL string) string {
		return reg + url.Values{"openid_configuration": {configURL}, "registration_token": {"t"}}.Encode()
	}
	scenarios := []struct {
		name, url string
		status    int
		check     string
		words     string
	}{
		{"no configuration", h.url + "/lti/register", 400, "register.config_missing", "did not send its configuration address"},
		{"issuer host mismatch", q(foreign.URL + "/.well-known/openid-configuration"), 400, "register.issuer_host_mismatch", "claims to be the issuer https://lms.example.com"},
		{"http configuration URL", q("http://lms.example.com/.well-known/openid-configuration"), 400, "register.config_url_invalid", "is not https"},
		{"fragment", q(h.lms.OpenIDConfigurationURL() + "#x"), 400, "register.config_url_invalid", "has a fragment"},
		{"private address", q("https://10.20.30.40/.well-known/openid-configuration"), 400, "register.config_address_refused", "private or local network address"},
		{"link-local metadata address", q("https://169.254.169.254/latest/meta-data"), 400, "register.config_address_refused", "private or local network address"},
		{"oversized configuration", q(big.URL + "/config"), 502, "register.config_too_large", "larger answer than ltibox accepts"},
		{"slow configuration", q(slow.URL + "/config"), 504, "register.config_timeout", "did not answer in time"},
		{"no RS256", q(noRS256.URL + "/config"), 400, "register.rs256_unsupported", "RS256"},
		{"cross-host redirect", q(redirect.URL + "/config"), 502, "register.config_redirect_refused", "redirected ltibox to another site"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.registerStart(sc.url)
			h.rejected(t, resp, body, sc.status, sc.check, sc.words)
			if regs, deps, sessions := h.counts(); regs != 1 || deps != 1 || sessions != 0 {
				t.Errorf("stored after refusal: %d registrations, %d deployments, %d registration sessions", regs, deps, sessions)
			}
		})
	}

	t.Run("wrong registration token", func(t *testing.T) {
		u, _ := url.Parse(h.lms.RegistrationURL(h.url + "/lti/register"))
		qs := u.Query()
		qs.Set("registration_token", "forged")
		u.RawQuery = qs.Encode()
		resp, page := h.registerStart(u.String())
		if resp.StatusCode != 200 {
			t.Fatalf("GET = %d", resp.StatusCode)
		}
		resp, body := h.registerFinish(page)
		h.rejected(t, resp, body, 502, "register.refused", "invalid_registration_token")
		if !strings.Contains(body, "can be used only once") {
			t.Errorf("refusal does not explain the token: %s", body)
		}
		if regs, deps, sessions := h.counts(); regs != 1 || deps != 1 || sessions != 0 {
			t.Errorf("stored after refusal: %d registrations, %d deployments, %d sessions", regs, deps, sessions)
		}
		if n := len(h.lms.DynamicRegistrations()); n != 0 {
			t.Errorf("emulator registered %d tools with a forged token", n)
		}
	})

	t.Run("registration token used twice", func(t *testing.T) {
		link := h.lms.RegistrationURL(h.url + "/lti/register")
		_, first := h.registerStart(link)
		_, second := h.registerStart(link)
		if resp, _ := h.registerFinish(first); resp.StatusCode != 200 {
			t.Fatalf("first use = %d", resp.StatusCode)
		}
		regs, deps, _ := h.counts()
		resp, body := h.registerFinish(second)
		h.rejected(t, resp, body, 502, "register.refused", "token_already_used")
		if r2, d2, sessions := h.counts(); r2 != regs || d2 != deps || sessions != 0 {
			t.Errorf("stored after refusal: %d/%d registrations, %d/%d deployments, %d sessions", r2, regs, d2, deps, sessions)
		}
	})

	t.Run("replayed form", func(t *testing.T) {
		_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
		h.registerFinish(page)
		regs, deps, _ := h.counts()
		resp, body := h.registerFinish(page)
		h.rejected(t, resp, body, 400, "register.session_unknown", "already used or waited too long")
		if r2, d2, _ := h.counts(); r2 != regs || d2 != deps {
			t.Errorf("replay stored something")
		}
	})

	t.Run("expired form", func(t *testing.T) {
		_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
		regs, deps, _ := h.counts()
		h.clock.Advance(31 * time.Minute)
		defer h.clock.Advance(-31 * time.Minute)
		resp, body := h.registerFinish(page)
		h.rejected(t, resp, body, 400, "register.session_unknown", "waited too long")
		if r2, d2, sessions := h.counts(); r2 != regs || d2 != deps || sessions != 0 {
			t.Errorf("stored after expiry")
		}
	})
}

func withLMS(f func(*ltitest.Options)) harnessOption {
	return func(c *harnessConfig) { f(&c.lmsOpts) }
}

// TestDynamicRegistration_Moodle: a platform announcing product_family_code
// "moodle" gets the Moodle preset, and the closing page says the tool stays
// Pending in Moodle until a Moodle admin activates it.
func TestDynamicRegistration_Moodle(t *testing.T) {
	h := newHarness(t, withLMS(func(o *ltitest.Options) { o.ProductFamilyCode = "moodle" }))
	_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	if !strings.Contains(page, "(Moodle)") {
		t.Errorf("services page does not name Moodle: %s", page)
	}
	resp, page := h.registerFinish(page)
	if resp.StatusCode != 200 || !strings.Contains(page, "Next step in Moodle") || !strings.Contains(page, "Manage tools") {
		t.Fatalf("closing page = %d: %s", resp.StatusCode, page)
	}
	dr := h.lms.DynamicRegistrations()[0]
	regs, _ := h.db.RegistrationsByIssuer(context.Background(), h.lms.Issuer())
	for _, r := range regs {
		if r.ClientID == dr.ClientID && (r.Preset != lti.PresetMoodle || !strings.HasPrefix(r.Name, "Moodle (")) {
			t.Errorf("stored %q preset %q", r.Name, r.Preset)
		}
	}
}

// Each registration start makes ltibox fetch a URL it was given: one address
// gets api.RegisterLimitMax requests a minute, then a page that says to wait.
func TestDynamicRegistration_RateLimited(t *testing.T) {
	h := newHarness(t)
	for i := range api.RegisterLimitMax {
		resp, body := h.registerStart(h.url + "/lti/register") // no openid_configuration: refused, but counted
		if resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d already limited: %.200s", i+1, body)
		}
	}
	resp, body := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Too many registration attempts") || !strings.Contains(body, "Wait a minute") {
		t.Fatalf("request %d = %d (Retry-After %q) %.300s", api.RegisterLimitMax+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n := len(h.lms.DynamicRegistrations()); n != 0 {
		t.Errorf("%d registrations made past the limit", n)
	}
	if !strings.Contains(h.logs.String(), "dynamic registration rate limit") {
		t.Errorf("no log line for the limit:\n%s", h.logs.String())
	}
}
