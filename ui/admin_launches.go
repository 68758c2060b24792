package ui

import (
	"encoding/json"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderLaunches lists recent launches; a failed one opens in the debugger.
func (c *adminConsole) renderLaunches() app.UI {
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Recent launches"),
		app.If(c.debug != nil, func() app.UI { return c.renderDebugger() }),
		c.searchBox("launch-search", "Search launches"),
		exportButton("launches-csv", "launches.csv", func() [][]string {
			out := [][]string{{"time", "platform", "issuer", "client_id", "deployment_id", "message_type", "result", "check"}}
			for _, l := range c.launches {
				out = append(out, []string{l.CreatedAt.UTC().Format(time.RFC3339), l.Platform, l.Issuer, l.ClientID, l.DeploymentID, l.MessageType, result(l), l.Check})
			}
			return out
		}),
		app.If(c.loaded == statusLoaded && len(c.launches) == 0, func() app.UI {
			return app.P().ID("launches-empty").Text("No launches yet. They appear here when someone opens ltibox from an LMS.")
		}).Else(func() app.UI { return c.launchesTable() }),
	)
}

// launchesTable lists the launches, newest first.
func (c *adminConsole) launchesTable() app.UI {
	labels := debugButtonLabels(c.launches)
	return tableScroll("Launches, newest first", app.Table().ID("launches").Body(
		app.Caption().Text("Launches, newest first"),
		app.THead().Body(app.Tr().Body(th("Time"), th("Platform"), th("Deployment"), th("Message"), th("Result"), th("Debug"))),
		app.TBody().Body(app.Range(c.launches).Slice(func(i int) app.UI {
			l := c.launches[i]
			if !c.matches(l.Platform, l.Issuer, l.DeploymentID, l.Check, l.MessageType) {
				return nil
			}
			platform := l.Platform
			if platform == "" {
				platform = l.Issuer
			}
			return app.Tr().Class("launch-"+result(l)).Body(
				app.Th().Attr("scope", "row").Body(localTime(l.CreatedAt)),
				app.Td().Class("wrap").Text(platform), app.Td().Class("wrap").Text(l.DeploymentID), app.Td().Text(l.MessageType),
				app.Td().Class("wrap").Text(result(l)+" "+l.Check),
				app.Td().Class("actions").Body(app.If(!l.OK, func() app.UI {
					return app.Button().Type("button").Class("secondary").Text("Debug").Aria("label", labels[l.ID]).
						OnClick(func(ctx app.Context, e app.Event) { c.openDebugger(ctx, l.ID) }, app.EventScope(l.ID))
				})),
			)
		})),
	))
}

func result(l model.LaunchAttempt) string {
	if l.OK {
		return "ok"
	}
	return "failed"
}

func (c *adminConsole) openDebugger(ctx app.Context, id int64) {
	ctx = c.mctx
	c.status = "Loading the launch…"
	ctx.Async(func() {
		l, err := c.api.Launch(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.failed(ctx, err)
				return
			}
			c.debug, c.status = &l, ""
			// The debugger opens above the table, out of view, and the
			// re-render drops the focus of the Debug button: bring the
			// person (keyboard and screen reader too) to its heading.
			ctx.Defer(func(app.Context) {
				if h := app.Window().GetElementByID("debugger-heading"); h.Truthy() {
					h.Call("scrollIntoView", map[string]any{"block": "start"})
					h.Call("focus", map[string]any{"preventScroll": true})
				}
			})
		})
	})
}

func (c *adminConsole) renderDebugger() app.UI {
	l := c.debug
	pretty := func(v map[string]any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	}
	return app.Section().ID("debugger").Aria("labelledby", "debugger-heading").Body(
		app.H2().ID("debugger-heading").TabIndex(-1).Text("Launch debugger"),
		app.Dl().Class("facts").Body(
			app.Dt().Text("Failed check"), app.Dd().Body(app.Code().ID("debug-check").Text(l.Check)),
			app.Dt().Text("What happened"), app.Dd().Text(l.Title+": "+l.Message),
			app.Dt().Text("Platform"), debugPlatform(*l),
			app.Dt().Text("What to check"), app.Dd().ID("debug-hint").Text(l.Hint),
		),
		app.H3().Text("id_token header"),
		app.Pre().ID("debug-header").Text(pretty(l.Header)),
		app.H3().Text("id_token claims (signature not kept)"),
		app.Pre().ID("debug-claims").Text(pretty(l.Claims)),
		app.Button().Type("button").ID("close-debugger").Class("secondary").Text("Close debugger").OnClick(func(ctx app.Context, e app.Event) { c.closeDebugger() }),
	)
}
