package donate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestTaskForceCountsOnlyGoodReceivedUnitsAndDonorsWithReceipts gives the
// public figures offers in every state: only good units that arrived count,
// and only organisations with such units are donors.
func TestTaskForceCountsOnlyGoodReceivedUnitsAndDonorsWithReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.warehouse("31.71.01", "")
		office := f.office("31.71")
		offer := func(who Who, lines ...OfferLine) Donation {
			t.Helper()
			d, err := f.s.Offer(f.ctx, who, NewOffer{WarehouseID: w.ID, Items: lines})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		accept := func(d Donation) {
			t.Helper()
			if _, err := f.s.Accept(f.ctx, office, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		// A donor whose goods arrived, some damaged and some expired.
		a := f.org("PT Bersama", true)
		da := offer(a, OfferLine{Item: "masker", Quantity: 1000, UnitValue: 2000},
			OfferLine{Item: "paket sembako", Quantity: 10, UnitValue: 200000, ExpiresOn: "2099-01-01"})
		accept(da)
		if _, err := f.s.Receive(f.ctx, office, da.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 700},
			{Line: 1, Received: 50, Condition: Damaged}, {Line: 2, Received: 4, Condition: Expired}}}); err != nil {
			t.Fatal(err)
		}
		// A donor whose offer was accepted but nothing arrived yet; one whose
		// goods all arrived damaged; one only offering; one declined.
		b := f.org("CV Janji", true)
		accept(offer(b, OfferLine{Item: "masker", Quantity: 500}))
		c := f.org("UD Rusak", true)
		dc := offer(c, OfferLine{Item: "hazmat", Quantity: 20})
		accept(dc)
		if _, err := f.s.Receive(f.ctx, office, dc.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 20, Condition: Damaged}}}); err != nil {
			t.Fatal(err)
		}
		offer(f.org("Yayasan Tawar", true), OfferLine{Item: "beras", Quantity: 100})
		dd := offer(f.org("PT Tolak", true), OfferLine{Item: "beras", Quantity: 100})
		if _, err := f.s.Decline(f.ctx, office, dd.ID, "gudang penuh"); err != nil {
			t.Fatal(err)
		}
		// A second delivery of the first donor's offer, and a second donor.
		if _, err := f.s.Receive(f.ctx, office, da.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 100}, {Line: 2, Received: 6}}}); err != nil {
			t.Fatal(err)
		}
		e := f.org("Komunitas Peduli", true)
		de := offer(e, OfferLine{Item: "Masker", Quantity: 200})
		accept(de)
		if _, err := f.s.Receive(f.ctx, office, de.ID, Intake{Items: []IntakeLine{{Line: 1, Received: 200}}}); err != nil {
			t.Fatal(err)
		}

		tf, err := f.s.TaskForce(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tf.Donors != 2 || len(tf.DonorIDs) != 2 || !(tf.DonorIDs[0] == a.OrgID || tf.DonorIDs[1] == a.OrgID) ||
			!(tf.DonorIDs[0] == e.OrgID || tf.DonorIDs[1] == e.OrgID) {
			t.Fatalf("donors %d %v, want the two organisations with good units received (%s, %s)", tf.Donors, tf.DonorIDs, a.OrgID, e.OrgID)
		}
		want := []TaskForceItem{{Item: "Masker", Unit: "pcs", Received: 1000}, {Item: "Paket sembako", Unit: "paket", Received: 6}}
		if len(tf.Items) != len(want) || tf.Items[0] != want[0] || tf.Items[1] != want[1] {
			t.Fatalf("items %+v, want %+v", tf.Items, want)
		}

		// The first donor's impact names its own offers only.
		im, err := f.s.Impact(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if im.OrgID != a.OrgID || len(im.Offers) != 1 || im.Offers[0].ID != da.ID || im.Value != 1000*2000+10*200000 ||
			im.ValueReceived != 800*2000+6*200000 || len(im.Given) != 2 || im.Given[0].Received != 800 {
			t.Fatalf("impact %+v", im)
		}
		if len(im.Flows) != 2 || im.Flows[0].Item != "Masker" || im.Flows[0].Given != 800 || im.Flows[0].WarehouseReceived != 1000 ||
			im.Flows[0].Share != 0.8 {
			t.Fatalf("flows %+v", im.Flows)
		}
		body, _ := json.Marshal(im)
		for _, other := range []string{"Komunitas Peduli", "CV Janji", "UD Rusak", e.OrgID, de.ID, dc.ID} {
			if strings.Contains(string(body), other) {
				t.Errorf("the impact of one donor shows another's %q: %s", other, body)
			}
		}
		// Each donor reads its own; staff hold no Donate.
		if im, err := f.s.Impact(f.ctx, e); err != nil || len(im.Offers) != 1 || im.Offers[0].ID != de.ID || im.Flows[0].Given != 200 {
			t.Fatalf("the second donor's impact: %v %+v", err, im)
		}
		if _, err := f.s.Impact(f.ctx, testAdmin); err == nil {
			t.Fatal("the admin read an impact without an organisation")
		}
		if _, err := f.s.Impact(f.ctx, office); err == nil {
			t.Fatal("an office read a donor's impact")
		}
	})
}
