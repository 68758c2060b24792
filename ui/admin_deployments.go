package ui

import (
	"strconv"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderDeployments lists every deployment of every platform.
func (c *adminConsole) renderDeployments() app.UI {
	type row struct {
		p model.Platform
		d model.Deployment
	}
	rows := []row{}
	for _, p := range c.platforms {
		for _, d := range p.Deployments {
			if c.matches(p.Name, d.DeploymentID, d.Status) {
				rows = append(rows, row{p, d})
			}
		}
	}
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").Text("Deployments"),
		app.P().Text("A deployment is one install of ltibox in an LMS (a Moodle tool, a Canvas account or course, a Blackboard institution). Launches from a deployment ltibox does not know wait under Pending approvals."),
		app.Form().ID("deployment-form").OnSubmit(c.addDeployment).Body(
			app.FieldSet().Body(
				app.Legend().Text("Add a deployment"),
				app.Label().For("dep-platform").Text("Platform"),
				app.Select().ID("dep-platform").OnChange(func(ctx app.Context, e app.Event) {
					c.depPlatform, _ = strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
				}).Body(
					app.Option().Value("0").Text("Choose…"),
					app.Range(c.platforms).Slice(func(i int) app.UI {
						return app.Option().Value(strconv.FormatInt(c.platforms[i].ID, 10)).Text(c.platforms[i].Name)
					}),
				),
				app.Label().For("dep-id").Text("Deployment ID"),
				app.Input().Type("text").ID("dep-id").Value(c.depID).OnInput(c.ValueTo(&c.depID)),
				app.Button().Type("submit").Text("Add deployment"),
			),
		),
		c.searchBox("deployment-search", "Search deployments"),
		exportButton("deployments-csv", "deployments.csv", func() [][]string {
			out := [][]string{{"platform", "deployment_id", "status", "added"}}
			for _, p := range c.platforms {
				for _, d := range p.Deployments {
					out = append(out, []string{p.Name, d.DeploymentID, d.Status, d.CreatedAt.UTC().Format(time.RFC3339)})
				}
			}
			return out
		}),
		tableScroll("Deployments of every platform", app.Table().ID("deployments").Body(
			app.Caption().Text("Deployments of every platform"),
			app.THead().Body(app.Tr().Body(th("Platform"), th("Deployment ID"), th("Status"), th("Added"), th("Actions"))),
			app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI {
				r := rows[i]
				// The scope is what the handler uses, not the row's ID: go-app
				// keeps a handler while its scope is unchanged, and a new
				// deployment can get a deleted one's ID.
				return app.Tr().Body(
					app.Th().Attr("scope", "row").Text(r.p.Name),
					app.Td().Class("wrap").Text(r.d.DeploymentID),
					app.Td().Class("status-"+r.d.Status).Text(r.d.Status),
					app.Td().Body(localTime(r.d.CreatedAt)),
					app.Td().Body(app.Button().Type("button").Class("danger").Text("Remove").Aria("label", "Remove deployment "+r.d.DeploymentID+" of "+r.p.Name).
						OnClick(func(ctx app.Context, e app.Event) {
							if !confirmed("Remove deployment " + r.d.DeploymentID + "? Launches from it will be refused.") {
								return
							}
							c.run(ctx, "Removing…", "Removed deployment "+r.d.DeploymentID+".", func() error { return c.api.RemoveDeployment(ctx, r.p.ID, r.d.DeploymentID) })
						}, app.EventScope(r.p.ID, r.d.DeploymentID))),
				)
			})),
		)),
	)
}

func (c *adminConsole) addDeployment(ctx app.Context, e app.Event) {
	e.PreventDefault()
	id, dep := c.depPlatform, c.depID
	if id == 0 {
		c.errMsg = "Choose the platform first."
		return
	}
	c.run(ctx, "Adding…", "Added deployment "+dep+".", func() error { return c.api.AddDeployment(ctx, id, dep) })
	c.depID = ""
}

