package account

import (
	"context"

	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/store"
)

// RekeyFactors is the second factors' part of a key rotation (gotong key rotate):
// it re-seals the TOTP secrets of up to limit users after the cursor after, a
// user's id (keyrot.Reseal).
func (s *Service) RekeyFactors(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	return keyrot.Reseal(s.vault, "user_factors", "user_id", "secret_sealed", "", factorAD)(ctx, tx, after, limit)
}
