package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// preset returns the preset with the key (zero value if unknown).
func (c *adminConsole) preset(key string) model.Preset {
	for _, p := range c.presets {
		if p.Key == key {
			return p
		}
	}
	return model.Preset{Key: key, Label: key}
}

// fillPreset pre-fills the form from a preset; "{site}" becomes the LMS address.
func (c *adminConsole) fillPreset() {
	p := c.preset(c.form.Preset)
	site := strings.TrimRight(strings.TrimSpace(c.site), "/")
	fill := func(tmpl string) string {
		if tmpl == "" || (strings.Contains(tmpl, "{site}") && site == "") {
			return ""
		}
		return strings.ReplaceAll(tmpl, "{site}", site)
	}
	c.form.Issuer, c.form.AuthURL, c.form.TokenURL, c.form.JWKSURL = fill(p.Issuer), fill(p.AuthURL), fill(p.TokenURL), fill(p.JWKSURL)
	c.form.TokenAudience = p.TokenAudience
	isLabel := c.form.Name == ""
	for _, q := range c.presets {
		isLabel = isLabel || c.form.Name == q.Label
	}
	if isLabel {
		c.form.Name = p.Label
	}
}

func (c *adminConsole) openAdd(ctx app.Context, e app.Event) {
	c.showForm, c.editID, c.site, c.firstDep, c.errMsg = true, 0, "", "", ""
	c.form = model.PlatformInput{Preset: "moodle"}
	c.fillPreset()
}

// platform is the platform with the id as last loaded.
func (c *adminConsole) platform(id int64) (model.Platform, bool) {
	for _, p := range c.platforms {
		if p.ID == id {
			return p, true
		}
	}
	return model.Platform{}, false
}

// openEdit fills the form from the platform as last loaded (not as the row
// was first drawn: the form would otherwise write old values back).
func (c *adminConsole) openEdit(id int64) {
	p, ok := c.platform(id)
	if !ok {
		return
	}
	c.showForm, c.editID, c.site, c.firstDep, c.errMsg = true, p.ID, "", "", ""
	c.form = model.PlatformInput{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, AuthURL: p.AuthURL, TokenURL: p.TokenURL,
		TokenAudience: p.TokenAudience, JWKSURL: p.JWKSURL, Preset: p.Preset, Status: p.Status, AllowAnonymous: p.AllowAnonymous}
}

// togglePlatform disables an active platform and activates any other, by
// its status as last loaded.
func (c *adminConsole) togglePlatform(ctx app.Context, id int64) {
	p, ok := c.platform(id)
	if !ok {
		return
	}
	next := "disabled"
	if p.Status != "active" {
		next = "active"
	}
	c.run(ctx, "Saving…", c.labels()[id]+" is now "+next+".", func() error { return c.api.SetPlatformStatus(ctx, id, next) })
}

// deletePlatform removes the platform once the admin confirms.
func (c *adminConsole) deletePlatform(ctx app.Context, id int64) {
	if _, ok := c.platform(id); !ok {
		return
	}
	label := c.labels()[id]
	if !confirmed("Delete " + label + "? Its deployments, users and sessions are removed too.") {
		return
	}
	if c.shown == id {
		c.shown = 0
	}
	c.run(ctx, "Deleting…", "Deleted "+label+".", func() error { return c.api.DeletePlatform(ctx, id) })
}

func (c *adminConsole) savePlatform(ctx app.Context, e app.Event) {
	ctx = c.mctx
	e.PreventDefault()
	in, id := c.form, c.editID
	if id == 0 && strings.TrimSpace(c.firstDep) != "" {
		in.Deployments = []string{strings.TrimSpace(c.firstDep)}
	}
	c.status, c.errMsg = "Saving the platform…", ""
	ctx.Async(func() {
		var p model.Platform
		var err error
		if id == 0 {
			p, err = c.api.CreatePlatform(ctx, in)
		} else {
			p, err = c.api.UpdatePlatform(ctx, id, in)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.status, c.errMsg = "", model.ErrorMessage(err)
				return
			}
			c.showForm = false
			if id == 0 {
				// A new platform: its setup box opens (once the reload has
				// drawn it) and takes the focus, as Setup does.
				c.shown, c.status = p.ID, "Saved "+p.Name+". Now enter ltibox's URLs in the LMS (below)."
				c.clearCopyMsg()
				c.focusAfterLoad = "setup-heading"
			} else {
				// An edit changes nothing to enter in the LMS: the focus goes
				// back to the row's Edit button, as Cancel does.
				c.status = "Saved " + p.Name + "."
				c.focusPlatformRow(id, "Edit ")
			}
			c.reload(ctx)
		})
	})
}

