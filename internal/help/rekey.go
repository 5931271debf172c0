package help

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// RekeyBatch is help's part of a key rotation (gotong key rotate; see registry's
// RekeyTargets for the contract): it re-seals help_requests.sealed and recomputes the
// keyed hashes computed from it, nik_hash and check_hash, for up to limit requests
// after the cursor after. A purged request has nothing sealed and is passed over.
func (s *Service) RekeyBatch(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	type row struct{ id, ref, sealed, nikHash, check string }
	var rows []row
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var x row
		if err := r.Scan(&x.id, &x.ref, &x.sealed, &x.nikHash, &x.check); err != nil {
			return err
		}
		rows = append(rows, x)
		return nil
	}, `SELECT id, reference, sealed, nik_hash, check_hash FROM help_requests WHERE id > $1 AND sealed <> '' ORDER BY id LIMIT $2`+
		tx.Locking(" FOR UPDATE"), after, limit)
	if err != nil || len(rows) == 0 {
		return "", 0, err
	}
	n := 0
	for _, x := range rows {
		ad := vault.AD("help_requests", x.id, "private")
		plain, sealed, err := s.vault.Reseal(x.sealed, ad)
		if err != nil {
			return "", 0, fmt.Errorf("help request %s: %w", x.id, err)
		}
		var p private
		if err := json.Unmarshal(plain, &p); err != nil {
			return "", 0, fmt.Errorf("help request %s: %w", x.id, err)
		}
		nikHash, check := x.nikHash, s.checkHash(x.ref, last4(p.contact()))
		if nikHash != "" && p.NIK != "" {
			nikHash = s.vault.Hash("nik", p.NIK)
		}
		if sealed == x.sealed && nikHash == x.nikHash && check == x.check {
			continue // written with the next key already
		}
		res, err := tx.ExecContext(ctx, `UPDATE help_requests SET sealed = $1, nik_hash = $2, check_hash = $3
			WHERE id = $4 AND sealed = $5`, sealed, nikHash, check, x.id, x.sealed)
		if err != nil {
			return "", 0, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return rows[len(rows)-1].id, n, nil
}
