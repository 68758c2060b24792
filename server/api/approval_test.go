package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// TestApprovalQueue: a launch from an unknown deployment of a known
// registration is refused, queued, approved by the admin, and then launches.
func TestApprovalQueue(t *testing.T) {
	h := newHarness(t)
	urls := h.tool.URLs()
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1", "7", "8"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	cookie, csrf := h.signedIn()

	resp, body := h.launch(ltitest.LaunchSpec{DeploymentID: "7"})
	h.rejected(t, resp, body, 403, "launch.deployment_unknown", "approval queue")
	_, pending := h.consoleCall("GET", "/api/admin/pending", cookie, "", "")
	if !strings.Contains(pending, `"deploymentId":"7"`) {
		t.Fatalf("deployment 7 not queued: %s", pending)
	}
	// Until approved, it stays refused (and is not queued twice).
	resp, body = h.launch(ltitest.LaunchSpec{DeploymentID: "7"})
	h.rejected(t, resp, body, 403, "launch.deployment_pending", "waiting for approval")
	// A student or teacher reads this page in the LMS: it says who can help
	// them, and where the administrator approves it.
	for _, want := range []string{"Tell your teacher or your school", "Pending approvals (" + h.url + "/admin/approvals)"} {
		if !strings.Contains(body, want) {
			t.Errorf("pending-deployment page lacks %q: %.1500s", want, body)
		}
	}
	if strings.Contains(body, "Ask the ltibox administrator") {
		t.Errorf("pending-deployment page asks the student to reach the ltibox administrator: %.1500s", body)
	}
	if _, again := h.consoleCall("GET", "/api/admin/pending", cookie, "", ""); strings.Count(again, `"deploymentId":"7"`) != 1 {
		t.Errorf("queued twice: %s", again)
	}
	// Approval needs the CSRF token.
	if resp, _ := h.consoleCall("POST", "/api/admin/platforms/1/deployments/7/approve", cookie, "", ""); resp.StatusCode != 403 {
		t.Fatalf("approve without CSRF = %d", resp.StatusCode)
	}
	if resp, body := h.launch(ltitest.LaunchSpec{DeploymentID: "7"}); resp.StatusCode != 403 {
		t.Fatalf("launch after a refused approval = %d %s", resp.StatusCode, body)
	}
	if resp, body := h.consoleCall("POST", "/api/admin/platforms/1/deployments/7/approve", cookie, csrf, ""); resp.StatusCode != 200 {
		t.Fatalf("approve = %d %s", resp.StatusCode, body)
	}
	resp, _ = h.launch(ltitest.LaunchSpec{DeploymentID: "7"})
	sessionToken(t, resp)
	if _, after := h.consoleCall("GET", "/api/admin/pending", cookie, "", ""); strings.Contains(after, `"deploymentId":"7"`) {
		t.Errorf("approved deployment still pending: %s", after)
	}

	// A rejected deployment stays refused.
	h.launch(ltitest.LaunchSpec{DeploymentID: "8"})
	if resp, body := h.consoleCall("POST", "/api/admin/platforms/1/deployments/8/reject", cookie, csrf, ""); resp.StatusCode != 200 {
		t.Fatalf("reject = %d %s", resp.StatusCode, body)
	}
	resp, body = h.launch(ltitest.LaunchSpec{DeploymentID: "8"})
	if resp.StatusCode != 403 || !strings.Contains(body, "refused deployment") {
		t.Errorf("rejected deployment launch = %d %.300s", resp.StatusCode, body)
	}

	// The launch log lists every attempt; the debugger shows the failed one decoded.
	_, list := h.consoleCall("GET", "/api/admin/launches", cookie, "", "")
	var launches []model.LaunchAttempt
	if err := json.Unmarshal([]byte(list), &launches); err != nil {
		t.Fatal(err)
	}
	if len(launches) != 6 || !launches[2].OK || launches[len(launches)-1].Check != "launch.deployment_unknown" {
		t.Fatalf("launch log = %s", list)
	}
	first := launches[len(launches)-1]
	_, detail := h.consoleCall("GET", "/api/admin/launches/"+itoa(first.ID), cookie, "", "")
	var dbg model.LaunchAttempt
	if err := json.Unmarshal([]byte(detail), &dbg); err != nil {
		t.Fatal(err)
	}
	if dbg.Header["alg"] != "RS256" || dbg.Header["kid"] == nil || dbg.Claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] != "7" ||
		dbg.Platform != "Test LMS" || !strings.Contains(dbg.Hint, "Pending approvals") {
		t.Errorf("debugger view = %s", detail)
	}
	if dbg.Claims["sub"] == nil || dbg.Claims["name"] == nil || strings.Contains(detail, `@`) {
		t.Errorf("debugger view keeps the person's profile (or lost sub): %s", detail)
	}
	for _, k := range []string{"name", "given_name", "family_name", "email"} {
		if v, ok := dbg.Claims[k]; ok && !strings.HasPrefix(v.(string), "(removed") {
			t.Errorf("launch log keeps %s = %q", k, v)
		}
	}
	if resp, _ := h.consoleCall("GET", "/api/admin/launches/"+itoa(first.ID), "", "", ""); resp.StatusCode != 401 {
		t.Errorf("launch debugger without a session = %d", resp.StatusCode)
	}
}

