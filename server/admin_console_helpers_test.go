package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// console is the admin console in headless Chromium, signed in through
// first-run setup, on an ltibox with the demo LMS registered (platform 1,
// "Demo LMS", deployment "1"). Its helpers drive controls by role and name
// (browsertest.Press, Fill), as a keyboard or screen reader user would.
type console struct {
	t         *testing.T
	a         *app
	base, dir string
	bctx      context.Context // the browser tab, for the page dump on failure
	ctx       context.Context // the browser tab, bounded
	dialogs   *browsertest.Dialogs
}

// openConsole starts ltibox and a browser, opens the console page at path and
// creates the administrator.
func openConsole(t *testing.T, path string) *console {
	t.Helper()
	return openConsoleConfig(t, path, nil)
}

// openConsoleConfig is openConsole on a server whose config configure changes.
func openConsoleConfig(t *testing.T, path string, configure func(*config)) *console {
	t.Helper()
	dir := t.TempDir()
	a, base, stop := startAppConfig(t, dir, true, configure, nil)
	t.Cleanup(stop) // runs after the browser's cleanup: the page never sees the server go
	bctx := browsertest.New(t)
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	t.Cleanup(cancel)
	c := &console{t: t, a: a, base: base, dir: dir, bctx: bctx, ctx: ctx, dialogs: browsertest.HandleDialogs(bctx)}
	c.run("first-run setup",
		chromedp.Navigate(base+path),
		chromedp.WaitVisible(`main[data-auth="setup"]`),
		browsertest.Fill("Setup code", setupCode(t, dir)),
		browsertest.Fill("Username", "root"),
		browsertest.Fill("Password", "correct horse battery"),
		browsertest.Press("button", "Create administrator"),
		chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
	)
	return c
}

// run performs the actions of one step, or ends the test with the page.
func (c *console) run(step string, actions ...chromedp.Action) {
	c.t.Helper()
	if err := chromedp.Run(c.ctx, actions...); err != nil {
		var html string
		dump, cancel := context.WithTimeout(c.bctx, 5*time.Second)
		defer cancel()
		_ = chromedp.Run(dump, chromedp.OuterHTML(`body`, &html, chromedp.ByQuery))
		c.t.Fatalf("%s: %v\n%s", step, err, html)
	}
}

// done waits until the console announces the result of a change (the status
// line starts with it) and has loaded the page again.
func (c *console) done(announced string) chromedp.Action {
	b, _ := json.Marshal(announced)
	return chromedp.Poll(`document.getElementById('status').textContent.startsWith(`+string(b)+`) &&
		document.getElementById('main').dataset.status === 'loaded'`, nil, chromedp.WithPollingTimeout(15*time.Second))
}

// reload loads the page again from the server, as the browser's reload button.
func (c *console) reload() chromedp.Action {
	return chromedp.Tasks{
		chromedp.Reload(),
		chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
	}
}

// count reads how many controls have the role and name now (0: gone).
func (c *console) count(role, name string) int {
	c.t.Helper()
	var n int
	c.run("count "+role+" "+name, chromedp.ActionFunc(func(ctx context.Context) (err error) {
		n, err = browsertest.Count(ctx, role, name)
		return err
	}))
	return n
}

// allNamed fails the test for any control of the page without an accessible
// name: the console's controls must be usable with a screen reader.
func (c *console) allNamed() {
	c.t.Helper()
	for _, role := range []string{"button", "link", "textbox", "combobox", "searchbox", "checkbox", "radio"} {
		if n := c.count(role, ""); n != 0 {
			c.t.Errorf("%d %s controls without an accessible name", n, role)
		}
	}
}

// api calls the admin JSON API with the admin token, as a script does, and
// decodes the answer into out (if not nil). It returns the HTTP status.
func (c *console) api(method, path string, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+"/api/admin"+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+setupCode(c.t, c.dir))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// launch is an instructor's launch from the demo LMS through deployment dep;
// it returns ltibox's status and page (303 and a session link when it works).
func (c *console) launch(dep string) (int, string) {
	c.t.Helper()
	resp, err := c.a.demo.Launch(context.Background(), noRedirectClient(), ltitest.LaunchSpec{DeploymentID: dep, UserID: "instructor"})
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

// refused checks that a launch was turned away with the readable error page
// (HTML, the title and the check code a person can quote to the admin).
func refused(t *testing.T, status int, page string, wantStatus int, title, code string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(page, "<h1>"+title+"</h1>") || !strings.Contains(page, code) {
		t.Errorf("launch = %d (want %d with %q, %s):\n%.600s", status, wantStatus, title, code, page)
	}
}

// demoLaunchesFrom makes the demo LMS send launches from these deployments too.
func (c *console) demoLaunchesFrom(deps ...string) {
	urls := c.a.tool.URLs()
	c.a.demo.RegisterTool(ltitest.ToolConfig{ClientID: demoClientID, DeploymentIDs: append([]string{"1"}, deps...), LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
}

// platformPath is the admin API path of the platform.
func platformPath(id int64) string { return "/platforms/" + strconv.FormatInt(id, 10) }

// failedLaunch launches from deployment 9, which the demo LMS offers and
// ltibox does not know, and returns that refused launch from the admin API.
func (c *console) failedLaunch() model.LaunchAttempt {
	c.t.Helper()
	c.demoLaunchesFrom("9")
	if st, _ := c.launch("9"); st != http.StatusForbidden {
		c.t.Fatalf("launch from an unknown deployment = %d, want 403", st)
	}
	var launches []model.LaunchAttempt
	if st := c.api("GET", "/launches", &launches); st != 200 || len(launches) == 0 || launches[0].OK {
		c.t.Fatalf("admin API launches: %d %+v", st, launches)
	}
	return launches[0]
}
