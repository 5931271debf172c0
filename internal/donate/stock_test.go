package donate

import (
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestStockOperationsMoveTheLedger adjusts and transfers stock and reads it back:
// rows soonest expiry first, lots soonest first, the ledger newest first and paged.
func TestStockOperationsMoveTheLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.warehouse("31.71.01", "")
		b := f.warehouse("31.72.01", "")
		if err := f.postTx(Move{WarehouseID: a.ID, ItemID: "item-beras", Kind: MoveReceipt, OnHand: 10, ExpiresOn: "2027-03-01"},
			Move{WarehouseID: a.ID, ItemID: "item-beras", Kind: MoveReceipt, OnHand: 5, ExpiresOn: "2027-01-01"},
			Move{WarehouseID: a.ID, ItemID: "item-masker", Kind: MoveReceipt, OnHand: 100}); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.Adjust(f.ctx, testAdmin, a.ID, Adjustment{Item: "Beras", Quantity: -7, Reason: "busuk"})
		if err != nil {
			t.Fatal(err)
		}
		if m.OnHand != -7 || m.Kind != MoveAdjust || m.ExpiresOn != "" {
			t.Fatalf("adjustment %+v", m)
		}
		// The early lot (5) went first, then 2 of the late one.
		ms, err := f.s.Transfer(f.ctx, testAdmin, Transfer{From: a.ID, To: b.ID, Item: "item-beras", Quantity: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].Kind != MoveTransferOut || ms[0].OnHand != -3 || ms[1].Kind != MoveTransferIn || ms[1].OnHand != 3 ||
			ms[1].ExpiresOn != "2027-03-01" || ms[0].Ref == "" || ms[0].Ref != ms[1].Ref {
			t.Fatalf("transfer %+v", ms)
		}
		rows, err := f.s.Stock(f.ctx, testAdmin, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].ItemID != "item-beras" || rows[0].OnHand != 5 || rows[0].Available != 5 ||
			rows[0].NextExpiry != "2027-03-01" || rows[1].ItemID != "item-masker" || rows[1].OnHand != 100 || len(rows[1].Lots) != 1 {
			t.Fatalf("stock of a: %+v", rows)
		}
		rows, err = f.s.Stock(f.ctx, testAdmin, b.ID)
		if err != nil || len(rows) != 1 || rows[0].OnHand != 3 || rows[0].Lots[0].ExpiresOn != "2027-03-01" {
			t.Fatalf("stock of b: %+v %v", rows, err)
		}
		all, next, err := f.s.Moves(f.ctx, testAdmin, a.ID, MoveFilter{Item: "beras", Limit: 2})
		if err != nil || len(all) != 2 || next == "" || all[0].Kind != MoveTransferOut {
			t.Fatalf("first page: %+v %q %v", all, next, err)
		}
		rest, next, err := f.s.Moves(f.ctx, testAdmin, a.ID, MoveFilter{Item: "beras", Cursor: next, Limit: 2})
		if err != nil || len(rest) != 2 || next == "" || rest[0].ID >= all[1].ID {
			t.Fatalf("second page: %+v %q %v", rest, next, err)
		}
		office := f.office("31.71")
		if _, _, err := f.s.Moves(f.ctx, office, a.ID, MoveFilter{}); err != nil {
			t.Fatalf("the office of the warehouse's kota reads its ledger: %v", err)
		}
		if _, _, err := f.s.Moves(f.ctx, f.office("31.72"), a.ID, MoveFilter{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another kota's office reads the ledger: %v, want not_found", err)
		}
		donor := f.org("Donatur", true)
		if _, _, err := f.s.Moves(f.ctx, donor, a.ID, MoveFilter{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a collaborator reads the ledger: %v, want not_found", err)
		}
		if _, err := f.s.Stock(f.ctx, Who{}, a.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("anyone reads the stock: %v, want not_found", err)
		}
		f.ledgerMatches()
	})
}

// TestIllegalMovementsAreRefused tries every movement the ledger must refuse.
func TestIllegalMovementsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.warehouse("31.71.01", "")
		b := f.warehouse("31.72.01", "")
		if err := f.postTx(Move{WarehouseID: a.ID, ItemID: "item-beras", Kind: MoveReceipt, OnHand: 10, ExpiresOn: "2027-03-01"},
			Move{WarehouseID: a.ID, ItemID: "item-beras", Kind: MoveReserve, Reserved: 4}); err != nil {
			t.Fatal(err)
		}
		other := f.office("31.72")
		donor := f.org("Donatur", true)
		adj := func(who Who, wh string, a Adjustment) error { _, err := f.s.Adjust(f.ctx, who, wh, a); return err }
		tr := func(who Who, t Transfer) error { _, err := f.s.Transfer(f.ctx, who, t); return err }
		for _, c := range []struct {
			name string
			err  error
			want errs.Kind
		}{
			{"an adjustment of zero", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: 0, Reason: "x"}), errs.Invalid},
			{"an adjustment without a reason", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: 1, Reason: "  "}), errs.Invalid},
			{"an adjustment of an unknown item", adj(testAdmin, a.ID, Adjustment{Item: "emas", Quantity: 1, Reason: "x"}), errs.Invalid},
			{"an adjustment of a huge quantity", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: MaxQuantity + 1, Reason: "x"}), errs.Invalid},
			{"taking more than is on hand", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: -11, Reason: "x"}), errs.Conflict},
			{"taking what is reserved", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: -7, Reason: "x"}), errs.Conflict},
			{"taking from a lot that is not there", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: -1, ExpiresOn: "2027-01-01", Reason: "x"}), errs.Conflict},
			{"a bad expiry date", adj(testAdmin, a.ID, Adjustment{Item: "beras", Quantity: 1, ExpiresOn: "besok", Reason: "x"}), errs.Invalid},
			{"another kota's office adjusting", adj(other, a.ID, Adjustment{Item: "beras", Quantity: 1, Reason: "x"}), errs.NotFound},
			{"a collaborator adjusting", adj(donor, a.ID, Adjustment{Item: "beras", Quantity: 1, Reason: "x"}), errs.NotFound},
			{"an adjustment of an unknown warehouse", adj(testAdmin, "nope", Adjustment{Item: "beras", Quantity: 1, Reason: "x"}), errs.NotFound},
			{"a transfer to itself", tr(testAdmin, Transfer{From: a.ID, To: a.ID, Item: "beras", Quantity: 1}), errs.Invalid},
			{"a transfer of zero", tr(testAdmin, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: 0}), errs.Invalid},
			{"a negative transfer", tr(testAdmin, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: -3}), errs.Invalid},
			{"a transfer of an unknown item", tr(testAdmin, Transfer{From: a.ID, To: b.ID, Item: "emas", Quantity: 1}), errs.Invalid},
			{"a transfer of more than is available", tr(testAdmin, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: 7}), errs.Conflict},
			{"a transfer to nowhere", tr(testAdmin, Transfer{From: a.ID, To: "nope", Item: "beras", Quantity: 1}), errs.Invalid},
			{"a transfer by another kota's office", tr(other, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: 1}), errs.NotFound},
			{"a transfer by a collaborator", tr(donor, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: 1}), errs.NotFound},
		} {
			if !errs.Is(c.err, c.want) {
				t.Errorf("%s: %v, want %s", c.name, c.err, c.want)
			}
		}
		if h, r, _ := f.stockOf(a.ID, "item-beras"); h != 10 || r != 4 {
			t.Fatalf("refused movements changed the stock: %d on hand, %d reserved", h, r)
		}
		// The legal edge: exactly what is available leaves.
		if err := tr(other, Transfer{From: b.ID, To: a.ID, Item: "beras", Quantity: 1}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("transferring from an empty warehouse: %v, want conflict", err)
		}
		if err := tr(testAdmin, Transfer{From: a.ID, To: b.ID, Item: "beras", Quantity: 6}); err != nil {
			t.Fatalf("transferring all that is available: %v", err)
		}
		f.ledgerMatches()
	})
}

