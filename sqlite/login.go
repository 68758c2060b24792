package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// SaveLogin implements lti.LoginStore.
func (db *DB) SaveLogin(ctx context.Context, s *lti.LoginState) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_states (state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, message_hint, storage_target, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.StateHash, s.Nonce, s.RegistrationID, s.TargetLinkURI, s.LoginHint, s.DeploymentHint, s.Binding, s.MessageHint, s.StorageTarget, s.CreatedAt.Unix(), s.ExpiresAt.Unix()); err != nil {
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
		if err := loginTx(ctx, tx, stateHash, now, &s); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE login_states SET consumed_at = ? WHERE state_hash = ?`, now.Unix(), stateHash)
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
