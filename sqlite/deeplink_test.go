package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

func TestDeepLinkTickets_OnceAndShortLived(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	sessID := mustSession(t, db)
	now := time.Now()
	db.Now = func() time.Time { return now }
	if err := db.CreateDeepLinkTicket(ctx, "h1", &sqlite.DeepLinkTicket{SessionID: sessID, ReturnURL: "https://lms.example/r", JWT: "a.b.c", Items: 2, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ConsumeDeepLinkTicket(ctx, "h1")
	if err != nil || got.JWT != "a.b.c" || got.ReturnURL != "https://lms.example/r" || got.Items != 2 {
		t.Fatalf("consume = %+v, %v", got, err)
	}
	if _, err := db.ConsumeDeepLinkTicket(ctx, "h1"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("second consume: %v, want ENOTFOUND", err)
	}
	if err := db.CreateDeepLinkTicket(ctx, "h2", &sqlite.DeepLinkTicket{SessionID: sessID, ReturnURL: "https://lms.example/r", JWT: "x", ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := db.ConsumeDeepLinkTicket(ctx, "h2"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("expired ticket: %v, want ENOTFOUND", err)
	}
	if n, _ := db.CountDeepLinkTickets(ctx); n != 0 {
		t.Errorf("%d tickets left", n)
	}
}

func TestActivities_DuplicateAndArchive(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	a := &model.Activity{Title: "Quiz", Graded: true, ScoreMaximum: 5, Tag: "q", Instructions: "x"}
	if err := db.CreateActivity(ctx, a); err != nil {
		t.Fatal(err)
	}
	cp, err := db.DuplicateActivity(ctx, a.ID, 0)
	if err != nil || cp.ID == a.ID || cp.Title != "Copy of Quiz" || !cp.Graded || cp.ScoreMaximum != 5 || cp.Tag != "q" {
		t.Fatalf("duplicate = %+v, %v", cp, err)
	}
	if _, err := db.DuplicateActivity(ctx, 999, 0); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("duplicate unknown: %v", err)
	}
	arch, err := db.SetActivityArchived(ctx, cp.ID, true)
	if err != nil || !arch.Archived {
		t.Fatalf("archive = %+v, %v", arch, err)
	}
	list, _ := db.Activities(ctx, model.ActivityFilter{Library: true})
	if len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("archived still listed: %+v", list)
	}
	if _, err := db.SetActivityArchived(ctx, 999, true); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("archive unknown: %v", err)
	}
}

// mustSession stores a registration and one launch session, returning its id.
func mustSession(t *testing.T, db *sqlite.DB) int64 {
	t.Helper()
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/a", TokenURL: "https://lms.example/t", JWKSURL: "https://lms.example/j"}
	if err := db.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", MessageType: "LtiDeepLinkingRequest", Role: model.RoleInstructor, ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateSession(ctx, "sess-hash", s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}
