package callback

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// PurgeNotes removes, inside tx, the free-text notes of the call-backs of the
// allocations (issue 14, item 6: retention); the answers stay, they are counted.
func (s *Service) PurgeNotes(ctx context.Context, tx *store.Tx, allocationIDs []string) (int64, error) {
	if len(allocationIDs) == 0 {
		return 0, nil
	}
	args := make([]any, len(allocationIDs))
	for i, id := range allocationIDs {
		args[i] = id
	}
	res, err := tx.ExecContext(ctx, `UPDATE callback_items SET note = '' WHERE allocation_id IN (`+store.InList(tx.Engine, 1, len(allocationIDs))+`) AND note <> ''`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
