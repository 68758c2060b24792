package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// txn is a write transaction in progress: a *sql.Tx from db.tx, or the
// group writer between its BEGIN and COMMIT. Code that runs in both takes a
// txn and gets statements through db.txStmt.
type txn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// groupWriter is the connection group batches are written on (group_commit.go).
//
// database/sql's Tx starts a goroutine per transaction, and one per query
// inside it, each watching the transaction's context; their wake-ups, not
// the writes, were a sixth of a lone launch's CPU. On a connection of its
// own, with BEGIN IMMEDIATE and COMMIT as plain statements prepared once,
// a launch's writes start no goroutine. Only the group leader uses it, one
// batch at a time; mu also keeps Close from closing it under a batch.
type groupWriter struct {
	mu     sync.Mutex
	conn   *sql.Conn
	stmts  map[string]*sql.Stmt
	closed bool
}

// open returns the writer's connection, taking one from the pool on first
// use or after the last one broke. The caller holds w.mu.
func (w *groupWriter) open(ctx context.Context, db *sql.DB) error {
	if w.closed {
		return errStoreClosed
	}
	if w.conn != nil {
		return nil
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	w.conn, w.stmts = c, map[string]*sql.Stmt{}
	return nil
}

// drop forgets a connection that broke, so the next batch takes a new one.
func (w *groupWriter) drop() {
	for _, s := range w.stmts {
		s.Close()
	}
	if w.conn != nil {
		w.conn.Close()
	}
	w.conn, w.stmts = nil, nil
}

// close ends the writer for good (DB.Close), after any batch in progress.
func (w *groupWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drop()
	w.closed = true
}

// stmt returns query prepared on the writer's connection, preparing it once.
func (w *groupWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	if w.conn == nil { // dropped after it broke; the batch is failing
		return nil, sql.ErrConnDone
	}
	s, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	w.stmts[query] = s
	return s, nil
}

// exec runs a prepared statement on the writer's connection.
func (w *groupWriter) exec(ctx context.Context, query string) error {
	s, err := w.stmt(ctx, query)
	if err == nil {
		_, err = s.ExecContext(ctx)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		w.drop()
	}
	return err
}

// ExecContext and QueryRowContext make the writer a txn. Queries with
// arguments go through db.txStmt, which prepares them once here.
func (w *groupWriter) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return w.conn.ExecContext(ctx, query, args...)
}

func (w *groupWriter) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return w.conn.QueryRowContext(ctx, query, args...)
}

// rollback ends a failed transaction. Its error is not the one to report:
// SQLite may have rolled back already, and the cause is the error at hand.
func (w *groupWriter) rollback(ctx context.Context) {
	if w.conn != nil {
		_ = w.exec(ctx, `ROLLBACK`)
	}
}
