package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// rosterLaunch launches userID into course-101 with the NRPS claim and
// returns the session token.
func (h *harness) rosterLaunch(userID string) string {
	h.t.Helper()
	resp, _ := h.launch(ltitest.LaunchSpec{UserID: userID, WithNRPS: true})
	return sessionToken(h.t, resp)
}

func decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
	return v
}

// waitSync polls the refresh progress until it stops running.
func (h *harness) waitSync(token string) model.RosterSync {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body := h.apiDo("GET", "/api/v1/roster/sync", token, nil, nil)
		if status != 200 {
			h.t.Fatalf("sync status: %d %s", status, body)
		}
		st := decode[model.RosterSync](h.t, body)
		if !st.Running {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("refresh still running: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// refresh starts a refresh and waits for it.
func (h *harness) refresh(token, query string) model.RosterSync {
	h.t.Helper()
	if status, body := h.apiDo("POST", "/api/v1/roster/refresh"+query, token, nil, nil); status != http.StatusAccepted {
		h.t.Fatalf("refresh: %d %s", status, body)
	}
	return h.waitSync(token)
}

func (h *harness) roster(token string) model.Roster {
	h.t.Helper()
	status, body := h.apiDo("GET", "/api/v1/roster", token, nil, nil)
	if status != 200 {
		h.t.Fatalf("roster: %d %s", status, body)
	}
	return decode[model.Roster](h.t, body)
}

func (h *harness) nrpsRequests() []ltitest.Request {
	var out []ltitest.Request
	for _, r := range h.lms.Requests() {
		if strings.HasPrefix(r.Path, "/nrps/") {
			out = append(out, r)
		}
	}
	return out
}

// storedMembers counts the roster rows of the session's course.
func (h *harness) storedMembers(contextID int64) int {
	h.t.Helper()
	n, err := h.db.CountRosterMembers(context.Background(), contextID)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestRoster_LargeCourseOneRefreshOneToken(t *testing.T) {
	h := newHarness(t)
	h.lms.AddLearners("course-101", 2498) // + Grace and Ada: 2,500
	h.lms.SetPageSize(100)
	tok := h.rosterLaunch("instructor")
	tokensBefore := h.lms.TokenRequests()

	st := h.refresh(tok, "")
	if st.Error != nil || st.Pages != 25 || st.Members != 2500 || st.Incremental {
		t.Fatalf("refresh = %+v, want 25 pages, 2500 members, no error", st)
	}
	if n := h.lms.TokenRequests() - tokensBefore; n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if n := len(h.nrpsRequests()); n != 25 {
		t.Errorf("%d NRPS requests, want 25 (one refresh)", n)
	}
	r := h.roster(tok)
	if !r.Enabled || r.SyncedAt == nil || len(r.Members) != 2500 {
		t.Fatalf("roster: enabled %v synced %v members %d", r.Enabled, r.SyncedAt, len(r.Members))
	}
	seen := map[string]bool{}
	for _, m := range r.Members {
		if seen[m.Subject] {
			t.Errorf("%s stored twice", m.Subject)
		}
		seen[m.Subject] = true
	}
	if h.storedMembers(r.Context.ID) != 2500 {
		t.Errorf("stored rows = %d", h.storedMembers(r.Context.ID))
	}
	i := slices.IndexFunc(r.Members, func(m model.RosterMember) bool { return m.Subject == "instructor" })
	grace := r.Members[i]
	if grace.Name != "Grace Hopper" || grace.Email != "grace@example.edu" || !slices.Equal(grace.Roles, []string{"Instructor"}) || grace.Status != "Active" || grace.LastLaunch == nil {
		t.Errorf("Grace = %+v (she launched, so she has a last launch)", grace)
	}
	if m := r.Members[slices.IndexFunc(r.Members, func(m model.RosterMember) bool { return m.Subject == "learner-7" })]; m.LastLaunch != nil || m.Roles[0] != "Learner" {
		t.Errorf("learner-7 = %+v", m)
	}
	// Fresh roster: reading it again starts nothing.
	h.roster(tok)
	if n := len(h.nrpsRequests()); n != 25 {
		t.Errorf("reading a fresh roster called the LMS: %d requests", n)
	}
}

func TestRoster_PlatformShapes(t *testing.T) {
	scenarios := []struct {
		name        string
		opts        ltitest.Options
		relative    bool
		differences bool
		shortRoles  bool
	}{
		{"lowercase link header (Canvas)", ltitest.Options{LowercaseLinkHeader: true}, false, true, false},
		{"relative next URL", ltitest.Options{}, true, true, false},
		{"no differences link", ltitest.Options{}, false, false, true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			h := newHarness(t, withLMSOptions(sc.opts))
			h.lms.AddLearners("course-101", 58)
			h.lms.SetPageSize(15)
			h.lms.SetRelativeLinks(sc.relative)
			h.lms.SetDifferences(sc.differences)
			h.lms.SetShortRoleNames(sc.shortRoles)
			tok := h.rosterLaunch("instructor")
			if st := h.refresh(tok, ""); st.Error != nil || st.Pages != 4 || st.Members != 60 {
				t.Fatalf("first refresh = %+v", st)
			}
			// Changes in the LMS, then a second refresh.
			h.lms.RemoveMember("course-101", "learner-3")
			h.lms.SetMemberStatus("course-101", "learner-4", ltitest.StatusInactive)
			h.lms.Enroll("course-101", "late-joiner")
			before := len(h.nrpsRequests())
			st := h.refresh(tok, "")
			if st.Error != nil || st.Incremental != sc.differences {
				t.Fatalf("second refresh = %+v, want incremental=%v", st, sc.differences)
			}
			second := h.nrpsRequests()[before:]
			for _, r := range second {
				if (r.Query.Get("since") != "") != sc.differences {
					t.Errorf("second refresh request %v: differences used = %v, want %v", r.Query, r.Query.Get("since") != "", sc.differences)
				}
			}
			r := h.roster(tok)
			status := map[string]string{}
			for _, m := range r.Members {
				status[m.Subject] = m.Status
				if m.LeftAt != nil {
					status[m.Subject] += " left"
				}
				if len(m.Roles) == 0 || strings.Contains(m.Roles[0], "purl.imsglobal.org") {
					t.Errorf("%s roles %v, want short names", m.Subject, m.Roles)
				}
			}
			if len(r.Members) != 61 || status["learner-3"] != "Inactive left" || status["learner-4"] != "Inactive" || status["late-joiner"] != "Active" || status["learner-5"] != "Active" {
				t.Errorf("%d members; learner-3 %q, learner-4 %q, late-joiner %q, learner-5 %q", len(r.Members), status["learner-3"], status["learner-4"], status["late-joiner"], status["learner-5"])
			}
		})
	}
}

func TestRoster_NotGranted(t *testing.T) {
	h := newHarness(t)
	cfg, _ := h.lms.Tool("tool-1")
	cfg.Scopes = []string{ltitest.ScopeScore, ltitest.ScopeLineItem} // the LMS admin left the roster off
	h.lms.RegisterTool(cfg)
	tok := h.rosterLaunch("instructor")

	r := h.roster(tok)
	if r.Enabled || len(r.Members) != 0 || r.SyncedAt != nil || r.Sync.Running {
		t.Errorf("roster = %+v, want not enabled and nothing started", r)
	}
	status, body := h.apiDo("POST", "/api/v1/roster/refresh", tok, nil, nil)
	if status != http.StatusConflict || !strings.Contains(body, "not enabled for ltibox in your LMS") {
		t.Errorf("refresh: %d %s", status, body)
	}
	if status, _ := h.apiDo("GET", "/api/v1/roster.csv", tok, nil, nil); status != http.StatusConflict {
		t.Errorf("csv: %d", status)
	}
	if n := len(h.nrpsRequests()); n != 0 {
		t.Errorf("%d NRPS requests without the NRPS claim", n)
	}
	if _, err := h.db.RosterState(context.Background(), r.Context.ID); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("roster stored: %v", err)
	}
}

func TestRoster_LMSRefuses(t *testing.T) {
	h := newHarness(t)
	h.lms.AddLearners("course-101", 298)
	h.lms.SetPageSize(50)
	tok := h.rosterLaunch("instructor")
	contextID := h.roster(tok).Context.ID // starts the first refresh
	h.waitSync(tok)

	// The teacher switches the roster off; the LMS answers 403 on page 3.
	h.lms.RemoveMember("course-101", "learner-1")
	h.lms.RefuseMemberships("course-101", "Course members are not available to this tool", 2)
	stateBefore, err := h.db.RosterState(context.Background(), contextID)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	st := h.refresh(tok, "?full=1")
	if st.Error == nil || st.Error.Code != model.CodeLMSRefused || !strings.Contains(st.Error.Message, "HTTP 403: Course members are not available to this tool") || st.Pages != 2 {
		t.Fatalf("refresh = %+v, want the LMS's reason after 2 pages", st)
	}
	// Nothing half-stored: the previous roster is untouched.
	stateAfter, _ := h.db.RosterState(context.Background(), contextID)
	if !stateAfter.SyncedAt.Equal(stateBefore.SyncedAt) || h.storedMembers(contextID) != 300 {
		t.Errorf("roster changed by a failed refresh: %v → %v, %d rows", stateBefore.SyncedAt, stateAfter.SyncedAt, h.storedMembers(contextID))
	}
	r := h.roster(tok)
	for _, m := range r.Members {
		if m.Subject == "learner-1" && m.Status != "Active" {
			t.Errorf("learner-1 changed by a failed refresh: %+v", m)
		}
	}
	if r.Sync.Error == nil || r.Sync.Error.Code != model.CodeLMSRefused || r.Sync.Running {
		t.Errorf("roster does not report the refusal: %+v", r.Sync)
	}
	// A failed refresh is not retried by reading the roster (no loop on the LMS).
	before := len(h.nrpsRequests())
	h.clock.Advance(2 * time.Hour)
	if r := h.roster(tok); r.Sync.Running || len(h.nrpsRequests()) != before {
		t.Errorf("reading the roster retried a refused refresh")
	}
	if !strings.Contains(h.logs.String(), "roster refresh: LMS refused") {
		t.Errorf("no log line for the refusal")
	}
}

func TestRoster_FirstLoadRefusedStoresNothing(t *testing.T) {
	h := newHarness(t)
	h.lms.AddLearners("course-101", 98)
	h.lms.SetPageSize(25)
	h.lms.RefuseMemberships("course-101", "Roster disabled by the teacher", 3)
	tok := h.rosterLaunch("instructor")
	r := h.roster(tok)
	if !r.Sync.Running {
		t.Fatalf("first read did not start a refresh: %+v", r.Sync)
	}
	st := h.waitSync(tok)
	if st.Error == nil || !strings.Contains(st.Error.Message, "Roster disabled by the teacher") {
		t.Fatalf("sync = %+v", st)
	}
	if n := h.storedMembers(r.Context.ID); n != 0 {
		t.Errorf("%d members half-stored", n)
	}
	if _, err := h.db.RosterState(context.Background(), r.Context.ID); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("roster state stored: %v", err)
	}
}

func TestRoster_LearnersForbidden(t *testing.T) {
	h := newHarness(t)
	tok := h.rosterLaunch("student")
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/roster"}, {"POST", "/api/v1/roster/refresh"}, {"GET", "/api/v1/roster/sync"}, {"GET", "/api/v1/roster.csv"},
	} {
		status, body := h.apiDo(c.method, c.path, tok, nil, nil)
		if status != http.StatusForbidden || !strings.Contains(body, "Only instructors can see the course roster") {
			t.Errorf("%s %s: %d %s", c.method, c.path, status, body)
		}
	}
	if status, _ := h.apiDo("GET", "/api/v1/roster", "", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("no token: %d", status)
	}
	if n := len(h.nrpsRequests()); n != 0 {
		t.Errorf("a learner's request reached the LMS roster: %d requests", n)
	}
}

