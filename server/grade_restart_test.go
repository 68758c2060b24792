package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// registerLMS registers an external emulator with a running app (and the app
// with the emulator, whose copy of the tool URLs follows the app's port).
func registerLMS(t *testing.T, a *app, lms *ltitest.Platform, create bool) {
	t.Helper()
	urls := a.tool.URLs()
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	if !create {
		return
	}
	ctx := context.Background()
	reg := &lti.Registration{Name: "Test LMS", Issuer: lms.Issuer(), ClientID: "tool-1", AuthURL: lms.AuthURL(), TokenURL: lms.TokenURL(), JWKSURL: lms.JWKSURL()}
	if err := a.db.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.AddDeployment(ctx, reg.ID, "1", lti.StatusActive); err != nil {
		t.Fatal(err)
	}
}

func callAPI(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestGrade_PendingScoresSurviveRestart: scores saved while the LMS is down
// are still queued after the server stops; `ltibox outbox list` shows them;
// the restarted server (same SQLite file) delivers each exactly once.
func TestGrade_PendingScoresSurviveRestart(t *testing.T) {
	lms := ltitest.NewServer(t, ltitest.Options{})
	lms.Enroll("course-101", "learner-1")
	dir := t.TempDir()
	// --demo only for loopback http (the external emulator is what is tested).
	a, base, stop := startApp(t, dir, true)
	registerLMS(t, a, lms, true)
	li := lms.AddLineItem("course-101", ltitest.LineItem{Label: "Quiz", ScoreMaximum: 10, ResourceLinkID: "rl-1"})
	tokens := map[string]string{}
	for _, u := range []string{"student", "learner-1"} {
		tokens[u] = launchToken(t, lms, ltitest.LaunchSpec{UserID: u, WithAGS: true, LineItemID: path.Base(li)})
		callAPI(t, "GET", base+"/api/v1/grade", tokens[u], nil) // read the maximum while the LMS is up
	}
	lms.SetOutage("/ags/", http.StatusServiceUnavailable)
	for u, v := range map[string]float64{"student": 9, "learner-1": 4} {
		if st, body := callAPI(t, "POST", base+"/api/v1/grade/score", tokens[u], model.ScoreSubmission{ScoreGiven: &v}); st != 201 {
			t.Fatalf("submit %s: %d %s", u, st, body)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := a.db.CountOutbox(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[model.DeliveryRetrying] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scores never reached retrying: %v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()

	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"outbox", "list", "--data", dir}, &out, &errb); err != nil {
		t.Fatalf("outbox list: %v %s", err, errb.String())
	}
	for _, want := range []string{"retrying", "Ada Lovelace (student)", "9/10", "learner-1", "4/10", "503"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("outbox list lacks %q:\n%s", want, out.String())
		}
	}
	outboxListNamesPlaceAndZone(t, out.String(), "Test LMS", "Demo Course 101")
	// Each retrying score says when it was last tried and when it is tried
	// next, both in RFC 3339 UTC.
	if !regexp.MustCompile(`ATTEMPTS +LAST ATTEMPT \(UTC\) +NEXT/DELIVERED \(UTC\)`).MatchString(out.String()) {
		t.Errorf("outbox list header lacks LAST ATTEMPT (UTC):\n%s", out.String())
	}
	tried := regexp.MustCompile(`(?m)retrying .*\s\d+  +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  `)
	if n := len(tried.FindAllString(out.String(), -1)); n != 2 {
		t.Errorf("%d outbox list rows give the last and next attempt in UTC, want 2:\n%s", n, out.String())
	}
	// learner-1's name in the LMS is its ID: the USER column says it once.
	if strings.Contains(out.String(), "learner-1 (learner-1)") || !regexp.MustCompile(`(?m)  learner-1  +4/10  `).MatchString(out.String()) {
		t.Errorf("outbox list does not name learner-1 once:\n%s", out.String())
	}
	if n := len(lms.Scores(li)); n != 0 {
		t.Fatalf("gradebook got %d scores during the outage", n)
	}
	lms.EndOutage()

	a2, _, stop2 := startApp(t, dir, true)
	defer stop2()
	registerLMS(t, a2, lms, false)
	deadline = time.Now().Add(30 * time.Second)
	for {
		c, err := a2.db.CountOutbox(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c[model.DeliveryDelivered] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scores not delivered after restart: %v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	scores := lms.Scores(li)
	if len(scores) != 2 {
		t.Fatalf("gradebook holds %d scores, want 2 (each exactly once)", len(scores))
	}
	got := map[string]float64{}
	for _, s := range scores {
		got[s.UserID] = *s.ScoreGiven
	}
	if got["student"] != 9 || got["learner-1"] != 4 {
		t.Errorf("gradebook = %v", got)
	}
}

// outboxListNamesPlaceAndZone checks `ltibox outbox list`: each score names
// its LMS and course in PLATFORM and COURSE columns, and its time is an
// unambiguous UTC instant (RFC 3339 with Z), not a bare wall-clock time.
func outboxListNamesPlaceAndZone(t *testing.T, out, platform, course string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	head := strings.Fields(lines[0])
	if !slices.Contains(head, "PLATFORM") || !slices.Contains(head, "COURSE") || !strings.Contains(lines[0], "(UTC)") {
		t.Errorf("outbox list header %q lacks PLATFORM, COURSE or the time's zone", lines[0])
	}
	utc := regexp.MustCompile(`\s\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s`)
	for _, row := range lines[1:] {
		if !strings.Contains(row, "  "+platform+"  ") || !strings.Contains(row, "  "+course+"  ") {
			t.Errorf("outbox list row %q lacks the platform %q or the course %q", row, platform, course)
		}
		if !utc.MatchString(row) {
			t.Errorf("outbox list row %q has no next attempt in RFC 3339 UTC", row)
		}
	}
}

// TestCLI_OutboxUser: the USER column of `ltibox outbox list` gives the
// learner's name and LTI subject, or the subject once when there is no name
// or the name is the subject.
func TestCLI_OutboxUser(t *testing.T) {
	for _, c := range []struct{ name, subject, want string }{
		{"Ada Lovelace", "student", "Ada Lovelace (student)"},
		{"", "learner-1", "learner-1"},
		{"  ", "learner-1", "learner-1"},
		{"learner-1", "learner-1", "learner-1"},
		{"Learner-1", "learner-1", "Learner-1 (learner-1)"}, // not the same ID
	} {
		if got := outboxUser(c.name, c.subject); got != c.want {
			t.Errorf("outboxUser(%q, %q) = %q, want %q", c.name, c.subject, got, c.want)
		}
	}
}

// TestCLI_OutboxRetry: `ltibox outbox retry` queues refused scores again and
// refuses bad arguments with a readable error.
func TestCLI_OutboxRetry(t *testing.T) {
	dir := usedDataDir(t)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"outbox", "retry", "--data", dir}, &out, &errb); err == nil || !strings.Contains(err.Error(), "--failed") {
		t.Errorf("retry without ids: %v", err)
	}
	if err := run(context.Background(), []string{"outbox", "retry", "--data", dir, "x"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not an outbox item") {
		t.Errorf("retry x: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"outbox", "retry", "--data", dir, "--failed"}, &out, &errb); err != nil || !strings.Contains(out.String(), "Queued 0 scores") {
		t.Errorf("retry --failed on an empty outbox: %v %s", err, out.String())
	}
}
