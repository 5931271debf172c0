package donate

import (
	"context"
	"fmt"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// post writes movements to the ledger and to its running sums, in tx. A movement
// that would make on hand, reserved, a lot or what is available (on hand less
// reserved) negative is refused with a conflict that says how much there is, and
// the transaction writes nothing of it.
//
// The stock row is locked (PostgreSQL) before it is read, so two transactions
// moving one item take turns and the second checks against the first's result.
// Callers that move several items lock them in the order of (warehouse, item),
// as post does within one call when the moves are given in that order.
func (s *Service) post(ctx context.Context, tx *store.Tx, moves ...Move) error {
	now := s.Now()
	for _, m := range moves {
		if m.OnHand == 0 && m.Reserved == 0 && m.Issued == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock (warehouse_id, item_id) VALUES ($1, $2)
			ON CONFLICT (warehouse_id, item_id) DO NOTHING`, m.WarehouseID, m.ItemID); err != nil {
			return err
		}
		var onHand, reserved, issued int
		if err := store.One(ctx, tx, `SELECT on_hand, reserved, issued FROM stock WHERE warehouse_id = $1 AND item_id = $2`+
			tx.Locking(` FOR UPDATE`), m.WarehouseID, m.ItemID).Scan(&onHand, &reserved, &issued); err != nil {
			return err
		}
		nOnHand, nReserved, nIssued := onHand+m.OnHand, reserved+m.Reserved, issued+m.Issued
		switch {
		case nOnHand < 0:
			return errs.E(errs.Conflict, "only %d on hand", onHand)
		case nReserved < 0:
			return fmt.Errorf("donate: stock of %s at %s: reserved would be %d", m.ItemID, m.WarehouseID, nReserved)
		case nIssued < 0:
			return fmt.Errorf("donate: stock of %s at %s: issued would be %d", m.ItemID, m.WarehouseID, nIssued)
		case nReserved > nOnHand:
			return errs.E(errs.Conflict, "only %d available (%d on hand, %d reserved)", max(onHand-reserved, 0), onHand, reserved)
		}
		if m.OnHand != 0 {
			if err := s.moveLot(ctx, tx, m); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stock SET on_hand = $1, reserved = $2, issued = $3 WHERE warehouse_id = $4 AND item_id = $5`,
			nOnHand, nReserved, nIssued, m.WarehouseID, m.ItemID); err != nil {
			return err
		}
		if m.ID == "" {
			m.ID = newID()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock_moves (id, warehouse_id, item_id, expires_on, kind, on_hand, reserved, issued,
			ref, reason, user_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
			m.ID, m.WarehouseID, m.ItemID, m.ExpiresOn, m.Kind, m.OnHand, m.Reserved, m.Issued, m.Ref, m.Reason, m.UserID, now); err != nil {
			return err
		}
	}
	return nil
}

// moveLot adds m.OnHand to its lot (warehouse, item, expiry date). Its stock row
// is locked already, so the lot's read and write are not raced.
func (s *Service) moveLot(ctx context.Context, tx *store.Tx, m Move) error {
	var have int
	err := store.One(ctx, tx, `SELECT on_hand FROM stock_lots WHERE warehouse_id = $1 AND item_id = $2 AND expires_on = $3`,
		m.WarehouseID, m.ItemID, m.ExpiresOn).Scan(&have)
	switch {
	case errs.Is(err, errs.NotFound):
		if m.OnHand < 0 {
			return errs.E(errs.Conflict, "nothing on hand expiring on %q", m.ExpiresOn)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO stock_lots (warehouse_id, item_id, expires_on, on_hand) VALUES ($1,$2,$3,$4)`,
			m.WarehouseID, m.ItemID, m.ExpiresOn, m.OnHand)
		return err
	case err != nil:
		return err
	case have+m.OnHand < 0:
		return errs.E(errs.Conflict, "only %d on hand expiring on %q", have, m.ExpiresOn)
	case have+m.OnHand == 0:
		_, err = tx.ExecContext(ctx, `DELETE FROM stock_lots WHERE warehouse_id = $1 AND item_id = $2 AND expires_on = $3`,
			m.WarehouseID, m.ItemID, m.ExpiresOn)
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE stock_lots SET on_hand = $1 WHERE warehouse_id = $2 AND item_id = $3 AND expires_on = $4`,
		have+m.OnHand, m.WarehouseID, m.ItemID, m.ExpiresOn)
	return err
}

// fefo splits taking n units of an item out of a warehouse into one movement per
// lot, the lots that expire first taken first and goods without a date last;
// each movement is base with OnHand (and Issued and Reserved, scaled by the
// signs in base: -1, 0 or +1 per unit) set for its lot. It takes the stock row's
// lock first. Fewer than n on hand is a conflict.
func (s *Service) fefo(ctx context.Context, tx *store.Tx, base Move, n int) ([]Move, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO stock (warehouse_id, item_id) VALUES ($1, $2)
		ON CONFLICT (warehouse_id, item_id) DO NOTHING`, base.WarehouseID, base.ItemID); err != nil {
		return nil, err
	}
	var onHand int
	if err := store.One(ctx, tx, `SELECT on_hand FROM stock WHERE warehouse_id = $1 AND item_id = $2`+tx.Locking(` FOR UPDATE`),
		base.WarehouseID, base.ItemID).Scan(&onHand); err != nil {
		return nil, err
	}
	if onHand < n {
		return nil, errs.E(errs.Conflict, "only %d on hand", onHand)
	}
	type lot struct {
		expires string
		onHand  int
	}
	lots, err := store.All(ctx, tx, func(r store.Scanner) (lot, error) {
		var l lot
		return l, r.Scan(&l.expires, &l.onHand)
	}, `SELECT expires_on, on_hand FROM stock_lots WHERE warehouse_id = $1 AND item_id = $2
		ORDER BY CASE WHEN expires_on = '' THEN 1 ELSE 0 END, expires_on`, base.WarehouseID, base.ItemID)
	if err != nil {
		return nil, err
	}
	var out []Move
	left := n
	for _, l := range lots {
		if left == 0 {
			break
		}
		take := min(left, l.onHand)
		m := base
		m.ExpiresOn = l.expires
		m.OnHand = -take
		m.Reserved *= take
		m.Issued *= take
		out = append(out, m)
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("donate: lots of %s at %s hold %d less than its stock row", base.ItemID, base.WarehouseID, left)
	}
	return out, nil
}
