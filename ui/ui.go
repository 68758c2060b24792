// Package ui is the ltibox web UI: go-app v10 components. The same code is
// compiled twice: to WebAssembly for the browser (ui/wasm) and natively, where
// the server prerenders each page's static shell.
//
// Import rules: ui imports only go-app and server/model. It must never import
// the embedded assets (package ltibox) or any other server package.
//
// Pages never prerender per-user data (every go-app response shares one ETag);
// they render a shell, then load data client-side through client.go with the
// launch token kept by session.go.
package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Paths of the pages. The launch handler redirects to one of them with the
// session token in the fragment, e.g. PathHome + "#session=<token>".
const (
	PathHome = "/app/"
)

var registerOnce sync.Once

// Register routes every page and registers the global action handlers. Both
// the wasm entry point and the server (before it prerenders) must call it;
// go-app answers 404 for any path that is not routed here. Safe to call more
// than once.
func Register() {
	registerOnce.Do(func() {
		home := func() app.Composer { return newHomePage() }
		app.Route("/app", home)
		app.Route(PathHome, home)
		// Issue 3: deep-linking picker and the activity of a resource link.
		app.Route(PathPicker, func() app.Composer { return newPickerPage() })
		app.Route(PathActivity, func() app.Composer { return newActivityPage() })
		// Issue 4: grades.
		app.Route(PathScore, func() app.Composer { return newScorePage() })
		app.Route(PathGrading, func() app.Composer { return newGradingPage() })
		app.Route(PathRoster, func() app.Composer { return newRosterPage() }) // issue 5

		app.Handle(actionLoadSession, handleLoadSession)

		registerAdmin() // the admin console (issue 6)
	})
}

// loadStatus is where a page is in loading its data.
type loadStatus int

const (
	statusLoading loadStatus = iota
	statusLoaded
	statusFailed
)

func (s loadStatus) String() string {
	switch s {
	case statusLoading:
		return "loading"
	case statusLoaded:
		return "loaded"
	case statusFailed:
		return "failed"
	}
	return "unknown"
}

// wasmReady renders the marker browser tests wait for. Pages render it only
// once mounted, which happens only client-side, so its presence means the
// wasm runs and has taken over the prerendered page.
func wasmReady(mounted bool) app.UI {
	return app.If(mounted, func() app.UI {
		return app.Span().ID("wasm-ready").Class("sr-only").Aria("hidden", "true")
	})
}
