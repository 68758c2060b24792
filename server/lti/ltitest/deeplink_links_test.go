package ltitest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

const dlItems = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"

// dlReturnURL sends a deep-linking request with settings s and returns the
// return URL the platform put in it.
func dlReturnURL(t *testing.T, p *ltitest.Platform, s ltitest.DeepLinkSettings) string {
	t.Helper()
	tok, err := p.IDToken(ltitest.LaunchSpec{MessageType: ltitest.MessageDeepLinking, UserID: "instructor", DeepLinking: &s}, "n")
	if err != nil {
		t.Fatal(err)
	}
	c := decodeSegment(t, strings.Split(tok, ".")[1])
	dl := c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"].(map[string]any)
	ret, _ := dl["deep_link_return_url"].(string)
	return ret
}

func TestDeepLinkLinks_SettingsAreEnforcedAndLinksCreated(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	data := "opaque-state"
	response := func(edit func(c map[string]any)) url.Values {
		return url.Values{"JWT": {ft.assertion(func(h, c map[string]any) {
			delete(c, "sub")
			c["aud"] = p.Issuer()
			c["nonce"] = "n-1"
			c[lti+"message_type"] = "LtiDeepLinkingResponse"
			c[lti+"version"] = "1.3.0"
			c[lti+"deployment_id"] = "1"
			c["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = data
			c[dlItems] = []any{
				map[string]any{"type": "ltiResourceLink", "title": "Reading", "url": ft.srv.URL + "/launch", "custom": map[string]any{"activity_id": "1"}},
				map[string]any{"type": "ltiResourceLink", "title": "Quiz", "url": ft.srv.URL + "/launch", "custom": map[string]any{"activity_id": "2"},
					"lineItem": map[string]any{"scoreMaximum": 10.0, "label": "Quiz", "resourceId": "2", "tag": "quiz"}},
			}
			if edit != nil {
				edit(c)
			}
		})}}
	}
	full := ltitest.MoodleDeepLinking()
	full.AcceptLineItem = true
	full.Data = &data
	single := full
	single.AcceptMultiple = false
	noLineItem := full
	noLineItem.AcceptLineItem = false
	windowOnly := full
	windowOnly.AcceptPresentationDocumentTargets = []string{"window"}
	tests := []struct {
		name     string
		settings ltitest.DeepLinkSettings
		edit     func(c map[string]any)
		want     int
		words    string
	}{
		{"two items when accept_multiple is false", single, nil, 400, "accept_multiple"},
		{"lineItem when accept_lineitem is false", noLineItem, nil, 400, "accept_lineitem"},
		{"data not echoed", full, func(c map[string]any) { delete(c, "https://purl.imsglobal.org/spec/lti-dl/claim/data") }, 400, "echoed"},
		{"data changed", full, func(c map[string]any) { c["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = "other" }, 400, "does not echo"},
		{"data sent unasked", ltitest.MoodleDeepLinking(), func(c map[string]any) { delete(c[dlItems].([]any)[1].(map[string]any), "lineItem") }, 400, "sent none"},
		{"type not offered", full, func(c map[string]any) { c[dlItems] = []any{map[string]any{"type": "html", "html": "<p>x</p>"}} }, 400, "not offered"},
		{"target not offered", windowOnly, func(c map[string]any) { c[dlItems].([]any)[0].(map[string]any)["iframe"] = map[string]any{} }, 400, "not offered"},
		{"good", full, nil, 200, "2 items received from the tool."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.PostForm(dlReturnURL(t, p, tt.settings), response(tt.edit))
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.want || !strings.Contains(body, tt.words) {
				t.Errorf("status %d (want %d), body %q lacks %q", resp.StatusCode, tt.want, body, tt.words)
			}
		})
	}
	links := p.Links()
	if len(links) != 2 {
		t.Fatalf("links = %+v, want the 2 of the good response only", links)
	}
	if links[0].Title != "Reading" || links[0].Custom["activity_id"] != "1" || links[0].LineItem != nil || links[0].CourseID != "course-101" {
		t.Errorf("link 0 = %+v", links[0])
	}
	li := links[1].LineItem
	if li == nil || li.ScoreMaximum != 10 || li.ResourceID != "2" || li.Tag != "quiz" || li.ResourceLinkID != links[1].ResourceLinkID {
		t.Fatalf("link 1 line item = %+v", li)
	}
	if got := p.LineItems("course-101"); !containsLineItem(got, li.ID) {
		t.Errorf("line item %s not in the course gradebook: %+v", li.ID, got)
	}
	spec, err := p.LinkLaunch(1, "student")
	if err != nil {
		t.Fatal(err)
	}
	if spec.ResourceLinkID != links[1].ResourceLinkID || spec.Custom["activity_id"] != "2" || spec.LineItemID == "" || !spec.WithAGS {
		t.Errorf("launch spec = %+v", spec)
	}
	tok, err := p.IDToken(spec, "n")
	if err != nil {
		t.Fatal(err)
	}
	c := decodeSegment(t, strings.Split(tok, ".")[1])
	ags, _ := c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"].(map[string]any)
	if ags["lineitem"] != li.ID {
		t.Errorf("launch of the graded link has lineitem %v, want %s", ags["lineitem"], li.ID)
	}
	// The instructor opens the same link (to grade it): same link, the instructor's roles.
	if spec, err := p.LinkLaunch(1, "instructor"); err != nil || spec.UserID != "instructor" || spec.ResourceLinkID != links[1].ResourceLinkID {
		t.Errorf("instructor launch of the graded link: %+v %v", spec, err)
	}
	// The demo page offers both launches of each created link.
	_, page := getPage(t, browser(t), "GET", p.Issuer()+"/", nil)
	for _, want := range []string{`Open "Quiz" as student (graded)`, `Open "Quiz" as instructor (grading)`, `Open "Reading" as instructor</button>`} {
		if !strings.Contains(page, want) {
			t.Errorf("demo page lacks %q:\n%s", want, page)
		}
	}
	if _, err := p.LinkLaunch(2, "student"); err == nil {
		t.Error("launch of a link that does not exist succeeded")
	}
	// The request was answered: a second response to it is not matched to it.
	if got := p.DeepLinkResponses(); len(got) != 1 || got[0].RequestID == "" || *got[0].Data != data {
		t.Errorf("responses = %+v", got)
	}
}

// TestDeepLinkLinks_ReturnPageCountsItems: the LMS's return page counts
// what the tool sent in words: "1 item", "2 items", and "No item" when the
// instructor chose nothing (never "item(s)").
func TestDeepLinkLinks_ReturnPageCountsItems(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	item := func(title string) any {
		return map[string]any{"type": "ltiResourceLink", "title": title, "url": ft.srv.URL + "/launch"}
	}
	for _, tc := range []struct {
		items []any
		want  string
	}{
		{[]any{}, "No item received from the tool."},
		{[]any{item("Reading")}, "1 item received from the tool."},
		{[]any{item("Reading"), item("Quiz")}, "2 items received from the tool."},
		{[]any{item("Reading"), item("Quiz"), item("Survey")}, "3 items received from the tool."},
	} {
		jwt := ft.assertion(func(h, c map[string]any) {
			delete(c, "sub")
			c["aud"] = p.Issuer()
			c["nonce"] = "n-1"
			c[lti+"message_type"] = "LtiDeepLinkingResponse"
			c[lti+"version"] = "1.3.0"
			c[lti+"deployment_id"] = "1"
			c[dlItems] = tc.items
		})
		resp, err := http.PostForm(dlReturnURL(t, p, ltitest.MoodleDeepLinking()), url.Values{"JWT": {jwt}})
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) || strings.Contains(body, "item(s)") {
			t.Errorf("%d items: status %d, body %q, want %q", len(tc.items), resp.StatusCode, body, tc.want)
		}
	}
}

func TestDeepLinkLinks_ReturnURLKnobs(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	newFakeTool(t, p, ltitest.ToolConfig{})
	if got := dlReturnURL(t, p, ltitest.DeepLinkSettings{AcceptTypes: []string{"ltiResourceLink"}, OmitReturnURL: true}); got != "" {
		t.Errorf("OmitReturnURL sent %q", got)
	}
	if got := dlReturnURL(t, p, ltitest.DeepLinkSettings{AcceptTypes: []string{"ltiResourceLink"}, ReturnURL: "https://x.example/r"}); got != "https://x.example/r" {
		t.Errorf("ReturnURL sent %q", got)
	}
}

func containsLineItem(items []ltitest.LineItem, id string) bool {
	for _, li := range items {
		if li.ID == id {
			return true
		}
	}
	return false
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
