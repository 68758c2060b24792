package ltitest_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

type container struct {
	ID      string            `json:"id"`
	Context map[string]string `json:"context"`
	Members []struct {
		Status string   `json:"status"`
		Name   string   `json:"name"`
		Email  string   `json:"email"`
		UserID string   `json:"user_id"`
		Roles  []string `json:"roles"`
	} `json:"members"`
}

var acceptNRPS = map[string]string{"Accept": ltitest.MediaMembership}

// listAll follows rel="next" from u and returns every page and the final
// differences link.
func listAll(t *testing.T, u, tok string) (pages []container, differences string) {
	t.Helper()
	for u != "" {
		status, h, b := call(t, "GET", u, tok, acceptNRPS, "")
		if status != 200 || h.Get("Content-Type") != ltitest.MediaMembership {
			t.Fatalf("GET %s: %d %s", u, status, b)
		}
		var c container
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, c)
		u = nextLink(h.Get("Link"), "next")
		differences = nextLink(h.Get("Link"), "differences")
	}
	return pages, differences
}

func TestMembershipsPagingAndDifferences(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeNRPS)
	p.AddLearners("course-101", 248)
	p.SetPageSize(100)
	u := p.Issuer() + "/nrps/course-101/memberships"

	pages, diff := listAll(t, u, tok)
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	seen := map[string]int{}
	for i, pg := range pages {
		if want := []int{100, 100, 50}[i]; len(pg.Members) != want {
			t.Errorf("page %d has %d members, want %d", i, len(pg.Members), want)
		}
		if diff := cmp.Diff(map[string]string{"id": "course-101", "label": "DEMO101", "title": "Demo Course 101"}, pg.Context); diff != "" {
			t.Error(diff)
		}
		for _, m := range pg.Members {
			seen[m.UserID]++
		}
	}
	if len(seen) != 250 {
		t.Errorf("%d distinct members, want 250", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
	if pages[0].Members[0].UserID != "instructor" || pages[0].Members[0].Roles[0] != ltitest.RoleInstructor || pages[0].Members[0].Status != "Active" {
		t.Errorf("first member %+v", pages[0].Members[0])
	}
	if diff == "" || !strings.HasPrefix(diff, p.Issuer()+"/nrps/course-101/memberships?") {
		t.Fatalf("differences link %q", diff)
	}

	// Nothing changed yet: differences are empty.
	if pages, _ := listAll(t, diff, tok); len(pages) != 1 || len(pages[0].Members) != 0 {
		t.Errorf("differences before any change: %+v", pages)
	}

	p.SetMemberStatus("course-101", "learner-1", ltitest.StatusInactive)
	p.RemoveMember("course-101", "learner-2")
	p.AddUser(ltitest.User{ID: "late", Name: "Late Comer", Roles: []string{ltitest.RoleLearner}})
	p.Enroll("course-101", "late")

	pages, _ = listAll(t, diff, tok)
	got := map[string]string{}
	for _, pg := range pages {
		for _, m := range pg.Members {
			got[m.UserID] = m.Status
		}
	}
	if d := cmp.Diff(map[string]string{"learner-1": "Inactive", "learner-2": "Deleted", "late": "Active"}, got); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}

	// A full listing drops the removed member and keeps the inactive one.
	pages, _ = listAll(t, u, tok)
	total := 0
	for _, pg := range pages {
		for _, m := range pg.Members {
			total++
			if m.UserID == "learner-2" {
				t.Error("removed member listed")
			}
		}
	}
	if total != 250 {
		t.Errorf("%d members after changes, want 250", total)
	}

	p.SetDifferences(false)
	if _, diff := listAll(t, u, tok); diff != "" {
		t.Errorf("differences link while disabled: %s", diff)
	}
}

func TestMembershipsRequests(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeNRPS)
	u := p.Issuer() + "/nrps/course-101/memberships"

	tests := []struct {
		name    string
		url     string
		token   string
		headers map[string]string
		want    int
	}{
		{"ok", u, tok, acceptNRPS, 200},
		{"no accept", u, tok, nil, 406},
		{"json accept", u, tok, hdr("Accept", "application/json"), 406},
		{"accept list", u, tok, hdr("Accept", ltitest.MediaMembership+", application/json"), 406},
		{"no token", u, "", acceptNRPS, 401},
		{"token without nrps scope", u, ft.accessToken(ltitest.ScopeScore), acceptNRPS, 403},
		{"unknown course", p.Issuer() + "/nrps/nope/memberships", tok, acceptNRPS, 404},
		{"unknown rlid", u + "?rlid=nope", tok, acceptNRPS, 404},
		{"known rlid", u + "?rlid=rl-1", tok, acceptNRPS, 200},
		{"bad from", u + "?from=zzz", tok, acceptNRPS, 400},
		{"bad limit", u + "?limit=0", tok, acceptNRPS, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, b := call(t, "GET", tt.url, tt.token, tt.headers, ""); status != tt.want {
				t.Errorf("status %d, want %d: %s", status, tt.want, b)
			}
		})
	}

	// Role filter, by short name or URI, and short role names in the output.
	for _, role := range []string{"Instructor", ltitest.RoleInstructor} {
		pages, _ := listAll(t, u+"?role="+url.QueryEscape(role), tok)
		if len(pages[0].Members) != 1 || pages[0].Members[0].UserID != "instructor" {
			t.Errorf("role=%s: %+v", role, pages[0].Members)
		}
	}
	p.SetShortRoleNames(true)
	pages, _ := listAll(t, u+"?role=Learner", tok)
	if len(pages[0].Members) != 1 || cmp.Diff([]string{"Learner"}, pages[0].Members[0].Roles) != "" {
		t.Errorf("short roles: %+v", pages[0].Members)
	}

	// limit smaller than the page size wins.
	p.AddLearners("course-101", 5)
	pages, _ = listAll(t, u+"?limit=3", tok)
	if len(pages) != 3 || len(pages[0].Members) != 3 {
		t.Errorf("limit=3 over 7 members: %d pages", len(pages))
	}
}

func TestLinkHeaderOptions(t *testing.T) {
	// Lowercase header name (Canvas), checked on the raw header map because Go
	// clients canonicalise names.
	p, err := ltitest.New(ltitest.Options{BaseURL: "http://lms.example/prefix", LowercaseLinkHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	p.SetPageSize(1)
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	// Token via the handler directly: the platform's public URL is not reachable.
	tokenReq := httptest.NewRequest("POST", "/token", strings.NewReader(ft.tokenForm(ft.assertion(func(h, c map[string]any) {
		c["aud"] = "http://lms.example/prefix/token"
	}), ltitest.ScopeNRPS).Encode()))
	tokenReq.Header.Set("Content-Type", formType)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, tokenReq)
	var tr map[string]any
	json.Unmarshal(rec.Body.Bytes(), &tr)
	tok, _ := tr["access_token"].(string)
	if tok == "" {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}

	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/nrps/course-101/memberships", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", ltitest.MediaMembership)
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, req)
		return rec
	}
	rec = get()
	if _, ok := rec.Header()["Link"]; ok {
		t.Error("canonical Link header sent")
	}
	link := rec.Header()["link"]
	if len(link) != 1 || !strings.HasPrefix(link[0], "<http://lms.example/prefix/nrps/course-101/memberships?from=") {
		t.Errorf("link = %v", link)
	}

	p.SetRelativeLinks(true)
	rec = get()
	if link := rec.Header()["link"]; len(link) != 1 || !strings.HasPrefix(link[0], "</prefix/nrps/course-101/memberships?from=") {
		t.Errorf("relative link = %v", link)
	}
}
