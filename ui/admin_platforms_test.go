package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

func TestBindingSummary(t *testing.T) {
	for _, sc := range []struct {
		in   []model.LaunchBinding
		want string
	}{
		{nil, "no launches yet"},
		{[]model.LaunchBinding{{Binding: "cookie", Launches: 12}, {Binding: "storage", Launches: 3}, {Binding: "window", Launches: 1}}, "cookie 12 · platform storage 3 · new window 1"},
		{[]model.LaunchBinding{{Binding: "future", Launches: 2}}, "future 2"},
	} {
		if got := bindingSummary(sc.in); got != sc.want {
			t.Errorf("bindingSummary(%v) = %q, want %q", sc.in, got, sc.want)
		}
	}
}

// TestAdminPlatforms_SetupBox: the setup panel opens with a complete, plain
// instruction (not the bare menu path), then says where that page is when it
// knows; every value to paste, the JSON included, has a "Copy" button named
// for it, next to a polite live region for the result.
func TestAdminPlatforms_SetupBox(t *testing.T) {
	c := newAdminConsole(PathAdmin)
	c.auth, c.loaded = authReady, statusLoaded
	c.platforms = []model.Platform{{ID: 1, Name: "Riverside Moodle", Preset: "moodle", Status: "active",
		ToolURLs: model.ToolURLs{LoginURL: "https://tool.example/lti/login", RedirectURL: "https://tool.example/lti/launch",
			TargetLinkURI: "https://tool.example/lti/launch", DeepLinkingURL: "https://tool.example/lti/launch",
			JWKSURL: "https://tool.example/.well-known/jwks.json", Domain: "tool.example"},
		Setup: model.PlatformSetup{Where: "Site administration → Plugins → Activity modules → External tool → Manage tools.",
			JSONLabel: "Tool configuration (the values to enter in your LMS)", JSON: `{"tool_name": "ltibox"}`}}}
	c.shown = 1
	got := render(t, c)

	intro := regexp.MustCompile(`<h2 [^>]*>Set up ltibox in Riverside Moodle</h2>\s*<p[^>]*>([^<]*)</p>`).FindStringSubmatch(got)
	if intro == nil {
		t.Fatalf("no paragraph right after the setup heading:\n%s", got)
	}
	if first := intro[1]; !strings.HasPrefix(first, "In Riverside Moodle, open ") || !strings.HasSuffix(first, ".") || strings.HasPrefix(first, "Site administration") {
		t.Errorf("the setup box starts with %q, want a complete instruction", first)
	}
	mustContain(t, got, "Where to find that page: Site administration → Plugins")

	for _, r := range setupRows(c.platforms[0].ToolURLs) {
		mustContain(t, got, `>`+r.value+`</code>`)
		tag := regexp.MustCompile(`<button [^>]*aria-label="Copy ` + regexp.QuoteMeta(r.label) + `"[^>]*>Copy</button>`).FindString(got)
		if tag == "" {
			t.Errorf("no Copy button for %s", r.label)
			continue
		}
		for _, a := range []string{`type="button"`, `class="secondary copy"`} {
			if !strings.Contains(tag, " "+a) {
				t.Errorf("%s lacks %s", tag, a)
			}
		}
	}
	mustTag(t, got, "copy-status", `role="status"`, `aria-live="polite"`)
	// The JSON has its Copy button too.
	mustTag(t, got, "setup-json", "readonly")
	mustHaveTag(t, got, "button", `aria-label="Copy JSON configuration"`, `type="button"`, `class="secondary copy"`)

	// For an LMS ltibox knows nothing about (the API sends no Where), the
	// opening instruction says it all: no "Where to find that page" line.
	other := newAdminConsole(PathAdmin)
	other.auth, other.loaded, other.platforms, other.shown = authReady, statusLoaded, slices.Clone(c.platforms), 1
	other.platforms[0].Preset, other.platforms[0].Setup.Where = "other", ""
	got = render(t, other)
	mustContain(t, got, "open the page for adding an LTI 1.3 tool")
	mustNotContain(t, got, "Where to find that page")
}

// TestAdminPlatforms_SetupBoxNamesItsValues: the setup box shows the values
// its hint asks to compare (the platform's issuer, client ID and keyset URL,
// as ltibox has them), next to that hint; and its deployment line says where
// in ltibox a deployment ID goes (the Deployments page, linked) and which
// ones ltibox has.
func TestAdminPlatforms_SetupBoxNamesItsValues(t *testing.T) {
	c := newAdminConsole(PathAdmin)
	c.auth, c.loaded, c.shown = authReady, statusLoaded, 1
	c.platforms = []model.Platform{{ID: 1, Name: "Riverside LMS", Preset: "other", Status: "active",
		Issuer: "https://lms.riverside.example", ClientID: "tool-7781", JWKSURL: "https://lms.riverside.example/keys.json",
		Deployments: []model.Deployment{{DeploymentID: "1"}, {DeploymentID: "dep-2"}},
		ToolURLs:    model.ToolURLs{JWKSURL: "https://tool.example/.well-known/jwks.json"},
		Setup: model.PlatformSetup{DeploymentNote: "Your LMS shows the deployment ID after the tool is installed.",
			Hint:      "Check that the issuer, client ID and keyset (JWKS) URL that ltibox has for this LMS match the values your LMS shows for the tool.",
			JSONLabel: "Tool configuration", JSON: "{}"}}}
	got := render(t, c)

	mustContain(t, got, `id="platform-issuer">https://lms.riverside.example</code>`, `id="platform-client-id">tool-7781</code>`,
		`id="platform-jwks">https://lms.riverside.example/keys.json</code>`, "Keyset (JWKS) URL of Riverside LMS")
	// The values, then the hint that refers to them.
	values, hint := strings.Index(got, `id="setup-platform"`), strings.Index(got, "Check that the issuer")
	if values < 0 || hint < values {
		t.Errorf("the hint does not follow the values it refers to:\n%s", got)
	}
	dep := regexp.MustCompile(`(?s)<p [^>]*id="setup-deployment"[^>]*>(.*?)</p>`).FindStringSubmatch(got)
	if dep == nil {
		t.Fatalf("no deployment line:\n%s", got)
	}
	mustContain(t, dep[1], "Your LMS shows the deployment ID after the tool is installed.", `href="/admin/deployments"`, ">Deployments page</a>",
		"Add a deployment", "deployments 1, dep-2 of Riverside LMS")

	c.platforms[0].Deployments = nil
	c2 := newAdminConsole(PathAdmin)
	c2.auth, c2.loaded, c2.shown, c2.platforms = authReady, statusLoaded, 1, c.platforms
	mustContain(t, render(t, c2), "ltibox has no deployment of Riverside LMS yet.")
}
