package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// focusLater focuses the element find returns once the component has
// re-rendered. It defers on the component's own context (mctx): go-app skips
// a Defer whose element (the button pressed, a closed panel) is gone by then.
// Natively (unit tests, prerender) there is no page and it does nothing.
func focusLater(mounted bool, mctx app.Context, find func(doc app.Value) app.Value) {
	if !mounted || !app.IsClient {
		return
	}
	mctx.Defer(func(app.Context) {
		if el := find(app.Window().Get("document")); el.Truthy() {
			el.Call("focus")
		}
	})
}

// byID finds the element with the id, for focusLater.
func byID(id string) func(doc app.Value) app.Value {
	return func(doc app.Value) app.Value { return doc.Call("getElementById", id) }
}

// ifFocusLost finds the element when the keyboard focus fell to <body> (the
// control that had it was removed by the re-render, as the last row's button
// of a table that empties), and nothing otherwise: focus a person still has
// stays where it is.
func ifFocusLost(find func(doc app.Value) app.Value) func(doc app.Value) app.Value {
	return func(doc app.Value) app.Value {
		if a := doc.Get("activeElement"); a.Truthy() && a.Get("tagName").String() != "BODY" {
			return app.Null()
		}
		return find(doc)
	}
}
