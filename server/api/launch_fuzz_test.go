package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// FuzzLaunchClaim: whatever a platform puts in one claim of a correctly
// signed id_token — a value of the wrong type, an empty or odd one, a deleted
// claim or claim field — ltibox either launches (303 into the app) or answers
// with a readable HTML page saying what to do, and then stores no session.
// Never a 500, a panic or raw JSON in the browser. The platform signs each
// token with its own key, so the claims reach every check after the signature.
//
// path names a claim, or a field inside one after '#'
// ("…/claim/context#id"); value is JSON (anything else is taken as a
// string); the value "<delete>" removes the claim or field. `make test` runs
// the seeds below; `make fuzz` searches further.
func FuzzLaunchClaim(f *testing.F) {
	seeds := []struct{ path, value string }{
		{lti.ClaimRoles, `"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"`},
		{lti.ClaimRoles, `[1, null, {}]`},
		{lti.ClaimRoles, `null`},
		{lti.ClaimContext, `"course-101"`},
		{lti.ClaimContext, `[]`},
		{lti.ClaimContext + "#id", `101`},
		{lti.ClaimContext + "#id", `""`},
		{lti.ClaimContext + "#title", `{"en": "Biology"}`},
		{lti.ClaimContext + "#type", `"CourseOffering"`},
		{lti.ClaimResourceLink, `"link"`},
		{lti.ClaimResourceLink + "#id", `7`},
		{lti.ClaimResourceLink + "#id", `<delete>`},
		{lti.ClaimResourceLink + "#title", `[]`},
		{lti.ClaimDeploymentID, `1`},
		{lti.ClaimDeploymentID, `""`},
		{lti.ClaimTargetLinkURI, `5`},
		{lti.ClaimTargetLinkURI, `"javascript:alert(1)"`},
		{lti.ClaimMessageType, `7`},
		{lti.ClaimMessageType, `"LtiDeepLinkingRequest"`},
		{lti.ClaimMessageType, `"LtiSubmissionReviewRequest"`},
		{lti.ClaimVersion, `1.3`},
		{lti.ClaimCustom, `"x"`},
		{lti.ClaimCustom, `{"a": {"b": [1, 2]}, "c": null}`},
		{lti.ClaimLaunchPresent, `{"return_url": 5, "document_target": []}`},
		{lti.ClaimLaunchPresent + "#return_url", `"javascript:alert(1)"`},
		{lti.ClaimToolPlatform, `"Moodle"`},
		{lti.ClaimAGS, `{"scope": "x", "lineitems": 5}`},
		{lti.ClaimAGS, `{"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": "not a url"}`},
		{lti.ClaimNRPS, `{"context_memberships_url": "javascript:alert(1)", "service_versions": "2.0"}`},
		{lti.ClaimNRPS, `[]`},
		{lti.ClaimDLSettings, `{"deep_link_return_url": 5}`},
		{"https://purl.imsglobal.org/spec/lti/claim/lis", `[]`},
		{"sub", `5`},
		{"sub", `""`},
		{"sub", `<delete>`},
		{"name", `123`},
		{"email", `{"a": 1}`},
		{"locale", `[]`},
		{"picture", `"javascript:alert(1)"`},
		{"exp", `"tomorrow"`},
		{"exp", `1e30`},
		{"iat", `-1`},
		{"nbf", `9e18`},
		{"aud", `["tool-1", "someone-else"]`},
		{"aud", `[]`},
		{"azp", `5`},
		{"nonce", `5`},
		{"iss", `["a"]`},
	}
	for _, s := range seeds {
		f.Add(s.path, []byte(s.value))
	}
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, path string, value []byte) {
		var v any
		if err := json.Unmarshal(value, &v); err != nil {
			v = string(value)
		}
		spec := ltitest.LaunchSpec{Mutate: func(c map[string]any) { setClaim(c, path, v) }}
		sessions := func() int {
			n, err := h.db.CountSessions(context.Background()) // not h.count: no F methods in here
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		sessionsBefore := sessions()
		resp, err := h.lms.Launch(context.Background(), h.browser(), spec)
		if err != nil {
			t.Fatalf("launch with %s = %s: %v", path, value, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode == http.StatusSeeOther {
			if !strings.Contains(resp.Header.Get("Location"), "#session=") {
				t.Errorf("%s = %s: 303 to %q, not into the app", path, value, resp.Header.Get("Location"))
			}
			return
		}
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s = %s: status %d, want a launch (303) or a rejection (4xx): %.300s", path, value, resp.StatusCode, page)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s = %s: Content-Type %q, want a readable page: %.300s", path, value, ct, page)
		}
		if !strings.Contains(page, "What to do") || strings.Contains(page, "goroutine ") {
			t.Errorf("%s = %s: the page gives no next step: %.500s", path, value, page)
		}
		if n := sessions(); n != sessionsBefore {
			t.Errorf("%s = %s: rejected (%d) yet %d session(s) stored", path, value, resp.StatusCode, n-sessionsBefore)
		}
	})
}

// setClaim sets (or, for "<delete>", removes) the claim path names: a claim,
// or a field of a claim after '#'. A field of a claim that is not an object
// replaces the claim with an object holding just that field.
func setClaim(c map[string]any, path string, v any) {
	name, field, nested := strings.Cut(path, "#")
	if !nested {
		if v == "<delete>" {
			delete(c, name)
			return
		}
		c[name] = v
		return
	}
	m, ok := c[name].(map[string]any)
	if !ok {
		m = map[string]any{}
		c[name] = m
	}
	if v == "<delete>" {
		delete(m, field)
		return
	}
	m[field] = v
}
