package donate

import (
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if errs.KindOf(err) != kind {
		t.Fatalf("%s: %v, want %s", what, err, kind)
	}
}

// TestOfferLifecycleRefusesEveryIllegalTransition walks an offer through every
// status and tries each decision from each status it may not leave that way.
func TestOfferLifecycleRefusesEveryIllegalTransition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.warehouse("31.71.01", "")
		donor := f.org("PT Donatur", true)
		office, other := f.office("31.71"), f.office("31.74")
		offer := func() Donation {
			d, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: w.ID, Items: []OfferLine{
				{Item: "masker", Quantity: 1000, UnitValue: 2000},
				{Item: "Paket Sembako", Quantity: 50, UnitValue: 200000, ExpiresOn: "2099-06-01"},
				{Item: "Susu UHT kotak", Unit: "kotak", Quantity: 30, UnitValue: 5000}}})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := offer()
		if d.Status != Offered || d.Value != 1000*2000+50*200000+30*5000 || d.Items[0].ItemID != "item-masker" || d.Items[2].ItemID != "" {
			t.Fatalf("offer: %+v", d)
		}
		// Nobody but the warehouse's staff decides; another office does not see it.
		_, err := f.s.Accept(f.ctx, other, d.ID)
		wantKind(t, "accept by another kota's office", err, errs.NotFound)
		_, err = f.s.Accept(f.ctx, donor, d.ID)
		wantKind(t, "accept by the donor", err, errs.NotFound)
		_, err = f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 10}}})
		wantKind(t, "receive before accepting", err, errs.Conflict)
		_, err = f.s.Close(f.ctx, office, d.ID, "")
		wantKind(t, "close an offer", err, errs.Conflict)
		if d, err = f.s.Accept(f.ctx, office, d.ID); err != nil || d.Status != Accepted {
			t.Fatalf("accept: %v %+v", err, d)
		}
		_, err = f.s.Accept(f.ctx, office, d.ID)
		wantKind(t, "accept twice", err, errs.Conflict)
		_, err = f.s.Decline(f.ctx, office, d.ID, "tidak jadi")
		wantKind(t, "decline an accepted offer", err, errs.Conflict)
		// Free text is mapped before it is received.
		_, err = f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Line: 3, Received: 30}}})
		wantKind(t, "receive unmapped free text", err, errs.Conflict)
		if _, err := f.s.MapLine(f.ctx, office, d.ID, 3, "makanan siap saji"); err != nil {
			t.Fatal(err)
		}
		// Partial and repeated deliveries; damaged goods are recorded, not stocked.
		x, err := f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Item: "masker", Received: 600},
			{Item: "masker", Received: 40, Condition: "damaged"}, {Line: 2, Received: 20}}, ClientRef: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		if x.Units != 660 || x.Good != 620 || x.Value != 600*2000+20*200000 || len(x.Lines) != 3 {
			t.Fatalf("receipt: %+v", x)
		}
		again, err := f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Item: "masker", Received: 600}}, ClientRef: "k1"})
		if err != nil || again.ID != x.ID {
			t.Fatalf("the same receipt sent twice: %v, %s vs %s", err, again.ID, x.ID)
		}
		_, err = f.s.MapLine(f.ctx, office, d.ID, 1, "hazmat")
		wantKind(t, "remap a received line", err, errs.Conflict)
		if _, err := f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Item: "masker", Received: 400}}}); err != nil {
			t.Fatal(err)
		}
		if h, r, _ := f.stockOf(w.ID, "item-masker"); h != 1000 || r != 0 {
			t.Fatalf("masker on hand %d, reserved %d; want 1000 (600+400 good, 40 damaged not stocked)", h, r)
		}
		if h, _, _ := f.stockOf(w.ID, "item-paket-sembako"); h != 20 {
			t.Fatalf("sembako on hand %d, want 20", h)
		}
		_, err = f.s.Withdraw(f.ctx, donor, d.ID)
		wantKind(t, "withdraw after goods arrived", err, errs.Conflict)
		if d, err = f.s.Close(f.ctx, office, d.ID, "selesai"); err != nil || d.Status != Closed {
			t.Fatalf("close: %v %+v", err, d)
		}
		_, err = f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 1}}})
		wantKind(t, "receive into a closed offer", err, errs.Conflict)

		// Declined and withdrawn offers take nothing more.
		d2 := offer()
		if _, err := f.s.Decline(f.ctx, office, d2.ID, ""); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("decline without a reason: %v", err)
		}
		if d2, err = f.s.Decline(f.ctx, office, d2.ID, "gudang penuh"); err != nil || d2.Status != Declined || d2.Reason != "gudang penuh" {
			t.Fatalf("decline: %v %+v", err, d2)
		}
		_, err = f.s.Accept(f.ctx, office, d2.ID)
		wantKind(t, "accept a declined offer", err, errs.Conflict)
		_, err = f.s.Receive(f.ctx, office, d2.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 1}}})
		wantKind(t, "receive a declined offer", err, errs.Conflict)
		d3 := offer()
		if d3, err = f.s.Withdraw(f.ctx, donor, d3.ID); err != nil || d3.Status != Withdrawn {
			t.Fatalf("withdraw: %v %+v", err, d3)
		}
		_, err = f.s.Accept(f.ctx, office, d3.ID)
		wantKind(t, "accept a withdrawn offer", err, errs.Conflict)

		// Lists: the donor its own, the office its region's, another office none.
		if ds, _, err := f.s.Donations(f.ctx, donor, DonationFilter{}); err != nil || len(ds) != 3 {
			t.Fatalf("donor's list: %v, %d", err, len(ds))
		}
		if ds, _, err := f.s.Donations(f.ctx, other, DonationFilter{}); err != nil || len(ds) != 0 {
			t.Fatalf("another office's list: %v, %d", err, len(ds))
		}
		if ds, next, err := f.s.Donations(f.ctx, office, DonationFilter{Limit: 2}); err != nil || len(ds) != 2 || next == "" {
			t.Fatalf("office's first page: %v, %d, %q", err, len(ds), next)
		} else if rest, next2, err := f.s.Donations(f.ctx, office, DonationFilter{Limit: 2, Cursor: next}); err != nil || len(rest) != 1 || next2 != "" ||
			rest[0].ID == ds[0].ID || rest[0].ID == ds[1].ID {
			t.Fatalf("office's second page: %v, %d, %q", err, len(rest), next2)
		}
		xs, err := f.s.Receipts(f.ctx, donor, d.ID)
		if err != nil || len(xs) != 2 {
			t.Fatalf("the donor's receipts: %v, %d", err, len(xs))
		}
		if _, _, err := f.s.Receipt(f.ctx, f.org("Lain", true), xs[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organisation reads a receipt: %v", err)
		}
	})
}

