package sqlite

import (
	"context"
	"crypto/x509"
	"database/sql"
	"fmt"
	"time"

	"github.com/ltibox/ltibox/server/lti"
)

// Keys implements lti.KeyStore: latest ActiveFrom first.
func (db *DB) Keys(ctx context.Context) ([]*lti.Key, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kid, private_der, created_at, active_from, retired_at FROM tool_keys ORDER BY active_from DESC, created_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	defer rows.Close()
	var out []*lti.Key
	for rows.Next() {
		var (
			k               lti.Key
			der             []byte
			created, active int64
			retired         sql.NullInt64
		)
		if err := rows.Scan(&k.KID, &der, &created, &active, &retired); err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		k.Private, err = x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("keys: parse %s: %w", k.KID, err)
		}
		k.CreatedAt, k.ActiveFrom = time.Unix(created, 0).UTC(), time.Unix(active, 0).UTC()
		if retired.Valid {
			t := time.Unix(retired.Int64, 0).UTC()
			k.RetiredAt = &t
		}
		out = append(out, &k)
	}
	return out, rows.Err()
}

// AddKey implements lti.KeyStore. Keys that would still sign at k.ActiveFrom
// retire then; keys not signing yet when k is made (k.CreatedAt) never signed
// and go. Times are whole seconds, so a key made in the same second as the
// one it replaces is retired, not dropped.
func (db *DB) AddKey(ctx context.Context, k *lti.Key) error {
	active := k.ActiveFrom.Unix()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tool_keys WHERE active_from > ?`, k.CreatedAt.Unix()); err != nil {
			return fmt.Errorf("drop waiting key: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tool_keys SET retired_at = ? WHERE retired_at IS NULL OR retired_at > ?`, active, active); err != nil {
			return fmt.Errorf("retire key: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tool_keys (kid, private_der, created_at, active_from) VALUES (?, ?, ?, ?)`,
			k.KID, x509.MarshalPKCS1PrivateKey(k.Private), k.CreatedAt.Unix(), active); err != nil {
			return fmt.Errorf("add key: %w", err)
		}
		return nil
	})
}

// ReplaceKeys implements lti.KeyStore: k becomes the only key.
func (db *DB) ReplaceKeys(ctx context.Context, k *lti.Key) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tool_keys`); err != nil {
			return fmt.Errorf("withdraw keys: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tool_keys (kid, private_der, created_at, active_from) VALUES (?, ?, ?, ?)`,
			k.KID, x509.MarshalPKCS1PrivateKey(k.Private), k.CreatedAt.Unix(), k.ActiveFrom.Unix()); err != nil {
			return fmt.Errorf("add key: %w", err)
		}
		return nil
	})
}
