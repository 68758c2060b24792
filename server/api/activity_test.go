package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

func (h *harness) launchToken(t *testing.T, spec ltitest.LaunchSpec) (string, string) {
	t.Helper()
	resp, body := h.launch(spec)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("launch: %d %.300s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	return sessionToken(t, resp), loc[:strings.Index(loc, "#")]
}

func errorCode(body string) string {
	var env struct{ Error model.Error }
	_ = json.Unmarshal([]byte(body), &env)
	return env.Error.Code
}

// TestActivityAPI_LearnerForbidden: every instructor API answers a learner 403
// and changes nothing.
func TestActivityAPI_LearnerForbidden(t *testing.T) {
	h := newHarness(t)
	reading, _ := h.seeded()
	student, _ := h.launchToken(t, ltitest.LaunchSpec{})
	dl := ltitest.MoodleDeepLinking()
	// A learner who somehow gets a deep-linking launch is refused too.
	learnerDL, _ := h.launchToken(t, ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, DeepLinking: &dl})
	id := fmt.Sprint(reading.ID)
	for _, tt := range []struct {
		method, path, token string
		body                any
	}{
		{"GET", "/api/v1/activities", student, nil},
		{"POST", "/api/v1/activities", student, model.Activity{Title: "Mine"}},
		{"PUT", "/api/v1/activities/" + id, student, model.Activity{Title: "Changed"}},
		{"POST", "/api/v1/activities/" + id + "/duplicate", student, nil},
		{"POST", "/api/v1/activities/" + id + "/archive", student, model.ArchiveActivity{Archived: true}},
		{"POST", "/api/v1/activity/assign", student, model.AssignActivity{ActivityID: reading.ID}},
		{"GET", "/api/v1/deeplink", learnerDL, nil},
		{"POST", "/api/v1/deeplink/response", learnerDL, model.DeepLinkSelection{Items: []model.DeepLinkChoice{{ActivityID: reading.ID}}}},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			st, body := h.apiDo(tt.method, tt.path, tt.token, tt.body, nil)
			if st != 403 || errorCode(body) != model.EFORBIDDEN || !strings.Contains(body, "Only instructors") {
				t.Errorf("learner got %d %s, want 403", st, body)
			}
		})
	}
	list, _ := h.db.Activities(context.Background(), model.ActivityFilter{Library: true, IncludeArchived: true, ContextID: 1})
	if len(list) != 2 || list[0].Archived || list[1].Archived {
		t.Errorf("a learner changed activities: %+v", list)
	}
	if n, _ := h.db.CountDeepLinkTickets(context.Background()); n != 0 {
		t.Errorf("a learner stored %d deep-link tickets", n)
	}
}

