package lti

import (
	"net/netip"
	"slices"
	"testing"
)

func TestGuardPolicy_Addresses(t *testing.T) {
	for _, sc := range []struct {
		ip                    string
		strict, loop, private bool
	}{
		{"93.184.216.34", true, true, true},
		{"2606:4700::1111", true, true, true},
		{"127.0.0.1", false, true, false},
		{"::1", false, true, false},
		{"10.1.2.3", false, false, true},
		{"192.168.0.1", false, false, true},
		{"172.16.5.4", false, false, true},
		{"169.254.169.254", false, false, true},
		{"100.64.0.1", false, false, true},
		{"fd00::1", false, false, true},
		{"::ffff:10.0.0.1", false, false, true},
		{"0.0.0.0", false, false, false},
		{"224.0.0.1", false, false, false},
	} {
		ip := netip.MustParseAddr(sc.ip).Unmap()
		if got := (GuardPolicy{}).allowed(ip); got != sc.strict {
			t.Errorf("%s strict: %v", sc.ip, got)
		}
		if got := (GuardPolicy{AllowLoopback: true}).allowed(ip); got != sc.loop {
			t.Errorf("%s loopback allowed: %v", sc.ip, got)
		}
		if got := (GuardPolicy{AllowPrivate: true}).allowed(ip); got != sc.private {
			t.Errorf("%s private allowed: %v", sc.ip, got)
		}
	}
}

func TestDetectPreset(t *testing.T) {
	for _, sc := range []struct{ code, issuer, want string }{
		{"moodle", "https://moodle.school.example", PresetMoodle},
		{"canvas", "https://canvas.instructure.com", PresetCanvas},
		{"", "https://canvas.instructure.com", PresetCanvas},
		{"desire2learn", "https://school.brightspace.com", PresetBrightspace},
		{"sakai", "https://sakai.school.example", PresetSakai},
		{"ltibox-emulator", "http://127.0.0.1:1", PresetOther},
	} {
		if got := DetectPreset(sc.code, sc.issuer); got != sc.want {
			t.Errorf("DetectPreset(%q, %q) = %q, want %q", sc.code, sc.issuer, got, sc.want)
		}
	}
}

func TestRegistrationRequest_CanvasAndScopes(t *testing.T) {
	tool, err := New(Config{BaseURL: "https://ltibox.school.example"}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tool.Close()
	pc := &PlatformConfiguration{ScopesSupported: []string{ScopeScore, ScopeLineItem}, ClaimsSupported: []string{"sub", "iss", "email"}}
	req := tool.RegistrationRequest(pc, RegistrationOptions{Name: "ltibox", DeepLinking: true, Grades: true, Roster: true, Preset: PresetCanvas})
	if req["scope"] != ScopeLineItem+" "+ScopeScore {
		t.Errorf("scope = %q: only supported scopes may be asked for", req["scope"])
	}
	if uris := req["redirect_uris"].([]string); len(uris) != 1 || uris[0] != "https://ltibox.school.example/lti/launch" {
		t.Errorf("redirect_uris = %v", uris)
	}
	tc := req[ClaimToolConfiguration].(map[string]any)
	if tc["domain"] != "ltibox.school.example" || tc["https://canvas.instructure.com/lti/privacy_level"] != "public" {
		t.Errorf("tool configuration = %v", tc)
	}
	if claims := tc["claims"].([]string); !slices.Equal(claims, []string{"iss", "sub", "email"}) {
		t.Errorf("claims = %v", claims)
	}
	msgs := tc["messages"].([]map[string]any)
	if len(msgs) != 2 || msgs[1]["type"] != MessageDeepLinking || msgs[1]["placements"] == nil {
		t.Errorf("messages = %v", msgs)
	}
	if plain := tool.RegistrationRequest(pc, RegistrationOptions{Preset: PresetMoodle}); plain[ClaimToolConfiguration].(map[string]any)["https://canvas.instructure.com/lti/privacy_level"] != nil {
		t.Errorf("Canvas extension sent to Moodle")
	}
}
