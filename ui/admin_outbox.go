package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderOutbox is the grade outbox status: scores on their way to gradebooks.
func (c *adminConsole) renderOutbox() app.UI {
	counts := c.outbox.Counts
	count := func(state string) string { return strconv.Itoa(counts[state]) }
	nothingToRetry := c.outboxNothingToRetry()
	retryAll := app.Button().Type("button").ID("retry-all").Text("Retry all not delivered")
	if nothingToRetry { // Disabled(false) would still write a disabled attribute
		retryAll = retryAll.Disabled(true).Aria("describedby", "retry-all-why")
	}
	return app.Section().Aria("labelledby", "page-heading").Body(
		app.H1().ID("page-heading").TabIndex(-1).Text("Grade outbox"),
		app.P().Text("Every score is saved in ltibox first, then delivered to the LMS gradebook. Retrying scores wait for the LMS to come back; failed ones need a fix (the LMS's own words are shown), then Retry."),
		app.Dl().Class("facts").ID("outbox-counts").Body(
			app.Dt().Text("Pending"), app.Dd().ID("count-pending").Text(count(model.DeliveryPending)),
			app.Dt().Text("Retrying"), app.Dd().ID("count-retrying").Text(count(model.DeliveryRetrying)),
			app.Dt().Text("Failed"), app.Dd().ID("count-failed").Text(count(model.DeliveryFailed)),
			app.Dt().Text("Delivered"), app.Dd().ID("count-delivered").Text(count(model.DeliveryDelivered)),
		),
		retryAll.OnClick(func(ctx app.Context, e app.Event) {
			if c.outboxNothingToRetry() { // the button may be stale
				return
			}
			c.run(ctx, "Requeueing…", "Requeued every score not delivered.", func() error { _, err := c.api.RetryOutbox(ctx, nil); return err })
		}),
		app.If(nothingToRetry, func() app.UI {
			return app.P().ID("retry-all-why").Text("Nothing to retry: no score has failed or is waiting to be tried again.")
		}),
		c.searchBox("outbox-search", "Search scores"),
		exportButton("outbox-csv", "outbox.csv", c.outboxRows),
		app.If(c.loaded == statusLoaded && len(c.outbox.Items) == 0, func() app.UI {
			return app.P().ID("outbox-empty").Text("Nothing is waiting for the gradebook.")
		}).Else(func() app.UI { return c.outboxTable() }),
	)
}

// outboxNothingToRetry is true when no score has failed or waits to retry
// (pending ones are on their way anyway).
func (c *adminConsole) outboxNothingToRetry() bool {
	n := c.outbox.Counts[model.DeliveryFailed] + c.outbox.Counts[model.DeliveryRetrying]
	for _, it := range c.outbox.Items {
		if s := it.Score.Delivery.State; s == model.DeliveryFailed || s == model.DeliveryRetrying {
			n++
		}
	}
	return n == 0
}

// outboxTable lists the scores not delivered yet, each with when ltibox last
// tried it, so a retry that failed again still shows as a new attempt.
func (c *adminConsole) outboxTable() app.UI {
	return tableScroll("Scores not delivered yet", app.Table().ID("outbox").Body(
		app.Caption().Text("Scores not delivered yet"),
		app.THead().Body(app.Tr().Body(th("Learner"), th("Platform"), th("Course"), th("Activity"), th("Score"), th("State"), th("Attempts"), th("Last attempt"), th("Next attempt / LMS answer"), th("Action"))),
		app.TBody().Body(app.Range(c.outbox.Items).Slice(func(i int) app.UI {
			it := c.outbox.Items[i]
			id := it.ID
			d := it.Score.Delivery
			if !c.matches(outboxUser(it), it.PlatformName, it.CourseTitle, it.Target.Label, d.State, d.Error) {
				return nil
			}
			next := []app.UI{app.Text(d.Error)}
			if d.NextAttemptAt != nil && d.State == model.DeliveryRetrying {
				next = []app.UI{localTime(*d.NextAttemptAt), app.Text(" " + d.Error)}
			}
			last := app.Text("never")
			if d.LastAttemptAt != nil {
				last = localTime(*d.LastAttemptAt)
			}
			return app.Tr().Class("outbox-"+d.State).Body(
				app.Th().Attr("scope", "row").Class("wrap").Text(outboxUser(it)),
				app.Td().Class("wrap").Text(it.PlatformName), app.Td().Class("wrap").Text(it.CourseTitle),
				app.Td().Text(it.Target.Label), app.Td().Text(outboxScore(it)),
				app.Td().Class("state").Text(d.State), app.Td().Text(strconv.Itoa(d.Attempts)), app.Td().Class("last-attempt").Body(last), app.Td().Class("wrap").Body(next...),
				app.Td().Class("actions").Body(app.Button().Type("button").Class("secondary").Text("Retry").Aria("label", outboxRetryLabel(it)).
					OnClick(func(ctx app.Context, e app.Event) { c.retryOutboxItem(ctx, id) }, app.EventScope(id))),
			)
		})),
	))
}

