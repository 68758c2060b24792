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

// scoreColumns reads a score with its outbox row (s = scores, o = outbox, b =
// set_by user). A score kept in ltibox only has no outbox row: its state
// reads 'local'.
const scoreColumns = `s.id, s.link_id, s.user_id, COALESCE(s.activity_id, 0), s.score_given, s.score_maximum, s.activity_progress,
	s.grading_progress, s.comment, s.timestamp_us, COALESCE(s.set_by, 0), COALESCE(b.name, ''), s.created_at,
	COALESCE(o.state, '` + model.DeliveryLocal + `'), COALESCE(o.attempts, 0), COALESCE(o.next_attempt_ms, 0), COALESCE(o.last_status, 0),
	COALESCE(o.last_error, ''), o.delivered_at, o.last_attempt_at`

const scoreJoins = `FROM scores s LEFT JOIN outbox o ON o.score_id = s.id LEFT JOIN users b ON b.id = s.set_by`

func scanScore(row interface{ Scan(...any) error }) (*model.Score, error) {
	return scanScoreAfter(row)
}

// scanScoreAfter scans leading columns into before, then scoreColumns.
func scanScoreAfter(row interface{ Scan(...any) error }, before ...any) (*model.Score, error) {
	var (
		sc                 model.Score
		given              sql.NullFloat64
		tsUS, created, due int64
		delivered, tried   sql.NullInt64
	)
	dest := append(before, &sc.ID, &sc.LinkID, &sc.UserID, &sc.ActivityID, &given, &sc.ScoreMaximum, &sc.ActivityProgress,
		&sc.GradingProgress, &sc.Comment, &tsUS, &sc.SetBy, &sc.SetByName, &created,
		&sc.Delivery.State, &sc.Delivery.Attempts, &due, &sc.Delivery.LastStatus, &sc.Delivery.Error, &delivered, &tried)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if given.Valid {
		v := given.Float64
		sc.ScoreGiven = &v
	}
	sc.Timestamp = time.UnixMicro(tsUS).UTC()
	sc.CreatedAt = time.Unix(created, 0).UTC()
	if sc.Delivery.State == model.DeliveryRetrying {
		t := time.UnixMilli(due).UTC()
		sc.Delivery.NextAttemptAt = &t
	}
	sc.Delivery.DeliveredAt = unixPtr(delivered)
	sc.Delivery.LastAttemptAt = unixPtr(tried)
	return &sc, nil
}

// validateScore is the one place score rules live (the API checks them first
// to answer in the learner's words; the table CHECKs are the last line).
func validateScore(s *model.NewScore) error {
	switch {
	case !(s.ScoreMaximum > 0):
		return model.Errorf(model.EINVALID, "This activity has no maximum score, so it cannot be graded.")
	case s.ScoreGiven != nil && (*s.ScoreGiven < 0 || *s.ScoreGiven > s.ScoreMaximum):
		return model.Errorf(model.EINVALID, "The score must be between 0 and %g.", s.ScoreMaximum)
	case s.LinkID == 0 || s.UserID == 0 || s.RegistrationID == 0:
		return model.Errorf(model.EINVALID, "A score needs a link, a learner and a platform.")
	case len(s.Comment) > 10_000:
		return model.Errorf(model.EINVALID, "The comment is longer than 10,000 characters.")
	}
	return nil
}

