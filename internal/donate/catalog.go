package donate

import (
	"context"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// MaxItems bounds the catalogue: a list a donor picks from on a phone.
const MaxItems = 500

// NewItem is the input of CreateItem.
type NewItem struct {
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	Perishable bool   `json:"perishable"`
}

// CreateItem adds an item to the catalogue (admin). A name already there, in
// any case and spacing, is a conflict.
func (s *Service) CreateItem(ctx context.Context, who Who, in NewItem) (Item, error) {
	if !who.Can(account.ManageWarehouses) {
		return Item{}, who.Refusal(account.ManageWarehouses)
	}
	var err error
	if in.Name, err = text("name", in.Name, 2, MaxName); err != nil {
		return Item{}, err
	}
	if in.Unit, err = text("unit", in.Unit, 1, 40); err != nil {
		return Item{}, err
	}
	it := Item{ID: newID(), Name: in.Name, Unit: in.Unit, Perishable: in.Perishable}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var n int
		if err := store.One(ctx, tx, `SELECT COUNT(*) FROM stock_items`).Scan(&n); err != nil {
			return err
		}
		if n >= MaxItems {
			return errs.E(errs.Conflict, "the catalogue holds %d items already", n)
		}
		if _, err := s.findItem(ctx, tx, in.Name); err == nil {
			return errs.E(errs.Conflict, "the catalogue has %q already", in.Name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stock_items (id, key, name, unit, perishable, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
			it.ID, itemKey(it.Name), it.Name, it.Unit, boolInt(it.Perishable), s.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "stock_item.create", ObjectType: "stock_item", ObjectID: it.ID,
			Detail: map[string]any{"name": it.Name, "unit": it.Unit, "perishable": it.Perishable}})
	})
	return it, err
}

// Items is the catalogue, by name. Every signed-in caller reads it.
func (s *Service) Items(ctx context.Context) ([]Item, error) {
	items, err := store.All(ctx, s.db.R(), func(r store.Scanner) (Item, error) {
		var it Item
		var p int
		err := r.Scan(&it.ID, &it.Name, &it.Unit, &p)
		it.Perishable = p == 1
		return it, err
	}, `SELECT id, name, unit, perishable FROM stock_items ORDER BY key LIMIT $1`, MaxItems)
	if items == nil {
		items = []Item{}
	}
	return items, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
