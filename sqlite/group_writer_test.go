package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A lone writer that fails leaves nothing behind and no transaction open:
// the next writer on the same connection commits normally.
func TestGroupWriter_FailedLoneWriterRollsBack(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE gw_probe (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	insert := func(k string, fail error) error {
		return db.groupTx(ctx, func(ctx context.Context, tx txn) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gw_probe VALUES (?)`, k); err != nil {
				return err
			}
			return fail
		})
	}
	bad := errors.New("launch refused after writing")
	if err := insert("undone", bad); !errors.Is(err, bad) {
		t.Fatalf("failing writer: err %v, want %v", err, bad)
	}
	if err := insert("kept", nil); err != nil {
		t.Fatalf("next writer: %v", err)
	}
	if err := insert("kept", nil); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate key: err %v, want the constraint error", err)
	}
	var keys []string
	rows, err := db.db.QueryContext(ctx, `SELECT k FROM gw_probe ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	if strings.Join(keys, ",") != "kept" {
		t.Fatalf("rows %v, want only [kept]", keys)
	}
}

// The writer's connection breaking between batches costs no launch: the
// next batch takes another connection before it writes anything.
func TestGroupWriter_BrokenConnectionIsReplaced(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	noop := func(ctx context.Context, tx txn) error { _, err := tx.ExecContext(ctx, `SELECT 1`); return err }
	if err := db.groupTx(ctx, noop); err != nil {
		t.Fatal(err)
	}
	db.writer.mu.Lock()
	broken := db.writer.conn
	broken.Close() // what database/sql reports as sql.ErrConnDone from here on
	db.writer.mu.Unlock()
	if err := db.groupTx(ctx, noop); err != nil {
		t.Fatalf("after the connection broke: %v", err)
	}
	if db.writer.conn == broken {
		t.Fatal("the writer kept its broken connection")
	}
}

// A write after Close fails with an error that says so, not a panic.
func TestGroupWriter_AfterCloseFails(t *testing.T) {
	db := openTemp(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.groupTx(context.Background(), func(ctx context.Context, tx txn) error { return nil })
	if !errors.Is(err, errStoreClosed) {
		t.Fatalf("write after Close: err %v, want %v", err, errStoreClosed)
	}
}

// A transaction left open on the writer's connection (a ROLLBACK that
// failed) must not make every later launch fail to begin.
func TestGroupWriter_LeftOpenTransactionIsEnded(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	noop := func(ctx context.Context, tx txn) error { _, err := tx.ExecContext(ctx, `SELECT 1`); return err }
	if err := db.groupTx(ctx, noop); err != nil {
		t.Fatal(err)
	}
	db.writer.mu.Lock()
	_, err := db.writer.conn.ExecContext(ctx, `BEGIN`)
	db.writer.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.groupTx(ctx, noop); err != nil {
		t.Fatalf("after a transaction was left open: %v", err)
	}
}
