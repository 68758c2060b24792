package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_AddRemoveDeployment: on the Deployments page the admin adds a
// deployment of the demo LMS, whose launches then work, and removes it again
// (after the confirmation), whose launches are then refused with the readable
// page. The ID has a space, as LTI allows (any ASCII): the console must carry
// it through the URL of the removal.
func TestConsole_AddRemoveDeployment(t *testing.T) {
	const dep = "course 42"
	c := openConsole(t, "/admin/")
	c.demoLaunchesFrom(dep)
	c.run("add a deployment",
		browsertest.Press("link", "Deployments"),
		chromedp.WaitVisible(`#deployment-form`),
		chromedp.WaitVisible(`main[data-status="loaded"]`),
		browsertest.Choose("Platform", "Demo LMS"),
		browsertest.Fill("Deployment ID", dep),
		browsertest.Press("button", "Add deployment"),
		c.done("Added deployment "+dep+"."),
	)
	c.allNamed()
	if st, err := c.a.db.DeploymentStatus(context.Background(), 1, dep); err != nil || st != "active" {
		t.Errorf("stored deployment: %q %v", st, err)
	}
	if deps := c.apiDeployments(); len(deps) != 2 || deps[1] != dep {
		t.Errorf("admin API deployments after add: %q", deps)
	}
	if st, page := c.launch(dep); st != http.StatusSeeOther {
		t.Errorf("launch from the added deployment = %d %.300s", st, page)
	}

	c.run("remove it",
		c.reload(),
		c.dialogs.Accept(true),
		browsertest.Press("button", "Remove deployment "+dep+" of Demo LMS"),
		c.done("Removed deployment "+dep+"."),
	)
	if c.count("button", "Remove deployment "+dep+" of Demo LMS") != 0 || c.count("button", "Remove deployment 1 of Demo LMS") != 1 {
		t.Errorf("deployment list after the removal is wrong")
	}
	if deps := c.apiDeployments(); len(deps) != 1 || deps[0] != "1" {
		t.Errorf("admin API deployments after remove: %q", deps)
	}
	if _, err := c.a.db.DeploymentStatus(context.Background(), 1, dep); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("stored deployment after remove: %v", err)
	}
	st, page := c.launch(dep)
	refused(t, st, page, http.StatusForbidden, "This LMS deployment is not registered with ltibox", "launch.deployment_unknown")
}

// apiDeployments lists the deployment IDs of the demo LMS in the admin API.
func (c *console) apiDeployments() []string {
	c.t.Helper()
	var p model.Platform
	if st := c.api("GET", platformPath(1), &p); st != 200 {
		c.t.Fatalf("admin API platform 1: %d", st)
	}
	ids := []string{}
	for _, d := range p.Deployments {
		ids = append(ids, d.DeploymentID)
	}
	return ids
}

