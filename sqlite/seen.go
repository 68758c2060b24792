package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ltibox/ltibox/server/model"
)

// seenRefresh is how old last_seen_at may grow before a launch rewrites an
// otherwise unchanged user or course row. The roster shows a member's last
// launch to the minute ("just now", "5 min ago"), so a minute: a person
// seldom launches twice in one, and a burst of launches still writes once.
const seenRefresh = 60

// saveUserTx records the launching user and sets u.ID. Most launches come
// from someone already known, unchanged: they read the row and write nothing
// (one statement, no page written); a new or changed user is one write.
func (db *DB) saveUserTx(ctx context.Context, tx txn, u *model.User, now int64) error {
	var name, given, family, email string
	var seen int64
	err := db.txQueryRow(ctx, tx, `SELECT id, name, given_name, family_name, email, last_seen_at FROM users WHERE registration_id = ? AND subject = ?`,
		u.PlatformID, u.Subject).Scan(&u.ID, &name, &given, &family, &email, &seen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return db.txQueryRow(ctx, tx, `INSERT INTO users (registration_id, subject, name, given_name, family_name, email, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.PlatformID, u.Subject, u.Name, u.GivenName, u.FamilyName, u.Email, now).Scan(&u.ID)
	case err != nil:
		return err
	case name == u.Name && given == u.GivenName && family == u.FamilyName && email == u.Email && seen > now-seenRefresh:
		return nil
	}
	st, err := db.txStmt(ctx, tx, `UPDATE users SET name = ?, given_name = ?, family_name = ?, email = ?, last_seen_at = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, u.Name, u.GivenName, u.FamilyName, u.Email, now, u.ID)
	return err
}

// saveContextTx records the launch's course and sets c.ID, writing only when
// it is new or changed (see saveUserTx).
func (db *DB) saveContextTx(ctx context.Context, tx txn, deploymentID string, c *model.Context, now int64) error {
	var label, title string
	var seen int64
	err := db.txQueryRow(ctx, tx, `SELECT id, label, title, last_seen_at FROM contexts WHERE registration_id = ? AND deployment_id = ? AND context_id = ?`,
		c.PlatformID, deploymentID, c.ContextID).Scan(&c.ID, &label, &title, &seen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return db.txQueryRow(ctx, tx, `INSERT INTO contexts (registration_id, deployment_id, context_id, label, title, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.PlatformID, deploymentID, c.ContextID, c.Label, c.Title, now).Scan(&c.ID)
	case err != nil:
		return err
	case label == c.Label && title == c.Title && seen > now-seenRefresh:
		return nil
	}
	st, err := db.txStmt(ctx, tx, `UPDATE contexts SET label = ?, title = ?, last_seen_at = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, c.Label, c.Title, now, c.ID)
	return err
}