// TestDynamicRegistration_ApproveThenLaunch: a pending registration launches
// once the admin activates it from the console.
func TestDynamicRegistration_ApproveThenLaunch(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.signedIn()
	_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	h.registerFinish(page)
	dr := h.lms.DynamicRegistrations()[0]
	_, pending := h.consoleCall("GET", "/api/admin/pending", cookie, "", "")
	var p struct {
		Platforms []struct {
			ID       int64  `json:"id"`
			ClientID string `json:"clientId"`
			Preset   string `json:"preset"`
		} `json:"platforms"`
	}
	if err := json.Unmarshal([]byte(pending), &p); err != nil || len(p.Platforms) != 1 || p.Platforms[0].ClientID != dr.ClientID {
		t.Fatalf("pending platforms = %s", pending)
	}
	id := itoa(p.Platforms[0].ID)
	if resp, body := h.consoleCall("POST", "/api/admin/platforms/"+id+"/status", cookie, csrf, `{"status":"bogus"}`); resp.StatusCode != 400 {
		t.Errorf("bogus status = %d %s", resp.StatusCode, body)
	}
	if resp, body := h.consoleCall("POST", "/api/admin/platforms/"+id+"/status", cookie, csrf, `{"status":"active"}`); resp.StatusCode != 200 || !strings.Contains(body, `"status":"active"`) {
		t.Fatalf("activate = %d %s", resp.StatusCode, body)
	}
	resp, _ := h.launch(ltitest.LaunchSpec{ClientID: dr.ClientID, DeploymentID: dr.DeploymentID})
	sessionToken(t, resp)
}

