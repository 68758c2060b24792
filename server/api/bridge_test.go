package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func withLMSOptions(o ltitest.Options) harnessOption {
	return func(c *harnessConfig) { c.lmsOpts = o }
}

// storageHarness is ltibox with an LMS that offers platform storage in a named
// frame, as Canvas does.
func storageHarness(t testing.TB) *harness {
	return newHarness(t, withLMSOptions(ltitest.Options{StorageTarget: "post_message_forwarding"}))
}

var (
	bridgeMainRE = regexp.MustCompile(`<main id="bridge"([^>]*)>`)
	dataAttrRE   = regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`)
	inputRE      = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// bridgeData reads the data- attributes of a bridge page, as bridge.js does.
func bridgeData(t testing.TB, body string) map[string]string {
	t.Helper()
	m := bridgeMainRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("not a bridge page: %.400s", body)
	}
	out := map[string]string{}
	for _, a := range dataAttrRE.FindAllStringSubmatch(m[1], -1) {
		out[a[1]] = html.UnescapeString(a[2])
	}
	return out
}

func hiddenInputs(body string) url.Values {
	v := url.Values{}
	for _, in := range inputRE.FindAllStringSubmatch(body, -1) {
		v.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return v
}

// storageRun is one launch through platform storage, by a browser that keeps
// no cookie for ltibox in the LMS frame. It plays what bridge.js and the
// platform's storage frame do, so each step can be inspected or tampered with.
type storageRun struct {
	h        *harness
	client   *http.Client      // no cookie jar: the frame keeps nothing
	storage  map[string]string // the platform's storage for ltibox's origin
	login    map[string]string // data of the login bridge page
	launch   map[string]string // data of the launch bridge page
	complete url.Values        // the form the launch page posts
}

// start runs the login (bridge page, storage put) and the platform's auth,
// and posts the id_token to the launch URL, which answers the launch page.
func (h *harness) storageStart(spec ltitest.LaunchSpec) *storageRun {
	h.t.Helper()
	r := &storageRun{h: h, client: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		storage: map[string]string{}}
	form := h.lms.LoginForm(spec)
	if form.Get("lti_storage_target") == "" {
		h.t.Fatal("the LMS does not offer platform storage")
	}
	resp, err := r.client.PostForm(h.tool.LoginURL(), form)
	if err != nil {
		h.t.Fatal(err)
	}
	body := readBody(h.t, resp)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("storage login: status %d: %.300s", resp.StatusCode, body)
	}
	r.login = bridgeData(h.t, body)
	if r.login["step"] != "login" {
		h.t.Fatalf("login bridge step = %q", r.login["step"])
	}
	// bridge.js: the cookie did not stick, so store state and nonce in the platform.
	if r.cookieStuck(r.login["state"]) {
		h.t.Fatal("the cookie check says a cookie-less browser kept the state cookie")
	}
	r.storage["state_"+r.login["state"]] = r.login["state"]
	r.storage["nonce_"+r.login["nonce"]] = r.login["nonce"]
	action, fields, err := h.lms.Authorize(r.login["auth-url"])
	if err != nil {
		h.t.Fatalf("authorize: %v", err)
	}
	resp, err = r.client.PostForm(action, fields)
	if err != nil {
		h.t.Fatal(err)
	}
	body = readBody(h.t, resp)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("storage launch page: status %d: %.300s", resp.StatusCode, body)
	}
	r.launch = bridgeData(h.t, body)
	r.complete = hiddenInputs(body)
	return r
}

func (r *storageRun) cookieStuck(state string) bool {
	resp, err := r.client.PostForm(r.h.url+"/lti/bind/cookie", url.Values{"state": {state}})
	if err != nil {
		r.h.t.Fatal(err)
	}
	var out struct{ Cookie bool }
	if err := json.Unmarshal([]byte(readBody(r.h.t, resp)), &out); err != nil {
		r.h.t.Fatal(err)
	}
	return out.Cookie
}

// finish reads state and nonce back from storage, as the launch page does,
// and posts the completion from ltibox's own origin.
func (r *storageRun) finish() (*http.Response, string) {
	r.h.t.Helper()
	f := r.complete
	f.Set("bound_state", r.storage["state_"+r.launch["state"]])
	f.Set("bound_nonce", r.storage["nonce_"+r.launch["nonce"]])
	return r.post(f, r.h.url)
}

func (r *storageRun) post(f url.Values, origin string) (*http.Response, string) {
	r.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.h.url+"/lti/launch/storage", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.h.t.Fatal(err)
	}
	return resp, readBody(r.h.t, resp)
}

// storageLaunch runs a whole platform-storage launch.
func (h *harness) storageLaunch(spec ltitest.LaunchSpec) (*http.Response, string) {
	h.t.Helper()
	return h.storageStart(spec).finish()
}

func (h *harness) sessionBinding(token string) string {
	h.t.Helper()
	sess, err := h.db.SessionByTokenHash(context.Background(), lti.HashToken(token))
	if err != nil {
		h.t.Fatal(err)
	}
	return sess.Binding
}

func TestStorageLaunch_Succeeds(t *testing.T) {
	h := storageHarness(t)
	r := h.storageStart(ltitest.LaunchSpec{UserID: "instructor"})
	if want := originOf(h.lms.AuthURL()); r.login["platform-origin"] != want || r.launch["platform-origin"] != want {
		t.Errorf("bridge pages talk to %q / %q, want the OIDC auth origin %q", r.login["platform-origin"], r.launch["platform-origin"], want)
	}
	if r.login["target"] != "post_message_forwarding" || r.launch["target"] != "post_message_forwarding" {
		t.Errorf("storage target = %q / %q", r.login["target"], r.launch["target"])
	}
	if r.launch["state"] != r.login["state"] || r.launch["nonce"] != r.login["nonce"] || r.complete.Get("id_token") == "" {
		t.Errorf("launch page does not carry this login's state, nonce and id_token: %v %v", r.launch, r.complete)
	}
	if _, n := h.count(); n != 0 {
		t.Fatalf("%d sessions before the storage values came back", n)
	}
	resp, body := r.finish()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d: %.400s", resp.StatusCode, body)
	}
	tok := sessionToken(t, resp)
	if got := h.sessionBinding(tok); got != lti.BindingStorage {
		t.Errorf("session binding = %q, want storage", got)
	}
	if _, b := h.apiGet("/api/v1/session", tok); !strings.Contains(b, "Grace Hopper") {
		t.Errorf("session = %s", b)
	}
	if !strings.Contains(h.logs.String(), "binding=storage") {
		t.Errorf("no log line names the binding:\n%s", h.logs.String())
	}
	// The same completion again: the state is spent.
	resp, body = r.finish()
	h.rejectedAllowingSessions(t, resp, body, 401, "launch.state_used")
}

// The checklist applies to a launch completed through platform storage
// exactly as to a cookie launch.
func TestStorageLaunch_BadPayloads(t *testing.T) {
	h := storageHarness(t)
	for _, sc := range badPayloads() {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := h.storageLaunch(sc.spec)
			h.rejected(t, resp, body, sc.status, sc.check, sc.words)
		})
	}
}

func TestStorageLaunch_BindingRules(t *testing.T) {
	scenarios := []struct {
		name   string
		tamper func(r *storageRun) (url.Values, string)
		status int
		check  string
		words  string
	}{
		{"state read back does not match", func(r *storageRun) (url.Values, string) {
			f := r.complete
			f.Set("bound_state", "state-of-another-login")
			f.Set("bound_nonce", r.launch["nonce"])
			return f, r.h.url
		}, 401, "launch.state_mismatch", "different browser window"},
		{"nothing read back", func(r *storageRun) (url.Values, string) {
			return r.complete, r.h.url
		}, 401, "launch.state_unbound", "cannot trust it"},
		{"nonce read back does not match", func(r *storageRun) (url.Values, string) {
			f := r.complete
			f.Set("bound_state", r.launch["state"])
			f.Set("bound_nonce", "nonce-of-another-login")
			return f, r.h.url
		}, 401, "launch.storage_nonce_mismatch", "nonce"},
		{"posted from another site", func(r *storageRun) (url.Values, string) {
			f := r.complete
			f.Set("bound_state", r.launch["state"])
			f.Set("bound_nonce", r.launch["nonce"])
			return f, "https://attacker.example"
		}, 403, "launch.bridge_cross_site", "did not come from ltibox"},
		{"posted without Origin", func(r *storageRun) (url.Values, string) {
			f := r.complete
			f.Set("bound_state", r.launch["state"])
			f.Set("bound_nonce", r.launch["nonce"])
			return f, ""
		}, 403, "launch.bridge_cross_site", "did not come from ltibox"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			h := storageHarness(t)
			r := h.storageStart(ltitest.LaunchSpec{})
			f, origin := sc.tamper(r)
			resp, body := r.post(f, origin)
			h.rejected(t, resp, body, sc.status, sc.check, sc.words)
		})
	}
}

// A login that offered no storage cannot be completed with a value "read from
// storage": the cookie is the only proof it has.
func TestStorageLaunch_NotOfferedByLogin(t *testing.T) {
	h := newHarness(t)
	action, fields := h.startLogin(h.browser(), ltitest.LaunchSpec{})
	// Without the cookie no launch page is offered: the plain rejection.
	resp, body := h.post(h.browser(), action, fields)
	h.rejected(t, resp, body, 401, "launch.state_unbound", "cookie")

	h = newHarness(t)
	_, fields = h.startLogin(h.browser(), ltitest.LaunchSpec{})
	r := &storageRun{h: h, client: h.browser()}
	f := url.Values{"id_token": {fields.Get("id_token")}, "state": {fields.Get("state")}, "bound_state": {fields.Get("state")}, "bound_nonce": {"guess"}}
	resp, body = r.post(f, h.url)
	h.rejected(t, resp, body, 401, "launch.storage_not_offered", "did not start with platform storage")
}

func TestLoginBridge_ChosenPerLaunch(t *testing.T) {
	h := newHarness(t)
	get := func(form url.Values, dest string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, h.tool.LoginURL(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if dest != "" {
			req.Header.Set("Sec-Fetch-Dest", dest)
		}
		resp, err := h.browser().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// Top level (or a client without Fetch Metadata): the plain redirect.
	resp := get(h.lms.LoginForm(ltitest.LaunchSpec{}), "document")
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("top-level login: status %d, want 302", resp.StatusCode)
	}
	// In a frame: the bridge page, which checks the cookie before going on.
	resp = get(h.lms.LoginForm(ltitest.LaunchSpec{}), "iframe")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("framed login: status %d", resp.StatusCode)
	}
	d := bridgeData(t, body)
	if d["step"] != "login" || d["target"] != "" || !strings.HasPrefix(d["auth-url"], h.lms.AuthURL()+"?") {
		t.Errorf("framed login bridge = %v", d)
	}
	if !strings.Contains(body, `<script src="/lti/bridge.js" defer></script>`) || strings.Contains(body, "<script>") {
		t.Error("the bridge page must load its script from /lti/bridge.js (CSP script-src 'self'), never inline")
	}
	if !strings.Contains(body, `<noscript>`) || !strings.Contains(body, `role="status"`) {
		t.Error("the bridge page has no progress status or no-script fallback")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'self' "+originOf(h.lms.Issuer())) {
		t.Errorf("bridge page CSP = %q", csp)
	}
	var stateCookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "ltibox_state_") {
			stateCookie = c
		}
	}
	if !strings.Contains(stateCookie, "Partitioned") {
		t.Errorf("the framed login does not try the Partitioned cookie first: %q", stateCookie)
	}
	if _, ok := d["any-origin"]; ok {
		t.Error("messages go out with targetOrigin * although the platform is not Canvas")
	}
	// Canvas: targetOrigin "*" for its storage frame (answers are still checked).
	h.reg.Preset = "canvas"
	if err := h.db.UpdateRegistration(context.Background(), h.reg); err != nil {
		t.Fatal(err)
	}
	resp = get(h.lms.LoginForm(ltitest.LaunchSpec{}), "iframe")
	if d := bridgeData(t, readBody(t, resp)); d["any-origin"] != "1" || d["platform-origin"] != originOf(h.lms.AuthURL()) {
		t.Errorf("Canvas login bridge = %v", d)
	}
	// The script is served with a JavaScript type, so nosniff lets it run.
	js, err := http.Get(h.url + "/lti/bridge.js")
	if err != nil {
		t.Fatal(err)
	}
	src := readBody(t, js)
	if !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(src, "lti.get_data") {
		t.Errorf("bridge.js: %s %.100s", js.Header.Get("Content-Type"), src)
	}
}

func TestStateCookieCheck(t *testing.T) {
	h := newHarness(t)
	client := h.browser()
	req, _ := http.NewRequest(http.MethodPost, h.tool.LoginURL(), strings.NewReader(h.lms.LoginForm(ltitest.LaunchSpec{}).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Dest", "iframe")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	state := bridgeData(t, readBody(t, resp))["state"]
	check := func(c *http.Client, state string) bool {
		resp, err := c.PostForm(h.url+"/lti/bind/cookie", url.Values{"state": {state}})
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Cookie bool }
		if err := json.Unmarshal([]byte(readBody(t, resp)), &out); err != nil {
			t.Fatal(err)
		}
		return out.Cookie
	}
	if !check(client, state) {
		t.Error("the browser that kept the cookie is told it did not")
	}
	if check(h.browser(), state) {
		t.Error("a browser without the cookie is told it has it")
	}
	if check(client, "another-state") {
		t.Error("the cookie of one login vouches for another")
	}
}

// ---- New-window handoff ----

// windowRun is a login in a frame that keeps no cookie, on an LMS without
// platform storage, up to the "Open in a new window" button.
type windowRun struct {
	h       *harness
	frame   *http.Client // the LMS frame: no cookies
	state   string
	id, key string
	url     string
}

func (h *harness) windowStart(spec ltitest.LaunchSpec) *windowRun {
	h.t.Helper()
	w := &windowRun{h: h, frame: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	req, _ := http.NewRequest(http.MethodPost, h.tool.LoginURL(), strings.NewReader(h.lms.LoginForm(spec).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Dest", "iframe")
	resp, err := w.frame.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	d := bridgeData(h.t, readBody(h.t, resp))
	w.state = d["state"]
	resp, body := w.postOrigin(h.url+"/lti/handoff", url.Values{"state": {w.state}}, h.url)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("create handoff: %d %.300s", resp.StatusCode, body)
	}
	var out struct{ ID, Key, URL string }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		h.t.Fatal(err)
	}
	w.id, w.key, w.url = out.ID, out.Key, out.URL
	return w
}

func (w *windowRun) postOrigin(u string, f url.Values, origin string) (*http.Response, string) {
	return postFrom(w.h.t, w.frame, u, f, origin)
}

func postFrom(t testing.TB, c *http.Client, u string, f url.Values, origin string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// use plays the new top-level window: it posts the key its opener gave it.
func (w *windowRun) use(win *http.Client, key string) (*http.Response, string) {
	return postFrom(w.h.t, win, w.h.url+w.url, url.Values{"key": {key}}, w.h.url)
}

func TestHandoff_NewWindowLaunch(t *testing.T) {
	h := newHarness(t)
	w := h.windowStart(ltitest.LaunchSpec{UserID: "instructor"})
	if !strings.HasPrefix(w.url, "/lti/handoff/") || strings.Contains(w.url, w.key) {
		t.Fatalf("handoff url %q must carry the id but never the key", w.url)
	}
	// The new window's page asks its opener for the key; it holds no secret itself.
	resp, err := http.Get(h.url + w.url)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if d := bridgeData(t, page); d["step"] != "handoff" || d["handoff"] != w.id || strings.Contains(page, w.key) {
		t.Errorf("handoff page = %v", d)
	}
	win := h.browser() // top-level window: first-party cookies work
	resp, body := w.use(win, w.key)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), h.lms.AuthURL()+"?") {
		t.Fatalf("handoff: status %d, Location %q: %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	newState := mustQuery(t, resp.Header.Get("Location")).Get("state")
	if newState == w.state {
		t.Error("the new window reuses the framed login's state; it must start a fresh login")
	}
	// The framed login can no longer be completed.
	if _, err := h.db.PeekLogin(context.Background(), lti.HashToken(w.state)); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("framed login after the handoff: %v, want used", err)
	}
	// The rest is an ordinary launch with a first-party cookie.
	action, fields, err := h.lms.Authorize(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body = h.post(win, action, fields)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("launch in the new window: %d %.300s", resp.StatusCode, body)
	}
	tok := sessionToken(t, resp)
	if got := h.sessionBinding(tok); got != lti.BindingWindow {
		t.Errorf("binding = %q, want window", got)
	}
	if _, b := h.apiGet("/api/v1/session", tok); !strings.Contains(b, "Grace Hopper") {
		t.Errorf("session = %s", b)
	}
}

func mustQuery(t testing.TB, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestHandoff_Refusals(t *testing.T) {
	t.Run("used twice", func(t *testing.T) {
		h := newHarness(t)
		w := h.windowStart(ltitest.LaunchSpec{})
		resp, _ := w.use(h.browser(), w.key)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %d", resp.StatusCode)
		}
		resp, body := w.use(h.browser(), w.key)
		h.rejected(t, resp, body, 401, "launch.handoff_used", "already used")
		if logins, _ := h.count(); logins != 2 {
			t.Errorf("%d login states, want the framed one and one fresh login", logins)
		}
	})
	t.Run("after expiry", func(t *testing.T) {
		h := newHarness(t)
		w := h.windowStart(ltitest.LaunchSpec{})
		h.clock.Advance(3*time.Minute + time.Second)
		resp, body := w.use(h.browser(), w.key)
		h.rejected(t, resp, body, 401, "launch.handoff_expired", "expired")
		if logins, _ := h.count(); logins != 1 {
			t.Errorf("%d login states: an expired handoff started a login", logins)
		}
	})
	t.Run("from another browser", func(t *testing.T) {
		h := newHarness(t)
		w := h.windowStart(ltitest.LaunchSpec{})
		// Another browser has the link but no opener to give it the key.
		resp, body := w.use(h.browser(), "")
		h.rejected(t, resp, body, 401, "launch.handoff_key_missing", "not opened by the launch")
		resp, body = w.use(h.browser(), "a-key-of-its-own")
		h.rejected(t, resp, body, 401, "launch.handoff_key_mismatch", "not opened by the launch")
		// Another site cannot post it either.
		resp, body = postFrom(t, h.browser(), h.url+w.url, url.Values{"key": {w.key}}, "https://attacker.example")
		h.rejected(t, resp, body, 403, "launch.bridge_cross_site", "did not come from ltibox")
		if logins, _ := h.count(); logins != 1 {
			t.Errorf("%d login states: a refused handoff started a login", logins)
		}
		// Wrong keys do not burn the handoff for the window that has the right one.
		resp, _ = w.use(h.browser(), w.key)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the real window after refusals: %d", resp.StatusCode)
		}
	})
	t.Run("unknown or spent login", func(t *testing.T) {
		h := newHarness(t)
		resp, body := postFrom(t, h.browser(), h.url+"/lti/handoff", url.Values{"state": {"made-up"}}, h.url)
		h.rejected(t, resp, body, 401, "launch.handoff_unknown", "does not know")
		resp, body = postFrom(t, h.browser(), h.url+"/lti/handoff", url.Values{"state": {"made-up"}}, "https://attacker.example")
		h.rejected(t, resp, body, 403, "launch.bridge_cross_site", "did not come from ltibox")
		if n, err := h.db.CountHandoffs(context.Background()); err != nil || n != 0 {
			t.Errorf("%d handoffs stored (%v)", n, err)
		}
		// A login that already completed in the frame cannot be handed off.
		client := h.browser()
		action, fields := h.startLogin(client, ltitest.LaunchSpec{})
		resp, _ = h.post(client, action, fields)
		sessionToken(t, resp)
		resp, body = postFrom(t, h.browser(), h.url+"/lti/handoff", url.Values{"state": {fields.Get("state")}}, h.url)
		h.rejectedAllowingSessions(t, resp, body, 401, "launch.handoff_used")
	})
}

func TestLaunchBindingCounts(t *testing.T) {
	h := newHarness(t, withLMSOptions(ltitest.Options{StorageTarget: "_parent"}))
	// cookie ×2: storage is offered, but the cookie stuck, so it is not needed.
	for i := 0; i < 2; i++ {
		client := h.browser()
		resp, err := client.PostForm(h.tool.LoginURL(), h.lms.LoginForm(ltitest.LaunchSpec{}))
		if err != nil {
			t.Fatal(err)
		}
		d := bridgeData(t, readBody(t, resp))
		r := &storageRun{h: h, client: client}
		if !r.cookieStuck(d["state"]) {
			t.Fatal("the cookie check misses the cookie this browser kept")
		}
		action, fields, err := h.lms.Authorize(d["auth-url"])
		if err != nil {
			t.Fatal(err)
		}
		resp, _ = h.post(client, action, fields)
		if tok := sessionToken(t, resp); h.sessionBinding(tok) != lti.BindingCookie {
			t.Errorf("binding = %q, want cookie", h.sessionBinding(tok))
		}
	}
	// storage ×1
	resp, body := h.storageLaunch(ltitest.LaunchSpec{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("storage launch: %d %.300s", resp.StatusCode, body)
	}
	// window ×1
	w := h.windowStart(ltitest.LaunchSpec{})
	win := h.browser()
	resp, _ = w.use(win, w.key)
	action, fields, err := h.lms.Authorize(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = h.post(win, action, fields)
	sessionToken(t, resp)

	req, _ := http.NewRequest(http.MethodGet, h.url+"/api/admin/platforms/"+itoa(h.reg.ID)+"/bindings", nil)
	req.Header.Set("Authorization", "Bearer admin-secret")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Bindings []struct {
			Binding  string
			Launches int
		}
	}
	if err := json.Unmarshal([]byte(readBody(t, r)), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, b := range out.Bindings {
		got[b.Binding] = b.Launches
	}
	if got["cookie"] != 2 || got["storage"] != 1 || got["window"] != 1 || len(got) != 3 || out.Bindings[0].Binding != "cookie" {
		t.Errorf("binding counts = %+v", out.Bindings)
	}
	// Counts outlive the sessions they count.
	if _, err := h.db.SweepSessions(context.Background(), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	counts, err := h.db.LaunchBindingCounts(context.Background(), h.reg.ID)
	if err != nil || len(counts) != 3 {
		t.Errorf("after a session sweep: %v %v", counts, err)
	}
	// Without the admin token: refused.
	r, err = http.Get(h.url + "/api/admin/platforms/" + itoa(h.reg.ID) + "/bindings")
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("bindings without admin token: %d", r.StatusCode)
	}
	r.Body.Close()
	// Unknown platform: 404.
	req, _ = http.NewRequest(http.MethodGet, h.url+"/api/admin/platforms/999/bindings", nil)
	req.Header.Set("Authorization", "Bearer admin-secret")
	r, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("bindings of an unknown platform: %d", r.StatusCode)
	}
	r.Body.Close()
}

// ---- Benchmarks: the whole login → launch over real HTTP ----

func BenchmarkLaunch_Cookie(b *testing.B) {
	h := newHarness(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, body := h.launch(ltitest.LaunchSpec{})
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("status %d: %.200s", resp.StatusCode, body)
		}
	}
}

func BenchmarkLaunch_Storage(b *testing.B) {
	h := storageHarness(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, body := h.storageLaunch(ltitest.LaunchSpec{})
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("status %d: %.200s", resp.StatusCode, body)
		}
	}
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkLoginBridgePage is the framed login answering its bridge page
// (state stored, cookie set, page rendered) over real HTTP.
func BenchmarkLoginBridgePage(b *testing.B) {
	h := storageHarness(b)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.PostForm(h.tool.LoginURL(), h.lms.LoginForm(ltitest.LaunchSpec{}))
		if err != nil {
			b.Fatal(err)
		}
		if body := readBody(b, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-step="login"`) {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// Checklist 30 on the storage path: a platform error post is shown only after
// the state was proven through storage.
func TestStorageLaunch_PlatformErrorChecksStateFirst(t *testing.T) {
	for _, forged := range []bool{true, false} {
		h := storageHarness(t)
		r := &storageRun{h: h, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		resp, err := r.client.PostForm(h.tool.LoginURL(), h.lms.LoginForm(ltitest.LaunchSpec{}))
		if err != nil {
			t.Fatal(err)
		}
		login := bridgeData(t, readBody(t, resp))
		errPost := url.Values{"state": {login["state"]}, "error": {"login_required"}, "error_description": {"Please log in to the LMS."}}
		resp, err = r.client.PostForm(h.tool.LaunchURL(), errPost)
		if err != nil {
			t.Fatal(err)
		}
		page := readBody(t, resp)
		f := hiddenInputs(page)
		if resp.StatusCode != http.StatusOK || f.Get("error") != "login_required" || f.Get("error_description") != "Please log in to the LMS." {
			t.Fatalf("launch page for an error post: %d %v", resp.StatusCode, f)
		}
		if forged {
			f.Set("bound_state", "not-from-storage")
			f.Set("bound_nonce", login["nonce"])
			resp, body := r.post(f, h.url)
			h.rejected(t, resp, body, 401, "launch.state_mismatch", "different browser window")
			if strings.Contains(body, "Please log in") {
				t.Error("an unproven error post was shown to the user")
			}
			continue
		}
		f.Set("bound_state", login["state"])
		f.Set("bound_nonce", login["nonce"])
		resp, body := r.post(f, h.url)
		h.rejected(t, resp, body, 400, "launch.platform_error", "Please log in to the LMS.")
	}
}

// The new window offered by a launch page whose storage read failed (the
// login already went through the platform's auth) restarts the login too. An
// LMS that accepts an lti_message_hint only once, as Moodle and the emulator
// do, then refuses it: the window shows the LMS's refusal and nothing is stored.
func TestHandoff_AfterPlatformAuth_FailsClosed(t *testing.T) {
	h := storageHarness(t)
	r := h.storageStart(ltitest.LaunchSpec{}) // the launch page is up; its storage read "failed"
	resp, body := postFrom(t, r.client, h.url+"/lti/handoff", url.Values{"state": {r.launch["state"]}}, h.url)
	var hand struct{ ID, Key, URL string }
	if err := json.Unmarshal([]byte(body), &hand); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("create handoff: %d %s", resp.StatusCode, body)
	}
	win := h.browser()
	resp, _ = postFrom(t, win, h.url+hand.URL, url.Values{"key": {hand.Key}}, h.url)
	action, fields, err := h.lms.Authorize(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if fields.Get("error") == "" {
		t.Fatalf("the emulator accepted a used lti_message_hint: %v", fields)
	}
	resp, body = h.post(win, action, fields)
	h.rejected(t, resp, body, 400, "launch.platform_error", "already used lti_message_hint")
	// And the id_token of the framed launch is spent with its login.
	resp, body = r.finish()
	h.rejected(t, resp, body, 401, "launch.state_used", "already used")
}

// A launch completed through platform storage ends like a cookie launch: a link
// with an activity (deep-linked, custom.activity_id) opens that activity.
func TestStorageLaunch_OpensTheLinkedActivity(t *testing.T) {
	h := storageHarness(t)
	_, graded := h.seeded()
	spec := ltitest.LaunchSpec{ResourceLinkID: "rl-storage", Custom: map[string]string{"activity_id": itoa(graded.ID)}}
	resp, body := h.storageLaunch(spec)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/app/activity#session=") {
		t.Fatalf("storage launch of a linked activity: %d %s %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	rl, err := h.db.ResourceLinkOf(context.Background(), h.reg.ID, "1", "rl-storage")
	if err != nil || rl.ActivityID != graded.ID {
		t.Errorf("link not recorded through the storage path: %+v, %v", rl, err)
	}
}
