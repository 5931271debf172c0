package deliver

import (
	"context"

	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/store"
)

// RekeyBatch is the courier providers' part of a key rotation (gotong key rotate):
// it re-seals the webhook secrets of up to limit providers after the cursor after, a
// provider's name (keyrot.Reseal).
func (p *Providers) RekeyBatch(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	return keyrot.Reseal(p.vault, "courier_providers", "name", "secret", "", providerAD)(ctx, tx, after, limit)
}
