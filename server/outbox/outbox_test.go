package outbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// fixture is a store, a tool serving its JWKS on loopback, and an emulator
// that knows the tool, with one course link whose line item is "Quiz" (max 10).
type fixture struct {
	db       *sqlite.DB
	tool     *lti.Tool
	lms      *ltitest.Platform
	reg      *lti.Registration
	link     *model.ResourceLink
	lineItem string
	target   model.ScoreTarget
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tool, err := lti.New(lti.Config{BaseURL: base, AllowInsecure: true}, db, db, db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(tool.Close)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := tool.JWKS(r.Context())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	lms := ltitest.NewServer(tb, ltitest.Options{})
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "c1", LoginURL: tool.LoginURL(), RedirectURIs: []string{tool.LaunchURL()}, JWKSURL: base + "/.well-known/jwks.json"})
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: lms.Issuer(), ClientID: "c1", AuthURL: lms.AuthURL(), TokenURL: lms.TokenURL(), JWKSURL: lms.JWKSURL(), Status: lti.StatusActive}
	if err := db.CreateRegistration(ctx, reg); err != nil {
		tb.Fatal(err)
	}
	f := &fixture{db: db, tool: tool, lms: lms, reg: reg}
	f.lineItem = lms.AddLineItem("course-101", ltitest.LineItem{Label: "Quiz", ScoreMaximum: 10, ResourceLinkID: "rl-1"})
	f.target = model.ScoreTarget{LineItem: f.lineItem, Scopes: []string{lti.ScopeScore}, ResourceLinkID: "rl-1", Label: "Quiz", ScoreMaximum: 10}
	return f
}

// learners launches n learners into course-101 (as far as the store is concerned)
// and enrols them in the emulator; it returns their user ids.
func (f *fixture) learners(tb testing.TB, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		subject := fmt.Sprintf("learner-%d", i)
		f.lms.Enroll("course-101", subject)
		s := &model.LaunchSession{RegistrationID: f.reg.ID, DeploymentID: "1", User: &model.User{Subject: subject, Name: subject},
			Context: &model.Context{ContextID: "course-101"}, ResourceLinkID: "rl-1", MessageType: "LtiResourceLinkRequest",
			Role: model.RoleLearner, ExpiresAt: time.Now().Add(time.Hour)}
		if err := f.db.CreateSession(ctx, fmt.Sprintf("hash-%d-%d", i, time.Now().UnixNano()), s); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, s.User.ID)
		if f.link == nil {
			f.link = &model.ResourceLink{RegistrationID: f.reg.ID, DeploymentID: "1", ContextID: s.Context.ID, ResourceLinkID: "rl-1", Title: "Quiz"}
			if err := f.db.UpsertResourceLink(ctx, f.link); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return ids
}

func (f *fixture) score(tb testing.TB, user int64, v float64) {
	tb.Helper()
	_, err := f.db.CreateScore(context.Background(), &model.NewScore{RegistrationID: f.reg.ID, LinkID: f.link.ID, UserID: user,
		ScoreGiven: &v, ScoreMaximum: 10, ActivityProgress: lti.ProgressCompleted, GradingProgress: lti.GradingFullyGraded, Target: f.target})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestWorker_OrderedPerLearner: five quick scores of one learner reach the LMS
// in order with strictly increasing timestamps (the LMS would refuse 409 otherwise).
func TestWorker_OrderedPerLearner(t *testing.T) {
	f := newFixture(t)
	ids := f.learners(t, 2)
	for i := range 5 {
		f.score(t, ids[0], float64(i))
		f.score(t, ids[1], float64(9-i))
	}
	w := New(f.db, f.tool, Config{BaseDelay: 10 * time.Millisecond})
	for range 20 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, s := range f.lms.Scores(f.lineItem) {
		if s.UserID == "learner-0" {
			got = append(got, fmt.Sprint(*s.ScoreGiven))
		}
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Errorf("learner-0's scores arrived as %v (only 409-free deliveries count), want [0 1 2 3 4]", got)
	}
	if c, _ := f.db.CountOutbox(context.Background()); c[model.DeliveryDelivered] != 10 {
		t.Errorf("outbox = %v", c)
	}
}

// TestWorker_Backoff: delays double from the base, stay within the maximum,
// carry jitter, and never come before the LMS's Retry-After.
func TestWorker_Backoff(t *testing.T) {
	f := newFixture(t)
	w := New(f.db, f.tool, Config{BaseDelay: time.Second, MaxDelay: 8 * time.Second})
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 9: 8 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 20 {
			d := time.Until(w.nextAttempt(attempt, time.Time{}))
			if d > want || d < want/2-50*time.Millisecond {
				t.Errorf("attempt %d: delay %v outside [%v, %v]", attempt, d, want/2, want)
			}
			seen[d.Round(10*time.Millisecond)] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: no jitter", attempt)
		}
	}
	retryAt := time.Now().Add(time.Minute)
	if got := w.nextAttempt(1, retryAt); got.Before(retryAt) {
		t.Errorf("Retry-After ignored: %v before %v", got, retryAt)
	}
}

