package message

import (
	"context"

	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/store"
)

// RekeyBatch is the outbox's part of a key rotation (gotong key rotate): it re-seals
// the payload of up to limit messages after the cursor after (keyrot.Reseal). A sent
// or dead message has no payload left; one sent while its batch runs keeps the empty
// payload its sender wrote.
func (o *Outbox) RekeyBatch(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	return keyrot.Reseal(o.vault, "outbox", "id", "payload", "payload <> ''", ad)(ctx, tx, after, limit)
}
