package ltitest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func getPage(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	inputRE  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

func TestDemoPageMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	defer ts.Close()
	p, err := ltitest.New(ltitest.Options{BaseURL: ts.URL + "/demo-lms"})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/demo-lms/", http.StripPrefix("/demo-lms", p.Handler()))
	c := browser(t)

	status, page := getPage(t, c, "GET", ts.URL+"/demo-lms/", nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{
		`<html lang="en">`,
		`<title>Demo LMS — Demo Course 101</title>`,
		`<h1>Demo LMS — Demo Course 101</h1>`,
		`<form method="post" action="/demo-lms/start" target="tool">`,
		`<button type="submit">Launch as instructor (Grace Hopper)</button>`,
		`<button type="submit">Launch as student (Ada Lovelace)</button>`,
		`<iframe name="tool" title="ltibox"`,
		`width="100%" height="600"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "style=", "<style", "http://", "https://"} {
		if strings.Contains(page, banned) {
			t.Errorf("page contains %q (external resource or inline code)", banned)
		}
	}

	if status, _ := getPage(t, c, "POST", ts.URL+"/demo-lms/start", url.Values{"user": {"student"}}); status != http.StatusServiceUnavailable {
		t.Errorf("start without a tool: %d", status)
	}
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	if status, _ := getPage(t, c, "POST", ts.URL+"/demo-lms/start", url.Values{"user": {"ghost"}}); status != http.StatusBadRequest {
		t.Errorf("start for an unknown user: %d", status)
	}

	// Play the browser: /start page -> tool login -> platform auth -> tool launch.
	status, page = getPage(t, c, "POST", ts.URL+"/demo-lms/start", url.Values{"user": {"instructor"}})
	if status != 200 || !strings.Contains(page, `<script src="/demo-lms/autosubmit.js"></script>`) {
		t.Fatalf("start: %d %s", status, page)
	}
	m := actionRE.FindStringSubmatch(page)
	if m == nil || m[1] != ft.srv.URL+"/login" {
		t.Fatalf("start form action %v", m)
	}
	login := url.Values{}
	for _, in := range inputRE.FindAllStringSubmatch(page, -1) {
		login.Set(in[1], htmlUnescape(in[2]))
	}
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.PostForm(m[1], login)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	action, fields, err := p.Authorize(resp.Header.Get("Location"))
	if err != nil || fields.Get("id_token") == "" {
		t.Fatalf("authorize: %v %v", err, fields)
	}
	resp, err = noFollow.PostForm(action, fields)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("launch: %d", resp.StatusCode)
	}
	ft.mu.Lock()
	claims := ft.claims
	ft.mu.Unlock()
	ags, _ := claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"].(map[string]any)
	lis := p.LineItems("course-101")
	if claims["sub"] != "instructor" || ags == nil || len(lis) != 1 || ags["lineitem"] != lis[0].ID ||
		claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] == nil {
		t.Errorf("demo launch claims: sub %v ags %v line items %+v", claims["sub"], ags, lis)
	}
	if !strings.HasPrefix(lis[0].ID, ts.URL+"/demo-lms/ags/") {
		t.Errorf("line item URL %s is not under the mount", lis[0].ID)
	}

	// The driver works through the mount too.
	resp, err = p.Launch(context.Background(), browser(t), ltitest.LaunchSpec{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("Launch under a prefix: %d", resp.StatusCode)
	}

	if status, page := getPage(t, c, "GET", ts.URL+"/demo-lms/return?lti_msg=Saved", nil); status != 200 || !strings.Contains(page, "Saved") {
		t.Errorf("return page: %d %s", status, page)
	}
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+")
	return r.Replace(s)
}
