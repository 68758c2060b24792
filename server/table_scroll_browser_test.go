package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// narrowWidth is the width of a narrow LMS iframe (or window) every page
// must fit without scrolling sideways.
const narrowWidth = 640

// tableLayout measures the document d: its scroll width against its client
// width (the window's less a vertical scrollbar), and for each table the
// scrolling region around it. A data table wider than the page scrolls
// inside a region a keyboard user can focus (and then scroll with the arrow
// keys) and a screen reader names: the nearest element with role=region must
// have tabindex=0, an accessible name (aria-label, or aria-labelledby
// pointing at text) and overflow-x auto.
const tableLayout = `(d => {
	const out = {scrollWidth: d.documentElement.scrollWidth, clientWidth: d.documentElement.clientWidth, innerWidth: d.defaultView.innerWidth, tables: [], problems: []};
	for (const t of d.querySelectorAll('table')) {
		const r = t.parentElement && t.parentElement.closest('[role=region]');
		let name = '';
		if (r) {
			name = (r.getAttribute('aria-label') || (r.getAttribute('aria-labelledby') || '').split(/\s+/).
				map(id => { const e = id && d.getElementById(id); return e ? e.textContent : ''; }).join(' ')).trim();
		}
		out.tables.push({id: t.id, width: Math.round(t.getBoundingClientRect().width), region: name,
			regionWidth: r ? Math.round(r.getBoundingClientRect().width) : 0});
		const what = '#' + t.id;
		if (!r) { out.problems.push(what + ' is not inside an element with role=region'); continue; }
		if (r.getAttribute('tabindex') !== '0') out.problems.push(what + ': its region has tabindex=' + r.getAttribute('tabindex') + ', want 0');
		if (!name) out.problems.push(what + ': its region has no accessible name');
		const ox = getComputedStyle(r).overflowX;
		if (ox !== 'auto' && ox !== 'scroll') out.problems.push(what + ': its region does not scroll (overflow-x: ' + ox + ')');
	}
	if (!out.tables.length) out.problems.push('no table on the page');
	return out;
})`

// cutHeaders lists the column headers of document d that are not wholly in
// view: partly outside their table's scrolling box (unscrolled) or wider
// than their cell. The roster showed "Scor": its last column ran past the
// box's edge.
const cutHeaders = `(d => {
	const out = [];
	for (const th of d.querySelectorAll('table th[scope=col]')) {
		const r = th.getBoundingClientRect(), box = (th.closest('.table-scroll') || d.documentElement).getBoundingClientRect();
		const label = th.querySelector('button') || th;
		const text = label.textContent.trim() + ': ';
		if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(text + 'spans ' + Math.round(r.left) + '–' + Math.round(r.right) + ' px, its box ' + Math.round(box.left) + '–' + Math.round(box.right));
		if (th.scrollWidth > th.clientWidth || label.scrollWidth > label.clientWidth) out.push(text + 'wider than its cell');
	}
	return out;
})`

// splitWords lists the words of document d's column headers and table
// buttons that are broken across lines ("Stat|us"); a header of several
// words may wrap between them.
const splitWords = `(d => {
	const out = [];
	for (const cell of d.querySelectorAll('table th[scope=col], table td button')) {
		const walk = d.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			for (const m of n.textContent.matchAll(/\S+/g)) {
				const r = d.createRange();
				r.setStart(n, m.index);
				r.setEnd(n, m.index + m[0].length);
				const tops = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
				if (tops.size > 1) out.push(m[0] + ' (' + tops.size + ' lines)');
			}
		}
	}
	return out;
})`

// layout is what tableLayout measures.
type layout struct {
	ScrollWidth, ClientWidth, InnerWidth int
	Tables                               []struct {
		ID, Region         string
		Width, RegionWidth int
	}
	Problems []string
}

// check fails the test for a page that scrolls sideways or a table not in a
// labelled, focusable scrolling region.
func (l layout) check(t *testing.T, page string, width int) {
	t.Helper()
	t.Logf("%s at %d px: page scrollWidth %d, clientWidth %d; tables %+v", page, width, l.ScrollWidth, l.ClientWidth, l.Tables)
	if l.InnerWidth != width {
		t.Errorf("%s: window is %d px wide, want %d", page, l.InnerWidth, width)
	}
	if l.ScrollWidth > l.ClientWidth {
		t.Errorf("%s at %d px: the page scrolls sideways (scrollWidth %d > clientWidth %d); tables: %+v", page, width, l.ScrollWidth, l.ClientWidth, l.Tables)
	}
	for _, p := range l.Problems {
		t.Errorf("%s at %d px: %s", page, width, p)
	}
}

// platformsRegion names the Platforms table's scrolling region (not
// "Platforms": that is the page's section, named by its heading).
const platformsRegion = "Registered platforms"

