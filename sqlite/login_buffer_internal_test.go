package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// The flusher writes buffered states on its own, without anyone asking.
func TestLoginBuffer_WrittenInTheBackground(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	reg := testRegistration(t, db)
	now := time.Now()
	if err := db.SaveLogin(ctx, &lti.LoginState{StateHash: "h", Nonce: "n", RegistrationID: reg.ID, TargetLinkURI: "https://tool.example/lti/launch",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * loginFlushEvery)
	for {
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_states`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("buffered login state not written after %s", 20*loginFlushEvery)
		}
		time.Sleep(loginFlushEvery / 4)
	}
}

// openTemp opens a fresh store in a temp dir, closed when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "ltibox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testRegistration stores one platform registration.
func testRegistration(t *testing.T, db *DB) *lti.Registration {
	t.Helper()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c1", AuthURL: "https://lms.example/auth",
		TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks"}
	if err := db.CreateRegistration(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	return reg
}
