package ui

import (
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestLaunchDebugger_Platform: the debugger names the platform as the admin
// registered it, the issuer and client ID after it; empty parts are left out
// (the review read "(client )").
func TestLaunchDebugger_Platform(t *testing.T) {
	for _, tc := range []struct {
		name     string
		l        model.LaunchAttempt
		want     []string
		unwanted []string
	}{
		{"registered", model.LaunchAttempt{ID: 7, RegistrationID: 1, Platform: "Moodle (demo)", Issuer: "https://lms.example", ClientID: "abc"},
			[]string{`<span id="debug-platform-name">Moodle (demo)</span>`, ">Issuer https://lms.example · client ID abc</span>"}, []string{"(client"}},
		{"registered, no client ID", model.LaunchAttempt{ID: 7, RegistrationID: 1, Platform: "Moodle (demo)", Issuer: "https://lms.example"},
			[]string{">Moodle (demo)</span>", ">Issuer https://lms.example</span>"}, []string{"client"}},
		{"unknown platform", model.LaunchAttempt{ID: 7, Issuer: "https://other.example", ClientID: "xyz"},
			[]string{">Not registered in ltibox</span>", ">Issuer https://other.example · client ID xyz</span>"}, nil},
		{"nothing known", model.LaunchAttempt{ID: 7},
			[]string{">Not registered in ltibox</span>"}, []string{"Issuer", "client", "debug-platform-ids"}},
		{"registered without a name", model.LaunchAttempt{ID: 7, RegistrationID: 2, Issuer: "https://lms.example", ClientID: "abc"},
			[]string{">https://lms.example</span>", ">Client ID abc</span>"}, []string{"Issuer https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.l
			c := &adminConsole{page: PathAdminLaunches, auth: authReady, loaded: statusLoaded, debug: &l}
			got := render(t, c)
			mustContain(t, got, `id="debugger"`, `id="debug-platform"`)
			mustContain(t, got, tc.want...)
			mustNotContain(t, got, tc.unwanted...)
		})
	}
}
