package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

// DeepLinkTicket is a signed deep-linking response waiting to be posted back.
type DeepLinkTicket struct {
	SessionID int64
	ReturnURL string
	JWT       string
	Items     int
	ExpiresAt time.Time
}

// CreateDeepLinkTicket stores a signed response under the hash of a one-time
// ticket. Expired tickets are swept in the same transaction.
func (db *DB) CreateDeepLinkTicket(ctx context.Context, ticketHash string, t *DeepLinkTicket) error {
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM deep_link_tickets WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO deep_link_tickets (ticket_hash, session_id, return_url, jwt, items, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ticketHash, t.SessionID, t.ReturnURL, t.JWT, t.Items, now.Unix(), t.ExpiresAt.Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("create deep link ticket: %w", err)
	}
	return nil
}

// ConsumeDeepLinkTicket returns a ticket's response and deletes it, so it can
// be used once. An unknown, used or expired ticket is ENOTFOUND.
func (db *DB) ConsumeDeepLinkTicket(ctx context.Context, ticketHash string) (*DeepLinkTicket, error) {
	var t DeepLinkTicket
	var expires int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM deep_link_tickets WHERE ticket_hash = ? RETURNING session_id, return_url, jwt, items, expires_at`, ticketHash).
			Scan(&t.SessionID, &t.ReturnURL, &t.JWT, &t.Items, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return model.Errorf(model.ENOTFOUND, "This selection was already sent to your course, or it expired. Open the content picker from your course again.")
		}
		return err
	})
	if err != nil {
		if model.ErrorCode(err) == model.ENOTFOUND {
			return nil, err
		}
		return nil, fmt.Errorf("consume deep link ticket: %w", err)
	}
	t.ExpiresAt = time.Unix(expires, 0).UTC()
	if !db.now().Before(t.ExpiresAt) {
		return nil, model.Errorf(model.ENOTFOUND, "This selection expired before it was sent to your course. Open the content picker from your course again.")
	}
	return &t, nil
}

// CountDeepLinkTickets counts stored tickets (tests assert refusals store none).
func (db *DB) CountDeepLinkTickets(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deep_link_tickets`).Scan(&n)
	return n, err
}
