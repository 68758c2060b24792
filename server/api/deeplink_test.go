package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// apiDo calls the session API with a JSON body (apiSend) and decodes a 2xx answer into out.
func (h *harness) apiDo(method, path, token string, in, out any) (int, string) {
	h.t.Helper()
	resp, raw := h.apiSend(method, path, token, in)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// seeded returns the two example activities: the reading and the graded one.
func (h *harness) seeded() (reading, graded *model.Activity) {
	h.t.Helper()
	if err := h.db.SeedActivities(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	list, err := h.db.Activities(context.Background(), model.ActivityFilter{Library: true})
	if err != nil || len(list) != 2 {
		h.t.Fatalf("seeds: %v %v", list, err)
	}
	for _, a := range list {
		if a.Graded {
			graded = a
		} else {
			reading = a
		}
	}
	return reading, graded
}

// dlLaunch runs an instructor deep-linking launch with settings and returns the session token.
func (h *harness) dlLaunch(t *testing.T, s ltitest.DeepLinkSettings) string {
	t.Helper()
	resp, body := h.launch(ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &s})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/app/picker#session=") {
		t.Fatalf("deep-linking launch: %d %s %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return sessionToken(t, resp)
}

var (
	formActionRE = regexp.MustCompile(`<form id="dl-return" method="post" action="([^"]*)">`)
	jwtFieldRE   = regexp.MustCompile(`<input type="hidden" name="JWT" value="([^"]*)">`)
)

// submit posts a selection, opens the ticket's return page like the SPA, and
// posts its form to the LMS like the browser. It returns the signed JWT and
// the LMS's status.
func (h *harness) submit(t *testing.T, token string, sel model.DeepLinkSelection) (string, int) {
	t.Helper()
	var ticket model.DeepLinkTicket
	if st, body := h.apiDo("POST", "/api/v1/deeplink/response", token, sel, &ticket); st != 200 {
		t.Fatalf("submit selection: %d %s", st, body)
	}
	if ticket.Items != len(sel.Items) || !strings.HasPrefix(ticket.ReturnPath, "/lti/deeplink/return?ticket=") {
		t.Fatalf("ticket = %+v", ticket)
	}
	resp, err := http.Get(h.url + ticket.ReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("return page: %d %s", resp.StatusCode, page)
	}
	// The page counts in words: "Sending 1 item", "Sending 2 items".
	switch n := len(sel.Items); {
	case n == 1 && !strings.Contains(page, "Sending 1 item to your course."),
		n > 1 && !strings.Contains(page, fmt.Sprintf("Sending %d items to your course.", n)),
		strings.Contains(page, "(s)"):
		t.Errorf("return page does not count %d items in words:\n%s", n, page)
	}
	if !strings.Contains(page, `<script src="/lti/deeplink/autosubmit.js" defer></script>`) || strings.Contains(page, "<script>") {
		t.Errorf("return page must submit with an external script only:\n%s", page)
	}
	action, field := formActionRE.FindStringSubmatch(page), jwtFieldRE.FindStringSubmatch(page)
	if action == nil || field == nil {
		t.Fatalf("return page has no JWT form:\n%s", page)
	}
	ret := html.UnescapeString(action[1])
	u, _ := url.Parse(ret)
	if csp := resp.Header.Get("Content-Security-Policy"); !regexp.MustCompile(`form-action [^;]*` + regexp.QuoteMeta(u.Scheme+"://"+u.Host)).MatchString(csp) {
		t.Errorf("CSP form-action does not allow the return URL %s: %s", ret, csp)
	}
	// A ticket works once.
	again, err := http.Get(h.url + ticket.ReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, again); again.StatusCode != 404 || !strings.Contains(b, "already sent") {
		t.Errorf("second use of a ticket: %d %.300s", again.StatusCode, b)
	}
	jwtValue := html.UnescapeString(field[1])
	lms, err := http.PostForm(ret, url.Values{"JWT": {jwtValue}})
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, lms); lms.StatusCode != 200 {
		t.Logf("LMS answered %d: %s", lms.StatusCode, b)
	}
	return jwtValue, lms.StatusCode
}

// TestDeepLink_PickTwoAndLaunchThem is the whole story without a browser: an
// instructor picks a reading and a graded activity, the LMS verifies and
// records two links (the graded one with its line item), and a student launch
// of each opens the right activity.
func TestDeepLink_PickTwoAndLaunchThem(t *testing.T) {
	h := newHarness(t)
	reading, graded := h.seeded()
	data := "moodle-state-7"
	s := ltitest.MoodleDeepLinking()
	s.AcceptLineItem, s.Data = true, &data
	tok := h.dlLaunch(t, s)

	var opts model.DeepLinkOptions
	if st, body := h.apiDo("GET", "/api/v1/deeplink", tok, nil, &opts); st != 200 || !opts.AcceptMultiple || !opts.AcceptLineItem || !opts.CanLink || len(opts.Targets) != 3 {
		t.Fatalf("options: %d %s", st, body)
	}
	var list []model.Activity
	if st, body := h.apiDo("GET", "/api/v1/activities?q=self", tok, nil, &list); st != 200 || len(list) != 1 || list[0].ID != graded.ID ||
		!strings.Contains(list[0].InstructionsHTML, "<h1") || !strings.Contains(list[0].InstructionsHTML, "<strong>Submit score</strong>") {
		t.Fatalf("search: %d %s", st, body)
	}

	raw, status := h.submit(t, tok, model.DeepLinkSelection{Items: []model.DeepLinkChoice{
		{ActivityID: reading.ID, Target: "iframe"},
		{ActivityID: graded.ID, Gradebook: true},
	}})
	if status != 200 {
		t.Fatalf("the LMS refused the response (%d)", status)
	}

	// The JWT verifies with the tool's published JWKS and carries every claim.
	kf, err := keyfunc.NewDefaultCtx(context.Background(), []string{h.url + "/.well-known/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	tok2, err := jwt.ParseWithClaims(raw, claims, kf.Keyfunc, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("tool-1"),
		jwt.WithAudience(h.lms.Issuer()), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("response JWT does not verify with the published JWKS: %v", err)
	}
	key, _ := h.tool.SigningKey(context.Background())
	if tok2.Header["kid"] != key.KID {
		t.Errorf("kid = %v, want the current key %s", tok2.Header["kid"], key.KID)
	}
	for k, want := range map[string]any{"iss": "tool-1", "aud": h.lms.Issuer(), lti.ClaimDeploymentID: "1", lti.ClaimVersion: "1.3.0",
		lti.ClaimMessageType: "LtiDeepLinkingResponse", lti.ClaimDLData: data} {
		if claims[k] != want {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], want)
		}
	}
	if n, _ := claims["nonce"].(string); n == "" {
		t.Error("no nonce")
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if d := exp.Sub(iat.Time); d <= 0 || d > 10*60e9 {
		t.Errorf("lifetime %v is not short", d)
	}
	items := claims[lti.ClaimDLContent].([]any)
	first := items[0].(map[string]any)
	if first["url"] != h.tool.LaunchURL() || first["title"] != reading.Title || first["text"] == "" || first["iframe"] == nil ||
		first["custom"].(map[string]any)["activity_id"] != fmt.Sprint(reading.ID) || first["lineItem"] != nil {
		t.Errorf("reading item = %v", first)
	}

	links := h.lms.Links()
	if len(links) != 2 {
		t.Fatalf("the LMS recorded %d links, want 2", len(links))
	}
	if links[0].LineItem != nil || links[0].Target != "iframe" {
		t.Errorf("reading link = %+v", links[0])
	}
	li := links[1].LineItem
	if li == nil || li.ScoreMaximum != 10 || li.Label != graded.Title || li.ResourceID != fmt.Sprint(graded.ID) || li.Tag != "example" {
		t.Fatalf("graded link line item = %+v", li)
	}

	for i, want := range []*model.Activity{reading, graded} {
		spec, err := h.lms.LinkLaunch(i, "student")
		if err != nil {
			t.Fatal(err)
		}
		resp, body := h.launch(spec)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/app/activity#session=") {
			t.Fatalf("student launch of link %d: %d %s %.200s", i, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		var got model.LinkActivity
		if st, body := h.apiDo("GET", "/api/v1/activity", sessionToken(t, resp), nil, &got); st != 200 || !got.SetUp || got.Activity.ID != want.ID || got.Activity.InstructionsHTML == "" {
			t.Errorf("link %d opens %s (status %d), want activity %d", i, body, st, want.ID)
		}
		rl, err := h.db.ResourceLinkOf(context.Background(), h.reg.ID, "1", links[i].ResourceLinkID)
		if err != nil || rl.ActivityID != want.ID {
			t.Errorf("stored mapping of link %d = %+v, %v", i, rl, err)
		}
		if i == 1 && rl.LineItemURL != li.ID {
			t.Errorf("graded link stored line item %q, want %q", rl.LineItemURL, li.ID)
		}
	}
}

// TestDeepLink_Refusals: selections the platform did not allow are refused
// with a clear message, nothing is signed or stored, and the LMS gets nothing.
func TestDeepLink_Refusals(t *testing.T) {
	h := newHarness(t)
	reading, graded := h.seeded()
	base := ltitest.MoodleDeepLinking()
	with := func(edit func(s *ltitest.DeepLinkSettings)) ltitest.DeepLinkSettings { s := base; edit(&s); return s }
	both := []model.DeepLinkChoice{{ActivityID: reading.ID}, {ActivityID: graded.ID}}
	tests := []struct {
		name     string
		settings ltitest.DeepLinkSettings
		items    []model.DeepLinkChoice
		status   int
		code     string
		words    string
	}{
		{"accept_multiple false with two items", with(func(s *ltitest.DeepLinkSettings) { s.AcceptMultiple = false }), both, 400, "deeplink.multiple_not_accepted", "only one item"},
		{"lineItem when accept_lineitem is false", base, []model.DeepLinkChoice{{ActivityID: graded.ID, Gradebook: true}}, 400, "deeplink.lineitem_not_accepted", "does not accept gradebook columns"},
		{"type not accepted", with(func(s *ltitest.DeepLinkSettings) { s.AcceptTypes = []string{"link", "html"} }), both[:1], 400, "deeplink.type_not_accepted", `type "ltiResourceLink"`},
		{"target not accepted", with(func(s *ltitest.DeepLinkSettings) { s.AcceptPresentationDocumentTargets = []string{"window"} }), []model.DeepLinkChoice{{ActivityID: reading.ID, Target: "iframe"}}, 400, "deeplink.target_not_accepted", "iframe"},
		{"gradebook for an ungraded activity", with(func(s *ltitest.DeepLinkSettings) { s.AcceptLineItem = true }), []model.DeepLinkChoice{{ActivityID: reading.ID, Gradebook: true}}, 400, model.EINVALID, "not graded"},
		{"unknown activity", base, []model.DeepLinkChoice{{ActivityID: 9999}}, 404, model.ENOTFOUND, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := h.dlLaunch(t, tt.settings)
			st, body := h.apiDo("POST", "/api/v1/deeplink/response", tok, model.DeepLinkSelection{Items: tt.items}, nil)
			var env struct{ Error model.Error }
			_ = json.Unmarshal([]byte(body), &env)
			if st != tt.status || env.Error.Code != tt.code || !strings.Contains(env.Error.Message, tt.words) {
				t.Errorf("got %d %s; want %d %s saying %q", st, body, tt.status, tt.code, tt.words)
			}
			if n, _ := h.db.CountDeepLinkTickets(context.Background()); n != 0 {
				t.Errorf("%d tickets stored after a refusal", n)
			}
		})
	}
	if got := h.lms.DeepLinkResponses(); len(got) != 0 {
		t.Errorf("the LMS received %d responses", len(got))
	}
}

// TestDeepLink_MissingReturnURLAtLaunch: checklist 34, rejected before any session exists.
func TestDeepLink_MissingReturnURLAtLaunch(t *testing.T) {
	h := newHarness(t)
	s := ltitest.MoodleDeepLinking()
	s.OmitReturnURL = true
	resp, body := h.launch(ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &s})
	h.rejected(t, resp, body, 401, "launch.dl_return_url_missing", "does not say where to return the selection")
}

