package ui

import (
	"strconv"
	"strings"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The launch debugger's parts that need no console state. The debugger
// itself is rendered by the Recent launches page (admin_launches.go).

// debugButtonLabel is the accessible name renderLaunches gives a failed
// launch's Debug button; closing the debugger finds the button again by it
// (TestConsole_CloseDebuggerReturnsFocus fails if the two drift apart).
func debugButtonLabel(id int64) string { return "Debug launch " + strconv.FormatInt(id, 10) }

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
	label := debugButtonLabel(c.debug.ID)
	c.debug = nil
	c.mctx.Defer(func(app.Context) {
		doc := app.Window().Get("document")
		el := doc.Call("querySelector", `#launches button[aria-label="`+label+`"]`)
		if !el.Truthy() {
			el = doc.Call("getElementById", "launch-search")
		}
		if el.Truthy() {
			el.Call("focus")
		}
	})
}
