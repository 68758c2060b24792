package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
)

// sessionRoutes are the session API's writes, each with the launch whose
// token it is called with and a valid body as a seed.
var sessionRoutes = []struct {
	method, path, who, seed string
}{
	{"POST", "/api/v1/grade/score", "learner", `{"scoreGiven": 7, "activityProgress": "Completed"}`},
	{"POST", "/api/v1/grading/scores", "instructor", `{"userId": 1, "scoreGiven": 5, "comment": "Well done"}`},
	{"POST", "/api/v1/grading/send", "instructor", `{}`},
	{"POST", "/api/v1/activities", "instructor", `{"title": "Quiz", "instructions": "# Go", "graded": true, "scoreMaximum": 7.5, "tag": "quiz"}`},
	{"PUT", "/api/v1/activities/1", "instructor", `{"title": "Renamed", "graded": false}`},
	{"POST", "/api/v1/activities/1/duplicate", "instructor", ``},
	{"POST", "/api/v1/activity/assign", "instructor", `{"activityId": 2}`},
	{"POST", "/api/v1/deeplink/response", "picker", `{"items": [{"activityId": 2, "lineItem": true, "target": "iframe"}]}`},
	{"POST", "/api/v1/roster/refresh", "instructor", ``},
}

// FuzzSessionAPIBody: whatever body the app (or anyone holding a session
// token) sends to a session API write, ltibox answers with a status below
// 500 and, for a refusal, a JSON error with a message for people — never a
// 500 or a panic. The tokens come from real launches through the emulator.
func FuzzSessionAPIBody(f *testing.F) {
	for i, r := range sessionRoutes {
		f.Add(uint8(i), []byte(r.seed))
		f.Add(uint8(i), []byte(`{"scoreGiven": "seven", "userId": -1, "activityId": 1e300, "items": {}}`))
		f.Add(uint8(i), []byte(`[`))
		f.Add(uint8(i), []byte(`null`))
	}
	h := newHarness(f)
	tokens := map[string]string{}
	tokens["learner"], _ = h.gradedLaunch("student")
	tokens["instructor"], _ = h.gradedLaunch("instructor")
	dl := ltitest.MoodleDeepLinking()
	dl.AcceptLineItem = true
	resp, err := h.lms.Launch(f.Context(), h.browser(), ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &dl})
	if err != nil {
		f.Fatal(err)
	}
	resp.Body.Close()
	tokens["picker"] = sessionToken(f, resp)

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := sessionRoutes[int(route)%len(sessionRoutes)]
		req, err := http.NewRequest(r.method, h.url+r.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tokens[r.who])
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s %q: %v", r.method, r.path, body, err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: status %d: %.300s", r.method, r.path, body, res.StatusCode, out)
		}
		if res.StatusCode >= 400 {
			var env struct{ Error model.Error }
			if err := json.Unmarshal(out, &env); err != nil || env.Error.Message == "" || env.Error.Code == "" {
				t.Errorf("%s %s %q: %d without a JSON error message: %.300s", r.method, r.path, body, res.StatusCode, out)
			}
		}
	})
}
