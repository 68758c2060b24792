package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// SaveLogin implements lti.LoginStore.
func (db *DB) SaveLogin(ctx context.Context, s *lti.LoginState) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_states (state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.StateHash, s.Nonce, s.RegistrationID, s.TargetLinkURI, s.LoginHint, s.DeploymentHint, s.Binding, s.CreatedAt.Unix(), s.ExpiresAt.Unix()); err != nil {
			return fmt.Errorf("save login: %w", err)
		}
		return nil
	})
}

// ConsumeLogin implements lti.LoginStore: marks the state used and returns it,
// exactly once.
func (db *DB) ConsumeLogin(ctx context.Context, stateHash string) (*lti.LoginState, error) {
	now := db.now()
	var s lti.LoginState
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var created, expires int64
		var consumed sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, created_at, expires_at, consumed_at
			FROM login_states WHERE state_hash = ?`, stateHash).
			Scan(&s.StateHash, &s.Nonce, &s.RegistrationID, &s.TargetLinkURI, &s.LoginHint, &s.DeploymentHint, &s.Binding, &created, &expires, &consumed)
		if errors.Is(err, sql.ErrNoRows) {
			return lti.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("consume login: %w", err)
		}
		s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		switch {
		case consumed.Valid:
			return lti.ErrLoginUsed
		case !now.Before(s.ExpiresAt):
			return lti.ErrLoginExpired
		}
		_, err = tx.ExecContext(ctx, `UPDATE login_states SET consumed_at = ? WHERE state_hash = ?`, now.Unix(), stateHash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// CountLogins counts stored login states (tests assert nothing was stored on rejection).
func (db *DB) CountLogins(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_states`).Scan(&n)
	return n, err
}

// SweepLogins deletes login states that expired before the given time.
func (db *DB) SweepLogins(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM login_states WHERE expires_at < ?`, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("sweep logins: %w", err)
	}
	return res.RowsAffected()
}