// TestConsoleAPI_Scenarios covers the console endpoints through app.Test.
func TestConsoleAPI_Scenarios(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.signedIn()
	scenarios := []struct {
		name, method, path, body string
		status                   int
		contains                 []string
	}{
		{"presets", "GET", "/api/admin/presets", "", 200, []string{`"key":"moodle"`, `"tokenAudience":"https://api.brightspace.com/auth/token"`, `"tokenUrl":"https://sso.canvaslms.com/login/oauth2/token"`}},
		{"settings default to pending", "GET", "/api/admin/settings", "", 200, []string{`"approval":"pending"`, `"allowPrivate":false`, `"registrationUrl":"` + h.url + `/lti/register"`, `"keyOverlapHours":168`}},
		{"bad policy", "PUT", "/api/admin/settings", `{"approval":"yes"}`, 400, []string{"active or pending"}},
		{"policy active", "PUT", "/api/admin/settings", `{"approval":"active","allowPrivate":true}`, 200, []string{`"approval":"active"`, `"allowPrivate":true`}},
		{"platform setup for Moodle", "POST", "/api/admin/platforms", `{"name":"Moodle","issuer":"https://m.example","clientId":"c","authUrl":"https://m.example/mod/lti/auth.php","tokenUrl":"https://m.example/mod/lti/token.php","jwksUrl":"https://m.example/mod/lti/certs.php","preset":"moodle"}`, 201,
			[]string{`"where":"Site administration`, `\"login_url\": \"` + h.url + `/lti/login\"`}},
		{"platform setup for Canvas", "POST", "/api/admin/platforms", `{"name":"Canvas","issuer":"https://canvas.instructure.com","clientId":"1000","authUrl":"https://sso.canvaslms.com/api/lti/authorize_redirect","tokenUrl":"https://sso.canvaslms.com/login/oauth2/token","jwksUrl":"https://sso.canvaslms.com/api/lti/security/jwks","preset":"canvas"}`, 201,
			[]string{`\"oidc_initiation_url\": \"` + h.url + `/lti/login\"`, `privacy_level`, `assignment_selection`}},
		{"library create", "POST", "/api/admin/activities", `{"title":"Essay","instructions":"Write.","graded":true,"scoreMaximum":10}`, 201, []string{`"title":"Essay"`}},
		{"library update", "PUT", "/api/admin/activities/1", `{"title":"Essay 2","instructions":"Write more.","graded":true,"scoreMaximum":20}`, 200, []string{`"title":"Essay 2"`, `"scoreMaximum":20`}},
		{"library", "GET", "/api/admin/activities", "", 200, []string{`"title":"Essay 2"`}},
		{"library invalid", "POST", "/api/admin/activities", `{"title":""}`, 400, nil},
		{"launch unknown", "GET", "/api/admin/launches/999", "", 404, []string{"Launch not found."}},
		{"no pending", "GET", "/api/admin/pending", "", 200, []string{`"platforms":[]`, `"deployments":[]`}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.consoleCall(sc.method, sc.path, cookie, csrf, sc.body)
			if resp.StatusCode != sc.status {
				t.Errorf("%s %s = %d %s, want %d", sc.method, sc.path, resp.StatusCode, body, sc.status)
			}
			for _, want := range sc.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s: body lacks %s: %s", sc.method, sc.path, want, body)
				}
			}
		})
	}
	// With the policy set to active, a dynamic registration is active at once.
	_, page := h.registerStart(h.lms.RegistrationURL(h.url + "/lti/register"))
	if strings.Contains(page, "must approve") {
		t.Errorf("services page warns about approval under the active policy")
	}
	h.registerFinish(page)
	dr := h.lms.DynamicRegistrations()[0]
	resp, _ := h.launch(ltitest.LaunchSpec{ClientID: dr.ClientID, DeploymentID: dr.DeploymentID})
	sessionToken(t, resp)
}

// TestLaunchLog_LoginRefusal: a login from an unregistered client shows in
// Recent launches with a hint, and the debugger never stores a raw token.
func TestLaunchLog_LoginRefusal(t *testing.T) {
	h := newHarness(t)
	cookie, _ := h.signedIn()
	form := h.lms.LoginForm(ltitest.LaunchSpec{})
	form.Set("client_id", "not-registered")
	resp, err := h.browser().PostForm(h.tool.LoginURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	_, list := h.consoleCall("GET", "/api/admin/launches", cookie, "", "")
	var launches []model.LaunchAttempt
	if err := json.Unmarshal([]byte(list), &launches); err != nil || len(launches) != 1 {
		t.Fatalf("launch log = %s", list)
	}
	l := launches[0]
	if l.OK || l.Check != "login.platform_unknown" || l.ClientID != "not-registered" || l.MessageType != "login" {
		t.Errorf("logged login = %+v", l)
	}
	_, detail := h.consoleCall("GET", "/api/admin/launches/"+itoa(l.ID), cookie, "", "")
	if !strings.Contains(detail, "compare both with the values the LMS shows") {
		t.Errorf("no hint for the refused login: %s", detail)
	}
}
