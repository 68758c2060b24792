package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_EditPlatform: the admin renames the demo LMS and corrects its
// token URL in the edit form. The change is in the store, in the admin API,
// and in the console after a reload (the edit form reads it back); what the
// form did not touch (status, deployments, issuer) is kept, so the platform
// still launches.
func TestConsole_EditPlatform(t *testing.T) {
	c := openConsole(t, "/admin/")
	c.allNamed()
	tokenURL := c.base + "/demo-lms/oauth2/token"
	c.run("edit the platform",
		browsertest.Press("button", "Edit Demo LMS"),
		chromedp.WaitVisible(`#platform-form`),
		browsertest.Fill("Name", "Riverside Moodle"),
		browsertest.Fill("Access token URL", tokenURL),
		browsertest.Press("button", "Save platform"),
		c.done("Saved Riverside Moodle."),
	)
	var name, token string
	c.run("read it back after a reload",
		c.reload(),
		browsertest.Press("button", "Edit Riverside Moodle"),
		browsertest.Value("Name", &name),
		browsertest.Value("Access token URL", &token),
	)
	if name != "Riverside Moodle" || token != tokenURL {
		t.Errorf("edit form after reload: name %q, token URL %q", name, token)
	}
	if n := c.count("button", "Edit Demo LMS"); n != 0 {
		t.Errorf("the old name is still listed after a reload")
	}

	r, err := c.a.db.Registration(context.Background(), 1)
	if err != nil || r.Name != "Riverside Moodle" || r.TokenURL != tokenURL || r.Issuer != c.a.demo.Issuer() || r.Status != "active" {
		t.Errorf("stored platform: %+v %v", r, err)
	}
	var p model.Platform
	if st := c.api("GET", platformPath(1), &p); st != 200 || p.Name != "Riverside Moodle" || p.TokenURL != tokenURL ||
		len(p.Deployments) != 1 || p.Deployments[0].DeploymentID != "1" {
		t.Errorf("admin API: %d %+v", st, p)
	}
	if st, page := c.launch("1"); st != http.StatusSeeOther {
		t.Errorf("launch after the edit = %d %.300s", st, page)
	}
}

// TestConsole_DeletePlatform: Delete asks first; Cancel keeps the platform,
// OK removes it from the list, the store and the admin API, ends the
// sessions its launches opened, and the next launch from that LMS gets the
// readable "not registered" page.
func TestConsole_DeletePlatform(t *testing.T) {
	c := openConsole(t, "/admin/")
	st, loc := c.launch("1")
	i := strings.Index(loc, "#session=")
	if st != http.StatusSeeOther || i < 0 {
		t.Fatalf("launch before the delete = %d %s", st, loc)
	}
	session := loc[i+len("#session="):]

	c.run("delete, then cancel",
		c.dialogs.Accept(false),
		browsertest.Press("button", "Delete Demo LMS"),
	)
	if n := c.count("button", "Delete Demo LMS"); n != 1 || c.api("GET", platformPath(1), nil) != 200 {
		t.Fatalf("Cancel in the confirmation deleted the platform")
	}
	c.run("delete, then OK",
		c.dialogs.Accept(true),
		browsertest.Press("button", "Delete Demo LMS"),
		c.done("Deleted Demo LMS."),
	)
	if m := c.dialogs.Messages(); len(m) != 2 || !strings.HasPrefix(m[0], "Delete Demo LMS?") {
		t.Errorf("confirmations: %q", m)
	}
	var empty string
	c.run("the list after a reload", c.reload(), chromedp.Text(`#main`, &empty, chromedp.ByQuery))
	if c.count("rowheader", "Demo LMS") != 0 || !strings.Contains(empty, "No platform yet.") {
		t.Errorf("platform still listed after delete:\n%s", empty)
	}

	if regs, err := c.a.db.Registrations(context.Background()); err != nil || len(regs) != 0 {
		t.Errorf("store after delete: %v %v", regs, err)
	}
	var list []model.Platform
	if st := c.api("GET", "/platforms", &list); st != 200 || len(list) != 0 {
		t.Errorf("admin API platforms after delete: %d %+v", st, list)
	}
	if st := c.api("GET", platformPath(1), nil); st != http.StatusNotFound {
		t.Errorf("admin API platform 1 after delete: %d", st)
	}
	req, _ := http.NewRequest("GET", c.base+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session opened by the deleted platform: %s", resp.Status)
	}
	st, page := c.launch("1")
	refused(t, st, page, http.StatusBadRequest, "This LMS is not registered with ltibox", "login.platform_unknown")
}

