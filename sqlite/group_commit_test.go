package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Writers sharing a commit keep their own outcome: a failing one leaves no
// rows, the others all land, and each caller hears its own result.
func TestGroupTx_EachWriterKeepsItsOwnOutcome(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE gc_probe (k TEXT PRIMARY KEY, part INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	errOdd := errors.New("odd writers fail after writing")
	const writers = 48
	// A first writer holds the lead until all the others wait behind it, so
	// they share the next batch however the scheduler runs them.
	gate, gateDone := make(chan struct{}), make(chan error, 1)
	go func() {
		gateDone <- db.groupTx(ctx, func(context.Context, txn) error { <-gate; return nil })
	}()
	waitGroupQueue(t, db, func(g *groupCommit) bool { return g.leading })
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.groupTx(ctx, func(ctx context.Context, tx txn) error {
				for part := range 3 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO gc_probe (k, part) VALUES (?, ?)`, fmt.Sprintf("w%d-%d", i, part), part); err != nil {
						return err
					}
				}
				if i%2 == 1 {
					return errOdd
				}
				return nil
			})
		}()
	}
	waitGroupQueue(t, db, func(g *groupCommit) bool { return len(g.queue) == writers })
	close(gate)
	wg.Wait()
	if err := <-gateDone; err != nil {
		t.Fatalf("gate writer: %v", err)
	}
	for i, err := range errs {
		if want := error(nil); i%2 == 1 {
			want = errOdd
			if !errors.Is(err, want) {
				t.Errorf("writer %d: err %v, want %v", i, err, want)
			}
		} else if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if db.group.largest != writers {
		t.Fatalf("the largest batch held %d writer(s), want all %d: the shared path was not exercised", db.group.largest, writers)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT k FROM gc_probe`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got[k] = true
	}
	for i := range writers {
		for part := range 3 {
			k := fmt.Sprintf("w%d-%d", i, part)
			if got[k] != (i%2 == 0) {
				t.Errorf("row %s stored = %v, want %v", k, got[k], i%2 == 0)
			}
		}
	}
	if len(got) != writers/2*3 {
		t.Errorf("%d rows stored, want %d", len(got), writers/2*3)
	}
}

// A constraint failure inside one writer (a duplicate key) is that writer's
// error alone.
func TestGroupTx_ConstraintErrorStaysWithItsWriter(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE gc_probe (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.groupTx(ctx, func(ctx context.Context, tx txn) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO gc_probe (k) VALUES ('same')`)
				return err
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d writers inserted the same key; want exactly 1 (errors: %v)", ok, errs)
	}
}

// A writer that panics fails alone, and the group keeps working after it.
func TestGroupTx_PanicIsThatWritersError(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	err := db.groupTx(ctx, func(ctx context.Context, tx txn) error { panic("bad launch") })
	if err == nil || !strings.Contains(err.Error(), "bad launch") {
		t.Fatalf("panicking writer: err %v, want the panic as an error", err)
	}
	done := make(chan error, 1)
	go func() { done <- db.groupTx(ctx, func(ctx context.Context, tx txn) error { return nil }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the group is stuck after a panic")
	}
}

// waitGroupQueue waits until the group commit's state satisfies ok.
func waitGroupQueue(t *testing.T, db *DB, ok func(*groupCommit) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		db.group.mu.Lock()
		done := ok(&db.group)
		db.group.mu.Unlock()
		if done {
			return
		}
	}
	t.Fatal("the group commit never reached the awaited state")
}
