package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
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
// on its own goroutine, with no savepoints: alone, it costs what db.tx costs.
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
	fn   func(ctx context.Context, tx *sql.Tx) error
	err  error
	wake chan bool // true: lead the next batch; false: done, read err
}

// groupTx runs fn in a write transaction shared with other callers of
// groupTx running at the same time. fn's writes commit or roll back as if
// it ran alone; fn must not commit, roll back, or keep tx, and must use the
// ctx it is given: once fn starts, it cannot be cancelled (SQLite answers an
// interrupted write by rolling back the whole transaction, everyone's rows
// with it). A caller that gave up before its turn fails alone.
func (db *DB) groupTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
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

// runGroup writes a batch in one transaction and sets each job's err.
func (db *DB) runGroup(batch []*groupJob) {
	if len(batch) == 1 {
		j := batch[0]
		j.err = db.tx(j.ctx, func(tx *sql.Tx) error { return j.run(tx) })
		return
	}
	err := db.tx(context.WithoutCancel(batch[0].ctx), func(tx *sql.Tx) error {
		for _, j := range batch {
			if j.err = j.ctx.Err(); j.err != nil {
				continue
			}
			if _, err := tx.Exec(`SAVEPOINT launch`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if j.err = j.run(tx); j.err != nil {
				if _, err := tx.Exec(`ROLLBACK TO launch`); err != nil {
					return fmt.Errorf("roll back one launch: %w", err)
				}
			}
			if _, err := tx.Exec(`RELEASE launch`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		for _, j := range batch {
			if j.err == nil {
				j.err = err
			}
		}
	}
}

// run calls the job's fn with a context that can no longer be cancelled,
// turning a panic into the job's error: a leader that panicked would leave
// its followers waiting and the group led forever.
func (j *groupJob) run(tx *sql.Tx) (err error) {
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
