package ltitest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func hdr(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLineItemsMediaTypesAndAuth(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeLineItem, ltitest.ScopeScore)
	scoreOnly := ft.accessToken(ltitest.ScopeScore)
	items := p.Issuer() + "/ags/course-101/lineitems"
	body := `{"label":"Quiz","scoreMaximum":10,"resourceLinkId":"rl-1","tag":"quiz"}`
	ct := "Content-Type"

	tests := []struct {
		name    string
		method  string
		url     string
		token   string
		headers map[string]string
		body    string
		want    int
	}{
		{"create", "POST", items, tok, hdr(ct, ltitest.MediaLineItem, "Accept", ltitest.MediaLineItem), body, 201},
		{"create with json content type", "POST", items, tok, hdr(ct, "application/json"), body, 400},
		{"create with charset", "POST", items, tok, hdr(ct, ltitest.MediaLineItem+"; charset=utf-8"), body, 400},
		{"create without token", "POST", items, "", hdr(ct, ltitest.MediaLineItem), body, 401},
		{"create with bad token", "POST", items, "garbage", hdr(ct, ltitest.MediaLineItem), body, 401},
		{"create without lineitem scope", "POST", items, scoreOnly, hdr(ct, ltitest.MediaLineItem), body, 403},
		{"create without label", "POST", items, tok, hdr(ct, ltitest.MediaLineItem), `{"scoreMaximum":10}`, 400},
		{"create with zero maximum", "POST", items, tok, hdr(ct, ltitest.MediaLineItem), `{"label":"x","scoreMaximum":0}`, 400},
		{"create with string maximum", "POST", items, tok, hdr(ct, ltitest.MediaLineItem), `{"label":"x","scoreMaximum":"10"}`, 400},
		{"create for unknown resource link", "POST", items, tok, hdr(ct, ltitest.MediaLineItem), `{"label":"x","scoreMaximum":1,"resourceLinkId":"nope"}`, 403},
		{"create in unknown course", "POST", p.Issuer() + "/ags/nope/lineitems", tok, hdr(ct, ltitest.MediaLineItem), body, 404},
		{"list", "GET", items, tok, hdr("Accept", ltitest.MediaLineItemContainer), "", 200},
		{"list without accept", "GET", items, tok, nil, "", 200},
		{"list with accept list", "GET", items, tok, hdr("Accept", ltitest.MediaLineItemContainer+", application/json"), "", 400},
		{"list with wrong accept", "GET", items, tok, hdr("Accept", "application/json"), "", 406},
		{"list with score token", "GET", items, scoreOnly, nil, "", 403},
		{"list with bad limit", "GET", items + "?limit=x", tok, nil, "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, b := call(t, tt.method, tt.url, tt.token, tt.headers, tt.body)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, b)
			}
			if status == 401 && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	lis := p.LineItems("course-101")
	if len(lis) != 1 || lis[0].Label != "Quiz" || lis[0].ID != items+"/1" {
		t.Errorf("line items %+v", lis)
	}
}

func TestLineItemsCRUDAndPaging(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	other := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeLineItem)
	ro := ft.accessToken(ltitest.ScopeLineItemReadOnly)
	items := p.Issuer() + "/ags/course-101/lineitems"
	create := hdr("Content-Type", ltitest.MediaLineItem)
	for i := range 3 {
		tag := "quiz"
		if i == 2 {
			tag = "exam"
		}
		status, h, b := call(t, "POST", items, tok, create, fmt.Sprintf(`{"label":"Item %d","scoreMaximum":10,"tag":%q}`, i, tag))
		if status != 201 || h.Get("Content-Type") != ltitest.MediaLineItem {
			t.Fatalf("create: %d %s", status, b)
		}
	}
	platformItem := p.AddLineItem("course-101", ltitest.LineItem{Label: "Platform column", ScoreMaximum: 5})
	status, _, b := call(t, "POST", items, other.accessToken(ltitest.ScopeLineItem), create, `{"label":"Other tool","scoreMaximum":1}`)
	if status != 201 {
		t.Fatalf("other tool create: %d %s", status, b)
	}
	var otherItem ltitest.LineItem
	json.Unmarshal(b, &otherItem)

	// Page through with page size 2: the other tool's item is invisible.
	p.SetPageSize(2)
	var labels []string
	next := items
	pages := 0
	for next != "" {
		status, h, b := call(t, "GET", next, ro, hdr("Accept", ltitest.MediaLineItemContainer), "")
		if status != 200 {
			t.Fatalf("list: %d %s", status, b)
		}
		var page []ltitest.LineItem
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, li := range page {
			labels = append(labels, li.Label)
		}
		next = nextLink(h.Get("Link"), "next")
		pages++
	}
	if diff := cmp.Diff([]string{"Item 0", "Item 1", "Item 2", "Platform column"}, labels); diff != "" || pages != 2 {
		t.Errorf("pages %d, labels (-want +got):\n%s", pages, diff)
	}

	// Filters.
	status, _, b = call(t, "GET", items+"?tag=exam", ro, nil, "")
	var filtered []ltitest.LineItem
	json.Unmarshal(b, &filtered)
	if status != 200 || len(filtered) != 1 || filtered[0].Label != "Item 2" {
		t.Errorf("tag filter: %d %s", status, b)
	}

	// GET, PUT, DELETE one item; the other tool's item is forbidden.
	first := items + "/1"
	if status, _, b := call(t, "GET", first, ro, hdr("Accept", ltitest.MediaLineItem), ""); status != 200 || !strings.Contains(string(b), `"Item 0"`) {
		t.Errorf("get: %d %s", status, b)
	}
	if status, _, _ := call(t, "GET", otherItem.ID, ro, nil, ""); status != 404 {
		t.Errorf("other tool's item: %d", status)
	}
	if status, _, _ := call(t, "DELETE", platformItem, tok, nil, ""); status != 403 {
		t.Errorf("deleting a platform-made item: %d", status)
	}
	if status, _, _ := call(t, "GET", platformItem, ro, nil, ""); status != 200 {
		t.Errorf("platform item: %d", status)
	}
	if status, _, b := call(t, "PUT", first, tok, create, `{"label":"Renamed","scoreMaximum":20}`); status != 200 || !strings.Contains(string(b), `"id":"`+first+`"`) {
		t.Errorf("put: %d %s", status, b)
	}
	if status, _, _ := call(t, "PUT", first, tok, create, `{"id":"`+items+`/2","label":"x","scoreMaximum":1}`); status != 400 {
		t.Errorf("put with another id: %d", status)
	}
	if status, _, _ := call(t, "PUT", first, ro, create, `{"label":"x","scoreMaximum":1}`); status != 403 {
		t.Errorf("put with read-only token: %d", status)
	}
	if status, _, _ := call(t, "DELETE", first, tok, nil, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _, _ := call(t, "GET", first, ro, nil, ""); status != 404 {
		t.Errorf("get deleted: %d", status)
	}
}

func TestScores(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeScore, ltitest.ScopeResultReadOnly)
	li := p.AddLineItem("course-101", ltitest.LineItem{Label: "Essay", ScoreMaximum: 50, ResourceLinkID: "rl-1"})
	scores := li + "/scores"
	ct := hdr("Content-Type", ltitest.MediaScore)
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	score := func(user string, ts time.Time, extra string) string {
		return fmt.Sprintf(`{"userId":%q,"timestamp":%q,"activityProgress":"Completed","gradingProgress":"FullyGraded"%s}`,
			user, ts.Format(time.RFC3339Nano), extra)
	}
	given := `,"scoreGiven":8,"scoreMaximum":10`

	tests := []struct {
		name    string
		headers map[string]string
		body    string
		want    int
	}{
		{"first", ct, score("student", t0, given), 200},
		{"same timestamp", ct, score("student", t0, given), 409},
		{"older timestamp", ct, score("student", t0.Add(-time.Second), given), 409},
		{"a millisecond later", ct, score("student", t0.Add(time.Millisecond), `,"scoreGiven":9,"scoreMaximum":10,"comment":"good"`), 200},
		{"pending does not grade", ct, strings.Replace(score("student", t0.Add(time.Second), `,"scoreGiven":1,"scoreMaximum":10`), "FullyGraded", "Pending", 1), 200},
		{"json content type", hdr("Content-Type", "application/json"), score("student", t0.Add(time.Hour), given), 400},
		{"instructor is not gradable", ct, score("instructor", t0, given), 400},
		{"unknown user", ct, score("ghost", t0, given), 400},
		{"bad activity progress", ct, strings.Replace(score("student", t0.Add(time.Hour), given), "Completed", "Done", 1), 400},
		{"bad grading progress", ct, strings.Replace(score("student", t0.Add(time.Hour), given), "FullyGraded", "Graded", 1), 400},
		{"negative score", ct, score("student", t0.Add(time.Hour), `,"scoreGiven":-1,"scoreMaximum":10`), 400},
		{"zero maximum", ct, score("student", t0.Add(time.Hour), `,"scoreGiven":1,"scoreMaximum":0`), 400},
		{"given without maximum", ct, score("student", t0.Add(time.Hour), `,"scoreGiven":1`), 400},
		{"no timestamp", ct, `{"userId":"student","activityProgress":"Completed","gradingProgress":"FullyGraded"}`, 400},
		{"timestamp without zone", ct, strings.Replace(score("student", t0.Add(time.Hour), given), "Z", "", 1), 400},
		{"not json", ct, `{"userId":`, 400},
		{"offset timestamp", ct, `{"userId":"student","timestamp":"2025-03-01T12:00:00.5+01:00","activityProgress":"Started","gradingProgress":"NotReady"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, b := call(t, "POST", scores, tok, tt.headers, tt.body)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, b)
			}
		})
	}

	if got := p.Scores(li); len(got) != 4 {
		t.Errorf("stored %d scores, want 4", len(got))
	}
	wantScore := 45.0 // 9/10 rescaled to the line item maximum of 50
	want := []ltitest.Result{{ID: li + "/results/student", ScoreOf: li, UserID: "student", ResultScore: &wantScore, ResultMaximum: 50, Comment: "good"}}
	if diff := cmp.Diff(want, p.Results(li)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	results := li + "/results"
	status, h, b := call(t, "GET", results, tok, hdr("Accept", ltitest.MediaResultContainer), "")
	var got []ltitest.Result
	json.Unmarshal(b, &got)
	if status != 200 || h.Get("Content-Type") != ltitest.MediaResultContainer || len(got) != 1 || *got[0].ResultScore != 45 {
		t.Errorf("results: %d %s", status, b)
	}
	if status, _, b := call(t, "GET", results+"?user_id=ghost", tok, nil, ""); status != 200 || string(b) != "[]" {
		t.Errorf("results for nobody: %d %s", status, b)
	}
	if status, _, _ := call(t, "GET", results, tok, hdr("Accept", ltitest.MediaLineItemContainer), ""); status != 406 {
		t.Errorf("results with the wrong Accept: %d", status)
	}
	if status, _, _ := call(t, "GET", results, ft.accessToken(ltitest.ScopeScore), nil, ""); status != 403 {
		t.Errorf("results with a score-only token: %d", status)
	}
	// A new maximum rescales the gradebook, keeping the percentage.
	put := hdr("Content-Type", ltitest.MediaLineItem)
	if status, _, b := call(t, "PUT", li, ft.accessToken(ltitest.ScopeLineItem), put, `{"label":"Essay","scoreMaximum":100,"resourceLinkId":"rl-1"}`); status != 200 {
		t.Fatalf("put: %d %s", status, b)
	}
	if r := p.Results(li); len(r) != 1 || *r[0].ResultScore != 90 || r[0].ResultMaximum != 100 {
		t.Errorf("after rescale: %+v", r)
	}
	if status, _, _ := call(t, "POST", p.Issuer()+"/ags/course-101/lineitems/999/scores", tok, ct, score("student", t0.Add(time.Hour), given)); status != 404 {
		t.Errorf("score for a missing line item: %d", status)
	}
}
