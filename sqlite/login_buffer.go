package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// Login states are written behind. A browser posts its launch well within a
// second of its login, so a state written to SQLite at login and updated at
// launch cost two commits per launch (a third of the tool's CPU per launch).
// Instead a new state waits in memory, is usually consumed there, and reaches
// the login_states table within loginFlushEvery of its use (or after loginHold
// unused), batched with every other state of that moment. The table stays
// the record (and what a restart reads); a crash loses at most the states of
// the last few seconds, whose users relaunch.
const (
	loginFlushEvery = 500 * time.Millisecond
	loginHold       = 3 * time.Second // an unused state stays in memory this long
	loginWriteChunk = 128             // rows per transaction
	loginBufferMax  = 8192            // a full buffer is written at once (bounds memory)
)

// loginBuffer is the memory side: pending states not yet written, and the
// rows a flush is writing. A saved state is in exactly one of pending,
// flushing and the table; every move between them happens under mu.
type loginBuffer struct {
	mu       sync.Mutex
	pending  map[string]*bufferedLogin
	flushing map[string]*bufferedLogin // rows being written; entries are never changed, only removed
	flushed  chan struct{}             // closed each time a chunk commits or fails: waiters look again
	full     chan struct{}             // wakes the flusher early
	stop     chan struct{}
	stopped  chan struct{}
	flushMu  sync.Mutex // one flush at a time
	closed   bool       // after Close's final flush nothing may be added
}

// errStoreClosed is a login saved after Close: it could never be written.
var errStoreClosed = errors.New("the store is closed")

type bufferedLogin struct {
	s          lti.LoginState
	added      time.Time // wall clock, for loginHold (the store's clock may be a test's)
	consumedAt int64     // unix seconds, 0 while unused
}

