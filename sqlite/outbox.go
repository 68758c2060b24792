package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// headOfGroup keeps only the oldest undelivered item of each link and learner:
// scores of one learner on one line item go out in order, never two at once.
const headOfGroup = `o.state IN ('pending', 'retrying') AND NOT EXISTS (
	SELECT 1 FROM outbox p WHERE p.link_id = o.link_id AND p.user_id = o.user_id AND p.id < o.id AND p.state IN ('pending', 'retrying'))`

// outboxColumns name the learner, the LMS (registration) and the course (the
// link's context, if any) with each item, so a person can tell items apart.
const outboxColumns = `o.id, o.registration_id, u.subject, u.name, r.name, COALESCE(NULLIF(c.title, ''), c.label, ''),
	o.target, o.line_item_url, ` + scoreColumns

const outboxJoins = `FROM outbox o JOIN scores s ON s.id = o.score_id JOIN users u ON u.id = o.user_id LEFT JOIN users b ON b.id = s.set_by
	JOIN registrations r ON r.id = o.registration_id LEFT JOIN resource_links l ON l.id = o.link_id LEFT JOIN contexts c ON c.id = l.context_id`

func scanOutboxItem(row interface{ Scan(...any) error }) (*model.OutboxItem, error) {
	var it model.OutboxItem
	var target string
	sc, err := scanScoreAfter(row, &it.ID, &it.RegistrationID, &it.Subject, &it.UserName, &it.PlatformName, &it.CourseTitle, &target, &it.LineItemURL)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(target), &it.Target); err != nil {
		return nil, fmt.Errorf("outbox target: %w", err)
	}
	it.Score = *sc
	return &it, nil
}

