package donate

import (
	"context"
	"fmt"
	"strings"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Source checks that orgID may give item from the warehouse's stock — the
// warehouse exists and orgID is the organisation that distributes it — and
// returns the item's id. item is a catalogue id or name; "" takes the catalogue
// item named like the program's item (programItem). It reads through q.
func (s *Service) Source(ctx context.Context, q store.Querier, orgID, warehouseID, item, programItem string) (string, error) {
	var whOrg string
	err := store.One(ctx, q, `SELECT org_id FROM warehouses WHERE id = $1`, strings.TrimSpace(warehouseID)).Scan(&whOrg)
	if err != nil {
		return "", store.NotFound(err, "no such warehouse")
	}
	if whOrg == "" || whOrg != orgID {
		return "", errs.E(errs.NotFound, "no such warehouse")
	}
	if strings.TrimSpace(item) == "" {
		item = programItem
	}
	it, err := s.findItem(ctx, q, item)
	if err != nil {
		return "", errs.E(errs.Invalid, "the warehouse's catalogue has no item %q: name the stock item to give", item)
	}
	return it.ID, nil
}

// findItem finds a catalogue item by id or by name (case and spaces ignored).
func (s *Service) findItem(ctx context.Context, q store.Querier, item string) (Item, error) {
	var it Item
	var perishable int
	err := store.One(ctx, q, `SELECT id, name, unit, perishable FROM stock_items WHERE id = $1 OR key = $2`,
		strings.TrimSpace(item), itemKey(item)).Scan(&it.ID, &it.Name, &it.Unit, &perishable)
	it.Perishable = perishable == 1
	return it, store.NotFound(err, "no such item")
}

// itemKey is the catalogue's unique key of a name: lower case, single spaces.
func itemKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

// Settle brings what a commitment from a warehouse holds of its stock in line
// with its allocations, in the commitment's transaction: open units (allocated
// and neither delivered nor released, plus those still waiting) stay reserved,
// and delivered units are issued — taken off the shelf, the lots that expire
// first first. It posts only the difference from the last settlement, so it is
// safe to call after any change of the commitment, any number of times.
// Reserving more than is available is a conflict, and the caller's transaction
// (the commitment) fails with it: stock never goes below zero.
func (s *Service) Settle(ctx context.Context, tx *store.Tx, commitmentID, warehouseID, itemID string, open, delivered int, userID string) error {
	if open < 0 || delivered < 0 {
		return fmt.Errorf("donate: settle %s: open %d, delivered %d", commitmentID, open, delivered)
	}
	var reserved, issued int
	err := store.One(ctx, tx, `SELECT reserved, issued FROM stock_commitments WHERE commitment_id = $1`+tx.Locking(` FOR UPDATE`),
		commitmentID).Scan(&reserved, &issued)
	if errs.Is(err, errs.NotFound) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock_commitments (commitment_id, warehouse_id, item_id, reserved, issued)
			VALUES ($1, $2, $3, 0, 0)`, commitmentID, warehouseID, itemID); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	base := Move{WarehouseID: warehouseID, ItemID: itemID, Ref: commitmentID, UserID: userID}
	var moves []Move
	if d := delivered - issued; d > 0 {
		// Issued units were reserved: they leave both.
		m := base
		m.Kind, m.Reserved, m.Issued = MoveIssue, -1, 1
		if d > reserved {
			return fmt.Errorf("donate: settle %s: %d delivered beyond the %d reserved", commitmentID, d, reserved)
		}
		ms, err := s.fefo(ctx, tx, m, d)
		if err != nil {
			return err
		}
		moves = append(moves, ms...)
		reserved -= d
	} else if d < 0 {
		return fmt.Errorf("donate: settle %s: delivered went down from %d to %d", commitmentID, issued, delivered)
	}
	if d := open - reserved; d != 0 {
		m := base
		m.Kind, m.Reserved = MoveReserve, d
		if d < 0 {
			m.Kind = MoveRelease
		}
		moves = append(moves, m)
	}
	if err := s.post(ctx, tx, moves...); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE stock_commitments SET reserved = $1, issued = $2 WHERE commitment_id = $3`,
		open, delivered, commitmentID)
	return err
}
