package donate

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// IntakeLine is what arrived of one line of an offer in one condition.
type IntakeLine struct {
	// Line is the offer's line number; or Item names it (a catalogue id or
	// name, or the donor's text), when one line of the offer matches.
	Line      int    `json:"line,omitempty"`
	Item      string `json:"item,omitempty"`
	Received  int    `json:"received"`
	Condition string `json:"condition"` // good (default), damaged or expired
	ExpiresOn string `json:"expires_on,omitempty"`
}

// Intake is one delivery of goods at the warehouse, as the staff there record it.
type Intake struct {
	Items        []IntakeLine `json:"items"`
	ReceiverName string       `json:"receiver_name"` // who took the goods (the signed-in user when empty)
	Note         string       `json:"note"`
	// ClientRef is the client's idempotency key: a receipt sent twice on a bad
	// connection is one receipt.
	ClientRef string `json:"-"`
}

// lineFor finds the offer's line an intake line is about.
func lineFor(d Donation, in IntakeLine) (Line, error) {
	if in.Line != 0 {
		for _, l := range d.Items {
			if l.Line == in.Line {
				return l, nil
			}
		}
		return Line{}, errs.E(errs.Invalid, "the offer has no line %d", in.Line)
	}
	key := itemKey(in.Item)
	var found []Line
	for _, l := range d.Items {
		if key != "" && (l.ItemID == strings.TrimSpace(in.Item) || itemKey(l.Item) == key) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Line{}, errs.E(errs.Invalid, "the offer has no item %q", in.Item)
	}
	return Line{}, errs.E(errs.Invalid, "the offer has %q on several lines: give the line number", in.Item)
}

