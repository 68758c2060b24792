package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

// A state spent while still buffered is spent once, and the table records it
// as used: a replay after the batch is written is still refused as used.
func TestLoginBuffer_SpentOnceBeforeAndAfterWrite(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	want := saveLogin(t, db, reg, *now, "s1")
	got, err := db.ConsumeLogin(ctx, want.StateHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("consumed state (-saved +got):\n%s", diff)
	}
	if _, err := db.ConsumeLogin(ctx, want.StateHash); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("second consume in memory: %v, want used", err)
	}
	if n, err := db.CountLogins(ctx); err != nil || n != 1 { // writes the batch
		t.Fatalf("stored logins = %d, %v; want 1", n, err)
	}
	if _, err := db.ConsumeLogin(ctx, want.StateHash); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("consume after write: %v, want used", err)
	}
	if _, err := db.PeekLogin(ctx, want.StateHash); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("peek after write: %v, want used", err)
	}
	if _, err := db.ConsumeLogin(ctx, lti.HashToken("never")); !errors.Is(err, lti.ErrNotFound) {
		t.Errorf("consume unknown: %v, want not found", err)
	}
}

func TestLoginBuffer_ExpiresInMemory(t *testing.T) {
	db, reg, now := bindingFixture(t)
	s := saveLogin(t, db, reg, *now, "s1")
	*now = now.Add(11 * time.Minute)
	if _, err := db.ConsumeLogin(context.Background(), s.StateHash); !errors.Is(err, lti.ErrLoginExpired) {
		t.Errorf("consume expired buffered state: %v, want expired", err)
	}
}

// Close writes what is buffered, so a restart keeps logins in flight and
// remembers which were used.
func TestLoginBuffer_CloseWritesPendingStates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ltibox.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c1", AuthURL: "https://lms.example/auth",
		TokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks"}
	if err := db.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	waiting, used := saveLogin(t, db, reg, now, "waiting"), saveLogin(t, db, reg, now, "used")
	if _, err := db.ConsumeLogin(ctx, used.StateHash); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.ConsumeLogin(ctx, waiting.StateHash)
	if err != nil {
		t.Fatalf("login in flight lost on restart: %v", err)
	}
	if diff := cmp.Diff(waiting, got); diff != "" {
		t.Errorf("state after restart (-saved +got):\n%s", diff)
	}
	if _, err := db.ConsumeLogin(ctx, used.StateHash); !errors.Is(err, lti.ErrLoginUsed) {
		t.Errorf("used state after restart: %v, want used", err)
	}
}

// Many browsers replaying one state while its batch is being written: exactly
// one launch gets it, whichever side of the write each one lands on.
func TestLoginBuffer_OneWinnerAcrossConcurrentWrites(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		s := saveLogin(t, db, reg, *now, fmt.Sprintf("s%d", i))
		var wins, used atomic.Int32
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // a write racing the consumers
			defer wg.Done()
			if _, err := db.CountLogins(ctx); err != nil {
				t.Error(err)
			}
		}()
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.ConsumeLogin(ctx, s.StateHash)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, lti.ErrLoginUsed):
					used.Add(1)
				default:
					t.Errorf("consume: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || used.Load() != 7 {
			t.Fatalf("round %d: %d launches got the state, %d were refused as used; want 1 and 7", i, wins.Load(), used.Load())
		}
	}
}

// A registration deleted between a login and the write drops only its own
// states; the rest of the batch is written.
func TestLoginBuffer_DeletedRegistrationDropsOnlyItsStates(t *testing.T) {
	db, reg, now := bindingFixture(t)
	ctx := context.Background()
	other := &lti.Registration{Name: "Other", Issuer: "https://other.example", ClientID: "c2", AuthURL: "https://other.example/auth",
		TokenURL: "https://other.example/token", JWKSURL: "https://other.example/jwks"}
	if err := db.CreateRegistration(ctx, other); err != nil {
		t.Fatal(err)
	}
	kept := saveLogin(t, db, reg, *now, "kept")
	saveLogin(t, db, other, *now, "gone")
	if err := db.DeleteRegistration(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountLogins(ctx); err != nil || n != 1 {
		t.Fatalf("stored logins = %d, %v; want 1", n, err)
	}
	if _, err := db.PeekLogin(ctx, kept.StateHash); err != nil {
		t.Errorf("kept state: %v", err)
	}
	if _, err := db.ConsumeLogin(ctx, lti.HashToken("gone")); !errors.Is(err, lti.ErrNotFound) {
		t.Errorf("state of the deleted registration: %v, want not found", err)
	}
}

// The HTTP server reuses request buffers once a request ends, and fiber's
// values point into them: a buffered state must own every string it holds.
func TestLoginBuffer_OwnsItsStrings(t *testing.T) {
	db, reg, now := bindingFixture(t)
	want := lti.LoginState{RegistrationID: reg.ID, CreatedAt: *now, ExpiresAt: now.Add(time.Minute)}
	in := want
	var buffers [][]byte
	wv, iv := reflect.ValueOf(&want).Elem(), reflect.ValueOf(&in).Elem()
	for i := range wv.NumField() {
		if wv.Field(i).Kind() != reflect.String {
			continue
		}
		v := fmt.Sprintf("%s-value", wv.Type().Field(i).Name)
		wv.Field(i).SetString(v)
		buf := []byte(v) // what a request buffer holds
		buffers = append(buffers, buf)
		iv.Field(i).SetString(unsafe.String(&buf[0], len(buf)))
	}
	if err := db.SaveLogin(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	for _, buf := range buffers { // the next request overwrites the buffers
		for i := range buf {
			buf[i] = 'x'
		}
	}
	got, err := db.ConsumeLogin(context.Background(), want.StateHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("buffered state changed with the request buffer (-want +got):\n%s", diff)
	}
}
