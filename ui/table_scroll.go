package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// tableScroll wraps a data table in the box that scrolls it sideways when it
// is wider than the page (a 640 px LMS iframe, a narrow window), so the page
// itself never does. The box is a named region that takes the keyboard focus:
// a keyboard user tabs to it and scrolls with the arrow keys, and a screen
// reader announces label. Give a label other than the page's heading (the
// page's section already has that name): the table's caption, or shorter.
func tableScroll(label string, table app.UI) app.UI {
	return app.Div().Class("table-scroll").Role("region").Aria("label", label).TabIndex(0).Body(table)
}