// Receive records what actually arrived of an accepted offer: per line and
// condition, with who received it. Good units enter the warehouse's stock (a
// receipt row of the ledger per line, in the lot of its expiry date); damaged and
// expired units are recorded and not stocked. Stock grows by what was received,
// never by what was promised. An offer may arrive in several deliveries; each is
// one receipt (tanda terima), and the donor is told.
func (s *Service) Receive(ctx context.Context, who Who, id string, in Intake) (Receipt, error) {
	if !who.Can(account.HandleDonations) {
		return Receipt{}, who.Refusal(account.HandleDonations)
	}
	if len(in.Items) == 0 || len(in.Items) > 3*MaxLines {
		return Receipt{}, errs.E(errs.Invalid, "a receipt holds 1 to %d lines", 3*MaxLines)
	}
	receiver, err := text("receiver name", in.ReceiverName, 0, MaxName)
	if err != nil {
		return Receipt{}, err
	}
	note, err := text("note", in.Note, 0, MaxText)
	if err != nil {
		return Receipt{}, err
	}
	if len(in.ClientRef) > 100 {
		return Receipt{}, errs.E(errs.Invalid, "the idempotency key is longer than 100 characters")
	}
	if receiver == "" {
		// The staff member who records it took the goods.
		if u, err := s.orgs.User(ctx, who.UserID); err == nil {
			receiver = u.Name
		}
	}
	var receiptID string
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.lockDonation(ctx, tx, who, id)
		if err != nil {
			return err
		}
		if in.ClientRef != "" {
			err := store.One(ctx, tx, `SELECT id FROM donation_receipts WHERE donation_id = $1 AND client_ref = $2`, id, in.ClientRef).Scan(&receiptID)
			if err == nil || !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		switch d.Status {
		case Accepted, Received:
		case Offered:
			return errs.E(errs.Conflict, "accept the offer before receiving its goods")
		default:
			return errs.E(errs.Conflict, "the offer is %s: nothing more can be received", d.Status)
		}
		type key struct {
			line      int
			condition string
		}
		got := map[key]ReceiptLine{}
		var order []key
		var units, good int
		var value int64
		for _, il := range in.Items {
			l, err := lineFor(d, il)
			if err != nil {
				return err
			}
			if l.ItemID == "" {
				return errs.E(errs.Conflict, "map %q to an item of the catalogue before receiving it", l.Item)
			}
			if il.Received < 1 || il.Received > MaxQuantity {
				return errs.E(errs.Invalid, "received must be 1 to %d", MaxQuantity)
			}
			cond := strings.ToLower(strings.TrimSpace(il.Condition))
			if cond == "" {
				cond = Good
			}
			if !contains([]string{Good, Damaged, Expired}, cond) {
				return errs.E(errs.Invalid, "condition must be good, damaged or expired")
			}
			exp := l.ExpiresOn
			if strings.TrimSpace(il.ExpiresOn) != "" {
				// Goods past their date may arrive (and are recorded as expired):
				// only the format is checked.
				if exp, err = date("expiry date", il.ExpiresOn, ""); err != nil {
					return err
				}
			}
			k := key{l.Line, cond}
			rl, seen := got[k]
			if seen && rl.ExpiresOn != exp {
				return errs.E(errs.Invalid, "line %d is given twice as %s with two expiry dates", l.Line, cond)
			}
			if !seen {
				order = append(order, k)
				rl = ReceiptLine{Line: l.Line, ItemID: l.ItemID, Item: l.Item, Unit: l.Unit, Condition: cond, ExpiresOn: exp}
			}
			rl.Quantity += il.Received
			if rl.Quantity > MaxQuantity {
				return errs.E(errs.Invalid, "received must be 1 to %d", MaxQuantity)
			}
			got[k] = rl
			units += il.Received
			if cond == Good {
				good += il.Received
				value += int64(il.Received) * l.UnitValue
			}
		}
		receiptID = newID()
		now := whole(s.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO donation_receipts (id, donation_id, warehouse_id, received_by, receiver_name, note,
			units, good, value, client_ref, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			receiptID, id, d.WarehouseID, who.UserID, receiver, note, units, good, value, in.ClientRef, now); err != nil {
			return err
		}
		var moves []Move
		for _, k := range order {
			rl := got[k]
			if _, err := tx.ExecContext(ctx, `INSERT INTO donation_receipt_lines (receipt_id, line, item_id, condition, quantity, expires_on)
				VALUES ($1,$2,$3,$4,$5,$6)`, receiptID, rl.Line, rl.ItemID, rl.Condition, rl.Quantity, rl.ExpiresOn); err != nil {
				return err
			}
			g := 0
			if rl.Condition == Good {
				g = rl.Quantity
				moves = append(moves, Move{WarehouseID: d.WarehouseID, ItemID: rl.ItemID, ExpiresOn: rl.ExpiresOn, Kind: MoveReceipt,
					OnHand: rl.Quantity, Ref: receiptID, UserID: who.UserID})
			}
			if _, err := tx.ExecContext(ctx, `UPDATE donation_items SET received = received + $1, good = good + $2
				WHERE donation_id = $3 AND line = $4`, rl.Quantity, g, id, rl.Line); err != nil {
				return err
			}
		}
		// Stock rows are locked in one order (item id) by every writer of
		// several items, so two receipts never wait on each other in a cycle.
		sortMoves(moves)
		if err := s.post(ctx, tx, moves...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE donations SET status = 'received', updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "donation.receive", ObjectType: "donation", ObjectID: id, Region: d.Region,
			Chain: d.chain, Detail: map[string]any{"receipt": receiptID, "units": units, "good": good, "value": value, "org": d.OrgID}}); err != nil {
			return err
		}
		return s.tell(ctx, tx, d, "donation_received", receiptID, map[string]string{"warehouse": d.Warehouse,
			"units": document.FormatNumber(units), "good": document.FormatNumber(good)})
	})
	if err != nil {
		return Receipt{}, err
	}
	x, _, err := s.Receipt(ctx, who, receiptID)
	return x, err
}

// sortMoves orders movements by item and lot, the order stock rows are locked in.
func sortMoves(ms []Move) {
	slices.SortStableFunc(ms, func(a, b Move) int {
		return cmp.Or(strings.Compare(a.WarehouseID, b.WarehouseID), strings.Compare(a.ItemID, b.ItemID))
	})
}
