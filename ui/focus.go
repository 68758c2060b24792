package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// focusByID moves the keyboard focus to the element with the id, if it is
// on the page. Call it after the render that draws the element (ctx.Defer).
func focusByID(id string) {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