// closeForm closes the platform form unsaved and gives the focus back to the
// button that opened it: Add platform, or the row's Edit button. The form's
// Cancel button goes with the form, and Chromium would drop the focus to <body>.
func (c *adminConsole) closeForm() {
	c.showForm = false
	if c.editID != 0 {
		c.focusPlatformRow(c.editID, "Edit ")
		return
	}
	c.focusAfterRender(byID("add-platform"))
}

// focusPlatformRow focuses the button of the platform's row whose accessible
// name starts with prefix ("Edit ", "Show setup for "), once the console has
// re-rendered. If a search hides that row, the search box takes the focus.
func (c *adminConsole) focusPlatformRow(id int64, prefix string) {
	c.focusAfterRender(func(doc app.Value) app.Value {
		el := doc.Call("querySelector", `#platforms tr[data-platform="`+strconv.FormatInt(id, 10)+`"] button[aria-label^="`+prefix+`"]`)
		if !el.Truthy() {
			el = doc.Call("getElementById", "platform-search")
		}
		return el
	})
}

func (c *adminConsole) renderPlatforms() app.UI {
	labels := c.labels()
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Platforms"),
		app.P().Text("Each LMS that launches ltibox. Add one by hand with a preset, or let the LMS register itself with the dynamic registration link."),
		app.Button().Type("button").ID("add-platform").Text("Add platform").OnClick(c.openAdd),
		app.If(c.showForm, func() app.UI { return c.renderPlatformForm() }),
		app.If(c.shown != 0, func() app.UI { return c.renderSetup() }),
		c.searchBox("platform-search", "Search platforms"),
		exportButton("platforms-csv", "platforms.csv", c.platformRows),
		tableScroll("Registered platforms", app.Table().ID("platforms").Body(
			app.Caption().Text("Registered platforms"),
			app.THead().Body(app.Tr().Body(th("Name"), th("LMS"), th("Issuer"), th("Client ID"), th("Status"), th("Deployments"), th("Launches by binding"), th("Actions"))),
			app.TBody().Body(app.Range(c.platforms).Slice(func(i int) app.UI {
				p := c.platforms[i]
				label := labels[p.ID]
				if !c.matches(p.Name, p.Issuer, p.ClientID, p.Preset, p.Status) {
					return nil
				}
				deps := []string{}
				for _, d := range p.Deployments {
					deps = append(deps, d.DeploymentID)
				}
				toggle := "Disable"
				if p.Status != "active" {
					toggle = "Activate"
				}
				// The handlers carry only the ID: go-app keeps a row's first
				// handler while its scope stays the same, so data captured
				// here would be the row as first drawn, not as reloaded.
				id, scope := p.ID, app.EventScope(p.ID)
				return app.Tr().DataSet("platform", p.ID).Body(
					app.Th().Attr("scope", "row").Text(label),
					app.Td().Text(c.preset(p.Preset).Label),
					app.Td().Class("wrap").Text(p.Issuer),
					app.Td().Class("wrap").Text(p.ClientID),
					app.Td().Class("status-"+p.Status).Text(p.Status),
					app.Td().Class("wrap").Text(strings.Join(deps, ", ")),
					app.Td().Class("bindings").Text(bindingSummary(p.Bindings)),
					app.Td().Class("actions").Body(
						app.Button().Type("button").Class("secondary").Text("Setup").Aria("label", "Show setup for "+label).
							OnClick(func(ctx app.Context, e app.Event) { c.openSetup(id) }, scope),
						app.Button().Type("button").Class("secondary").Text("Edit").Aria("label", "Edit "+label).
							OnClick(func(ctx app.Context, e app.Event) { c.openEdit(id) }, scope),
						app.Button().Type("button").Class("secondary").Text(toggle).Aria("label", toggle+" "+label).
							OnClick(func(ctx app.Context, e app.Event) { c.togglePlatform(ctx, id) }, scope),
						app.Button().Type("button").Class("danger").Text("Delete").Aria("label", "Delete "+label).
							OnClick(func(ctx app.Context, e app.Event) { c.deletePlatform(ctx, id) }, scope),
					),
				)
			})),
		)),
		app.If(c.loaded == statusLoaded && len(c.platforms) == 0, func() app.UI {
			return app.P().Text("No platform yet. Click Add platform, or paste the dynamic registration link into your LMS.")
		}),
	)
}

