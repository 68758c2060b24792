package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// RosterState is what a refresh needs to know about a stored roster.
type RosterState struct {
	ContextID      int64
	SyncedAt       time.Time // last refresh, full or incremental
	FullSyncedAt   time.Time // last full listing
	DifferencesURL string    // the platform's differences link; "" if none offered
}

// RosterState returns the sync state of a context's roster; a roster never
// synced is ENOTFOUND.
func (db *DB) RosterState(ctx context.Context, contextID int64) (*RosterState, error) {
	s := RosterState{ContextID: contextID}
	var synced, full int64
	err := db.db.QueryRowContext(ctx, `SELECT differences_url, synced_at, full_synced_at FROM rosters WHERE context_id = ?`, contextID).
		Scan(&s.DifferencesURL, &synced, &full)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, model.Errorf(model.ENOTFOUND, "The roster of this course has not been loaded from the LMS yet.")
	} else if err != nil {
		return nil, fmt.Errorf("roster state: %w", err)
	}
	s.SyncedAt, s.FullSyncedAt = time.Unix(synced, 0).UTC(), time.Unix(full, 0).UTC()
	return &s, nil
}

// RosterUpdate is one refresh to store.
type RosterUpdate struct {
	Members []lti.Member
	// Full is true for a complete listing: members it does not name have left
	// the course. False for a differences listing: only the named members
	// changed, and those with status Deleted have left.
	Full bool
	// DifferencesURL replaces the stored differences link ("" = none offered).
	DifferencesURL string
}

