package allocate

import (
	"context"

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
