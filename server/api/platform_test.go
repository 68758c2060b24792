package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// adminCall runs one request through app.Test.
func (h *harness) adminCall(method, path, token, body string) (int, string) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.srv.App().Test(req, -1)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, readBody(h.t, resp)
}

func TestAdminAPI_Scenarios(t *testing.T) {
	h := newHarness(t)
	const good = `{"name":"Moodle","issuer":"https://moodle.example","clientId":"abc","authUrl":"https://moodle.example/mod/lti/auth.php","tokenUrl":"https://moodle.example/mod/lti/token.php","jwksUrl":"https://moodle.example/mod/lti/certs.php","preset":"moodle","deployments":["1"]}`
	scenarios := []struct {
		name, method, path, token, body string
		status                          int
		contains                        []string
	}{
		{"no token", "GET", "/api/admin/platforms", "", "", 401, []string{`"code":"unauthorized"`}},
		{"wrong token", "GET", "/api/admin/platforms", "nope", "", 401, []string{"valid admin token"}},
		{"list", "GET", "/api/admin/platforms", "admin-secret", "", 200, []string{`"issuer":"` + h.lms.Issuer(), `"deploymentId":"1"`, `"loginUrl":"` + h.url + `/lti/login"`}},
		{"create", "POST", "/api/admin/platforms", "admin-secret", good, 201, []string{`"clientId":"abc"`, `"deploymentId":"1"`, `"jwksUrl":"` + h.url + `/.well-known/jwks.json"`, `"redirectUrl":"` + h.url + `/lti/launch"`}},
		{"duplicate", "POST", "/api/admin/platforms", "admin-secret", good, 409, []string{"already registered"}},
		{"missing fields", "POST", "/api/admin/platforms", "admin-secret", `{"issuer":"https://x.example"}`, 400, []string{"Missing: JWKS URL, OIDC auth URL, client ID, token URL."}},
		{"http platform", "POST", "/api/admin/platforms", "admin-secret", strings.Replace(good, "https://moodle.example/mod/lti/auth.php", "http://moodle.example/mod/lti/auth.php", 1), 400, []string{"OIDC auth URL must be an https URL"}},
		{"not JSON", "POST", "/api/admin/platforms", "admin-secret", `{`, 400, []string{"not valid JSON"}},
		{"unknown id", "GET", "/api/admin/platforms/999", "admin-secret", "", 404, []string{"Platform not found."}},
		{"bad id", "GET", "/api/admin/platforms/abc", "admin-secret", "", 400, []string{"positive number"}},
		{"add deployment", "POST", "/api/admin/platforms/1/deployments", "admin-secret", `{"deploymentId":"7"}`, 201, []string{`"deploymentId":"7"`}},
		{"duplicate deployment", "POST", "/api/admin/platforms/1/deployments", "admin-secret", `{"deploymentId":"7"}`, 409, []string{`Deployment \"7\" of this platform already exists (active).`}},
		{"reject deployment", "POST", "/api/admin/platforms/1/deployments/7/reject", "admin-secret", "", 200, []string{`"status":"rejected"`}},
		// Adding a rejected deployment again says how to allow it instead.
		{"duplicate rejected deployment", "POST", "/api/admin/platforms/1/deployments", "admin-secret", `{"deploymentId":"7"}`, 409, []string{"already exists and was rejected", "press Approve on its row in the Deployments table"}},
		{"deployment for unknown platform", "POST", "/api/admin/platforms/999/deployments", "admin-secret", `{"deploymentId":"7"}`, 404, []string{"Platform not found."}},
		{"remove deployment", "DELETE", "/api/admin/platforms/1/deployments/7", "admin-secret", "", 204, nil},
		// LTI deployment IDs may hold spaces and slashes; clients escape them in the path.
		{"add deployment with a space and a slash", "POST", "/api/admin/platforms/1/deployments", "admin-secret", `{"deploymentId":"course 42/b"}`, 201, []string{`"deploymentId":"course 42/b"`}},
		{"approve escaped deployment", "POST", "/api/admin/platforms/1/deployments/course%2042%2Fb/approve", "admin-secret", "", 200, []string{`"deploymentId":"course 42/b"`}},
		{"remove escaped deployment", "DELETE", "/api/admin/platforms/1/deployments/course%2042%2Fb", "admin-secret", "", 204, nil},
		{"remove unknown deployment", "DELETE", "/api/admin/platforms/1/deployments/7", "admin-secret", "", 404, []string{"Deployment not found."}},
		{"keys", "GET", "/api/admin/keys", "admin-secret", "", 200, []string{`"current":true`}},
		{"delete", "DELETE", "/api/admin/platforms/2", "admin-secret", "", 204, nil},
		{"deleted", "GET", "/api/admin/platforms/2", "admin-secret", "", 404, nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			status, body := h.adminCall(sc.method, sc.path, sc.token, sc.body)
			if status != sc.status {
				t.Errorf("status = %d, want %d: %s", status, sc.status, body)
			}
			for _, c := range sc.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %q: %s", c, body)
				}
			}
		})
	}
}

