package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_CloseDebuggerReturnsFocus: the debugger names the platform as
// registered ("Demo LMS", the issuer after it), and closing it from the
// keyboard puts the focus back on the Debug button that opened it, not on
// <body> at the top of the page.
func TestConsole_CloseDebuggerReturnsFocus(t *testing.T) {
	c := openConsole(t, "/admin/launches")
	l := c.failedLaunch()
	c.run("list the launch", c.reload())
	debug := c.debugButton(l)
	var name, ids, focused string
	c.run("open the debugger with the keyboard",
		browsertest.Press("button", debug),
		chromedp.WaitVisible(`#debugger`),
		chromedp.Evaluate(`document.getElementById('debug-platform-name')?.textContent ?? ''`, &name),
		chromedp.Evaluate(`document.getElementById('debug-platform-ids')?.textContent ?? ''`, &ids),
	)
	if name != "Demo LMS" || ids != "Issuer "+l.Issuer+" · client ID "+l.ClientID || l.ClientID == "" {
		t.Errorf("debugger platform = %q / %q, want the registered name, then issuer %q and client ID %q", name, ids, l.Issuer, l.ClientID)
	}
	c.run("close it with the keyboard",
		browsertest.Press("button", "Close debugger"),
		chromedp.WaitNotPresent(`#debugger`),
	)
	// The focus moves after the re-render: wait for it a little, then read it.
	ctx, cancel := context.WithTimeout(c.ctx, 3*time.Second)
	defer cancel()
	_ = chromedp.Run(ctx, chromedp.Poll(`document.activeElement.getAttribute('aria-label') === `+jsString(debug), nil))
	c.run("read the focus", chromedp.Evaluate(`document.activeElement.getAttribute('aria-label') || document.activeElement.tagName`, &focused))
	if focused != debug {
		t.Errorf("after Close debugger the focus is on %q, want the %q button", focused, debug)
	}
}

// debugButton reads the accessible name of the failed launch's Debug button
// on the Recent launches page, and checks that it names the launch by what
// its row shows (the time as the Time column reads it, the platform, the
// deployment), not by the launch's ID, which the page does not show.
func (c *console) debugButton(l model.LaunchAttempt) string {
	c.t.Helper()
	var row struct{ Label, Time, Platform, Text string }
	c.run("read the Debug button",
		chromedp.WaitVisible(`#launches tr.launch-failed button`),
		chromedp.Evaluate(`(r => ({label: r.querySelector('button').getAttribute('aria-label'), time: r.querySelector('time').textContent,
			platform: r.cells[1].textContent, text: document.getElementById('main').innerText}))(document.querySelector('#launches tr.launch-failed'))`, &row),
	)
	want := "Debug the launch of " + row.Time + " from " + row.Platform + ", deployment " + l.DeploymentID
	if row.Label != want || row.Platform != "Demo LMS" {
		c.t.Errorf("the failed launch's Debug button is named %q, want %q", row.Label, want)
	}
	if id := strconv.FormatInt(l.ID, 10); strings.Contains(row.Label, "launch "+id) && !strings.Contains(row.Text, id) {
		c.t.Errorf("the Debug button %q names the launch by its ID, which the page does not show", row.Label)
	}
	return row.Label
}