// TestConsole_RejectThenApproveDeployment: a deployment queued by a launch
// shows its issuer and client ID under Pending approvals (and the empty
// platforms table says none wait); Reject asks first (Cancel keeps it
// pending); once rejected, adding it again says it exists, is rejected and
// how to approve it, and its row under Deployments has Approve, after which
// its launches work.
func TestConsole_RejectThenApproveDeployment(t *testing.T) {
	c := openConsole(t, "/admin/approvals")
	c.failedLaunch() // queues deployment 9 of the demo LMS
	var row, noPlatforms string
	c.run("open the queue",
		c.reload(),
		chromedp.Text(`#pending-deployments tr[data-deployment="9"]`, &row, chromedp.ByQuery),
		chromedp.Text(`#pending-platforms tbody`, &noPlatforms, chromedp.ByQuery),
	)
	if !strings.Contains(row, c.a.demo.Issuer()) || !strings.Contains(row, demoClientID) {
		t.Errorf("pending deployment row lacks the issuer or client ID: %q", row)
	}
	if !strings.Contains(noPlatforms, "No platform is waiting for approval.") {
		t.Errorf("empty platforms table says %q", noPlatforms)
	}
	c.allNamed()

	c.run("reject, then cancel",
		c.dialogs.Accept(false),
		browsertest.Press("button", "Reject deployment 9 of Demo LMS"),
		chromedp.Sleep(300*time.Millisecond),
	)
	if msgs := c.dialogs.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "Reject deployment 9 of Demo LMS?") {
		t.Fatalf("Reject asked %q", msgs)
	}
	if st, err := c.a.db.DeploymentStatus(context.Background(), 1, "9"); err != nil || st != "pending" {
		t.Fatalf("deployment after a cancelled Reject: %q %v", st, err)
	}
	c.run("reject",
		c.dialogs.Accept(true),
		browsertest.Press("button", "Reject deployment 9 of Demo LMS"),
		c.done("Rejected deployment 9 of Demo LMS."),
	)
	// The rejected row was the last: its button went with it, and the focus
	// goes to the page's heading rather than to <body>.
	var focused string
	c.run("focus after the last row went",
		chromedp.Poll(`document.activeElement.id === 'page-heading'`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`document.activeElement.id || document.activeElement.tagName`, &focused),
	)
	if focused != "page-heading" {
		t.Errorf("focus after rejecting the last pending deployment: %q", focused)
	}
	if st, err := c.a.db.DeploymentStatus(context.Background(), 1, "9"); err != nil || st != "rejected" {
		t.Fatalf("deployment after Reject: %q %v", st, err)
	}

	var addErr string
	c.run("add it again",
		browsertest.Press("link", "Deployments"),
		chromedp.WaitVisible(`#deployment-form`),
		chromedp.WaitVisible(`main[data-status="loaded"]`),
		browsertest.Choose("Platform", "Demo LMS"),
		browsertest.Fill("Deployment ID", "9"),
		browsertest.Press("button", "Add deployment"),
		chromedp.WaitVisible(`#error`),
		chromedp.Text(`#error`, &addErr, chromedp.ByQuery),
	)
	if !strings.Contains(addErr, "already exists and was rejected") || !strings.Contains(addErr, "press Approve on its row") {
		t.Errorf("adding the rejected deployment says %q", addErr)
	}
	c.run("approve it on its row",
		browsertest.Press("button", "Approve deployment 9 of Demo LMS"),
		c.done("Approved deployment 9 of Demo LMS."),
	)
	if c.count("button", "Approve deployment 9 of Demo LMS") != 0 {
		t.Errorf("the approved deployment still has Approve")
	}
	if st, page := c.launch("9"); st != http.StatusSeeOther {
		t.Errorf("launch from the approved deployment = %d %.300s", st, page)
	}
}