// DueOutbox returns up to limit items the worker may send now: due, and the
// oldest undelivered one of their link and learner.
func (db *DB) DueOutbox(ctx context.Context, limit int) ([]*model.OutboxItem, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+outboxColumns+` `+outboxJoins+`
		WHERE `+headOfGroup+` AND o.next_attempt_ms <= ? ORDER BY o.next_attempt_ms, o.id LIMIT ?`, db.now().UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	defer rows.Close()
	var out []*model.OutboxItem
	for rows.Next() {
		it, err := scanOutboxItem(rows)
		if err != nil {
			return nil, fmt.Errorf("due outbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// NextOutboxDue returns when the next sendable item falls due; ok is false
// when nothing waits.
func (db *DB) NextOutboxDue(ctx context.Context) (next time.Time, ok bool, err error) {
	var ms sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT MIN(o.next_attempt_ms) FROM outbox o WHERE `+headOfGroup).Scan(&ms); err != nil {
		return time.Time{}, false, fmt.Errorf("next outbox due: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(ms.Int64), true, nil
}

// OutboxResult is the outcome of one delivery attempt.
type OutboxResult struct {
	State       string    // delivered, retrying or failed
	NextAttempt time.Time // for retrying
	Status      int       // the LMS's HTTP status, 0 for a network error
	Message     string    // the LMS's words (or a note for delivered)
	LineItemURL string    // the line item the score went (or was going) to
}

// FinishOutboxAttempt records an attempt. A delivered or failed score is final
// until a person asks for a retry.
func (db *DB) FinishOutboxAttempt(ctx context.Context, id int64, r OutboxResult) error {
	now := db.now()
	var delivered sql.NullInt64
	if r.State == model.DeliveryDelivered {
		delivered = sql.NullInt64{Int64: now.Unix(), Valid: true}
	}
	next := now.UnixMilli()
	if r.State == model.DeliveryRetrying {
		next = r.NextAttempt.UnixMilli()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, next_attempt_ms = ?, last_status = ?, last_error = ?,
				line_item_url = CASE WHEN ? != '' THEN ? ELSE line_item_url END, delivered_at = ?, last_attempt_at = ?, updated_at = ?
			WHERE id = ? AND state IN ('pending', 'retrying')`,
			r.State, next, r.Status, r.Message, r.LineItemURL, r.LineItemURL, delivered, now.Unix(), now.Unix(), id)
		if err != nil {
			return fmt.Errorf("finish outbox attempt: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Queued score")
		}
		return nil
	})
}

// FailRegistrationOutbox marks every waiting item of a registration failed:
// when the token endpoint refuses ltibox, every score would fail the same way,
// and asking again for each would be a retry storm. The refusal counts as
// their last attempt: ltibox asked the LMS on their behalf too.
func (db *DB) FailRegistrationOutbox(ctx context.Context, registrationID int64, status int, msg string) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'failed', last_status = ?, last_error = ?, last_attempt_at = ?, updated_at = ?
			WHERE registration_id = ? AND state IN ('pending', 'retrying')`, status, msg, db.now().Unix(), db.now().Unix(), registrationID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fail registration outbox: %w", err)
	}
	return n, nil
}

// OutboxFilter selects outbox items.
type OutboxFilter struct {
	IDs    []int64  // these items only
	LinkID int64    // one resource link
	States []string // default: every state
	Limit  int      // list only; default 1000
}

func (f OutboxFilter) where() (string, []any) {
	where := []string{"1 = 1"}
	var args []any
	if len(f.IDs) > 0 {
		where = append(where, "o.id IN (?"+strings.Repeat(", ?", len(f.IDs)-1)+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.LinkID != 0 {
		where = append(where, "o.link_id = ?")
		args = append(args, f.LinkID)
	}
	if len(f.States) > 0 {
		where = append(where, "o.state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	return strings.Join(where, " AND "), args
}

// OutboxItems lists items, oldest first.
func (db *DB) OutboxItems(ctx context.Context, f OutboxFilter) ([]*model.OutboxItem, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where, args := f.where()
	rows, err := db.db.QueryContext(ctx, `SELECT `+outboxColumns+` `+outboxJoins+` WHERE `+where+` ORDER BY o.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("outbox items: %w", err)
	}
	defer rows.Close()
	out := []*model.OutboxItem{}
	for rows.Next() {
		it, err := scanOutboxItem(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// RequeueOutbox makes failed and retrying items (of the filter) pending and due
// now, with a fresh backoff: "retry" and "send all pending". The last attempt's
// time stays, so the next attempt shows as a new one.
func (db *DB) RequeueOutbox(ctx context.Context, f OutboxFilter) (int, error) {
	f.States = []string{model.DeliveryFailed, model.DeliveryRetrying, model.DeliveryPending}
	where, args := f.where()
	now := db.now()
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox AS o SET state = 'pending', attempts = 0, next_attempt_ms = ?, updated_at = ? WHERE `+where,
			append([]any{now.UnixMilli(), now.Unix()}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("requeue outbox: %w", err)
	}
	return int(n), nil
}

// QueueLocalScores queues, for delivery to target, each learner's latest score
// on a link that was kept in ltibox (no outbox row): scores given while the
// link had no gradebook column, once it has one. Older local scores are
// superseded by the latest and stay in ltibox. Returns how many it queued.
func (db *DB) QueueLocalScores(ctx context.Context, registrationID, linkID int64, target model.ScoreTarget) (int, error) {
	t, err := json.Marshal(target)
	if err != nil {
		return 0, fmt.Errorf("queue local scores: %w", err)
	}
	now := db.now()
	var n int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox (score_id, registration_id, link_id, user_id, target, state, next_attempt_ms, created_at, updated_at)
			SELECT s.id, ?, s.link_id, s.user_id, ?, 'pending', ?, ?, ?
			FROM scores s
			WHERE s.link_id = ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.score_id = s.id)
				AND s.id = (SELECT MAX(l.id) FROM scores l WHERE l.link_id = s.link_id AND l.user_id = s.user_id)`,
			registrationID, string(t), now.UnixMilli(), now.Unix(), now.Unix(), linkID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue local scores: %w", err)
	}
	return int(n), nil
}

// CountOutbox counts items per state.
func (db *DB) CountOutbox(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count outbox: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// LinkLineItem returns the line item URL stored on a resource link ("" if none yet).
func (db *DB) LinkLineItem(ctx context.Context, linkID int64) (string, error) {
	var u string
	err := db.db.QueryRowContext(ctx, `SELECT line_item_url FROM resource_links WHERE id = ?`, linkID).Scan(&u)
	if err == sql.ErrNoRows {
		return "", notFound("Resource link")
	} else if err != nil {
		return "", fmt.Errorf("link line item: %w", err)
	}
	return u, nil
}

// SetLinkLineItem stores the line item a resource link's scores go to, once
// the worker has found or created it.
func (db *DB) SetLinkLineItem(ctx context.Context, linkID int64, lineItemURL string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE resource_links SET line_item_url = ?, updated_at = ? WHERE id = ?`, lineItemURL, db.now().Unix(), linkID)
		if err != nil {
			return fmt.Errorf("set link line item: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Resource link")
		}
		return nil
	})
}
