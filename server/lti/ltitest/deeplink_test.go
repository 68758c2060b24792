package ltitest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func TestDeepLinkReturn(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	returnURL := p.Issuer() + "/deeplink/return"
	response := func(edit func(c map[string]any)) url.Values {
		return url.Values{"JWT": {ft.assertion(func(h, c map[string]any) {
			delete(c, "sub")
			c["aud"] = p.Issuer()
			c["nonce"] = "n-1"
			c[lti+"message_type"] = "LtiDeepLinkingResponse"
			c[lti+"version"] = "1.3.0"
			c[lti+"deployment_id"] = "1"
			c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = []any{
				map[string]any{"type": "ltiResourceLink", "title": "Slider", "url": ft.srv.URL + "/launch"},
			}
			if edit != nil {
				edit(c)
			}
		})}}
	}
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"good", response(nil), 200},
		{"no JWT field", url.Values{"jwt": response(nil)["JWT"]}, 400},
		{"wrong aud", response(func(c map[string]any) { c["aud"] = ft.clientID }), 400},
		{"unknown deployment", response(func(c map[string]any) { c[lti+"deployment_id"] = "9" }), 400},
		{"wrong message type", response(func(c map[string]any) { c[lti+"message_type"] = "LtiResourceLinkRequest" }), 400},
		{"content items not an array", response(func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = map[string]any{}
		}), 400},
		{"type not offered", response(func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = []any{map[string]any{"type": "html", "html": "<p>x</p>"}}
		}), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.PostForm(returnURL, tt.form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	got := p.DeepLinkResponses()
	if len(got) != 1 || len(got[0].ContentItems) != 1 || got[0].ContentItems[0]["title"] != "Slider" || got[0].Data != nil {
		t.Errorf("responses %+v", got)
	}
}
