package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/lti"
)

// registerFromDemo registers ltibox with the demo LMS as its admin does:
// the LMS's "add a tool" page frames ltibox's registration page, Register
// is pressed, and the page says it is done. It returns what the closing
// page says of the new registration (its status line).
func (c *console) registerFromDemo() string {
	c.t.Helper()
	const frame = `document.querySelector('iframe[name="dynreg"]').contentDocument`
	var said string
	c.run("register from the demo LMS",
		chromedp.Navigate(c.base+"/demo-lms/register-tool?url="+c.base+"/lti/register"),
		chromedp.Poll(`(() => { const d = `+frame+`; return !!(d && d.querySelector('#register')); })()`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(frame+`.querySelector('#register').click()`, nil),
		chromedp.Poll(`document.getElementById('dynreg-status').dataset.closed === 'true'`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(frame+`.querySelector('[role="status"]').textContent`, &said),
	)
	return said
}

// TestRegistrationNames_ClientIDOnce: two dynamic registrations of the demo
// LMS, which ltibox already has as "Demo LMS" under the same issuer, are
// stored under the name a person would give them (no client ID in it). The
// closing page, the Pending approvals page (rows, buttons, same-issuer
// notes) and `ltibox platform list` each name a registration's client ID
// once, and the console still tells the two apart by it.
func TestRegistrationNames_ClientIDOnce(t *testing.T) {
	c := openConsole(t, "/admin/approvals")
	said := []string{c.registerFromDemo(), c.registerFromDemo()}
	regs, err := c.a.db.RegistrationsByIssuer(context.Background(), c.a.demo.Issuer())
	if err != nil || len(regs) != 3 {
		t.Fatalf("registrations of the demo LMS: %v %v", regs, err)
	}
	dynamic := regs[1:]
	ids := []string{regs[0].ClientID}
	for i, r := range dynamic {
		ids = append(ids, r.ClientID)
		if r.Status != lti.StatusPending || strings.Contains(r.Name, "client") || r.Name != dynamic[0].Name {
			t.Errorf("registration %d stored as %q (%s), want the LMS's name as for the other, without its client ID", i+1, r.Name, r.Status)
		}
		if n := strings.Count(said[i], r.ClientID); n != 1 || !strings.Contains(said[i], r.Name) {
			t.Errorf("closing page of registration %d names its client ID %d times: %q", i+1, n, said[i])
		}
	}
	// once fails the test for a text naming a client ID more than once.
	once := func(where string, texts []string) {
		t.Helper()
		for _, s := range texts {
			for _, id := range ids {
				if n := strings.Count(s, id); n > 1 {
					t.Errorf("%s names client %s %d times: %q", where, id, n, s)
				}
			}
		}
	}

	var rows, notes, buttons []string
	c.run("Pending approvals",
		chromedp.Navigate(c.base+"/admin/approvals"),
		chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
		chromedp.WaitVisible(`#same-issuer`),
		chromedp.Evaluate(`[...document.querySelectorAll('#pending-platforms tbody th')].map(e => e.textContent)`, &rows),
		chromedp.Evaluate(`[...document.querySelectorAll('#same-issuer li')].map(e => e.textContent)`, &notes),
		chromedp.Evaluate(`[...document.querySelectorAll('#main button')].map(e => e.getAttribute('aria-label') || e.textContent)`, &buttons),
	)
	once("a pending platform's row", rows)
	once("a same-issuer note", notes)
	once("a button", buttons)
	for _, r := range dynamic {
		if c.count("button", "Approve "+r.Name+" (client "+r.ClientID+")") != 1 {
			t.Errorf("no Approve button for %q told apart by client %s; buttons %q", r.Name, r.ClientID, buttons)
		}
	}
	if len(notes) != 4 {
		t.Errorf("same-issuer notes: %q, want 4 (each pending registration with each other)", notes)
	}

	out, errOut, err := cli("platform", "list", "--data", c.dir)
	if err != nil {
		t.Fatalf("platform list: %v %s", err, errOut)
	}
	once("`ltibox platform list`", strings.Split(out, "\n"))
	for _, id := range ids {
		if !strings.Contains(out, id) {
			t.Errorf("platform list lacks client %s:\n%s", id, out)
		}
	}
}
