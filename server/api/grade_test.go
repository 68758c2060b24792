package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/server/outbox"
)

// startOutbox runs a delivery worker for the harness (fast backoff; the
// emulator's Retry-After still applies) and connects it to the API.
func startOutbox(h *harness) *outbox.Worker {
	w := outbox.New(h.db, h.tool, outbox.Config{BaseDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond, Poll: 50 * time.Millisecond})
	h.srv.SetOutbox(w)
	w.Start(context.Background())
	h.t.Cleanup(w.Stop)
	return w
}

// apiSend sends a JSON request with a bearer token.
func (h *harness) apiSend(method, p, token string, body any) (*http.Response, string) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.url+p, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// gradedLaunch adds a platform line item (maximum 10) for rl-1 and launches
// userID with AGS bound to it; it returns the session token and the line item URL.
func (h *harness) gradedLaunch(userID string) (string, string) {
	h.t.Helper()
	li := ""
	for _, x := range h.lms.LineItems("course-101") {
		if x.ResourceLinkID == "rl-1" {
			li = x.ID
		}
	}
	if li == "" {
		li = h.lms.AddLineItem("course-101", ltitest.LineItem{Label: "Activity 1", ScoreMaximum: 10, ResourceLinkID: "rl-1"})
	}
	resp, _ := h.launch(ltitest.LaunchSpec{UserID: userID, WithAGS: true, LineItemID: path.Base(li)})
	return sessionToken(h.t, resp), li
}

func (h *harness) grade(token string) model.GradeView {
	h.t.Helper()
	resp, body := h.apiGet("/api/v1/grade", token)
	if resp.StatusCode != 200 {
		h.t.Fatalf("GET /grade: %d %s", resp.StatusCode, body)
	}
	var v model.GradeView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		h.t.Fatal(err)
	}
	return v
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) queued() int {
	h.t.Helper()
	counts, err := h.db.CountOutbox(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

var agsTimestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// TestGrade_LearnerScoreReachesGradebook: opening reports InProgress, submitting
// reports Completed/FullyGraded with the right user, line item and timestamps.
func TestGrade_LearnerScoreReachesGradebook(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	tok, li := h.gradedLaunch("student")
	v := h.grade(tok)
	if !v.Enabled || v.ScoreMaximum != 10 || v.Score != nil {
		t.Fatalf("grade view = %+v, want enabled, maximum 10 (the platform line item's), no score", v)
	}
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityProgress: "InProgress"}); resp.StatusCode != 201 {
		t.Fatalf("open: %d %s", resp.StatusCode, body)
	}
	seven := 7.0
	resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ScoreGiven: &seven})
	if resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "delivery", func() bool {
		s := h.grade(tok).Score
		return s != nil && s.Delivery.State == model.DeliveryDelivered
	})
	scores := h.lms.Scores(li)
	if len(scores) != 2 {
		t.Fatalf("gradebook received %d scores, want 2 (InProgress, Completed)", len(scores))
	}
	first, last := scores[0], scores[1]
	if first.UserID != "student" || first.ActivityProgress != "InProgress" || first.GradingProgress != "NotReady" || first.ScoreGiven != nil {
		t.Errorf("opening score = %+v", first)
	}
	if last.UserID != "student" || last.ActivityProgress != "Completed" || last.GradingProgress != "FullyGraded" ||
		last.ScoreGiven == nil || *last.ScoreGiven != 7 || *last.ScoreMaximum != 10 {
		t.Errorf("submitted score = %+v", last)
	}
	for _, s := range scores {
		if !agsTimestampRE.MatchString(s.Timestamp) {
			t.Errorf("timestamp %q lacks ISO 8601 UTC with sub-second precision", s.Timestamp)
		}
	}
	if !(scores[0].Timestamp < scores[1].Timestamp) {
		t.Errorf("timestamps not increasing: %s, %s", scores[0].Timestamp, scores[1].Timestamp)
	}
	if res := h.lms.Results(li); len(res) != 1 || *res[0].ResultScore != 7 {
		t.Errorf("gradebook results = %+v", res)
	}
	// Opening again after a grade reports nothing (it would hide the grade in some LMSs).
	h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityProgress: "InProgress"})
	time.Sleep(200 * time.Millisecond)
	if n := len(h.lms.Scores(li)); n != 2 {
		t.Errorf("reopening sent another progress report: %d scores", n)
	}
}