// TestLayout_ConsoleTablesScrollAt640: in a 640 px window no console page
// scrolls sideways; each table scrolls in its own region, which has a name
// (as Chromium's accessibility tree computes it), takes the keyboard focus,
// shows it, and scrolls with the arrow keys. No header, state or button
// splits a word there either.
func TestLayout_ConsoleTablesScrollAt640(t *testing.T) {
	c := openConsole(t, "/admin/")
	c.failedLaunch() // a failed launch, and deployment 9 waiting for approval
	c.a.demo.SetOutage("/ags/", http.StatusServiceUnavailable)
	scoreAsStudent(t, c.a, c.base, 7) // a retrying row in the outbox
	waitForOutbox(t, c.a, model.DeliveryRetrying, 1)

	for _, page := range []struct{ path, row string }{
		{"/admin/", `#platforms tbody tr`},
		{"/admin/deployments", `#deployments tbody tr`},
		{"/admin/approvals", `#pending-deployments tbody tr`},
		{"/admin/keys", `#keys tbody tr`},
		{"/admin/activities", `#activities tbody tr`},
		{"/admin/launches", `#launches tbody tr.launch-failed`},
		{"/admin/outbox", `#outbox tbody tr.outbox-retrying`},
	} {
		var l layout
		var split []string
		c.run("measure "+page.path,
			chromedp.EmulateViewport(narrowWidth, 800),
			chromedp.Navigate(c.base+page.path),
			chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
			chromedp.WaitVisible(page.row),
			chromedp.Evaluate(tableLayout+`(document)`, &l),
			chromedp.Evaluate(splitCells, &split),
		)
		l.check(t, page.path, narrowWidth)
		if len(split) != 0 {
			t.Errorf("%s at %d px: cells on more than one line: %q", page.path, narrowWidth, split)
		}
		for _, tb := range l.Tables {
			if tb.Region == "" {
				continue
			}
			if n := c.count("region", tb.Region); n != 1 {
				t.Errorf("%s: %d regions named %q in the accessibility tree, want 1 (around #%s)", page.path, n, tb.Region, tb.ID)
			}
		}
	}

	// The Platforms table is wider than 640 px: a keyboard user tabs from
	// Export CSV to its region, sees the focus, and scrolls it with the
	// right arrow key.
	var focus struct {
		Region, Outline string
		ScrollLeft      float64
	}
	c.run("scroll the platforms with the keyboard",
		chromedp.Navigate(c.base+"/admin/"),
		chromedp.WaitVisible(`#platforms tbody tr`),
		browsertest.WaitFor("region", platformsRegion),
		chromedp.Evaluate(`document.getElementById('platforms-csv').focus()`, nil),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.Poll(`document.activeElement.scrollLeft > 0`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`(() => { const a = document.activeElement, s = getComputedStyle(a);
			return {region: a.getAttribute('aria-label') || '', outline: s.outlineStyle + ' ' + s.outlineWidth, scrollLeft: a.scrollLeft}; })()`, &focus),
	)
	if focus.Region != platformsRegion || !strings.HasPrefix(focus.Outline, "solid") || focus.Outline == "solid 0px" {
		t.Errorf("focused region %q with outline %q (scrolled %v px); want the Platforms region with a visible outline", focus.Region, focus.Outline, focus.ScrollLeft)
	}
}

// TestLayout_FrameTablesScrollAt640: in a 640 px wide LMS iframe neither the
// grading page nor the roster scrolls sideways; their tables sit in labelled,
// focusable scrolling regions and fit there: every column header is in view
// ("Score" was cut to "Scor" at the box's edge) and no word of a header or
// button is split across lines.
// In a 480 px frame the tables no longer fit: they scroll in their box, and
// still the page does not (nothing in them, like a header's screen-reader
// text, may stick out of the box).
func TestLayout_FrameTablesScrollAt640(t *testing.T) {
	ctx, _, base := scoredInBrowser(t)
	frameDoc := `document.querySelector('iframe[name="tool"]').contentDocument`
	frameWidth := func(px int) chromedp.Action {
		return chromedp.Evaluate(`document.querySelector('iframe[name="tool"]').style.width = '`+strconv.Itoa(px)+`px'`, nil)
	}
	for _, page := range []struct{ name, link, ready string }{
		{"grading page", "#grading-link", `!!d.querySelector('#grading-table tbody tr[data-user]')`},
		{"roster", "#roster-link", `!!(d.querySelector('#roster tbody tr') && /of 2 members/.test(d.querySelector('#roster-count').textContent))`},
	} {
		var l, small layout
		var cut, split []string
		err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`iframe[name="tool"]`),
			frameWidth(narrowWidth),
			chromedp.Click(`//button[starts-with(normalize-space(.), "Launch as instructor")]`, chromedp.BySearch),
			chromedp.Poll(inFrame(`!!(d.querySelector('#wasm-ready') && d.querySelector('`+page.link+`'))`), nil, chromedp.WithPollingTimeout(45*time.Second)),
			chromedp.Evaluate(inFrame(`(d.querySelector('`+page.link+`').click(), true)`), nil),
			chromedp.Poll(inFrame(page.ready), nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Evaluate(tableLayout+`(`+frameDoc+`)`, &l),
			chromedp.Evaluate(cutHeaders+`(`+frameDoc+`)`, &cut),
			chromedp.Evaluate(splitWords+`(`+frameDoc+`)`, &split),
			frameWidth(480),
			chromedp.Poll(frameDoc+`.defaultView.innerWidth === 480`, nil, chromedp.WithPollingTimeout(5*time.Second)),
			chromedp.Evaluate(tableLayout+`(`+frameDoc+`)`, &small),
		)
		if err != nil {
			var text string
			dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = chromedp.Run(dctx, chromedp.Evaluate(frameText, &text))
			dcancel()
			t.Fatalf("open the %s: %v (frame: %.800q)", page.name, err, text)
		}
		l.check(t, page.name, narrowWidth)
		if len(cut) != 0 {
			t.Errorf("%s at %d px: column headers cut: %q", page.name, narrowWidth, cut)
		}
		if len(split) != 0 {
			t.Errorf("%s at %d px: words split across lines: %q", page.name, narrowWidth, split)
		}
		small.check(t, page.name, 480)
		for _, tb := range small.Tables {
			if tb.Width <= tb.RegionWidth {
				t.Errorf("%s at 480 px: #%s is %d px wide, its box %d: the test no longer shows a table scrolling in its box", page.name, tb.ID, tb.Width, tb.RegionWidth)
			}
		}
	}
}
