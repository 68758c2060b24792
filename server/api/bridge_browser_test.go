package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
)

// The same framed launch, in real headless Chromium, whatever the browser
// does with ltibox's cookies. ltibox runs on 127.0.0.1 and the LMS on
// localhost: two sites, so the tool frame is really third-party. Cookies are
// blocked with Chromium's own content settings (browsertest.BlockCookies),
// never by changing the tool.

// framedHarness is ltibox with its UI and an LMS on another site.
func framedHarness(t *testing.T, storageTarget string) *harness {
	return newHarness(t, withUI(), withLMSOptions(ltitest.Options{Hostname: "localhost", StorageTarget: storageTarget}))
}

// targetWith waits for a target of the given type ("iframe" for the
// cross-site tool frame, "page" for a window) whose URL starts with prefix,
// and returns a chromedp context attached to it.
func targetWith(t *testing.T, ctx context.Context, kind, prefix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("targets: %v", err)
		}
		seen = seen[:0]
		for _, in := range infos {
			seen = append(seen, in.Type+" "+in.URL)
			if in.Type == kind && strings.HasPrefix(in.URL, prefix) {
				tctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(in.TargetID))
				t.Cleanup(cancel)
				return tctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s target at %s; targets: %v", kind, prefix, seen)
	return nil
}

// startFramedLaunch opens the LMS course page and launches as the student.
func startFramedLaunch(t *testing.T, ctx context.Context, h *harness) {
	t.Helper()
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.lms.Issuer()+"/"),
		chromedp.WaitVisible(`iframe[name="tool"]`),
		chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as student")]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatalf("start launch: %v", err)
	}
}

// appText waits until the SPA is running in tctx and returns its text.
func appText(t *testing.T, ctx, tctx context.Context) string {
	t.Helper()
	var text string
	err := chromedp.Run(tctx,
		chromedp.WaitVisible(`#wasm-ready`, chromedp.ByQuery),
		chromedp.WaitVisible(`#role`, chromedp.ByQuery),
		chromedp.Text(`body`, &text, chromedp.ByQuery),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, t.TempDir()+"/launch.png")
		t.Fatalf("app did not start: %v", err)
	}
	return text
}