// TestDeepLink_DataEchoAndCancel: data comes back verbatim when present (even
// ""), is absent when absent; Cancel sends content_items [].
func TestDeepLink_DataEchoAndCancel(t *testing.T) {
	h := newHarness(t)
	reading, _ := h.seeded()
	empty, present := "", `{"course":5,"sesskey":"a b"}`
	for i, tc := range []struct {
		name   string
		data   *string
		cancel bool
	}{{"present", &present, false}, {"empty string", &empty, false}, {"absent", nil, false}, {"cancel", &present, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := ltitest.MoodleDeepLinking()
			s.Data = tc.data
			tok := h.dlLaunch(t, s)
			sel := model.DeepLinkSelection{Items: []model.DeepLinkChoice{{ActivityID: reading.ID}}}
			if tc.cancel {
				sel = model.DeepLinkSelection{}
			}
			raw, status := h.submit(t, tok, sel)
			if status != 200 {
				t.Fatalf("LMS refused: %d", status)
			}
			parts := strings.Split(raw, ".")
			payload, _ := jwt.NewParser().DecodeSegment(parts[1])
			var c map[string]json.RawMessage
			_ = json.Unmarshal(payload, &c)
			got, ok := c[lti.ClaimDLData]
			switch {
			case tc.data == nil && ok:
				t.Errorf("data claim %s present, request had none", got)
			case tc.data != nil && string(got) != mustJSON(*tc.data):
				t.Errorf("data claim = %s, want %s", got, mustJSON(*tc.data))
			}
			if tc.cancel && string(c[lti.ClaimDLContent]) != "[]" {
				t.Errorf("cancel content_items = %s, want []", c[lti.ClaimDLContent])
			}
			resps := h.lms.DeepLinkResponses()
			last := resps[len(resps)-1]
			if len(resps) != i+1 || (tc.data == nil) != (last.Data == nil) || (tc.data != nil && *last.Data != *tc.data) {
				t.Errorf("LMS recorded %+v", last)
			}
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestDeepLink_LaunchChecks: checklist 34 — a deep-linking request without
// settings, with a non-https return URL or without accept_types is rejected.
func TestDeepLink_LaunchChecks(t *testing.T) {
	h := newHarness(t)
	insecure := ltitest.MoodleDeepLinking()
	insecure.ReturnURL = "http://lms.example.edu/deeplink/return"
	noTypes := ltitest.MoodleDeepLinking()
	noTypes.AcceptTypes = nil
	for _, tt := range []struct {
		name  string
		spec  ltitest.LaunchSpec
		check string
		words string
	}{
		{"no settings", ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor",
			Mutate: func(c map[string]any) { delete(c, lti.ClaimDLSettings) }}, "launch.dl_settings_missing", "no deep_linking_settings"},
		{"http return URL", ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &insecure}, "launch.dl_return_url_insecure", "not an https URL"},
		{"no accept_types", ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &noTypes}, "launch.dl_accept_types_missing", "which content it accepts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.launch(tt.spec)
			h.rejected(t, resp, body, 401, tt.check, tt.words)
		})
	}
}

