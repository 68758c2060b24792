package ui

import (
	"strconv"
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestMaxScoreField_SameInEveryForm: the library form, the picker's create
// form and the course editor ask for the maximum with one labelled input
// whose max is the store's own limit, so no form refuses a maximum the
// server takes or lets through one above the limit (the store still refuses
// 0, which min="0" lets through, with its own message).
func TestMaxScoreField_SameInEveryForm(t *testing.T) {
	console := newAdminConsole(PathAdminActivities)
	console.auth, console.loaded = authReady, statusLoaded
	console.openActivity(model.Activity{Graded: true, ScoreMaximum: 100})

	picker := loadedPicker(model.DeepLinkOptions{AcceptTypes: []string{"ltiResourceLink"}, Targets: []string{"iframe"}, CanLink: true})
	picker.newGraded = true

	editor := newActivityPage()
	q := quiz
	editor.status, editor.link = statusLoaded, model.LinkActivity{SetUp: true, Activity: &q}
	editor.session = model.Session{Role: model.RoleInstructor}
	editor.editing, editor.draft, editor.maxText = true, q, "10"

	limit := `max="` + strconv.Itoa(model.ScoreMaximumLimit) + `"`
	for id, got := range map[string]string{"act-max": render(t, console), "new-max": renderPicker(t, picker), "edit-max": render(t, editor)} {
		mustContain(t, got, `<label for="`+id+`">Maximum score</label>`)
		mustTag(t, got, id, `type="number"`, `required`, `min="0"`, limit, `step="any"`)
	}
}
