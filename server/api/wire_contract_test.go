package api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// wireCall is one call the UI makes, sent as the UI sends it.
type wireCall struct {
	ui     string // the UI client method making it ("adminClient.Platforms")
	method string
	path   string // as requested; /api/admin calls go with the console's cookie
	token  string // the launch's bearer token, for /api/v1
	send   any    // the request body, built as the UI builds it (nil: none)
	into   any    // new(T) for the T the UI decodes the answer into (nil: the UI reads none)
	csv    bool   // the UI takes the answer as CSV text
	status int
	// unset are answer fields (paths as unfilledFields names them) this
	// state leaves empty; every other field of into must come back filled.
	unset []string
	after func(t *testing.T, resp *http.Response)
}

// TestWireContract replays every call of the UI's API clients against ltibox
// in a filled state and decodes each answer strictly into the type the UI
// uses: a field the server sends that the UI type lacks fails, and so does a
// field of the UI type that the answer leaves empty, unless the row says why
// it is empty here. Some answers are encoded from server types (the console's
// platforms are api.PlatformView, its presets lti.Preset) and decoded as
// model types; this is where the two are held to the same JSON names.
func TestWireContract(t *testing.T) {
	w := newWireWorld(t)
	var console consoleAuth // the console's sign-in, from the setup and login calls
	rows := []wireCall{
		// The launch's pages (/api/v1, bearer token).
		{ui: "client.Session", method: "GET", path: "/api/v1/session", token: w.student, into: new(model.Session), status: 200},
		{ui: "client.Session", method: "GET", path: "/api/v1/session", token: w.teacher, into: new(model.Session), status: 200},
		{ui: "client.Session", method: "GET", path: "/api/v1/session", token: w.picker, into: new(model.Session), status: 200,
			unset: []string{"resourceLink", "linkTitle"}}, // a deep-linking request opens no link
		{ui: "client.Activities", method: "GET", path: "/api/v1/activities", token: w.teacher, into: new([]model.Activity), status: 200},
		{ui: "client.Activities", method: "GET", path: "/api/v1/activities?q=reflection&graded=true", token: w.teacher, into: new([]model.Activity), status: 200},
		{ui: "client.CreateActivity", method: "POST", path: "/api/v1/activities", token: w.teacher, status: 201, into: new(model.Activity),
			send: model.Activity{Title: "Exit ticket", Instructions: "One *thing* you learned.", Graded: true, ScoreMaximum: 5, Tag: "daily",
				StartAt: w.course.StartAt, EndAt: w.course.EndAt}},
		{ui: "client.UpdateActivity", method: "PUT", path: fmt.Sprintf("/api/v1/activities/%d", w.course.ID), token: w.teacher, status: 200,
			into: new(model.Activity), send: *w.course},
		{ui: "client.DuplicateActivity", method: "POST", path: fmt.Sprintf("/api/v1/activities/%d/duplicate", w.reading.ID), token: w.teacher,
			status: 201, into: new(model.Activity), unset: []string{"scoreMaximum", "startAt", "endAt"}}, // an ungraded reading without dates
		{ui: "client.ArchiveActivity", method: "POST", path: fmt.Sprintf("/api/v1/activities/%d/archive", w.spare.ID), token: w.teacher,
			status: 200, into: new(model.Activity), send: model.ArchiveActivity{Archived: true},
			unset: []string{"scoreMaximum", "startAt", "endAt"}}, // ungraded, without dates
		{ui: "client.LinkActivity", method: "GET", path: "/api/v1/activity", token: w.teacher, into: new(model.LinkActivity), status: 200,
			unset: []string{"message", "scoresKept"}}, // set up, with a gradebook column
		{ui: "client.LinkActivity", method: "GET", path: "/api/v1/activity", token: w.keptL, into: new(model.LinkActivity), status: 200,
			unset: []string{"message", "activity.startAt", "activity.endAt", "activity.contextId"}}, // the library's graded activity, without dates
		{ui: "client.LinkActivity", method: "GET", path: "/api/v1/activity", token: w.unset, into: new(model.LinkActivity), status: 200,
			unset: []string{"activity.*", "scoresKept"}}, // no activity chosen yet
		{ui: "client.AssignActivity", method: "POST", path: "/api/v1/activity/assign", token: w.teacher, into: new(model.LinkActivity),
			status: 200, send: model.AssignActivity{ActivityID: w.course.ID}, unset: []string{"message", "scoresKept"}},
		{ui: "client.DeepLinkOptions", method: "GET", path: "/api/v1/deeplink", token: w.picker, into: new(model.DeepLinkOptions), status: 200},
		{ui: "client.SubmitDeepLink", method: "POST", path: "/api/v1/deeplink/response", token: w.picker, into: new(model.DeepLinkTicket),
			status: 200, send: model.DeepLinkSelection{Items: []model.DeepLinkChoice{{ActivityID: w.course.ID, Gradebook: true, Target: "iframe"}}}},
		{ui: "client.Grade", method: "GET", path: "/api/v1/grade", token: w.student, into: new(model.GradeView), status: 200,
			unset: append(under("score.", delivered...), "reason", "localOnly")}, // corrected by the teacher, delivered
		{ui: "client.Grade", method: "GET", path: "/api/v1/grade", token: w.keptL, into: new(model.GradeView), status: 200,
			unset: append(under("score.", slices.Concat(notTried, byLearner)...), "reason")}, // kept in ltibox
		{ui: "client.SubmitScore", method: "POST", path: "/api/v1/grade/score", token: w.student, into: new(model.Score), status: 201,
			send: model.ScoreSubmission{ActivityID: w.course.ID, ScoreGiven: ptr(9.0)}, unset: slices.Concat(notTried, byLearner),
			after: w.delivered},
		{ui: "client.EditScore", method: "POST", path: "/api/v1/grading/scores", token: w.teacher, into: new(model.Score), status: 201,
			send: model.ScoreEdit{UserID: w.userID(w.student), ScoreGiven: ptr(9.5), Comment: "Regraded."}, unset: notTried,
			after: w.delivered},
		// Delivered, retrying and refused scores, and a learner without one.
		{ui: "client.Grading", method: "GET", path: "/api/v1/grading", token: w.teacher, into: new(model.GradingView), status: 200,
			unset: []string{"reason", "localOnly"}},
		{ui: "client.Grading", method: "GET", path: "/api/v1/grading", token: w.keptT, into: new(model.GradingView), status: 200,
			unset: append(under("rows[].score.", slices.Concat(notTried, byLearner)...), "reason")},
		{ui: "client.ReadBack", method: "POST", path: "/api/v1/grading/readback", token: w.teacher, into: new(model.ReadBack), status: 200},
		{ui: "client.ExportCSV", method: "GET", path: "/api/v1/grading/export", token: w.teacher, csv: true, status: 200},
		{ui: "client.Roster", method: "GET", path: "/api/v1/roster", token: w.teacher, into: new(model.Roster), status: 200,
			unset: []string{"sync.error.*"}}, // the last refresh worked
		{ui: "client.RefreshRoster", method: "POST", path: "/api/v1/roster/refresh", token: w.teacher, into: new(model.RosterSync), status: 202,
			unset: []string{"error.*", "finishedAt", "pages", "members"}, // just started
			after: func(t *testing.T, _ *http.Response) { w.waitSync(w.teacher) }},
		{ui: "client.RosterSync", method: "GET", path: "/api/v1/roster/sync", token: w.teacher, into: new(model.RosterSync), status: 200,
			unset: []string{"error.*"}},
		{ui: "client.RosterCSV", method: "GET", path: "/api/v1/roster.csv", token: w.teacher, csv: true, status: 200},

		// The admin console (/api/admin, session cookie and CSRF token).
		{ui: "adminClient.Status", method: "GET", path: "/api/admin/status", into: new(model.AdminStatus), status: 200},
		{ui: "adminClient.Setup", method: "POST", path: "/api/admin/setup", into: new(model.AdminSession), status: 201,
			send: model.Credentials{Username: "root", Password: "correct horse battery", SetupCode: "admin-secret"}},
		{ui: "adminClient.Login", method: "POST", path: "/api/admin/login", into: new(model.AdminSession), status: 200,
			send: model.Credentials{Username: "root", Password: "correct horse battery"}},
		{ui: "adminClient.Session", method: "GET", path: "/api/admin/session", into: new(model.AdminSession), status: 200},
		{ui: "adminClient.Platforms", method: "GET", path: "/api/admin/platforms", into: new([]model.Platform), status: 200,
			unset: []string{"[].sameIssuer.*"}}, // only the pending list names them
		{ui: "adminClient.Presets", method: "GET", path: "/api/admin/presets", into: new([]model.Preset), status: 200},
		{ui: "adminClient.Settings", method: "GET", path: "/api/admin/settings", into: new(model.AdminSettings), status: 200},
		{ui: "adminClient.SaveSettings", method: "PUT", path: "/api/admin/settings", into: new(model.AdminSettings), status: 200,
			send: model.AdminSettings{Approval: lti.StatusPending, AllowPrivate: true}},
		{ui: "adminClient.Pending", method: "GET", path: "/api/admin/pending", into: new(model.Pending), status: 200,
			unset: []string{"platforms[].bindings.*"}}, // a pending registration has not launched
		{ui: "adminClient.CreatePlatform", method: "POST", path: "/api/admin/platforms", into: new(model.Platform), status: 201,
			send: model.PlatformInput{Name: "Canvas", Issuer: "https://canvas.instructure.com", ClientID: "10000000000001",
				AuthURL: "https://sso.canvaslms.com/api/lti/authorize_redirect", TokenURL: "https://sso.canvaslms.com/login/oauth2/token",
				TokenAudience: "https://sso.canvaslms.com/login/oauth2/token", JWKSURL: "https://sso.canvaslms.com/api/lti/security/jwks",
				Preset: lti.PresetCanvas, Deployments: []string{"1:abc"}},
			unset: []string{"bindings.*", "sameIssuer.*"}}, // new: no launches; only the pending list names others
		{ui: "adminClient.UpdatePlatform", method: "PUT", path: fmt.Sprintf("/api/admin/platforms/%d", w.pendingID), into: new(model.Platform), status: 200,
			send: model.PlatformInput{Name: "Test LMS sandbox", Issuer: w.lms.Issuer(), ClientID: "tool-2", AuthURL: w.lms.AuthURL(),
				TokenURL: w.lms.TokenURL(), TokenAudience: w.lms.TokenURL(), JWKSURL: w.lms.JWKSURL(), Preset: lti.PresetMoodle, Status: lti.StatusPending},
			unset: []string{"bindings.*", "sameIssuer.*"}},
		{ui: "adminClient.SetPlatformStatus", method: "POST", path: fmt.Sprintf("/api/admin/platforms/%d/status", w.pendingID), status: 200,
			send: map[string]string{"status": lti.StatusActive}},
		{ui: "adminClient.AddDeployment", method: "POST", path: fmt.Sprintf("/api/admin/platforms/%d/deployments", w.reg.ID), status: 201,
			send: map[string]string{"deploymentId": "9 / spare"}},
		{ui: "adminClient.RemoveDeployment", method: "DELETE", path: fmt.Sprintf("/api/admin/platforms/%d/deployments/9%%20%%2F%%20spare", w.reg.ID), status: 204},
		{ui: "adminClient.DecideDeployment", method: "POST", path: fmt.Sprintf("/api/admin/platforms/%d/deployments/7/approve", w.reg.ID), status: 200},
		{ui: "adminClient.DecideDeployment", method: "POST", path: fmt.Sprintf("/api/admin/platforms/%d/deployments/8/reject", w.reg.ID), status: 200},
		{ui: "adminClient.DeletePlatform", method: "DELETE", path: fmt.Sprintf("/api/admin/platforms/%d", w.oldID), status: 204},
		{ui: "adminClient.Launches", method: "GET", path: "/api/admin/launches", into: new([]model.LaunchAttempt), status: 200,
			unset: []string{"[].header{}", "[].claims{}", "[].hint"}}, // the debugger (GET /launches/:id) shows them
		{ui: "adminClient.Launch", method: "GET", path: fmt.Sprintf("/api/admin/launches/%d", w.failedLog), into: new(model.LaunchAttempt), status: 200},
		// The library belongs to no course, and the console edits Markdown:
		// only the course's answers carry rendered instructions.
		{ui: "adminClient.Library", method: "GET", path: "/api/admin/activities", into: new([]model.Activity), status: 200,
			unset: []string{"[].contextId", "[].instructionsHtml"}},
		{ui: "adminClient.SaveActivity", method: "POST", path: "/api/admin/activities", into: new(model.Activity), status: 201,
			send:  model.Activity{Title: "Library poll", Instructions: "Vote.", Graded: true, ScoreMaximum: 3, Tag: "poll", StartAt: w.course.StartAt, EndAt: w.course.EndAt},
			unset: []string{"contextId", "instructionsHtml"}},
		{ui: "adminClient.SaveActivity", method: "PUT", path: fmt.Sprintf("/api/admin/activities/%d", w.libItem.ID), into: new(model.Activity), status: 200,
			send: *w.libItem, unset: []string{"contextId", "instructionsHtml"}},
		// Retrying and refused scores the learners gave themselves.
		{ui: "adminClient.Outbox", method: "GET", path: "/api/admin/outbox", into: new(model.OutboxStatus), status: 200,
			unset: append(under("items[].score.", byLearner...), "items[].score.delivery.deliveredAt")},
		{ui: "adminClient.RetryOutbox", method: "POST", path: "/api/admin/outbox/retry", into: new(model.OutboxRetry), status: 200,
			send: map[string][]int64{"ids": {w.failed}}, unset: under("items[].score.", slices.Concat(delivered, byLearner)...)}, // the LMS is back
		{ui: "adminClient.RotateKey", method: "POST", path: "/api/admin/keys/rotate", status: 201},
		{ui: "adminClient.Keys", method: "GET", path: "/api/admin/keys", into: new([]model.KeyInfo), status: 200},
		{ui: "adminClient.ReplaceKeys", method: "POST", path: "/api/admin/keys/replace", status: 201},
		{ui: "adminClient.Logout", method: "POST", path: "/api/admin/logout", status: 204},

		// Last: it queues learner-2's retrying score again.
		{ui: "client.SendPending", method: "POST", path: "/api/v1/grading/send", token: w.teacher, into: new(model.Requeued), status: 200},
	}
	defer func() { w.t = t }()
	for _, row := range rows {
		t.Run(row.ui+" "+row.method+" "+row.path, func(t *testing.T) {
			w.t = t
			resp, body := w.replay(row, &console)
			if resp.StatusCode != row.status {
				t.Fatalf("status %d, want %d: %.500s", resp.StatusCode, row.status, body)
			}
			if row.after != nil {
				row.after(t, resp)
			}
			checkAnswer(t, row, resp, body)
		})
	}
	t.Run("every UI client call has a row", func(t *testing.T) { checkCoverage(t, uiClientCalls(t), rows) })

	// A refusal's message is what the UI shows (replyError in ui/client.go
	// reads {"error":{"code","message"}}); held to the same strictness.
	refusals := []wireCall{
		{method: "GET", path: "/api/v1/session", status: 401},
		{method: "GET", path: "/api/v1/nothing-here", token: w.teacher, status: 404},
		{method: "GET", path: "/api/v1/grading", token: w.student, status: 403},
		{method: "POST", path: "/api/v1/grade/score", token: w.student, send: model.ScoreSubmission{ActivityID: w.course.ID, ScoreGiven: ptr(11.0)}, status: 400},
		{method: "GET", path: "/api/admin/platforms", status: 401},
		{method: "POST", path: "/api/admin/login", send: model.Credentials{Username: "root", Password: "wrong horse battery"}, status: 401},
	}
	t.Run("refusals", func(t *testing.T) {
		w.t = t
		for _, r := range refusals {
			resp, body := w.replay(r, &consoleAuth{})
			var env struct {
				Error *model.Error `json:"error"`
			}
			if resp.StatusCode != r.status {
				t.Errorf("%s %s: status %d, want %d: %.300s", r.method, r.path, resp.StatusCode, r.status, body)
			} else if err := decodeStrict([]byte(body), &env); err != nil || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Errorf("%s %s: the UI cannot read this refusal (%v): %.300s", r.method, r.path, err, body)
			}
		}
	})
}