// TestConsole_CopySetupURLs: each URL of the setup panel, and its JSON, has
// a Copy button. With clipboard permission, Copy puts the value on the
// clipboard and announces it, every press (the same one twice too); when the
// browser refuses, or offers no clipboard at all (an http:// address other
// than localhost), Copy selects the value and says to press Ctrl+C. No case
// throws: the console keeps working.
func TestConsole_CopySetupURLs(t *testing.T) {
	c := openConsole(t, "/admin/")
	var thrown []string
	chromedp.ListenTarget(c.ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			thrown = append(thrown, e.ExceptionDetails.Error())
		}
	})
	status := func(prefix string) chromedp.Action {
		b, _ := json.Marshal(prefix)
		return chromedp.Poll(`document.getElementById('copy-status').textContent.startsWith(`+string(b)+`)`, nil, chromedp.WithPollingTimeout(10*time.Second))
	}
	var pasted, announced string
	var live bool
	c.run("copy with clipboard permission",
		browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite}).WithOrigin(c.base),
		browsertest.Press("button", "Show setup for Demo LMS"),
		chromedp.WaitVisible(`#setup`),
		browsertest.Press("button", "Copy Login (OIDC initiation) URL"),
		status("Copied"),
		chromedp.Text(`#copy-status`, &announced),
		chromedp.Evaluate(`(e => e.getAttribute('role') === 'status' && e.getAttribute('aria-live') === 'polite')(document.getElementById('copy-status'))`, &live),
		chromedp.Evaluate(`navigator.clipboard.readText()`, &pasted, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if announced != "Copied Login (OIDC initiation) URL." || pasted != c.base+"/lti/login" || !live {
		t.Errorf("after Copy: announced %q (in a polite status region: %v), clipboard %q", announced, live, pasted)
	}

	// A second press of the same button is announced again: the status
	// region changes (empties, then says it), as a screen reader needs.
	var said []string
	c.run("copy the same URL again",
		chromedp.Evaluate(`window.said = []; new MutationObserver(() => window.said.push(document.getElementById('copy-status').textContent)).
			observe(document.getElementById('copy-status'), {childList: true, characterData: true, subtree: true}); true`, nil),
		browsertest.Press("button", "Copy Login (OIDC initiation) URL"),
		chromedp.Poll(`window.said.includes('Copied Login (OIDC initiation) URL.')`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`window.said`, &said),
	)
	if said[len(said)-1] != "Copied Login (OIDC initiation) URL." {
		t.Errorf("the status region said %q, ending with something else than the copy", said)
	}

	// The JSON to paste has its Copy button too.
	var json string
	c.run("copy the JSON",
		browsertest.Press("button", "Copy JSON configuration"),
		status("Copied JSON configuration."),
		chromedp.Evaluate(`navigator.clipboard.readText()`, &pasted, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Value(`#setup-json`, &json, chromedp.ByQuery),
	)
	if pasted != json || !strings.Contains(json, c.base+"/lti/login") {
		t.Errorf("Copy JSON put %q on the clipboard; the text area holds %q", pasted, json)
	}

	for _, sc := range []struct{ name, breakClipboard, button, want string }{
		{"the browser refuses", `navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'))`,
			"Copy Redirect URI", c.base + "/lti/launch"},
		{"no clipboard", `Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true})`,
			"Copy Public keyset (JWKS) URL", c.base + "/.well-known/jwks.json"},
		{"no clipboard, the JSON", `true`, "Copy JSON configuration", ""}, // selected in its text area
	} {
		var selected string
		c.run(sc.name,
			chromedp.Evaluate(sc.breakClipboard, nil),
			browsertest.Press("button", sc.button),
			status(strings.TrimPrefix(sc.button, "Copy ")+" is selected."),
			chromedp.Text(`#copy-status`, &announced),
			chromedp.Evaluate(`window.getSelection().toString()`, &selected),
		)
		want := sc.want
		if want == "" {
			c.run("the JSON", chromedp.Value(`#setup-json`, &want, chromedp.ByQuery))
		}
		if !strings.Contains(announced, "Press Ctrl+C to copy") || selected != want {
			t.Errorf("%s: announced %q, selected %q (want %q)", sc.name, announced, selected, want)
		}
	}
	c.run("the console still works", browsertest.Press("button", "Close setup"), chromedp.WaitNotPresent(`#setup`))
	if len(thrown) != 0 {
		t.Errorf("the page threw: %q", thrown)
	}
}

// TestConsole_SetupBoxLayoutAndValues: the setup box's heading sits at the
// top of the box (no empty band above it: only the box's padding); the box
// shows the values its hint asks to compare (the demo LMS's issuer, client ID
// and keyset URL as ltibox has them), right before that hint; and its
// deployment line says where in ltibox a deployment ID goes.
func TestConsole_SetupBoxLayoutAndValues(t *testing.T) {
	c := openConsole(t, "/admin/")
	var box struct {
		Gap, Padding                         float64
		Issuer, ClientID, JWKS, Hint, Deploy string
		HintAfterValues                      bool
	}
	c.run("open the setup box",
		browsertest.Press("button", "Show setup for Demo LMS"),
		chromedp.WaitVisible(`#setup-heading`),
		chromedp.Evaluate(`(() => {
			const s = document.getElementById('setup'), h = document.getElementById('setup-heading');
			const cs = getComputedStyle(s), text = id => (document.getElementById(id) || {}).textContent || '';
			const hint = s.querySelector('.note'), values = document.getElementById('setup-platform');
			return {
				gap: h.getBoundingClientRect().top - s.getBoundingClientRect().top,
				padding: parseFloat(cs.paddingTop) + parseFloat(cs.borderTopWidth),
				issuer: text('platform-issuer'), clientID: text('platform-client-id'), jwks: text('platform-jwks'),
				hint: hint ? hint.textContent : '', deploy: text('setup-deployment'),
				hintAfterValues: !!(hint && values && (values.compareDocumentPosition(hint) & Node.DOCUMENT_POSITION_FOLLOWING)),
			};
		})()`, &box),
	)
	if box.Gap > box.Padding+1 {
		t.Errorf("the setup heading is %.0f px below the box's top, want only the box's padding and border (%.0f px)", box.Gap, box.Padding)
	}
	if box.Issuer != c.a.demo.Issuer() || box.ClientID != demoClientID || box.JWKS != c.a.demo.JWKSURL() {
		t.Errorf("the setup box shows issuer %q, client ID %q, keyset URL %q; want the demo LMS's %q, %q, %q",
			box.Issuer, box.ClientID, box.JWKS, c.a.demo.Issuer(), demoClientID, c.a.demo.JWKSURL())
	}
	if !strings.Contains(box.Hint, "issuer, client ID and keyset (JWKS) URL") || !box.HintAfterValues {
		t.Errorf("hint %q (after the values it names: %v)", box.Hint, box.HintAfterValues)
	}
	if !strings.Contains(box.Deploy, "Enter each deployment ID in ltibox on the Deployments page") || !strings.Contains(box.Deploy, "ltibox has deployment 1 of Demo LMS.") {
		t.Errorf("deployment line: %q", box.Deploy)
	}
	c.run("the Deployments page from the setup box",
		browsertest.Press("link", "Deployments page"),
		browsertest.WaitFor("heading", "Deployments"),
		browsertest.WaitFor("group", "Add a deployment"),
	)
}