// sharedClock lets the emulator follow the harness clock, so moving time
// ages the roster without making our client assertions look post-dated.
func sharedClock(h **harness) ltitest.Options {
	return ltitest.Options{Now: func() time.Time {
		if *h == nil {
			return time.Now()
		}
		return (*h).clock.Now()
	}}
}

func TestRoster_StaleRefreshesInBackground(t *testing.T) {
	var h *harness
	h = newHarness(t, withLMSOptions(sharedClock(&h)))
	tok := h.rosterLaunch("instructor")
	h.roster(tok)
	h.waitSync(tok)
	first := h.roster(tok).SyncedAt
	h.lms.Enroll("course-101", "newcomer")

	h.clock.Advance(30 * time.Minute) // younger than the default hour: nothing happens
	if r := h.roster(tok); r.Sync.Running || !r.SyncedAt.Equal(*first) {
		t.Errorf("a fresh roster was refreshed: %+v", r.Sync)
	}
	h.clock.Advance(31 * time.Minute)
	if r := h.roster(tok); !r.Sync.Running && r.SyncedAt.Equal(*first) {
		t.Errorf("a stale roster was not refreshed: %+v", r.Sync)
	}
	if st := h.waitSync(tok); st.Error != nil || !st.Incremental {
		t.Errorf("background refresh = %+v, want an incremental one", st)
	}
	r := h.roster(tok)
	if !r.SyncedAt.After(*first) || !slices.ContainsFunc(r.Members, func(m model.RosterMember) bool { return m.Subject == "newcomer" }) {
		t.Errorf("after the background refresh: synced %v, %d members", r.SyncedAt, len(r.Members))
	}
}

