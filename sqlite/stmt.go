package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmt returns a prepared statement for query, preparing it once per DB.
// modernc's driver otherwise parses every query on every call; on the launch
// path that parsing was a quarter of the tool's CPU. database/sql keeps one
// prepared copy per pooled connection, so this is safe for concurrent use.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// queryRow runs a cached single-row query outside a transaction.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := db.stmt(ctx, query)
	if err != nil {
		// Let the caller see the error through Scan, as with an unprepared query.
		return db.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// txStmt binds a cached statement to tx. On a miss it prepares on tx's own
// connection and fills the cache in the background: preparing through the
// pool would wait for a second connection while tx holds the write lock, and
// the connections it waits for may be writers waiting for that lock.
func (db *DB) txStmt(ctx context.Context, t txn, query string) (*sql.Stmt, error) {
	tx, ok := t.(*sql.Tx)
	if !ok { // the group writer prepares on its own connection
		return t.(*groupWriter).stmt(ctx, query)
	}
	if s, ok := db.stmts.Load(query); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	db.warmStmt(query)
	s, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return s, nil
}

// txQueryRow runs a cached single-row query inside tx.
func (db *DB) txQueryRow(ctx context.Context, tx txn, query string, args ...any) *sql.Row {
	s, err := db.txStmt(ctx, tx, query)
	if err != nil {
		return tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// warmStmt prepares query for the cache in the background; Close waits for
// warm-ups in flight (one must not open a connection during Close).
func (db *DB) warmStmt(query string) {
	db.warm.mu.Lock()
	defer db.warm.mu.Unlock()
	if db.warm.closing {
		return
	}
	db.warm.wg.Add(1)
	go func() {
		defer db.warm.wg.Done()
		_, _ = db.stmt(context.Background(), query) // a failure shows again in tx.PrepareContext
	}()
}

// stmtWarmer tracks background statement preparation.
type stmtWarmer struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// closeStmts waits for warm-ups, then closes every cached statement (on Close).
func (db *DB) closeStmts() {
	db.warm.mu.Lock()
	db.warm.closing = true
	db.warm.mu.Unlock()
	db.warm.wg.Wait()
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
}
