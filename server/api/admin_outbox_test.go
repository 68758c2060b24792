package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_OutboxStatusAndRetry: scores the LMS refused show as failed
// with the LMS's answer; after the fix, Retry delivers them. Only a signed-in
// admin with the CSRF token may requeue.
func TestConsole_OutboxStatusAndRetry(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.signedIn()
	tok, li := h.gradedLaunch("student")
	h.grade(tok)
	h.lms.SetOutage("/ags/", http.StatusBadRequest)
	startOutbox(h)
	seven := 7.0
	if resp, body := h.apiSend("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ScoreGiven: &seven}); resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	total := h.queued()
	waitFor(t, "the refusals", func() bool {
		counts, _ := h.db.CountOutbox(context.Background())
		return counts[model.DeliveryFailed] == total
	})
	resp, body := h.consoleCall("GET", "/api/admin/outbox", cookie, "", "")
	var st model.OutboxStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("outbox status: %d %s", resp.StatusCode, body)
	}
	if st.Counts[model.DeliveryFailed] != total || len(st.Items) != total || st.Items[0].Score.Delivery.LastStatus != 400 || st.Items[0].Subject != "student" {
		t.Fatalf("outbox status = %s", body)
	}
	// An admin tells held scores apart by their LMS and course.
	for _, it := range st.Items {
		if it.PlatformName != "Test LMS" || it.CourseTitle != "Demo Course 101" {
			t.Errorf("outbox item %d: platform %q, course %q; want Test LMS, Demo Course 101", it.ID, it.PlatformName, it.CourseTitle)
		}
	}
	if resp, _ := h.consoleCall("GET", "/api/admin/outbox", "", "", ""); resp.StatusCode != 401 {
		t.Errorf("outbox without a session = %d", resp.StatusCode)
	}
	if resp, _ := h.consoleCall("POST", "/api/admin/outbox/retry", cookie, "", ""); resp.StatusCode != 403 {
		t.Errorf("retry without CSRF = %d", resp.StatusCode)
	}
	if counts, _ := h.db.CountOutbox(context.Background()); counts[model.DeliveryFailed] != total {
		t.Errorf("a refused retry changed the outbox: %v", counts)
	}
	// Retrying one score while the LMS still refuses answers with what the
	// LMS said this time, and when: the retry is not silently a no-op.
	one := st.Items[0]
	resp, body = h.consoleCall("POST", "/api/admin/outbox/retry", cookie, csrf, fmt.Sprintf(`{"ids":[%d]}`, one.ID))
	var again model.OutboxRetry
	if err := json.Unmarshal([]byte(body), &again); err != nil || resp.StatusCode != 200 {
		t.Fatalf("retry one: %d %s", resp.StatusCode, body)
	}
	if len(again.Items) != 1 || again.Requeued != 1 {
		t.Fatalf("retry one answered %s, want the item as the LMS left it", body)
	}
	if d := again.Items[0].Score.Delivery; d.State != model.DeliveryFailed || d.Attempts != 1 || d.LastStatus != 400 || d.LastAttemptAt == nil ||
		(one.Score.Delivery.LastAttemptAt != nil && d.LastAttemptAt.Before(*one.Score.Delivery.LastAttemptAt)) {
		t.Errorf("after retrying one while the LMS refuses: %+v (before: %+v)", d, one.Score.Delivery)
	}
	h.lms.EndOutage()
	if resp, body := h.consoleCall("POST", "/api/admin/outbox/retry", cookie, csrf, ""); resp.StatusCode != 200 || !strings.Contains(body, `"requeued":`) {
		t.Fatalf("retry = %d %s", resp.StatusCode, body)
	}
	waitFor(t, "delivery after retry", func() bool {
		counts, _ := h.db.CountOutbox(context.Background())
		return counts[model.DeliveryDelivered] == total
	})
	if n := len(h.lms.Scores(li)); n == 0 {
		t.Errorf("the gradebook received nothing")
	}
}