func TestRoster_CSVHasEveryMember(t *testing.T) {
	h := newHarness(t)
	h.lms.AddLearners("course-101", 120)
	h.lms.AddUser(ltitest.User{ID: "tricky", Name: "=HYPERLINK(\"http://evil\")", Email: "t@example.edu", Roles: []string{ltitest.RoleLearner}})
	h.lms.Enroll("course-101", "tricky")
	h.lms.AddUser(ltitest.User{ID: "private", Roles: []string{ltitest.RoleLearner}}) // no name, no email
	h.lms.Enroll("course-101", "private")
	tok := h.rosterLaunch("instructor")
	h.refresh(tok, "")

	req, _ := http.NewRequest("GET", h.url+"/api/v1/roster.csv", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="roster-DEMO101.csv"` {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+124 || rows[0][0] != "Name" || rows[0][4] != "User ID" {
		t.Fatalf("%d rows, header %v; want a header and 124 members", len(rows), rows[0])
	}
	bySubject := map[string][]string{}
	for _, r := range rows[1:] {
		bySubject[r[4]] = r
	}
	if r := bySubject["tricky"]; r[0] != `'=HYPERLINK("http://evil")` {
		t.Errorf("formula not neutralised: %q", r[0])
	}
	if r := bySubject["private"]; r == nil || r[0] != "" || r[3] != "" || r[5] != "Learner" || r[6] != "Active" {
		t.Errorf("member without PII: %q", r)
	}
	if r := bySubject["instructor"]; r[0] != "Grace Hopper" || r[8] == "" {
		t.Errorf("instructor row %q (last launch expected)", r)
	}
}