// StoreRoster applies a refresh to a context's roster in one transaction with
// prepared statements (10,000 members take a fraction of a second). Members
// who left are marked Inactive with left_at, never deleted.
func (db *DB) StoreRoster(ctx context.Context, contextID int64, u RosterUpdate) error {
	now := db.now().Unix()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var gen int64
		err := tx.QueryRowContext(ctx, `INSERT INTO rosters (context_id, differences_url, generation, synced_at, full_synced_at)
			VALUES (?, ?, 1, ?, ?)
			ON CONFLICT (context_id) DO UPDATE SET differences_url = excluded.differences_url,
				generation = generation + 1, synced_at = excluded.synced_at,
				full_synced_at = CASE WHEN ? THEN excluded.full_synced_at ELSE full_synced_at END
			RETURNING generation`, contextID, u.DifferencesURL, now, now, u.Full).Scan(&gen)
		if err != nil {
			return fmt.Errorf("upsert roster: %w", err)
		}
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO roster_members (context_id, subject, name, given_name, family_name, email, roles, status, left_at, generation, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
			ON CONFLICT (context_id, subject) DO UPDATE SET name = excluded.name, given_name = excluded.given_name,
				family_name = excluded.family_name, email = excluded.email, roles = excluded.roles, status = excluded.status,
				left_at = NULL, generation = excluded.generation, updated_at = excluded.updated_at`)
		if err != nil {
			return fmt.Errorf("prepare member upsert: %w", err)
		}
		defer upsert.Close()
		// A Deleted member keeps the names and roles we had: the platform
		// often sends nothing else for someone who left.
		leave, err := tx.PrepareContext(ctx, `UPDATE roster_members SET status = 'Inactive', left_at = COALESCE(left_at, ?), generation = ?, updated_at = ?
			WHERE context_id = ? AND subject = ?`)
		if err != nil {
			return fmt.Errorf("prepare member leave: %w", err)
		}
		defer leave.Close()
		for _, m := range u.Members {
			if m.Status == lti.MemberDeleted {
				if _, err := leave.ExecContext(ctx, now, gen, now, contextID, m.UserID); err != nil {
					return fmt.Errorf("mark member left: %w", err)
				}
				continue
			}
			roles := make([]string, len(m.Roles))
			for i, r := range m.Roles {
				roles[i] = lti.RoleName(r)
			}
			rolesJSON, err := json.Marshal(roles)
			if err != nil {
				return fmt.Errorf("encode roles: %w", err)
			}
			status := model.MemberActive
			if m.Status == lti.MemberInactive {
				status = model.MemberInactive
			}
			if _, err := upsert.ExecContext(ctx, contextID, m.UserID, m.Name, m.GivenName, m.FamilyName, m.Email, string(rolesJSON), status, gen, now); err != nil {
				return fmt.Errorf("upsert member: %w", err)
			}
		}
		if err := db.addRosterLearners(ctx, tx, contextID, u.Members); err != nil {
			return err
		}
		if u.Full {
			if _, err := tx.ExecContext(ctx, `UPDATE roster_members SET status = 'Inactive', left_at = ?, updated_at = ?
				WHERE context_id = ? AND generation <> ? AND left_at IS NULL`, now, now, contextID, gen); err != nil {
				return fmt.Errorf("mark absent members left: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store roster: %w", err)
	}
	return nil
}

// addRosterLearners makes the roster's active learners known to the gradebook
// (context_learners, source nrps), so instructors can grade people who have not
// launched yet. Users who never launched get a row with last_seen_at 0; a later
// launch fills in the rest. Existing rows are left as they are.
func (db *DB) addRosterLearners(ctx context.Context, tx *sql.Tx, contextID int64, members []lti.Member) error {
	var regID int64
	if err := tx.QueryRowContext(ctx, `SELECT registration_id FROM contexts WHERE id = ?`, contextID).Scan(&regID); err != nil {
		return fmt.Errorf("roster learners: %w", err)
	}
	user, err := tx.PrepareContext(ctx, `INSERT INTO users (registration_id, subject, name, given_name, family_name, email, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (registration_id, subject) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("roster learners: %w", err)
	}
	defer user.Close()
	learner, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO context_learners (context_id, user_id, source, first_seen_at, last_seen_at)
		SELECT ?, id, 'nrps', 0, 0 FROM users WHERE registration_id = ? AND subject = ?`)
	if err != nil {
		return fmt.Errorf("roster learners: %w", err)
	}
	defer learner.Close()
	for _, m := range members {
		if m.Status == lti.MemberDeleted || m.Status == lti.MemberInactive || !isLearner(m.Roles) || m.UserID == "" {
			continue
		}
		if _, err := user.ExecContext(ctx, regID, m.UserID, m.Name, m.GivenName, m.FamilyName, m.Email); err != nil {
			return fmt.Errorf("roster learner user: %w", err)
		}
		if _, err := learner.ExecContext(ctx, contextID, regID, m.UserID); err != nil {
			return fmt.Errorf("roster learner: %w", err)
		}
	}
	return nil
}

// isLearner reports whether NRPS roles (full URIs or short names) include Learner.
func isLearner(roles []string) bool {
	for _, r := range roles {
		if n := lti.RoleName(r); n == "Learner" || strings.HasPrefix(n, "Learner#") {
			return true
		}
	}
	return false
}

// RosterMembers returns a context's stored roster, each member joined with
// their last launch (users seen at launch, matched by LTI subject on the same
// platform) and their score summary, ordered by name.
func (db *DB) RosterMembers(ctx context.Context, contextID int64) ([]model.RosterMember, error) {
	scores, err := db.RosterScores(ctx, contextID)
	if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, `SELECT m.subject, m.name, m.given_name, m.family_name, m.email, m.roles, m.status, m.left_at, NULLIF(u.last_seen_at, 0)
		FROM roster_members m
		JOIN contexts c ON c.id = m.context_id
		LEFT JOIN users u ON u.registration_id = c.registration_id AND u.subject = m.subject
		WHERE m.context_id = ?
		ORDER BY lower(CASE WHEN m.name <> '' THEN m.name ELSE m.given_name || ' ' || m.family_name END), m.subject`, contextID)
	if err != nil {
		return nil, fmt.Errorf("roster members: %w", err)
	}
	defer rows.Close()
	out := []model.RosterMember{}
	for rows.Next() {
		var (
			m          model.RosterMember
			roles      string
			left, seen sql.NullInt64
		)
		if err := rows.Scan(&m.Subject, &m.Name, &m.GivenName, &m.FamilyName, &m.Email, &roles, &m.Status, &left, &seen); err != nil {
			return nil, fmt.Errorf("roster members: %w", err)
		}
		if err := json.Unmarshal([]byte(roles), &m.Roles); err != nil {
			return nil, fmt.Errorf("roster member roles: %w", err)
		}
		m.LeftAt, m.LastLaunch = unixPtr(left), unixPtr(seen)
		m.Scores = scores.For(m.Subject)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roster members: %w", err)
	}
	return out, nil
}

// CountRosterMembers counts a context's stored members (tests check nothing
// partial was stored).
func (db *DB) CountRosterMembers(ctx context.Context, contextID int64) (int, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM roster_members WHERE context_id = ?`, contextID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count roster members: %w", err)
	}
	return n, nil
}