// TestAdminAPI_RotateKeyKeepsOldKeyPublished: a rotation publishes the new key
// before it signs, refuses a second rotation meanwhile, and keeps the old key
// published after the hand-over.
func TestAdminAPI_RotateKeyKeepsOldKeyPublished(t *testing.T) {
	h := newHarness(t)
	keys := func() []string { return publishedKIDs(t, h) }
	before := keys()
	if len(before) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(before))
	}
	status, body := h.adminCall("POST", "/api/admin/keys/rotate", "admin-secret", "")
	if status != 201 || !strings.Contains(body, `"state":"next"`) {
		t.Fatalf("rotate: %d %s", status, body)
	}
	// Published at once, signing still with the old key (it comes first).
	after := keys()
	if len(after) != 2 || after[0] != before[0] || after[1] == before[0] {
		t.Errorf("after rotation JWKS kids = %v, want [%s, new]", after, before[0])
	}
	status, body = h.adminCall("POST", "/api/admin/keys/rotate", "admin-secret", "")
	if status != 409 || !strings.Contains(body, "A new key is already published and starts signing at") {
		t.Errorf("second rotation while the first waits: %d %s, want 409 and when it signs", status, body)
	}
	if again := keys(); strings.Join(again, " ") != strings.Join(after, " ") {
		t.Errorf("the refused rotation changed the JWKS: %v, was %v", again, after)
	}
	h.clock.Advance(61 * time.Minute)
	if handed := keys(); len(handed) != 2 || handed[0] != after[1] || handed[1] != before[0] {
		t.Errorf("after the hand-over JWKS kids = %v, want [%s, %s]", handed, after[1], before[0])
	}
}

