package donate

import (
	"context"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestLedgerRefusesToGoNegativeAndSettles receives two lots, refuses to reserve
// more than is on hand, settles a commitment through reservation, a delivery
// (issued from the lot that expires first) and a release.
func TestLedgerRefusesToGoNegativeAndSettles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.warehouse("31.71.01", "")
		const item = "item-paket-sembako"
		if err := f.postTx(Move{WarehouseID: w.ID, ItemID: item, Kind: MoveReceipt, OnHand: 10, ExpiresOn: "2027-03-01"},
			Move{WarehouseID: w.ID, ItemID: item, Kind: MoveReceipt, OnHand: 5, ExpiresOn: "2027-01-01"}); err != nil {
			t.Fatal(err)
		}
		if err := f.postTx(Move{WarehouseID: w.ID, ItemID: item, Kind: MoveAdjust, OnHand: -16, Reason: "count"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("taking 16 of 15: %v, want conflict", err)
		}
		settle := func(open, delivered int) error {
			return db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error {
				return f.s.Settle(ctx, tx, "c1", w.ID, item, open, delivered, "test-admin")
			})
		}
		if err := settle(16, 0); !errs.Is(err, errs.Conflict) {
			t.Fatalf("reserving 16 of 15: %v, want conflict", err)
		}
		if err := settle(12, 0); err != nil {
			t.Fatal(err)
		}
		if h, r, i := f.stockOf(w.ID, item); h != 15 || r != 12 || i != 0 {
			t.Fatalf("after reserving 12: %d/%d/%d", h, r, i)
		}
		if err := settle(5, 7); err != nil { // 7 delivered
			t.Fatal(err)
		}
		if h, r, i := f.stockOf(w.ID, item); h != 8 || r != 5 || i != 7 {
			t.Fatalf("after delivering 7: %d/%d/%d", h, r, i)
		}
		var early, late int
		_ = store.One(f.ctx, db.R(), `SELECT COALESCE(SUM(CASE WHEN expires_on = '2027-01-01' THEN on_hand END), 0),
			COALESCE(SUM(CASE WHEN expires_on = '2027-03-01' THEN on_hand END), 0) FROM stock_lots WHERE warehouse_id = $1`, w.ID).Scan(&early, &late)
		if early != 0 || late != 8 {
			t.Fatalf("lots after issuing 7: early %d, late %d; want the early lot issued first", early, late)
		}
		if err := settle(0, 7); err != nil { // the rest released
			t.Fatal(err)
		}
		if h, r, i := f.stockOf(w.ID, item); h != 8 || r != 0 || i != 7 {
			t.Fatalf("after releasing: %d/%d/%d", h, r, i)
		}
		var sumH, sumR, sumI int
		_ = store.One(f.ctx, db.R(), `SELECT SUM(on_hand), SUM(reserved), SUM(issued) FROM stock_moves WHERE warehouse_id = $1`, w.ID).
			Scan(&sumH, &sumR, &sumI)
		if sumH != 8 || sumR != 0 || sumI != 7 {
			t.Fatalf("ledger sums %d/%d/%d, want 8/0/7", sumH, sumR, sumI)
		}
	})
}
