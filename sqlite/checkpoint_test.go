package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Commits only append to the WAL; the background checkpointer is what moves
// pages into the database file, without anyone asking.
func TestCheckpointer_CopiesTheWALInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ltibox.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Checkpoint(ctx); err != nil { // the migrations, out of the way
		t.Fatal(err)
	}
	before := fileSize(t, path)
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE ckpt_probe (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := db.db.ExecContext(ctx, `INSERT INTO ckpt_probe (v) VALUES (?)`, fmt.Sprintf("%d-%s", i, strings.Repeat("x", 2000))); err != nil {
			t.Fatal(err)
		}
	}
	var auto int
	if err := db.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d, %v; want 0 (commits must not checkpoint)", auto, err)
	}
	deadline := time.Now().Add(10 * checkpointEvery)
	for fileSize(t, path) < before+200*2000/2 { // the rows, give or take page packing
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (%d before the writes) after %s: no background checkpoint", fileSize(t, path), before, 10*checkpointEvery)
		}
		time.Sleep(checkpointEvery / 10)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
