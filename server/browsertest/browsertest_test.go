package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestNewReadsAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>bt</title>
<h1 id="greeting">Hello from 127.0.0.1</h1>
<script>document.getElementById("greeting").dataset.ready = "yes";</script>`)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on loopback: %s", srv.URL)
	}

	ctx := New(t)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	var text, ready string
	var ok bool
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible("#greeting", chromedp.ByQuery),
		chromedp.Text("#greeting", &text, chromedp.ByQuery),
		chromedp.AttributeValue("#greeting", "data-ready", &ready, &ok, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if text != "Hello from 127.0.0.1" || ready != "yes" {
		t.Errorf("text = %q, data-ready = %q", text, ready)
	}

	shot := filepath.Join(t.TempDir(), "page.png")
	Screenshot(t, ctx, shot)
	b, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("screenshot: %v, %d bytes", err, len(b))
	}
}
