package ui

import (
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// outboxFollowEvery is how often the open Grade outbox page asks again while
// scores are on their way, so an admin sees them leave without reloading.
const outboxFollowEvery = 3 * time.Second

// outboxFollowAhead is how soon a retrying score's next attempt must be for the
// page to keep following it: an LMS down for hours does not make an open tab
// ask every few seconds all day.
const outboxFollowAhead = 2 * time.Minute

// followOutbox refreshes the outbox after outboxFollowEvery while something
// is in flight (see outboxInFlight), until the page changes or nothing is.
// One follower runs at a time; each refresh schedules the next.
func (c *adminConsole) followOutbox() {
	ctx := c.mctx
	if !c.mounted || c.followingOutbox || c.page != PathAdminOutbox || c.auth != authReady || !c.outboxInFlight(time.Now()) {
		return
	}
	c.followingOutbox = true
	ctx.Async(func() {
		time.Sleep(outboxFollowEvery)
		ctx.Dispatch(func(ctx app.Context) {
			if c.page != PathAdminOutbox || c.auth != authReady {
				c.followingOutbox = false
				return
			}
			ctx.Async(func() {
				st, err := c.api.Outbox(ctx)
				ctx.Dispatch(func(ctx app.Context) {
					c.followingOutbox = false
					if c.page != PathAdminOutbox || c.auth != authReady {
						return
					}
					if err != nil { // a passing failure: the next reload or Retry says it
						return
					}
					c.outbox = st
					c.settleAwaitedRetry()
					c.followOutbox()
				})
			})
		})
	})
}

// outboxInFlight is true while the page has something to follow: a retry whose
// answer had not come, a score waiting for the worker, or one due again soon.
func (c *adminConsole) outboxInFlight(now time.Time) bool {
	if c.awaitRetry != 0 {
		return true
	}
	// The worker sends one score per learner and link at a time, in order: a
	// pending score behind one retrying hours from now waits as long.
	type queue struct{ link, user int64 }
	held := map[queue]bool{}
	for _, it := range c.outbox.Items {
		d := it.Score.Delivery
		if d.State == model.DeliveryRetrying && d.NextAttemptAt != nil && !d.NextAttemptAt.Before(now.Add(outboxFollowAhead)) {
			held[queue{it.Score.LinkID, it.Score.UserID}] = true
		}
	}
	for _, it := range c.outbox.Items {
		d := it.Score.Delivery
		switch {
		case d.State == model.DeliveryPending && !held[queue{it.Score.LinkID, it.Score.UserID}]:
			return true
		case d.State == model.DeliveryRetrying && d.NextAttemptAt != nil && d.NextAttemptAt.Before(now.Add(outboxFollowAhead)):
			return true
		}
	}
	return false
}

// settleAwaitedRetry says what became of a retried score once the LMS has
// answered: the status line then reads as if Retry had waited long enough.
// The outbox lists scores not delivered, so one gone from it was delivered.
func (c *adminConsole) settleAwaitedRetry() {
	id := c.awaitRetry
	if id == 0 {
		return
	}
	for _, it := range c.outbox.Items {
		if it.ID != id {
			continue
		}
		if it.Score.Delivery.State == model.DeliveryPending {
			return // not answered yet
		}
		c.awaitRetry = 0
		c.status = outboxRetryStatus(model.OutboxRetry{Requeued: 1, Items: []model.OutboxItem{it}})
		return
	}
	c.awaitRetry = 0
	c.status = "Sent again: delivered."
}
