package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// An <input type="datetime-local"> shows and returns a wall-clock time with no
// zone ("2026-03-01T09:00"); ltibox stores instants and the API speaks RFC 3339.
// The console shows instants in the reader's local time too (localTime).
// The conversion uses the browser's Date rather than Go's time.Local: in wasm
// Go fixes Local to the offset of the moment the page loaded, so a date on the
// other side of a daylight-saving change would be off by an hour. On the
// server (prerender, tests) there is no browser, and the server's zone stands in.

// localInputValue is t as the value of a datetime-local input ("" for no date).
// Seconds appear only when t has them, so a date set through the API is not
// silently rounded by an unrelated edit.
func localInputValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	w := wallClock(*t)
	v := w.Format("2006-01-02T15:04")
	if w.Second() != 0 {
		v += fmt.Sprintf(":%02d", w.Second())
	}
	return v
}

// wallClock is t as the reader's local clock reads it, returned with the
// zone UTC (only its fields mean anything): the browser's Date in wasm, the
// server's zone elsewhere.
func wallClock(t time.Time) time.Time {
	if !app.IsClient {
		l := t.Local()
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	js := app.Window().Get("Date").New(float64(t.UnixMilli()))
	return time.Date(js.Call("getFullYear").Int(), time.Month(js.Call("getMonth").Int()+1), js.Call("getDate").Int(),
		js.Call("getHours").Int(), js.Call("getMinutes").Int(), js.Call("getSeconds").Int(), 0, time.UTC)
}

// localTimeLayout is how the console shows an instant: readable, in the
// reader's local time ("3 Mar 2026, 14:05:09").
const localTimeLayout = "2 Jan 2006, 15:04:05"

// utcTitle is the exact instant in UTC, for a title and for comparing with
// server logs and the LMS's ("2026-03-03 13:05:09 UTC").
func utcTitle(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// localTime shows an instant in the reader's local time as a <time> element
// that keeps the exact value: datetime in RFC 3339 UTC, and as its title
// (shown on hover) in UTC words.
func localTime(t time.Time) app.UI { return localTimeAs(t, localTimeLayout) }

// localTimeAs is localTime with another layout for the text (a date people
// set to the minute needs no seconds).
func localTimeAs(t time.Time, layout string) app.UI {
	return app.Time().DateTime(t.UTC().Format(time.RFC3339)).Title(utcTitle(t)).Text(wallClock(t).Format(layout))
}

// parseLocalInput reads a datetime-local value as the browser's local time;
// an empty value means no date (nil).
func parseLocalInput(v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	var wall time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999"} {
		if wall, err = time.Parse(layout, v); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if !app.IsClient {
		t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.Local)
		return &t, nil
	}
	// setFullYear, not the Date constructor: the constructor maps years 0–99 to 1900–1999.
	js := app.Window().Get("Date").New(0)
	js.Call("setFullYear", wall.Year(), int(wall.Month())-1, wall.Day())
	js.Call("setHours", wall.Hour(), wall.Minute(), wall.Second(), 0)
	ms := js.Call("getTime")
	if ms.IsNaN() {
		return nil, fmt.Errorf("invalid date %q", v)
	}
	t := time.UnixMilli(int64(ms.Float())).UTC()
	return &t, nil
}

// applyDates sets a's optional start and end from the two inputs, or says
// in words which one it could not read.
func applyDates(a *model.Activity, start, end string) error {
	s, err := parseLocalInput(start)
	if err != nil {
		return model.Errorf(model.EINVALID, "The start date is not a valid date and time.")
	}
	e, err := parseLocalInput(end)
	if err != nil {
		return model.Errorf(model.EINVALID, "The end date is not a valid date and time.")
	}
	a.StartAt, a.EndAt = s, e
	return nil
}

// dateFields are the labelled start and end inputs of an activity form;
// idPrefix keeps the ids unique per form. Empty inputs mean no date.
func dateFields(idPrefix string, start, end *string) app.UI {
	field := func(id, label string, dst *string) app.UI {
		in := app.Input().Type("datetime-local").ID(id).Value(*dst).Aria("describedby", idPrefix+"dates-help").
			OnChange(func(ctx app.Context, e app.Event) { *dst = ctx.JSSrc().Get("value").String() })
		if strings.Count(*dst, ":") == 2 {
			in = in.Step(1) // a value with seconds would otherwise fail the default step of 60
		}
		return app.P().Body(app.Label().For(id).Text(label), in)
	}
	return app.Div().Class("dates").Body(
		field(idPrefix+"start", "Start date (optional)", start),
		field(idPrefix+"end", "End date (optional)", end),
		app.P().ID(idPrefix+"dates-help").Class("help muted").Text("In your local time. Leave a date empty for none."),
	)
}
