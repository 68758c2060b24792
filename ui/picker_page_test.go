package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

var (
	reading = model.Activity{ID: 1, Title: "Welcome reading", InstructionsHTML: "<h1>Welcome</h1><p>Read <strong>this</strong>.</p>"}
	quiz    = model.Activity{ID: 2, Title: "Self-assessment", Graded: true, ScoreMaximum: 10, ContextID: 3, Tag: "quiz", InstructionsHTML: "<p>Move the slider.</p>"}
)

func loadedPicker(opts model.DeepLinkOptions) *pickerPage {
	p := newPickerPage()
	p.status, p.opts, p.list, p.preview = statusLoaded, opts, []model.Activity{reading, quiz}, quiz.ID
	return p
}

func TestPickerPage(t *testing.T) {
	moodle := model.DeepLinkOptions{AcceptTypes: []string{"ltiResourceLink"}, Targets: []string{"frame", "iframe", "window"}, AcceptMultiple: true, CanLink: true}
	withLineItem := moodle
	withLineItem.AcceptLineItem = true
	single := withLineItem
	single.AcceptMultiple, single.Targets = false, []string{"iframe"}

	t.Run("prerender shows loading and no controls", func(t *testing.T) {
		got := render(t, newPickerPage())
		mustContain(t, got, `data-status="loading"`, "Loading the activity catalog…", `role="status"`)
		mustNotContain(t, got, "wasm-ready", `id="add"`)
	})

	t.Run("multiple: checkboxes in a fieldset with a legend, labelled", func(t *testing.T) {
		got := render(t, loadedPicker(moodle))
		mustContain(t, got, "<h1>Add activities to your course</h1>", "<legend>Choose one or more activities</legend>",
			`<label for="pick-1">Welcome reading</label>`, `<label for="picker-search">Search activities</label>`,
			`<legend>Show</legend>`, `<label for="filter-graded">Graded</label>`, "Graded, out of 10 · this course · quiz", "Not graded · ltibox library",
			"Preview: Self-assessment", "<p>Move the slider.</p>", "Create a new activity", `<label for="new-title">Title</label>`,
			`id="add"`, `id="cancel"`, "Nothing selected yet.")
		mustTag(t, got, "pick-1", `type="checkbox"`)
		mustContain(t, got, `id="duplicate-1"`, `id="duplicate-2"`, `id="archive-2"`)
		mustNotContain(t, got, `id="archive-1"`) // library activities are the administrator's
		mustTag(t, got, "filter-all", "checked")
		mustNotContain(t, got, `checked="false"`, `disabled="false"`, `selected="false"`, `required="false"`)
	})

	t.Run("single: radio buttons", func(t *testing.T) {
		got := render(t, loadedPicker(single))
		mustContain(t, got, "<h1>Add an activity to your course</h1>", "<legend>Choose one activity</legend>")
		mustTag(t, got, "pick-2", `type="radio"`)
	})

	t.Run("gradebook offered only with accept_lineitem and only for graded", func(t *testing.T) {
		p := loadedPicker(withLineItem)
		p.toggle(reading.ID, true)
		p.toggle(quiz.ID, true)
		got := render(t, p)
		mustContain(t, got, `<label for="grade-2">Add a gradebook column (out of 10)</label>`, `<label for="target-2">Open in </label>`,
			"2 activities selected.", "Add 2 to course")
		mustTag(t, got, "grade-2", "checked")
		mustTag(t, got, "pick-1", "checked")
		mustNotContain(t, got, `id="grade-1"`, `checked="false"`, `disabled="false"`, `selected="false"`, `required="false"`)
		if !p.choices[quiz.ID].gradebook || p.choices[reading.ID].gradebook {
			t.Errorf("default gradebook choices = %+v %+v", p.choices[quiz.ID], p.choices[reading.ID])
		}

		p = loadedPicker(moodle)
		p.toggle(quiz.ID, true)
		got = render(t, p)
		mustNotContain(t, got, `id="grade-2"`)
		if p.choices[quiz.ID].gradebook {
			t.Error("gradebook on although the LMS does not accept line items")
		}
	})

	t.Run("single select replaces; one target needs no select", func(t *testing.T) {
		p := loadedPicker(single)
		p.toggle(reading.ID, true)
		p.toggle(quiz.ID, true)
		if len(p.selected) != 1 || p.selected[0] != quiz.ID {
			t.Errorf("selected = %v, want only the last pick", p.selected)
		}
		got := render(t, p)
		mustNotContain(t, got, `id="target-2"`)
		p = loadedPicker(single)
		p.toggle(quiz.ID, true)
		p.toggle(quiz.ID, false)
		if len(p.selected) != 0 || len(p.choices) != 0 {
			t.Errorf("unpick left %v %v", p.selected, p.choices)
		}
		mustTag(t, render(t, p), "add", "disabled")
	})

	t.Run("LMS that takes no LTI links", func(t *testing.T) {
		got := render(t, loadedPicker(model.DeepLinkOptions{AcceptTypes: []string{"html"}}))
		mustContain(t, got, "does not accept LTI links", `id="cancel"`)
		mustNotContain(t, got, `id="picker-list"`)
	})

	t.Run("failure is readable", func(t *testing.T) {
		p := newPickerPage()
		p.fail(model.Errorf(model.EUNAUTHORIZED, "x"))
		mustContain(t, render(t, p), msgExpired, "alert-error")
	})
}

