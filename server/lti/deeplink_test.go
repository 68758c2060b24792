package lti_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

func dlSettings() *lti.DeepLinkingClaim {
	return &lti.DeepLinkingClaim{
		ReturnURL:                         "https://lms.example/deeplink/return?dl=1",
		AcceptTypes:                       []string{lti.ContentLTIResourceLink},
		AcceptPresentationDocumentTargets: []string{lti.TargetFrame, lti.TargetIframe},
		AcceptMultiple:                    true,
		AcceptLineItem:                    true,
	}
}

func resourceLink(title string, graded bool) lti.ContentItem {
	it := lti.ContentItem{Type: lti.ContentLTIResourceLink, URL: "https://tool.example/lti/launch", Title: title, Custom: map[string]string{"activity_id": "7"}}
	if graded {
		it.LineItem = &lti.ContentLineItem{Label: title, ScoreMaximum: 10, ResourceID: "7", Tag: "quiz"}
	}
	return it
}

// TestSignDeepLink_VerifiesWithPublishedJWKS signs a response and verifies it
// the way a platform does: with the tool's published JWKS, then field by field.
func TestSignDeepLink_VerifiesWithPublishedJWKS(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	data := "state-42"
	s := dlSettings()
	s.Data = &data
	before := time.Now()
	raw, err := f.tool.SignDeepLink(ctx, lti.DeepLinkResponse{Registration: f.reg, DeploymentID: "1", Settings: s,
		Items: []lti.ContentItem{resourceLink("Reading", false), resourceLink("Quiz", true).WithTarget(lti.TargetIframe)}})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keyfunc.NewDefaultCtx(ctx, []string{f.tool.JWKSURL()})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, kf.Keyfunc, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("response does not verify with the published JWKS: %v", err)
	}
	key, _ := f.tool.SigningKey(ctx)
	if tok.Header["alg"] != "RS256" || tok.Header["kid"] != key.KID {
		t.Errorf("header = %v, want RS256 with kid %s", tok.Header, key.KID)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if iat.Before(before.Add(-time.Second)) || exp.Sub(iat.Time) != lti.DeepLinkLifetime || lti.DeepLinkLifetime > 10*time.Minute {
		t.Errorf("iat %v exp %v: want now and a short lifetime", iat, exp)
	}
	want := map[string]any{
		"iss": "c1", "aud": f.lms.Issuer(),
		lti.ClaimDeploymentID: "1", lti.ClaimMessageType: "LtiDeepLinkingResponse", lti.ClaimVersion: "1.3.0", lti.ClaimDLData: "state-42",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], v)
		}
	}
	if n, _ := claims["nonce"].(string); len(n) < 16 {
		t.Errorf("nonce %q is not a fresh random value", n)
	}
	items, ok := claims[lti.ClaimDLContent].([]any)
	if !ok || len(items) != 2 {
		t.Fatalf("content_items = %#v", claims[lti.ClaimDLContent])
	}
	first, second := items[0].(map[string]any), items[1].(map[string]any)
	if first["type"] != "ltiResourceLink" || first["url"] != "https://tool.example/lti/launch" || first["title"] != "Reading" ||
		first["custom"].(map[string]any)["activity_id"] != "7" || first["lineItem"] != nil || first["iframe"] != nil {
		t.Errorf("first item = %v", first)
	}
	li, _ := second["lineItem"].(map[string]any)
	if li["scoreMaximum"] != 10.0 || li["label"] != "Quiz" || li["resourceId"] != "7" || li["tag"] != "quiz" || second["iframe"] == nil {
		t.Errorf("second item = %v", second)
	}
	// A second signature has a new nonce.
	raw2, err := f.tool.SignDeepLink(ctx, lti.DeepLinkResponse{Registration: f.reg, DeploymentID: "1", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	c2 := payload(t, raw2)
	if c2["nonce"] == claims["nonce"] {
		t.Error("nonce reused")
	}
	if items, ok := c2[lti.ClaimDLContent].([]any); !ok || len(items) != 0 {
		t.Errorf("empty selection: content_items = %#v, want []", c2[lti.ClaimDLContent])
	}
}

func TestSignDeepLink_DataEcho(t *testing.T) {
	f := newServiceFixture(t)
	empty, present := "", "x y"
	for _, tc := range []struct {
		name string
		data *string
	}{{"absent", nil}, {"empty string", &empty}, {"present", &present}} {
		t.Run(tc.name, func(t *testing.T) {
			s := dlSettings()
			s.Data = tc.data
			raw, err := f.tool.SignDeepLink(context.Background(), lti.DeepLinkResponse{Registration: f.reg, DeploymentID: "1", Settings: s})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := payload(t, raw)[lti.ClaimDLData]
			switch {
			case tc.data == nil && ok:
				t.Errorf("data claim %#v present although the request had none", got)
			case tc.data != nil && (!ok || got != *tc.data):
				t.Errorf("data claim = %#v (present %v), want %q", got, ok, *tc.data)
			}
		})
	}
}

func TestValidateDeepLink_Refusals(t *testing.T) {
	f := newServiceFixture(t)
	with := func(edit func(s *lti.DeepLinkingClaim)) *lti.DeepLinkingClaim { s := dlSettings(); edit(s); return s }
	two := []lti.ContentItem{resourceLink("A", false), resourceLink("B", false)}
	tests := []struct {
		name     string
		settings *lti.DeepLinkingClaim
		items    []lti.ContentItem
		check    string
		words    string
	}{
		{"no request", nil, two[:1], "deeplink.not_requested", "did not start from a deep-linking request"},
		{"no return URL", with(func(s *lti.DeepLinkingClaim) { s.ReturnURL = "" }), two[:1], "deeplink.return_url_missing", "where to send"},
		{"two items, accept_multiple false", with(func(s *lti.DeepLinkingClaim) { s.AcceptMultiple = false }), two, "deeplink.multiple_not_accepted", "only one item"},
		{"lineItem, accept_lineitem false", with(func(s *lti.DeepLinkingClaim) { s.AcceptLineItem = false }), []lti.ContentItem{resourceLink("Q", true)}, "deeplink.lineitem_not_accepted", "does not accept gradebook columns"},
		{"type not accepted", dlSettings(), []lti.ContentItem{{Type: lti.ContentHTML, HTML: "<p>hi</p>", Title: "Snippet"}}, "deeplink.type_not_accepted", `type "html"`},
		{"target not accepted", dlSettings(), []lti.ContentItem{resourceLink("W", false).WithTarget(lti.TargetWindow)}, "deeplink.target_not_accepted", "in a window"},
		{"line item without maximum", dlSettings(), []lti.ContentItem{{Type: lti.ContentLTIResourceLink, Title: "Z", LineItem: &lti.ContentLineItem{}}}, "deeplink.lineitem_invalid", "above 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := f.tool.SignDeepLink(context.Background(), lti.DeepLinkResponse{Registration: f.reg, DeploymentID: "1", Settings: tt.settings, Items: tt.items})
			ce, ok := lti.AsCheckError(err)
			if !ok || raw != "" {
				t.Fatalf("SignDeepLink = %q, %v; want a refusal and nothing signed", raw, err)
			}
			if ce.Check != tt.check || ce.Status != 400 || !strings.Contains(ce.Message, tt.words) || ce.Hint == "" {
				t.Errorf("refusal = %+v, want check %s saying %q", ce, tt.check, tt.words)
			}
		})
	}
	// One item is fine without accept_multiple, and a frame target is the default.
	if _, err := f.tool.SignDeepLink(context.Background(), lti.DeepLinkResponse{Registration: f.reg, DeploymentID: "1",
		Settings: with(func(s *lti.DeepLinkingClaim) { s.AcceptMultiple = false }), Items: []lti.ContentItem{resourceLink("A", false).WithTarget(lti.TargetFrame)}}); err != nil {
		t.Errorf("one plain item refused: %v", err)
	}
}

// BenchmarkSignDeepLink measures building, validating and signing a two-item
// response (RSA-2048 signature dominates).
func BenchmarkSignDeepLink(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tool, err := lti.New(lti.Config{BaseURL: "https://tool.example"}, db, db, db)
	if err != nil {
		b.Fatal(err)
	}
	defer tool.Close()
	r := lti.DeepLinkResponse{Registration: &lti.Registration{Issuer: "https://lms.example", ClientID: "c1"}, DeploymentID: "1", Settings: dlSettings(),
		Items: []lti.ContentItem{resourceLink("Reading", false), resourceLink("Quiz", true)}}
	ctx := context.Background()
	if _, err := tool.SignDeepLink(ctx, r); err != nil { // creates the first key outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tool.SignDeepLink(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func payload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
