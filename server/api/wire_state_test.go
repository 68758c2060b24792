package api_test

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/server/outbox"
	"github.com/ltibox/ltibox/sqlite"
)

// wireWorld is ltibox driven through real launches, scores and console
// calls into a state where the UI's answers have their fields filled, so
// that the wire-contract test can tell a field never sent from one that is
// empty today. Tokens and ids are the ones its rows need.
type wireWorld struct {
	*harness
	teacher   string // instructor on rl-1: AGS (with line item), NRPS, activity set up
	student   string // learner on rl-1, with a delivered score the teacher corrected
	unset     string // learner on rl-2, a link no activity was chosen for
	keptT     string // instructor on a link placed without a gradebook column
	keptL     string // learner on that link
	picker    string // instructor in a deep-linking request
	course    *model.Activity
	spare     *model.Activity // a course activity to archive
	reading   *model.Activity // the library's reading
	libItem   *model.Activity // a library activity the console edits
	pendingID int64           // a registration waiting for approval (same issuer as Test LMS)
	oldID     int64           // a registration to delete
	failed    int64           // an outbox item the LMS refused
	failedLog int64           // a launch refused for its unknown deployment
}

// newWireWorld builds the state; see wireWorld.
func newWireWorld(t *testing.T) *wireWorld {
	h := newHarness(t)
	w := &wireWorld{harness: h}
	ctx := context.Background()
	// Launches from Test LMS name its product (preset) in the launch log.
	h.reg.Preset = lti.PresetMoodle
	if err := h.db.UpdateRegistration(ctx, h.reg); err != nil {
		t.Fatal(err)
	}
	urls := h.tool.URLs()
	h.lms.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", DeploymentIDs: []string{"1", "7", "8"}, LoginURL: urls.LoginURL,
		RedirectURIs: []string{urls.RedirectURL}, TargetLinkURI: urls.TargetLinkURI, JWKSURL: urls.JWKSURL})
	for _, id := range []string{"learner-2", "learner-3", "learner-4"} {
		h.lms.AddUser(ltitest.User{ID: id, Name: "Learner " + id, GivenName: "Learner", FamilyName: id, Email: id + "@example.edu",
			Roles: []string{ltitest.RoleLearner}})
		h.lms.Enroll("course-101", id)
	}
	h.lms.AddResourceLink("course-101", "rl-2", "Activity 2")

	// A link placed without a gradebook column keeps its scores in ltibox
	// (placed first: placeGraded wants the library as seeded).
	h.placeGraded(t, false)
	spec, err := h.lms.LinkLaunch(0, "instructor")
	if err != nil {
		t.Fatal(err)
	}
	w.keptT, _ = h.launchToken(t, spec)
	spec.UserID = "student"
	w.keptL, _ = h.launchToken(t, spec)
	w.picker = h.dlLaunch(t, ltitest.DeepLinkSettings{AcceptTypes: []string{lti.ContentLTIResourceLink},
		AcceptPresentationDocumentTargets: []string{"iframe", "window"}, AcceptMultiple: true, AcceptLineItem: true, AutoCreate: true,
		Title: "Week 3", Text: "Pick this week's activities"})
	w.reading, _ = h.seeded()

	li := h.lms.AddLineItem("course-101", ltitest.LineItem{Label: "Activity 1", ScoreMaximum: 10, ResourceLinkID: "rl-1"})
	launch := func(user string) string {
		tok, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: user, WithAGS: true, WithNRPS: true, LineItemID: path.Base(li)})
		return tok
	}
	w.teacher, w.student = launch("instructor"), launch("student")
	w.unset, _ = h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "rl-2", ResourceLinkTitle: "Activity 2"})
	start, end := time.Now().Add(-24*time.Hour).UTC(), time.Now().Add(30*24*time.Hour).UTC()
	w.course = w.newActivity(model.Activity{Title: "Reflection", Instructions: "Write **one** paragraph.", Graded: true,
		ScoreMaximum: 10, Tag: "week-3", StartAt: &start, EndAt: &end})
	w.spare = w.newActivity(model.Activity{Title: "Spare", Instructions: "Old.", Tag: "old"})
	if st, body := h.apiDo("POST", "/api/v1/activity/assign", w.teacher, model.AssignActivity{ActivityID: w.course.ID}, nil); st != 200 {
		t.Fatalf("assign: %d %s", st, body)
	}

	// Scores in every delivery state: the student's delivered and corrected,
	// learner-2's retrying (the LMS was down), learner-3's refused.
	wk := outbox.New(h.db, h.tool, outbox.Config{BaseDelay: time.Hour, MaxDelay: time.Hour, Poll: 50 * time.Millisecond})
	h.srv.SetOutbox(wk)
	wk.Start(ctx)
	t.Cleanup(wk.Stop)
	w.score(w.student, 7)
	w.waitStates(map[string]int{model.DeliveryDelivered: 1})
	eight := 8.0
	if st, body := h.apiDo("POST", "/api/v1/grading/scores", w.teacher, model.ScoreEdit{UserID: w.userID(w.student), ScoreGiven: &eight, Comment: "Well argued."}, nil); st != 201 {
		t.Fatalf("correct the score: %d %s", st, body)
	}
	w.waitStates(map[string]int{model.DeliveryDelivered: 2})
	h.lms.SetOutage("/ags/", http.StatusServiceUnavailable)
	w.score(launch("learner-2"), 5)
	w.waitStates(map[string]int{model.DeliveryDelivered: 2, model.DeliveryRetrying: 1})
	h.lms.EndOutage() // the first rule wins
	h.lms.SetOutage("/ags/", http.StatusBadRequest)
	w.score(launch("learner-3"), 3)
	w.waitStates(map[string]int{model.DeliveryDelivered: 2, model.DeliveryRetrying: 1, model.DeliveryFailed: 1})
	h.lms.EndOutage()
	items, err := h.db.OutboxItems(ctx, sqlite.OutboxFilter{States: []string{model.DeliveryFailed}})
	if err != nil || len(items) != 1 {
		t.Fatalf("failed outbox items: %v %v", items, err)
	}
	w.failed = items[0].ID
	w.score(w.keptL, 6) // kept in ltibox

	// A roster loaded once, then refreshed after learner-4 left the course.
	h.refresh(w.teacher, "")
	h.lms.RemoveMember("course-101", "learner-4")
	h.refresh(w.teacher, "?full=1")
	// A newcomer since, for the next (incremental) refresh to receive.
	h.lms.AddUser(ltitest.User{ID: "learner-5", Name: "Learner learner-5", Roles: []string{ltitest.RoleLearner}})
	h.lms.Enroll("course-101", "learner-5")

	// Waiting for approval: two deployments an LMS launched from, and a
	// second registration of Test LMS's issuer.
	for _, dep := range []string{"7", "8"} {
		resp, body := h.launch(ltitest.LaunchSpec{DeploymentID: dep})
		h.rejectedAllowingSessions(t, resp, body, 403, "launch.deployment_unknown")
	}
	attempts, err := h.db.LaunchAttempts(ctx, 1)
	if err != nil || len(attempts) != 1 {
		t.Fatalf("launch log: %v %v", attempts, err)
	}
	w.failedLog = attempts[0].ID
	w.pendingID = w.newPlatform(model.PlatformInput{Name: "Test LMS sandbox", Issuer: h.lms.Issuer(), ClientID: "tool-2",
		AuthURL: h.lms.AuthURL(), TokenURL: h.lms.TokenURL(), TokenAudience: h.lms.TokenURL(), JWKSURL: h.lms.JWKSURL(),
		Preset: lti.PresetMoodle, Status: lti.StatusPending, Deployments: []string{"1"}})
	w.oldID = w.newPlatform(model.PlatformInput{Name: "Old LMS", Issuer: "https://old.example.edu", ClientID: "old",
		AuthURL: "https://old.example.edu/auth", TokenURL: "https://old.example.edu/token", JWKSURL: "https://old.example.edu/jwks"})
	lib := model.Activity{Title: "Library quiz", Instructions: "Answer *all*.", Graded: true, ScoreMaximum: 20, Tag: "quiz",
		StartAt: &start, EndAt: &end}
	if st, body := h.adminCall("POST", "/api/admin/activities", "admin-secret", mustJSON(lib)); st != 201 {
		t.Fatalf("library activity: %d %s", st, body)
	} else {
		w.libItem = ptr(decode[model.Activity](t, body))
	}
	return w
}

