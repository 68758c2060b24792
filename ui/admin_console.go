package ui

import (
	"encoding/csv"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The admin console: go-app pages under /admin for the person running ltibox.
// It is top-level (the server sends frame-ancestors 'none' for /admin), signs
// in with a first-party cookie, and sends the CSRF token on every change.
// One component renders every console page; each page's view and handlers
// live in admin_<page>.go.

// Console paths.
const (
	PathAdmin             = "/admin/"
	PathAdminDeployments  = "/admin/deployments"
	PathAdminApprovals    = "/admin/approvals"
	PathAdminRegistration = "/admin/registration"
	PathAdminKeys         = "/admin/keys"
	PathAdminActivities   = "/admin/activities"
	PathAdminLaunches     = "/admin/launches"
	PathAdminOutbox       = "/admin/outbox"
)

type adminPage struct{ path, label string }

// adminPages is the console navigation, in order.
var adminPages = []adminPage{
	{PathAdmin, "Platforms"},
	{PathAdminDeployments, "Deployments"},
	{PathAdminApprovals, "Pending approvals"},
	{PathAdminRegistration, "Dynamic registration"},
	{PathAdminKeys, "Keys"},
	{PathAdminActivities, "Activities library"},
	{PathAdminLaunches, "Recent launches"},
	{PathAdminOutbox, "Grade outbox"},
}

func registerAdmin() {
	for _, p := range adminPages {
		path := p.path
		app.Route(path, func() app.Composer { return newAdminConsole(path) })
	}
	app.Route("/admin", func() app.Composer { return newAdminConsole(PathAdmin) })
}

// authState is where the console is in signing in.
type authState int

const (
	authLoading authState = iota
	authSetup
	authLogin
	authReady
	authFailed
)

func (a authState) String() string {
	return [...]string{"loading", "setup", "login", "ready", "failed"}[a]
}

type adminConsole struct {
	app.Compo

	page    string
	mounted bool
	// focusAfterLoad is the id of an element to focus once the next reload
	// has drawn it (an action whose control disappears or turns disabled).
	focusAfterLoad string
	// mctx is the component's own context. Async work dispatches through it:
	// an event's context dies with its element (the sign-in form disappears
	// once signed in), and go-app drops Dispatch calls of unmounted elements.
	mctx     app.Context
	auth     authState
	api      adminClient
	username string
	status   string // progress and results, announced politely
	errMsg   string // the last failure, announced as an alert
	loaded   loadStatus

	user, pass, code string // sign-in / setup form

	platforms []model.Platform
	presets   []model.Preset
	settings  model.AdminSettings
	pending   model.Pending
	keys      []model.KeyInfo
	library   []model.Activity
	launches  []model.LaunchAttempt
	outbox    model.OutboxStatus
	// awaitRetry is a retried score whose LMS answer had not come when Retry
	// returned; followingOutbox is true while followOutbox is scheduled.
	awaitRetry      int64
	followingOutbox bool
	// waiting is how many platforms and deployments wait for approval, shown
	// in the navigation (admin_waiting.go); waitingSeq counts its updates,
	// countingWaiting is true while a refresh is asked for, and stopWaiting
	// and onVisible belong to followWaiting.
	waiting         int
	waitingSeq      int
	countingWaiting bool
	stopWaiting     chan struct{}
	onVisible       app.Func
	debug           *model.LaunchAttempt
	filter          string

	// platform form
	showForm bool
	editID   int64
	site     string
	form     model.PlatformInput
	firstDep string
	shown    int64 // platform whose setup panel is open
	copyOn   int64 // platform whose setup panel copyMsg belongs to
	copyMsg  string
	copySeq  int // bumped by each change of copyMsg: a delayed announcement checks it

	// deployment form
	depPlatform int64
	depID       string

	// activity form
	showAct          bool
	act              model.Activity
	actStart, actEnd string // datetime-local values, "" for no date
}

func newAdminConsole(page string) *adminConsole {
	return &adminConsole{page: page}
}

func (c *adminConsole) OnMount(ctx app.Context) {
	c.mounted, c.mctx = true, ctx
	c.checkAuth(ctx)
}

// OnNav follows client-side navigation between console pages: go-app keeps
// this component (same type on every console route), so the page comes from the URL.
func (c *adminConsole) OnNav(ctx app.Context) {
	p := adminPageOf(ctx.Page().URL().Path)
	if p == c.page {
		return
	}
	c.page, c.debug, c.showForm, c.shown, c.showAct, c.filter, c.status, c.errMsg = p, nil, false, 0, false, "", "", ""
	c.awaitRetry = 0
	c.clearCopyMsg()
	if c.auth == authReady {
		c.reload(ctx)
	}
}

// adminPageOf maps a path to its console page (Platforms by default).
func adminPageOf(path string) string {
	for _, p := range adminPages {
		if p.path == path {
			return p.path
		}
	}
	return PathAdmin
}

// checkAuth asks whether setup is open or a session exists, then loads the page.
func (c *adminConsole) checkAuth(ctx app.Context) {
	ctx = c.mctx
	c.auth = authLoading
	ctx.Async(func() {
		st, err := c.api.Status(ctx)
		if err != nil {
			ctx.Dispatch(func(ctx app.Context) { c.auth, c.errMsg = authFailed, model.ErrorMessage(err) })
			return
		}
		switch {
		case st.SetupRequired:
			ctx.Dispatch(func(ctx app.Context) { c.auth = authSetup })
			return
		case !st.SignedIn:
			ctx.Dispatch(func(ctx app.Context) { c.auth = authLogin })
			return
		}
		sess, err := c.api.Session(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.auth = authLogin
				return
			}
			c.signedIn(ctx, sess)
		})
	})
}

