package ui

import (
	"regexp"
	"testing"
	"time"

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

// TestLaunches_DebugButtonNames: each failed launch's Debug button is named
// by what its row shows (the time as the Time column reads it, the platform,
// the deployment), never by the launch's database ID, which the page does not
// show; names stay unique when two failures share the second, platform and
// deployment.
func TestLaunches_DebugButtonNames(t *testing.T) {
	at := time.Date(2026, 3, 3, 13, 5, 9, 0, time.UTC)
	shown := wallClock(at).Format(localTimeLayout) // as the Time column reads it
	c := &adminConsole{page: PathAdminLaunches, auth: authReady, loaded: statusLoaded, launches: []model.LaunchAttempt{
		{ID: 734, CreatedAt: at, RegistrationID: 1, Platform: "Demo LMS", DeploymentID: "9", Check: "launch.deployment_unknown"},
		{ID: 733, CreatedAt: at, RegistrationID: 1, Platform: "Demo LMS", DeploymentID: "9", Check: "launch.deployment_unknown"},
		{ID: 732, CreatedAt: at, RegistrationID: 1, Platform: "Demo LMS", DeploymentID: "1", OK: true},
		{ID: 731, CreatedAt: at.Add(-time.Minute), Issuer: "https://other.example", Check: "login.platform_unknown"},
	}}
	got := render(t, c)
	labels := regexp.MustCompile(`<button [^>]*aria-label="([^"]*)"[^>]*>Debug</button>`).FindAllStringSubmatch(got, -1)
	want := []string{
		"Debug the launch of " + shown + " from Demo LMS, deployment 9 (1 of 2)",
		"Debug the launch of " + shown + " from Demo LMS, deployment 9 (2 of 2)",
		"Debug the launch of " + wallClock(at.Add(-time.Minute)).Format(localTimeLayout) + " from https://other.example",
	}
	if len(labels) != len(want) {
		t.Fatalf("%d Debug buttons, want %d (one per failed launch):\n%s", len(labels), len(want), got)
	}
	for i, m := range labels {
		if m[1] != want[i] {
			t.Errorf("Debug button %d is named %q, want %q", i+1, m[1], want[i])
		}
		if regexp.MustCompile(`73[0-9]`).MatchString(m[1]) {
			t.Errorf("Debug button %d is named by the launch ID, which the page does not show: %q", i+1, m[1])
		}
	}
	mustContain(t, got, ">"+shown+"</time>")
}
