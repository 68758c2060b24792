package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/api"
)

// TestWebHomePage: without --demo, / is a small page saying what ltibox is
// and linking the admin console (with and without the UI mounted), not a 404.
func TestWebHomePage(t *testing.T) {
	for name, opts := range map[string][]harnessOption{"ui": {withUI()}, "api only": nil} {
		h := newHarness(t, opts...)
		resp, body := h.apiGet("/", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: GET / = %d %s: %.300s", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		for _, want := range []string{"<h1>ltibox</h1>", "an LTI 1.3 tool", "LMS administrators", `<a href="/admin/">admin console</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: GET / lacks %q:\n%s", name, want, body)
			}
		}
		if strings.Contains(body, "not found") || strings.Contains(body, "Not Found") {
			t.Errorf("%s: GET / still reads as an error:\n%s", name, body)
		}
	}
}

// TestWebHomeDemoRedirects: with --demo, / still leads to the demo LMS.
func TestWebHomeDemoRedirects(t *testing.T) {
	h := newHarness(t, withAPIConfig(func(c *api.Config) { c.Demo = http.NotFoundHandler() }))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(h.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/demo-lms/" {
		t.Errorf("GET / with the demo = %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestNotFoundPageSaysItOnce: the 404 page's text under the heading says
// something new, not Fiber's "Not Found" again.
func TestNotFoundPageSaysItOnce(t *testing.T) {
	h := newHarness(t, withUI())
	resp, body := h.apiGet("/nope", "")
	if resp.StatusCode != 404 || strings.Contains(body, "<p>Not Found</p>") || !strings.Contains(body, "<p>ltibox has no page at this address.</p>") {
		t.Errorf("GET /nope = %d:\n%s", resp.StatusCode, body)
	}
}
