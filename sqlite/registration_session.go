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

// CreateRegistrationSession stores a dynamic registration between its two steps.
func (db *DB) CreateRegistrationSession(ctx context.Context, s *model.RegistrationSession) error {
	s.CreatedAt = db.now().Truncate(time.Second)
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO registration_sessions (id_hash, config_url, config_json, token, preset, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.IDHash, s.ConfigURL, s.Config, s.Token, s.Preset, s.CreatedAt.Unix(), s.ExpiresAt.Unix())
		if err != nil {
			return fmt.Errorf("create registration session: %w", err)
		}
		return nil
	})
}

// TakeRegistrationSession returns and deletes a registration session: each is
// used once. An expired session is deleted and reported as not found.
func (db *DB) TakeRegistrationSession(ctx context.Context, idHash string) (*model.RegistrationSession, error) {
	var s model.RegistrationSession
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var created, expires int64
		err := tx.QueryRowContext(ctx, `SELECT id_hash, config_url, config_json, token, preset, created_at, expires_at FROM registration_sessions WHERE id_hash = ?`, idHash).
			Scan(&s.IDHash, &s.ConfigURL, &s.Config, &s.Token, &s.Preset, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return model.Errorf(model.ENOTFOUND, "Registration session not found.")
		} else if err != nil {
			return fmt.Errorf("take registration session: %w", err)
		}
		s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		if _, err := tx.ExecContext(ctx, `DELETE FROM registration_sessions WHERE id_hash = ?`, idHash); err != nil {
			return fmt.Errorf("take registration session: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !db.now().Before(s.ExpiresAt) {
		return nil, model.Errorf(model.ENOTFOUND, "Registration session expired.")
	}
	return &s, nil
}

// SweepRegistrationSessions deletes sessions that expired before the given time.
func (db *DB) SweepRegistrationSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM registration_sessions WHERE expires_at < ?`, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("sweep registration sessions: %w", err)
	}
	return res.RowsAffected()
}

// CountRegistrationSessions counts stored registration sessions (tests).
func (db *DB) CountRegistrationSessions(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM registration_sessions`).Scan(&n)
	return n, err
}

// CountRegistrations counts registrations and deployments (tests assert nothing was stored).
func (db *DB) CountRegistrations(ctx context.Context) (registrations, deployments int, err error) {
	err = db.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM registrations), (SELECT COUNT(*) FROM deployments)`).Scan(&registrations, &deployments)
	return
}

// CreateRegistrationWithDeployment stores a registration and its first
// deployment in one transaction (dynamic registration).
func (db *DB) CreateRegistrationWithDeployment(ctx context.Context, r *lti.Registration, deploymentID string) error {
	defer db.plat.reset()
	if r.Status == "" {
		r.Status = lti.StatusActive
	}
	if r.Preset == "" {
		r.Preset = lti.PresetOther
	}
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO registrations (name, issuer, client_id, auth_url, token_url, token_audience, jwks_url, preset, status, allow_anonymous, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Name, r.Issuer, r.ClientID, r.AuthURL, r.TokenURL, r.TokenAudience, r.JWKSURL, r.Preset, r.Status, r.AllowAnonymous, now.Unix(), now.Unix())
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if deploymentID == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO deployments (registration_id, deployment_id, status, created_at) VALUES (?, ?, ?, ?)`,
			r.ID, deploymentID, lti.StatusActive, now.Unix())
		return err
	})
	if isUnique(err) {
		return model.Errorf(model.ECONFLICT, "A platform with issuer %q and client ID %q is already registered.", r.Issuer, r.ClientID)
	} else if err != nil {
		return fmt.Errorf("create registration: %w", err)
	}
	r.CreatedAt = now.Truncate(time.Second)
	return nil
}
