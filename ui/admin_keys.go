package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderKeys lists the tool's signing keys and rotates them.
func (c *adminConsole) renderKeys() app.UI {
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").Text("Keys"),
		app.P().Text("ltibox signs its messages to LMSs with the current key. After a rotation the previous key stays published for "+
			strconv.Itoa(c.settings.KeyOverlapHours)+" hours, so LMSs that cached the key set keep working."),
		app.Button().Type("button").ID("rotate-key").Text("Rotate key").OnClick(func(ctx app.Context, e app.Event) {
			if !confirmed("Make a new signing key now? The current key stays published for the overlap window.") {
				return
			}
			c.run(ctx, "Rotating…", "New key created.", func() error { return c.api.RotateKey(ctx) })
		}),
		app.Table().ID("keys").Body(
			app.Caption().Text("Tool signing keys"),
			app.THead().Body(app.Tr().Body(th("Key ID (kid)"), th("Created"), th("State"), th("Published until"))),
			app.TBody().Body(app.Range(c.keys).Slice(func(i int) app.UI {
				k := c.keys[i]
				state, until := "current", "—"
				if k.RetiredAt != nil {
					state = "retired " + *k.RetiredAt
				}
				if k.PublishedUntil != nil {
					until = *k.PublishedUntil
				}
				return app.Tr().Body(app.Th().Attr("scope", "row").Class("wrap").Body(app.Code().Text(k.KID)), app.Td().Text(k.CreatedAt), app.Td().Text(state), app.Td().Text(until))
			})),
		),
	)
}
