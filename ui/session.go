package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

const (
	// stateSession holds the opaque launch token (a string), in memory only.
	// Not persisted: localStorage is partitioned or blocked in a third-party
	// iframe and would outlive the launch.
	stateSession = "session"

	// sessionStorageKey keeps the token for a reload of the same tab.
	sessionStorageKey = "ltibox.session"

	// fragmentKey is the fragment parameter the launch redirect carries:
	// /app/...#session=<token>. A fragment never reaches the server, so the
	// token stays out of access logs, the prerender and Referer headers.
	fragmentKey = "session"
)

// useSessionToken is what every page calls first in OnMount (client only).
// It takes the launch token from the URL fragment, strips the fragment from
// the address bar (history.replaceState) and keeps the token in memory and in
// sessionStorage. Without a fragment it returns the token already in memory
// (client-side navigation) or in sessionStorage (a reload). It returns "" when
// the page was not opened from a launch.
func useSessionToken(ctx app.Context) string {
	if app.IsServer {
		return ""
	}

	if u := ctx.Page().URL(); u != nil {
		if tok := tokenFromFragment(u.Fragment); tok != "" {
			clean := *u
			clean.Fragment = ""
			clean.RawFragment = ""
			app.Window().Get("history").Call("replaceState", nil, "", clean.String())
			ctx.SetState(stateSession, tok)
			storeSessionToken(ctx, tok)
			return tok
		}
	}

	if tok := sessionToken(ctx); tok != "" {
		return tok
	}

	tok := loadSessionToken(ctx)
	// Always set the state, even to "": a later GetState of an unset state
	// falls back to localStorage, which may throw in a third-party iframe.
	ctx.SetState(stateSession, tok)
	return tok
}

// sessionToken returns the launch token kept by useSessionToken, or "".
// Action handlers and the API client use it.
func sessionToken(ctx app.Context) (tok string) {
	defer func() {
		if recover() != nil {
			tok = ""
		}
	}()
	ctx.GetState(stateSession, &tok)
	return tok
}

// tokenFromFragment extracts the token from a fragment such as
// "session=abc" (other parameters may follow, "&"-separated).
func tokenFromFragment(fragment string) string {
	fragment = strings.TrimPrefix(fragment, "#")
	if fragment == "" {
		return ""
	}
	v, err := url.ParseQuery(fragment)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v.Get(fragmentKey))
}

// storeSessionToken saves tok to sessionStorage. Storage may be blocked (a
// third-party iframe with strict settings): then only the in-memory copy
// exists and a reload needs a relaunch.
func storeSessionToken(ctx app.Context, tok string) {
	defer func() { _ = recover() }()
	_ = ctx.SessionStorage().Set(sessionStorageKey, tok)
}

// loadSessionToken reads the token saved by storeSessionToken, or "".
func loadSessionToken(ctx app.Context) (tok string) {
	defer func() {
		if recover() != nil {
			tok = ""
		}
	}()
	if err := ctx.SessionStorage().Get(sessionStorageKey, &tok); err != nil {
		return ""
	}
	return tok
}
