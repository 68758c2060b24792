package ltitest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func TestFailNextAndRequests(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	ft := newFakeTool(t, p, ltitest.ToolConfig{})
	tok := ft.accessToken(ltitest.ScopeNRPS)
	u := p.Issuer() + "/nrps/course-101/memberships"

	p.FailNext(u, 2, http.StatusServiceUnavailable)
	for i := range 2 {
		status, h, _ := call(t, "GET", u, tok, acceptNRPS, "")
		if status != 503 || h.Get("Retry-After") != "1" {
			t.Errorf("call %d: %d Retry-After %q", i, status, h.Get("Retry-After"))
		}
	}
	if status, _, b := call(t, "GET", u, tok, acceptNRPS, ""); status != 200 {
		t.Errorf("after the outage: %d %s", status, b)
	}
	p.FailNext("/token", 1, http.StatusTooManyRequests)
	if status, _, _ := call(t, "POST", p.TokenURL(), "", map[string]string{"Content-Type": formType}, "a=b"); status != 429 {
		t.Errorf("token during outage: %d", status)
	}

	var nrps []ltitest.Request
	for _, r := range p.Requests() {
		if r.Path == "/nrps/course-101/memberships" {
			nrps = append(nrps, r)
		}
	}
	if len(nrps) != 3 || nrps[0].Status != 503 || nrps[2].Status != 200 || nrps[2].Method != "GET" {
		t.Fatalf("recorded %+v", nrps)
	}
	if nrps[2].Header.Get("Authorization") != "Bearer "+tok || nrps[2].Header.Get("Accept") != ltitest.MediaMembership {
		t.Errorf("recorded headers %v", nrps[2].Header)
	}
	reqs := p.Requests()
	if last := reqs[len(reqs)-1]; last.Path != "/token" || last.Status != 429 {
		t.Errorf("last request %+v", last)
	}
	var tokenBody bool
	for _, r := range reqs {
		if r.Path == "/token" && r.Status == 200 && len(r.Body) > 0 {
			tokenBody = true
		}
	}
	if !tokenBody {
		t.Error("token request body not recorded")
	}
}

func TestSetDelayStillServes(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	p.SetDelay(time.Millisecond)
	if status, _, _ := call(t, "GET", p.JWKSURL(), "", nil, ""); status != 200 {
		t.Errorf("status %d", status)
	}
}

// TestHoldWaitsForRelease: a held path gets no answer until release; other
// paths answer meanwhile; release lets the waiting request through, and later
// requests are not held.
func TestHoldWaitsForRelease(t *testing.T) {
	p := ltitest.NewServer(t, ltitest.Options{})
	release := p.Hold(p.JWKSURL())
	answered := make(chan int, 1)
	go func() {
		res, err := http.Get(p.JWKSURL())
		if err != nil {
			answered <- -1
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	select {
	case st := <-answered:
		t.Fatalf("held request answered %d before release", st)
	case <-time.After(300 * time.Millisecond):
	}
	if status, _, _ := call(t, "POST", p.TokenURL(), "", map[string]string{"Content-Type": formType}, "a=b"); status == 0 {
		t.Error("an unheld path did not answer during the hold")
	}
	release()
	release() // a second call is harmless
	select {
	case st := <-answered:
		if st != 200 {
			t.Errorf("released request: %d, want 200", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("released request never answered")
	}
	if status, _, _ := call(t, "GET", p.JWKSURL(), "", nil, ""); status != 200 {
		t.Errorf("after release: %d", status)
	}
}
