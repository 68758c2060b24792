package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

const registrationColumns = `id, name, issuer, client_id, auth_url, token_url, token_audience, jwks_url, preset, status, allow_anonymous, created_at`

func scanRegistration(row interface{ Scan(...any) error }) (*lti.Registration, error) {
	var r lti.Registration
	var created int64
	if err := row.Scan(&r.ID, &r.Name, &r.Issuer, &r.ClientID, &r.AuthURL, &r.TokenURL, &r.TokenAudience, &r.JWKSURL, &r.Preset, &r.Status, &r.AllowAnonymous, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = time.Unix(created, 0).UTC()
	return &r, nil
}

// notFound wraps both the lti sentinel (for the protocol code) and a model error (for the API).
func notFound(what string) error {
	return fmt.Errorf("%w: %w", lti.ErrNotFound, model.Errorf(model.ENOTFOUND, "%s not found.", what))
}

// CreateRegistration stores a new registration; (issuer, client_id) must be new.
func (db *DB) CreateRegistration(ctx context.Context, r *lti.Registration) error {
	defer db.plat.reset()
	if r.Status == "" {
		r.Status = lti.StatusActive
	}
	if r.Preset == "" {
		r.Preset = "other"
	}
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO registrations (name, issuer, client_id, auth_url, token_url, token_audience, jwks_url, preset, status, allow_anonymous, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Name, r.Issuer, r.ClientID, r.AuthURL, r.TokenURL, r.TokenAudience, r.JWKSURL, r.Preset, r.Status, r.AllowAnonymous, now.Unix(), now.Unix())
		if err != nil {
			return err
		}
		r.ID, err = res.LastInsertId()
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

// UpdateRegistration replaces the editable fields of a registration.
func (db *DB) UpdateRegistration(ctx context.Context, r *lti.Registration) error {
	defer db.plat.reset()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE registrations SET name = ?, issuer = ?, client_id = ?, auth_url = ?, token_url = ?, token_audience = ?, jwks_url = ?, preset = ?, status = ?, allow_anonymous = ?, updated_at = ? WHERE id = ?`,
			r.Name, r.Issuer, r.ClientID, r.AuthURL, r.TokenURL, r.TokenAudience, r.JWKSURL, r.Preset, r.Status, r.AllowAnonymous, db.now().Unix(), r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Platform")
		}
		return nil
	})
	if isUnique(err) {
		return model.Errorf(model.ECONFLICT, "A platform with issuer %q and client ID %q is already registered.", r.Issuer, r.ClientID)
	} else if err != nil {
		return fmt.Errorf("update registration: %w", err)
	}
	return nil
}

// DeleteRegistration removes a registration with its deployments, users, courses and sessions.
func (db *DB) DeleteRegistration(ctx context.Context, id int64) error {
	defer db.plat.reset()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete registration: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Platform")
		}
		return nil
	})
}

// Registration returns one registration by id (cached, see platform_cache.go).
func (db *DB) Registration(ctx context.Context, id int64) (*lti.Registration, error) {
	var cached *lti.Registration
	gen := db.plat.lookup(db.Now(), func() { cached = db.plat.byID[id] })
	if cached != nil {
		cp := *cached
		return &cp, nil
	}
	r, err := scanRegistration(db.queryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Platform")
	} else if err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	cp := *r
	db.plat.put(db.Now(), gen, func() { db.plat.byID[id] = &cp })
	return r, nil
}

// Registrations lists every registration, oldest first.
func (db *DB) Registrations(ctx context.Context) ([]*lti.Registration, error) {
	return db.queryRegistrations(ctx, `SELECT `+registrationColumns+` FROM registrations ORDER BY id`)
}

// RegistrationsByIssuer implements lti.PlatformStore (cached, see platform_cache.go).
func (db *DB) RegistrationsByIssuer(ctx context.Context, issuer string) ([]*lti.Registration, error) {
	var cached []*lti.Registration
	var ok bool
	gen := db.plat.lookup(db.Now(), func() { cached, ok = db.plat.byIssuer[issuer] })
	if ok {
		return copyRegs(cached), nil
	}
	regs, err := db.queryRegistrations(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE issuer = ? ORDER BY id`, issuer)
	if err != nil {
		return nil, err
	}
	db.plat.put(db.Now(), gen, func() {
		if len(db.plat.byIssuer) < 10_000 { // unknown issuers are cached too, within bounds
			db.plat.byIssuer[issuer] = copyRegs(regs)
		}
	})
	return regs, nil
}

func (db *DB) queryRegistrations(ctx context.Context, query string, args ...any) ([]*lti.Registration, error) {
	st, err := db.stmt(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("registrations: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("registrations: %w", err)
	}
	defer rows.Close()
	var out []*lti.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, fmt.Errorf("registrations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PlatformURLs returns the URLs whose origins may frame ltibox: every active
// registration's issuer and auth URL, and the origins learned from its launches.
func (db *DB) PlatformURLs(ctx context.Context) ([]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT issuer FROM registrations WHERE status != 'disabled'
		UNION SELECT auth_url FROM registrations WHERE status != 'disabled'
		UNION SELECT f.origin FROM frame_origins f JOIN registrations r ON r.id = f.registration_id WHERE r.status != 'disabled'`)
	if err != nil {
		return nil, fmt.Errorf("platform urls: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("platform urls: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddFrameOrigin remembers an origin an LMS served a verified launch from.
func (db *DB) AddFrameOrigin(ctx context.Context, registrationID int64, origin string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO frame_origins (registration_id, origin, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			registrationID, origin, db.now().Unix())
		if err != nil {
			return fmt.Errorf("add frame origin: %w", err)
		}
		return nil
	})
}

// AddDeployment records a deployment of a registration with the given status.
func (db *DB) AddDeployment(ctx context.Context, registrationID int64, deploymentID, status string) (*lti.Deployment, error) {
	defer db.plat.reset()
	if status == "" {
		status = lti.StatusActive
	}
	d := &lti.Deployment{RegistrationID: registrationID, DeploymentID: deploymentID, Status: status, CreatedAt: db.now().Truncate(time.Second)}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO deployments (registration_id, deployment_id, status, created_at) VALUES (?, ?, ?, ?)`,
			registrationID, deploymentID, status, d.CreatedAt.Unix())
		if err != nil {
			return err
		}
		d.ID, err = res.LastInsertId()
		return err
	})
	switch {
	case isUnique(err):
		return nil, model.Errorf(model.ECONFLICT, "Deployment %q is already registered for this platform.", deploymentID)
	case isForeignKey(err):
		return nil, notFound("Platform")
	case err != nil:
		return nil, fmt.Errorf("add deployment: %w", err)
	}
	return d, nil
}

// SetDeploymentStatus approves or rejects a deployment.
func (db *DB) SetDeploymentStatus(ctx context.Context, registrationID int64, deploymentID, status string) error {
	defer db.plat.reset()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deployments SET status = ? WHERE registration_id = ? AND deployment_id = ?`, status, registrationID, deploymentID)
		if err != nil {
			return fmt.Errorf("set deployment status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Deployment")
		}
		return nil
	})
}

// RemoveDeployment deletes a deployment.
func (db *DB) RemoveDeployment(ctx context.Context, registrationID int64, deploymentID string) error {
	defer db.plat.reset()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE registration_id = ? AND deployment_id = ?`, registrationID, deploymentID)
		if err != nil {
			return fmt.Errorf("remove deployment: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Deployment")
		}
		return nil
	})
}

