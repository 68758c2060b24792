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

// TestWebPostToHomeSaysTheRightAddresses: an LMS whose tool URL is ltibox's
// bare address posts there; the page names the login and launch URLs and
// what to do, instead of "Method Not Allowed" (with or without the demo).
func TestWebPostToHomeSaysTheRightAddresses(t *testing.T) {
	for name, opts := range map[string][]harnessOption{"no demo": nil, "demo": {withAPIConfig(func(c *api.Config) { c.Demo = http.NotFoundHandler() })}} {
		h := newHarness(t, opts...)
		resp, err := http.PostForm(h.url+"/", map[string][]string{"id_token": {"x"}, "state": {"y"}})
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: POST / = %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{h.url + "/lti/launch", h.url + "/lti/login", "What to do", "launch.wrong_url"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: POST / page lacks %q:\n%s", name, want, body)
			}
		}
		if strings.Contains(body, "Method Not Allowed") {
			t.Errorf("%s: POST / still says Method Not Allowed", name)
		}
	}
}

// TestWebLoginAtHomeByGET: a login initiation by GET sent to the bare address
// gets the same page (LTI allows GET logins); a plain GET / stays the home
// page, and a stray POST is answered without an LMS warning in the log.
func TestWebLoginAtHomeByGET(t *testing.T) {
	h := newHarness(t)
	resp, body := h.apiGet("/?iss=https%3A%2F%2Flms.example&login_hint=42&target_link_uri=x", "")
	if resp.StatusCode != 400 || !strings.Contains(body, h.url+"/lti/login") || !strings.Contains(body, "launch.wrong_url") {
		t.Errorf("GET login at /: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(h.logs.String(), "iss=https://lms.example") {
		t.Errorf("the log does not name the LMS:\n%s", h.logs.String())
	}
	if resp, body := h.apiGet("/", ""); resp.StatusCode != 200 || !strings.Contains(body, "<h1>ltibox</h1>") {
		t.Errorf("plain GET /: %d", resp.StatusCode)
	}
	before := strings.Count(h.logs.String(), "launch.wrong_url")
	r, err := http.Post(h.url+"/", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 400 || strings.Count(h.logs.String(), "launch.wrong_url") != before {
		t.Errorf("stray POST /: %d, and it was logged as an LMS misconfiguration", r.StatusCode)
	}
}
