package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// a11yPage has one control of each kind the helpers drive, an unnamed button
// they must not find, and a delete button behind a confirm dialog.
const a11yPage = `<!doctype html><html lang="en"><title>a11y</title>
<label for="who">Your name</label> <input id="who" value="old">
<label for="pet">Pet</label> <select id="pet"><option value="c">Cat</option><option value="d">Dog</option></select>
<button type="button" id="go" aria-label="Greet the person">Go</button>
<button type="button" id="icon"><svg width="10" height="10"></svg></button>
<button type="button" id="del">Delete</button>
<p id="out"></p>
<script>
const out = document.getElementById("out");
let pet = "c";
document.getElementById("pet").addEventListener("change", e => { pet = e.target.value; });
document.getElementById("go").addEventListener("click", () => { out.textContent = "hello " + document.getElementById("who").value + " " + pet; });
document.getElementById("del").addEventListener("click", () => { out.textContent = confirm("Really delete?") ? "deleted" : "kept"; });
</script>`

func TestA11yHelpersDriveByName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, a11yPage)
	}))
	defer srv.Close()
	ctx := New(t)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dialogs := HandleDialogs(ctx)

	var before, after, greeted, kept, deleted string
	var unnamed, byText, partial int
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		Value("Your name", &before),
		Fill("Your name", "Ada"),
		Value("Your name", &after),
		Choose("Pet", "Dog"),
		Press("button", "Greet the person"),
		chromedp.Text("#out", &greeted, chromedp.ByQuery),
		Press("button", "Delete"),
		chromedp.Text("#out", &kept, chromedp.ByQuery),
		dialogs.Accept(true),
		Press("button", "Delete"),
		chromedp.Text("#out", &deleted, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) (err error) {
			if unnamed, err = Count(ctx, "button", ""); err != nil {
				return err
			}
			if byText, err = Count(ctx, "button", "Go"); err != nil { // aria-label replaces the text
				return err
			}
			partial, err = Count(ctx, "button", "Greet")
			return err
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if before != "old" || after != "Ada" || greeted != "hello Ada d" {
		t.Errorf("value %q → %q, greeting %q", before, after, greeted)
	}
	if kept != "kept" || deleted != "deleted" {
		t.Errorf("dismissed confirm: %q, accepted: %q", kept, deleted)
	}
	if m := dialogs.Messages(); len(m) != 2 || m[0] != "Really delete?" {
		t.Errorf("dialog messages %q", m)
	}
	if byText != 0 {
		t.Errorf("found %d buttons by their text under an aria-label", byText)
	}
	if unnamed != 1 {
		t.Errorf("found %d unnamed buttons, want the icon-only one", unnamed)
	}
	if partial != 0 {
		t.Errorf("Count matched %d buttons by a partial name", partial)
	}
}