// Score fields filled only in some states, for unset lists.
var (
	notTried  = []string{"delivery.attempts", "delivery.lastAttemptAt", "delivery.deliveredAt", "delivery.error", "delivery.lastStatus", "delivery.nextAttemptAt"}
	delivered = []string{"delivery.error", "delivery.lastStatus", "delivery.nextAttemptAt"} // at the first try
	byLearner = []string{"comment", "setBy", "setByName"}                                   // not corrected by an instructor
)

// under puts prefix before each path.
func under(prefix string, paths ...string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = prefix + p
	}
	return out
}

// consoleAuth is what the console's browser holds after signing in.
type consoleAuth struct{ cookie, csrf string }

// replay sends row as the UI does: a bearer token for the launch's API, the
// cookie (and on changes the CSRF token) for the console's. Like the
// browser, it keeps the session of the console's sign-in answers.
func (w *wireWorld) replay(row wireCall, console *consoleAuth) (*http.Response, string) {
	if strings.HasPrefix(row.path, "/api/v1/") {
		return w.apiSend(row.method, row.path, row.token, row.send)
	}
	body, csrf := "", ""
	if row.send != nil {
		body = mustJSON(row.send)
	}
	if row.method != "GET" {
		csrf = console.csrf
	}
	resp, text := w.consoleCall(row.method, row.path, console.cookie, csrf, body)
	if (row.ui == "adminClient.Setup" || row.ui == "adminClient.Login") && resp.StatusCode/100 == 2 {
		console.cookie, console.csrf = cookieValue(w.t, resp), csrfOf(w.t, text)
	}
	return resp, text
}

