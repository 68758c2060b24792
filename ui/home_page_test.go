package ui

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// render loads c into a server-side test engine (as the prerender does) and
// returns its HTML with entities decoded, so assertions read like the page.
func render(tb testing.TB, c app.Composer) string {
	tb.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		tb.Fatalf("load: %v", err)
	}
	e.ConsumeAll()
	return html.UnescapeString(app.HTMLString(c))
}

func mustContain(tb testing.TB, got string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

func mustNotContain(tb testing.TB, got string, unwanted ...string) {
	tb.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			tb.Errorf("unexpected %q in:\n%s", w, got)
		}
	}
}

func TestHomePage(t *testing.T) {
	session := model.Session{
		User:      model.User{Name: "Ada Lovelace"},
		Role:      model.RoleInstructor,
		Context:   model.Context{ContextID: "c-1", Label: "MATH101", Title: "Analytical Engines"},
		LinkTitle: "Week 3 quiz",
		Services:  model.Services{AGS: true, DeepLinking: true},
		ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}

	tests := []struct {
		name      string
		info      sessionInfo
		want      []string
		unwanted  []string
		wantRetry bool
	}{
		{
			name:     "prerender shows loading",
			info:     newHomePage().info,
			want:     []string{"<main ", `id="main"`, `data-status="loading"`, `<h1>ltibox</h1>`, `role="status"`, `aria-live="polite"`, msgLoading},
			unwanted: []string{"wasm-ready", "Hello,"},
		},
		{
			name: "loaded instructor",
			info: sessionInfo{Status: statusLoaded, Session: session},
			want: []string{
				"<h1>Hello, Ada Lovelace</h1>", `data-status="loaded"`,
				">Instructor<", ">Analytical Engines<", ">Week 3 quiz<",
				"Grades: available", "Roster: not offered for this link", "Choosing content for the course: available",
			},
			unwanted: []string{msgLoading, "alert-error"},
		},
		{
			name:     "loaded learner without names or titles",
			info:     sessionInfo{Status: statusLoaded, Session: model.Session{Role: model.RoleLearner, Context: model.Context{Label: "BIO2"}}},
			want:     []string{"<h1>Hello, Anonymous</h1>", ">Learner<", ">BIO2<", ">Untitled activity<", "Grades: not offered for this link"},
			unwanted: []string{"Choosing content"},
		},
		{
			// Whether the link is set up comes with the link's activity
			// (linkStatus): until then no way to a score the learner may
			// not have (review: "Open your score" on an unset link).
			name: "loaded learner of a graded link",
			info: sessionInfo{Status: statusLoaded, Session: model.Session{Role: model.RoleLearner, ResourceLink: "rl-1", LinkTitle: "Week 3 quiz",
				Services: model.Services{AGS: true}}},
			want:     []string{">Learner<", "Checking which activity this link opens…", "Grades: available"},
			unwanted: []string{`id="score-link"`, "Open your score", "grading-link"},
		},
		{
			name:     "no token",
			info:     sessionInfo{Status: statusFailed, Err: model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession)},
			want:     []string{`data-status="failed"`, "alert-error", "This page only works when opened from your course. Relaunch the activity from your LMS."},
			unwanted: []string{"Hello,", "Try again"},
		},
		{
			name:     "expired",
			info:     failedSession(model.Errorf(model.EUNAUTHORIZED, "token expired")),
			want:     []string{`data-status="failed"`, "Your session has ended or is not valid. Relaunch the activity from your course."},
			unwanted: []string{"token expired", "Try again"},
		},
		{
			name:      "server error is readable and retryable",
			info:      failedSession(replyError(404, "404 page not found")),
			want:      []string{"Could not load your course activity. Not found (HTTP 404).", "Try again", `type="button"`},
			wantRetry: true,
		},
		{
			name: "server message is shown",
			info: failedSession(replyError(503, `{"error":{"code":"unavailable","message":"The LMS is not answering."}}`)),
			want: []string{"Could not load your course activity. The LMS is not answering."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHomePage()
			h.info = tt.info
			got := render(t, h)
			mustContain(t, got, tt.want...)
			mustNotContain(t, got, tt.unwanted...)
			// SSR writes false booleans as attr="false"; never emit them.
			mustNotContain(t, got, `="false"`)
		})
	}
}

func TestHomePageMountedMarker(t *testing.T) {
	h := newHomePage()
	h.mounted = true // OnMount runs only in the browser
	mustContain(t, render(t, h), `id="wasm-ready"`)
}

func TestTokenFromFragment(t *testing.T) {
	for fragment, want := range map[string]string{
		"":                       "",
		"session=abc":            "abc",
		"#session=abc":           "abc",
		"session=a%2Bb&view=x":   "a+b",
		"view=x&session=tok-123": "tok-123",
		"other=1":                "",
		"main":                   "",
	} {
		if got := tokenFromFragment(fragment); got != want {
			t.Errorf("tokenFromFragment(%q) = %q, want %q", fragment, got, want)
		}
	}
}

func TestReplyError(t *testing.T) {
	tests := []struct {
		status   int
		body     string
		wantCode string
		wantMsg  string
	}{
		{401, `{"error":{"code":"unauthorized","message":"Session expired."}}`, model.EUNAUTHORIZED, "Session expired."},
		{401, ``, model.EUNAUTHORIZED, "Your session is not valid."},
		{403, `{"error":{"message":"Instructors only."}}`, model.EFORBIDDEN, "Instructors only."},
		{404, "404 page not found", model.ENOTFOUND, "Not found (HTTP 404)."},
		{500, "<html>oops</html>", model.EINTERNAL, "Something went wrong on the server (HTTP 500)."},
		{503, "", model.EUNAVAILABLE, "ltibox is unavailable right now. Try again in a moment."},
	}
	for _, tt := range tests {
		err := replyError(tt.status, tt.body)
		if code, msg := model.ErrorCode(err), model.ErrorMessage(err); code != tt.wantCode || msg != tt.wantMsg {
			t.Errorf("replyError(%d, %q) = %s %q, want %s %q", tt.status, tt.body, code, msg, tt.wantCode, tt.wantMsg)
		}
	}
}

func TestClientIsInertOnServer(t *testing.T) {
	_, err := newClient("tok").Session(t.Context())
	if model.ErrorCode(err) != model.EINTERNAL {
		t.Fatalf("Session on the server = %v, want the server-side error", err)
	}
}

func TestRegisterIsIdempotent(t *testing.T) {
	Register()
	Register()
}
