package message

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// recipientKinds are the messages sent to a recipient's phone, whose ref is the
// allocation.
var recipientKinds = []string{"recipient_code", "delivery_failed"}

// PurgeRecipientMessages ends, inside tx, the messages to the recipients of the
// allocations that still wait in the outbox, and drops their sealed payload (the
// phone and the texts) (issue 14, item 6: retention). Sent messages hold no
// payload already.
func (o *Outbox) PurgeRecipientMessages(ctx context.Context, tx *store.Tx, allocationIDs []string) (int64, error) {
	if len(allocationIDs) == 0 {
		return 0, nil
	}
	args := []any{recipientKinds[0], recipientKinds[1]}
	for _, id := range allocationIDs {
		args = append(args, id)
	}
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'dead', payload = '', last_error = 'purged'
		WHERE kind IN ($1, $2) AND state = 'queued' AND ref IN (`+store.InList(tx.Engine, 3, len(allocationIDs))+`)`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
