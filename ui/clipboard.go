package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// writeClipboard puts text on the clipboard and reports whether the browser
// took it. done runs once, from the Promise's callback (or at once when there
// is no clipboard: an http:// address other than localhost, or the server).
// Call it from the click handler itself: browsers allow writing the
// clipboard only during a person's action.
func writeClipboard(text string, done func(copied bool)) {
	if !app.IsClient {
		done(false)
		return
	}
	cb := app.Window().Get("navigator").Get("clipboard")
	if !cb.Truthy() || !cb.Get("writeText").Truthy() {
		done(false)
		return
	}
	var ok, fail app.Func
	settle := func(copied bool) {
		ok.Release() // allowed while the function runs
		fail.Release()
		done(copied)
	}
	ok = app.FuncOf(func(app.Value, []app.Value) any { settle(true); return nil })
	fail = app.FuncOf(func(app.Value, []app.Value) any { settle(false); return nil })
	defer func() {
		// writeText refuses by rejecting its Promise; should a browser throw
		// instead, the page must live on and offer the fallback.
		if recover() != nil {
			ok.Release()
			fail.Release()
			done(false)
		}
	}()
	cb.Call("writeText", text).Call("then", ok, fail)
}

// selectContents selects the text of the element with the id, so the
// person can copy it with the keyboard. A text area's or input's text is
// selected inside it, which takes the focus there (Ctrl+C copies what is selected in
// the focused field).
func selectContents(id string) {
	if !app.IsClient {
		return
	}
	el := app.Window().GetElementByID(id)
	switch {
	case !el.Truthy():
	case el.Get("tagName").String() == "TEXTAREA" || el.Get("tagName").String() == "INPUT":
		el.Call("focus")
		el.Call("select")
	default:
		app.Window().Call("getSelection").Call("selectAllChildren", el)
	}
}

// capitalize starts s with a capital letter, for a label that begins a
// sentence ("the dynamic registration URL is selected" → "The …").
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
