package sqlite

import (
	"context"
	"crypto/x509"
	"database/sql"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// Keys implements lti.KeyStore: current key first, then retired keys newest first.
func (db *DB) Keys(ctx context.Context) ([]*lti.Key, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kid, private_der, created_at, retired_at FROM tool_keys ORDER BY retired_at IS NOT NULL, COALESCE(retired_at, created_at) DESC`)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer rows.Close()
	var out []*lti.Key
	for rows.Next() {
		var (
			k       lti.Key
			der     []byte
			created int64
			retired sql.NullInt64
		)
		if err := rows.Scan(&k.KID, &der, &created, &retired); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		k.Private, err = x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("keys: parse %s: %w", k.KID, err)
		}
		k.CreatedAt = time.Unix(created, 0).UTC()
		if retired.Valid {
			t := time.Unix(retired.Int64, 0).UTC()
			k.RetiredAt = &t
		}
		out = append(out, &k)
	}
	return out, rows.Err()
}

// AddCurrentKey implements lti.KeyStore: retires the current key and stores k as current.
func (db *DB) AddCurrentKey(ctx context.Context, k *lti.Key) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tool_keys SET retired_at = ? WHERE retired_at IS NULL`, now.Unix()); err != nil {
			return fmt.Errorf("retire key: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tool_keys (kid, private_der, created_at) VALUES (?, ?, ?)`,
			k.KID, x509.MarshalPKCS1PrivateKey(k.Private), now.Unix()); err != nil {
			return fmt.Errorf("add key: %w", err)
		}
		return nil
	})
}