// TestAdminAPI_ReplaceKeysForALeak: /keys/replace signs with a new key at
// once and withdraws every other key from the JWKS, a waiting rotation's key
// included, so the console can answer a leak without a shell on the server.
// Without admin credentials it is refused and the JWKS stays as it was.
func TestAdminAPI_ReplaceKeysForALeak(t *testing.T) {
	h := newHarness(t)
	if status, body := h.adminCall("POST", "/api/admin/keys/rotate", "admin-secret", ""); status != 201 {
		t.Fatalf("rotate: %d %s", status, body)
	}
	before := publishedKIDs(t, h)
	if len(before) != 2 {
		t.Fatalf("JWKS after a rotation: %v, want the current and the waiting key", before)
	}
	status, body := h.adminCall("POST", "/api/admin/keys/replace", "wrong-secret", "")
	if status != 401 {
		t.Errorf("replace with a wrong admin token: %d %s, want 401", status, body)
	}
	if kids := publishedKIDs(t, h); strings.Join(kids, " ") != strings.Join(before, " ") {
		t.Errorf("a refused replace changed the JWKS: %v, was %v", kids, before)
	}

	// A console session without its CSRF header, and no credentials at all,
	// are refused too (a page elsewhere cannot make a signed-in admin's
	// browser replace the keys).
	cookie, csrf := h.signedIn()
	if resp, body := h.consoleCall("POST", "/api/admin/keys/replace", cookie, "", ""); resp.StatusCode != 403 || !strings.Contains(body, "CSRF") {
		t.Errorf("replace from a console session without the CSRF header: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := h.consoleCall("POST", "/api/admin/keys/replace", "", "", ""); resp.StatusCode != 401 {
		t.Errorf("replace without credentials: %d %s, want 401", resp.StatusCode, body)
	}
	if kids := publishedKIDs(t, h); strings.Join(kids, " ") != strings.Join(before, " ") {
		t.Errorf("a refused replace changed the JWKS: %v, was %v", kids, before)
	}

	status, body = h.adminCall("POST", "/api/admin/keys/replace", "admin-secret", "")
	var k model.KeyInfo
	if status != 201 || json.Unmarshal([]byte(body), &k) != nil || k.State != "current" {
		t.Fatalf("replace: %d %s, want 201 and the new current key", status, body)
	}
	if kids := publishedKIDs(t, h); len(kids) != 1 || kids[0] != k.KID || slices.Contains(before, k.KID) {
		t.Errorf("JWKS after replace: %v, want only the new key %s (was %v)", kids, k.KID, before)
	}
	signing, err := h.tool.SigningKey(context.Background())
	if err != nil || signing.KID != k.KID {
		t.Errorf("signing with %v (%v), want the new key %s at once", signing, err, k.KID)
	}
	// Nothing waits any more: a plain rotation is possible again.
	if status, body := h.adminCall("POST", "/api/admin/keys/rotate", "admin-secret", ""); status != 201 {
		t.Errorf("rotate after replace: %d %s", status, body)
	}
	// The console session with its CSRF header may replace (the console's path).
	if resp, body := h.consoleCall("POST", "/api/admin/keys/replace", cookie, csrf, ""); resp.StatusCode != 201 {
		t.Errorf("replace from the console: %d %s, want 201", resp.StatusCode, body)
	} else if kids := publishedKIDs(t, h); len(kids) != 1 || kids[0] == k.KID {
		t.Errorf("JWKS after the console's replace: %v, want one key, not %s", kids, k.KID)
	}
}

func TestSessionAPI(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.launch(instructorWithServices())
	tok := sessionToken(t, resp)
	r, body := h.apiGet("/api/v1/session", tok)
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, body)
	}
	for _, want := range []string{`"name":"Grace Hopper"`, `"role":"instructor"`, `"title":"Demo Course 101"`, `"resourceLink":"rl-1"`, `"ags":true`, `"nrps":true`, `"deepLinking":false`} {
		if !strings.Contains(body, want) {
			t.Errorf("session lacks %s: %s", want, body)
		}
	}
	for _, sc := range []struct{ name, token, want string }{
		{"no token", "", "only works when opened from your course"},
		{"unknown token", "not-a-session", "Relaunch the activity from your course"},
	} {
		r, body := h.apiGet("/api/v1/session", sc.token)
		if r.StatusCode != 401 || !strings.Contains(body, sc.want) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: status %d body %s", sc.name, r.StatusCode, body)
		}
	}
	// An expired session is refused.
	h.clock.Advance(9 * 3600e9)
	if r, _ := h.apiGet("/api/v1/session", tok); r.StatusCode != 401 {
		t.Errorf("expired session: status %d, want 401", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'self' "+h.lms.Issuer()) {
		t.Errorf("CSP frame-ancestors does not list the registered platform: %s", csp)
	}
	if strings.Contains(csp, "frame-ancestors *") || resp.Header.Get("X-Frame-Options") != "" {
		t.Errorf("framing policy too open or uses X-Frame-Options: %s / %s", csp, resp.Header.Get("X-Frame-Options"))
	}
}

