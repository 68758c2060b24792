// Package sqlite is the only package of ltibox that speaks SQL. It stores
// registrations, deployments, tool keys, login states, launch sessions, users
// and courses in one SQLite file (modernc.org/sqlite, no cgo).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the ltibox store. Now is the clock every method uses, so tests can move time.
type DB struct {
	db     *sql.DB
	stmts  sync.Map      // query -> *sql.Stmt, see stmt.go
	plat   platformCache // registrations and deployment statuses, see platform_cache.go
	logins *loginBuffer  // login states not yet written, see login_buffer.go
	group  groupCommit   // launches committing together, see group_commit.go
	writer groupWriter   // the connection group batches are written on, see group_writer.go
	ckpt   checkpointer  // background WAL checkpoints, see checkpoint.go
	DSN    string
	Now    func() time.Time

	warm      stmtWarmer // statements being prepared for the cache, see stmt.go
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the SQLite file at path and applies pending migrations.
// WAL lets readers run beside the one writer; busy_timeout makes writers queue instead
// of failing; _txlock=immediate takes the write lock at BEGIN so two writers never
// deadlock upgrading from a read lock.
//
// Memory stays flat as the file grows: no memory map (mapped pages count in
// the process's RSS) and a 2 MB page cache per connection; the kernel's page
// cache holds the rest. No commit checkpoints the WAL on its own
// (wal_autocheckpoint 0): a background checkpointer does (checkpoint.go),
// so a launch never waits for thousands of pages to be copied and synced.
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("open store: a file path is required (an in-memory database does not work with a connection pool)")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(ON)", "synchronous(NORMAL)", "wal_autocheckpoint(0)", "journal_size_limit(67108864)", "mmap_size(0)", "cache_size(-2000)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// The path is escaped: in a file: URI, "#" would end it and "?" start the
	// query, so a data directory such as "/srv/ltibox#2" opened "/srv/ltibox".
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxIdleTime(0)
	db := &DB{db: sqldb, DSN: dsn, Now: time.Now, logins: newLoginBuffer()}
	if err := db.migrate(context.Background()); err != nil {
		sqldb.Close()
		return nil, err
	}
	db.startLoginFlusher()
	db.startCheckpointer()
	return db, nil
}

// Close writes the buffered login states and closes the pool.
// Closing twice is harmless.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		ferr := db.stopLoginFlusher()
		db.stopCheckpointer()
		db.writer.close()
		db.closeStmts()
		db.closeErr = errors.Join(ferr, db.db.Close())
	})
	return db.closeErr
}

func (db *DB) now() time.Time { return db.Now().UTC() }

// tx runs fn in one write transaction: committed when fn returns nil, rolled back otherwise.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks the database answers (used by the health endpoint).
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }
