package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// checkpointEvery is how often the WAL is copied back into the database.
// Between checkpoints the WAL holds what was written since the last one (at a
// busy school's peak, a few MB); journal_size_limit trims the file after.
const checkpointEvery = time.Second

// checkpointer runs PASSIVE checkpoints in the background. With SQLite's
// automatic checkpoints, the commit that crossed the threshold copied the
// whole WAL and synced the file before returning, and every launch queued
// behind it waited: the load run's p99 spikes. A passive checkpoint does not
// block writers or readers; it copies what no reader still needs.
type checkpointer struct {
	stop    chan struct{}
	stopped chan struct{}
}

func (db *DB) startCheckpointer() {
	db.ckpt = checkpointer{stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(db.ckpt.stopped)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-db.ckpt.stop:
				return
			case <-t.C:
				if err := db.Checkpoint(context.Background()); err != nil {
					slog.Warn("WAL checkpoint", "err", err)
				}
			}
		}
	}()
}

// stopCheckpointer ends the background checkpoints (Close; closing the last
// connection checkpoints and removes the WAL).
func (db *DB) stopCheckpointer() {
	close(db.ckpt.stop)
	<-db.ckpt.stopped
}

// Checkpoint copies committed WAL pages into the database file without
// blocking readers or writers.
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	return err
}
