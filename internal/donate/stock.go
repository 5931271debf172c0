package donate

import (
	"context"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// MoveFilter narrows Moves.
type MoveFilter struct {
	Item   string // a catalogue id or name; "" every item
	Cursor string
	Limit  int
}

// Adjustment corrects the stock of one item: a count that found more or less
// than the ledger says, goods spoiled or lost. Quantity is signed.
type Adjustment struct {
	Item     string `json:"item"`     // a catalogue id or name
	Quantity int    `json:"quantity"` // units added (+) or taken (−); never 0
	// ExpiresOn is the lot: where units are added, or the one they are taken
	// from ("" when taking: the lots that expire first).
	ExpiresOn string `json:"expires_on,omitempty"`
	Reason    string `json:"reason"` // required
}

// Transfer moves goods of one item from one warehouse to another.
type Transfer struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Item      string `json:"item"`
	Quantity  int    `json:"quantity"`
	ExpiresOn string `json:"expires_on,omitempty"` // the lot to take; "" the lots that expire first
	Reason    string `json:"reason"`
}

// Stock is a warehouse's stock, item by item, as whoever sees the warehouse may
// see it: the items whose goods expire first come first (goods without a date
// after), each with its lots, soonest first.
func (s *Service) Stock(ctx context.Context, who Who, warehouseID string) ([]StockRow, error) {
	w, err := s.Warehouse(ctx, who, warehouseID)
	if err != nil {
		return nil, err
	}
	var rows []StockRow
	err = s.db.R().Snapshot(ctx, func(q store.Querier) error {
		var err error
		rows, err = store.All(ctx, q, func(r store.Scanner) (StockRow, error) {
			var x StockRow
			err := r.Scan(&x.ItemID, &x.Item, &x.Unit, &x.OnHand, &x.Reserved, &x.Issued)
			x.Available = x.OnHand - x.Reserved
			return x, err
		}, `SELECT st.item_id, si.name, si.unit, st.on_hand, st.reserved, st.issued
			FROM stock st JOIN stock_items si ON si.id = st.item_id
			WHERE st.warehouse_id = $1 ORDER BY si.name, st.item_id`, w.ID)
		if err != nil {
			return err
		}
		type lot struct {
			item string
			Lot
		}
		lots, err := store.All(ctx, q, func(r store.Scanner) (lot, error) {
			var l lot
			return l, r.Scan(&l.item, &l.ExpiresOn, &l.OnHand)
		}, `SELECT item_id, expires_on, on_hand FROM stock_lots WHERE warehouse_id = $1 AND on_hand > 0
			ORDER BY item_id, CASE WHEN expires_on = '' THEN 1 ELSE 0 END, expires_on`, w.ID)
		if err != nil {
			return err
		}
		byItem := map[string]int{}
		for i, x := range rows {
			byItem[x.ItemID] = i
		}
		for _, l := range lots {
			if i, ok := byItem[l.item]; ok {
				rows[i].Lots = append(rows[i].Lots, l.Lot)
				if rows[i].NextExpiry == "" && l.ExpiresOn != "" {
					rows[i].NextExpiry = l.ExpiresOn
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Soonest expiry first; goods that do not expire after, by name.
	slices.SortStableFunc(rows, func(a, b StockRow) int {
		switch {
		case a.NextExpiry == b.NextExpiry:
			return 0
		case a.NextExpiry == "":
			return 1
		case b.NextExpiry == "":
			return -1
		}
		return strings.Compare(a.NextExpiry, b.NextExpiry)
	})
	if rows == nil {
		rows = []StockRow{}
	}
	return rows, nil
}

// Moves lists a warehouse's ledger, newest first, to who acts for the warehouse
// (the admin, the office of its region); anyone else finds no such warehouse.
func (s *Service) Moves(ctx context.Context, who Who, warehouseID string, f MoveFilter) ([]Move, string, error) {
	w, err := s.warehouse(ctx, s.db.R(), warehouseID)
	if err != nil {
		return nil, "", err
	}
	if !s.actsFor(who, w) {
		return nil, "", errs.E(errs.NotFound, "no such warehouse")
	}
	item := ""
	if strings.TrimSpace(f.Item) != "" {
		it, err := s.findItem(ctx, s.db.R(), f.Item)
		if err != nil {
			return nil, "", errs.E(errs.Invalid, "the catalogue has no item %q", f.Item)
		}
		item = it.ID
	}
	after, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := store.Limit(f.Limit)
	// Ids are UUIDv7: their order is the order the movements were written in.
	q := `SELECT id, warehouse_id, item_id, expires_on, kind, on_hand, reserved, issued, ref, reason, user_id, created_at
		FROM stock_moves WHERE warehouse_id = $1 AND ($2 = '' OR item_id = $2) AND ($3 = '' OR id < $3)
		ORDER BY id DESC LIMIT $4`
	ms, err := store.All(ctx, s.db.R(), scanMove, q, w.ID, item, after.ID, limit+1)
	if err != nil {
		return nil, "", err
	}
	ms, next := store.Page(ms, limit, func(m Move) store.Cursor { return store.Cursor{At: m.CreatedAt, ID: m.ID} })
	return ms, next, nil
}

func scanMove(r store.Scanner) (Move, error) {
	var m Move
	err := r.Scan(&m.ID, &m.WarehouseID, &m.ItemID, &m.ExpiresOn, &m.Kind, &m.OnHand, &m.Reserved, &m.Issued, &m.Ref, &m.Reason,
		&m.UserID, &m.CreatedAt)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// staffWarehouse reads a warehouse in tx for who acts for it (HandleDonations
// and the warehouse's region); anything else is not found.
func (s *Service) staffWarehouse(ctx context.Context, tx *store.Tx, who Who, id string) (Warehouse, error) {
	w, err := s.warehouse(ctx, tx, strings.TrimSpace(id))
	if err != nil {
		return w, err
	}
	if !s.actsFor(who, w) {
		return Warehouse{}, errs.E(errs.NotFound, "no such warehouse")
	}
	return w, nil
}

// quantity checks a movement's size.
func quantity(n int) error {
	if n < 1 || n > MaxQuantity {
		return errs.E(errs.Invalid, "quantity must be 1 to %d", MaxQuantity)
	}
	return nil
}

// stockItem resolves a catalogue item for a movement: unknown is invalid.
func (s *Service) stockItem(ctx context.Context, q store.Querier, item string) (Item, error) {
	if strings.TrimSpace(item) == "" {
		return Item{}, errs.E(errs.Invalid, "name the item")
	}
	it, err := s.findItem(ctx, q, item)
	if err != nil {
		return Item{}, errs.E(errs.Invalid, "the catalogue has no item %q", item)
	}
	return it, nil
}

// lockStock takes the stock row of an item at a warehouse (making it when
// missing), so a movement that touches two warehouses locks them in one order.
func lockStock(ctx context.Context, tx *store.Tx, warehouseID, itemID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO stock (warehouse_id, item_id) VALUES ($1, $2)
		ON CONFLICT (warehouse_id, item_id) DO NOTHING`, warehouseID, itemID); err != nil {
		return err
	}
	var n int
	return store.One(ctx, tx, `SELECT on_hand FROM stock WHERE warehouse_id = $1 AND item_id = $2`+tx.Locking(` FOR UPDATE`),
		warehouseID, itemID).Scan(&n)
}

// take splits taking n units out of a warehouse into movements like base: from
// the lot named by expires, or the lots that expire first when it is "".
func (s *Service) take(ctx context.Context, tx *store.Tx, base Move, n int, expires string) ([]Move, error) {
	if expires == "" {
		return s.fefo(ctx, tx, base, n)
	}
	m := base
	m.ExpiresOn, m.OnHand = expires, -n
	return []Move{m}, nil
}

// Adjust corrects a warehouse's stock of one item by a signed quantity, with a
// reason, for who acts for the warehouse. Taking more than is on hand, or so
// much that what is reserved for commitments would no longer be there, is a
// conflict: stock never goes below zero. Taking without a lot takes the lots
// that expire first. The movement it answers sums the rows it wrote (one per
// lot; ExpiresOn "" when they were several).
func (s *Service) Adjust(ctx context.Context, who Who, warehouseID string, a Adjustment) (Move, error) {
	if !who.Can(account.HandleDonations) {
		return Move{}, who.Refusal(account.HandleDonations)
	}
	if a.Quantity == 0 || a.Quantity > MaxQuantity || a.Quantity < -MaxQuantity {
		return Move{}, errs.E(errs.Invalid, "an adjustment adds or takes 1 to %d units", MaxQuantity)
	}
	reason, err := text("reason", a.Reason, 1, MaxText)
	if err != nil {
		return Move{}, errs.E(errs.Invalid, "give the reason for the adjustment (1 to %d characters)", MaxText)
	}
	expires, err := date("expiry date", a.ExpiresOn, "")
	if err != nil {
		return Move{}, err
	}
	var out Move
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		w, err := s.staffWarehouse(ctx, tx, who, warehouseID)
		if err != nil {
			return err
		}
		it, err := s.stockItem(ctx, tx, a.Item)
		if err != nil {
			return err
		}
		base := Move{WarehouseID: w.ID, ItemID: it.ID, Kind: MoveAdjust, Reason: reason, UserID: who.UserID}
		var moves []Move
		if a.Quantity > 0 {
			m := base
			m.ExpiresOn, m.OnHand = expires, a.Quantity
			moves = []Move{m}
		} else if moves, err = s.take(ctx, tx, base, -a.Quantity, expires); err != nil {
			return err
		}
		for i := range moves {
			moves[i].ID = newID()
		}
		if err := s.post(ctx, tx, moves...); err != nil {
			return err
		}
		out = sum(moves)
		out.CreatedAt = whole(s.Now())
		return audit.Record(ctx, tx, audit.Change{Action: "stock.adjust", ObjectType: "warehouse", ObjectID: w.ID, Region: w.Region,
			Chain: w.chain, Detail: map[string]any{"item": it.ID, "quantity": a.Quantity, "expires_on": out.ExpiresOn, "reason": reason,
				"move": out.ID}})
	})
	if err != nil {
		return Move{}, err
	}
	return out, nil
}

// sum folds movements of one item into one: the first's id, the summed deltas,
// the lot when they share it.
func sum(ms []Move) Move {
	out := ms[0]
	out.OnHand, out.Reserved, out.Issued = 0, 0, 0
	for _, m := range ms {
		out.OnHand += m.OnHand
		out.Reserved += m.Reserved
		out.Issued += m.Issued
		if m.ExpiresOn != out.ExpiresOn {
			out.ExpiresOn = ""
		}
	}
	return out
}

// Transfer moves goods of one item from one warehouse to another, for who acts
// for the source; the destination may be any warehouse. Only what is available
// at the source (on hand less reserved) may leave, the lots that expire first
// unless ExpiresOn names the lot, and each lot arrives as the same lot. It
// answers the movements written: transfer_out rows at the source, then
// transfer_in rows at the destination, all with one reference.
func (s *Service) Transfer(ctx context.Context, who Who, t Transfer) ([]Move, error) {
	if !who.Can(account.HandleDonations) {
		return nil, who.Refusal(account.HandleDonations)
	}
	if err := quantity(t.Quantity); err != nil {
		return nil, err
	}
	reason, err := text("reason", t.Reason, 0, MaxText)
	if err != nil {
		return nil, err
	}
	expires, err := date("expiry date", t.ExpiresOn, "")
	if err != nil {
		return nil, err
	}
	t.From, t.To = strings.TrimSpace(t.From), strings.TrimSpace(t.To)
	if t.To == "" {
		return nil, errs.E(errs.Invalid, "name the warehouse to transfer to")
	}
	var out []Move
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		from, err := s.staffWarehouse(ctx, tx, who, t.From)
		if err != nil {
			return err
		}
		to, err := s.warehouse(ctx, tx, t.To)
		if err != nil {
			return errs.E(errs.Invalid, "the warehouse to transfer to does not exist")
		}
		if to.ID == from.ID {
			return errs.E(errs.Invalid, "a transfer goes to another warehouse")
		}
		it, err := s.stockItem(ctx, tx, t.Item)
		if err != nil {
			return err
		}
		// Both stock rows are locked in the order of warehouse ids, as every
		// writer of several rows does, so two transfers between the same two
		// warehouses in opposite directions wait rather than deadlock.
		ids := []string{from.ID, to.ID}
		slices.Sort(ids)
		for _, id := range ids {
			if err := lockStock(ctx, tx, id, it.ID); err != nil {
				return err
			}
		}
		ref := newID()
		base := Move{WarehouseID: from.ID, ItemID: it.ID, Kind: MoveTransferOut, Ref: ref, Reason: reason, UserID: who.UserID}
		outs, err := s.take(ctx, tx, base, t.Quantity, expires)
		if err != nil {
			return err
		}
		ins := make([]Move, len(outs))
		for i, m := range outs {
			outs[i].ID = newID()
			ins[i] = m
			ins[i].WarehouseID, ins[i].Kind, ins[i].OnHand = to.ID, MoveTransferIn, -m.OnHand
		}
		for i := range ins {
			ins[i].ID = newID()
		}
		if err := s.post(ctx, tx, outs...); err != nil {
			return err
		}
		if err := s.post(ctx, tx, ins...); err != nil {
			return err
		}
		out = append(outs, ins...)
		now := whole(s.Now())
		for i := range out {
			out[i].CreatedAt = now
		}
		detail := map[string]any{"item": it.ID, "quantity": t.Quantity, "from": from.ID, "to": to.ID, "ref": ref, "reason": reason}
		if err := audit.Record(ctx, tx, audit.Change{Action: "stock.transfer_out", ObjectType: "warehouse", ObjectID: from.ID,
			Region: from.Region, Chain: from.chain, Detail: detail}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "stock.transfer_in", ObjectType: "warehouse", ObjectID: to.ID,
			Region: to.Region, Chain: to.chain, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Distributes lists the warehouses whose stock who's organisation distributes
// (the task force commits from them), by name; none for anyone else.
func (s *Service) Distributes(ctx context.Context, who Who) ([]Warehouse, error) {
	if who.Role != account.Collaborator || !who.OrgVerified || who.OrgID == "" {
		return []Warehouse{}, nil
	}
	ws, err := store.All(ctx, s.db.R(), scanWarehouse, `SELECT `+warehouseCols+` FROM warehouses WHERE org_id = $1 ORDER BY name, id`, who.OrgID)
	for i := range ws {
		ws[i].RegionName = s.regionName(ws[i].Region)
	}
	return ws, err
}
