package lti_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/sqlite"
)

var allAGS = []string{lti.ScopeLineItem, lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly, lti.ScopeScore}

func agsTimestamp(t *testing.T, s string) {
	t.Helper()
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`).MatchString(s) {
		t.Errorf("timestamp %q is not ISO 8601 UTC with microseconds", s)
	}
}

// TestAGS_LineItemsScoresResults runs the certification sequence: list line
// items (paged, relative lowercase links) → create → get → update → post
// scores → read results (paged) → delete, checking the exact media types.
func TestAGS_LineItemsScoresResults(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	f.lms.SetPageSize(2)
	f.lms.SetRelativeLinks(true)
	container := f.lms.Issuer() + "/ags/course-101/lineitems"
	for i := range 5 {
		f.lms.AddLineItem("course-101", ltitest.LineItem{Label: fmt.Sprintf("Column %d", i), ScoreMaximum: 10, ResourceLinkID: "rl-1"})
	}
	ags := lti.NewAGS(f.tool, f.reg, append(allAGS, lti.ScopeNRPS))
	if len(ags.Scopes) != 4 {
		t.Fatalf("AGS scopes = %v, want only the four AGS scopes", ags.Scopes)
	}
	items, err := ags.LineItems(ctx, container, lti.LineItemQuery{})
	if err != nil || len(items) != 5 {
		t.Fatalf("line items = %d, %v; want 5 across 3 pages", len(items), err)
	}
	created, err := ags.CreateLineItem(ctx, container, lti.LineItem{Label: "Quiz", ScoreMaximum: 20, ResourceID: "42", Tag: "quiz", ResourceLinkID: "rl-1"})
	if err != nil || !strings.HasPrefix(created.ID, container+"/") {
		t.Fatalf("create: %+v %v", created, err)
	}
	got, err := ags.LineItem(ctx, created.ID)
	if err != nil || got.Label != "Quiz" || got.ScoreMaximum != 20 {
		t.Fatalf("get: %+v %v", got, err)
	}
	got.Label = "Quiz (renamed)"
	if _, err := ags.UpdateLineItem(ctx, *got); err != nil {
		t.Fatalf("update: %v", err)
	}
	found, err := ags.ResolveLineItem(ctx, lti.LineItemTarget{LineItems: container, Want: lti.LineItem{Label: "x", ScoreMaximum: 20, ResourceID: "42", Tag: "quiz", ResourceLinkID: "rl-1"}})
	if err != nil || found != created.ID {
		t.Fatalf("resolve existing = %q %v, want %q", found, err, created.ID)
	}
	f.lms.Enroll("course-101", "learner-a")
	f.lms.Enroll("course-101", "learner-b")
	f.lms.Enroll("course-101", "learner-c")
	for i, u := range []string{"student", "learner-a", "learner-b", "learner-c"} {
		v, m := float64(i+1), 20.0
		err := ags.PostScore(ctx, created.ID, lti.Score{UserID: u, ScoreGiven: &v, ScoreMaximum: &m, Comment: "well done",
			Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded})
		if err != nil {
			t.Fatalf("score %s: %v", u, err)
		}
	}
	results, err := ags.Results(ctx, created.ID, "")
	if err != nil || len(results) != 4 {
		t.Fatalf("results = %d %v, want 4 across pages", len(results), err)
	}
	one, err := ags.Results(ctx, created.ID, "learner-b")
	if err != nil || len(one) != 1 || *one[0].ResultScore != 3 || one[0].Comment != "well done" {
		t.Fatalf("results of learner-b = %+v %v", one, err)
	}
	for _, sc := range f.lms.Scores(created.ID) {
		agsTimestamp(t, sc.Timestamp)
	}
	var sawScore bool
	for _, r := range f.lms.Requests() {
		if r.Path == "/token" {
			continue
		}
		if len(r.Header.Values("Accept")) > 1 || strings.Contains(r.Header.Get("Accept"), ",") {
			t.Errorf("%s %s sent Accept %q: exactly one media type is required", r.Method, r.Path, r.Header.Values("Accept"))
		}
		if r.Header.Get("User-Agent") == "" {
			t.Errorf("%s %s sent no User-Agent", r.Method, r.Path)
		}
		if strings.HasSuffix(r.Path, "/scores") {
			sawScore = true
			if ct := r.Header.Get("Content-Type"); ct != lti.MediaScore {
				t.Errorf("score Content-Type = %q", ct)
			}
		}
	}
	if !sawScore {
		t.Error("no score request recorded")
	}
	if err := ags.DeleteLineItem(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := ags.LineItem(ctx, created.ID); err == nil {
		t.Error("deleted line item still readable")
	}
}

// TestAGS_RefusesBeforeTheNetwork: a bad score or a missing scope never
// reaches the LMS.
func TestAGS_RefusesBeforeTheNetwork(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	li := f.lms.AddLineItem("course-101", ltitest.LineItem{Label: "A", ScoreMaximum: 10})
	before := len(f.lms.Requests())
	v, m := 3.0, 10.0
	for name, sc := range map[string]lti.Score{
		"progress":   {UserID: "student", ScoreGiven: &v, ScoreMaximum: &m, Timestamp: time.Now(), ActivityProgress: "Done", GradingProgress: lti.GradingFullyGraded},
		"grading":    {UserID: "student", ScoreGiven: &v, ScoreMaximum: &m, Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: "Graded"},
		"no maximum": {UserID: "student", ScoreGiven: &v, Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded},
		"no user":    {ScoreGiven: &v, ScoreMaximum: &m, Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded},
	} {
		if err := lti.NewAGS(f.tool, f.reg, allAGS).PostScore(ctx, li, sc); err == nil {
			t.Errorf("%s: invalid score accepted", name)
		}
	}
	sc := lti.Score{UserID: "student", ScoreGiven: &v, ScoreMaximum: &m, Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded}
	err := lti.NewAGS(f.tool, f.reg, []string{lti.ScopeLineItem}).PostScore(ctx, sc.UserID, sc)
	var se *lti.ServiceError
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "permission") {
		t.Errorf("score without the score scope: %v", err)
	}
	if n := len(f.lms.Requests()); n != before {
		t.Errorf("%d requests reached the LMS", n-before)
	}
}

// testClock is a movable clock shared by the tool and the emulator.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// clockFixture is newServiceFixture with one clock for the tool and the LMS.
func clockFixture(t *testing.T) (*serviceFixture, *testClock) {
	t.Helper()
	clk := &testClock{}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tool, err := lti.New(lti.Config{BaseURL: base, AllowInsecure: true, Now: clk.Now}, db, db, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tool.Close)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := tool.JWKS(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	lms := ltitest.NewServer(t, ltitest.Options{Now: clk.Now})
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "c1", LoginURL: tool.LoginURL(), RedirectURIs: []string{tool.LaunchURL()}, JWKSURL: base + "/.well-known/jwks.json"})
	reg := &lti.Registration{Name: "LMS", Issuer: lms.Issuer(), ClientID: "c1", AuthURL: lms.AuthURL(), TokenURL: lms.TokenURL(), JWKSURL: lms.JWKSURL(), Status: lti.StatusActive}
	if err := db.CreateRegistration(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	return &serviceFixture{tool: tool, lms: lms, reg: reg}, clk
}

// TestAGS_TokenCache: 100 score posts cost one token request; once the token
// expires (clock moved past expires_in minus the renewal margin), the next
// burst refreshes it exactly once.
func TestAGS_TokenCache(t *testing.T) {
	f, clk := clockFixture(t)
	ctx := context.Background()
	li := f.lms.AddLineItem("course-101", ltitest.LineItem{Label: "A", ScoreMaximum: 10})
	ags := lti.NewAGS(f.tool, f.reg, allAGS)
	for i := range 100 {
		f.lms.Enroll("course-101", fmt.Sprintf("u%d", i))
	}
	post := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, m := float64(i%10), 10.0
				errs <- ags.PostScore(ctx, li, lti.Score{UserID: fmt.Sprintf("u%d", i), ScoreGiven: &v, ScoreMaximum: &m, Timestamp: clk.Now(),
					ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	post(100)
	if n := f.lms.TokenRequests(); n != 1 {
		t.Fatalf("100 score posts cost %d token requests, want 1", n)
	}
	if n := len(f.lms.Scores(li)); n != 100 {
		t.Fatalf("gradebook holds %d scores, want 100", n)
	}
	clk.Advance(time.Hour - 30*time.Second) // past the tool's renewal point (1 h − 60 s)
	post(20)
	if n := f.lms.TokenRequests(); n != 2 {
		t.Fatalf("after expiry: %d token requests in all, want 2 (one refresh)", n)
	}
}

// TestAGS_TokenRefusedIsConfiguration: a token endpoint answering 401 is a
// configuration error (not retryable, the LMS's words kept), and 503 is retryable.
func TestAGS_TokenRefusedIsConfiguration(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	li := f.lms.AddLineItem("course-101", ltitest.LineItem{Label: "A", ScoreMaximum: 10})
	// The LMS admin pasted the wrong JWKS URL: every client assertion fails.
	f.lms.RegisterTool(ltitest.ToolConfig{ClientID: "c1", LoginURL: f.tool.LoginURL(), RedirectURIs: []string{f.tool.LaunchURL()}, JWKSURL: f.lms.JWKSURL()})
	v, m := 1.0, 10.0
	sc := lti.Score{UserID: "student", ScoreGiven: &v, ScoreMaximum: &m, Timestamp: time.Now(), ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded}
	err := lti.NewAGS(f.tool, f.reg, allAGS).PostScore(ctx, li, sc)
	var se *lti.ServiceError
	if !errors.As(err, &se) || se.Op != "token" || se.Status != http.StatusUnauthorized || se.Retryable || !strings.Contains(se.Message, "invalid_client") {
		t.Fatalf("token 401: %#v", err)
	}
	// Callers right after a refusal get the same answer without asking again.
	before := f.lms.TokenRequests()
	for range 10 {
		if err := lti.NewAGS(f.tool, f.reg, allAGS).PostScore(ctx, li, sc); !errors.As(err, &se) || se.Status != 401 {
			t.Fatalf("repeat after refusal: %v", err)
		}
	}
	if n := f.lms.TokenRequests() - before; n != 0 {
		t.Errorf("10 posts after a refused token cost %d token requests, want 0", n)
	}
	f.tool.ForgetTokens() // an administrator edited the registration
	f.lms.SetOutage("/token", http.StatusServiceUnavailable)
	err = lti.NewAGS(f.tool, f.reg, allAGS).PostScore(ctx, li, sc)
	if !errors.As(err, &se) || !se.Retryable || se.RetryAt.IsZero() {
		t.Fatalf("token 503 should be retryable with Retry-After: %#v", err)
	}
}
