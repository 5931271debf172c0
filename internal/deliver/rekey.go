package deliver

import (
	"context"
	"fmt"

	"github.com/gotong/gotong/internal/store"
)

// RekeyBatch is the courier providers' part of a key rotation (gotong key rotate;
// see registry's RekeyTargets for the contract): it re-seals the webhook secrets of
// up to limit providers after the cursor after (a provider's name).
func (p *Providers) RekeyBatch(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	var names, secrets []string
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var name, s string
		if err := r.Scan(&name, &s); err != nil {
			return err
		}
		names, secrets = append(names, name), append(secrets, s)
		return nil
	}, `SELECT name, secret FROM courier_providers WHERE name > $1 ORDER BY name LIMIT $2`+tx.Locking(" FOR UPDATE"), after, limit)
	if err != nil || len(names) == 0 {
		return "", 0, err
	}
	n := 0
	for i, name := range names {
		plain, err := p.vault.Open(secrets[i], providerAD(name))
		if err != nil {
			return "", 0, fmt.Errorf("courier provider %s: %w", name, err)
		}
		sealed, err := p.vault.Seal(plain, providerAD(name))
		if err != nil {
			return "", 0, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE courier_providers SET secret = $1 WHERE name = $2 AND secret = $3`, sealed, name, secrets[i])
		if err != nil {
			return "", 0, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return names[len(names)-1], n, nil
}
