package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
)

// Launches commit together. SQLite runs one writer at a time, and on the
// launch path the fixed cost of a transaction (BEGIN's locks, COMMIT's WAL
// header and locks) is about half of what the launch writes cost. When
// launches arrive together, the first becomes the leader and writes every
// launch waiting at that moment in one transaction, each inside its own
// savepoint so one failure undoes only its own rows; then it hands the
// lead to the next waiter. A launch that finds no one writing runs at once,
// on its own goroutine, with no savepoints: alone, it costs one BEGIN and
// one COMMIT on the group writer (group_writer.go).
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupJob
	leading bool
	largest int // the largest batch so far (tests check that sharing happens)

	// restartWAL asks the next leader to reset the WAL (checkpoint.go):
	// while group writes are paused, a RESTART checkpoint has nothing to
	// race with.
	restartWAL atomic.Bool
}

// groupBatchMax bounds one transaction, so no launch waits behind a huge batch.
const groupBatchMax = 64

type groupJob struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx txn) error
	err  error
	wake chan bool // true: lead the next batch; false: done, read err
}

// groupTx runs fn in a write transaction shared with other callers of
// groupTx running at the same time. fn's writes commit or roll back as if
// it ran alone; fn must not commit, roll back, or keep tx, and must use the
// ctx it is given: once fn starts, it cannot be cancelled (SQLite answers an
// interrupted write by rolling back the whole transaction, everyone's rows
// with it). A caller that gave up before its turn fails alone.
func (db *DB) groupTx(ctx context.Context, fn func(ctx context.Context, tx txn) error) error {
	g := &db.group
	j := &groupJob{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if g.leading {
		g.mu.Unlock()
		if lead := <-j.wake; !lead {
			return j.err
		}
		g.mu.Lock()
	}
	// The leader's job is first in the queue (a leader is only made when the
	// queue was empty, or woken as queue[0]), so its first batch holds it.
	g.leading = true
	n := min(len(g.queue), groupBatchMax)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.largest = max(g.largest, n)
	g.mu.Unlock()
	db.runGroup(batch)
	for _, b := range batch[1:] {
		b.wake <- false
	}
	if g.restartWAL.Swap(false) {
		db.restartWAL()
	}
	g.mu.Lock()
	if len(g.queue) > 0 { // hand the lead to the next waiter
		g.queue[0].wake <- true
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return j.err
}

// runGroup writes a batch in one transaction on the group writer and sets
// each job's err. A job whose caller gave up before the batch began fails
// alone; a lone job needs no savepoint.
func (db *DB) runGroup(batch []*groupJob) {
	live := batch[:0:0]
	for _, j := range batch {
		if j.err = j.ctx.Err(); j.err == nil {
			live = append(live, j)
		}
	}
	if len(live) == 0 {
		return
	}
	w := &db.writer
	w.mu.Lock()
	defer w.mu.Unlock()
	ctx := context.Background()
	if err := db.writeGroup(ctx, w, live); err != nil {
		w.rollback(ctx)
		for _, j := range live {
			if j.err == nil {
				j.err = err
			}
		}
	}
}

// writeGroup runs the jobs between BEGIN and COMMIT; an error it returns
// undoes the whole batch (the caller rolls back).
func (db *DB) writeGroup(ctx context.Context, w *groupWriter, jobs []*groupJob) error {
	if err := w.open(ctx, db.db); err != nil {
		return err
	}
	err := w.exec(ctx, `BEGIN IMMEDIATE`)
	switch {
	case err == nil:
	case w.conn == nil: // it broke before anything was written: take another
		if err = w.open(ctx, db.db); err == nil {
			err = w.exec(ctx, `BEGIN IMMEDIATE`)
		}
	case strings.Contains(err.Error(), "within a transaction"):
		// A transaction left open by a ROLLBACK that failed: its batch was
		// already reported failed, so end it and begin again. (SQLite gives
		// this case no code of its own, only the message.)
		w.rollback(ctx)
		err = w.exec(ctx, `BEGIN IMMEDIATE`)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if len(jobs) == 1 {
		if jobs[0].err = jobs[0].run(w); jobs[0].err != nil {
			w.rollback(ctx)
			return nil
		}
	} else {
		for _, j := range jobs {
			if err := w.exec(ctx, `SAVEPOINT launch`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if j.err = j.run(w); j.err != nil {
				if err := w.exec(ctx, `ROLLBACK TO launch`); err != nil {
					return fmt.Errorf("roll back one launch: %w", err)
				}
			}
			if err := w.exec(ctx, `RELEASE launch`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
	}
	if err := w.exec(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// run calls the job's fn with a context that can no longer be cancelled,
// turning a panic into the job's error: a leader that panicked would leave
// its followers waiting and the group led forever.
func (j *groupJob) run(tx txn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("launch write panicked: %v", r)
		}
	}()
	return j.fn(context.WithoutCancel(j.ctx), tx)
}

// restartWAL copies what is left of the WAL and starts it over, between two
// group batches.
func (db *DB) restartWAL() {
	if _, err := db.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(RESTART)`); err != nil {
		slog.Warn("WAL restart", "err", err)
	}
}