func (c *adminConsole) signedIn(ctx app.Context, s model.AdminSession) {
	c.api.csrf, c.username, c.auth, c.pass, c.code, c.errMsg = s.CSRFToken, s.Admin.Username, authReady, "", "", ""
	c.reload(ctx)
	c.followWaiting(time.Duration(s.PendingRefreshMS) * time.Millisecond)
}

// reload fetches what the current page shows.
func (c *adminConsole) reload(ctx app.Context) {
	ctx = c.mctx
	c.loaded = statusLoading
	page, seq := c.page, c.waitingSeq
	ctx.Async(func() {
		var err error
		var platforms []model.Platform
		var presets []model.Preset
		var settings model.AdminSettings
		var pending model.Pending
		var keys []model.KeyInfo
		var library []model.Activity
		var launches []model.LaunchAttempt
		var outbox model.OutboxStatus
		switch page {
		case PathAdmin, PathAdminDeployments:
			if platforms, err = c.api.Platforms(ctx); err == nil {
				presets, err = c.api.Presets(ctx)
			}
		case PathAdminApprovals:
			pending, err = c.api.Pending(ctx)
		case PathAdminRegistration:
			if settings, err = c.api.Settings(ctx); err == nil {
				presets, err = c.api.Presets(ctx)
			}
		case PathAdminKeys:
			if keys, err = c.api.Keys(ctx); err == nil {
				settings, err = c.api.Settings(ctx)
			}
		case PathAdminActivities:
			library, err = c.api.Library(ctx)
		case PathAdminLaunches:
			launches, err = c.api.Launches(ctx)
		case PathAdminOutbox:
			outbox, err = c.api.Outbox(ctx)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.failed(ctx, err)
				return
			}
			// The navigation counts what waits for approval on every page, so
			// a registration made from an LMS is noticed: from what this page
			// read when it can, else asked for after the page is drawn.
			counted := -1
			switch page {
			case PathAdminApprovals:
				counted = len(pending.Platforms) + len(pending.Deployments)
			case PathAdmin, PathAdminDeployments:
				counted = waitingIn(platforms)
			}
			switch {
			case counted < 0:
				c.refreshWaiting()
			case c.waitingSeq == seq: // else a count came in while this page read (setWaiting)
				c.setWaiting(counted)
			}
			c.platforms, c.presets, c.settings, c.pending = platforms, presets, settings, pending
			c.keys, c.library, c.launches, c.outbox = keys, library, launches, outbox
			c.loaded = statusLoaded
			c.followOutbox()
			if id := c.focusAfterLoad; id != "" {
				c.focusAfterLoad = ""
				c.focusAfterRender(byID(id))
			} else {
				// An action whose control the reload removed (the last
				// pending row, the sign-in form) leaves the focus on
				// <body>: the page's heading takes it, as after navigation.
				c.focusAfterRender(ifFocusLost(byID("page-heading")))
			}
		})
	})
}

