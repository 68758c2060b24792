package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderDeployments lists every deployment of every platform.
func (c *adminConsole) renderDeployments() app.UI {
	type row struct {
		p     model.Platform
		d     model.Deployment
		label string
	}
	labels := c.labels()
	rows := []row{}
	for _, p := range c.platforms {
		for _, d := range p.Deployments {
			if c.matches(labels[p.ID], d.DeploymentID, d.Status) {
				rows = append(rows, row{p, d, labels[p.ID]})
			}
		}
	}
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Deployments"),
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
						return app.Option().Value(strconv.FormatInt(c.platforms[i].ID, 10)).Text(labels[c.platforms[i].ID])
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
			labels := c.labels()
			for _, p := range c.platforms {
				for _, d := range p.Deployments {
					out = append(out, []string{labels[p.ID], d.DeploymentID, d.Status, d.CreatedAt.UTC().Format(time.RFC3339)})
				}
			}
			return out
		}),
		tableScroll("Deployments of every platform", app.Table().ID("deployments").Body(
			app.Caption().Text("Deployments of every platform"),
			app.THead().Body(app.Tr().Body(th("Platform"), th("Deployment ID"), th("Status"), th("Added"), th("Actions"))),
			app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI {
				r := rows[i]
				// The scope is what the handlers use, not the row's ID: go-app
				// keeps a handler while its scope is unchanged, and a new
				// deployment can get a deleted one's ID. The platform's label
				// is looked up when clicked (it changes when another platform
				// gets the same name).
				pid, dep := r.p.ID, r.d.DeploymentID
				scope := app.EventScope(pid, dep)
				return app.Tr().DataSet("deployment", dep).Body(
					app.Th().Attr("scope", "row").Text(r.label),
					app.Td().Class("wrap").Text(dep),
					app.Td().Class("status-"+r.d.Status).Text(r.d.Status),
					app.Td().Body(localTime(r.d.CreatedAt)),
					app.Td().Class("actions").Body(
						app.If(r.d.Status != "active", func() app.UI {
							return app.Button().Type("button").Class("secondary").Text("Approve").Aria("label", "Approve deployment "+dep+" of "+r.label).
								OnClick(func(ctx app.Context, e app.Event) {
									label := c.labels()[pid]
									c.run(ctx, "Approving…", "Approved deployment "+dep+" of "+label+".", func() error {
										return c.api.DecideDeployment(ctx, pid, dep, "approve")
									})
								}, scope)
						}),
						app.Button().Type("button").Class("danger").Text("Remove").Aria("label", "Remove deployment "+dep+" of "+r.label).
							OnClick(func(ctx app.Context, e app.Event) {
								if !confirmed("Remove deployment " + dep + "? Launches from it will be refused.") {
									return
								}
								c.run(ctx, "Removing…", "Removed deployment "+dep+".", func() error { return c.api.RemoveDeployment(ctx, pid, dep) })
							}, scope),
					),
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

// pendingPlatform is the waiting platform with the id, as last loaded.
func (c *adminConsole) pendingPlatform(id int64) (model.Platform, bool) {
	for _, p := range c.pending.Platforms {
		if p.ID == id {
			return p, true
		}
	}
	return model.Platform{}, false
}

// decidePlatform approves (status "active") or rejects (status "disabled",
// once the admin confirms) a waiting platform, named as it is now.
func (c *adminConsole) decidePlatform(ctx app.Context, id int64, approve bool) {
	p, ok := c.pendingPlatform(id)
	if !ok {
		return
	}
	label := c.pendingLabels()[id]
	if approve {
		c.run(ctx, "Approving…", "Approved "+label+".", func() error { return c.api.SetPlatformStatus(ctx, p.ID, "active") })
		return
	}
	if !confirmed("Reject " + label + "? ltibox disables this registration: its launches are refused until you activate it under Platforms.") {
		return
	}
	c.run(ctx, "Rejecting…", "Rejected "+label+": it is disabled now (Activate it under Platforms to allow its launches).", func() error {
		return c.api.SetPlatformStatus(ctx, p.ID, "disabled")
	})
}

// decideDeployment approves or rejects (once the admin confirms) a
// waiting deployment, named as it is now.
func (c *adminConsole) decideDeployment(ctx app.Context, regID int64, dep string, approve bool) {
	label := c.pendingLabels()[regID]
	if approve {
		c.run(ctx, "Approving…", "Approved deployment "+dep+" of "+label+".", func() error {
			return c.api.DecideDeployment(ctx, regID, dep, "approve")
		})
		return
	}
	if !confirmed("Reject deployment " + dep + " of " + label + "? Its launches will be refused until you approve it on the Deployments page.") {
		return
	}
	c.run(ctx, "Rejecting…", "Rejected deployment "+dep+" of "+label+". The Deployments page can approve it again.", func() error {
		return c.api.DecideDeployment(ctx, regID, dep, "reject")
	})
}

// noneRow is the row of an empty table that says so.
func noneRow(cols int, text string) app.UI {
	return app.Tr().Class("none").Body(app.Td().ColSpan(cols).Text(text))
}

// sameIssuerNotes says, for each waiting platform, which other registrations
// have its issuer: each other one by its name and client ID (withClient, as
// its label says it when two share a name) and its status.
func sameIssuerNotes(waiting []model.Platform, labels map[int64]string) []string {
	out := []string{}
	for _, p := range waiting {
		for _, o := range p.SameIssuer {
			out = append(out, labels[p.ID]+" has the same issuer ("+p.Issuer+") as "+withClient(o.Name, o.ClientID)+", which is "+o.Status+".")
		}
	}
	return out
}

// renderApprovals is the approval queue: pending platforms and deployments.
func (c *adminConsole) renderApprovals() app.UI {
	labels := c.pendingLabels()
	loaded := c.loaded == statusLoaded
	warnings := sameIssuerNotes(c.pending.Platforms, labels)
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Pending approvals"),
		app.P().Text("LMSs that registered themselves while new registrations wait for approval, and deployments seen in launches that ltibox did not know. Nothing here can launch until you approve it."),
		tableScroll("Platforms waiting for approval", app.Table().ID("pending-platforms").Body(
			app.Caption().Text("Platforms waiting for approval"),
			app.THead().Body(app.Tr().Body(th("Name"), th("Issuer"), th("Client ID"), th("Registered"), th("Decision"))),
			app.TBody().Body(
				app.Range(c.pending.Platforms).Slice(func(i int) app.UI {
					p := c.pending.Platforms[i]
					// The handlers carry only the ID and look the platform
					// up when clicked: go-app keeps a row's first handlers
					// while the scope stays the same.
					id, scope := p.ID, app.EventScope(p.ID)
					return app.Tr().DataSet("platform", p.ID).Body(
						app.Th().Attr("scope", "row").Text(labels[p.ID]),
						app.Td().Class("wrap").Text(p.Issuer),
						app.Td().Class("wrap").Text(p.ClientID),
						app.Td().Body(localTime(p.CreatedAt)),
						app.Td().Class("actions").Body(
							app.Button().Type("button").Class("secondary").Text("Approve").Aria("label", "Approve "+labels[p.ID]).
								OnClick(func(ctx app.Context, e app.Event) { c.decidePlatform(ctx, id, true) }, scope),
							app.Button().Type("button").Class("danger").Text("Reject").Aria("label", "Reject "+labels[p.ID]).
								OnClick(func(ctx app.Context, e app.Event) { c.decidePlatform(ctx, id, false) }, scope),
						),
					)
				}),
				app.If(loaded && len(c.pending.Platforms) == 0, func() app.UI {
					return noneRow(5, "No platform is waiting for approval.")
				}),
			),
		)),
		app.If(len(warnings) > 0, func() app.UI {
			return app.Div().ID("same-issuer").Class("note").Body(
				app.P().Text("Another registration of the same LMS exists. Approve only the one the LMS uses now: compare the client ID with the one the LMS shows for ltibox, and reject or delete the other if it is a leftover."),
				app.Ul().Body(app.Range(warnings).Slice(func(i int) app.UI { return app.Li().Text(warnings[i]) })),
			)
		}),
		tableScroll("Deployments waiting for approval", app.Table().ID("pending-deployments").Body(
			app.Caption().Text("Deployments waiting for approval"),
			app.THead().Body(app.Tr().Body(th("Platform"), th("Issuer"), th("Client ID"), th("Deployment ID"), th("First seen"), th("Decision"))),
			app.TBody().Body(
				app.Range(c.pending.Deployments).Slice(func(i int) app.UI {
					d := c.pending.Deployments[i]
					regID, dep := d.RegistrationID, d.DeploymentID
					scope := app.EventScope(strconv.FormatInt(regID, 10) + "/" + dep)
					label := labels[regID]
					return app.Tr().DataSet("deployment", dep).Body(
						app.Th().Attr("scope", "row").Text(label),
						app.Td().Class("wrap").Text(d.Issuer),
						app.Td().Class("wrap").Text(d.ClientID),
						app.Td().Class("wrap").Text(dep),
						app.Td().Body(localTime(d.CreatedAt)),
						app.Td().Class("actions").Body(
							app.Button().Type("button").Class("secondary").Text("Approve").Aria("label", "Approve deployment "+dep+" of "+label).
								OnClick(func(ctx app.Context, e app.Event) { c.decideDeployment(ctx, regID, dep, true) }, scope),
							app.Button().Type("button").Class("danger").Text("Reject").Aria("label", "Reject deployment "+dep+" of "+label).
								OnClick(func(ctx app.Context, e app.Event) { c.decideDeployment(ctx, regID, dep, false) }, scope),
						),
					)
				}),
				app.If(loaded && len(c.pending.Deployments) == 0, func() app.UI {
					return noneRow(6, "No deployment is waiting for approval.")
				}),
			),
		)),
		app.If(loaded && len(c.pending.Platforms) == 0 && len(c.pending.Deployments) == 0, func() app.UI {
			return app.P().ID("nothing-pending").Text("Nothing is waiting for approval.")
		}),
	)
}

// registrationCopy is copyOn while the registration URL's copy message shows.
const registrationCopy = -1

// copyRegistrationURL copies the registration URL, or selects it and says
// how to copy it when the browser has no clipboard for the page.
func (c *adminConsole) copyRegistrationURL(ctx app.Context, e app.Event) {
	c.copyValue(registrationCopy, "registration-url", "the dynamic registration URL", c.settings.RegistrationURL)
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
	copyMsg := ""
	if c.copyOn == registrationCopy {
		copyMsg = c.copyMsg
	}
	url := c.settings.RegistrationURL
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Dynamic registration"),
		app.P().Text("Paste this link into your LMS's \"register a tool\" field (Moodle: \"Tool URL\" then \"Add LTI Advantage\"). Works with: "+joinComma(dynamic)+"."),
		app.Label().For("registration-url").Text("Dynamic registration URL"),
		app.Div().Class("copy-field").Body(
			app.Input().Type("text").ID("registration-url").ReadOnly(true).Value(url).Aria("describedby", "registration-url-help"),
			app.Button().Type("button").ID("copy-registration-url").Class("secondary", "copy").Text("Copy").
				Aria("label", "Copy the dynamic registration URL").OnClick(c.copyRegistrationURL, app.EventScope("registration-url")),
		),
		app.P().ID("registration-url-help").Class("help").Text("The LMS opens this URL from its own server, so it must be an https URL that the LMS server can reach (not localhost or an address only your network knows, unless the LMS runs there too)."),
		app.If(c.loaded == statusLoaded && url != "" && !strings.HasPrefix(url, "https://"), func() app.UI {
			return app.P().ID("registration-url-insecure").Class("note").Text("This URL is not https: an LMS will refuse it. Start ltibox with its public https address (--base-url or LTIBOX_BASE_URL).")
		}),
		app.P().ID("registration-copy-status").Class("status").Role("status").Aria("live", "polite").Text(copyMsg),
		app.Form().ID("policy-form").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			in := c.settings
			c.run(ctx, "Saving…", "Settings saved.", func() error { _, err := c.api.SaveSettings(ctx, in); return err })
		}).Body(
			app.FieldSet().Body(
				app.Legend().Text("New registrations"),
				radio("approval-pending", "pending", "Keep them pending until I approve them under Pending approvals (recommended)", !active),
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