func BenchmarkRosterRefresh10000(b *testing.B) {
	h := newHarness(b)
	h.lms.AddLearners("course-101", 9998)
	h.lms.SetPageSize(100)
	tok := h.rosterLaunch("instructor")
	h.refresh(tok, "?full=1") // warm the token cache
	b.Run("full", func(b *testing.B) {
		for range b.N {
			if st := h.refresh(tok, "?full=1"); st.Error != nil || st.Members != 10000 {
				b.Fatalf("refresh = %+v", st)
			}
		}
	})
	b.Run("differences", func(b *testing.B) {
		for i := range b.N {
			h.lms.SetMemberStatus("course-101", "learner-"+string(rune('1'+i%9)), ltitest.StatusInactive)
			if st := h.refresh(tok, ""); st.Error != nil || !st.Incremental {
				b.Fatalf("refresh = %+v", st)
			}
		}
	})
}

func TestRoster_ScopeRevokedAfterLaunch(t *testing.T) {
	h := newHarness(t)
	tok := h.rosterLaunch("instructor") // the claim is there...
	cfg, _ := h.lms.Tool("tool-1")
	cfg.Scopes = []string{ltitest.ScopeScore} // ...but the admin revokes the roster now
	h.lms.RegisterTool(cfg)
	r := h.roster(tok)
	st := h.waitSync(tok)
	if st.Error == nil || st.Error.Code != model.CodeLMSRefused || !strings.Contains(st.Error.Message, "invalid_scope") || !strings.Contains(st.Error.Message, "access token") {
		t.Fatalf("sync = %+v", st)
	}
	if n := h.storedMembers(r.Context.ID); n != 0 || len(h.nrpsRequests()) != 0 {
		t.Errorf("stored %d members, %d NRPS requests without a token", n, len(h.nrpsRequests()))
	}
}

