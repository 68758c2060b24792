package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// waitGroupState waits until a leader is writing and queued jobs wait behind it.
func waitGroupState(t *testing.T, db *DB, queued int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		db.group.mu.Lock()
		l, lead := len(db.group.queue), db.group.leading
		db.group.mu.Unlock()
		if lead && l == queued {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %d, leading %v; want %d queued behind a leader", l, lead, queued)
		}
	}
}

// A browser that gives up while its launch is being written must not undo
// the launches sharing its transaction (SQLite rolls back the whole
// transaction when a write is interrupted).
func TestGroupTx_CancelledWriterDoesNotUndoItsBatch(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	for _, q := range []string{`CREATE TABLE gc_probe (k TEXT PRIMARY KEY)`, `CREATE TABLE gc_big (x INTEGER)`} {
		if _, err := db.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	release := make(chan struct{})
	go db.groupTx(ctx, func(context.Context, txn) error { <-release; return nil }) // holds the lead
	waitGroupState(t, db, 0)
	insert := func(k string) func(context.Context, txn) error {
		return func(ctx context.Context, tx txn) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO gc_probe VALUES (?)`, k)
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	run := func(i int, jctx context.Context, fn func(context.Context, txn) error) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = db.groupTx(jctx, fn) }()
		waitGroupState(t, db, i+1)
	}
	run(0, ctx, insert("first"))
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run(1, cctx, func(ctx context.Context, tx txn) error {
		time.AfterFunc(20*time.Millisecond, cancel) // gives up mid-write
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 200000) INSERT INTO gc_big SELECT x FROM c`)
		return err
	})
	run(2, ctx, insert("third"))
	close(release)
	wg.Wait()
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("launches sharing the batch failed: %v / %v", errs[0], errs[2])
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gc_probe`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d rows stored (%v), want 2", n, err)
	}
}

// A caller that gives up while its flush is running must not lose states:
// once taken from the buffer they exist nowhere else.
func TestLoginBuffer_CancelledFlushLosesNothing(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	reg := testRegistration(t, db)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 { // launches keep batches shared
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				db.groupTx(ctx, func(ctx context.Context, tx txn) error { _, err := tx.ExecContext(ctx, `SELECT 1`); return err })
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	now, total := time.Now(), 0
	for round := range 8 {
		for i := range 1024 {
			if err := db.logins.add(&lti.LoginState{StateHash: fmt.Sprintf("r%d-%d", round, i), Nonce: "n", RegistrationID: reg.ID,
				TargetLinkURI: "https://tool.example/lti/launch", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		total += 1024
		fctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(time.Duration(round+1)*time.Millisecond, cancel)
		err := db.writeLogins(fctx, true)
		cancel()
		var inTable int
		if qerr := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_states`).Scan(&inTable); qerr != nil {
			t.Fatal(qerr)
		}
		db.logins.mu.Lock()
		inMem := len(db.logins.pending)
		db.logins.mu.Unlock()
		if inTable+inMem != total {
			t.Fatalf("round %d: %d of %d states lost (flush err %v)", round, total-inTable-inMem, total, err)
		}
	}
}

// After Close, a login cannot be accepted: it would never be written.
func TestLoginBuffer_SaveAfterCloseFails(t *testing.T) {
	db := openTemp(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err := db.SaveLogin(context.Background(), &lti.LoginState{StateHash: "late", RegistrationID: 1, CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err == nil {
		t.Fatal("a login saved after Close was accepted and would be lost")
	}
}
