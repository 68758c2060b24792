package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Controls are found the way a screen reader finds them: by role and
// accessible name, as Chromium's own accessibility tree computes them
// (label for=, aria-label, button text), and are driven from the keyboard:
// focus, then Enter or typing. A control without a name, with the wrong role,
// or that cannot take focus is not found, and the test fails; so these
// helpers test accessibility as a side effect.
//
//	chromedp.Run(ctx, browsertest.Fill("Username", "root"), browsertest.Press("button", "Sign in"))

// findTimeout bounds how long a control may take to appear (the wasm renders
// after its API calls return).
const findTimeout = 15 * time.Second

// Find waits until exactly one node of the page's accessibility tree has the
// role and the accessible name, and returns its DOM node. Two matches are an
// error too: a screen reader user could not tell them apart.
func Find(ctx context.Context, role, name string) (cdp.BackendNodeID, error) {
	deadline := time.Now().Add(findTimeout)
	for {
		ids, err := query(ctx, role, name)
		if err != nil {
			return 0, err
		}
		if len(ids) == 1 {
			return ids[0], nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("browsertest: %d %s controls named %q (want exactly 1)", len(ids), role, name)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitFor waits until exactly one node has the role and name (see Find).
func WaitFor(role, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := Find(ctx, role, name)
		return err
	})
}

// Count returns how many nodes of the accessibility tree have the role and
// name now, without waiting: 0 shows that a control is gone. The name ""
// counts the controls of the role that have no name, which no screen reader
// user can tell apart.
func Count(ctx context.Context, role, name string) (int, error) {
	ids, err := query(ctx, role, name)
	return len(ids), err
}

// query asks Chromium for the nodes with the role and name under the
// document (Chromium reads an empty name as any name: those are filtered here).
func query(ctx context.Context, role, name string) ([]cdp.BackendNodeID, error) {
	const group = "browsertest-a11y"
	defer func() { _ = runtime.ReleaseObjectGroup(group).Do(ctx) }()
	doc, _, err := runtime.Evaluate("document").WithObjectGroup(group).Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("browsertest: document: %w", err)
	}
	nodes, err := accessibility.QueryAXTree().WithObjectID(doc.ObjectID).WithRole(role).WithAccessibleName(name).Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("browsertest: accessibility tree: %w", err)
	}
	var ids []cdp.BackendNodeID
	for _, n := range nodes {
		if n.Ignored || (name == "" && n.Name != nil && string(n.Name.Value) != `""`) {
			continue
		}
		ids = append(ids, n.BackendDOMNodeID)
	}
	return ids, nil
}

// focus moves the keyboard focus to the control; a control that cannot take
// focus fails here.
func focus(ctx context.Context, role, name string) (cdp.BackendNodeID, error) {
	id, err := Find(ctx, role, name)
	if err != nil {
		return 0, err
	}
	if err := dom.Focus().WithBackendNodeID(id).Do(ctx); err != nil {
		return 0, fmt.Errorf("browsertest: focus %s %q: %w", role, name, err)
	}
	return id, nil
}

// Press focuses the control (a button, a link) and presses Enter.
func Press(role, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if _, err := focus(ctx, role, name); err != nil {
			return err
		}
		return chromedp.KeyEvent(kb.Enter).Do(ctx)
	})
}

// Fill focuses the text field with the label, selects what it holds and
// types value over it (an empty value clears it).
func Fill(label, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		id, err := focus(ctx, "textbox", label)
		if err != nil {
			return err
		}
		if err := call(ctx, id, `function() { this.select(); }`); err != nil {
			return err
		}
		if value == "" {
			return chromedp.KeyEvent(kb.Backspace).Do(ctx)
		}
		return chromedp.KeyEvent(value).Do(ctx)
	})
}

// Choose picks the option with the visible text in the drop-down list with
// the label, as a change by the person (input and change events).
func Choose(label, option string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		id, err := focus(ctx, "combobox", label)
		if err != nil {
			return err
		}
		return call(ctx, id, `function(text) {
			const o = Array.from(this.options).find(o => o.text === text);
			if (!o) throw new Error("no option " + JSON.stringify(text));
			this.value = o.value;
			this.dispatchEvent(new Event("input", {bubbles: true}));
			this.dispatchEvent(new Event("change", {bubbles: true}));
		}`, option)
	})
}

// Value reads the current value of the text field with the label.
func Value(label string, value *string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		id, err := Find(ctx, "textbox", label)
		if err != nil {
			return err
		}
		return call(ctx, id, `function() { return this.value; }`, value)
	})
}

// call runs fn on the DOM node with JSON arguments; a last argument that is a
// *string receives fn's result instead.
func call(ctx context.Context, id cdp.BackendNodeID, fn string, args ...any) error {
	var out *string
	if len(args) > 0 {
		if p, ok := args[len(args)-1].(*string); ok {
			out, args = p, args[:len(args)-1]
		}
	}
	obj, err := dom.ResolveNode().WithBackendNodeID(id).Do(ctx)
	if err != nil {
		return fmt.Errorf("browsertest: resolve node: %w", err)
	}
	defer func() { _ = runtime.ReleaseObject(obj.ObjectID).Do(ctx) }()
	var callArgs []*runtime.CallArgument
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("browsertest: %w", err)
		}
		callArgs = append(callArgs, &runtime.CallArgument{Value: b})
	}
	res, exc, err := runtime.CallFunctionOn(fn).WithObjectID(obj.ObjectID).WithArguments(callArgs).WithReturnByValue(true).Do(ctx)
	if err == nil && exc != nil {
		err = exc
	}
	if err != nil {
		return fmt.Errorf("browsertest: %w", err)
	}
	if out != nil {
		return json.Unmarshal(res.Value, out)
	}
	return nil
}
