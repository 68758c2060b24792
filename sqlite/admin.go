package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// CreateAdmin stores a console administrator with a password hash.
func (db *DB) CreateAdmin(ctx context.Context, username, passwordHash string) (*model.Admin, error) {
	a := &model.Admin{Username: username, CreatedAt: db.now().Truncate(time.Second)}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)`, username, passwordHash, a.CreatedAt.Unix())
		if err != nil {
			return err
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	if isUnique(err) {
		return nil, model.Errorf(model.ECONFLICT, "An administrator named %q already exists.", username)
	} else if err != nil {
		return nil, fmt.Errorf("create admin: %w", err)
	}
	return a, nil
}

// CreateFirstAdmin stores the first administrator, only while there is none
// (first-run setup: two racing setups cannot both win).
func (db *DB) CreateFirstAdmin(ctx context.Context, username, passwordHash string) (*model.Admin, error) {
	a := &model.Admin{Username: username, CreatedAt: db.now().Truncate(time.Second)}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return model.Errorf(model.ECONFLICT, "ltibox is already set up. Sign in instead.")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)`, username, passwordHash, a.CreatedAt.Unix())
		if err != nil {
			return err
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	var me *model.Error
	if errors.As(err, &me) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("create first admin: %w", err)
	}
	return a, nil
}

// CountAdmins counts administrators (zero means first-run setup is open).
func (db *DB) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// AdminPasswordHash returns an administrator and the stored password hash.
func (db *DB) AdminPasswordHash(ctx context.Context, username string) (*model.Admin, string, error) {
	var a model.Admin
	var hash string
	var created int64
	err := db.db.QueryRowContext(ctx, `SELECT id, username, password_hash, created_at FROM admins WHERE username = ?`, username).Scan(&a.ID, &a.Username, &hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", model.Errorf(model.ENOTFOUND, "Administrator not found.")
	} else if err != nil {
		return nil, "", fmt.Errorf("admin: %w", err)
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return &a, hash, nil
}

// SetAdminPassword replaces an administrator's password hash and ends their sessions.
func (db *DB) SetAdminPassword(ctx context.Context, username, passwordHash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE admins SET password_hash = ? WHERE username = ?`, passwordHash, username)
		if err != nil {
			return fmt.Errorf("set admin password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.Errorf(model.ENOTFOUND, "Administrator not found.")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)`, username)
		return err
	})
}

// CreateAdminSession stores a console session by the hash of its cookie value.
func (db *DB) CreateAdminSession(ctx context.Context, tokenHash string, adminID int64, expires time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, tokenHash, adminID, db.now().Unix(), expires.Unix())
		if err != nil {
			return fmt.Errorf("create admin session: %w", err)
		}
		return nil
	})
}

// AdminBySession returns the administrator of a live console session.
func (db *DB) AdminBySession(ctx context.Context, tokenHash string) (*model.Admin, time.Time, error) {
	var a model.Admin
	var created, expires int64
	err := db.db.QueryRowContext(ctx, `SELECT a.id, a.username, a.created_at, s.expires_at FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&a.ID, &a.Username, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, model.Errorf(model.EUNAUTHORIZED, "Sign in to the ltibox console.")
	} else if err != nil {
		return nil, time.Time{}, fmt.Errorf("admin session: %w", err)
	}
	exp := time.Unix(expires, 0).UTC()
	if !db.now().Before(exp) {
		return nil, time.Time{}, model.Errorf(model.EUNAUTHORIZED, "Your console session has expired. Sign in again.")
	}
	a.CreatedAt = time.Unix(created, 0).UTC()
	return &a, exp, nil
}

// DeleteAdminSession ends a console session (sign out).
func (db *DB) DeleteAdminSession(ctx context.Context, tokenHash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM admin_sessions WHERE token_hash = ?`, tokenHash); err != nil {
			return fmt.Errorf("delete admin session: %w", err)
		}
		return nil
	})
}

// SweepAdminSessions deletes console sessions that expired before the given time.
func (db *DB) SweepAdminSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE expires_at < ?`, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("sweep admin sessions: %w", err)
	}
	return res.RowsAffected()
}
