package allocate

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
)

// MarkOverdue marks the allocations still held (reserved or dispatched) of the
// commitments whose deliver_by day has passed in WIB, so that monitoring counts them
// as overdue (the counters follow the mark through their triggers); each
// commitment's marking is audited. It returns how many allocations it marked. A
// delivery, failure or release later ends the allocation, and with it its part of
// the overdue count.
func (s *Service) MarkOverdue(ctx context.Context) (int, error) {
	today := s.Now().In(wib).Format(time.DateOnly)
	ids, err := store.All(ctx, s.db.R(), store.String, `SELECT c.id FROM commitments c
		WHERE c.deliver_by < $1 AND c.status <> 'cancelled'
		AND EXISTS (SELECT 1 FROM allocations a WHERE a.commitment_id = c.id AND a.status IN ('reserved', 'dispatched') AND a.overdue = 0)
		ORDER BY c.id`, today)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			var chain, region, deliverBy string
			if err := tx.QueryRowContext(ctx, `SELECT chain, region, deliver_by FROM commitments WHERE id = $1`, id).Scan(&chain, &region, &deliverBy); err != nil {
				return err
			}
			n, err := affected(tx.ExecContext(ctx, `UPDATE allocations SET overdue = 1
				WHERE commitment_id = $1 AND status IN ('reserved', 'dispatched') AND overdue = 0`, id))
			if err != nil || n == 0 {
				return err
			}
			total += n
			return audit.Record(ctx, tx, audit.Change{Action: "allocation.overdue", ObjectType: "commitment", ObjectID: id,
				Region: region, Chain: chain, Detail: map[string]any{"allocations": n, "deliver_by": deliverBy}})
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
