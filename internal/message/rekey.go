package message

import (
	"context"
	"fmt"

	"github.com/gotong/gotong/internal/store"
)

// RekeyBatch is the outbox's part of a key rotation (gotong key rotate; see
// registry's RekeyTargets for the contract): it re-seals the payload of up to limit
// messages after the cursor after. A sent or dead message has no payload left.
// A message sent while its batch runs keeps the empty payload its sender wrote: the
// update is on the payload read.
func (o *Outbox) RekeyBatch(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	var ids, payloads []string
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var id, p string
		if err := r.Scan(&id, &p); err != nil {
			return err
		}
		ids, payloads = append(ids, id), append(payloads, p)
		return nil
	}, `SELECT id, payload FROM outbox WHERE id > $1 AND payload <> '' ORDER BY id LIMIT $2`+tx.Locking(" FOR UPDATE"), after, limit)
	if err != nil || len(ids) == 0 {
		return "", 0, err
	}
	n := 0
	for i, id := range ids {
		plain, err := o.vault.Open(payloads[i], ad(id))
		if err != nil {
			return "", 0, fmt.Errorf("message %s: %w", id, err)
		}
		sealed, err := o.vault.Seal(plain, ad(id))
		if err != nil {
			return "", 0, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET payload = $1 WHERE id = $2 AND payload = $3`, sealed, id, payloads[i])
		if err != nil {
			return "", 0, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return ids[len(ids)-1], n, nil
}
