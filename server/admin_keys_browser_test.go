package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_RotateKey: Rotate key on the Keys page (after the confirmation)
// makes a new current signing key. The JWKS then publishes the new key and
// the old one, which the page and the admin API show retired and published
// for the overlap window, so LMSs that cached the key set keep working.
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
		chromedp.Text(`#main section > p`, &intro, chromedp.ByQuery),
		c.dialogs.Accept(true),
		browsertest.Press("button", "Rotate key"),
		c.done("New key created."),
	)
	c.allNamed()
	if m := c.dialogs.Messages(); len(m) != 1 || !strings.HasPrefix(m[0], "Make a new signing key now?") {
		t.Errorf("confirmation: %q", m)
	}
	if !strings.Contains(intro, "stays published for 168 hours") {
		t.Errorf("keys page does not give the overlap window: %q", intro)
	}

	current, err := c.a.tool.SigningKey(context.Background())
	if err != nil || current.KID == old.KID {
		t.Fatalf("signing key after the rotation: %v %v", current, err)
	}
	var keys []model.KeyInfo
	if st := c.api("GET", "/keys", &keys); st != 200 || len(keys) != 2 {
		t.Fatalf("admin API keys: %d %+v", st, keys)
	}
	byKID := map[string]model.KeyInfo{keys[0].KID: keys[0], keys[1].KID: keys[1]}
	if k := byKID[current.KID]; !k.Current || k.RetiredAt != nil {
		t.Errorf("new key in the admin API: %+v", k)
	}
	if k := byKID[old.KID]; k.Current || k.RetiredAt == nil || k.PublishedUntil == nil {
		t.Errorf("old key in the admin API: %+v", k)
	} else if retired, until := parseUTC(t, *k.RetiredAt), parseUTC(t, *k.PublishedUntil); until.Sub(retired) != 168*time.Hour || time.Since(retired) > time.Minute {
		t.Errorf("old key retired %s, published until %s: want now and 7 days later", retired, until)
	}
	// The current key comes first (the store lists the newest first).
	want := []string{current.KID, old.KID}
	if kids := jwksKIDs(t, c.base); strings.Join(kids, " ") != strings.Join(want, " ") {
		t.Errorf("JWKS after the rotation: %q, want %q", kids, want)
	}

	var states []string
	c.run("the keys table after a reload",
		c.reload(),
		browsertest.WaitFor("rowheader", current.KID),
		browsertest.WaitFor("rowheader", old.KID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#keys tbody tr')).map(r => r.cells[0].textContent + ' ' + r.cells[2].textContent)`, &states),
	)
	if len(states) != 2 || states[0] != current.KID+" current" || !strings.HasPrefix(states[1], old.KID+" retired ") {
		t.Errorf("keys table: %q", states)
	}
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

func parseUTC(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
