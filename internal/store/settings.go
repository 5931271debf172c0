package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gotong/gotong/internal/errs"
)

// The settings table (name → value) belongs to this package: it holds facts about
// the installation itself, such as the fingerprint of the personal-data key the
// data was written with, which no capability owns.

// Setting returns the value of a setting; one never set is errs.NotFound.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.R().QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.NotFound, "not found") // read only by app's key check; never shown
	}
	return v, Map(err)
}

// InitSetting records a setting unless it is already set (by this process or
// another starting at the same time), and returns the value now stored.
func (db *DB) InitSetting(ctx context.Context, name, value string) (string, error) {
	err := db.Write(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&value)
	})
	return value, Map(err)
}

// PutSetting records a setting, replacing its value (an operator's choice given at
// start-up, such as the map's tiles).
func (db *DB) PutSetting(ctx context.Context, name, value string) error {
	return Map(db.Write(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	}))
}

// TxSetting reads a setting inside a write transaction (found false when it was
// never set); with lock, the row is held until the transaction ends (PostgreSQL).
func (tx *Tx) TxSetting(ctx context.Context, name string, lock bool) (value string, found bool, err error) {
	q := `SELECT value FROM settings WHERE name = $1`
	if lock {
		q += tx.Locking(" FOR UPDATE")
	}
	err = tx.QueryRowContext(ctx, q, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// TxAddSetting records a setting that must not exist yet inside a write
// transaction: one already set is a conflict.
func (tx *Tx) TxAddSetting(ctx context.Context, name, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)`, name, value)
	return err
}

// TxPutSetting records a setting inside a write transaction, replacing its value.
func (tx *Tx) TxPutSetting(ctx context.Context, name, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

// TxDeleteSettings removes the setting name and every setting whose name starts
// with prefix ("" removes name alone) inside a write transaction.
func (tx *Tx) TxDeleteSettings(ctx context.Context, name, prefix string) error {
	q, args := `DELETE FROM settings WHERE name = $1`, []any{name}
	if prefix != "" {
		q, args = q+` OR name LIKE $2`, append(args, prefix+"%")
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}