// retryOutboxItem sends one score again and says what the LMS answered.
func (c *adminConsole) retryOutboxItem(ctx app.Context, id int64) {
	ctx = c.mctx
	c.status, c.errMsg = "Sending again…", ""
	ctx.Async(func() {
		res, err := c.api.RetryOutbox(ctx, []int64{id})
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.failed(ctx, err)
				c.loaded = statusLoaded
				return
			}
			c.status = outboxRetryStatus(res)
			c.awaitRetry = 0
			if outboxRetryUnanswered(res) {
				c.awaitRetry = id // followOutbox says the answer when it comes
			}
			c.reload(ctx)
		})
	})
}

// outboxRetryStatus says what became of a retried score: delivered, refused
// again (when, and the LMS's words), held for a later attempt, or still on
// its way when the LMS took too long to answer.
func outboxRetryStatus(r model.OutboxRetry) string {
	if len(r.Items) == 0 {
		if r.Requeued == 0 {
			return "Nothing to send again: the score was delivered meanwhile."
		}
		return outboxQueuedStatus
	}
	d := r.Items[0].Score.Delivery
	at := ""
	if d.LastAttemptAt != nil {
		at = " at " + wallClock(*d.LastAttemptAt).Format(localTimeLayout)
	}
	switch d.State {
	case model.DeliveryDelivered:
		return "Sent again" + at + ": delivered."
	case model.DeliveryFailed:
		return "Sent again" + at + "; refused again: " + sentence(d.Error)
	case model.DeliveryRetrying:
		msg := "Sent again" + at + "; the LMS did not take it (" + d.Error + ")"
		if d.NextAttemptAt != nil {
			return msg + "; ltibox tries again at " + wallClock(*d.NextAttemptAt).Format(localTimeLayout) + "."
		}
		return msg + "; ltibox tries again shortly."
	}
	return outboxQueuedStatus
}

// outboxQueuedStatus is the status while a retried score waits for the LMS's
// answer; the open page follows it (followOutbox) and says the answer.
const outboxQueuedStatus = "Queued to send again; the LMS has not answered yet. Its answer will show here when it comes."

// outboxRetryUnanswered is true when Retry came back before the LMS answered.
func outboxRetryUnanswered(r model.OutboxRetry) bool {
	if len(r.Items) == 0 {
		return r.Requeued > 0
	}
	return r.Items[0].Score.Delivery.State == model.DeliveryPending
}

// sentence ends s with a full stop unless it ends a sentence already.
func sentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// outboxRows are the outbox as CSV, times in RFC 3339 UTC.
func (c *adminConsole) outboxRows() [][]string {
	out := [][]string{{"id", "user", "platform", "course", "line_item", "score", "state", "attempts", "last_attempt", "next_attempt", "error"}}
	for _, it := range c.outbox.Items {
		d := it.Score.Delivery
		out = append(out, []string{strconv.FormatInt(it.ID, 10), outboxUser(it), it.PlatformName, it.CourseTitle, it.Target.Label, outboxScore(it),
			d.State, strconv.Itoa(d.Attempts), utcOrEmpty(d.LastAttemptAt), outboxNextUTC(it), d.Error})
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

// utcOrEmpty is t in RFC 3339 UTC, "" for none.
func utcOrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func outboxScore(it model.OutboxItem) string {
	if it.Score.ScoreGiven == nil {
		return "—"
	}
	return strconv.FormatFloat(*it.Score.ScoreGiven, 'f', -1, 64) + " / " + strconv.FormatFloat(it.Score.ScoreMaximum, 'f', -1, 64)
}
