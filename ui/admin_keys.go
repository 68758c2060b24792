package ui

import (
	"strconv"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderKeys lists the tool's signing keys and rotates them. A rotation
// publishes the new key before it signs (see lti.Tool.RotateKey), so while a
// new key waits the page says when it takes over instead of offering a
// second rotation the server would refuse.
func (c *adminConsole) renderKeys() app.UI {
	minutes := strconv.Itoa(c.settings.KeyPrepublishMinutes)
	var next *model.KeyInfo
	for i := range c.keys {
		if c.keys[i].State == "next" {
			next = &c.keys[i]
		}
	}
	describedBy := "keys-intro"
	if next != nil {
		describedBy = "key-waiting"
	}
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Keys"),
		app.P().ID("keys-intro").Text("ltibox signs its messages to LMSs with the current key. Rotating publishes a new key at once and starts signing with it "+
			minutes+" minutes later, so LMSs that cached the key set already have it. The previous key then stays published for "+
			overlapWords(c.settings.KeyOverlapHours)+"."),
		app.If(next != nil, func() app.UI {
			return app.P().ID("key-waiting").TabIndex(-1).Body(app.Text("A new key is published and starts signing at "), localTime(next.ActiveFrom),
				app.Text(". You can rotate again after that. If a key leaked, use Replace key now below instead."))
		}),
		app.Button().Type("button").ID("rotate-key").Text("Rotate key").Disabled(next != nil).Aria("describedby", describedBy).OnClick(func(ctx app.Context, e app.Event) {
			// Read the settings now: go-app keeps this handler from the first
			// render, when they may not have been loaded yet.
			minutes := strconv.Itoa(c.settings.KeyPrepublishMinutes)
			if !confirmed("Publish a new signing key now? ltibox starts signing with it in " + minutes + " minutes.") {
				return
			}
			// The button turns disabled, which drops the keyboard focus to the
			// page's top: it goes to the waiting notice once the keys are read again.
			c.focusAfterLoad = "key-waiting"
			c.run(ctx, "Rotating…", "New key published. It starts signing in "+minutes+" minutes.", func() error { return c.api.RotateKey(ctx) })
		}),
		tableScroll("Tool signing keys", app.Table().ID("keys").Body(
			app.Caption().Text("Tool signing keys"),
			app.THead().Body(app.Tr().Body(th("Key ID (kid)"), th("Created"), th("State"), th("Published until"))),
			app.TBody().Body(app.Range(c.keys).Slice(func(i int) app.UI {
				k := c.keys[i]
				var until app.UI = app.Text("—")
				if k.PublishedUntil != nil {
					until = localTime(*k.PublishedUntil)
				}
				return app.Tr().Body(app.Th().Attr("scope", "row").Class("wrap").Body(app.Code().Text(k.KID)), app.Td().Body(localTime(k.CreatedAt)), app.Td().Body(keyState(k)...), app.Td().Body(until))
			})),
		)),
		c.renderKeyLeak(),
	)
}

// renderKeyLeak is the console's answer to a leaked key, as the CLI's
// `ltibox keys rotate --now`: a new key signs at once and every other key
// leaves the key set (lti.Tool.RotateKeyNow). It costs LMSs that cached the
// key set up to its max-age of refused calls, so it stays a secondary action
// behind a confirmation that says so.
func (c *adminConsole) renderKeyLeak() app.UI {
	return app.Section().Aria("labelledby", "leak-heading").Body(
		app.H2().ID("leak-heading").Text("If a key leaked"),
		app.P().ID("leak-intro").Text("Replace key now signs with a new key at once and withdraws every other key, so a copied key is useless. "+
			"Use it only if a key may have leaked (the data directory or a backup of it was exposed): LMSs that cached the key set may refuse "+
			"grades and roster requests for up to 5 minutes. Retry held grades in the Grade outbox after that."),
		app.Button().Type("button").ID("replace-key").Class("secondary").Text("Replace key now").Aria("describedby", "leak-intro").
			OnClick(func(ctx app.Context, e app.Event) {
				if !confirmed("Replace every signing key now? Do this only if a key leaked: LMSs that cached the key set may refuse grades and roster requests for up to 5 minutes.") {
					return
				}
				c.run(ctx, "Replacing every key…", "Every key replaced: ltibox signs with a new key now. If an LMS refuses grades in the next 5 minutes, retry them in the Grade outbox after that.",
					func() error { return c.api.ReplaceKeys(ctx) })
			}),
	)
}

// keyState says where a key is in its life, with the moment it changes.
func keyState(k model.KeyInfo) []app.UI {
	switch {
	case k.State == "next":
		return []app.UI{app.Text("next: signs from "), localTime(k.ActiveFrom)}
	case k.State == "retired" && k.RetiredAt != nil:
		return []app.UI{app.Text("retired "), localTime(*k.RetiredAt)}
	case k.RetiredAt != nil:
		return []app.UI{app.Text("current until "), localTime(*k.RetiredAt)}
	}
	return []app.UI{app.Text("current")}
}

// overlapWords says the overlap window in days when it is whole days ("7 days").
func overlapWords(hours int) string {
	switch {
	case hours == 24:
		return "1 day"
	case hours%24 == 0 && hours > 0:
		return strconv.Itoa(hours/24) + " days"
	case hours == 1:
		return "1 hour"
	}
	return strconv.Itoa(hours) + " hours"
}