// TestGrade_LearnerRefusals: every rule has a readable refusal and stores nothing.
func TestGrade_LearnerRefusals(t *testing.T) {
	h := newHarness(t)
	tok, _ := h.gradedLaunch("student")
	other, _ := h.gradedLaunch("instructor")
	noAGS := sessionToken(t, func() *http.Response { r, _ := h.launch(ltitest.LaunchSpec{UserID: "student"}); return r }())
	five, eleven, neg := 5.0, 11.0, -1.0
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		msg    string
	}{
		{"another user", tok, map[string]any{"userId": 999, "scoreGiven": five}, 403, "your own score"},
		{"another activity", tok, model.ScoreSubmission{ActivityID: 12345, ScoreGiven: &five}, 403, "activity you opened"},
		{"over the maximum", tok, model.ScoreSubmission{ScoreGiven: &eleven}, 400, "between 0 and 10"},
		{"negative", tok, model.ScoreSubmission{ScoreGiven: &neg}, 400, "between 0 and 10"},
		{"no score", tok, model.ScoreSubmission{}, 400, "Choose a score"},
		{"unknown progress", tok, model.ScoreSubmission{ScoreGiven: &five, ActivityProgress: "Done"}, 400, "InProgress or Completed"},
		{"instructor on the learner endpoint", other, model.ScoreSubmission{ScoreGiven: &five}, 403, "grading view"},
		{"launch without AGS", noAGS, model.ScoreSubmission{ScoreGiven: &five}, 409, "Grades are not enabled for this link"},
		{"not JSON", tok, "{", 400, "could not be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := h.apiSend("POST", "/api/v1/grade/score", c.token, c.body)
			if resp.StatusCode != c.status || !strings.Contains(body, c.msg) {
				t.Errorf("status %d body %s; want %d with %q", resp.StatusCode, body, c.status, c.msg)
			}
			if n := h.queued(); n != 0 {
				t.Errorf("%d scores stored after a refusal", n)
			}
		})
	}
	v := h.grade(noAGS)
	if v.Enabled || !strings.Contains(v.Reason, "Grades are not enabled for this link") {
		t.Errorf("grade view without AGS = %+v", v)
	}
	resp, body := h.apiGet("/api/v1/grading", tok)
	if resp.StatusCode != 403 || !strings.Contains(body, "Only instructors") {
		t.Errorf("learner on the grading view: %d %s", resp.StatusCode, body)
	}
}

// TestGrade_OutageRetriesThenDeliversOnce: the LMS answers 503 for a while; the
// learner sees "retrying" with a time, and after recovery the score arrives once.
func TestGrade_OutageRetriesThenDeliversOnce(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	tok, li := h.gradedLaunch("student")
	h.grade(tok) // reads the maximum while the LMS is up
	h.lms.SetOutage("/ags/", http.StatusServiceUnavailable)
	six := 6.0
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ScoreGiven: &six}); resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	var retrying *model.Score
	waitFor(t, "retrying", func() bool {
		retrying = h.grade(tok).Score
		return retrying != nil && retrying.Delivery.State == model.DeliveryRetrying
	})
	if retrying.Delivery.NextAttemptAt == nil || retrying.Delivery.LastStatus != 503 || !strings.Contains(retrying.Delivery.Error, "503") {
		t.Errorf("retrying state lacks when/why: %+v", retrying.Delivery)
	}
	waitFor(t, "a second failed attempt", func() bool { return h.grade(tok).Score.Delivery.Attempts >= 2 })
	h.lms.EndOutage()
	waitFor(t, "delivery", func() bool { return h.grade(tok).Score.Delivery.State == model.DeliveryDelivered })
	if n := len(h.lms.Scores(li)); n != 1 {
		t.Fatalf("gradebook received %d scores, want exactly 1", n)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.lms.Scores(li)); n != 1 {
		t.Fatalf("delivered again later: %d scores", n)
	}
}

