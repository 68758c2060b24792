package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// consoleCall runs one request with a console cookie and CSRF header (either may be empty).
func (h *harness) consoleCall(method, path, cookie, csrf, body string) (*http.Response, string) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", "ltibox_admin="+cookie)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := h.srv.App().Test(req, -1)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, readBody(h.t, resp)
}

// signedIn runs first-run setup and returns the session cookie and CSRF token.
func (h *harness) signedIn() (cookie, csrf string) {
	h.t.Helper()
	resp, body := h.consoleCall("POST", "/api/admin/setup", "", "", `{"username":"root","password":"correct horse battery","setupCode":"admin-secret"}`)
	if resp.StatusCode != 201 {
		h.t.Fatalf("setup = %d %s", resp.StatusCode, body)
	}
	return cookieValue(h.t, resp), csrfOf(h.t, body)
}

func cookieValue(t testing.TB, resp *http.Response) string {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "ltibox_admin" {
			return c.Value
		}
	}
	t.Fatalf("no ltibox_admin cookie in %v", resp.Header["Set-Cookie"])
	return ""
}

func csrfOf(t testing.TB, body string) string {
	t.Helper()
	var s struct {
		CSRFToken string `json:"csrfToken"`
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil || s.CSRFToken == "" {
		t.Fatalf("no csrf token in %s", body)
	}
	return s.CSRFToken
}

func (h *harness) admins() int {
	h.t.Helper()
	n, err := h.db.CountAdmins(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestConsole_SetupAndSession(t *testing.T) {
	h := newHarness(t)
	if _, body := h.consoleCall("GET", "/api/admin/status", "", "", ""); !strings.Contains(body, `"setupRequired":true`) {
		t.Fatalf("status before setup: %s", body)
	}
	// Without the setup code (the admin token only the operator can read), nobody becomes admin.
	for _, code := range []string{"", "guess"} {
		resp, body := h.consoleCall("POST", "/api/admin/setup", "", "", `{"username":"root","password":"correct horse battery","setupCode":"`+code+`"}`)
		if resp.StatusCode != 403 || !strings.Contains(body, "setup code is not right") || h.admins() != 0 || len(resp.Cookies()) != 0 {
			t.Fatalf("setup with code %q: %d %s (%d admins)", code, resp.StatusCode, body, h.admins())
		}
	}
	// A weak password is refused and nothing is stored.
	resp, body := h.consoleCall("POST", "/api/admin/setup", "", "", `{"username":"root","password":"short","setupCode":"admin-secret"}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "at least 10 characters") || h.admins() != 0 {
		t.Fatalf("weak password: %d %s (%d admins)", resp.StatusCode, body, h.admins())
	}
	resp, body = h.consoleCall("POST", "/api/admin/setup", "", "", `{"username":"root","password":"correct horse battery","setupCode":"admin-secret"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("setup = %d %s", resp.StatusCode, body)
	}
	sc := strings.Join(resp.Header["Set-Cookie"], "\n")
	for _, want := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie lacks %s: %s", want, sc)
		}
	}
	cookie, csrf := cookieValue(t, resp), csrfOf(t, body)
	// Setup closes after the first administrator.
	if resp, body := h.consoleCall("POST", "/api/admin/setup", "", "", `{"username":"evil","password":"another long password","setupCode":"admin-secret"}`); resp.StatusCode != 409 || h.admins() != 1 {
		t.Errorf("second setup = %d %s", resp.StatusCode, body)
	}
	if _, body := h.consoleCall("GET", "/api/admin/status", cookie, "", ""); !strings.Contains(body, `"setupRequired":false,"signedIn":true`) {
		t.Errorf("status after setup: %s", body)
	}
	if _, body := h.consoleCall("GET", "/api/admin/session", cookie, "", ""); csrfOf(t, body) != csrf {
		t.Errorf("session CSRF differs from the login CSRF")
	}
	// The session tells the console how often to count again what waits
	// for approval: on signing in and on a reload (the default minute).
	_, again := h.consoleCall("GET", "/api/admin/session", cookie, "", "")
	for _, body := range []string{body, again} {
		if !strings.Contains(body, `"pendingRefreshMs":60000`) {
			t.Errorf("session without the approval count's refresh: %s", body)
		}
	}
	// Logout ends the session.
	if resp, _ := h.consoleCall("POST", "/api/admin/logout", cookie, csrf, ""); resp.StatusCode != 204 {
		t.Errorf("logout = %d", resp.StatusCode)
	}
	if resp, _ := h.consoleCall("GET", "/api/admin/platforms", cookie, "", ""); resp.StatusCode != 401 {
		t.Errorf("after logout = %d, want 401", resp.StatusCode)
	}
}

// TestConsole_RefusesWithoutSessionOrCSRF: the admin API needs the admin token
// or a live console session, and unsafe requests need the CSRF token too.
func TestConsole_RefusesWithoutSessionOrCSRF(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.signedIn()
	const platform = `{"name":"M","issuer":"https://m.example","clientId":"c1","authUrl":"https://m.example/a","tokenUrl":"https://m.example/t","jwksUrl":"https://m.example/j","deployments":["1"]}`
	scenarios := []struct {
		name, method, path, cookie, csrf, body string
		status                                 int
		words                                  string
	}{
		{"no session", "GET", "/api/admin/platforms", "", "", "", 401, "console sign-in"},
		{"forged session", "GET", "/api/admin/platforms", "forged", "", "", 401, "Sign in"},
		{"POST without CSRF", "POST", "/api/admin/platforms", cookie, "", platform, 403, "CSRF"},
		{"POST with wrong CSRF", "POST", "/api/admin/platforms", cookie, "00" + csrf[2:], platform, 403, "CSRF"},
		{"DELETE without CSRF", "DELETE", "/api/admin/platforms/1", cookie, "", "", 403, "CSRF"},
		{"CSRF without session", "POST", "/api/admin/keys/rotate", "", csrf, "", 401, "console sign-in"},
		{"GET with session", "GET", "/api/admin/platforms", cookie, "", "", 200, h.lms.Issuer()},
		{"POST with session and CSRF", "POST", "/api/admin/platforms", cookie, csrf, platform, 201, `"clientId":"c1"`},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			regs, _, _ := h.counts()
			resp, body := h.consoleCall(sc.method, sc.path, sc.cookie, sc.csrf, sc.body)
			if resp.StatusCode != sc.status || !strings.Contains(body, sc.words) {
				t.Errorf("%s %s = %d %s; want %d with %q", sc.method, sc.path, resp.StatusCode, body, sc.status, sc.words)
			}
			if after, _, _ := h.counts(); sc.status >= 400 && after != regs {
				t.Errorf("refused request changed the registrations: %d → %d", regs, after)
			}
		})
	}
	// The admin token for scripts still works, without CSRF.
	if st, body := h.adminCall("GET", "/api/admin/platforms", "admin-secret", ""); st != 200 {
		t.Errorf("admin token = %d %s", st, body)
	}
	// Sessions expire.
	h.clock.Advance(13 * time.Hour)
	if resp, body := h.consoleCall("GET", "/api/admin/platforms", cookie, "", ""); resp.StatusCode != 401 || !strings.Contains(body, "expired") {
		t.Errorf("expired session = %d %s", resp.StatusCode, body)
	}
}

func TestConsole_LoginRateLimit(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	for i := 0; i < 5; i++ {
		if resp, body := h.consoleCall("POST", "/api/admin/login", "", "", `{"username":"root","password":"wrong password!"}`); resp.StatusCode != 401 || !strings.Contains(body, "Wrong username or password") {
			t.Fatalf("attempt %d = %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := h.consoleCall("POST", "/api/admin/login", "", "", `{"username":"root","password":"correct horse battery"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed sign-in attempts") {
		t.Fatalf("after 5 failures = %d %s", resp.StatusCode, body)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("a rate-limited login set a cookie")
	}
	h.clock.Advance(16 * time.Minute)
	resp, body = h.consoleCall("POST", "/api/admin/login", "", "", `{"username":"root","password":"correct horse battery"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("after the window = %d %s", resp.StatusCode, body)
	}
	cookie, csrf := cookieValue(t, resp), csrfOf(t, body)
	if resp, _ := h.consoleCall("POST", "/api/admin/keys/rotate", cookie, csrf, ""); resp.StatusCode != 201 {
		t.Errorf("rotate with a fresh login = %d", resp.StatusCode)
	}
}
