package ui

import (
	"strconv"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// maxScoreField is the label and number input for an activity's maximum
// score, shared by the library form, the picker's create form and the
// course editor so the three cannot drift: required, from 0 to the store's
// own limit (model.ScoreMaximumLimit), any step since a maximum of 2.5 is
// fine. describedBy names a help text for the input, or is empty for none.
// The caller adds the value and its handler: each form keeps its draft its
// own way.
func maxScoreField(id, describedBy string) (app.HTMLLabel, app.HTMLInput) {
	in := app.Input().Type("number").ID(id).Required(true).
		Attr("min", "0").Attr("max", strconv.Itoa(model.ScoreMaximumLimit)).Attr("step", "any")
	if describedBy != "" {
		in = in.Aria("describedby", describedBy)
	}
	return app.Label().For(id).Text("Maximum score"), in
}
