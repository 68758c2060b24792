package sqlite

import (
	"context"
	"log/slog"
	"time"
)

const (
	// checkpointEvery is how often the WAL is copied back into the database
	// (often enough that at full load the WAL stays in the tens of MB).
	checkpointEvery = 250 * time.Millisecond
	// walRestartFrames is how long the WAL may grow before the group commit
	// starts it over (4096 frames of 4 KiB: 16 MB; journal_size_limit then
	// trims the file).
	walRestartFrames = 4096
)

// checkpointer runs PASSIVE checkpoints in the background. With SQLite's
// automatic checkpoints, the commit that crossed the threshold copied the
// whole WAL and synced the file before returning, and every launch queued
// behind it waited: the load run's p99 spikes. A passive checkpoint does not
// block writers or readers; it copies what no reader still needs.
//
// Under steady writes a passive checkpoint never quite catches up, and the
// WAL only starts over from its beginning when a writer finds it fully
// copied: it would grow without bound. So when it is long, the next group
// commit leader runs a RESTART checkpoint between two batches (by then the
// passive ones have copied nearly everything, so it is short).
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
// blocking readers or writers, and asks for a restart when the WAL is long.
func (db *DB) Checkpoint(ctx context.Context) error {
	var busy, frames, copied int
	if err := db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return err
	}
	if frames > walRestartFrames {
		db.group.restartWAL.Store(true)
	}
	return nil
}