// Deployments lists the deployments of a registration.
func (db *DB) Deployments(ctx context.Context, registrationID int64) ([]*lti.Deployment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, registration_id, deployment_id, status, created_at FROM deployments WHERE registration_id = ? ORDER BY id`, registrationID)
	if err != nil {
		return nil, fmt.Errorf("deployments: %w", err)
	}
	defer rows.Close()
	var out []*lti.Deployment
	for rows.Next() {
		var d lti.Deployment
		var created int64
		if err := rows.Scan(&d.ID, &d.RegistrationID, &d.DeploymentID, &d.Status, &created); err != nil {
			return nil, fmt.Errorf("deployments: %w", err)
		}
		d.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &d)
	}
	return out, rows.Err()
}

// DeploymentStatus implements lti.PlatformStore (cached, see platform_cache.go).
func (db *DB) DeploymentStatus(ctx context.Context, registrationID int64, deploymentID string) (string, error) {
	key := deploymentKey{registrationID, deploymentID}
	var status string
	var ok bool
	gen := db.plat.lookup(db.Now(), func() { status, ok = db.plat.deployments[key] })
	if ok {
		if status == "" {
			return "", notFound("Deployment")
		}
		return status, nil
	}
	status, err := db.deploymentStatus(ctx, registrationID, deploymentID)
	if err == nil || errors.Is(err, lti.ErrNotFound) {
		db.plat.put(db.Now(), gen, func() {
			if len(db.plat.deployments) < 10_000 {
				db.plat.deployments[key] = status
			}
		})
	}
	return status, err
}

func (db *DB) deploymentStatus(ctx context.Context, registrationID int64, deploymentID string) (string, error) {
	var status string
	err := db.queryRow(ctx, `SELECT status FROM deployments WHERE registration_id = ? AND deployment_id = ?`, registrationID, deploymentID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("Deployment")
	} else if err != nil {
		return "", fmt.Errorf("deployment status: %w", err)
	}
	return status, nil
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isForeignKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