// BenchmarkOutboxDelivery measures scores delivered per second from the
// SQLite outbox to the emulator over loopback HTTP (token cached, 8 in flight,
// 64 learners so deliveries can run in parallel).
func BenchmarkOutboxDelivery(b *testing.B) {
	f := newFixture(b)
	ids := f.learners(b, 64)
	w := New(f.db, f.tool, Config{})
	ctx := context.Background()
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		f.score(b, ids[i%len(ids)], float64(i%11))
	}
	b.StartTimer()
	start := time.Now()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	c, _ := f.db.CountOutbox(ctx)
	if c[model.DeliveryDelivered] != b.N {
		b.Fatalf("delivered %d of %d: %v", c[model.DeliveryDelivered], b.N, c)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "scores/s")
}

// TestWorker_ReplayAfterLostAnswer: the LMS stored a score but ltibox never
// heard back; the replay gets Moodle's 409 and counts as delivered, once.
func TestWorker_ReplayAfterLostAnswer(t *testing.T) {
	f := newFixture(t)
	ids := f.learners(t, 1)
	f.score(t, ids[0], 8)
	items, err := f.db.DueOutbox(context.Background(), 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("due = %v %v", items, err)
	}
	sc := items[0].Score
	v, m := 8.0, 10.0
	// The first attempt's request, as the LMS received it.
	if err := lti.NewAGS(f.tool, f.reg, []string{lti.ScopeScore}).PostScore(context.Background(), f.lineItem, lti.Score{UserID: "learner-0",
		ScoreGiven: &v, ScoreMaximum: &m, Timestamp: sc.Timestamp, ActivityProgress: sc.ActivityProgress, GradingProgress: sc.GradingProgress}); err != nil {
		t.Fatal(err)
	}
	w := New(f.db, f.tool, Config{})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.Score(context.Background(), sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Delivery.State != model.DeliveryDelivered || got.Delivery.LastStatus != 409 || got.Delivery.Error == "" {
		t.Errorf("replay state = %+v, want delivered with the 409 noted", got.Delivery)
	}
	if n := len(f.lms.Scores(f.lineItem)); n != 1 {
		t.Errorf("gradebook holds %d scores, want 1", n)
	}
}

// TestWorker_ConfigurationProblemsStop: a learner the LMS does not know (400)
// and a deleted line item (404) fail at once with the LMS's words; no retry.
func TestWorker_ConfigurationProblemsStop(t *testing.T) {
	f := newFixture(t)
	ids := f.learners(t, 2)
	f.lms.RemoveMember("course-101", "learner-1") // dropped the course in the LMS
	f.score(t, ids[1], 5)
	w := New(f.db, f.tool, Config{BaseDelay: time.Millisecond})
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	items, _ := f.db.OutboxItems(context.Background(), sqlite.OutboxFilter{})
	d := items[0].Score.Delivery
	if d.State != model.DeliveryFailed || d.LastStatus != 400 || d.Attempts != 1 || !strings.Contains(d.Error, "not a gradable member") {
		t.Errorf("unknown learner: %+v", d)
	}

	// A deleted gradebook column: 404 on the line item's scores.
	f.target.LineItem = f.lineItem + "0"
	f.score(t, ids[0], 5)
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	items, _ = f.db.OutboxItems(context.Background(), sqlite.OutboxFilter{})
	d = items[1].Score.Delivery
	if d.State != model.DeliveryFailed || d.LastStatus != 404 || d.Attempts != 1 || !strings.Contains(d.Error, "no longer exists") {
		t.Errorf("missing line item: %+v", d)
	}
	if n := len(f.lms.Scores(f.lineItem)); n != 0 {
		t.Errorf("gradebook got %d scores", n)
	}
}

// TestWorker_FindsOrCreatesTheLineItem: without a launch line item, the first
// score creates a column labelled after the activity (resourceId = activity
// id, tag), stores it on the link, and later scores reuse it.
func TestWorker_FindsOrCreatesTheLineItem(t *testing.T) {
	f := newFixture(t)
	ids := f.learners(t, 2)
	container := f.lms.Issuer() + "/ags/course-101/lineitems"
	f.target = model.ScoreTarget{LineItems: container, Scopes: []string{lti.ScopeScore, lti.ScopeLineItem}, ResourceLinkID: "rl-1",
		Label: "Self-assessment", ResourceID: "7", Tag: "example", ScoreMaximum: 10}
	f.score(t, ids[0], 4)
	f.score(t, ids[1], 6)
	w := New(f.db, f.tool, Config{Concurrency: 1})
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var created []ltitest.LineItem
	for _, li := range f.lms.LineItems("course-101") {
		if li.ResourceID == "7" {
			created = append(created, li)
		}
	}
	if len(created) != 1 || created[0].Label != "Self-assessment" || created[0].Tag != "example" || created[0].ScoreMaximum != 10 || created[0].ResourceLinkID != "rl-1" {
		t.Fatalf("created line items = %+v, want exactly one labelled after the activity", created)
	}
	if n := len(f.lms.Scores(created[0].ID)); n != 2 {
		t.Errorf("the created column holds %d scores, want 2", n)
	}
	stored, err := f.db.LinkLineItem(context.Background(), f.link.ID)
	if err != nil || stored != created[0].ID {
		t.Errorf("link line item = %q %v", stored, err)
	}
}
