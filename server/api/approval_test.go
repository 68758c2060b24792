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
	if resp, _ := h.consoleCall("GET", "/api/admin/launches/"+itoa(first.ID), "", "", ""); resp.StatusCode != 401 {
		t.Errorf("launch debugger without a session = %d", resp.StatusCode)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