// ledgerMatches fails when stock or its lots differ from the sums of the ledger.
func (f *fixture) ledgerMatches() {
	f.t.Helper()
	var bad int
	err := store.One(f.ctx, f.db.R(), `SELECT COUNT(*) FROM stock st LEFT JOIN (SELECT warehouse_id, item_id, SUM(on_hand) h, SUM(reserved) r,
		SUM(issued) i FROM stock_moves GROUP BY warehouse_id, item_id) m ON m.warehouse_id = st.warehouse_id AND m.item_id = st.item_id
		WHERE st.on_hand <> COALESCE(m.h, 0) OR st.reserved <> COALESCE(m.r, 0) OR st.issued <> COALESCE(m.i, 0)`).Scan(&bad)
	if err != nil || bad != 0 {
		f.t.Fatalf("stock differs from its ledger in %d rows (%v)", bad, err)
	}
	err = store.One(f.ctx, f.db.R(), `SELECT COUNT(*) FROM (SELECT warehouse_id, item_id, expires_on, SUM(on_hand) h FROM stock_moves
		GROUP BY warehouse_id, item_id, expires_on) m LEFT JOIN stock_lots l ON l.warehouse_id = m.warehouse_id AND l.item_id = m.item_id
		AND l.expires_on = m.expires_on WHERE m.h <> COALESCE(l.on_hand, 0)`).Scan(&bad)
	if err != nil || bad != 0 {
		f.t.Fatalf("lots differ from the ledger in %d lots (%v)", bad, err)
	}
	err = store.One(f.ctx, f.db.R(), `SELECT COUNT(*) FROM stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`).Scan(&bad)
	if err != nil || bad != 0 {
		f.t.Fatalf("%d stock rows below zero (%v)", bad, err)
	}
}