func (c *adminConsole) platformRows() [][]string {
	rows := [][]string{{"id", "name", "preset", "issuer", "client_id", "status", "deployments", "launches_by_binding"}}
	for _, p := range c.platforms {
		deps := []string{}
		for _, d := range p.Deployments {
			deps = append(deps, d.DeploymentID)
		}
		rows = append(rows, []string{strconv.FormatInt(p.ID, 10), p.Name, p.Preset, p.Issuer, p.ClientID, p.Status, strings.Join(deps, " "), bindingSummary(p.Bindings)})
	}
	return rows
}

// bindingLabels name the three ways a launch proves it is the browser that
// started the login, in the words an IT admin reads on the Platforms page.
var bindingLabels = map[string]string{"cookie": "cookie", "storage": "platform storage", "window": "new window"}

// bindingSummary reads "cookie 12 · platform storage 3", or "no launches yet".
// Many storage or new-window launches mean the browsers block cookies in the
// LMS iframe (Safari, or privacy settings).
func bindingSummary(bs []model.LaunchBinding) string {
	parts := []string{}
	for _, b := range bs {
		label := bindingLabels[b.Binding]
		if label == "" {
			label = b.Binding
		}
		parts = append(parts, label+" "+strconv.FormatInt(b.Launches, 10))
	}
	if len(parts) == 0 {
		return "no launches yet"
	}
	return strings.Join(parts, " · ")
}

// field is a labelled text input that stores what is typed in into. Its
// handler is scoped by id: the form's fields shift when the LMS address
// field comes and goes (Add, then Edit), and go-app would keep the handler
// of the field that stood there before, typing into the wrong value.
func field(id, label, value string, into *string, c *adminConsole, help string) app.UI {
	return app.Div().Class("field").Body(
		app.Label().For(id).Text(label),
		app.Input().Type("text").ID(id).Name(id).Value(value).OnInput(c.ValueTo(into), app.EventScope(id)),
		app.If(help != "", func() app.UI { return app.P().Class("help").Text(help) }),
	)
}

func (c *adminConsole) renderPlatformForm() app.UI {
	title := "Add a platform"
	if c.editID != 0 {
		title = "Edit platform"
	}
	p := c.preset(c.form.Preset)
	return app.Form().ID("platform-form").OnSubmit(c.savePlatform).Body(
		app.FieldSet().Body(
			app.Legend().Text(title),
			app.Div().Class("field").Body(
				app.Label().For("preset").Text("LMS"),
				app.Select().ID("preset").Name("preset").OnChange(func(ctx app.Context, e app.Event) {
					c.form.Preset = ctx.JSSrc().Get("value").String()
					c.fillPreset()
				}).Body(app.Range(c.presets).Slice(func(i int) app.UI {
					o := app.Option().Value(c.presets[i].Key).Text(c.presets[i].Label)
					if c.presets[i].Key == c.form.Preset {
						o = o.Selected(true)
					}
					return o
				})),
			),
			app.If(c.editID == 0, func() app.UI {
				return app.Div().Class("field").Body(
					app.Label().For("site").Text("LMS address (fills in the URLs)"),
					app.Input().Type("url").ID("site").Name("site").Placeholder("https://moodle.school.example").Value(c.site).
						OnInput(func(ctx app.Context, e app.Event) {
							c.site = ctx.JSSrc().Get("value").String()
							c.fillPreset()
						}),
				)
			}),
			field("name", "Name", c.form.Name, &c.form.Name, c, ""),
			field("issuer", "Issuer (iss)", c.form.Issuer, &c.form.Issuer, c, ""),
			field("client-id", "Client ID", c.form.ClientID, &c.form.ClientID, c, "The LMS shows it after you add ltibox there."),
			field("auth-url", "OIDC authorization URL", c.form.AuthURL, &c.form.AuthURL, c, ""),
			field("token-url", "Access token URL", c.form.TokenURL, &c.form.TokenURL, c, ""),
			field("token-audience", "Token audience (optional)", c.form.TokenAudience, &c.form.TokenAudience, c, "Only if the LMS expects another audience than the token URL (Brightspace)."),
			field("jwks-url", "Public keyset (JWKS) URL", c.form.JWKSURL, &c.form.JWKSURL, c, ""),
			app.If(c.editID == 0, func() app.UI {
				return field("deployment", "Deployment ID", c.firstDep, &c.firstDep, c, p.DeploymentNote)
			}),
			app.Div().Class("form-actions").Body(
				app.Button().Type("submit").ID("save-platform").Text("Save platform"),
				app.Button().Type("button").ID("platform-cancel").Class("secondary").Text("Cancel").OnClick(func(ctx app.Context, e app.Event) { c.closeForm() }),
			),
		),
	)
}

