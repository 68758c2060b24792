package ui

import (
	"strconv"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderOutbox is the grade outbox status: scores on their way to gradebooks.
func (c *adminConsole) renderOutbox() app.UI {
	counts := c.outbox.Counts
	count := func(state string) string { return strconv.Itoa(counts[state]) }
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").Text("Grade outbox"),
		app.P().Text("Every score is saved in ltibox first, then delivered to the LMS gradebook. Retrying scores wait for the LMS to come back; failed ones need a fix (the LMS's own words are shown), then Retry."),
		app.Dl().Class("facts").ID("outbox-counts").Body(
			app.Dt().Text("Pending"), app.Dd().ID("count-pending").Text(count(model.DeliveryPending)),
			app.Dt().Text("Retrying"), app.Dd().ID("count-retrying").Text(count(model.DeliveryRetrying)),
			app.Dt().Text("Failed"), app.Dd().ID("count-failed").Text(count(model.DeliveryFailed)),
			app.Dt().Text("Delivered"), app.Dd().ID("count-delivered").Text(count(model.DeliveryDelivered)),
		),
		app.Button().Type("button").ID("retry-all").Text("Retry all not delivered").OnClick(func(ctx app.Context, e app.Event) {
			c.run(ctx, "Requeueing…", "Requeued every score not delivered.", func() error { return c.api.RetryOutbox(ctx, nil) })
		}),
		c.searchBox("outbox-search", "Search scores"),
		exportButton("outbox-csv", "outbox.csv", c.outboxRows),
		app.Table().ID("outbox").Body(
			app.Caption().Text("Scores not delivered yet"),
			app.THead().Body(app.Tr().Body(th("Learner"), th("Platform"), th("Course"), th("Activity"), th("Score"), th("State"), th("Attempts"), th("Next attempt / LMS answer"), th("Action"))),
			app.TBody().Body(app.Range(c.outbox.Items).Slice(func(i int) app.UI {
				it := c.outbox.Items[i]
				d := it.Score.Delivery
				if !c.matches(outboxUser(it), it.PlatformName, it.CourseTitle, it.Target.Label, d.State, d.Error) {
					return nil
				}
				next := []app.UI{app.Text(d.Error)}
				if d.NextAttemptAt != nil && d.State == model.DeliveryRetrying {
					next = []app.UI{localTime(*d.NextAttemptAt), app.Text(" " + d.Error)}
				}
				return app.Tr().Class("outbox-"+d.State).Body(
					app.Th().Attr("scope", "row").Class("wrap").Text(outboxUser(it)),
					app.Td().Class("wrap").Text(it.PlatformName), app.Td().Class("wrap").Text(it.CourseTitle),
					app.Td().Text(it.Target.Label), app.Td().Text(outboxScore(it)),
					app.Td().Class("state").Text(d.State), app.Td().Text(strconv.Itoa(d.Attempts)), app.Td().Class("wrap").Body(next...),
					app.Td().Class("actions").Body(app.Button().Type("button").Class("secondary").Text("Retry").Aria("label", outboxRetryLabel(it)).
						OnClick(func(ctx app.Context, e app.Event) {
							c.run(ctx, "Requeueing…", "Requeued.", func() error { return c.api.RetryOutbox(ctx, []int64{it.ID}) })
						}, app.EventScope(it.ID))),
				)
			})),
		),
	)
}

// outboxRows are the outbox as CSV, times in RFC 3339 UTC.
func (c *adminConsole) outboxRows() [][]string {
	out := [][]string{{"id", "user", "platform", "course", "line_item", "score", "state", "attempts", "next_attempt", "error"}}
	for _, it := range c.outbox.Items {
		d := it.Score.Delivery
		out = append(out, []string{strconv.FormatInt(it.ID, 10), outboxUser(it), it.PlatformName, it.CourseTitle, it.Target.Label, outboxScore(it),
			d.State, strconv.Itoa(d.Attempts), outboxNextUTC(it), d.Error})
	}
	return out
}

// outboxRetryLabel names a Retry button for a screen reader by whose score
// it sends and where to, as the row shows it: "Retry score of Sam Lee for
// Quiz 1 in Biology 101 (Riverside Moodle)" (parts the item lacks left out).
func outboxRetryLabel(it model.OutboxItem) string {
	label := "Retry score of " + outboxUser(it)
	if it.Target.Label != "" {
		label += " for " + it.Target.Label
	}
	if it.CourseTitle != "" {
		label += " in " + it.CourseTitle
	}
	if it.PlatformName != "" {
		label += " (" + it.PlatformName + ")"
	}
	return label
}

func outboxUser(it model.OutboxItem) string {
	if it.UserName != "" {
		return it.UserName
	}
	return it.Subject
}

// outboxNextUTC is when a retrying score is tried again, in RFC 3339 UTC
// ("" for the others), for the CSV export.
func outboxNextUTC(it model.OutboxItem) string {
	d := it.Score.Delivery
	if d.NextAttemptAt == nil || d.State != model.DeliveryRetrying {
		return ""
	}
	return d.NextAttemptAt.UTC().Format(time.RFC3339)
}

func outboxScore(it model.OutboxItem) string {
	if it.Score.ScoreGiven == nil {
		return "—"
	}
	return strconv.FormatFloat(*it.Score.ScoreGiven, 'f', -1, 64) + " / " + strconv.FormatFloat(it.Score.ScoreMaximum, 'f', -1, 64)
}
