package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// PathScore hosts the learner's score slider until the activity page (issue 3)
// embeds it; launches of graded links reach it from the home page.
const PathScore = "/app/score"

// scorePage is a graded activity for a learner: the activity's title and
// instructions and the score slider.
type scorePage struct {
	app.Compo

	mounted bool
	token   string
}

func newScorePage() *scorePage { return &scorePage{} }

func (p *scorePage) OnMount(ctx app.Context) {
	p.mounted = true
	p.token = useSessionToken(ctx)
}

func (p *scorePage) Render() app.UI {
	return app.Main().ID("main").Body(
		app.P().Body(app.A().Href(PathHome).Text("← Back")),
		app.If(p.mounted, func() app.UI { return newScoreSlider().ShowActivity(true) }),
		app.If(!p.mounted, func() app.UI {
			return app.Div().Body(
				app.H1().Text("Your activity"),
				app.P().Class("status").Role("status").Aria("live", "polite").Text("Loading your score…"),
			)
		}),
		wasmReady(p.mounted),
	)
}