// failed shows an error; an expired session sends the person back to sign in.
func (c *adminConsole) failed(ctx app.Context, err error) {
	c.loaded = statusFailed
	c.errMsg = model.ErrorMessage(err)
	c.status = ""
	if model.ErrorCode(err) == model.EUNAUTHORIZED {
		c.auth = authLogin
	}
}

// run performs one change, then reloads the page and announces done. onOK
// (if any) runs only after success, so a form can stay open, with what was
// typed, when the server refuses it.
func (c *adminConsole) run(ctx app.Context, doing, done string, fn func() error, onOK ...func()) {
	ctx = c.mctx
	c.status, c.errMsg = doing, ""
	ctx.Async(func() {
		err := fn()
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.failed(ctx, err)
				c.loaded = statusLoaded
				return
			}
			for _, f := range onOK {
				f()
			}
			c.status = done
			c.reload(ctx)
		})
	})
}

func (c *adminConsole) submitCredentials(ctx app.Context, e app.Event) {
	ctx = c.mctx
	e.PreventDefault()
	in := model.Credentials{Username: c.user, Password: c.pass, SetupCode: c.code}
	setup := c.auth == authSetup
	c.status, c.errMsg = "Signing in…", ""
	ctx.Async(func() {
		var s model.AdminSession
		var err error
		if setup {
			s, err = c.api.Setup(ctx, in)
		} else {
			s, err = c.api.Login(ctx, in)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.status, c.errMsg = "", model.ErrorMessage(err)
				return
			}
			c.status = "Signed in." // the header shows as whom
			c.signedIn(ctx, s)
		})
	})
}

func (c *adminConsole) signOut(ctx app.Context, e app.Event) {
	ctx = c.mctx
	ctx.Async(func() {
		err := c.api.Logout(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.errMsg = model.ErrorMessage(err)
				return
			}
			c.api.csrf, c.username, c.auth, c.status = "", "", authLogin, "Signed out."
		})
	})
}

func (c *adminConsole) Render() app.UI {
	return app.Div().Class("admin").Body(
		app.Header().Class("admin-header").Body(
			app.P().Class("admin-brand").Text("ltibox console"),
			app.If(c.auth == authReady, func() app.UI {
				return app.Div().Class("admin-user").Body(
					app.Span().ID("signed-in-as").Text("Signed in as "+c.username),
					app.Button().Type("button").ID("sign-out").Class("secondary").Text("Sign out").OnClick(c.signOut),
				)
			}),
		),
		app.If(c.auth == authReady, func() app.UI { return c.renderNav() }),
		app.Main().ID("main").DataSet("auth", c.auth.String()).DataSet("status", c.loaded.String()).Body(
			app.P().ID("status").Class("status").Role("status").Aria("live", "polite").Text(c.status),
			app.If(c.errMsg != "", func() app.UI {
				return app.P().ID("error").Class("alert alert-error").Role("alert").Text(c.errMsg)
			}),
			c.renderBody(),
		),
		wasmReady(c.mounted),
	)
}

func (c *adminConsole) renderNav() app.UI {
	return app.Nav().Aria("label", "Console").Body(
		app.Ul().Class("admin-nav").Body(
			app.Range(adminPages).Slice(func(i int) app.UI {
				p := adminPages[i]
				a := app.A().Href(p.path).Text(navLabel(p, c.waiting))
				if p.path == c.page {
					a = a.Aria("current", "page")
				}
				return app.Li().Body(a)
			}),
		),
	)
}

func (c *adminConsole) renderBody() app.UI {
	switch c.auth {
	case authLoading:
		return app.P().Text("Loading the console…")
	case authFailed:
		return app.Button().Type("button").Text("Try again").OnClick(func(ctx app.Context, e app.Event) { c.checkAuth(ctx) })
	case authSetup, authLogin:
		return c.renderSignIn()
	}
	switch c.page {
	case PathAdminDeployments:
		return c.renderDeployments()
	case PathAdminApprovals:
		return c.renderApprovals()
	case PathAdminRegistration:
		return c.renderRegistration()
	case PathAdminKeys:
		return c.renderKeys()
	case PathAdminActivities:
		return c.renderActivities()
	case PathAdminLaunches:
		return c.renderLaunches()
	case PathAdminOutbox:
		return c.renderOutbox()
	}
	return c.renderPlatforms()
}