// TestGrade_TokenRefusedIsAConfigurationProblem: the token endpoint answers 401
// (the LMS has the wrong tool key): every queued score fails with the LMS's
// words after ONE token request, no retry storm; after the fix, "send all
// pending" delivers them in order.
func TestGrade_TokenRefusedIsAConfigurationProblem(t *testing.T) {
	h := newHarness(t)
	toks := map[string]string{}
	var li string
	for _, u := range []string{"student", "learner-1", "learner-2"} {
		h.lms.Enroll("course-101", u)
		toks[u], li = h.gradedLaunch(u)
	}
	instructor, _ := h.gradedLaunch("instructor")
	for _, u := range []string{"student", "learner-1", "learner-2"} {
		h.grade(toks[u])
	}
	urls := h.tool.URLs()
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: h.lms.JWKSURL()})
	h.tool.ForgetTokens() // the token cached while the LMS still knew the key has expired
	tokensBefore := h.lms.TokenRequests()
	for i, u := range []string{"student", "learner-1", "learner-2", "student"} {
		v := float64(i + 1)
		if resp, body := h.apiSend("POST", "/api/v1/grade/score", toks[u], model.ScoreSubmission{ScoreGiven: &v}); resp.StatusCode != 201 {
			t.Fatalf("submit: %d %s", resp.StatusCode, body)
		}
	}
	startOutbox(h)
	waitFor(t, "every score failed", func() bool {
		c, _ := h.db.CountOutbox(context.Background())
		return c[model.DeliveryFailed] == 4
	})
	time.Sleep(300 * time.Millisecond)
	if n := h.lms.TokenRequests() - tokensBefore; n != 1 {
		t.Errorf("%d token requests for 4 refused scores, want 1 (no retry storm)", n)
	}
	s := h.grade(toks["student"]).Score
	if s.Delivery.State != model.DeliveryFailed || s.Delivery.LastStatus != 401 || !strings.Contains(s.Delivery.Error, "access token") || !strings.Contains(s.Delivery.Error, "invalid_client") {
		t.Errorf("failed state lacks the cause: %+v", s.Delivery)
	}
	if n := len(h.lms.Scores(li)); n != 0 {
		t.Fatalf("gradebook got %d scores", n)
	}
	// The administrator fixes the JWKS URL in the LMS; the instructor sends all pending.
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	resp, body := h.apiSend("POST", "/api/v1/grading/send", instructor, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"count":4`) {
		t.Fatalf("send all pending: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "delivery", func() bool {
		c, _ := h.db.CountOutbox(context.Background())
		return c[model.DeliveryDelivered] == 4
	})
	var studentScores []float64
	for _, sc := range h.lms.Scores(li) {
		if sc.UserID == "student" {
			studentScores = append(studentScores, *sc.ScoreGiven)
		}
	}
	if fmt.Sprint(studentScores) != "[1 4]" {
		t.Errorf("student's scores arrived as %v, want [1 4] in order", studentScores)
	}
}

// TestGrading_InstructorView: every learner seen at launch with latest score and
// delivery; edit with comment; read back with differences; CSV export.
func TestGrading_InstructorView(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	h.lms.Enroll("course-101", "learner-1")
	tok, li := h.gradedLaunch("student")
	h.gradedLaunch("learner-1")
	instructor, _ := h.gradedLaunch("instructor")
	eight := 8.0
	h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ScoreGiven: &eight})
	waitFor(t, "delivery", func() bool { return h.grade(tok).Score.Delivery.State == model.DeliveryDelivered })

	var view model.GradingView
	resp, body := h.apiGet("/api/v1/grading", instructor)
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &view) != nil {
		t.Fatalf("grading view: %d %s", resp.StatusCode, body)
	}
	if len(view.Rows) != 2 || view.ScoreMaximum != 10 || !view.Enabled {
		t.Fatalf("grading view = %+v, want the 2 learners (not the instructor)", view)
	}
	byName := map[string]model.GradebookRow{}
	for _, r := range view.Rows {
		byName[r.User.Name] = r
	}
	ada, l1 := byName["Ada Lovelace"], byName["learner-1"]
	if ada.Score == nil || *ada.Score.ScoreGiven != 8 || ada.Score.Delivery.State != "delivered" || ada.LastActivity == nil {
		t.Errorf("Ada's row = %+v", ada)
	}
	if l1.Score != nil || l1.LastActivity == nil {
		t.Errorf("learner-1 row = %+v", l1)
	}

	// Edit: out of range and unknown learner refused; a valid edit carries the comment.
	twenty, six := 20.0, 6.0
	if resp, body := h.apiSend("POST", "/api/v1/grading/scores", instructor, model.ScoreEdit{UserID: l1.User.ID, ScoreGiven: &twenty}); resp.StatusCode != 400 || !strings.Contains(body, "between 0 and 10") {
		t.Errorf("edit over max: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.apiSend("POST", "/api/v1/grading/scores", instructor, model.ScoreEdit{UserID: 9999, ScoreGiven: &six}); resp.StatusCode != 404 {
		t.Errorf("edit unknown learner: %d", resp.StatusCode)
	}
	if resp, body := h.apiSend("POST", "/api/v1/grading/scores", tok, model.ScoreEdit{UserID: l1.User.ID, ScoreGiven: &six}); resp.StatusCode != 403 {
		t.Errorf("learner editing: %d %s", resp.StatusCode, body)
	}
	resp, body = h.apiSend("POST", "/api/v1/grading/scores", instructor, model.ScoreEdit{UserID: l1.User.ID, ScoreGiven: &six, Comment: "Late, but good."})
	if resp.StatusCode != 201 {
		t.Fatalf("edit: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "edit delivered", func() bool {
		for _, s := range h.lms.Scores(li) {
			if s.UserID == "learner-1" {
				return true
			}
		}
		return false
	})
	resp, body = h.apiGet("/api/v1/grading", instructor)
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatal(err)
	}
	for _, r := range view.Rows {
		if r.User.ID == l1.User.ID && (r.Score == nil || *r.Score.ScoreGiven != 6 || r.Score.Comment != "Late, but good." || r.Score.SetByName != "Grace Hopper") {
			t.Errorf("learner-1 row after the edit = %+v", r.Score)
		}
	}
	for _, s := range h.lms.Scores(li) {
		if s.UserID == "learner-1" && (s.Comment != "Late, but good." || *s.ScoreGiven != 6 || s.GradingProgress != "FullyGraded") {
			t.Errorf("edited score in the gradebook = %+v", s)
		}
	}

	// Someone changes Ada's grade in the LMS: read back shows the difference.
	lmsAGS := lti.NewAGS(h.tool, h.reg, []string{lti.ScopeScore})
	three, ten := 3.0, 10.0
	time.Sleep(5 * time.Millisecond)
	if err := lmsAGS.PostScore(context.Background(), li, lti.Score{UserID: "student", ScoreGiven: &three, ScoreMaximum: &ten, Timestamp: time.Now().Add(time.Second),
		ActivityProgress: "Completed", GradingProgress: "FullyGraded"}); err != nil {
		t.Fatal(err)
	}
	var rb model.ReadBack
	resp, body = h.apiSend("POST", "/api/v1/grading/readback", instructor, nil)
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rb) != nil {
		t.Fatalf("read back: %d %s", resp.StatusCode, body)
	}
	if rb.Differences != 1 || len(rb.Rows) != 2 {
		t.Fatalf("read back = %+v, want 1 difference in 2 rows", rb)
	}
	for _, r := range rb.Rows {
		switch r.Name {
		case "Ada Lovelace":
			if !r.Differs || *r.Local != 8 || *r.Gradebook != 3 {
				t.Errorf("Ada read back = %+v", r)
			}
		case "learner-1":
			if r.Differs || *r.Local != 6 || *r.Gradebook != 6 {
				t.Errorf("learner-1 read back = %+v", r)
			}
		}
	}

	// CSV export.
	resp, body = h.apiGet("/api/v1/grading/export", instructor)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][0] != "Name" {
		t.Fatalf("export CSV = %q %v", body, err)
	}
	if !strings.Contains(body, "Ada Lovelace,ada@example.edu,student,8,10,Completed,FullyGraded,delivered") ||
		!strings.Contains(body, "Late, but good.") {
		t.Errorf("export lacks rows:\n%s", body)
	}
}

// TestGrading_NoAGS: an instructor launch without AGS gets a plain
// "not enabled" view, and the actions refuse with the same words.
func TestGrading_NoAGS(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.launch(ltitest.LaunchSpec{UserID: "instructor"})
	tok := sessionToken(t, resp)
	var view model.GradingView
	r, body := h.apiGet("/api/v1/grading", tok)
	if r.StatusCode != 200 || json.Unmarshal([]byte(body), &view) != nil || view.Enabled || !strings.Contains(view.Reason, "Grades are not enabled") {
		t.Fatalf("grading view without AGS: %d %s", r.StatusCode, body)
	}
	for _, p := range []string{"/api/v1/grading/send", "/api/v1/grading/readback"} {
		if r, body := h.apiSend("POST", p, tok, nil); r.StatusCode != 409 || !strings.Contains(body, "Grades are not enabled") {
			t.Errorf("%s: %d %s", p, r.StatusCode, body)
		}
	}
}

// TestGrade_MappedActivity: a link mapped to an ltibox activity (deep linking
// does it) is graded out of the activity's maximum; without a launch line
// item the score creates a column labelled after the activity. Scores for
// another activity, and links to ungraded activities, are refused.
func TestGrade_MappedActivity(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	ctx := context.Background()
	essay := &model.Activity{Title: "Essay", Graded: true, ScoreMaximum: 5, Tag: "week1", Instructions: "Write."}
	reading := &model.Activity{Title: "Reading"}
	for _, a := range []*model.Activity{essay, reading} {
		if err := h.db.CreateActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for rl, a := range map[string]int64{"rl-essay": essay.ID, "rl-reading": reading.ID} {
		if err := h.db.UpsertResourceLink(ctx, &model.ResourceLink{RegistrationID: h.reg.ID, DeploymentID: "1", ResourceLinkID: rl, ActivityID: a}); err != nil {
			t.Fatal(err)
		}
	}
	launch := func(rl string) string {
		resp, _ := h.launch(ltitest.LaunchSpec{UserID: "student", WithAGS: true, ResourceLinkID: rl, ResourceLinkTitle: "LMS title"})
		return sessionToken(t, resp)
	}
	tok := launch("rl-essay")
	v := h.grade(tok)
	if !v.Enabled || v.ActivityID != essay.ID || v.ScoreMaximum != 5 || v.Title != "Essay" || !strings.Contains(v.Instructions, "<p>Write.</p>") {
		t.Fatalf("grade view = %+v", v)
	}
	four, six := 4.0, 6.0
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: reading.ID, ScoreGiven: &four}); resp.StatusCode != 403 {
		t.Errorf("score for another activity: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: essay.ID, ScoreGiven: &six}); resp.StatusCode != 400 || !strings.Contains(body, "between 0 and 5") {
		t.Errorf("over the activity maximum: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: essay.ID, ScoreGiven: &four}); resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "delivery", func() bool { return h.grade(tok).Score.Delivery.State == model.DeliveryDelivered })
	var col ltitest.LineItem
	for _, li := range h.lms.LineItems("course-101") {
		if li.ResourceLinkID == "rl-essay" {
			col = li
		}
	}
	if col.Label != "Essay" || col.ScoreMaximum != 5 || col.ResourceID != fmt.Sprint(essay.ID) || col.Tag != "week1" {
		t.Errorf("created column = %+v", col)
	}
	if s := h.lms.Scores(col.ID); len(s) != 1 || *s[0].ScoreGiven != 4 || *s[0].ScoreMaximum != 5 {
		t.Errorf("column scores = %+v", s)
	}
	r := h.grade(launch("rl-reading"))
	if r.Enabled || r.Reason != "This activity is not graded." {
		t.Errorf("ungraded activity view = %+v", r)
	}
	// An LMS that grants scores but neither a line item nor the right to make one.
	urls := h.tool.URLs()
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1"}, LoginURL: urls.LoginURL, RedirectURIs: []string{urls.RedirectURL},
		TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL, Scopes: []string{ltitest.ScopeScore}})
	resp, _ := h.launch(ltitest.LaunchSpec{UserID: "student", WithAGS: true, ResourceLinkID: "rl-new"})
	n := h.grade(sessionToken(t, resp))
	if n.Enabled || !strings.Contains(n.Reason, "no gradebook column") {
		t.Errorf("no line item and no right to create one: %+v", n)
	}
}

// TestGrade_ChangedMaximumKeepsTheScoresOwn: a learner scores 5 of 7.5; the
// activity's maximum then becomes 20. The learner's score still reads out of
// 7.5 (what the gradebook received), new scores are out of 20, and the
// instructor's read back and CSV compare and show each score with its own
// maximum: no false difference, no "5 / 20".
func TestGrade_ChangedMaximumKeepsTheScoresOwn(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	ctx := context.Background()
	act := &model.Activity{Title: "Quiz", Graded: true, ScoreMaximum: 7.5}
	if err := h.db.CreateActivity(ctx, act); err != nil {
		t.Fatal(err)
	}
	if err := h.db.UpsertResourceLink(ctx, &model.ResourceLink{RegistrationID: h.reg.ID, DeploymentID: "1", ResourceLinkID: "rl-quiz", ActivityID: act.ID}); err != nil {
		t.Fatal(err)
	}
	launch := func(user string) string {
		resp, _ := h.launch(ltitest.LaunchSpec{UserID: user, WithAGS: true, ResourceLinkID: "rl-quiz"})
		return sessionToken(t, resp)
	}
	tok := launch("student")
	five := 5.0
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: act.ID, ScoreGiven: &five}); resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "delivery", func() bool { return h.grade(tok).Score.Delivery.State == model.DeliveryDelivered })
	act.ScoreMaximum = 20
	if err := h.db.UpdateActivity(ctx, act); err != nil {
		t.Fatal(err)
	}
	v := h.grade(launch("student"))
	if v.ScoreMaximum != 20 || v.Score == nil || *v.Score.ScoreGiven != 5 || v.Score.ScoreMaximum != 7.5 {
		t.Fatalf("learner's view after the change = %+v (score %+v): want a slider out of 20 and the score out of 7.5", v, v.Score)
	}
	instructor := launch("instructor")
	var rb model.ReadBack
	if st, body := h.apiDo("POST", "/api/v1/grading/readback", instructor, nil, &rb); st != 200 {
		t.Fatalf("read back: %d %s", st, body)
	}
	if rb.Differences != 0 || len(rb.Rows) != 1 || rb.Rows[0].Gradebook == nil || *rb.Rows[0].Gradebook != 5 {
		t.Errorf("read back after the change = %+v (rows %+v): the gradebook holds 5 of 7.5, as ltibox does", rb, rb.Rows)
	}
	resp, body := h.apiGet("/api/v1/grading/export", instructor)
	if resp.StatusCode != 200 || !strings.Contains(body, ",student,5,7.5,Completed,") {
		t.Errorf("CSV after the change (want 5 out of 7.5):\n%s", body)
	}
}
