package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
)

// TestConsole_CloseDebuggerReturnsFocus: the debugger names the platform as
// registered ("Demo LMS", the issuer after it), and closing it from the
// keyboard puts the focus back on the Debug button that opened it, not on
// <body> at the top of the page.
func TestConsole_CloseDebuggerReturnsFocus(t *testing.T) {
	c := openConsole(t, "/admin/launches")
	l := c.failedLaunch()
	debug := "Debug launch " + strconv.FormatInt(l.ID, 10)
	var name, ids, focused string
	c.run("open the debugger with the keyboard",
		c.reload(),
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
