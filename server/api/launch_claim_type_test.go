package api_test

import (
	"html"
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
