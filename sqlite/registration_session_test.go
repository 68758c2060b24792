package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// TestRegistrationSessions_SingleUseExpiringSwept: a registration session is
// taken once, refuses after expiry, and the sweep deletes expired ones.
func TestRegistrationSessions_SingleUseExpiringSwept(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Now()
	db.Now = func() time.Time { return now }
	for _, id := range []string{"a", "b", "c"} {
		if err := db.CreateRegistrationSession(ctx, &model.RegistrationSession{IDHash: id, ConfigURL: "https://lms.example/config", Config: "{}", Token: "t", ExpiresAt: now.Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := db.TakeRegistrationSession(ctx, "a"); err != nil || s.Token != "t" {
		t.Fatalf("take = %v %v", s, err)
	}
	if _, err := db.TakeRegistrationSession(ctx, "a"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("second take = %v, want not found", err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := db.TakeRegistrationSession(ctx, "b"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("expired take = %v, want not found", err)
	}
	if n, err := db.SweepRegistrationSessions(ctx, now); err != nil || n != 1 {
		t.Errorf("sweep removed %d (%v), want 1", n, err)
	}
	if n, _ := db.CountRegistrationSessions(ctx); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

// TestAdmins_FirstOnlyOnce: first-run setup can create only the first administrator.
func TestAdmins_FirstOnlyOnce(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	if _, err := db.CreateFirstAdmin(ctx, "root", "hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFirstAdmin(ctx, "other", "hash"); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("second first admin = %v", err)
	}
	if n, _ := db.CountAdmins(ctx); n != 1 {
		t.Errorf("%d admins", n)
	}
}