func TestUnknownPathsAndDirectVisits(t *testing.T) {
	h := newHarness(t, withUI())
	for _, sc := range []struct {
		method, path string
		status       int
		ctype, words string
	}{
		{"GET", "/api/v2/nope", 404, "application/json", "No such API endpoint"},
		{"POST", "/api/anything", 404, "application/json", "No such API endpoint"},
		{"GET", "/lti/launch", 405, "text/html", "Open ltibox from your course"},
	} {
		status, body := h.adminCall(sc.method, sc.path, "", "")
		if status != sc.status || !strings.Contains(body, sc.words) {
			t.Errorf("%s %s: %d %s", sc.method, sc.path, status, body)
		}
	}
}

// The console shows per platform how launches bound the login to the browser.
func TestAdminAPI_PlatformsShowLaunchBindings(t *testing.T) {
	h := newHarness(t)
	if status, body := h.adminCall("GET", "/api/admin/platforms", "admin-secret", ""); status != 200 || !strings.Contains(body, `"bindings":[]`) {
		t.Errorf("before any launch: %d %s", status, body)
	}
	for i := 0; i < 2; i++ {
		resp, _ := h.launch(ltitest.LaunchSpec{})
		sessionToken(t, resp)
	}
	status, body := h.adminCall("GET", "/api/admin/platforms", "admin-secret", "")
	if status != 200 || !strings.Contains(body, `"bindings":[{"binding":"cookie","launches":2`) {
		t.Errorf("after two cookie launches: %d %s", status, body)
	}
}

// TestAdminAPI_SetupWhere: the setup of a known LMS says where its tool page
// is; for Other LMS, whose "where" would only repeat the console's opening
// instruction (open the page for adding an LTI 1.3 tool), it is empty.
func TestAdminAPI_SetupWhere(t *testing.T) {
	h := newHarness(t)
	const moodle = `{"name":"Moodle","issuer":"https://moodle.example","clientId":"abc","authUrl":"https://moodle.example/mod/lti/auth.php","tokenUrl":"https://moodle.example/mod/lti/token.php","jwksUrl":"https://moodle.example/mod/lti/certs.php","preset":"moodle"}`
	if status, body := h.adminCall("POST", "/api/admin/platforms", "admin-secret", moodle); status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	where := func(id string) string {
		status, body := h.adminCall("GET", "/api/admin/platforms/"+id, "admin-secret", "")
		var p struct {
			Preset string
			Setup  struct{ Where string }
		}
		if err := json.Unmarshal([]byte(body), &p); status != 200 || err != nil {
			t.Fatalf("platform %s: %d %v %s", id, status, err, body)
		}
		return p.Preset + ": " + p.Setup.Where
	}
	if got := where("1"); got != "other: " {
		t.Errorf("setup of the test LMS (Other) = %q, want no where", got)
	}
	if got := where("2"); !strings.HasPrefix(got, "moodle: Site administration") {
		t.Errorf("setup of Moodle = %q, want where its tool page is", got)
	}
}

// publishedKIDs reads the tool's JWKS and returns its kids in order, failing
// the test on any private member, a key that is not RSA-2048 RS256, or a
// cache lifetime other than the one key rotation waits out (lti.JWKSMaxAge).
func publishedKIDs(t *testing.T, h *harness) []string {
	t.Helper()
	resp, err := http.Get(h.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("JWKS Cache-Control = %q, want public, max-age=300 (lti.JWKSMaxAge)", got)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(readBody(t, resp)), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS publishes private member %q", private)
			}
		}
		if k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" {
			t.Errorf("JWK = %v, want RSA, RS256, sig", k)
		}
		if n, _ := k["n"].(string); len(n) < 342 { // 2048 bits in base64url
			t.Errorf("modulus too short: %d chars", len(n))
		}
		kids = append(kids, k["kid"].(string))
	}
	return kids
}