// checkAnswer holds an answer to the row's contract (see wireCall).
func checkAnswer(t *testing.T, row wireCall, resp *http.Response, body string) {
	t.Helper()
	if row.csv {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(body, "\n") {
			t.Errorf("want CSV rows, got %q: %.300s", ct, body)
		}
		return
	}
	if row.into == nil {
		return
	}
	if err := decodeStrict([]byte(body), row.into); err != nil {
		t.Fatalf("the UI's %T cannot hold the answer: %v\n%.2000s", row.into, err, body)
	}
	typ := reflect.TypeOf(row.into).Elem()
	empty, err := unfilledFields(typ, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var unexpected []string
	for _, p := range empty {
		if !slices.ContainsFunc(row.unset, func(u string) bool { return coversPath(u, p) }) {
			unexpected = append(unexpected, p)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("fields of %v the answer leaves empty (the UI would show blanks): %s\n%.2000s", typ, strings.Join(unexpected, ", "), body)
	}
	// An unset entry the answer fills is stale: the contract says less than it could.
	for _, u := range row.unset {
		if !slices.ContainsFunc(empty, func(p string) bool { return coversPath(u, p) }) {
			t.Errorf("row says %q is empty here, but the answer fills it: drop it from unset", u)
		}
	}
}

// coversPath reports whether an unset entry names path: the path itself,
// or "x.*" for everything under x.
func coversPath(unset, path string) bool {
	if prefix, ok := strings.CutSuffix(unset, ".*"); ok {
		return strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[]") || strings.HasPrefix(path, prefix+"{}")
	}
	return unset == path
}

// checkCoverage fails for a UI call no row replays as the UI makes it, and
// for a row that is no UI call.
func checkCoverage(t *testing.T, calls []uiCall, rows []wireCall) {
	used := make([]bool, len(rows))
	for _, c := range calls {
		found := false
		for i, r := range rows {
			if r.ui != c.client || r.method != c.method || !matchesPattern(c.pattern, r.path) {
				continue
			}
			found, used[i] = true, true
			into := ""
			if r.into != nil {
				into = typeName(r.into)
			}
			if into != c.into || typeName(r.send) != c.send || !slices.Equal(mapKeys(r.send), c.keys) {
				t.Errorf("%s: the UI sends %q %v and decodes into %q; the row sends %q %v and decodes into %q",
					c.pos, c.send, c.keys, c.into, typeName(r.send), mapKeys(r.send), into)
			}
		}
		if !found {
			t.Errorf("%s: %s %s %s has no row in TestWireContract", c.pos, c.client, c.method, c.pattern)
		}
	}
	for i, r := range rows {
		if !used[i] {
			t.Errorf("row %s %s %s matches no call in the UI's clients", r.ui, r.method, r.path)
		}
	}
}
