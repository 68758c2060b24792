package api_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// TestLaunch_ClaimTypePageSpeaksToStudents: students see the claim_type page
// too, so it tells them what they can do (nothing here; pass it on through
// the usual way) in their words, while the message still names the claim and
// the type LTI expects for the administrator and the LMS vendor.
func TestLaunch_ClaimTypePageSpeaksToStudents(t *testing.T) {
	h := newHarness(t)
	for _, sc := range []struct {
		name  string
		spec  ltitest.LaunchSpec
		admin string
	}{
		{"sub a number", ltitest.LaunchSpec{Mutate: set("sub", 5)}, "sub claim is a number, where LTI 1.3 expects a text"},
		{"exp a text", ltitest.LaunchSpec{Mutate: set("exp", "tomorrow")}, "exp claim is a text, where LTI 1.3 expects a number"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.launch(sc.spec)
			h.rejected(t, resp, body, 400, "launch.claim_type", sc.admin)
			// Words for whoever reads the page; none that send a student to an administrator.
			for words, want := range map[string]bool{"cannot read</h1>": true, "Opening the activity again will not help": true,
				html.EscapeString(lti.TellSupport): true, "the LMS vendor must fix": true, "Ask your LMS administrator": false, "is incomplete": false} {
				if strings.Contains(body, words) != want {
					t.Errorf("page says %q: %v, want %v: %.600s", words, !want, want, body)
				}
			}
		})
	}
}

// TestLaunch_ClaimTypeSpendsOnlyItsLogin: a launch refused for a claim's type
// stores no session and nothing beside the login it completes, and that
// login, which holds the nonce, is spent: the same id_token and state sent
// again, with the cookie restored, are refused as used.
func TestLaunch_ClaimTypeSpendsOnlyItsLogin(t *testing.T) {
	h := newHarness(t)
	launches := 0
	for _, sc := range badPayloads() {
		if sc.check != "launch.claim_type" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			client := h.browser()
			action, fields := h.startLogin(client, sc.spec)
			launches++
			resp, body := h.post(client, action, fields)
			h.rejected(t, resp, body, 400, "launch.claim_type", sc.words)
			if logins, _ := h.count(); logins != launches {
				t.Errorf("%d login states stored after %d launches, want one each", logins, launches)
			}
			u, _ := url.Parse(action) // the first launch cleared the state cookie
			client.Jar.SetCookies(u, []*http.Cookie{{Name: stateCookieName(fields.Get("state")), Value: fields.Get("state"), Path: "/lti/"}})
			resp, body = h.post(client, action, fields)
			h.rejected(t, resp, body, 401, "launch.state_used", "already used")
		})
	}
	if launches == 0 {
		t.Fatal("badPayloads has no claim_type scenario")
	}
}