func TestRoster_DifferencesFallBackToFullListing(t *testing.T) {
	var h *harness
	h = newHarness(t, withLMSOptions(sharedClock(&h)))
	h.lms.AddLearners("course-101", 20)
	tok := h.rosterLaunch("instructor")
	if st := h.refresh(tok, ""); st.Incremental || st.Error != nil {
		t.Fatalf("first refresh = %+v", st)
	}
	h.lms.RemoveMember("course-101", "learner-5")

	// The platform no longer knows the differences link (404): list everyone.
	h.lms.FailNext("/nrps/", 1, http.StatusNotFound)
	before := len(h.nrpsRequests())
	st := h.refresh(tok, "")
	if st.Error != nil || st.Incremental || st.Members != 21 {
		t.Errorf("refresh after a refused differences link = %+v, want a full listing of 21", st)
	}
	reqs := h.nrpsRequests()[before:]
	if len(reqs) != 4 || reqs[0].Query.Get("since") == "" || reqs[0].Status != 404 || reqs[1].Query.Get("since") != "" {
		t.Errorf("requests: %d, first since=%q status %d", len(reqs), reqs[0].Query.Get("since"), reqs[0].Status)
	}
	if !strings.Contains(h.logs.String(), "roster differences refused") {
		t.Error("fallback not logged")
	}
	r := h.roster(tok)
	for _, m := range r.Members {
		if m.Subject == "learner-5" && m.LeftAt == nil {
			t.Errorf("learner-5 left but is %+v", m)
		}
	}

	// Differences work again, but after a day a full listing is due anyway.
	if st := h.refresh(tok, ""); !st.Incremental {
		t.Errorf("next refresh = %+v, want incremental", st)
	}
	h.clock.Advance(25 * time.Hour)
	tok = h.rosterLaunch("instructor") // yesterday's session has expired
	if st := h.refresh(tok, ""); st.Incremental || st.Error != nil || st.Members != 21 {
		t.Errorf("refresh a day later = %+v, want a full listing", st)
	}
}

// TestRoster_ScoreSummary: a learner's score from the grades feature shows in
// the instructor's roster and its CSV.
func TestRoster_ScoreSummary(t *testing.T) {
	h := newHarness(t)
	learner, _ := h.gradedLaunch("student")
	seven := 7.0
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", learner, model.ScoreSubmission{ScoreGiven: &seven}); resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	tok := h.rosterLaunch("instructor")
	h.refresh(tok, "")
	r := h.roster(tok)
	var ada model.RosterMember
	for _, m := range r.Members {
		if m.Subject == "student" {
			ada = m
		}
	}
	if r.GradedActivities != 1 || ada.Scores != (model.ScoreSummary{Scored: 1, Activities: 1, Points: 7, Maximum: 10}) {
		t.Errorf("graded activities %d, Ada's scores %+v; want 7 of 10 on 1 activity", r.GradedActivities, ada.Scores)
	}
	_, csvBody := h.apiDo("GET", "/api/v1/roster.csv", tok, nil, nil)
	if !strings.Contains(csvBody, "student,Learner,Active,,") || !strings.Contains(csvBody, ",7,10,1 of 1") {
		t.Errorf("CSV lacks Ada's score:\n%s", csvBody)
	}
}
