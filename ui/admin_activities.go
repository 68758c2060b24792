package ui

import (
	"strconv"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderActivities is the tool-wide activity library every course can pick from.
func (c *adminConsole) renderActivities() app.UI {
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Activities library"),
		app.P().Text("Activities here are offered to every course in the deep-linking picker."),
		app.Button().Type("button").ID("add-activity").Text("Add activity").OnClick(func(ctx app.Context, e app.Event) {
			c.openActivity(model.Activity{ScoreMaximum: 100})
		}),
		app.If(c.showAct, func() app.UI { return c.renderActivityForm() }),
		c.searchBox("activity-search", "Search activities"),
		exportButton("activities-csv", "activities.csv", func() [][]string {
			out := [][]string{{"id", "title", "graded", "score_maximum", "tag", "archived"}}
			for _, a := range c.library {
				out = append(out, []string{strconv.FormatInt(a.ID, 10), a.Title, strconv.FormatBool(a.Graded), strconv.FormatFloat(a.ScoreMaximum, 'f', -1, 64), a.Tag, strconv.FormatBool(a.Archived)})
			}
			return out
		}),
		tableScroll("Library activities", app.Table().ID("activities").Body(
			app.Caption().Text("Library activities"),
			app.THead().Body(app.Tr().Body(th("Title"), th("Graded"), th("Tag"), th("State"), th("Actions"))),
			app.TBody().Body(app.Range(c.library).Slice(func(i int) app.UI {
				a := c.library[i]
				if !c.matches(a.Title, a.Tag, a.Instructions) {
					return nil
				}
				graded, state := "no", "active"
				if a.Graded {
					graded = "out of " + strconv.FormatFloat(a.ScoreMaximum, 'f', -1, 64)
				}
				if a.Archived {
					state = "archived"
				}
				// The handler carries only the ID (go-app keeps the first
				// handler while the scope is the same): Edit opens the
				// activity as last loaded, not as this row was first drawn.
				id := a.ID
				return app.Tr().Body(
					app.Th().Attr("scope", "row").Text(a.Title), app.Td().Text(graded), app.Td().Text(a.Tag), app.Td().Text(state),
					app.Td().Body(app.Button().Type("button").Class("secondary").Text("Edit").Aria("label", "Edit "+a.Title).OnClick(func(ctx app.Context, e app.Event) {
						c.editActivity(id)
					}, app.EventScope(id))),
				)
			})),
		)),
	)
}

// editActivity opens the library activity with the id, as last loaded.
func (c *adminConsole) editActivity(id int64) {
	for _, a := range c.library {
		if a.ID == id {
			c.openActivity(a)
			return
		}
	}
}

// openActivity shows the activity form filled with a.
func (c *adminConsole) openActivity(a model.Activity) {
	c.showAct, c.act = true, a
	c.actStart, c.actEnd = localInputValue(a.StartAt), localInputValue(a.EndAt)
}

func (c *adminConsole) renderActivityForm() app.UI {
	graded := app.Input().Type("checkbox").ID("act-graded").OnChange(func(ctx app.Context, e app.Event) {
		c.act.Graded = ctx.JSSrc().Get("checked").Bool()
		if c.act.Graded && !(c.act.ScoreMaximum > 0) {
			c.act.ScoreMaximum = 100 // an ungraded activity stores 0
		}
	})
	if c.act.Graded {
		graded = graded.Checked(true)
	}
	archived := app.Input().Type("checkbox").ID("act-archived").OnChange(func(ctx app.Context, e app.Event) { c.act.Archived = ctx.JSSrc().Get("checked").Bool() })
	if c.act.Archived {
		archived = archived.Checked(true)
	}
	return app.Form().ID("activity-form").OnSubmit(func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		in := c.act
		if err := applyDates(&in, c.actStart, c.actEnd); err != nil {
			c.status, c.errMsg = "", model.ErrorMessage(err)
			return
		}
		c.run(ctx, "Saving…", "Saved "+in.Title+".", func() error { _, err := c.api.SaveActivity(ctx, in); return err },
			func() { c.showAct = false })
	}).Body(app.FieldSet().Body(
		app.Legend().Text(activityFormTitle(c.act.ID)),
		app.Label().For("act-title").Text("Title"),
		app.Input().Type("text").ID("act-title").Required(true).Value(c.act.Title).OnInput(c.ValueTo(&c.act.Title)),
		app.Label().For("act-instructions").Text("Instructions (Markdown)"),
		app.Textarea().ID("act-instructions").Rows(6).Text(c.act.Instructions).OnInput(c.ValueTo(&c.act.Instructions)),
		app.Div().Body(graded, app.Label().For("act-graded").Text("Graded")),
		// The maximum applies to graded activities only: shown (and
		// constrained) for those, as in the picker and the course editor, so
		// the browser never blocks an ungraded activity on a field it does
		// not use (the server stores 0 for it).
		app.If(c.act.Graded, func() app.UI {
			help := "" // editing: a note says a new maximum does not reach placed links
			if c.act.ID != 0 {
				help = "act-max-help"
			}
			label, in := maxScoreField("act-max", help)
			return app.Div().Class("field").Body(
				label,
				in.Value(strconv.FormatFloat(c.act.ScoreMaximum, 'f', -1, 64)).OnInput(func(ctx app.Context, e app.Event) {
					c.act.ScoreMaximum, _ = strconv.ParseFloat(ctx.JSSrc().Get("value").String(), 64)
				}),
				app.If(help != "", func() app.UI { return app.P().ID(help).Class("help").Text(msgMaximumKept) }),
			)
		}),
		app.Label().For("act-tag").Text("Tag"),
		app.Input().Type("text").ID("act-tag").Value(c.act.Tag).OnInput(c.ValueTo(&c.act.Tag)),
		dateFields("act-", &c.actStart, &c.actEnd),
		app.Div().Body(archived, app.Label().For("act-archived").Text("Archived (hidden from pickers)")),
		app.Button().Type("submit").Text("Save activity"),
		app.Button().Type("button").ID("activity-cancel").Class("secondary").Text("Cancel").OnClick(func(ctx app.Context, e app.Event) { c.showAct = false }),
	))
}

// activityFormTitle names the library form by what it does: the console
// uses one form to add and to edit.
func activityFormTitle(id int64) string {
	if id == 0 {
		return "New library activity"
	}
	return "Edit library activity"
}