// renderApprovals is the approval queue: pending platforms and deployments.
func (c *adminConsole) renderApprovals() app.UI {
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").Text("Pending approvals"),
		app.P().Text("LMSs that registered themselves while new registrations wait for approval, and deployments seen in launches that ltibox did not know. Nothing here can launch until you approve it."),
		tableScroll("Platforms waiting for approval", app.Table().ID("pending-platforms").Body(
			app.Caption().Text("Platforms waiting for approval"),
			app.THead().Body(app.Tr().Body(th("Name"), th("Issuer"), th("Client ID"), th("Registered"), th("Decision"))),
			app.TBody().Body(app.Range(c.pending.Platforms).Slice(func(i int) app.UI {
				p := c.pending.Platforms[i]
				// The scope holds all the handlers use: go-app keeps a row's
				// first handlers while the scope stays the same.
				scope := app.EventScope(p.ID, p.Name)
				return app.Tr().Body(
					app.Th().Attr("scope", "row").Text(p.Name),
					app.Td().Class("wrap").Text(p.Issuer),
					app.Td().Class("wrap").Text(p.ClientID),
					app.Td().Body(localTime(p.CreatedAt)),
					app.Td().Body(
						app.Button().Type("button").Class("secondary").Text("Approve").Aria("label", "Approve "+p.Name).OnClick(func(ctx app.Context, e app.Event) {
							c.run(ctx, "Approving…", "Approved "+p.Name+".", func() error { return c.api.SetPlatformStatus(ctx, p.ID, "active") })
						}, scope),
						app.Button().Type("button").Class("danger").Text("Reject").Aria("label", "Reject "+p.Name).OnClick(func(ctx app.Context, e app.Event) {
							c.run(ctx, "Rejecting…", "Disabled "+p.Name+".", func() error { return c.api.SetPlatformStatus(ctx, p.ID, "disabled") })
						}, scope),
					),
				)
			})),
		)),
		tableScroll("Deployments waiting for approval", app.Table().ID("pending-deployments").Body(
			app.Caption().Text("Deployments waiting for approval"),
			app.THead().Body(app.Tr().Body(th("Platform"), th("Deployment ID"), th("First seen"), th("Decision"))),
			app.TBody().Body(app.Range(c.pending.Deployments).Slice(func(i int) app.UI {
				d := c.pending.Deployments[i]
				scope := app.EventScope(strconv.FormatInt(d.RegistrationID, 10) + "/" + d.DeploymentID)
				return app.Tr().DataSet("deployment", d.DeploymentID).Body(
					app.Th().Attr("scope", "row").Text(d.Platform),
					app.Td().Class("wrap").Text(d.DeploymentID),
					app.Td().Body(localTime(d.CreatedAt)),
					app.Td().Body(
						app.Button().Type("button").Class("secondary").Text("Approve").Aria("label", "Approve deployment "+d.DeploymentID).OnClick(func(ctx app.Context, e app.Event) {
							c.run(ctx, "Approving…", "Approved deployment "+d.DeploymentID+".", func() error {
								return c.api.DecideDeployment(ctx, d.RegistrationID, d.DeploymentID, "approve")
							})
						}, scope),
						app.Button().Type("button").Class("danger").Text("Reject").Aria("label", "Reject deployment "+d.DeploymentID).OnClick(func(ctx app.Context, e app.Event) {
							c.run(ctx, "Rejecting…", "Rejected deployment "+d.DeploymentID+".", func() error {
								return c.api.DecideDeployment(ctx, d.RegistrationID, d.DeploymentID, "reject")
							})
						}, scope),
					),
				)
			})),
		)),
		app.If(c.loaded == statusLoaded && len(c.pending.Platforms) == 0 && len(c.pending.Deployments) == 0, func() app.UI {
			return app.P().ID("nothing-pending").Text("Nothing is waiting for approval.")
		}),
	)
}

// renderRegistration shows the dynamic registration link and its policy.
func (c *adminConsole) renderRegistration() app.UI {
	active := c.settings.Approval == "active"
	radio := func(id, value, label string, checked bool) app.UI {
		in := app.Input().Type("radio").ID(id).Name("approval").Value(value).OnChange(func(ctx app.Context, e app.Event) { c.settings.Approval = value })
		if checked {
			in = in.Checked(true)
		}
		return app.Div().Body(in, app.Label().For(id).Text(label))
	}
	private := app.Input().Type("checkbox").ID("allow-private").OnChange(func(ctx app.Context, e app.Event) {
		c.settings.AllowPrivate = ctx.JSSrc().Get("checked").Bool()
	})
	if c.settings.AllowPrivate {
		private = private.Checked(true)
	}
	dynamic := []string{}
	for _, p := range c.presets {
		if p.Dynamic {
			dynamic = append(dynamic, p.Label)
		}
	}
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").Text("Dynamic registration"),
		app.P().Text("Paste this link into your LMS's \"register a tool\" field (Moodle: \"Tool URL\" then \"Add LTI Advantage\"). Works with: "+joinComma(dynamic)+"."),
		app.Label().For("registration-url").Text("Dynamic registration URL"),
		app.Input().Type("text").ID("registration-url").ReadOnly(true).Value(c.settings.RegistrationURL),
		app.Form().ID("policy-form").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			in := c.settings
			c.run(ctx, "Saving…", "Settings saved.", func() error { _, err := c.api.SaveSettings(ctx, in); return err })
		}).Body(
			app.FieldSet().Body(
				app.Legend().Text("New registrations"),
				radio("approval-pending", "pending", "Keep them pending until I approve them (recommended)", !active),
				radio("approval-active", "active", "Activate them at once", active),
			),
			app.FieldSet().Body(
				app.Legend().Text("Network"),
				app.Div().Body(private, app.Label().For("allow-private").Text("Allow LMSs on private network addresses (on-premises LMS)")),
			),
			app.Button().Type("submit").ID("save-policy").Text("Save"),
		),
	)
}

func joinComma(v []string) string {
	out := ""
	for i, s := range v {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
