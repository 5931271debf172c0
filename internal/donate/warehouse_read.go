package donate

import (
	"context"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// WarehouseStock is a warehouse's stock for who may read it (ReadStock): the
// staff who act for the warehouse (the admin, the office of its region) and
// the members of the organisation that distributes its stock. Other
// collaborators see the warehouse, to offer goods to it, but not what it holds:
// for them there is no such warehouse.
func (s *Service) WarehouseStock(ctx context.Context, who Who, warehouseID string) (Warehouse, []StockRow, error) {
	w, err := s.warehouse(ctx, s.db.R(), warehouseID)
	if err != nil {
		return Warehouse{}, nil, err
	}
	if !s.readsStock(who, w) {
		return Warehouse{}, nil, errs.E(errs.NotFound, "no such warehouse")
	}
	rows, err := s.Stock(ctx, who, w.ID)
	return w, rows, err
}

// readsStock: staff who act for the warehouse, and the distributing organisation.
func (s *Service) readsStock(who Who, w Warehouse) bool {
	if !who.Can(account.ReadStock) {
		return false
	}
	if s.actsFor(who, w) {
		return true
	}
	return who.Role == account.Collaborator && who.OrgVerified && who.OrgID != "" && who.OrgID == w.OrgID
}

// ActsFor reports whether who acts for the warehouse (the admin, the office of
// its region): pages offer the ledger, adjustments and transfers to them only.
func (s *Service) ActsFor(who Who, w Warehouse) bool {
	return who.Can(account.HandleDonations) && s.actsFor(who, w)
}

// ReadsStock reports whether who may read the warehouse's stock.
func (s *Service) ReadsStock(who Who, w Warehouse) bool { return s.readsStock(who, w) }

// Destinations lists where who may transfer goods of the warehouse from (every
// other warehouse of the province, by region and name), for who acts for it; a
// transfer may go anywhere, so the staff see every warehouse's name and region
// here, and nothing more of it.
func (s *Service) Destinations(ctx context.Context, who Who, fromID string) ([]Warehouse, error) {
	from, err := s.warehouse(ctx, s.db.R(), fromID)
	if err != nil {
		return nil, err
	}
	if !s.ActsFor(who, from) {
		return nil, errs.E(errs.NotFound, "no such warehouse")
	}
	ws, err := store.All(ctx, s.db.R(), func(r store.Scanner) (Warehouse, error) {
		var w Warehouse
		err := r.Scan(&w.ID, &w.Name, &w.Kind, &w.Region)
		w.RegionName = s.regionName(w.Region)
		return w, err
	}, `SELECT id, name, kind, region FROM warehouses WHERE id <> $1 AND region >= $2 AND region < $3 ORDER BY region, name LIMIT $4`,
		from.ID, s.province, region.Upper(s.province), 500)
	if ws == nil {
		ws = []Warehouse{}
	}
	return ws, err
}
