package allocate

import (
	"context"
	"fmt"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// Stock is what the engine needs of a warehouse's stock, for commitments that
// give from it (the task force's onward distribution, issue 13). Package donate
// owns the stock and implements it; internal/app wires it with UseStock.
type Stock interface {
	// Source answers the catalogue item orgID may give from the warehouse, or
	// not_found when the warehouse is not the organisation's to distribute.
	// item is an item id or name; "" means the item named like the program's.
	Source(ctx context.Context, q store.Querier, orgID, warehouseID, item, programItem string) (itemID string, err error)
	// Settle makes the commitment's reservation of the warehouse's stock equal
	// open (units allocated and not ended, plus waiting) and its issue equal
	// delivered, in tx; reserving more than is available is a conflict.
	Settle(ctx context.Context, tx *store.Tx, commitmentID, warehouseID, itemID string, open, delivered int, userID string) error
}

// UseStock lets commitments give from warehouses' stock.
func (s *Service) UseStock(st Stock) { s.stock = st }

// source checks a request that gives from a warehouse: the stock is wired, the
// warehouse is the committing organisation's to distribute, and the item is in
// the catalogue. It answers the stock item's id ("" for a request without a
// warehouse, which gives the organisation's own goods as before).
func (s *Service) source(ctx context.Context, q store.Querier, who Who, req Request, p program.Program) (string, error) {
	if strings.TrimSpace(req.WarehouseID) == "" {
		if strings.TrimSpace(req.Item) != "" {
			return "", errs.E(errs.Invalid, "an item is given from a warehouse: name the warehouse_id")
		}
		return "", nil
	}
	if s.stock == nil {
		return "", errs.E(errs.NotFound, "no such warehouse")
	}
	return s.stock.Source(ctx, q, who.OrgID, strings.TrimSpace(req.WarehouseID), req.Item, p.Item.Name)
}

// settleStock brings what a commitment from a warehouse holds of its stock in
// line with the commitment, in tx: its open units (reserved and dispatched
// allocations, and what still waits) stay reserved, its delivered units are
// issued. A commitment without a warehouse is left alone. It runs after the
// commitment's allocations and counters are written, so the stock row is the
// last lock the transaction takes, in every path that calls it.
func (s *Service) settleStock(ctx context.Context, tx *store.Tx, commitmentID string) error {
	var warehouse, item string
	var open, delivered int
	err := store.One(ctx, tx, `SELECT c.warehouse_id, c.stock_item, c.waiting +
			COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status IN ('reserved','dispatched')), 0),
			COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status = 'delivered'), 0)
		FROM commitments c WHERE c.id = $1`, commitmentID).Scan(&warehouse, &item, &open, &delivered)
	if err != nil || warehouse == "" {
		return err
	}
	if s.stock == nil {
		return fmt.Errorf("allocate: commitment %s gives from a warehouse, but no stock is wired (UseStock)", commitmentID)
	}
	user := "system"
	if a, ok := audit.ActorFrom(ctx); ok && a.ID != "" {
		user = a.ID
	}
	return s.stock.Settle(ctx, tx, commitmentID, warehouse, item, open, delivered, user)
}