// TestConsole_SameNamedPlatforms: two registrations of one LMS with the same
// name (as dynamic registration names them) read differently wherever
// platforms are listed or chosen, and each row's buttons have their own
// names; Pending approvals says the LMS has another registration.
func TestConsole_SameNamedPlatforms(t *testing.T) {
	c := openConsole(t, "/admin/approvals")
	ctx := context.Background()
	for _, client := range []string{"aaa", "bbb"} {
		r := &lti.Registration{Name: "localhost:18080", Issuer: "http://localhost:18080", ClientID: client, AuthURL: "http://localhost:18080/auth",
			TokenURL: "http://localhost:18080/token", JWKSURL: "http://localhost:18080/jwks", Status: lti.StatusPending}
		if err := c.a.db.CreateRegistration(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := c.a.db.AddDeployment(ctx, r.ID, "1", lti.StatusPending); err != nil {
			t.Fatal(err)
		}
	}
	var warning string
	c.run("open the queue", c.reload(), chromedp.Text(`#same-issuer`, &warning, chromedp.ByQuery))
	if !strings.Contains(warning, "localhost:18080 (client aaa) has the same issuer") || !strings.Contains(warning, "localhost:18080 (client bbb) has the same issuer") {
		t.Errorf("same-issuer warning: %q", warning)
	}
	for _, name := range []string{"Approve localhost:18080 (client aaa)", "Reject localhost:18080 (client bbb)",
		"Approve deployment 1 of localhost:18080 (client aaa)", "Reject deployment 1 of localhost:18080 (client bbb)"} {
		if n := c.count("button", name); n != 1 {
			t.Errorf("%d buttons named %q, want 1", n, name)
		}
	}
	c.run("approve one",
		browsertest.Press("button", "Approve localhost:18080 (client aaa)"),
		c.done("Approved localhost:18080 (client aaa)."),
	)
	regs, err := c.a.db.RegistrationsByIssuer(ctx, "http://localhost:18080")
	if err != nil || len(regs) != 2 {
		t.Fatal(regs, err)
	}
	for _, r := range regs {
		if want := map[string]string{"aaa": "active", "bbb": "pending"}[r.ClientID]; r.Status != want {
			t.Errorf("client %s is %s, want %s", r.ClientID, r.Status, want)
		}
	}

	c.run("platforms", browsertest.Press("link", "Platforms"), chromedp.WaitVisible(`#platforms`), chromedp.WaitVisible(`main[data-status="loaded"]`))
	for _, name := range []string{"Edit localhost:18080 (client aaa)", "Edit localhost:18080 (client bbb)", "Edit Demo LMS"} {
		if n := c.count("button", name); n != 1 {
			t.Errorf("%d buttons named %q, want 1", n, name)
		}
	}
	var options []string
	c.run("deployments",
		browsertest.Press("link", "Deployments"),
		chromedp.WaitVisible(`#deployment-form`),
		chromedp.WaitVisible(`main[data-status="loaded"]`),
		chromedp.Evaluate(`[...document.querySelectorAll('#dep-platform option')].map(o => o.textContent)`, &options),
	)
	if strings.Join(options, "|") != "Choose…|Demo LMS|localhost:18080 (client aaa)|localhost:18080 (client bbb)" {
		t.Errorf("platform choices: %q", options)
	}
	for _, name := range []string{"Remove deployment 1 of localhost:18080 (client aaa)", "Remove deployment 1 of localhost:18080 (client bbb)"} {
		if n := c.count("button", name); n != 1 {
			t.Errorf("%d buttons named %q, want 1", n, name)
		}
	}
	c.allNamed()
}

// TestConsole_CopyRegistrationURL: the Dynamic registration page says the
// URL must be https and reachable from the LMS, and copies it with Copy.
func TestConsole_CopyRegistrationURL(t *testing.T) {
	c := openConsole(t, "/admin/registration")
	var help, announced, pasted string
	c.run("copy",
		chromedp.WaitVisible(`#registration-url`),
		browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite}).WithOrigin(c.base),
		chromedp.Text(`#registration-url-help`, &help, chromedp.ByQuery),
		browsertest.Press("button", "Copy the dynamic registration URL"),
		chromedp.Poll(`document.getElementById('registration-copy-status').textContent !== ''`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Text(`#registration-copy-status`, &announced, chromedp.ByQuery),
		chromedp.Evaluate(`navigator.clipboard.readText()`, &pasted, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if !strings.Contains(help, "https") || !strings.Contains(help, "reach") {
		t.Errorf("registration URL help: %q", help)
	}
	if announced != "Copied the dynamic registration URL." || pasted != c.base+"/lti/register" {
		t.Errorf("after Copy: announced %q, clipboard %q", announced, pasted)
	}
	// The test server is http: the page says an LMS will refuse it.
	if c.count("button", "Copy the dynamic registration URL") != 1 {
		t.Errorf("no Copy button")
	}
	var insecure int
	c.run("insecure note", chromedp.Evaluate(`document.querySelectorAll('#registration-url-insecure').length`, &insecure))
	if insecure != 1 {
		t.Errorf("no note that the http registration URL will be refused")
	}
}
