package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
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
}

// groupBatchMax bounds one transaction, so no launch waits behind a huge batch.
const groupBatchMax = 64

type groupJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	err  error
	wake chan bool // true: lead the next batch; false: done, read err
}

// groupTx runs fn in a write transaction shared with other callers of
// groupTx running at the same time. fn's writes commit or roll back as if
// it ran alone; fn must not commit, roll back, or keep tx.
func (db *DB) groupTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
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
	g.leading = true
	for {
		n := min(len(g.queue), groupBatchMax)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.largest = max(g.largest, n)
		g.mu.Unlock()
		db.runGroup(batch)
		mine := false
		for _, b := range batch {
			if b == j {
				mine = true
			} else {
				b.wake <- false
			}
		}
		g.mu.Lock()
		if mine { // hand the lead to the next waiter, if any
			if len(g.queue) > 0 {
				g.queue[0].wake <- true
			} else {
				g.leading = false
			}
			g.mu.Unlock()
			return j.err
		}
	}
}

// runGroup writes a batch in one transaction and sets each job's err.
func (db *DB) runGroup(batch []*groupJob) {
	if len(batch) == 1 {
		batch[0].err = db.tx(batch[0].ctx, batch[0].safeFn)
		return
	}
	// The transaction outlives any one request: a caller that gives up
	// fails its own statements, not the batch.
	err := db.tx(context.WithoutCancel(batch[0].ctx), func(tx *sql.Tx) error {
		for _, j := range batch {
			if _, err := tx.ExecContext(j.ctx, `SAVEPOINT launch`); err != nil {
				j.err = err
				continue
			}
			if j.err = j.safeFn(tx); j.err != nil {
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

// safeFn runs the job's fn, turning a panic into the job's error: a leader
// that panicked would leave its followers waiting and the group led forever.
func (j *groupJob) safeFn(tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("launch write panicked: %v", r)
		}
	}()
	return j.fn(tx)
}