func (c *adminConsole) renderSignIn() app.UI {
	title, intro, button, pwAuto := "Sign in", "Sign in to manage ltibox.", "Sign in", "current-password"
	if c.auth == authSetup {
		title, intro, button, pwAuto = "First-run setup", "Create the administrator account. You will use it to sign in to this console.", "Create administrator", "new-password"
	}
	return app.Section().Aria("labelledby", "signin-heading").Body(
		app.H1().ID("signin-heading").Text(title),
		app.P().Text(intro),
		app.Form().ID("signin-form").OnSubmit(c.submitCredentials).Body(
			app.If(c.auth == authSetup, func() app.UI {
				return app.Div().Class("field").Body(
					app.Label().For("setup-code").Text("Setup code"),
					app.Input().Type("password").ID("setup-code").Name("setup-code").Required(true).Attr("autocomplete", "off").
						Aria("describedby", "setup-code-help").Value(c.code).OnInput(c.ValueTo(&c.code)),
					app.P().ID("setup-code-help").Class("help").Text("The admin token: the file admin-token in the ltibox data directory, or the LTIBOX_ADMIN_TOKEN (--admin-token) value if the server was started with one; the server prints which at startup. It proves you run this server."),
				)
			}),
			app.Label().For("username").Text("Username"),
			app.Input().Type("text").ID("username").Name("username").Required(true).Attr("autocomplete", "username").
				Value(c.user).OnInput(c.ValueTo(&c.user)),
			app.Label().For("password").Text("Password"),
			app.Input().Type("password").ID("password").Name("password").Required(true).Attr("autocomplete", pwAuto).
				Aria("describedby", "password-help").Value(c.pass).OnInput(c.ValueTo(&c.pass)),
			app.If(c.auth == authSetup, func() app.UI {
				return app.P().ID("password-help").Class("help").Text("At least 10 characters.")
			}).Else(func() app.UI {
				return app.P().ID("password-help").Class("help").Text("Lost the password? Someone who can run commands on the server can add another administrator: ltibox admin create --username NAME.")
			}),
			app.Button().Type("submit").ID("signin-submit").Text(button),
		),
	)
}

// searchBox filters a table; every table of the console has one.
func (c *adminConsole) searchBox(id, label string) app.UI {
	return app.Div().Class("table-tools").Body(
		app.Label().For(id).Text(label),
		app.Input().Type("search").ID(id).Value(c.filter).OnInput(c.ValueTo(&c.filter)),
	)
}

// matches reports whether any field contains the filter (case-insensitive).
func (c *adminConsole) matches(fields ...string) bool {
	f := strings.ToLower(strings.TrimSpace(c.filter))
	if f == "" {
		return true
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), f) {
			return true
		}
	}
	return false
}

// exportButton downloads rows as a CSV file. The scope is the button's id:
// console pages share their layout, so go-app reuses the previous page's
// button in place and, without a scope of its own, kept its handler (the
// Activities page exported platforms.csv after the Platforms page).
func exportButton(id, name string, rows func() [][]string) app.UI {
	return app.Button().Type("button").ID(id).Class("secondary").Text("Export CSV").OnClick(func(ctx app.Context, e app.Event) {
		downloadCSV(name, rows())
	}, app.EventScope(id))
}

func downloadCSV(name string, rows [][]string) {
	if app.IsServer {
		return
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	blob := app.Window().Get("Blob").New([]any{b.String()}, map[string]any{"type": "text/csv;charset=utf-8"})
	u := app.Window().Get("URL").Call("createObjectURL", blob)
	a := app.Window().Get("document").Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", name)
	a.Call("click")
	app.Window().Get("URL").Call("revokeObjectURL", u)
}

func confirmed(msg string) bool {
	if app.IsServer {
		return false
	}
	return app.Window().Call("confirm", msg).Bool()
}

func th(text string) app.UI { return app.Th().Attr("scope", "col").Text(text) }