func (h *harness) onlyBinding(t *testing.T, want string) {
	t.Helper()
	counts, err := h.db.LaunchBindingCounts(context.Background(), h.reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Binding != want || counts[0].Launches != 1 {
		t.Errorf("launch bindings = %+v, want one %s launch", counts, want)
	}
}

func TestBrowserLaunch_CookiesAllowed(t *testing.T) {
	h := framedHarness(t, "post_message_forwarding")
	ctx, cancel := context.WithTimeout(browsertest.New(t), 90*time.Second)
	defer cancel()
	startFramedLaunch(t, ctx, h)
	text := appText(t, ctx, targetWith(t, ctx, "iframe", h.url+"/app/"))
	if !strings.Contains(text, "Ada Lovelace") {
		t.Errorf("app in the frame: %q", text)
	}
	h.onlyBinding(t, lti.BindingCookie)
}

func TestBrowserLaunch_CookiesBlocked_PlatformStorage(t *testing.T) {
	for _, sc := range []struct{ name, target, prefix, preset string }{
		{"named frame", "post_message_forwarding", "", ""},
		{"named frame, Canvas preset (targetOrigin *)", "post_message_forwarding", "", "canvas"},
		{"parent (Sakai)", "_parent", "", ""},
		{"org.imsglobal subjects (older Brightspace)", "post_message_forwarding", "org.imsglobal.", ""},
	} {
		t.Run(sc.name, func(t *testing.T) {
			h := newHarness(t, withUI(), withLMSOptions(ltitest.Options{Hostname: "localhost", StorageTarget: sc.target, StorageSubjectPrefix: sc.prefix}))
			if sc.preset != "" {
				h.reg.Preset = sc.preset
				if err := h.db.UpdateRegistration(context.Background(), h.reg); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(browsertest.New(t, browsertest.BlockCookies(h.url, "*")), 90*time.Second)
			defer cancel()
			startFramedLaunch(t, ctx, h)
			text := appText(t, ctx, targetWith(t, ctx, "iframe", h.url+"/app/"))
			if !strings.Contains(text, "Ada Lovelace") {
				t.Errorf("app in the frame: %q", text)
			}
			h.onlyBinding(t, lti.BindingStorage)
		})
	}
}

func TestBrowserLaunch_CookiesBlocked_NoStorage_NewWindow(t *testing.T) {
	t.Run("LMS without platform storage (Moodle)", func(t *testing.T) { newWindowLaunch(t, "") })
	t.Run("LMS storage never answers", func(t *testing.T) { newWindowLaunch(t, ltitest.StorageSilent) })
}

// newWindowLaunch: cookies are blocked for ltibox inside the LMS page only, so
// the login falls back to a new top-level window, where they work.
func newWindowLaunch(t *testing.T, storageFault string) {
	target := ""
	if storageFault != "" {
		target = "post_message_forwarding"
	}
	h := framedHarness(t, target)
	h.lms.SetStorageFault(storageFault)
	ctx, cancel := context.WithTimeout(browsertest.New(t, browsertest.BlockCookies(h.url, h.lms.Issuer())), 90*time.Second)
	defer cancel()
	startFramedLaunch(t, ctx, h)
	frame := targetWith(t, ctx, "iframe", h.url+"/lti/login")
	var explained string
	err := chromedp.Run(frame,
		chromedp.WaitVisible(`#fallback`, chromedp.ByQuery),
		chromedp.WaitEnabled(`#open-window`, chromedp.ByQuery),
		chromedp.Text(`#fallback`, &explained, chromedp.ByQuery),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, t.TempDir()+"/fallback.png")
		t.Fatalf("fallback: %v", err)
	}
	if !strings.Contains(explained, "blocks the cookie") || !strings.Contains(explained, "Open in a new window") {
		t.Errorf("fallback text: %q", explained)
	}
	if _, n := h.count(); n != 0 {
		t.Fatalf("%d sessions before the new window", n)
	}
	// Keyboard: focus the button and press Enter (a real user activation).
	if err := chromedp.Run(frame, chromedp.Focus(`#open-window`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	win := targetWith(t, ctx, "page", h.url+"/app/")
	text := appText(t, ctx, win)
	if !strings.Contains(text, "Ada Lovelace") {
		t.Errorf("app in the new window: %q", text)
	}
	var note string
	if err := chromedp.Run(frame, chromedp.Text(`#fallback-status`, &note, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "new window") {
		t.Errorf("the frame does not say where the activity went: %q", note)
	}
	h.onlyBinding(t, lti.BindingWindow)
}

// refusal waits until a tool frame under prefix shows sel, and returns the
// frame's text. A launch that reaches the app instead fails the test at once.
func refusal(t *testing.T, ctx context.Context, h *harness, prefix, sel string) string {
	t.Helper()
	attached := map[target.ID]context.Context{}
	probe := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && !e.hidden ? document.body.innerText : ""; })()`, sel)
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("targets: %v", err)
		}
		for _, in := range infos {
			if strings.HasPrefix(in.URL, h.url+"/app/") {
				t.Fatalf("the launch completed (%s) although it must be refused", in.URL)
			}
			if in.Type != "iframe" || !strings.HasPrefix(in.URL, prefix) {
				continue
			}
			tctx, ok := attached[in.TargetID]
			if !ok {
				var cancel context.CancelFunc
				tctx, cancel = chromedp.NewContext(ctx, chromedp.WithTargetID(in.TargetID))
				t.Cleanup(cancel)
				if err := chromedp.Run(tctx); err != nil { // attach with the long-lived context
					continue
				}
				attached[in.TargetID] = tctx
			}
			var text string
			pctx, cancel := context.WithTimeout(tctx, 2*time.Second)
			err := chromedp.Run(pctx, chromedp.Evaluate(probe, &text))
			cancel()
			if err == nil && text != "" {
				return text
			}
		}
	}
	browsertest.Screenshot(t, ctx, t.TempDir()+"/refusal.png")
	t.Fatalf("no frame at %s showed %s", prefix, sel)
	return ""
}

// Storage answers that must not count, in the browser (checklist 42): the
// launch page ignores them and fails closed with the new-window fallback, or
// the server refuses what was read back. Nothing is stored either way.
func TestBrowserLaunch_StorageAnswersRefused(t *testing.T) {
	for _, sc := range []struct {
		name      string
		fault     string
		frameHost string // the storage frame on another origin than the OIDC auth origin
		preset    string
		prefix    string // the frame that shows the outcome
		sel       string
		words     string
	}{
		{"get_data answered from another origin", ltitest.StorageForeignOrigin, "", "", "/lti/launch", "#fallback", "Open in a new window"},
		{"get_data answered with another message_id", ltitest.StorageWrongID, "", "", "/lti/launch", "#fallback", "Open in a new window"},
		{"get_data answered with an error", ltitest.StorageError, "", "", "/lti/launch", "#fallback", "Open in a new window"},
		{"get_data returns another state", ltitest.StorageWrongValue, "", "", "/lti/launch/storage", "main[role=alert]", "different browser window"},
		{"storage frame on another origin", "", "127.0.0.1", "", "/lti/login", "#fallback", "Open in a new window"},
		{"storage frame on another origin, Canvas targetOrigin *", "", "127.0.0.1", "canvas", "/lti/login", "#fallback", "Open in a new window"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			h := newHarness(t, withUI(), withLMSOptions(ltitest.Options{Hostname: "localhost", StorageTarget: "post_message_forwarding", StorageFrameHost: sc.frameHost}))
			h.lms.SetStorageFault(sc.fault)
			if sc.preset != "" {
				h.reg.Preset = sc.preset
				if err := h.db.UpdateRegistration(context.Background(), h.reg); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(browsertest.New(t, browsertest.BlockCookies(h.url, "*")), 90*time.Second)
			defer cancel()
			startFramedLaunch(t, ctx, h)
			text := refusal(t, ctx, h, h.url+sc.prefix, sc.sel)
			if !strings.Contains(text, sc.words) {
				t.Errorf("frame says %q, want %q", text, sc.words)
			}
			if _, n := h.count(); n != 0 {
				t.Errorf("%d sessions stored", n)
			}
			if counts, _ := h.db.LaunchBindingCounts(context.Background(), h.reg.ID); len(counts) != 0 {
				t.Errorf("launches counted: %+v", counts)
			}
		})
	}
}

// A handoff link copied into another browser (or tab) has no opener to give it
// the key: the page refuses, and the real window can still use the handoff.
func TestBrowserHandoff_OtherBrowserRefused(t *testing.T) {
	h := framedHarness(t, "")
	w := h.windowStart(ltitest.LaunchSpec{})
	ctx, cancel := context.WithTimeout(browsertest.New(t), 60*time.Second)
	defer cancel()
	var text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.url+w.url),
		chromedp.WaitVisible(`#handoff-error`, chromedp.ByQuery),
		chromedp.Text(`body`, &text, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("handoff page in another browser: %v", err)
	}
	if !strings.Contains(text, "only works in the window your course opened") {
		t.Errorf("page says %q", text)
	}
	if logins, sessions := h.count(); logins != 1 || sessions != 0 {
		t.Errorf("after the refused window: %d logins, %d sessions", logins, sessions)
	}
	if resp, _ := w.use(h.browser(), w.key); resp.StatusCode != 303 {
		t.Errorf("the real window after the refusal: %d", resp.StatusCode)
	}
}