// RosterScoreTable is the score summary of every member of a course, by LTI
// subject, over the course's graded activities.
type RosterScoreTable struct {
	Activities int // graded activities placed in the course (resource links)
	BySubject  map[string]model.ScoreSummary
}

// For returns a member's summary; members without scores still report how
// many graded activities the course has.
func (t RosterScoreTable) For(subject string) model.ScoreSummary {
	s := t.BySubject[subject]
	s.Activities = t.Activities
	return s
}

// gradedLinks selects the course's graded activities: its resource links
// whose activity is graded, and links with no activity chosen that the LMS
// grades anyway (a line item, or scores already given), as issue 4 allows.
// Each is one gradebook column.
const gradedLinks = `SELECT rl.id FROM resource_links rl LEFT JOIN activities a ON a.id = rl.activity_id
	WHERE rl.context_id = ? AND (a.graded = 1 OR (a.id IS NULL AND (rl.line_item_url <> ''
		OR EXISTS (SELECT 1 FROM scores s WHERE s.link_id = rl.id))))`

// RosterScores is behind the roster's score column: the course's graded
// activities, and for each member their latest score on each of them
// (stored by the grades feature, issue 4), summed.
func (db *DB) RosterScores(ctx context.Context, contextID int64) (RosterScoreTable, error) {
	t := RosterScoreTable{BySubject: map[string]model.ScoreSummary{}}
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+gradedLinks+`)`, contextID).Scan(&t.Activities); err != nil {
		return t, fmt.Errorf("roster scores: %w", err)
	}
	if t.Activities == 0 {
		return t, nil
	}
	// The latest score per graded link and learner (timestamps are unique per
	// link and learner), summed per learner; a score without scoreGiven (a
	// learner who only opened the activity) does not count.
	rows, err := db.db.QueryContext(ctx, `SELECT u.subject, COUNT(*), SUM(s.score_given), SUM(s.score_maximum)
		FROM (SELECT link_id, user_id, MAX(timestamp_us) AS ts FROM scores
			WHERE link_id IN (`+gradedLinks+`)
			GROUP BY link_id, user_id) latest
		JOIN scores s ON s.link_id = latest.link_id AND s.user_id = latest.user_id AND s.timestamp_us = latest.ts
		JOIN users u ON u.id = s.user_id
		WHERE s.score_given IS NOT NULL
		GROUP BY u.subject`, contextID)
	if err != nil {
		return t, fmt.Errorf("roster scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var subject string
		var sum model.ScoreSummary
		if err := rows.Scan(&subject, &sum.Scored, &sum.Points, &sum.Maximum); err != nil {
			return t, fmt.Errorf("roster scores: %w", err)
		}
		t.BySubject[subject] = sum
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("roster scores: %w", err)
	}
	return t, nil
}