// mustTag asserts that the start tag of the element with id has all attrs
// (attribute order in go-app's output is not fixed).
func mustTag(tb testing.TB, html, id string, attrs ...string) {
	tb.Helper()
	tag := regexp.MustCompile(`<[a-z]+ [^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(html)
	if tag == "" {
		tb.Errorf("no element with id %q in:\n%s", id, html)
		return
	}
	for _, a := range attrs {
		if !regexp.MustCompile(`\s` + regexp.QuoteMeta(a) + `(\s|>|$)`).MatchString(tag) {
			tb.Errorf("element %s lacks %s", tag, a)
		}
	}
}

// TestPickerPage_Review covers the exploratory review of the picker inside
// the LMS frame.
func TestPickerPage_Review(t *testing.T) {
	moodle := model.DeepLinkOptions{AcceptTypes: []string{"ltiResourceLink"}, Targets: []string{"iframe"}, AcceptMultiple: true, CanLink: true}

	t.Run("Add is the primary button, Cancel the secondary", func(t *testing.T) {
		got := render(t, loadedPicker(moodle))
		mustTag(t, got, "add", `class="primary"`)
		mustTag(t, got, "cancel", `class="secondary"`)
		got = render(t, loadedPicker(model.DeepLinkOptions{AcceptTypes: []string{"html"}}))
		mustTag(t, got, "cancel", `class="secondary"`)
	})

	t.Run("nothing previewed: the preview says how to fill it", func(t *testing.T) {
		p := loadedPicker(moodle)
		p.preview = 0
		got := renderPicker(t, p)
		mustContain(t, got, `id="preview-placeholder"`, "Choose Preview next to an activity to read its instructions here.")
		p.preview = 99 // an activity the search no longer lists
		mustContain(t, renderPicker(t, p), `id="preview-placeholder"`)
		p.preview = quiz.ID
		mustNotContain(t, renderPicker(t, p), `id="preview-placeholder"`)
		p.list = nil // the search found nothing
		mustContain(t, renderPicker(t, p), "Nothing to preview.")
	})

	t.Run("Add counts the picks the search hides, and says so", func(t *testing.T) {
		p := loadedPicker(moodle)
		p.toggle(reading.ID, true)
		p.toggle(quiz.ID, true)
		p.list = []model.Activity{quiz} // a search that finds only the quiz
		got := renderPicker(t, p)
		mustContain(t, got, ">Add 2 to course (1 hidden by search)</button>", "2 activities selected (1 hidden by search).")
		p.toggle(quiz.ID, false)
		mustContain(t, renderPicker(t, p), ">Add 1 to course (hidden by search)</button>", "1 activity selected (hidden by search).")
		p.list = []model.Activity{reading, quiz}
		mustContain(t, renderPicker(t, p), ">Add to course</button>", "1 activity selected.")
	})

	t.Run("one h1: the instructions' headings nest under the preview's", func(t *testing.T) {
		p := loadedPicker(moodle)
		p.preview = reading.ID // its instructions start with "# Welcome"
		got := renderPicker(t, p)
		if n := strings.Count(got, "<h1"); n != 1 {
			t.Errorf("%d <h1> on the page, want 1:\n%s", n, got)
		}
		mustContain(t, got, "<h3>Welcome</h3>")
	})
}

// renderPicker renders a fresh copy of p: a component mounts only once.
func renderPicker(t *testing.T, p *pickerPage) string {
	t.Helper()
	c := *p
	c.Compo = app.Compo{}
	return render(t, &c)
}

func TestDemoteHeadings(t *testing.T) {
	for _, tt := range []struct {
		in   string
		top  int
		want string
	}{
		{"<h1>A</h1><p>b</p><h2 id=\"x\">C</h2>", 2, "<h2>A</h2><p>b</p><h3 id=\"x\">C</h3>"},
		{"<h1>A</h1><h4>B</h4><h5>C</h5><h6>D</h6>", 3, "<h3>A</h3><h6>B</h6><h6>C</h6><h6>D</h6>"},
		{"<h1>A</h1><hr><p>h1</p>", 1, "<h1>A</h1><hr><p>h1</p>"},
		{"<hr><p>&lt;h1&gt;</p>", 2, "<hr><p>&lt;h1&gt;</p>"},
	} {
		if got := demoteHeadings(tt.in, tt.top); got != tt.want {
			t.Errorf("demoteHeadings(%q, %d) = %q, want %q", tt.in, tt.top, got, tt.want)
		}
	}
}

// TestPickerPage_CreateFormMatchesTheConsole: the picker's "Create a new
// activity" form asks in the console library's order (graded and its maximum
// before the optional tag), with the same default maximum (100), required
// while graded and with no step that would refuse 7.5.
func TestPickerPage_CreateFormMatchesTheConsole(t *testing.T) {
	p := loadedPicker(model.DeepLinkOptions{AcceptTypes: []string{"ltiResourceLink"}, Targets: []string{"iframe"}, CanLink: true})
	p.newGraded = true
	got := renderPicker(t, p)
	mustTag(t, got, "new-max", `value="100"`, `required`, `step="any"`, `max="10000"`)
	if g, m, tag := strings.Index(got, `id="new-graded"`), strings.Index(got, `id="new-max"`), strings.Index(got, `id="new-tag"`); !(g < m && m < tag) || g < 0 {
		t.Errorf("create form order: graded at %d, maximum at %d, tag at %d; want graded, maximum, tag", g, m, tag)
	}
	if activityFormTitle(0) == activityFormTitle(7) {
		t.Error("the console's library form has one title for adding and editing")
	}
}

// TestPickerPage_GradebookChoiceSaysWhatUntickingDoes: the gradebook column
// box is described by a sentence saying where scores go without it.
func TestPickerPage_GradebookChoiceSaysWhatUntickingDoes(t *testing.T) {
	p := loadedPicker(model.DeepLinkOptions{AcceptTypes: []string{"ltiResourceLink"}, Targets: []string{"iframe"}, AcceptLineItem: true, CanLink: true})
	p.toggle(quiz.ID, true)
	got := renderPicker(t, p)
	mustTag(t, got, "grade-2", `aria-describedby="grade-help-2"`)
	mustContain(t, got, `id="grade-help-2"`, "Without a column, learners' scores stay in ltibox")
}
