package ui

import (
	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

const (
	// actionLoadSession loads GET /api/v1/session into stateSessionInfo.
	actionLoadSession = "session/load"

	// stateSessionInfo holds a sessionInfo: the launch and its load status.
	stateSessionInfo = "session/info"
)

// Messages a person sees when the launch cannot be shown.
const (
	msgNoSession = "This page only works when opened from your course. Relaunch the activity from your LMS."
	msgExpired   = "Your session has ended or is not valid. Relaunch the activity from your course."
	msgLoading   = "Loading your course activity…"
)

// sessionInfo is the state the home page observes.
type sessionInfo struct {
	Status  loadStatus
	Session model.Session
	Err     *model.Error // set when Status is statusFailed; Message is for people
}

// failedSession maps an error from loading the session to what the page shows.
func failedSession(err error) sessionInfo {
	switch model.ErrorCode(err) {
	case model.EUNAUTHORIZED:
		return sessionInfo{Status: statusFailed, Err: model.Errorf(model.EUNAUTHORIZED, "%s", msgExpired)}
	}
	return sessionInfo{
		Status: statusFailed,
		Err:    model.Errorf(model.ErrorCode(err), "Could not load your course activity. %s", model.ErrorMessage(err)),
	}
}

// handleLoadSession is the global handler of actionLoadSession. It runs on
// its own goroutine, so it may wait for the network.
func handleLoadSession(ctx app.Context, a app.Action) {
	tok := sessionToken(ctx)
	if tok == "" {
		ctx.SetState(stateSessionInfo, sessionInfo{Status: statusFailed, Err: model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession)})
		return
	}
	ctx.SetState(stateSessionInfo, sessionInfo{Status: statusLoading})
	s, err := newClient(tok).Session(ctx)
	if err != nil {
		ctx.SetState(stateSessionInfo, failedSession(err))
		return
	}
	ctx.SetState(stateSessionInfo, sessionInfo{Status: statusLoaded, Session: s})
}

// homePage is shown after a launch: who you are, where you came from, and
// which LTI services the launch granted.
type homePage struct {
	app.Compo

	mounted bool
	info    sessionInfo
}

func newHomePage() *homePage {
	return &homePage{info: sessionInfo{Status: statusLoading}}
}

func (h *homePage) OnMount(ctx app.Context) {
	h.mounted = true
	tok := useSessionToken(ctx)

	// Set before observing: observing an unset state reads localStorage.
	if tok == "" {
		h.info = sessionInfo{Status: statusFailed, Err: model.Errorf(model.EUNAUTHORIZED, "%s", msgNoSession)}
	} else {
		h.info = sessionInfo{Status: statusLoading}
	}
	ctx.SetState(stateSessionInfo, h.info)
	ctx.ObserveState(stateSessionInfo, &h.info)
	if tok != "" {
		ctx.NewAction(actionLoadSession)
	}
	ctx.Update()
}

func (h *homePage) retry(ctx app.Context, e app.Event) {
	ctx.NewAction(actionLoadSession)
}

func (h *homePage) Render() app.UI {
	info := h.info
	heading := "ltibox"
	if info.Status == statusLoaded {
		heading = "Hello, " + info.Session.User.DisplayName()
	}

	statusText, statusClass := "", "status"
	switch info.Status {
	case statusLoading:
		statusText = msgLoading
	case statusFailed:
		statusText, statusClass = msgNoSession, "status alert alert-error"
		if info.Err != nil && info.Err.Message != "" {
			statusText = info.Err.Message
		}
	}

	return app.Main().ID("main").DataSet("status", info.Status.String()).Body(
		app.H1().Text(heading),
		app.P().ID("status").Class(statusClass).Role("status").Aria("live", "polite").Text(statusText),
		app.If(info.Status == statusFailed && info.Err != nil && info.Err.Code != model.EUNAUTHORIZED, func() app.UI {
			return app.Button().Type("button").Text("Try again").OnClick(h.retry)
		}),
		app.If(info.Status == statusLoaded, func() app.UI {
			return h.renderSession(info.Session)
		}),
		wasmReady(h.mounted),
	)
}

func (h *homePage) renderSession(s model.Session) app.UI {
	link := s.LinkTitle
	if link == "" {
		link = "Untitled activity"
	}
	return app.Div().Body(
		app.Section().Aria("labelledby", "launch-heading").Body(
			app.H2().ID("launch-heading").Text("Your launch"),
			app.Dl().Class("facts").Body(
				app.Dt().Text("Role"),
				app.Dd().ID("role").Text(roleLabel(s.Role)),
				app.Dt().Text("Course"),
				app.Dd().ID("course").Text(s.Context.DisplayTitle()),
				app.Dt().Text("Activity"),
				app.Dd().ID("activity").Text(link),
			),
		),
		// Issue 3: what the launched link opens (or that it needs setting up),
		// and for a learner of a graded link, once it is set up, their score.
		app.If(s.ResourceLink != "", func() app.UI { return newLinkStatus(s.Role).Graded(s.Services.AGS) }),
		gradingViewLink(s),
		app.Section().Aria("labelledby", "services-heading").Body(
			app.H2().ID("services-heading").Text("What your course lets ltibox use"),
			app.Ul().ID("services").Class("services").Body(
				serviceItem("Grades", s.Services.AGS),
				serviceItem("Roster", s.Services.NRPS),
				// Deep linking comes only with the LMS's "add content" launches;
				// "not offered" on every other launch reads like a fault.
				app.If(s.Services.DeepLinking, func() app.UI { return serviceItem("Choosing content for the course", true) }),
			),
		),
		app.If(s.Role == model.RoleInstructor && s.Services.NRPS, func() app.UI {
			return app.Nav().Aria("label", "Instructor tools").Body(
				app.Ul().Class("tools").Body(
					app.Li().Body(app.A().ID("roster-link").Href(PathRoster).Text("Course roster")),
				),
			)
		}),
	)
}

// gradingViewLink leads instructors of a graded link to the grading view
// (issue 4). Learners find their score under "This link" (linkStatus), and
// only once the link's activity is set up.
func gradingViewLink(s model.Session) app.UI {
	if !s.Services.AGS || s.ResourceLink == "" || s.Role != model.RoleInstructor {
		return nil
	}
	return app.P().Body(gradingLink(false))
}

func serviceItem(name string, granted bool) app.UI {
	if granted {
		return app.Li().Class("granted").Text(name + ": available")
	}
	return app.Li().Text(name + ": not offered for this link")
}

func roleLabel(r model.Role) string {
	switch r {
	case model.RoleInstructor:
		return "Instructor"
	case model.RoleLearner:
		return "Learner"
	case "":
		return "Unknown"
	}
	return string(r)
}
