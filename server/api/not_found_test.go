package api_test

import (
	"strings"
	"testing"
)

// A mistyped or stale address inside the iframe gets the server's error page
// (what happened, what to do), not go-app's plain-text 404.
func TestWebUnknownPageIsReadable(t *testing.T) {
	h := newHarness(t, withUI())
	for _, p := range []string{"/nope", "/app/nope"} {
		resp, body := h.apiGet(p, "")
		if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, "Page not found") || !strings.Contains(body, "open ltibox from your course") {
			t.Errorf("GET %s = %d %s: %.300s", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, _ := h.apiGet("/app/", ""); resp.StatusCode != 200 {
		t.Errorf("GET /app/ = %d, want the app", resp.StatusCode)
	}
}
