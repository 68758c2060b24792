package ltitest_test

import (
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func TestRefuseMemberships(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeNRPS)
	p.AddLearners("course-101", 25)
	u := p.Issuer() + "/nrps/course-101/memberships"

	p.RefuseMemberships("course-101", "Roster access is disabled for this tool", 1)
	status, h, _ := call(t, "GET", u, tok, acceptNRPS, "")
	if status != 200 {
		t.Fatalf("first page before the refusal: %d", status)
	}
	next := nextLink(h.Get("Link"), "next")
	for range 2 { // the refusal lasts until cleared
		status, h, body := call(t, "GET", next, tok, acceptNRPS, "")
		if status != 403 || !strings.Contains(string(body), "Roster access is disabled for this tool") || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("refused page: %d %s %q", status, h.Get("Content-Type"), body)
		}
	}
	// Authentication still comes first: no token is 401, not the refusal.
	if status, _, _ := call(t, "GET", u, "", acceptNRPS, ""); status != 401 {
		t.Errorf("no token: %d, want 401", status)
	}
	p.RefuseMemberships("course-101", "", 0)
	if status, _, b := call(t, "GET", next, tok, acceptNRPS, ""); status != 200 {
		t.Errorf("after clearing: %d %s", status, b)
	}
}
