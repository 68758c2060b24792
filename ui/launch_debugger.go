package ui

import (
	"strconv"
	"strings"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The launch debugger's parts that need no console state. The debugger
// itself is rendered by the Recent launches page (admin_launches.go).

// debugButtonLabels are the accessible names of the failed launches' Debug
// buttons, by launch ID. They name a launch by what its row shows (the
// launch IDs are not on the page): "Debug the launch of 3 Mar 2026, 14:05:09
// from Demo LMS, deployment 9". Launches that would share a name (the same
// second, platform and deployment) are told apart by their place among
// those, newest first: "…, deployment 9 (2 of 3)". Closing the debugger
// finds its button again by the name
// (TestConsole_CloseDebuggerReturnsFocus fails if the two drift apart).
func debugButtonLabels(launches []model.LaunchAttempt) map[int64]string {
	base := map[int64]string{}
	count := map[string]int{}
	for _, l := range launches {
		if l.OK {
			continue
		}
		platform := l.Platform
		if platform == "" {
			platform = l.Issuer
		}
		label := "Debug the launch of " + wallClock(l.CreatedAt).Format(localTimeLayout)
		if platform != "" {
			label += " from " + platform
		}
		if l.DeploymentID != "" {
			label += ", deployment " + l.DeploymentID
		}
		base[l.ID] = label
		count[label]++
	}
	out := make(map[int64]string, len(base))
	seen := map[string]int{}
	for _, l := range launches {
		label, ok := base[l.ID]
		if !ok {
			continue
		}
		if n := count[label]; n > 1 {
			seen[label]++
			label += " (" + strconv.Itoa(seen[label]) + " of " + strconv.Itoa(n) + ")"
		}
		out[l.ID] = label
	}
	return out
}

// debugPlatform names the launch's platform in the debugger: the name the
// administrator gave it on the Platforms page first (an issuer URL is hard to
// tell apart from the next), then, smaller, the issuer and client ID it is
// registered by. A launch from no registered platform says so and shows what
// it claimed. Empty values are left out, never shown as "(client )".
func debugPlatform(l model.LaunchAttempt) app.UI {
	name, issuer := l.Platform, l.Issuer
	switch {
	case l.RegistrationID == 0:
		name = "Not registered in ltibox"
	case name == "":
		name, issuer = l.Issuer, "" // registered without a name: the issuer is the name
	}
	var ids []string
	if issuer != "" {
		ids = append(ids, "issuer "+issuer)
	}
	if l.ClientID != "" {
		ids = append(ids, "client ID "+l.ClientID)
	}
	return app.Dd().ID("debug-platform").Body(
		app.Span().ID("debug-platform-name").Text(name),
		app.If(len(ids) > 0, func() app.UI {
			s := strings.Join(ids, " · ")
			return app.Div().Body(app.Span().ID("debug-platform-ids").Class("muted wrap").Text(strings.ToUpper(s[:1]) + s[1:]))
		}),
	)
}

// closeDebugger closes the debugger and gives the keyboard focus back to the
// Debug button that opened it: the debugger's Close button disappears with
// it, and Chromium would drop the focus to <body>, the top of the page. If a
// search now hides that row, the search box takes the focus instead. The
// focus moves after the re-render, deferred on the console's own context:
// go-app skips a Defer whose element (the Close button) is gone by then.
func (c *adminConsole) closeDebugger() {
	if c.debug == nil {
		return
	}
	label := debugButtonLabels(c.launches)[c.debug.ID]
	c.debug = nil
	c.mctx.Defer(func(app.Context) {
		doc := app.Window().Get("document")
		// Compared, not put in a selector: a platform's name may hold
		// quotes, and an invalid selector throws (a panic in wasm).
		var el app.Value
		buttons := doc.Call("querySelectorAll", `#launches button[aria-label]`)
		for i := 0; i < buttons.Length(); i++ {
			if b := buttons.Index(i); label != "" && b.Call("getAttribute", "aria-label").String() == label {
				el = b
				break
			}
		}
		if el == nil || !el.Truthy() {
			el = doc.Call("getElementById", "launch-search")
		}
		if el.Truthy() {
			el.Call("focus")
		}
	})
}