// newActivity creates a course activity as the teacher.
func (w *wireWorld) newActivity(a model.Activity) *model.Activity {
	w.t.Helper()
	var out model.Activity
	if st, body := w.apiDo("POST", "/api/v1/activities", w.teacher, a, &out); st != 201 {
		w.t.Fatalf("create activity: %d %s", st, body)
	}
	return &out
}

// newPlatform registers a platform with the admin token and returns its id.
func (w *wireWorld) newPlatform(in model.PlatformInput) int64 {
	w.t.Helper()
	st, body := w.adminCall("POST", "/api/admin/platforms", "admin-secret", mustJSON(in))
	if st != 201 {
		w.t.Fatalf("create platform: %d %s", st, body)
	}
	return decode[model.Platform](w.t, body).ID
}

// score submits a learner's score for their launch's activity.
func (w *wireWorld) score(tok string, v float64) {
	w.t.Helper()
	g := w.grade(tok)
	if st, body := w.apiDo("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: g.ActivityID, ScoreGiven: &v}, nil); st != 201 {
		w.t.Fatalf("score: %d %s", st, body)
	}
}

// delivered waits until the student's latest score reached the gradebook
// (a wireCall's after).
func (w *wireWorld) delivered(t *testing.T, _ *http.Response) {
	waitFor(t, "the student's score delivered", func() bool {
		g := w.grade(w.student)
		return g.Score != nil && g.Score.Delivery.State == model.DeliveryDelivered
	})
}

// userID is the ltibox user id of a launch.
func (w *wireWorld) userID(tok string) int64 {
	w.t.Helper()
	var s model.Session
	if st, body := w.apiDo("GET", "/api/v1/session", tok, nil, &s); st != 200 {
		w.t.Fatalf("session: %d %s", st, body)
	}
	return s.User.ID
}

// waitStates waits until the outbox holds these counts for these states.
func (w *wireWorld) waitStates(want map[string]int) {
	w.t.Helper()
	waitFor(w.t.(*testing.T), fmt.Sprintf("outbox counts %v", want), func() bool {
		counts, err := w.db.CountOutbox(context.Background())
		for state, n := range want {
			if err != nil || counts[state] != n {
				return false
			}
		}
		return true
	})
}

func ptr[T any](v T) *T { return &v }
