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

// CreateSession stores a verified launch: it upserts the user and the course and
// inserts the session, all in one transaction, and fills in the ids.
func (db *DB) CreateSession(ctx context.Context, tokenHash string, s *model.LaunchSession) error {
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.createSessionTx(ctx, tx, tokenHash, s) })
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// CreateLaunch stores everything a successful launch writes in one transaction:
// the session (with user and course), the resource link and its activity, and
// the launch-log entry. One commit per launch instead of three keeps the tool's
// CPU per launch low (WAL commits cost syscalls), and launches arriving
// together share one commit (group_commit.go). A link's activity is kept
// only if this course may use it (its own or the library); otherwise the link
// is recorded without it and refused reports true.
func (db *DB) CreateLaunch(ctx context.Context, tokenHash string, s *model.LaunchSession, link *model.ResourceLink, attempt *model.LaunchAttempt) (refused bool, err error) {
	var header, claims []byte
	if attempt != nil {
		if header, err = json.Marshal(orEmpty(attempt.Header)); err == nil {
			claims, err = json.Marshal(orEmpty(attempt.Claims))
		}
		if err != nil {
			return false, fmt.Errorf("create launch: %w", err)
		}
	}
	err = db.groupTx(ctx, func(ctx context.Context, tx txn) error {
		refused = false
		if err := db.createSessionTx(ctx, tx, tokenHash, s); err != nil {
			return err
		}
		if link != nil {
			if s.Context != nil {
				link.ContextID = s.Context.ID
			}
			if link.ActivityID != 0 {
				var owner int64
				err := db.txQueryRow(ctx, tx, `SELECT COALESCE(context_id, 0) FROM activities WHERE id = ?`, link.ActivityID).Scan(&owner)
				if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != 0 && owner != link.ContextID) {
					link.ActivityID, refused = 0, true
				} else if err != nil {
					return err
				}
			}
			if err := db.upsertResourceLinkTx(ctx, tx, link); err != nil {
				return fmt.Errorf("record link: %w", err)
			}
		}
		if attempt != nil {
			return db.addLaunchAttemptTx(ctx, tx, attempt, header, claims)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("create launch: %w", err)
	}
	return refused, nil
}

func (db *DB) createSessionTx(ctx context.Context, tx txn, tokenHash string, s *model.LaunchSession) error {
	now := db.now()
	roles, err := json.Marshal(s.Roles)
	if err != nil {
		return err
	}
	claims, err := json.Marshal(s.Claims)
	if err != nil {
		return err
	}
	var userID, contextID sql.NullInt64
	if u := s.User; u != nil {
		u.PlatformID = s.RegistrationID
		if err := db.saveUserTx(ctx, tx, u, now.Unix()); err != nil {
			return fmt.Errorf("upsert user: %w", err)
		}
		userID = sql.NullInt64{Int64: u.ID, Valid: true}
	}
	if c := s.Context; c != nil {
		c.PlatformID = s.RegistrationID
		if err := db.saveContextTx(ctx, tx, s.DeploymentID, c, now.Unix()); err != nil {
			return fmt.Errorf("upsert context: %w", err)
		}
		contextID = sql.NullInt64{Int64: c.ID, Valid: true}
	}
	st, err := db.txStmt(ctx, tx, `INSERT INTO sessions (token_hash, registration_id, deployment_id, user_id, context_id, resource_link_id, link_title, message_type, role, roles, claims, binding, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, tokenHash, s.RegistrationID, s.DeploymentID, userID, contextID, s.ResourceLinkID, s.LinkTitle, s.MessageType, string(s.Role), roles, claims, s.Binding, now.Unix(), s.ExpiresAt.Unix())
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	s.CreatedAt = now.Truncate(time.Second)
	return nil
}

// SessionByTokenHash returns the unexpired session for a token hash; an unknown
// or expired token is EUNAUTHORIZED.
func (db *DB) SessionByTokenHash(ctx context.Context, tokenHash string) (*model.LaunchSession, error) {
	var (
		s                                   model.LaunchSession
		userID, contextID                   sql.NullInt64
		uSub, uName, uGiven, uFamily, uMail sql.NullString
		cCtx, cLabel, cTitle                sql.NullString
		role, roles, claims                 string
		created, expires                    int64
	)
	err := db.queryRow(ctx, `SELECT s.id, s.registration_id, s.deployment_id, s.user_id, s.context_id, s.resource_link_id, s.link_title, s.message_type,
			s.role, s.roles, s.claims, s.binding, s.created_at, s.expires_at,
			u.subject, u.name, u.given_name, u.family_name, u.email, c.context_id, c.label, c.title
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN contexts c ON c.id = s.context_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, db.now().Unix()).
		Scan(&s.ID, &s.RegistrationID, &s.DeploymentID, &userID, &contextID, &s.ResourceLinkID, &s.LinkTitle, &s.MessageType,
			&role, &roles, &claims, &s.Binding, &created, &expires,
			&uSub, &uName, &uGiven, &uFamily, &uMail, &cCtx, &cLabel, &cTitle)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.EUNAUTHORIZED, "Your session has expired or is not valid. Relaunch the activity from your course.")
	} else if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	s.Role = model.Role(role)
	s.CreatedAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	if err := json.Unmarshal([]byte(roles), &s.Roles); err != nil {
		return nil, fmt.Errorf("session roles: %w", err)
	}
	if err := json.Unmarshal([]byte(claims), &s.Claims); err != nil {
		return nil, fmt.Errorf("session claims: %w", err)
	}
	if userID.Valid {
		s.User = &model.User{ID: userID.Int64, PlatformID: s.RegistrationID, Subject: uSub.String, Name: uName.String, GivenName: uGiven.String, FamilyName: uFamily.String, Email: uMail.String}
	}
	if contextID.Valid {
		s.Context = &model.Context{ID: contextID.Int64, PlatformID: s.RegistrationID, ContextID: cCtx.String, Label: cLabel.String, Title: cTitle.String}
	}
	return &s, nil
}

// CountSessions counts stored sessions (tests assert nothing was stored on rejection).
func (db *DB) CountSessions(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n)
	return n, err
}

// SweepSessions deletes sessions that expired before the given time.
func (db *DB) SweepSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	return res.RowsAffected()
}