// setupRow is one value of the setup panel to enter in the LMS.
type setupRow struct{ id, label, value string }

// setupRows are the URLs of the setup panel, in the order shown.
func setupRows(u model.ToolURLs) []setupRow {
	return []setupRow{
		{"url-login", "Login (OIDC initiation) URL", u.LoginURL},
		{"url-redirect", "Redirect URI", u.RedirectURL},
		{"url-target", "Target link URI (tool URL)", u.TargetLinkURI},
		{"url-deeplink", "Deep linking URL", u.DeepLinkingURL},
		{"url-jwks", "Public keyset (JWKS) URL", u.JWKSURL},
		{"url-domain", "Tool domain", u.Domain},
	}
}

// setupJSON is the setup panel's JSON text area as a value to copy.
func setupJSON(s model.PlatformSetup) setupRow {
	return setupRow{"setup-json", "JSON configuration", s.JSON}
}

// copyAnnounceDelay is how long the copy status stays empty before it
// speaks: long enough for the emptying to reach the page on its own.
const copyAnnounceDelay = 150 * time.Millisecond

// copySetupValue copies the setup value with the id, as last loaded, and
// announces it. Without a clipboard (an http:// address other than
// localhost) or when the browser refuses, it selects the value instead and
// says how to copy it.
func (c *adminConsole) copySetupValue(ctx app.Context, id string) {
	p, ok := c.platform(c.shown)
	if !ok {
		return
	}
	for _, r := range append(setupRows(p.ToolURLs), setupJSON(p.Setup)) {
		if r.id != id {
			continue
		}
		c.copyValue(p.ID, r.id, r.label, r.value)
		return
	}
}

// copyValue copies value to the clipboard and says so in the status region
// of owner (a platform's setup panel, or registrationCopy); a browser that
// refuses gets the text selected (element id) and the keys to press.
func (c *adminConsole) copyValue(owner int64, id, label, value string) {
	ctx := c.mctx
	writeClipboard(value, func(copied bool) {
		ctx.Dispatch(func(ctx app.Context) {
			if copied {
				c.announceCopy(owner, "Copied "+label+".")
				return
			}
			selectContents(id)
			c.announceCopy(owner, capitalize(label)+" is selected. Press Ctrl+C to copy it (⌘C on a Mac).")
		})
	})
}

// announceCopy says msg in the setup panel's status region so that every
// press is announced, the same message twice in a row too: go-app leaves an
// unchanged text as it is, and screen readers speak only changes. So the
// region is emptied first and says msg a moment later (unless another press
// or closing the panel came meanwhile).
func (c *adminConsole) announceCopy(platformID int64, msg string) {
	c.clearCopyMsg()
	c.copyOn = platformID
	seq := c.copySeq
	c.mctx.After(copyAnnounceDelay, func(app.Context) {
		if seq == c.copySeq {
			c.copyMsg = msg
		}
	})
}

// clearCopyMsg empties the copy status and cancels a pending announcement.
func (c *adminConsole) clearCopyMsg() {
	c.copyMsg = ""
	c.copySeq++
}

// copyButton copies the setup value r. The handler carries only the row's
// id and looks the value up when clicked (go-app keeps a handler while its
// scope is unchanged).
func (c *adminConsole) copyButton(r setupRow) app.UI {
	id := r.id
	return app.Button().Type("button").Class("secondary", "copy").Text("Copy").Aria("label", "Copy "+r.label).
		OnClick(func(ctx app.Context, e app.Event) { c.copySetupValue(ctx, id) }, app.EventScope(id))
}

