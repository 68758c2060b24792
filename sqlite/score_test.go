package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// gradeFixture is a registration, a course link and learners launched into it.
func gradeFixture(t *testing.T, db *sqlite.DB, learners ...string) (*lti.Registration, *model.ResourceLink, []int64) {
	t.Helper()
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/a", TokenURL: "https://lms.example/t", JWKSURL: "https://lms.example/j"}
	if err := db.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var ctxID int64
	for i, sub := range append([]string{"teacher"}, learners...) {
		role := model.RoleLearner
		if i == 0 {
			role = model.RoleInstructor
		}
		s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", User: &model.User{Subject: sub, Name: sub},
			Context: &model.Context{ContextID: "c1"}, ResourceLinkID: "rl", MessageType: "LtiResourceLinkRequest", Role: role, ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.CreateSession(ctx, fmt.Sprintf("h%d", i), s); err != nil {
			t.Fatal(err)
		}
		ctxID = s.Context.ID
		if i > 0 {
			ids = append(ids, s.User.ID)
		}
	}
	link := &model.ResourceLink{RegistrationID: reg.ID, DeploymentID: "1", ContextID: ctxID, ResourceLinkID: "rl"}
	if err := db.UpsertResourceLink(ctx, link); err != nil {
		t.Fatal(err)
	}
	return reg, link, ids
}

func newScore(reg *lti.Registration, link *model.ResourceLink, user int64, v float64) *model.NewScore {
	return &model.NewScore{RegistrationID: reg.ID, LinkID: link.ID, UserID: user, ScoreGiven: &v, ScoreMaximum: 10,
		ActivityProgress: "Completed", GradingProgress: "FullyGraded", Target: model.ScoreTarget{LineItem: "https://lms.example/li/1", Scopes: []string{lti.ScopeScore}}}
}

func TestScores_TimestampsOrderAndOutbox(t *testing.T) {
	db := MustOpen(t)
	frozen := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return frozen }
	ctx := context.Background()
	reg, link, ids := gradeFixture(t, db, "ann", "bob")

	// A frozen clock still yields strictly increasing timestamps per learner.
	var last time.Time
	for i := range 3 {
		sc, err := db.CreateScore(ctx, newScore(reg, link, ids[0], float64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Timestamp.After(last) || sc.Delivery.State != model.DeliveryPending {
			t.Fatalf("score %d: timestamp %v after %v, state %s", i, sc.Timestamp, last, sc.Delivery.State)
		}
		last = sc.Timestamp
	}
	if _, err := db.CreateScore(ctx, newScore(reg, link, ids[1], 5)); err != nil {
		t.Fatal(err)
	}
	// Refusals store nothing.
	for name, ns := range map[string]*model.NewScore{
		"over max":   newScore(reg, link, ids[0], 11),
		"negative":   newScore(reg, link, ids[0], -1),
		"no maximum": func() *model.NewScore { n := newScore(reg, link, ids[0], 1); n.ScoreMaximum = 0; return n }(),
	} {
		if _, err := db.CreateScore(ctx, ns); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if c, _ := db.CountOutbox(ctx); c[model.DeliveryPending] != 4 {
		t.Fatalf("outbox = %v, want 4 pending", c)
	}
	// Only the oldest undelivered item of each learner is due.
	due, err := db.DueOutbox(ctx, 10)
	if err != nil || len(due) != 2 || *due[0].Score.ScoreGiven != 0 || due[0].Subject != "ann" || due[1].Subject != "bob" {
		t.Fatalf("due = %+v %v", due, err)
	}
	// A retry in the future holds ann's later scores back.
	if err := db.FinishOutboxAttempt(ctx, due[0].ID, sqlite.OutboxResult{State: model.DeliveryRetrying, NextAttempt: frozen.Add(time.Minute), Status: 503, Message: "down"}); err != nil {
		t.Fatal(err)
	}
	due, _ = db.DueOutbox(ctx, 10)
	if len(due) != 1 || due[0].Subject != "bob" {
		t.Fatalf("due while ann retries = %+v", due)
	}
	next, ok, _ := db.NextOutboxDue(ctx)
	if !ok || !next.Equal(frozen) { // bob's is due now
		t.Errorf("next due = %v %v", next, ok)
	}
	latest, err := db.LatestScore(ctx, link.ID, ids[0])
	if err != nil || *latest.ScoreGiven != 2 {
		t.Errorf("latest = %+v %v", latest, err)
	}
	// The token endpoint refuses: every waiting item of the platform fails at once.
	if n, err := db.FailRegistrationOutbox(ctx, reg.ID, 401, "invalid_client"); err != nil || n != 4 {
		t.Fatalf("fail registration = %d %v", n, err)
	}
	first, _ := db.Score(ctx, due[0].Score.ID)
	if first.Delivery.State != model.DeliveryFailed || first.Delivery.Error != "invalid_client" {
		t.Errorf("after failing the platform: %+v", first.Delivery)
	}
	if n, err := db.RequeueOutbox(ctx, sqlite.OutboxFilter{LinkID: link.ID}); err != nil || n != 4 {
		t.Fatalf("requeue = %d %v", n, err)
	}
	if c, _ := db.CountOutbox(ctx); c[model.DeliveryPending] != 4 {
		t.Errorf("after requeue: %v", c)
	}
}

func TestGradebook_LearnersSeenAtLaunch(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	reg, link, ids := gradeFixture(t, db, "zed", "amy")
	if _, err := db.CreateScore(ctx, newScore(reg, link, ids[0], 7)); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Gradebook(ctx, link.ContextID, link.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].User.Subject != "amy" || rows[1].User.Subject != "zed" {
		t.Fatalf("rows = %+v, want the 2 learners by name (no instructor)", rows)
	}
	if rows[0].Score != nil || rows[1].Score == nil || *rows[1].Score.ScoreGiven != 7 || rows[0].Source != "launch" || rows[0].LastActivity == nil {
		t.Errorf("rows = %+v / %+v", rows[0], rows[1].Score)
	}
	// Each learner says which platform they are a user of, as in a session.
	for _, r := range rows {
		if r.User.PlatformID != reg.ID {
			t.Errorf("%s: platform %d, want %d", r.User.Subject, r.User.PlatformID, reg.ID)
		}
	}
	for _, c := range []struct {
		user int64
		want bool
	}{{ids[0], true}, {99, false}} {
		if ok, err := db.IsLearnerOf(ctx, link.ContextID, c.user); err != nil || ok != c.want {
			t.Errorf("IsLearnerOf(%d) = %v %v", c.user, ok, err)
		}
	}
}