// CreateScore stores a score and queues its delivery in one transaction (a
// LocalOnly score is stored and not queued). Its
// AGS timestamp is now, or one microsecond after the link's and learner's
// previous score if the clock has not moved past it, so timestamps are strictly
// increasing per user and line item as the LMS requires.
func (db *DB) CreateScore(ctx context.Context, in *model.NewScore) (*model.Score, error) {
	if err := validateScore(in); err != nil {
		return nil, err
	}
	target, err := json.Marshal(in.Target)
	if err != nil {
		return nil, fmt.Errorf("create score: %w", err)
	}
	now := db.now()
	var id int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(timestamp_us) FROM scores WHERE link_id = ? AND user_id = ?`, in.LinkID, in.UserID).Scan(&last); err != nil {
			return err
		}
		ts := now.UnixMicro()
		if last.Valid && ts <= last.Int64 {
			ts = last.Int64 + 1
		}
		var given sql.NullFloat64
		if in.ScoreGiven != nil {
			given = sql.NullFloat64{Float64: *in.ScoreGiven, Valid: true}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO scores (link_id, user_id, activity_id, score_given, score_maximum, activity_progress, grading_progress, comment, timestamp_us, set_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.LinkID, in.UserID, nullID(in.ActivityID), given, in.ScoreMaximum, in.ActivityProgress, in.GradingProgress, in.Comment, ts, nullID(in.SetBy), now.Unix())
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if in.LocalOnly {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox (score_id, registration_id, link_id, user_id, target, state, next_attempt_ms, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, id, in.RegistrationID, in.LinkID, in.UserID, string(target), now.UnixMilli(), now.Unix(), now.Unix())
		return err
	})
	if err != nil {
		if isForeignKey(err) {
			return nil, model.Errorf(model.ENOTFOUND, "The link or learner of this score no longer exists.")
		}
		return nil, fmt.Errorf("create score: %w", err)
	}
	return db.Score(ctx, id)
}

// Score returns one score with its delivery state.
func (db *DB) Score(ctx context.Context, id int64) (*model.Score, error) {
	sc, err := scanScore(db.db.QueryRowContext(ctx, `SELECT `+scoreColumns+` `+scoreJoins+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Score")
	} else if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	return sc, nil
}

// LatestScore returns a learner's latest score on a link (ENOTFOUND if none).
func (db *DB) LatestScore(ctx context.Context, linkID, userID int64) (*model.Score, error) {
	sc, err := scanScore(db.db.QueryRowContext(ctx, `SELECT `+scoreColumns+` `+scoreJoins+`
		WHERE s.link_id = ? AND s.user_id = ? ORDER BY s.timestamp_us DESC LIMIT 1`, linkID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Score")
	} else if err != nil {
		return nil, fmt.Errorf("latest score: %w", err)
	}
	return sc, nil
}

// Gradebook lists every learner of a course with their latest score on a link
// and their last activity (latest launch or score), by name. Learners come
// from context_learners: launches add them, and the roster (NRPS) may too.
func (db *DB) Gradebook(ctx context.Context, contextID, linkID int64) ([]model.GradebookRow, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT u.id, u.registration_id, u.subject, u.name, u.given_name, u.family_name, u.email, l.source, l.last_seen_at,
			(SELECT MAX(s.id) FROM scores s WHERE s.link_id = ? AND s.user_id = u.id
				AND s.timestamp_us = (SELECT MAX(timestamp_us) FROM scores WHERE link_id = ? AND user_id = u.id))
		FROM context_learners l JOIN users u ON u.id = l.user_id
		WHERE l.context_id = ?
		ORDER BY lower(CASE WHEN u.name != '' THEN u.name ELSE u.subject END), u.id`, linkID, linkID, contextID)
	if err != nil {
		return nil, fmt.Errorf("gradebook: %w", err)
	}
	type pending struct {
		row     model.GradebookRow
		scoreID sql.NullInt64
	}
	var list []pending
	for rows.Next() {
		var p pending
		var seen int64
		u := &p.row.User
		if err := rows.Scan(&u.ID, &u.PlatformID, &u.Subject, &u.Name, &u.GivenName, &u.FamilyName, &u.Email, &p.row.Source, &seen, &p.scoreID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("gradebook: %w", err)
		}
		if seen > 0 { // 0: known from the roster, never launched
			t := time.Unix(seen, 0).UTC()
			p.row.LastActivity = &t
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gradebook: %w", err)
	}
	out := make([]model.GradebookRow, 0, len(list))
	for _, p := range list {
		if p.scoreID.Valid {
			sc, err := db.Score(ctx, p.scoreID.Int64)
			if err != nil {
				return nil, fmt.Errorf("gradebook: %w", err)
			}
			p.row.Score = sc
			if p.row.LastActivity == nil || sc.CreatedAt.After(*p.row.LastActivity) {
				t := sc.CreatedAt
				p.row.LastActivity = &t
			}
		}
		out = append(out, p.row)
	}
	return out, nil
}

// IsLearnerOf reports whether a user is a known learner of a course.
func (db *DB) IsLearnerOf(ctx context.Context, contextID, userID int64) (bool, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM context_learners WHERE context_id = ? AND user_id = ?`, contextID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("is learner: %w", err)
	}
	return n > 0, nil
}