// TestActivityAPI_InstructorManagesCourseActivities: create, edit, duplicate,
// archive; the library stays the administrator's; Markdown is rendered and
// sanitized on the server; other courses' activities are invisible.
func TestActivityAPI_InstructorManagesCourseActivities(t *testing.T) {
	h := newHarness(t)
	reading, _ := h.seeded()
	tok, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor"})

	var created model.Activity
	st, body := h.apiDo("POST", "/api/v1/activities", tok, model.Activity{Title: "  Lab 1  ", Graded: true, ScoreMaximum: 20, Tag: "lab",
		Instructions: "Do **this**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"}, &created)
	if st != 201 || created.ID == 0 || created.Title != "Lab 1" || created.ContextID == 0 {
		t.Fatalf("create: %d %s", st, body)
	}
	if h := created.InstructionsHTML; !strings.Contains(h, "<strong>this</strong>") || strings.Contains(h, "<script") || strings.Contains(h, "javascript:") || strings.Contains(h, "onerror") {
		t.Errorf("instructions HTML not rendered or not sanitized: %s", h)
	}
	if st, body := h.apiDo("POST", "/api/v1/activities", tok, model.Activity{Title: "Bad", Graded: true}, nil); st != 400 || !strings.Contains(body, "maximum score") {
		t.Errorf("graded without maximum: %d %s", st, body)
	}

	var updated model.Activity
	if st, body := h.apiDo("PUT", fmt.Sprintf("/api/v1/activities/%d", created.ID), tok, model.Activity{Title: "Lab 1b", Instructions: "# New"}, &updated); st != 200 || updated.Title != "Lab 1b" || updated.Graded || !strings.Contains(updated.InstructionsHTML, "<h1") {
		t.Errorf("update: %d %s", st, body)
	}
	if st, body := h.apiDo("PUT", fmt.Sprintf("/api/v1/activities/%d", reading.ID), tok, model.Activity{Title: "Hijack"}, nil); st != 403 || !strings.Contains(body, "Duplicate it") {
		t.Errorf("editing a library activity: %d %s", st, body)
	}

	var dup model.Activity
	if st, body := h.apiDo("POST", fmt.Sprintf("/api/v1/activities/%d/duplicate", reading.ID), tok, nil, &dup); st != 201 || dup.Title != "Copy of "+reading.Title || dup.ContextID != created.ContextID || dup.ID == reading.ID {
		t.Errorf("duplicate: %d %s", st, body)
	}

	var archived model.Activity
	if st, body := h.apiDo("POST", fmt.Sprintf("/api/v1/activities/%d/archive", dup.ID), tok, model.ArchiveActivity{Archived: true}, &archived); st != 200 || !archived.Archived {
		t.Errorf("archive: %d %s", st, body)
	}
	var list []model.Activity
	h.apiDo("GET", "/api/v1/activities", tok, nil, &list)
	if len(list) != 3 {
		t.Errorf("list after archive has %d activities, want 3 (2 library + Lab 1b)", len(list))
	}
	for _, a := range list {
		if a.ID == dup.ID {
			t.Error("archived activity still listed")
		}
	}
	h.apiDo("GET", "/api/v1/activities?archived=true", tok, nil, &list)
	if len(list) != 4 {
		t.Errorf("list with archived has %d, want 4", len(list))
	}
	if st, _ := h.apiDo("GET", "/api/v1/activities?graded=maybe", tok, nil, nil); st != 400 {
		t.Errorf("bad graded filter: %d", st)
	}

	// Another course cannot see, edit or place this course's activity.
	h.lms.AddCourse(ltitest.Course{ID: "course-202", Title: "Other course"})
	h.lms.Enroll("course-202", "instructor", "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor")
	other, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor", CourseID: "course-202"})
	for _, tt := range []struct{ method, path string }{
		{"PUT", fmt.Sprintf("/api/v1/activities/%d", created.ID)},
		{"POST", fmt.Sprintf("/api/v1/activities/%d/duplicate", created.ID)},
		{"POST", fmt.Sprintf("/api/v1/activities/%d/archive", created.ID)},
	} {
		if st, _ := h.apiDo(tt.method, tt.path, other, model.Activity{Title: "x"}, nil); st != 404 {
			t.Errorf("%s %s from another course: %d, want 404", tt.method, tt.path, st)
		}
	}
	if st, _ := h.apiDo("POST", "/api/v1/activity/assign", other, model.AssignActivity{ActivityID: created.ID}, nil); st != 404 {
		t.Errorf("assigning another course's activity: %d, want 404", st)
	}
}

