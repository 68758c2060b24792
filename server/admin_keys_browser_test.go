package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_RotateKey: Rotate key on the Keys page (after the confirmation)
// publishes a new key at once and keeps signing with the current one until
// the pre-publication window ends (60 minutes by default), so LMSs that
// cached the key set have the new key before it signs. The page and the
// admin API show both keys with the moment they change, and the page offers
// no second rotation while the new key waits.
func TestConsole_RotateKey(t *testing.T) {
	c := openConsole(t, "/admin/keys")
	old, err := c.a.tool.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if kids := jwksKIDs(t, c.base); len(kids) != 1 || kids[0] != old.KID {
		t.Fatalf("JWKS before the rotation: %q, want %s", kids, old.KID)
	}
	var intro string
	c.run("rotate",
		chromedp.WaitVisible(`#keys`),
		browsertest.WaitFor("rowheader", old.KID),
		chromedp.Text(`#keys-intro`, &intro, chromedp.ByQuery),
		c.dialogs.Accept(true),
		browsertest.Press("button", "Rotate key"),
		c.done("New key published. It starts signing in 60 minutes."),
	)
	// The button turned disabled: the keyboard focus goes to the notice that
	// says why, not to the top of the page.
	var focused, describedBy, notice string
	c.run("focus after the rotation",
		chromedp.Poll(`document.activeElement.id === 'key-waiting'`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
		chromedp.Evaluate(`document.getElementById('rotate-key').getAttribute('aria-describedby')`, &describedBy),
		chromedp.Text(`#key-waiting`, &notice, chromedp.ByQuery),
	)
	if focused != "key-waiting" || describedBy != "key-waiting" || !strings.Contains(notice, "If a key leaked, use Replace key now below instead.") {
		t.Errorf("after the rotation: focus on %q, button described by %q, notice %q", focused, describedBy, notice)
	}
	c.allNamed()
	if m := c.dialogs.Messages(); len(m) != 1 || !strings.HasPrefix(m[0], "Publish a new signing key now?") {
		t.Errorf("confirmation: %q", m)
	}
	for _, want := range []string{"starts signing with it 60 minutes later", "stays published for 7 days."} {
		if !strings.Contains(intro, want) {
			t.Errorf("keys page intro lacks %q: %q", want, intro)
		}
	}

	if current, err := c.a.tool.SigningKey(context.Background()); err != nil || current.KID != old.KID {
		t.Fatalf("signing key right after the rotation: %v %v, want the old key %s", current, err, old.KID)
	}
	var keys []model.KeyInfo
	if st := c.api("GET", "/keys", &keys); st != 200 || len(keys) != 2 {
		t.Fatalf("admin API keys: %d %+v", st, keys)
	}
	next, cur := keys[0], keys[1]
	if next.State != "next" || next.Current || next.RetiredAt != nil || cur.KID != old.KID || cur.State != "current" || !cur.Current || cur.RetiredAt == nil {
		t.Fatalf("admin API keys after the rotation: %+v", keys)
	}
	if from, retires := next.ActiveFrom, *cur.RetiredAt; !from.Equal(retires) || time.Until(from) < 59*time.Minute || time.Until(from) > 61*time.Minute {
		t.Errorf("new key signs from %s, old key retires %s: want both in 60 minutes", from, retires)
	}
	if until := *cur.PublishedUntil; until.Sub(*cur.RetiredAt) != 168*time.Hour {
		t.Errorf("old key published until %s, want 7 days after it retires", until)
	}
	// The signing key comes first, then the waiting one.
	want := []string{old.KID, next.KID}
	if kids := jwksKIDs(t, c.base); strings.Join(kids, " ") != strings.Join(want, " ") {
		t.Errorf("JWKS after the rotation: %q, want %q", kids, want)
	}

	var states []string
	var waiting string
	var disabled bool
	c.run("the keys table after a reload",
		c.reload(),
		browsertest.WaitFor("rowheader", next.KID),
		browsertest.WaitFor("rowheader", old.KID),
		// The state column: its words, then the instant of its <time> (shown in local time).
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#keys tbody tr')).map(r => r.cells[0].textContent + ' ' + r.cells[2].firstChild.textContent + r.cells[2].querySelector('time').getAttribute('datetime'))`, &states),
		chromedp.Evaluate(`document.querySelector('#key-waiting time').getAttribute('datetime')`, &waiting),
		chromedp.Evaluate(`document.getElementById('rotate-key').disabled`, &disabled),
	)
	rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if len(states) != 2 || states[0] != next.KID+" next: signs from "+rfc(next.ActiveFrom) || states[1] != old.KID+" current until "+rfc(*cur.RetiredAt) {
		t.Errorf("keys table: %q", states)
	}
	if !disabled || waiting != rfc(next.ActiveFrom) {
		t.Errorf("while the new key waits: button disabled %v, notice %q", disabled, waiting)
	}
	// The API refuses a second rotation the same way, and stores nothing.
	if st := c.api("POST", "/keys/rotate", nil); st != 409 {
		t.Errorf("second rotation: status %d, want 409", st)
	}
	if kids := jwksKIDs(t, c.base); len(kids) != 2 {
		t.Errorf("JWKS after the refused rotation: %q", kids)
	}
}

// TestConsole_ReplaceKeyForALeak: Replace key now asks first (declining
// changes nothing), then signs with a new key at once and withdraws every
// other key — the current one and a rotation's waiting one — so Rotate key
// works again and the page lists the one new key.
func TestConsole_ReplaceKeyForALeak(t *testing.T) {
	c := openConsole(t, "/admin/keys")
	if st := c.api("POST", "/keys/rotate", nil); st != 201 {
		t.Fatalf("rotate through the API: %d", st)
	}
	before := jwksKIDs(t, c.base)
	if len(before) != 2 {
		t.Fatalf("JWKS after a rotation: %q", before)
	}
	c.run("decline the replacement",
		c.reload(),
		chromedp.WaitVisible(`#key-waiting`, chromedp.ByID),
		c.dialogs.Accept(false),
		browsertest.Press("button", "Replace key now"),
	)
	if kids := jwksKIDs(t, c.base); strings.Join(kids, " ") != strings.Join(before, " ") {
		t.Errorf("declining changed the JWKS: %q, was %q", kids, before)
	}

	var rows []string
	var disabled bool
	c.run("replace",
		c.dialogs.Accept(true),
		browsertest.Press("button", "Replace key now"),
		c.done("Every key replaced: ltibox signs with a new key now."),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#keys tbody tr')).map(r => r.cells[0].textContent + ' ' + r.cells[2].textContent)`, &rows),
		chromedp.Evaluate(`document.getElementById('rotate-key').disabled`, &disabled),
	)
	kids := jwksKIDs(t, c.base)
	if len(kids) != 1 || slices.Contains(before, kids[0]) {
		t.Fatalf("JWKS after Replace key now: %q, want one new key (was %q)", kids, before)
	}
	if current, err := c.a.tool.SigningKey(context.Background()); err != nil || current.KID != kids[0] {
		t.Errorf("signing with %v (%v), want the new key %s at once", current, err, kids[0])
	}
	if len(rows) != 1 || rows[0] != kids[0]+" current" || disabled {
		t.Errorf("keys page after the replacement: rows %q, Rotate key disabled %v", rows, disabled)
	}
	m := c.dialogs.Messages()
	if len(m) != 2 || !strings.HasPrefix(m[0], "Replace every signing key now? Do this only if a key leaked") || m[1] != m[0] {
		t.Errorf("confirmations: %q", m)
	}
	c.allNamed()
}

// jwksKIDs fetches the published key set and returns its key IDs in order.
func jwksKIDs(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			KID, Use, Alg string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || resp.StatusCode != 200 {
		t.Fatalf("JWKS: %d %v", resp.StatusCode, err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.Use != "sig" || k.Alg != "RS256" {
			t.Errorf("JWKS key %s: use %q alg %q", k.KID, k.Use, k.Alg)
		}
		kids = append(kids, k.KID)
	}
	return kids
}
