package ui

import (
	"strconv"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The navigation's count of what waits for approval ("Pending approvals
// (2)"). A registration or a launch from an LMS can queue something at any
// time, so an open console counts again every so often and when its tab is
// shown again, not only when a page loads.

// navLabel is a console page's link text: Pending approvals says how many
// platforms and deployments wait ("Pending approvals (2)").
func navLabel(p adminPage, waiting int) string {
	if p.path == PathAdminApprovals && waiting > 0 {
		return p.label + " (" + strconv.Itoa(waiting) + ")"
	}
	return p.label
}

// waitingIn counts the platforms and deployments waiting for approval in a
// list of platforms (as /api/admin/pending would).
func waitingIn(ps []model.Platform) int {
	n := 0
	for _, p := range ps {
		if p.Status == "pending" {
			n++
		}
		for _, d := range p.Deployments {
			if d.Status == "pending" {
				n++
			}
		}
	}
	return n
}

// setWaiting shows a count read now. A count asked for earlier and answered
// later is older than this one: refreshWaiting and reload drop it (each
// notes waitingSeq when it asks).
func (c *adminConsole) setWaiting(n int) {
	c.waiting = n
	c.waitingSeq++
}

// refreshWaiting asks for the approval count without holding up the page,
// one request at a time. A failure keeps the count shown (or none, if none
// was known): the next refresh or page load says it again.
func (c *adminConsole) refreshWaiting() {
	if c.countingWaiting || c.auth != authReady {
		return
	}
	ctx, seq := c.mctx, c.waitingSeq
	c.countingWaiting = true
	ctx.Async(func() {
		p, err := c.api.Pending(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			c.countingWaiting = false
			if err == nil && c.waitingSeq == seq && c.auth == authReady {
				c.setWaiting(len(p.Platforms) + len(p.Deployments))
			}
		})
	})
}

// followWaiting refreshes the count every `every` while the tab is shown,
// and at once when it is shown again. It runs once per mounted console: go-app
// keeps the component across console pages, and OnDismount stops it.
func (c *adminConsole) followWaiting(every time.Duration) {
	if app.IsServer || c.stopWaiting != nil {
		return
	}
	if every <= 0 {
		every = model.PendingRefreshDefault
	}
	ctx, stop := c.mctx, make(chan struct{})
	c.stopWaiting = stop
	// Called from the ticker's goroutine and from the browser's event: a
	// hidden tab is not even redrawn.
	refresh := func() {
		if !tabHidden() {
			ctx.Dispatch(func(app.Context) { c.refreshWaiting() })
		}
	}
	ctx.Async(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				refresh()
			}
		}
	})
	c.onVisible = app.FuncOf(func(app.Value, []app.Value) any {
		refresh()
		return nil
	})
	app.Window().Get("document").Call("addEventListener", "visibilitychange", c.onVisible)
}

// OnDismount stops followWaiting when the console leaves the page.
func (c *adminConsole) OnDismount() {
	if c.stopWaiting != nil {
		close(c.stopWaiting)
		c.stopWaiting = nil
	}
	if c.onVisible != nil {
		app.Window().Get("document").Call("removeEventListener", "visibilitychange", c.onVisible)
		c.onVisible.Release()
		c.onVisible = nil
	}
}

// tabHidden reports whether the console's tab is in the background, where
// counting again would be work nobody sees.
func tabHidden() bool {
	return app.Window().Get("document").Get("hidden").Bool()
}