// TestLinkRouting: custom.activity_id sets the mapping; a link without it uses
// the stored mapping; an unset link tells a learner to ask and lets an
// instructor choose once.
func TestLinkRouting(t *testing.T) {
	h := newHarness(t)
	reading, graded := h.seeded()
	ctx := context.Background()

	// Deep-linked link: custom activity_id → /app/activity and a stored mapping.
	tok, path := h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "dl-a", Custom: map[string]string{"activity_id": fmt.Sprint(graded.ID)}})
	if path != "/app/activity" {
		t.Errorf("landing = %s, want /app/activity", path)
	}
	var got model.LinkActivity
	if st, body := h.apiDo("GET", "/api/v1/activity", tok, nil, &got); st != 200 || !got.SetUp || got.Activity.ID != graded.ID {
		t.Errorf("activity: %d %s", st, body)
	}
	// The same link launched without the custom parameter keeps opening it.
	tok, path = h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "dl-a"})
	h.apiDo("GET", "/api/v1/activity", tok, nil, &got)
	if path != "/app/activity" || got.Activity == nil || got.Activity.ID != graded.ID {
		t.Errorf("stored mapping: landing %s, activity %+v", path, got.Activity)
	}
	// A custom id this course may not use is ignored, not fatal.
	tok, path = h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "bogus", Custom: map[string]string{"activity_id": "424242"}})
	if path != "/app/" || !strings.Contains(h.logs.String(), "launch names an unusable activity") {
		t.Errorf("bogus custom id: landing %s", path)
	}

	// A link made by hand: unset.
	learner, path := h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "by-hand"})
	if path != "/app/" {
		t.Errorf("unset link lands on %s, want the home page", path)
	}
	got = model.LinkActivity{}
	if st, body := h.apiDo("GET", "/api/v1/activity", learner, nil, &got); st != 200 || got.SetUp || got.Message != model.MsgActivityNotSetUp {
		t.Errorf("learner on an unset link: %d %s", st, body)
	}
	if st, _ := h.apiDo("POST", "/api/v1/activity/assign", learner, model.AssignActivity{ActivityID: reading.ID}, nil); st != 403 {
		t.Errorf("learner assign: %d", st)
	}
	teacher, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor", ResourceLinkID: "by-hand"})
	if st, body := h.apiDo("POST", "/api/v1/activity/assign", teacher, model.AssignActivity{}, nil); st != 400 || !strings.Contains(body, "Choose an activity") {
		t.Errorf("assign nothing: %d %s", st, body)
	}
	if st, body := h.apiDo("POST", "/api/v1/activity/assign", teacher, model.AssignActivity{ActivityID: reading.ID}, &got); st != 200 || !got.SetUp || got.Activity.ID != reading.ID {
		t.Errorf("assign: %d %s", st, body)
	}
	if _, path = h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "by-hand"}); path != "/app/activity" {
		t.Errorf("after the choice the learner lands on %s", path)
	}
	if st, body := h.apiDo("GET", "/api/v1/activity", learner, nil, &got); st != 200 || got.Activity == nil || got.Activity.ID != reading.ID {
		t.Errorf("learner after assign: %d %s", st, body)
	}
	rl, err := h.db.ResourceLinkOf(ctx, h.reg.ID, "1", "by-hand")
	if err != nil || rl.ActivityID != reading.ID || rl.ContextID == 0 {
		t.Errorf("stored link = %+v, %v", rl, err)
	}
	// No resource link (deep-linking session): no activity to show.
	dl := ltitest.MoodleDeepLinking()
	dlTok, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor", MessageType: ltitest.MessageDeepLinking, DeepLinking: &dl})
	if st, _ := h.apiDo("GET", "/api/v1/activity", dlTok, nil, nil); st != 400 {
		t.Errorf("activity of a deep-linking session: %d", st)
	}
}

