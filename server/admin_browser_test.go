package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// TestConsole_SetupLoginAddMoodle is the IT person's first visit: first-run
// setup, sign out and in again, add a Moodle platform with the preset, and
// read the URLs to paste into Moodle.
func TestConsole_SetupLoginAddMoodle(t *testing.T) {
	dir := t.TempDir()
	_, base, stop := startApp(t, dir, false)
	defer stop()

	resp, err := http.Get(base + "/admin/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the console may be framed: %s", csp)
	}

	bctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	pageHTML := func(t *testing.T) string {
		var html string
		_ = chromedp.Run(bctx, chromedp.OuterHTML(`body`, &html, chromedp.ByQuery))
		return html
	}
	auth := func(state string) chromedp.Action {
		return chromedp.WaitVisible(`main[data-auth="` + state + `"]`)
	}
	var authURL, tokenURL, login, redirect, jwks, setupJSON, status string
	err = chromedp.Run(ctx,
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitReady(`#wasm-ready`),
		auth("setup"),
		chromedp.SendKeys(`#setup-code`, setupCode(t, dir)),
		chromedp.SendKeys(`#username`, "root"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin-submit`),
		auth("ready"),
		chromedp.WaitVisible(`#add-platform`),
		chromedp.Click(`#sign-out`),
		auth("login"),
		chromedp.WaitVisible(`#username`),
		chromedp.Evaluate(`document.querySelector('#username').value = ''`, nil),
		chromedp.SendKeys(`#username`, "root"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin-submit`),
		auth("ready"),
		chromedp.WaitVisible(`main[data-status="loaded"]`),
		chromedp.Click(`#add-platform`),
		chromedp.WaitVisible(`#platform-form`),
		chromedp.SetValue(`#preset`, "moodle"),
		chromedp.Evaluate(`document.querySelector('#preset').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.SendKeys(`#site`, "https://moodle.school.example"),
		chromedp.Poll(`document.querySelector('#token-url').value.startsWith('https://moodle.school.example/')`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Value(`#auth-url`, &authURL),
		chromedp.Value(`#token-url`, &tokenURL),
		chromedp.SendKeys(`#client-id`, "Kx7moodleClient"),
		chromedp.SendKeys(`#deployment`, "2"),
		chromedp.Click(`#save-platform`),
		chromedp.WaitVisible(`#setup`),
		chromedp.Text(`#url-login`, &login),
		chromedp.Text(`#url-redirect`, &redirect),
		chromedp.Text(`#url-jwks`, &jwks),
		chromedp.Value(`#setup-json`, &setupJSON),
		chromedp.Text(`#status`, &status),
	)
	if err != nil {
		t.Fatalf("console flow: %v\n%s", err, pageHTML(t))
	}
	if authURL != "https://moodle.school.example/mod/lti/auth.php" || tokenURL != "https://moodle.school.example/mod/lti/token.php" {
		t.Errorf("Moodle preset filled auth %q token %q", authURL, tokenURL)
	}
	for got, want := range map[string]string{login: base + "/lti/login", redirect: base + "/lti/launch", jwks: base + "/.well-known/jwks.json"} {
		if got != want {
			t.Errorf("setup shows %q, want %q", got, want)
		}
	}
	if !strings.Contains(setupJSON, `"login_url": "`+base+`/lti/login"`) || !strings.Contains(status, "Saved Moodle") {
		t.Errorf("setup JSON %q, status %q", setupJSON, status)
	}
	var rows string
	if err := chromedp.Run(ctx,
		chromedp.Click(`button[aria-label="Disable Moodle"]`),
		chromedp.WaitVisible(`#platforms td.status-disabled`),
		chromedp.Text(`#platforms tbody`, &rows),
	); err != nil {
		t.Fatalf("disable: %v\n%s", err, pageHTML(t))
	}
	if !strings.Contains(rows, "Kx7moodleClient") || !strings.Contains(rows, "https://moodle.school.example") || !strings.Contains(rows, "Activate") {
		t.Errorf("platform table: %q", rows)
	}
}

// TestDynamicRegistration_CloseMessageInFrame: the LMS opens the registration
// page in a frame; after Register, the page posts org.imsglobal.lti.close to
// the parent, which the (emulated) LMS page receives.
func TestDynamicRegistration_CloseMessageInFrame(t *testing.T) {
	a, base, stop := startApp(t, t.TempDir(), true)
	defer stop()
	ctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	const frame = `document.querySelector('iframe[name="dynreg"]').contentDocument`
	var frameText, origin string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/demo-lms/register-tool?url="+base+"/lti/register"),
		chromedp.Poll(`(() => { const d = `+frame+`; return !!(d && d.querySelector('#register')); })()`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(frame+`.querySelector('#register').click()`, nil),
		chromedp.Poll(`document.getElementById('dynreg-status').dataset.closed === 'true'`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(frame+`.body.innerText`, &frameText),
		chromedp.Evaluate(`document.getElementById('dynreg-status').dataset.origin`, &origin),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, t.TempDir()+"/dynreg.png")
		t.Fatalf("dynamic registration in a frame: %v (frame: %q)", err, frameText)
	}
	if !strings.Contains(frameText, "ltibox is registered") || origin != base {
		t.Errorf("frame %q, message origin %q", frameText, origin)
	}
	regs, err := a.db.RegistrationsByIssuer(context.Background(), base+"/demo-lms")
	if err != nil || len(regs) != 2 || regs[1].Status != "pending" {
		t.Fatalf("registrations after the browser flow: %v %v", regs, err)
	}
}

// TestConsole_ApproveQueuedDeployment: a launch from an unknown deployment is
// refused and queued; the admin approves it in the console, reads the failed
// launch in the debugger, and the next launch works. Signed out, the console
// shows no data.
func TestConsole_ApproveQueuedDeployment(t *testing.T) {
	dir := t.TempDir()
	a, base, stop := startApp(t, dir, true)
	defer stop()
	urls := a.tool.URLs()
	a.demo.RegisterTool(ltitest.ToolConfig{ClientID: demoClientID, DeploymentIDs: []string{"1", "9"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	launch := func() (int, string) {
		resp, err := a.demo.Launch(context.Background(), noRedirectClient(), ltitest.LaunchSpec{DeploymentID: "9", UserID: "instructor"})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := launch(); st != 403 || !strings.Contains(body, "approval queue") {
		t.Fatalf("unknown deployment launch = %d %.300s", st, body)
	}

	bctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	var status, check, claims, signedOut, failedCount, navBefore, navAfter string
	var launchTables int
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/admin/approvals"),
		chromedp.WaitVisible(`main[data-auth="setup"]`),
		chromedp.SendKeys(`#setup-code`, setupCode(t, dir)),
		chromedp.SendKeys(`#username`, "root"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin-submit`),
		chromedp.WaitVisible(`#pending-deployments tr[data-deployment="9"]`),
		chromedp.Text(`nav a[href="/admin/approvals"]`, &navBefore),
		chromedp.Click(`button[aria-label="Approve deployment 9 of Demo LMS"]`),
		chromedp.WaitVisible(`#nothing-pending`),
		chromedp.Text(`#status`, &status),
		chromedp.Click(`a[href="/admin/launches"]`),
		chromedp.WaitVisible(`#launches tr.launch-failed button`),
		chromedp.Text(`nav a[href="/admin/approvals"]`, &navAfter),
		chromedp.Click(`#launches tr.launch-failed button`),
		chromedp.WaitVisible(`#debugger`),
		chromedp.Text(`#debug-check`, &check),
		chromedp.Text(`#debug-claims`, &claims),
		chromedp.Click(`a[href="/admin/outbox"]`),
		chromedp.WaitVisible(`#outbox-counts`),
		chromedp.Text(`#count-failed`, &failedCount),
		chromedp.Click(`#sign-out`),
		chromedp.WaitVisible(`main[data-auth="login"]`),
		chromedp.Navigate(base+"/admin/launches"),
		chromedp.WaitVisible(`main[data-auth="login"]`),
		chromedp.Evaluate(`document.querySelectorAll('#launches').length`, &launchTables),
		chromedp.Text(`#main`, &signedOut),
	)
	// The navigation counts what waits for approval, on every page.
	if navBefore != "Pending approvals (1)" || navAfter != "Pending approvals" {
		t.Errorf("navigation: %q while deployment 9 waits, %q after approving it", navBefore, navAfter)
	}
	if err != nil {
		var html string
		_ = chromedp.Run(bctx, chromedp.OuterHTML(`body`, &html, chromedp.ByQuery))
		t.Fatalf("console approval flow: %v\n%s", err, html)
	}
	if !strings.Contains(status, "Approved deployment 9") || check != "launch.deployment_unknown" || !strings.Contains(claims, `"9"`) {
		t.Errorf("status %q, check %q, claims %q", status, check, claims)
	}
	if failedCount != "0" {
		t.Errorf("grade outbox page shows %q failed scores, want 0", failedCount)
	}
	if launchTables != 0 || strings.Contains(signedOut, "deployment_unknown") {
		t.Errorf("signed-out console shows launch data: %q", signedOut)
	}
	if st, body := launch(); st != 303 {
		t.Fatalf("launch after approval = %d %.300s", st, body)
	}
}

// setupCode reads the admin token the server stored in its data directory,
// as the operator does for first-run setup.
func setupCode(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
