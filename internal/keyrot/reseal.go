package keyrot

import (
	"context"
	"fmt"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Reseal is the Batch of a table whose rows have one text key and one sealed column
// and no keyed hash (the outbox's payloads, the courier providers' secrets): it
// re-seals col of up to limit rows after the cursor with v's sealing key. ad gives a
// row's associated data from its key; where, when not "", keeps rows out (such as a
// sent message's emptied payload). A row is written only if it still holds what was
// read, so a row its owner changed meanwhile stays as the owner wrote it. table, key,
// col and where are the owner's constants, never outside input.
func Reseal(v *vault.Vault, table, key, col, where string, ad func(key string) []byte) Batch {
	if where != "" {
		where = " AND " + where
	}
	read := fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s > $1%s ORDER BY %s LIMIT $2`, key, col, table, key, where, key)
	write := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`, table, col, key, col)
	return func(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
		var keys, values []string
		err := store.Each(ctx, tx, func(r store.Scanner) error {
			var k, s string
			if err := r.Scan(&k, &s); err != nil {
				return err
			}
			keys, values = append(keys, k), append(values, s)
			return nil
		}, read+tx.Locking(" FOR UPDATE"), after, limit)
		if err != nil || len(keys) == 0 {
			return "", 0, err
		}
		n := 0
		for i, k := range keys {
			_, sealed, err := v.Reseal(values[i], ad(k))
			if err != nil {
				return "", 0, fmt.Errorf("%s %s: %w", table, k, err)
			}
			if sealed == values[i] {
				continue // sealed with the next key already
			}
			res, err := tx.ExecContext(ctx, write, sealed, k, values[i])
			if err != nil {
				return "", 0, err
			}
			if m, err := res.RowsAffected(); err == nil {
				n += int(m)
			}
		}
		return keys[len(keys)-1], n, nil
	}
}