// TestDeepLink_GradebookColumnChoiceHolds: a graded activity placed with "Add
// a gradebook column" unticked carries custom.gradebook=none, which the LMS
// sends back on its launches; its scores (the learner's and the instructor's
// correction) are saved in ltibox, no line item is created and nothing is
// posted, and the learner and instructor are told so. The same activity
// placed ticked gets exactly its one column, and its scores go there. If the
// LMS binds a column to the unticked link anyway, scores go to that column.
func TestDeepLink_GradebookColumnChoiceHolds(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	graded := h.placeGraded(t, false, true)
	links := h.lms.Links()
	if len(links) != 2 || links[0].LineItem != nil || links[1].LineItem == nil {
		t.Fatalf("links = %+v, want the unticked one without a line item, the ticked one with", links)
	}
	if links[0].Custom["gradebook"] != "none" || links[1].Custom["gradebook"] != "" || links[0].Custom["activity_id"] != fmt.Sprint(graded.ID) {
		t.Errorf("custom parameters: unticked %v, ticked %v", links[0].Custom, links[1].Custom)
	}
	linkToken := func(i int, user string) string {
		spec, err := h.lms.LinkLaunch(i, user)
		if err != nil {
			t.Fatal(err)
		}
		if spec.Custom["gradebook"] != links[i].Custom["gradebook"] {
			t.Fatalf("the LMS launch of link %d does not carry its custom parameters: %v", i, spec.Custom)
		}
		resp, body := h.launch(spec)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("launch of link %d as %s: %d %.300s", i, user, resp.StatusCode, body)
		}
		return sessionToken(t, resp)
	}
	post := func(tok string, in model.ScoreSubmission) model.Score {
		t.Helper()
		var sc model.Score
		if st, body := h.apiDo("POST", "/api/v1/grade/score", tok, in, &sc); st != 201 {
			t.Fatalf("score %+v: %d %s", in, st, body)
		}
		return sc
	}
	six, seven, eight, nine := 6.0, 7.0, 8.0, 9.0

	// Unticked: the learner opens and scores; both stay in ltibox.
	stu := linkToken(0, "student")
	if v := h.grade(stu); !v.Enabled || !v.LocalOnly || v.ScoreMaximum != graded.ScoreMaximum {
		t.Fatalf("grade view of the unticked link = %+v, want enabled, local only, out of the activity's maximum", v)
	}
	post(stu, model.ScoreSubmission{ActivityID: graded.ID, ActivityProgress: "InProgress"})
	if sc := post(stu, model.ScoreSubmission{ActivityID: graded.ID, ScoreGiven: &six}); sc.Delivery.State != model.DeliveryLocal {
		t.Errorf("score on the unticked link: delivery %q, want %q", sc.Delivery.State, model.DeliveryLocal)
	}
	if v := h.grade(stu); v.Score == nil || *v.Score.ScoreGiven != 6 || v.Score.Delivery.State != model.DeliveryLocal {
		t.Errorf("the learner's saved score = %+v", v.Score)
	}
	// The instructor's view says so, corrects in ltibox, sends nothing.
	ins := linkToken(0, "instructor")
	var view model.GradingView
	if st, body := h.apiDo("GET", "/api/v1/grading", ins, nil, &view); st != 200 || !view.LocalOnly || view.Counts[model.DeliveryLocal] != 1 || len(view.Rows) != 1 {
		t.Errorf("grading view of the unticked link: %d %s", st, body)
	}
	var sc model.Score
	if st, body := h.apiDo("POST", "/api/v1/grading/scores", ins, model.ScoreEdit{UserID: view.Rows[0].User.ID, ScoreGiven: &seven}, &sc); st != 201 || sc.Delivery.State != model.DeliveryLocal {
		t.Errorf("instructor correction: %d %s", st, body)
	}
	for _, p := range []string{"/api/v1/grading/send", "/api/v1/grading/readback"} {
		if resp, body := h.apiSend("POST", p, ins, nil); resp.StatusCode != 409 || !strings.Contains(body, "does not send scores to the course gradebook") {
			t.Errorf("%s on the unticked link: %d %s", p, resp.StatusCode, body)
		}
	}

	// Ticked: the same learner's score goes to the link's one column.
	stu1 := linkToken(1, "student")
	if v := h.grade(stu1); !v.Enabled || v.LocalOnly {
		t.Fatalf("grade view of the ticked link = %+v", v)
	}
	post(stu1, model.ScoreSubmission{ActivityID: graded.ID, ScoreGiven: &eight})
	waitFor(t, "delivery on the ticked link", func() bool { return h.grade(stu1).Score.Delivery.State == model.DeliveryDelivered })
	items := h.lms.LineItems("course-101")
	if len(items) != 1 || items[0].ID != links[1].LineItem.ID {
		t.Fatalf("line items of the course = %+v, want only the ticked link's", items)
	}
	if got := h.lms.Scores(items[0].ID); len(got) != 1 || *got[0].ScoreGiven != 8 {
		t.Errorf("the ticked link's column received %+v, want the one score 8", got)
	}
	if n := h.queued(); n != 1 {
		t.Errorf("outbox holds %d items, want 1 (the ticked link's score only)", n)
	}

	// The LMS binds a column to the unticked link after all: scores go there.
	bound := h.lms.AddLineItem("course-101", ltitest.LineItem{Label: "Bound", ScoreMaximum: 10, ResourceLinkID: links[0].ResourceLinkID})
	spec, _ := h.lms.LinkLaunch(0, "student")
	spec.LineItemID = path.Base(bound)
	resp, _ := h.launch(spec)
	tokBound := sessionToken(t, resp)
	if v := h.grade(tokBound); !v.Enabled || v.LocalOnly {
		t.Fatalf("grade view with a bound column = %+v", v)
	}
	post(tokBound, model.ScoreSubmission{ActivityID: graded.ID, ScoreGiven: &nine})
	waitFor(t, "delivery to the bound column", func() bool { return h.grade(tokBound).Score.Delivery.State == model.DeliveryDelivered })
	// Opening the bound launch sent the kept score (the instructor's 7) first.
	if got := h.lms.Scores(bound); len(got) != 2 || *got[0].ScoreGiven != 7 || *got[1].ScoreGiven != 9 {
		t.Errorf("the bound column received %+v, want the kept 7, then 9", got)
	}
	if n := len(h.lms.LineItems("course-101")); n != 2 {
		t.Errorf("the course has %d line items, want 2 (ticked + bound): ltibox created one", n)
	}
}

