package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// ErrHandoffKey is a handoff presented without the key its window was given.
var ErrHandoffKey = errors.New("handoff key does not match")

// loginTx reads an unconsumed, unexpired login state inside tx.
func loginTx(ctx context.Context, tx *sql.Tx, stateHash string, now time.Time, s *lti.LoginState) error {
	var created, expires int64
	var consumed sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, message_hint, storage_target, created_at, expires_at, consumed_at
		FROM login_states WHERE state_hash = ?`, stateHash).
		Scan(&s.StateHash, &s.Nonce, &s.RegistrationID, &s.TargetLinkURI, &s.LoginHint, &s.DeploymentHint, &s.Binding, &s.MessageHint, &s.StorageTarget, &created, &expires, &consumed)
	if errors.Is(err, sql.ErrNoRows) {
		return lti.ErrNotFound
	} else if err != nil {
		return fmt.Errorf("login state: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	switch {
	case consumed.Valid:
		return lti.ErrLoginUsed
	case !now.Before(s.ExpiresAt):
		return lti.ErrLoginExpired
	}
	return nil
}

// PeekLogin returns a login state that is still waiting for its launch,
// without consuming it: the launch uses it to choose how the browser proves
// the binding (the state itself is consumed only by VerifyLaunch).
// Unknown, used and expired states are lti.ErrNotFound, ErrLoginUsed, ErrLoginExpired.
func (db *DB) PeekLogin(ctx context.Context, stateHash string) (*lti.LoginState, error) {
	if s, found, err := db.logins.peek(stateHash, db.now()); found {
		if err != nil {
			return nil, fmt.Errorf("peek login: %w", err)
		}
		return s, nil
	}
	var s lti.LoginState
	err := db.tx(ctx, func(tx *sql.Tx) error { return loginTx(ctx, tx, stateHash, db.now(), &s) })
	if err != nil {
		return nil, fmt.Errorf("peek login: %w", err)
	}
	return &s, nil
}

// CreateHandoff stores a new-window handoff for a login that is still waiting.
func (db *DB) CreateHandoff(ctx context.Context, handoffHash, keyHash, stateHash string, ttl time.Duration) error {
	now := db.now()
	if err := db.flushLogins(ctx); err != nil {
		return fmt.Errorf("create handoff: %w", err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var s lti.LoginState
		if err := loginTx(ctx, tx, stateHash, now, &s); err != nil {
			return fmt.Errorf("create handoff: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO handoffs (handoff_hash, key_hash, state_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			handoffHash, keyHash, stateHash, now.Unix(), now.Add(ttl).Unix()); err != nil {
			return fmt.Errorf("create handoff: %w", err)
		}
		return nil
	})
}

// UseHandoff spends a handoff, exactly once: it checks the key, marks the
// handoff used and consumes the login it came from (so neither can be used
// again), and returns that login's parameters for a fresh login.
// Errors: lti.ErrNotFound, lti.ErrLoginUsed, lti.ErrLoginExpired, ErrHandoffKey.
func (db *DB) UseHandoff(ctx context.Context, handoffHash, keyHash string) (*lti.LoginState, error) {
	now := db.now()
	var s lti.LoginState
	if err := db.flushLogins(ctx); err != nil {
		return nil, fmt.Errorf("use handoff: %w", err)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var stateHash, storedKey string
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT state_hash, key_hash, expires_at, used_at FROM handoffs WHERE handoff_hash = ?`, handoffHash).
			Scan(&stateHash, &storedKey, &expires, &used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return lti.ErrNotFound
		case err != nil:
			return err
		case used.Valid:
			return lti.ErrLoginUsed
		case !now.Before(time.Unix(expires, 0)):
			return lti.ErrLoginExpired
		case storedKey != keyHash:
			return ErrHandoffKey
		}
		if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET used_at = ? WHERE handoff_hash = ?`, now.Unix(), handoffHash); err != nil {
			return err
		}
		if err := loginTx(ctx, tx, stateHash, now, &s); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE login_states SET consumed_at = ? WHERE state_hash = ?`, now.Unix(), stateHash)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("use handoff: %w", err)
	}
	return &s, nil
}

// CountHandoffs counts stored handoffs (tests assert what was stored).
func (db *DB) CountHandoffs(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM handoffs`).Scan(&n)
	return n, err
}

// LaunchBindingCounts returns, for one registration, how many launches used
// each browser binding (cookie, platform storage, new window), most used
// first, as the console shows them.
func (db *DB) LaunchBindingCounts(ctx context.Context, registrationID int64) ([]model.LaunchBinding, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT binding, launches, last_at FROM launch_bindings WHERE registration_id = ? ORDER BY launches DESC, binding`, registrationID)
	if err != nil {
		return nil, fmt.Errorf("launch binding counts: %w", err)
	}
	defer rows.Close()
	out := []model.LaunchBinding{}
	for rows.Next() {
		var c model.LaunchBinding
		var last int64
		if err := rows.Scan(&c.Binding, &c.Launches, &last); err != nil {
			return nil, fmt.Errorf("launch binding counts: %w", err)
		}
		c.LastAt = time.Unix(last, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("launch binding counts: %w", err)
	}
	return out, nil
}
