package sqlite_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// bindingFixture is a store with one registration and a movable clock.
func bindingFixture(t *testing.T) (*sqlite.DB, *lti.Registration, *time.Time) {
	t.Helper()
	db := MustOpen(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c1", AuthURL: "https://lms.example/auth",
		TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks"}
	if err := db.CreateRegistration(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	return db, reg, &now
}

func saveLogin(t *testing.T, db *sqlite.DB, reg *lti.Registration, now time.Time, state string) *lti.LoginState {
	t.Helper()
	s := &lti.LoginState{StateHash: lti.HashToken(state), Nonce: "n-" + state, RegistrationID: reg.ID, TargetLinkURI: "https://tool.example/lti/launch",
		LoginHint: "u1", DeploymentHint: "1", Binding: lti.BindingStorage, MessageHint: `{"launchid":"x"}`, StorageTarget: "post_message_forwarding",
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := db.SaveLogin(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPeekLogin_DoesNotConsume(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	saveLogin(t, db, reg, *now, "s1")
	got, err := db.PeekLogin(ctx, lti.HashToken("s1"))
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageHint != `{"launchid":"x"}` || got.StorageTarget != "post_message_forwarding" || got.Binding != lti.BindingStorage || got.Nonce != "n-s1" {
		t.Errorf("peeked login = %+v", got)
	}
	if _, err := db.ConsumeLogin(ctx, lti.HashToken("s1")); err != nil {
		t.Fatalf("consume after peek: %v", err)
	}
	if _, err := db.PeekLogin(ctx, lti.HashToken("s1")); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("peek after consume: %v, want used", err)
	}
	if _, err := db.PeekLogin(ctx, lti.HashToken("nope")); !errors.Is(err, lti.ErrNotFound) {
		t.Errorf("peek unknown: %v, want not found", err)
	}
	saveLogin(t, db, reg, *now, "s2")
	*now = now.Add(11 * time.Minute)
	if _, err := db.PeekLogin(ctx, lti.HashToken("s2")); !errors.Is(err, lti.ErrLoginExpired) {
		t.Errorf("peek expired: %v, want expired", err)
	}
}

func TestHandoff_OneTimeShortLivedKeyed(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	saveLogin(t, db, reg, *now, "s1")
	if err := db.CreateHandoff(ctx, "h1", "k1", lti.HashToken("s1"), 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateHandoff(ctx, "h0", "k0", lti.HashToken("unknown"), 3*time.Minute); !errors.Is(err, lti.ErrNotFound) {
		t.Errorf("handoff for an unknown login: %v", err)
	}
	if _, err := db.UseHandoff(ctx, "h1", "wrong"); !errors.Is(err, sqlite.ErrHandoffKey) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := db.UseHandoff(ctx, "nope", "k1"); !errors.Is(err, lti.ErrNotFound) {
		t.Errorf("unknown handoff: %v", err)
	}
	// Concurrent uses: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := db.UseHandoff(ctx, "h1", "k1"); err == nil {
				wins.Add(1)
				if got.LoginHint != "u1" || got.MessageHint != `{"launchid":"x"}` {
					t.Errorf("handoff returned %+v", got)
				}
			} else if !errors.Is(err, lti.ErrLoginUsed) {
				t.Errorf("losing use: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d uses of a one-time handoff succeeded", wins.Load())
	}
	if _, err := db.ConsumeLogin(ctx, lti.HashToken("s1")); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("the login a handoff restarted can still be consumed: %v", err)
	}
	// Expiry.
	saveLogin(t, db, reg, *now, "s2")
	if err := db.CreateHandoff(ctx, "h2", "k2", lti.HashToken("s2"), 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(3 * time.Minute)
	if _, err := db.UseHandoff(ctx, "h2", "k2"); !errors.Is(err, lti.ErrLoginExpired) {
		t.Errorf("expired handoff: %v", err)
	}
	if _, err := db.PeekLogin(ctx, lti.HashToken("s2")); err != nil {
		t.Errorf("a refused handoff consumed its login: %v", err)
	}
}

func TestLaunchBindingCounts_CountedWithEachSession(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	for i, b := range []string{"cookie", "storage", "cookie", "window", "cookie"} {
		s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", MessageType: lti.MessageResourceLink, Role: model.RoleLearner,
			Binding: b, ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateSession(ctx, lti.HashToken(string(rune('a'+i))), s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.LaunchBindingCounts(ctx, reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.LaunchBinding{{Binding: "cookie", Launches: 3, LastAt: *now}, {Binding: "storage", Launches: 1, LastAt: *now}, {Binding: "window", Launches: 1, LastAt: *now}}
	if len(got) != len(want) {
		t.Fatalf("counts = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("counts[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	other, err := db.LaunchBindingCounts(ctx, reg.ID+1)
	if err != nil || len(other) != 0 {
		t.Errorf("another platform's counts = %+v, %v", other, err)
	}
}
