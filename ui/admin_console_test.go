package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestAdminConsole_PrerenderIsAShell: the server prerenders only a loading
// shell (no per-user data, no boolean attributes rendered false).
func TestAdminConsole_PrerenderIsAShell(t *testing.T) {
	for _, p := range adminPages {
		html := app.HTMLString(newAdminConsole(p.path))
		if !strings.Contains(html, "Loading the console") || strings.Contains(html, `="false"`) || strings.Contains(html, "wasm-ready") {
			t.Errorf("%s prerender: %s", p.path, html)
		}
	}
}
