package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// SaveLogin implements lti.LoginStore. The state waits in memory and reaches
// the table with the next batch (login_buffer.go): the launch path is measured.
func (db *DB) SaveLogin(ctx context.Context, s *lti.LoginState) error {
	if err := db.logins.add(s); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	return nil
}

// ConsumeLogin implements lti.LoginStore: marks the state used and returns it,
// exactly once. A state still buffered is spent in memory, under the buffer's
// lock. Otherwise the UPDATE … WHERE consumed_at IS NULL is the atomic step;
// only when it matches nothing does a second read tell unknown, used and
// expired apart.
func (db *DB) ConsumeLogin(ctx context.Context, stateHash string) (*lti.LoginState, error) {
	if s, found, err := db.logins.consume(stateHash, db.now()); found {
		return s, err
	}
	now := db.now().Unix()
	var (
		s                lti.LoginState
		created, expires int64
	)
	st, err := db.stmt(ctx, `UPDATE login_states SET consumed_at = ? WHERE state_hash = ? AND consumed_at IS NULL AND expires_at > ?
		RETURNING state_hash, nonce, registration_id, target_link_uri, login_hint, deployment_hint, binding, message_hint, storage_target, created_at, expires_at`)
	if err != nil {
		return nil, fmt.Errorf("consume login: %w", err)
	}
	err = st.QueryRowContext(ctx, now, stateHash, now).
		Scan(&s.StateHash, &s.Nonce, &s.RegistrationID, &s.TargetLinkURI, &s.LoginHint, &s.DeploymentHint, &s.Binding, &s.MessageHint, &s.StorageTarget, &created, &expires)
	if err == nil {
		s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		return &s, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("consume login: %w", err)
	}
	var consumed sql.NullInt64
	err = db.queryRow(ctx, `SELECT consumed_at, expires_at FROM login_states WHERE state_hash = ?`, stateHash).Scan(&consumed, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, lti.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("consume login: %w", err)
	case consumed.Valid:
		return nil, lti.ErrLoginUsed
	default:
		return nil, lti.ErrLoginExpired
	}
}

// CountLogins counts stored login states, buffered ones included (tests
// assert nothing was stored on rejection).
func (db *DB) CountLogins(ctx context.Context) (int, error) {
	if err := db.flushLogins(ctx); err != nil {
		return 0, err
	}
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
