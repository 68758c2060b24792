package browsertest

import (
	"context"
	"sync"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Dialogs answers the page's JavaScript dialogs (confirm, alert), which
// otherwise block the page and the test with it. It dismisses them (Cancel)
// until told to accept, and keeps their messages so a test can check what the
// person was asked.
type Dialogs struct {
	mu     sync.Mutex
	accept bool
	seen   []string
}

// HandleDialogs starts answering the dialogs of the browser tab of ctx.
func HandleDialogs(ctx context.Context) *Dialogs {
	d := &Dialogs{}
	chromedp.ListenTarget(ctx, func(ev any) {
		e, ok := ev.(*page.EventJavascriptDialogOpening)
		if !ok {
			return
		}
		d.mu.Lock()
		d.seen = append(d.seen, e.Message)
		accept := d.accept
		d.mu.Unlock()
		// A listener must not block: answer from another goroutine.
		go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(accept)) }()
	})
	return d
}

// Accept sets the answer to the next dialogs: OK (true) or Cancel (false).
func (d *Dialogs) Accept(yes bool) chromedp.Action {
	return chromedp.ActionFunc(func(context.Context) error {
		d.mu.Lock()
		d.accept = yes
		d.mu.Unlock()
		return nil
	})
}

// Messages returns the messages of the dialogs so far.
func (d *Dialogs) Messages() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}
