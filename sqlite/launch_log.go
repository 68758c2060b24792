package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// launchLogKeep is how many launch attempts the log keeps.
const launchLogKeep = 1000

// AddLaunchAttempt records one launch (kept: the newest launchLogKeep).
func (db *DB) AddLaunchAttempt(ctx context.Context, a *model.LaunchAttempt) error {
	header, err := json.Marshal(orEmpty(a.Header))
	if err != nil {
		return fmt.Errorf("add launch attempt: %w", err)
	}
	claims, err := json.Marshal(orEmpty(a.Claims))
	if err != nil {
		return fmt.Errorf("add launch attempt: %w", err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return db.addLaunchAttemptTx(ctx, tx, a, header, claims) })
}

// addLaunchAttemptTx inserts one entry and, every 64 entries, drops those
// beyond the newest launchLogKeep (pruning on every launch costs a statement).
func (db *DB) addLaunchAttemptTx(ctx context.Context, tx txn, a *model.LaunchAttempt, header, claims []byte) error {
	a.CreatedAt = db.now()
	st, err := db.txStmt(ctx, tx, `INSERT INTO launch_log (created_at, registration_id, issuer, client_id, deployment_id, message_type, ok, check_name, title, message, header_json, claims_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("add launch attempt: %w", err)
	}
	res, err := st.ExecContext(ctx, a.CreatedAt.UnixMilli(), nullID(a.RegistrationID), a.Issuer, a.ClientID, a.DeploymentID, a.MessageType, a.OK, a.Check, a.Title, a.Message, string(header), string(claims))
	if err != nil {
		return fmt.Errorf("add launch attempt: %w", err)
	}
	a.ID, _ = res.LastInsertId()
	if a.ID%64 == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM launch_log WHERE id <= ?`, a.ID-launchLogKeep); err != nil {
			return fmt.Errorf("prune launch log: %w", err)
		}
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

const launchColumns = `l.id, l.created_at, COALESCE(l.registration_id, 0), COALESCE(r.name, ''), COALESCE(r.preset, ''), l.issuer, l.client_id, l.deployment_id, l.message_type, l.ok, l.check_name, l.title, l.message`

func scanLaunch(row interface{ Scan(...any) error }, extra ...any) (*model.LaunchAttempt, error) {
	var a model.LaunchAttempt
	var created int64
	dest := append([]any{&a.ID, &created, &a.RegistrationID, &a.Platform, &a.Preset, &a.Issuer, &a.ClientID, &a.DeploymentID, &a.MessageType, &a.OK, &a.Check, &a.Title, &a.Message}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	return &a, nil
}

// LaunchAttempts lists the newest launch attempts first, without the decoded token.
func (db *DB) LaunchAttempts(ctx context.Context, limit int) ([]*model.LaunchAttempt, error) {
	if limit <= 0 || limit > launchLogKeep {
		limit = 200
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+launchColumns+` FROM launch_log l LEFT JOIN registrations r ON r.id = l.registration_id ORDER BY l.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("launch attempts: %w", err)
	}
	defer rows.Close()
	out := []*model.LaunchAttempt{}
	for rows.Next() {
		a, err := scanLaunch(rows)
		if err != nil {
			return nil, fmt.Errorf("launch attempts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LaunchAttempt returns one launch attempt with its decoded header and claims.
func (db *DB) LaunchAttempt(ctx context.Context, id int64) (*model.LaunchAttempt, error) {
	var header, claims string
	a, err := scanLaunch(db.db.QueryRowContext(ctx, `SELECT `+launchColumns+`, l.header_json, l.claims_json FROM launch_log l LEFT JOIN registrations r ON r.id = l.registration_id WHERE l.id = ?`, id), &header, &claims)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.ENOTFOUND, "Launch not found.")
	} else if err != nil {
		return nil, fmt.Errorf("launch attempt: %w", err)
	}
	if err := json.Unmarshal([]byte(header), &a.Header); err != nil {
		return nil, fmt.Errorf("launch attempt: %w", err)
	}
	if err := json.Unmarshal([]byte(claims), &a.Claims); err != nil {
		return nil, fmt.Errorf("launch attempt: %w", err)
	}
	return a, nil
}

// PendingDeployments lists deployments waiting for approval, oldest first.
func (db *DB) PendingDeployments(ctx context.Context) ([]*model.PendingDeployment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT d.registration_id, r.name, r.issuer, r.client_id, d.deployment_id, d.created_at
		FROM deployments d JOIN registrations r ON r.id = d.registration_id WHERE d.status = 'pending' ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("pending deployments: %w", err)
	}
	defer rows.Close()
	out := []*model.PendingDeployment{}
	for rows.Next() {
		var p model.PendingDeployment
		var created int64
		if err := rows.Scan(&p.RegistrationID, &p.Platform, &p.Issuer, &p.ClientID, &p.DeploymentID, &created); err != nil {
			return nil, fmt.Errorf("pending deployments: %w", err)
		}
		p.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &p)
	}
	return out, rows.Err()
}