// A deep-linked custom activity_id owned by another course is recorded without
// its activity (the launch itself stays valid): a course cannot open another
// course's activity by editing a custom parameter in its LMS.
func TestLaunch_OtherCoursesActivityIsNotOpened(t *testing.T) {
	h := newHarness(t)
	h.lms.AddCourse(ltitest.Course{ID: "course-202", Label: "OTHER", Title: "Other course"})
	h.lms.Enroll("course-202", "instructor", ltitest.RoleInstructor)
	_, _ = h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor", CourseID: "course-202", ResourceLinkID: "x"})
	sess, _ := h.db.ResourceLinkOf(context.Background(), h.reg.ID, "1", "x")
	secret := &model.Activity{Title: "Other course's quiz", ContextID: sess.ContextID}
	if err := h.db.CreateActivity(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	_, path := h.launchToken(t, ltitest.LaunchSpec{ResourceLinkID: "steal", Custom: map[string]string{"activity_id": fmt.Sprint(secret.ID)}})
	rl, err := h.db.ResourceLinkOf(context.Background(), h.reg.ID, "1", "steal")
	if path != "/app/" || err != nil || rl.ActivityID != 0 || !strings.Contains(h.logs.String(), "launch names an unusable activity") {
		t.Errorf("another course's activity: landing %s, link %+v, %v", path, rl, err)
	}
}

// TestActivityAPI_Dates: optional start and end dates arrive as RFC 3339 (any
// offset), round-trip through create, edit and list, clear when omitted, and an
// end before the start is refused with the store's message and nothing stored.
func TestActivityAPI_Dates(t *testing.T) {
	h := newHarness(t)
	h.seeded()
	tok, _ := h.launchToken(t, ltitest.LaunchSpec{UserID: "instructor"})
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	same := func(got, want *time.Time) bool {
		return (got == nil) == (want == nil) && (got == nil || got.Equal(*want))
	}

	// A raw body, as the UI sends it: times with the browser's offset.
	start, end := at("2026-03-01T09:00:00+01:00"), at("2026-03-08T17:30:00+01:00")
	var created model.Activity
	st, body := h.apiDo("POST", "/api/v1/activities", tok,
		json.RawMessage(`{"title":"Dated","startAt":"2026-03-01T09:00:00+01:00","endAt":"2026-03-08T17:30:00+01:00"}`), &created)
	if st != 201 || !same(created.StartAt, start) || !same(created.EndAt, end) {
		t.Fatalf("create with dates: %d %s", st, body)
	}
	count := func() int {
		list, _ := h.db.Activities(context.Background(), model.ActivityFilter{Library: true, IncludeArchived: true, ContextID: created.ContextID})
		return len(list)
	}
	stored, err := h.db.Activity(context.Background(), created.ID)
	if err != nil || !same(stored.StartAt, start) || !same(stored.EndAt, end) {
		t.Errorf("stored dates = %v %v (%v), want %v %v", stored.StartAt, stored.EndAt, err, start, end)
	}
	var list []model.Activity
	h.apiDo("GET", "/api/v1/activities", tok, nil, &list)
	for _, a := range list {
		if a.ID == created.ID && (!same(a.StartAt, start) || !same(a.EndAt, end)) {
			t.Errorf("listed dates = %v %v", a.StartAt, a.EndAt)
		}
	}

	// Edit: move the end, clear the start.
	path := fmt.Sprintf("/api/v1/activities/%d", created.ID)
	newEnd := at("2026-04-01T12:00:00Z")
	var updated model.Activity
	if st, body := h.apiDo("PUT", path, tok, model.Activity{Title: "Dated", EndAt: newEnd}, &updated); st != 200 || updated.StartAt != nil || !same(updated.EndAt, newEnd) {
		t.Errorf("edit dates: %d %s", st, body)
	}

	// End before start: 400 with the store's message; nothing created or changed.
	before := count()
	bad := model.Activity{Title: "Backwards", StartAt: at("2026-05-02T10:00:00Z"), EndAt: at("2026-05-01T10:00:00Z")}
	for _, tt := range []struct{ method, path string }{{"POST", "/api/v1/activities"}, {"PUT", path}} {
		st, body := h.apiDo(tt.method, tt.path, tok, bad, nil)
		if st != 400 || errorCode(body) != model.EINVALID || !strings.Contains(body, "The end date is before the start date.") {
			t.Errorf("%s end before start: %d %s, want 400 with the message", tt.method, st, body)
		}
	}
	if n := count(); n != before {
		t.Errorf("refused create stored an activity: %d activities, want %d", n, before)
	}
	if a, _ := h.db.Activity(context.Background(), created.ID); a.Title != "Dated" || a.StartAt != nil || !same(a.EndAt, newEnd) {
		t.Errorf("refused edit changed the activity: %+v", a)
	}
}