func newLoginBuffer() *loginBuffer {
	return &loginBuffer{pending: map[string]*bufferedLogin{}, full: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
}

// startLoginFlusher writes used and aged login states every loginFlushEvery,
// and all of them when loginBufferMax wait (a flood of logins that never
// launch must not grow the heap).
func (db *DB) startLoginFlusher() {
	b := db.logins
	go func() {
		defer close(b.stopped)
		t := time.NewTicker(loginFlushEvery)
		defer t.Stop()
		for {
			all := false
			select {
			case <-b.stop:
				return
			case <-t.C:
			case <-b.full:
				all = true
			}
			if err := db.writeLogins(context.Background(), all); err != nil {
				slog.Warn("login states not written yet; retrying", "err", err)
			}
		}
	}()
}

// stopLoginFlusher ends the flusher and writes what is still buffered.
func (db *DB) stopLoginFlusher() error {
	close(db.logins.stop)
	<-db.logins.stopped
	db.logins.mu.Lock()
	db.logins.closed = true
	db.logins.mu.Unlock()
	return db.flushLogins(context.Background())
}

// add keeps a new state in memory until the next flush. Its strings are
// copied: the HTTP server reuses the request buffers they may point into
// (fiber's values are zero-copy) once the login request ends.
func (b *loginBuffer) add(s *lti.LoginState) error {
	c := *s
	for _, f := range []*string{&c.StateHash, &c.Nonce, &c.TargetLinkURI, &c.LoginHint, &c.DeploymentHint, &c.Binding, &c.MessageHint, &c.StorageTarget} {
		*f = strings.Clone(*f)
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return errStoreClosed
	}
	b.pending[c.StateHash] = &bufferedLogin{s: c, added: time.Now()}
	n := len(b.pending)
	b.mu.Unlock()
	if n >= loginBufferMax {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
	return nil
}

// consume spends a buffered state. found is false when the state is not in
// memory (unknown, or already in the table): the caller asks the table, after
// waiting for a flush that is writing it.
func (b *loginBuffer) consume(stateHash string, now time.Time) (s *lti.LoginState, found bool, err error) {
	return b.use(stateHash, now, true)
}

// peek is consume without spending the state.
func (b *loginBuffer) peek(stateHash string, now time.Time) (s *lti.LoginState, found bool, err error) {
	return b.use(stateHash, now, false)
}

func (b *loginBuffer) use(stateHash string, now time.Time, spend bool) (*lti.LoginState, bool, error) {
	b.mu.Lock()
	if bl, ok := b.pending[stateHash]; ok {
		defer b.mu.Unlock()
		switch {
		case bl.consumedAt != 0:
			return nil, true, lti.ErrLoginUsed
		case !now.Before(bl.s.ExpiresAt):
			return nil, true, lti.ErrLoginExpired
		}
		if spend {
			bl.consumedAt = now.Unix()
		}
		out := bl.s
		return &out, true, nil
	}
	var wait chan struct{}
	if _, ok := b.flushing[stateHash]; ok {
		wait = b.flushed
	}
	b.mu.Unlock()
	if wait != nil {
		<-wait // the row is committed (or back in pending) once the flush ends
		return b.use(stateHash, now, spend)
	}
	// Not in memory: new states only ever enter pending, so this one is in
	// the table already, or unknown.
	return nil, false, nil
}

// flushLogins writes every buffered state to login_states: before anything
// reads the table for login states (peek, handoffs, counts) and at Close.
func (db *DB) flushLogins(ctx context.Context) error { return db.writeLogins(ctx, true) }

// writeLogins moves buffered states to login_states: all of them, or (for the
// background flusher) those already consumed and those older than loginHold,
// so a launch that follows its login within loginHold never reads the table.
// The rows go in chunks through groupTx, so launches never wait on SQLite's
// lock (and its busy-wait sleeps) behind a long write; each chunk leaves the
// flushing set as soon as it is committed. Once taken from pending, the rows
// exist nowhere else, so the write cannot be cancelled; if a chunk fails, it
// and the rest go back to the buffer.
func (db *DB) writeLogins(ctx context.Context, all bool) error {
	ctx = context.WithoutCancel(ctx)
	b := db.logins
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	cutoff := time.Now().Add(-loginHold)
	batch := map[string]*bufferedLogin{}
	for k, bl := range b.pending {
		if all || bl.consumedAt != 0 || bl.added.Before(cutoff) {
			batch[k] = bl
			delete(b.pending, k)
		}
	}
	if len(batch) == 0 {
		b.mu.Unlock()
		return nil
	}
	b.flushing, b.flushed = batch, make(chan struct{})
	b.mu.Unlock()

	rows := make([]*bufferedLogin, 0, len(batch))
	for _, bl := range batch {
		rows = append(rows, bl)
	}
	var err error
	for len(rows) > 0 && err == nil {
		chunk := rows[:min(len(rows), loginWriteChunk)]
		err = db.groupTx(ctx, func(ctx context.Context, tx txn) error { return db.insertLoginsTx(ctx, tx, chunk) })
		if err == nil {
			rows = rows[len(chunk):]
		}
		b.mu.Lock()
		if err == nil {
			for _, bl := range chunk {
				delete(b.flushing, bl.s.StateHash)
			}
		} else {
			for _, bl := range rows {
				delete(b.flushing, bl.s.StateHash)
				b.pending[bl.s.StateHash] = bl
			}
		}
		close(b.flushed) // waiters look again: in the table, or back in pending
		b.flushed = make(chan struct{})
		b.mu.Unlock()
	}
	return err
}

// insertLoginsTx writes rows; any error fails the whole chunk (it goes back
// to the buffer). A state whose registration was deleted since its login is
// skipped, not an error. A row already there (a chunk retried after a commit
// that failed late) keeps or gains its consumed mark, never loses it.
func (db *DB) insertLoginsTx(ctx context.Context, tx txn, rows []*bufferedLogin) error {
	st, err := db.txStmt(ctx, tx, `INSERT INTO login_states (state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, message_hint, storage_target, created_at, expires_at, consumed_at)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?3)
		ON CONFLICT (state_hash) DO UPDATE SET consumed_at = COALESCE(login_states.consumed_at, excluded.consumed_at)`)
	if err != nil {
		return err
	}
	for _, bl := range rows {
		s := &bl.s
		consumed := sql.NullInt64{Int64: bl.consumedAt, Valid: bl.consumedAt != 0}
		res, err := st.ExecContext(ctx, s.StateHash, s.Nonce, s.RegistrationID, s.TargetLinkURI, s.LoginHint, s.DeploymentHint, s.Binding,
			s.MessageHint, s.StorageTarget, s.CreatedAt.Unix(), s.ExpiresAt.Unix(), consumed)
		if err != nil {
			return fmt.Errorf("write login state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			slog.Warn("login state dropped: its registration was deleted", "registration_id", s.RegistrationID)
		}
	}
	return nil
}
