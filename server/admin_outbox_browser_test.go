package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_OutboxAndLaunchesInLocalTime: for an admin in Kathmandu
// (UTC+5:45, no daylight saving), the grade outbox's next attempt and the
// launch log's times read in Kathmandu time, each keeping the exact UTC
// instant in its datetime attribute; a held score names its LMS and course,
// and so does its Retry button.
func TestConsole_OutboxAndLaunchesInLocalTime(t *testing.T) {
	c := openConsole(t, "/admin/")
	kathmandu := time.FixedZone("Asia/Kathmandu", 5*3600+45*60)
	c.a.demo.SetOutage("/ags/", http.StatusServiceUnavailable)
	scoreAsStudent(t, c.a, c.base, 7) // launches too: the launch log has a row
	waitForOutbox(t, c.a, model.DeliveryRetrying, 1)
	var st model.OutboxStatus
	if code := c.api("GET", "/outbox", &st); code != 200 || len(st.Items) != 1 || st.Items[0].CourseTitle == "" {
		t.Fatalf("admin API outbox: %d %+v", code, st)
	}
	course := st.Items[0].CourseTitle

	c.run("the admin's time zone", emulation.SetTimezoneOverride("Asia/Kathmandu"))
	for _, page := range []struct{ path, row string }{
		{"/admin/outbox", `#outbox tbody tr.outbox-retrying`},
		{"/admin/launches", `#launches tbody tr`},
	} {
		var got struct{ Datetime, Title, Text string }
		c.run("read "+page.path,
			chromedp.Navigate(c.base+page.path),
			chromedp.WaitVisible(`main[data-auth="ready"][data-status="loaded"]`),
			chromedp.WaitVisible(page.row),
			chromedp.Evaluate(`(t => t ? {datetime: t.getAttribute('datetime'), title: t.title, text: t.textContent} : {})(document.querySelector('`+page.row+` time'))`, &got),
		)
		at, err := time.Parse(time.RFC3339, got.Datetime)
		if err != nil || !strings.HasSuffix(got.Datetime, "Z") {
			t.Errorf("%s: no <time> with an RFC 3339 UTC datetime in the row: %+v %v", page.path, got, err)
			continue
		}
		if want := at.In(kathmandu).Format("2 Jan 2006, 15:04:05"); got.Text != want {
			t.Errorf("%s shows %q, want Kathmandu time %q (UTC %s)", page.path, got.Text, want, got.Datetime)
		}
		if want := at.Format("2006-01-02 15:04:05") + " UTC"; got.Title != want {
			t.Errorf("%s: title %q, want %q", page.path, got.Title, want)
		}
	}

	var row string
	c.run("the held score's row",
		chromedp.Navigate(c.base+"/admin/outbox"),
		chromedp.WaitVisible(`#outbox tbody tr.outbox-retrying`),
		chromedp.Text(`#outbox tbody tr.outbox-retrying`, &row),
	)
	if !strings.Contains(row, "Demo LMS") || !strings.Contains(row, course) {
		t.Errorf("outbox row %q lacks the platform Demo LMS or the course %q", row, course)
	}
	// Its Retry button says whose score it sends and where, for a screen reader.
	retry := "Retry score of Ada Lovelace for " + st.Items[0].Target.Label + " in " + course + " (Demo LMS)"
	if n := c.count("button", retry); n != 1 || st.Items[0].Target.Label == "" {
		t.Errorf("%d buttons named %q (activity %q), want 1", n, retry, st.Items[0].Target.Label)
	}

	// Retry while the LMS is still down: the status says the score was sent
	// again and what the LMS answered, and the row's last attempt is that
	// new attempt (in Kathmandu time), not an unchanged row.
	var status, last string
	c.run("retry the held score",
		chromedp.Click(`#outbox tbody tr.outbox-retrying button[aria-label="`+retry+`"]`, chromedp.ByQuery),
		c.done("Sent again at "),
		chromedp.Text(`#status`, &status, chromedp.ByID),
		chromedp.WaitVisible(`#outbox tbody tr.outbox-retrying td.last-attempt time`),
		chromedp.Text(`#outbox tbody tr.outbox-retrying td.last-attempt time`, &last, chromedp.ByQuery),
	)
	if !strings.Contains(status, "the LMS did not take it") || !strings.Contains(status, "ltibox tries again at") {
		t.Errorf("status after Retry = %q, want what the LMS answered", status)
	}
	if last == "" || !strings.HasPrefix(status, "Sent again at "+last+";") {
		t.Errorf("status %q does not name the row's last attempt %q", status, last)
	}
	var after model.OutboxStatus
	if code := c.api("GET", "/outbox", &after); code != 200 || len(after.Items) != 1 || after.Items[0].Score.Delivery.LastAttemptAt == nil {
		t.Fatalf("admin API outbox after retry: %d %+v", code, after)
	} else if want := after.Items[0].Score.Delivery.LastAttemptAt.In(kathmandu).Format("2 Jan 2006, 15:04:05"); last != want {
		t.Errorf("row's last attempt %q, want the new attempt in Kathmandu time %q", last, want)
	}
}

// TestConsole_OutboxFollowsAQueuedRetry: when the LMS is slow to answer a
// Retry, the console says the score is queued, then — without a reload — says
// the LMS's answer once it comes and drops the delivered score from the table.
func TestConsole_OutboxFollowsAQueuedRetry(t *testing.T) {
	c := openConsoleConfig(t, "/admin/", func(cfg *config) { cfg.OutboxRetryWait = 300 * time.Millisecond })
	c.a.demo.SetOutage("/ags/", http.StatusServiceUnavailable)
	scoreAsStudent(t, c.a, c.base, 7)
	waitForOutbox(t, c.a, model.DeliveryRetrying, 1)
	// The LMS is back but slow: score requests wait until release.
	release := c.a.demo.Hold("/ags/")
	defer release()
	c.a.demo.EndOutage()

	var status string
	c.run("retry while the LMS is slow",
		chromedp.Navigate(c.base+"/admin/outbox"),
		chromedp.WaitVisible(`#outbox tbody tr.outbox-retrying`),
		chromedp.Evaluate(`window.sameDocument = true`, nil),
		chromedp.Click(`#outbox tbody tr button.secondary`, chromedp.ByQuery),
		c.done("Queued to send again"),
		chromedp.Text(`#status`, &status, chromedp.ByID),
	)
	if !strings.Contains(status, "Its answer will show here") {
		t.Errorf("status while the LMS is slow = %q", status)
	}

	release()
	var sameDocument bool
	var delivered string
	c.run("the answer arrives by itself",
		chromedp.Poll(`document.getElementById('status').textContent === 'Sent again: delivered.'`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.WaitVisible(`#outbox-empty`, chromedp.ByID),
		chromedp.Text(`#count-delivered`, &delivered, chromedp.ByID),
		chromedp.Evaluate(`window.sameDocument === true`, &sameDocument),
	)
	if delivered != "1" {
		t.Errorf("delivered count %q, want 1", delivered)
	}
	if !sameDocument {
		t.Error("the page was reloaded: the answer should come without one")
	}
}