// renderSetup shows the exact URLs and JSON to paste into the LMS, each with
// a Copy button.
func (c *adminConsole) renderSetup() app.UI {
	var p *model.Platform
	for i := range c.platforms {
		if c.platforms[i].ID == c.shown {
			p = &c.platforms[i]
		}
	}
	if p == nil {
		return nil
	}
	items := []app.UI{}
	for _, r := range setupRows(p.ToolURLs) {
		items = append(items, app.Dt().Text(r.label), app.Dd().Body(app.Code().ID(r.id).Text(r.value), c.copyButton(r)))
	}
	copyMsg := ""
	if c.copyOn == p.ID {
		copyMsg = c.copyMsg
	}
	return app.Section().ID("setup").Class("setup").Aria("labelledby", "setup-heading").Body(
		app.H2().ID("setup-heading").TabIndex(-1).Text("Set up ltibox in "+p.Name),
		app.P().ID("setup-intro").Text("In "+p.Name+", open the page for adding an LTI 1.3 tool and copy each value below into the matching field there."),
		// Empty for an LMS ltibox knows nothing about: the instruction above says it all.
		app.If(p.Setup.Where != "", func() app.UI { return app.P().Class("where").Text("Where to find that page: " + p.Setup.Where) }),
		app.Dl().Class("facts").Body(items...),
		app.P().ID("copy-status").Class("status").Role("status").Aria("live", "polite").Text(copyMsg),
		setupDeployment(*p),
		app.Label().For("setup-json").Text(p.Setup.JSONLabel),
		app.Textarea().ID("setup-json").ReadOnly(true).Rows(14).Text(p.Setup.JSON),
		app.P().Body(c.copyButton(setupJSON(p.Setup))),
		// What the LMS must show for the tool: the hints (the Other LMS one
		// says to compare these) read them here, next to themselves.
		app.H3().ID("setup-check-heading").Text("What ltibox has for "+p.Name),
		app.P().ID("setup-check").Text("ltibox accepts launches from "+p.Name+" only when these values match the ones "+p.Name+" shows for the tool. To change them, use Edit in the platform's row."),
		app.Dl().ID("setup-platform").Class("facts").Body(
			app.Dt().Text("Issuer (platform ID)"), app.Dd().Body(app.Code().ID("platform-issuer").Text(p.Issuer)),
			app.Dt().Text("Client ID"), app.Dd().Body(app.Code().ID("platform-client-id").Text(p.ClientID)),
			app.Dt().Text("Keyset (JWKS) URL of "+p.Name), app.Dd().Body(app.Code().ID("platform-jwks").Text(p.JWKSURL)),
		),
		app.If(p.Setup.Hint != "", func() app.UI { return app.P().Class("note").Text(p.Setup.Hint) }),
		app.Button().Type("button").ID("close-setup").Class("secondary").Text("Close setup").OnClick(func(ctx app.Context, e app.Event) { c.closeSetup() }),
	)
}

// setupDeployment says what a deployment ID is in the LMS, where it goes in
// ltibox (the Deployments page; the Add form's field exists only before the
// platform is saved) and which ones ltibox has for the platform so far.
func setupDeployment(p model.Platform) app.UI {
	known := "ltibox has no deployment of " + p.Name + " yet."
	if ids := deploymentIDs(p); len(ids) == 1 {
		known = "ltibox has deployment " + ids[0] + " of " + p.Name + "."
	} else if len(ids) > 1 {
		known = "ltibox has deployments " + strings.Join(ids, ", ") + " of " + p.Name + "."
	}
	note := p.Setup.DeploymentNote
	if note != "" {
		note += " "
	}
	return app.P().ID("setup-deployment").Body(
		app.Text(note+"Enter each deployment ID in ltibox on the "),
		app.A().Href(PathAdminDeployments).Text("Deployments page"),
		app.Text(" (Add a deployment, platform "+p.Name+"). "+known),
	)
}

// deploymentIDs are the platform's deployment IDs, in the order listed.
func deploymentIDs(p model.Platform) []string {
	ids := []string{}
	for _, d := range p.Deployments {
		ids = append(ids, d.DeploymentID)
	}
	return ids
}

// openSetup shows the setup panel of the platform with the id and moves the
// keyboard focus to its heading, so that a screen reader reads it from the
// top (the panel opens above the table, away from the Setup button).
func (c *adminConsole) openSetup(id int64) {
	c.shown = id
	c.clearCopyMsg()
	c.focusAfterRender(byID("setup-heading"))
}

// closeSetup closes the setup panel and gives the focus back to the Setup
// button of its platform's row: the Close setup button goes with the panel,
// and Chromium would drop the focus to <body>. If a search now hides that
// row, the search box takes the focus instead.
func (c *adminConsole) closeSetup() {
	id := c.shown
	c.shown = 0
	c.clearCopyMsg()
	c.focusPlatformRow(id, "Show setup for ")
}

// focusAfterRender focuses the element find returns once the console has
// re-rendered. It defers on the console's own context (see closeDebugger):
// go-app skips a Defer whose element (the button pressed) is gone by then.
func (c *adminConsole) focusAfterRender(find func(doc app.Value) app.Value) {
	focusLater(c.mounted, c.mctx, find)
}