// TestGrading_LocalScoresGoOnceTheLinkHasAColumn: scores kept in ltibox on
// a link placed without a gradebook column are not stranded when the LMS
// binds a column to that link later. The first view of the activity after
// that (the learner's page here, the instructor's grading view for another
// learner) queues each learner's latest kept score; it reaches the column
// once, and Send all pending finds nothing more to send.
func TestGrading_LocalScoresGoOnceTheLinkHasAColumn(t *testing.T) {
	h := newHarness(t)
	startOutbox(h)
	graded := h.placeGraded(t, false)
	h.lms.AddUser(ltitest.User{ID: "student-2", Name: "Bo Second", Roles: []string{ltitest.RoleLearner}})
	h.lms.Enroll("course-101", "student-2", ltitest.RoleLearner)
	launch := func(user, lineItem string) string {
		spec, err := h.lms.LinkLaunch(0, user)
		if err != nil {
			t.Fatal(err)
		}
		spec.LineItemID = lineItem
		resp, body := h.launch(spec)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("launch as %s: %d %.300s", user, resp.StatusCode, body)
		}
		return sessionToken(t, resp)
	}
	score := func(tok string, v float64) {
		t.Helper()
		if st, body := h.apiDo("POST", "/api/v1/grade/score", tok, model.ScoreSubmission{ActivityID: graded.ID, ScoreGiven: &v}, nil); st != 201 {
			t.Fatalf("kept score: %d %s", st, body)
		}
	}
	stu, stu2 := launch("student", ""), launch("student-2", "")
	score(stu, 5)
	score(stu, 6) // the latest, 6, is the one to send
	score(stu2, 3)
	var la model.LinkActivity
	if st, body := h.apiDo("GET", "/api/v1/activity", launch("instructor", ""), nil, &la); st != 200 || !la.ScoresKept {
		t.Errorf("activity of the link without a column: %d %s, want scoresKept", st, body)
	}

	bound := h.lms.AddLineItem("course-101", ltitest.LineItem{Label: "Bound later", ScoreMaximum: graded.ScoreMaximum, ResourceLinkID: h.lms.Links()[0].ResourceLinkID})
	// The learner opens the activity again, from the LMS that now binds the column.
	if v := h.grade(launch("student", path.Base(bound))); v.LocalOnly || v.Score == nil || v.Score.Delivery.State == model.DeliveryLocal {
		t.Fatalf("the learner's view once a column is bound: %+v, want the kept score on its way", v)
	}
	waitFor(t, "both kept scores in the bound column", func() bool { return len(h.lms.Scores(bound)) == 2 })
	got := map[string]float64{}
	for _, sc := range h.lms.Scores(bound) {
		got[sc.UserID] = *sc.ScoreGiven
	}
	if got["student"] != 6 || got["student-2"] != 3 {
		t.Errorf("the bound column received %v, want student 6 (the latest) and student-2 3", got)
	}
	ins := launch("instructor", path.Base(bound))
	la = model.LinkActivity{}
	if st, body := h.apiDo("GET", "/api/v1/activity", ins, nil, &la); st != 200 || la.ScoresKept {
		t.Errorf("activity once a column is bound: %d %s, want scores not kept", st, body)
	}
	var view model.GradingView
	waitFor(t, "the grading view shows both delivered", func() bool {
		view = model.GradingView{}
		st, _ := h.apiDo("GET", "/api/v1/grading", ins, nil, &view)
		return st == 200 && view.Counts[model.DeliveryDelivered] == 2
	})
	if view.LocalOnly || view.Counts[model.DeliveryLocal] != 0 {
		t.Errorf("grading view once sent: %+v", view.Counts)
	}
	var sent model.Requeued
	if st, body := h.apiDo("POST", "/api/v1/grading/send", ins, nil, &sent); st != 200 || sent.Count != 0 {
		t.Errorf("send all pending after the kept scores went: %d %s, want 0", st, body)
	}
	if n := len(h.lms.Scores(bound)); n != 2 {
		t.Errorf("the bound column holds %d scores, want 2 (each kept score once)", n)
	}
}

// placeGraded places the seeded graded activity by deep linking once per
// choice, with "Add a gradebook column" ticked or not (the LMS offers
// columns), and returns the activity; h.lms.Links() lists the links in order.
func (h *harness) placeGraded(t *testing.T, gradebook ...bool) *model.Activity {
	t.Helper()
	_, graded := h.seeded()
	s := ltitest.MoodleDeepLinking()
	s.AcceptLineItem = true
	for _, ticked := range gradebook {
		if _, st := h.submit(t, h.dlLaunch(t, s), model.DeepLinkSelection{Items: []model.DeepLinkChoice{{ActivityID: graded.ID, Gradebook: ticked}}}); st != 200 {
			t.Fatalf("the LMS refused the response (%d)", st)
		}
	}
	return graded
}