// TestOfferRefusesBadInput: an unverified organisation, unknown warehouse, bad
// lines and hostile text.
func TestOfferRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.warehouse("31.71.01", "")
		donor := f.org("PT Donatur", true)
		pending := f.org("PT Menunggu", false)
		good := OfferLine{Item: "masker", Quantity: 1}
		_, err := f.s.Offer(f.ctx, pending, NewOffer{WarehouseID: w.ID, Items: []OfferLine{good}})
		if err == nil {
			t.Fatal("an unverified organisation offered goods")
		}
		for name, in := range map[string]NewOffer{
			"no items":             {WarehouseID: w.ID},
			"zero quantity":        {WarehouseID: w.ID, Items: []OfferLine{{Item: "masker"}}},
			"negative value":       {WarehouseID: w.ID, Items: []OfferLine{{Item: "masker", Quantity: 1, UnitValue: -1}}},
			"free text, no unit":   {WarehouseID: w.ID, Items: []OfferLine{{Item: "Selimut", Quantity: 1}}},
			"wrong unit":           {WarehouseID: w.ID, Items: []OfferLine{{Item: "masker", Unit: "karung", Quantity: 1}}},
			"expired already":      {WarehouseID: w.ID, Items: []OfferLine{{Item: "beras", Quantity: 1, ExpiresOn: "2020-01-01"}}},
			"not a date":           {WarehouseID: w.ID, Items: []OfferLine{{Item: "beras", Quantity: 1, ExpiresOn: "besok"}}},
			"right-to-left":        {WarehouseID: w.ID, Items: []OfferLine{{Item: "mas\u202eker", Quantity: 1}}},
			"NUL":                  {WarehouseID: w.ID, Items: []OfferLine{good}, Note: "a\x00b"},
			"too many lines":       {WarehouseID: w.ID, Items: make([]OfferLine, MaxLines+1)},
			"past arrival":         {WarehouseID: w.ID, Items: []OfferLine{good}, ArriveOn: "2000-01-01"},
			"absurd quantity":      {WarehouseID: w.ID, Items: []OfferLine{{Item: "masker", Quantity: MaxQuantity + 1}}},
			"idempotency key long": {WarehouseID: w.ID, Items: []OfferLine{good}, ClientRef: string(make([]byte, 101))},
		} {
			if _, err := f.s.Offer(f.ctx, donor, in); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if _, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: "nope", Items: []OfferLine{good}}); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown warehouse: %v", err)
		}
		a, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: w.ID, Items: []OfferLine{good}, ClientRef: "dua-kali"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: w.ID, Items: []OfferLine{good}, ClientRef: "dua-kali"})
		if err != nil || a.ID != b.ID {
			t.Fatalf("an offer sent twice made two: %v %s %s", err, a.ID, b.ID)
		}
	})
}

// TestValuesBeyondThirtyTwoBits keeps rupiah values whole on both engines: a unit
// value may reach Rp10.000.000.000 and a receipt's value is many of them.
func TestValuesBeyondThirtyTwoBits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.warehouse("31.71.01", "")
		donor, office := f.org("PT Donatur Besar", true), f.office("31.71")
		d, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: w.ID, Items: []OfferLine{
			{Item: "hazmat", Quantity: 3, UnitValue: MaxUnitValue}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Accept(f.ctx, office, d.ID); err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := f.s.Receipt(f.ctx, office, r.ID)
		if err != nil || got.Value != 3*MaxUnitValue {
			t.Fatalf("receipt value %d (%v), want %d", got.Value, err, int64(3*MaxUnitValue))
		}
		back, err := f.s.Donation(f.ctx, donor, d.ID)
		if err != nil || back.Items[0].UnitValue != MaxUnitValue || back.Value != 3*MaxUnitValue {
			t.Fatalf("donation read back: %+v %v", back, err)
		}
	})
}
