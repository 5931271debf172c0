package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/storetest"
)

// donationWorld is a server with a warehouse in kota X (31.71) and one in kota
// Y (31.74), a donor organisation and another, an office of each kota and the
// admin, each with an API client.
type donationWorld struct {
	s                                      *apptest.Server
	whX, whY                               string
	donorOrg                               account.Org
	donorUser                              account.User
	donor, otherDonor, officeX, officeY    *apptest.Client
	admin, anon, pending                   *apptest.Client
	officeXUser, adminUser                 account.User
	donorName, otherName, donorContactName string
}

func newDonationWorld(t *testing.T, s *apptest.Server) *donationWorld {
	t.Helper()
	w := &donationWorld{s: s}
	w.donorName, w.otherName = "Yayasan Donatur "+s.Unique(""), "Yayasan Lain "+s.Unique("")
	var other account.User
	w.donorOrg, w.donorUser, _ = s.Org(t, w.donorName, true)
	w.donorContactName = w.donorOrg.ContactName
	_, other, _ = s.Org(t, w.otherName, true)
	_, pendingUser, _ := s.Org(t, "Komunitas Belum "+s.Unique(""), false)
	w.officeXUser, _ = s.User(t, account.Office, "31.71", "")
	officeY, _ := s.User(t, account.Office, "31.74", "")
	var err error
	if w.adminUser, err = s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail); err != nil {
		t.Fatal(err)
	}
	// The user as registered predates the verification: read it again.
	if w.donorUser, err = s.App.Accounts.User(s.Ctx(), w.donorUser.ID); err != nil {
		t.Fatal(err)
	}
	w.donor, w.otherDonor, w.pending = s.As(t, w.donorUser.ID), s.As(t, other.ID), s.As(t, pendingUser.ID)
	w.officeX, w.officeY, w.admin, w.anon = s.As(t, w.officeXUser.ID), s.As(t, officeY.ID), s.As(t, w.adminUser.ID), s.Client()
	w.whX = makeWarehouse(t, s, "Gudang Pusat "+s.Unique(""), "31.71.01")
	w.whY = makeWarehouse(t, s, "Posko Selatan "+s.Unique(""), "31.74.01")
	return w
}

// makeWarehouse creates a warehouse as the admin (the warehouses' routes are
// another part's).
func makeWarehouse(t *testing.T, s *apptest.Server, name, code string) string {
	t.Helper()
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := s.App.Donations.CreateWarehouse(s.Ctx(), a.Principal(), donate.NewWarehouse{Name: name, Region: code,
		Address: "Jl. Gudang No. 1", ContactName: "Pak Gudang", ContactPhone: "081234560000"})
	if err != nil {
		t.Fatalf("create warehouse: %v", err)
	}
	return wh.ID
}

// offerBody is an offer of 100 masks and of two wheelchairs, free text.
func offerBody(warehouse string) map[string]any {
	return map[string]any{"warehouse_id": warehouse, "note": "diantar truk", "items": []map[string]any{
		{"item": "Masker", "quantity": 100, "unit_value": 5000},
		{"item": "Kursi roda lipat", "unit": "unit", "quantity": 2, "unit_value": 1500000},
	}}
}

// offer makes an offer through the API as c and returns it.
func (w *donationWorld) offer(t *testing.T, c *apptest.Client, warehouse string) donate.Donation {
	t.Helper()
	res := c.Do(t, "POST", "/api/v1/donations", offerBody(warehouse))
	var d donate.Donation
	if res.JSON(t, &d); res.Status != 201 || d.Status != donate.Offered || len(d.Items) != 2 {
		t.Fatalf("offer: %d %s", res.Status, res.Body)
	}
	return d
}

// onHand is a warehouse's stock of an item, read from the ledger's running sum.
func onHand(t *testing.T, s *apptest.Server, warehouse, item string) int {
	t.Helper()
	var n int
	err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COALESCE(SUM(on_hand), 0) FROM stock WHERE warehouse_id = $1 AND item_id = $2`,
		warehouse, item).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantStatus(t *testing.T, res apptest.Response, code int, what string) {
	t.Helper()
	if res.Status != code {
		t.Fatalf("%s: status %d, want %d; body %.400s", what, res.Status, code, res.Body)
	}
}

func TestDonationOfferToReceipt(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newDonationWorld(t, s)
			d := w.offer(t, w.donor, w.whX)
			if d.Items[0].ItemID != "item-masker" || d.Items[1].ItemID != "" || d.Value != 100*5000+2*1500000 {
				t.Fatalf("the offer's lines: %+v value %d", d.Items, d.Value)
			}
			path := "/api/v1/donations/" + d.ID

			t.Run("who sees the offer", func(t *testing.T) {
				for _, c := range []struct {
					name string
					as   *apptest.Client
					want int
				}{{"the donor", w.donor, 200}, {"the office of the warehouse", w.officeX, 200}, {"the admin", w.admin, 200},
					{"another organisation", w.otherDonor, 404}, {"the office of another kota", w.officeY, 404},
					{"an organisation not verified", w.pending, 404}, {"anonymous", w.anon, 401}} {
					res := c.as.Do(t, "GET", path, nil)
					if res.Status != c.want {
						t.Errorf("%s reads the offer: %d, want %d", c.name, res.Status, c.want)
					}
					if c.want != 200 && strings.Contains(string(res.Body), w.donorName) {
						t.Errorf("%s is told the donor's name", c.name)
					}
					list := c.as.Do(t, "GET", "/api/v1/donations", nil)
					if sees := strings.Contains(string(list.Body), d.ID); sees != (c.want == 200) {
						t.Errorf("%s lists the offer: %v; body %.300s", c.name, sees, list.Body)
					}
				}
				res := w.officeX.Do(t, "GET", "/api/v1/donations?status=accepted", nil)
				if strings.Contains(string(res.Body), d.ID) {
					t.Error("?status=accepted lists an offered offer")
				}
				wantStatus(t, w.officeX.Do(t, "GET", "/api/v1/donations?status=lost", nil), 400, "an unknown status")
				wantStatus(t, w.officeX.Do(t, "GET", "/api/v1/donations?limit=x", nil), 400, "a malformed limit")
			})

			t.Run("only the office of the warehouse decides", func(t *testing.T) {
				wantStatus(t, w.officeY.Do(t, "POST", path+"/accept", nil), 404, "another kota's office accepts")
				wantStatus(t, w.donor.Do(t, "POST", path+"/accept", nil), 404, "the donor accepts its own offer")
				wantStatus(t, w.anon.Do(t, "POST", path+"/accept", nil), 401, "anonymous accepts")
				wantStatus(t, w.officeX.Do(t, "POST", path+"/withdraw", nil), 404, "the office withdraws the donor's offer")
				wantStatus(t, w.otherDonor.Do(t, "POST", path+"/withdraw", nil), 404, "another organisation withdraws the offer")
			})

			var got donate.Donation
			res := w.officeX.Do(t, "POST", path+"/accept", nil)
			if res.JSON(t, &got); res.Status != 200 || got.Status != donate.Accepted {
				t.Fatalf("accept: %d %s", res.Status, res.Body)
			}
			// Free text must be mapped before it is received.
			res = w.officeX.Do(t, "POST", path+"/receive", map[string]any{"items": []map[string]any{{"line": 2, "received": 1}}})
			wantStatus(t, res, 409, "receiving free text not yet mapped")
			wantStatus(t, w.officeX.Do(t, "POST", path+"/items/2/map", map[string]string{"item": "Gergaji"}), 400, "mapping to no catalogue item")
			wantStatus(t, w.officeX.Do(t, "POST", path+"/items/9/map", map[string]string{"item": "Hazmat"}), 404, "mapping a line the offer lacks")
			wantStatus(t, w.officeY.Do(t, "POST", path+"/items/2/map", map[string]string{"item": "Hazmat"}), 404, "another kota maps")
			res = w.officeX.Do(t, "POST", path+"/items/2/map", map[string]string{"item": "Hazmat"})
			if res.JSON(t, &got); res.Status != 200 || got.Items[1].ItemID != "item-hazmat" {
				t.Fatalf("map: %d %s", res.Status, res.Body)
			}

			// The first delivery: 60 good masks and 10 damaged, both wheelchairs
			// (now hazmat) expired. Only the 60 enter the stock.
			intake := map[string]any{"note": "truk pertama", "items": []map[string]any{
				{"item": "Masker", "received": 60, "condition": "good"},
				{"line": 1, "received": 10, "condition": "damaged"},
				{"line": 2, "received": 2, "condition": "expired"}}}
			wantStatus(t, w.officeY.Do(t, "POST", path+"/receive", intake), 404, "another kota receives")
			var x struct {
				donate.Receipt
				Status string `json:"status"`
			}
			res = w.officeX.Do(t, "POST", path+"/receive", intake)
			if res.JSON(t, &x); res.Status != 201 || x.Status != donate.Received || x.Units != 72 || x.Good != 60 || len(x.Lines) != 3 {
				t.Fatalf("receive: %d %s", res.Status, res.Body)
			}
			if n := onHand(t, s, w.whX, "item-masker"); n != 60 {
				t.Errorf("masks on hand after the first delivery: %d, want 60 (the good ones only)", n)
			}
			if n := onHand(t, s, w.whX, "item-hazmat"); n != 0 {
				t.Errorf("hazmat on hand: %d, want 0 (all expired)", n)
			}
			// The second delivery: the rest of the masks.
			res = w.officeX.Do(t, "POST", path+"/receive", map[string]any{"items": []map[string]any{{"line": 1, "received": 30}}})
			wantStatus(t, res, 201, "the second delivery")
			if n := onHand(t, s, w.whX, "item-masker"); n != 90 {
				t.Errorf("masks on hand after the second delivery: %d, want 90", n)
			}
			wantStatus(t, w.officeX.Do(t, "POST", path+"/items/1/map", map[string]string{"item": "Masker N95"}), 409, "remapping a received line")

			var receipts struct {
				Items []donate.Receipt `json:"items"`
			}
			for _, c := range []*apptest.Client{w.donor, w.officeX, w.admin} {
				res = c.Do(t, "GET", path+"/receipts", nil)
				if res.JSON(t, &receipts); res.Status != 200 || len(receipts.Items) != 2 || receipts.Items[0].Good != 60 {
					t.Fatalf("receipts: %d %s", res.Status, res.Body)
				}
			}
			wantStatus(t, w.otherDonor.Do(t, "GET", path+"/receipts", nil), 404, "another organisation reads the receipts")
			wantStatus(t, w.officeY.Do(t, "GET", path+"/receipts", nil), 404, "another kota reads the receipts")

			res = w.officeX.Do(t, "POST", path+"/close", map[string]string{"reason": "sisa tidak datang"})
			if res.JSON(t, &got); res.Status != 200 || got.Status != donate.Closed {
				t.Fatalf("close: %d %s", res.Status, res.Body)
			}
			res = w.officeX.Do(t, "POST", path+"/receive", map[string]any{"items": []map[string]any{{"line": 1, "received": 5}}})
			wantStatus(t, res, 409, "receiving into a closed offer")
			if n := onHand(t, s, w.whX, "item-masker"); n != 90 {
				t.Errorf("masks on hand after a refused receipt: %d, want 90", n)
			}
		})
	}
}

// donationIn brings a fresh offer to status through the service, as its office
// and its donor would.
func (w *donationWorld) donationIn(t *testing.T, status string) donate.Donation {
	t.Helper()
	ctx, svc := w.s.Ctx(), w.s.App.Donations
	donor, office := w.donorUser.Principal(), w.officeXUser.Principal()
	d, err := svc.Offer(ctx, donor, donate.NewOffer{WarehouseID: w.whX, Items: []donate.OfferLine{
		{Item: "Masker", Quantity: 10}, {Item: "Sarung tangan", Quantity: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	accept := func() {
		if _, err := svc.Accept(ctx, office, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	receive := func() {
		if _, err := svc.Receive(ctx, office, d.ID, donate.Intake{Items: []donate.IntakeLine{{Line: 1, Received: 4}}}); err != nil {
			t.Fatal(err)
		}
	}
	switch status {
	case donate.Offered:
	case donate.Accepted:
		accept()
	case donate.Declined:
		_, err = svc.Decline(ctx, office, d.ID, "gudang penuh")
	case donate.Withdrawn:
		_, err = svc.Withdraw(ctx, donor, d.ID)
	case donate.Received:
		accept()
		receive()
	case donate.Closed:
		accept()
		receive()
		_, err = svc.Close(ctx, office, d.ID, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEveryIllegalDonationTransitionIsRefused walks every action from every
// status: what the life of an offer allows succeeds, everything else is a
// conflict with words in Indonesian (the API's default) and in English.
func TestEveryIllegalDonationTransitionIsRefused(t *testing.T) {
	type action struct {
		name, path string
		by         func(w *donationWorld) *apptest.Client
		body       any
		legal      []string
		want       int // the success status
	}
	office := func(w *donationWorld) *apptest.Client { return w.officeX }
	donor := func(w *donationWorld) *apptest.Client { return w.donor }
	actions := []action{
		{"accept", "/accept", office, nil, []string{donate.Offered}, 200},
		{"decline", "/decline", office, map[string]string{"reason": "gudang penuh"}, []string{donate.Offered}, 200},
		{"withdraw", "/withdraw", donor, nil, []string{donate.Offered, donate.Accepted}, 200},
		{"close", "/close", office, map[string]string{"reason": "selesai"}, []string{donate.Accepted, donate.Received}, 200},
		{"receive", "/receive", office, map[string]any{"items": []map[string]any{{"line": 2, "received": 1, "condition": "good"}}},
			[]string{donate.Accepted, donate.Received}, 201},
		{"map a line nothing of which arrived", "/items/2/map", office, map[string]string{"item": "Masker N95"},
			[]string{donate.Offered, donate.Accepted, donate.Received}, 200},
	}
	statuses := []string{donate.Offered, donate.Accepted, donate.Declined, donate.Withdrawn, donate.Received, donate.Closed}
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newDonationWorld(t, s)
			for _, a := range actions {
				for _, st := range statuses {
					legal := false
					for _, l := range a.legal {
						legal = legal || l == st
					}
					want := map[bool]int{true: a.want, false: 409}[legal]
					t.Run(fmt.Sprintf("%s an offer that is %s answers %d", a.name, st, want), func(t *testing.T) {
						d := w.donationIn(t, st)
						c := a.by(w)
						c.Lang = ""
						res := c.Do(t, "POST", "/api/v1/donations/"+d.ID+a.path, a.body)
						wantStatus(t, res, want, a.name)
						if legal {
							return
						}
						if res.ErrorCode() != "conflict" || !strings.Contains(string(res.Body), "penawaran") {
							t.Errorf("the refusal has no Indonesian words: %s", res.Body)
						}
						c.Lang = "en"
						res = c.Do(t, "POST", "/api/v1/donations/"+d.ID+a.path, a.body)
						if res.Status != 409 || !strings.Contains(string(res.Body), "offer") {
							t.Errorf("the refusal has no English words: %d %s", res.Status, res.Body)
						}
					})
				}
			}
			t.Run("a line received already cannot be mapped again", func(t *testing.T) {
				d := w.donationIn(t, donate.Received)
				wantStatus(t, w.officeX.Do(t, "POST", "/api/v1/donations/"+d.ID+"/items/1/map", map[string]string{"item": "Masker N95"}), 409, "map")
			})
		})
	}
}

// TestDonationInputIsChecked: malformed or out-of-bounds input is a 400 that
// names the problem, and changes nothing.
func TestDonationInputIsChecked(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newDonationWorld(t, s)
	d := w.donationIn(t, donate.Accepted)
	path := "/api/v1/donations/" + d.ID
	line := func(m map[string]any) map[string]any {
		return map[string]any{"warehouse_id": w.whX, "items": []map[string]any{m}}
	}
	for _, c := range []struct {
		name, method, path string
		as                 *apptest.Client
		body               any
		says               string
	}{
		{"an offer without items", "POST", "/api/v1/donations", w.donor, map[string]any{"warehouse_id": w.whX, "items": []any{}}, "1 to 50"},
		{"a quantity of nothing", "POST", "/api/v1/donations", w.donor, line(map[string]any{"item": "Masker", "quantity": 0}), "quantity"},
		{"a negative value", "POST", "/api/v1/donations", w.donor, line(map[string]any{"item": "Masker", "quantity": 1, "unit_value": -1}), "unit value"},
		{"an expiry date in the past", "POST", "/api/v1/donations", w.donor,
			line(map[string]any{"item": "Beras", "quantity": 1, "expires_on": "2020-01-01"}), "past"},
		{"a date that is no date", "POST", "/api/v1/donations", w.donor, line(map[string]any{"item": "Beras", "quantity": 1, "expires_on": "besok"}), "YYYY-MM-DD"},
		{"free text without a unit", "POST", "/api/v1/donations", w.donor, line(map[string]any{"item": "Kursi roda", "quantity": 1}), "unit"},
		{"a wrong unit for a catalogue item", "POST", "/api/v1/donations", w.donor,
			line(map[string]any{"item": "Masker", "unit": "kg", "quantity": 1}), "counted in pcs"},
		{"an unknown field", "POST", "/api/v1/donations", w.donor, map[string]any{"warehouse_id": w.whX, "items": []any{}, "status": "received"}, "unknown field"},
		{"a quantity given as text", "POST", "/api/v1/donations", w.donor, line(map[string]any{"item": "Masker", "quantity": "10"}), "number"},
		{"a decline without a reason", "POST", path + "/decline", w.officeX, map[string]string{}, "reason"},
		{"an unknown condition", "POST", path + "/receive", w.officeX,
			map[string]any{"items": []map[string]any{{"line": 1, "received": 1, "condition": "broken"}}}, "condition"},
		{"a count of nothing", "POST", path + "/receive", w.officeX, map[string]any{"items": []map[string]any{{"line": 1, "received": 0}}}, "received"},
		{"a receipt without lines", "POST", path + "/receive", w.officeX, map[string]any{"items": []any{}}, "receipt"},
		{"a line the offer lacks", "POST", path + "/receive", w.officeX, map[string]any{"items": []map[string]any{{"line": 7, "received": 1}}}, "line 7"},
		{"a line that is no number", "POST", path + "/items/x/map", w.officeX, map[string]string{"item": "Masker"}, "line"},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			res := c.as.Do(t, c.method, c.path, c.body)
			if res.Status != 400 || !strings.Contains(string(res.Body), c.says) {
				t.Errorf("status %d, want 400 saying %q; body %.300s", res.Status, c.says, res.Body)
			}
		})
	}
	if n := onHand(t, s, w.whX, "item-masker"); n != 0 {
		t.Errorf("%d masks on hand after refused receipts", n)
	}
}

// TestAResentOfferIsOneOffer: the same Idempotency-Key makes one offer.
func TestAResentOfferIsOneOffer(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newDonationWorld(t, s)
	send := func() donate.Donation {
		body := fmt.Sprintf(`{"warehouse_id":%q,"items":[{"item":"Beras","quantity":20,"unit_value":12000}]}`, w.whX)
		req, err := http.NewRequest("POST", s.URL+"/api/v1/donations", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.donor.Token)
		req.Header.Set("Idempotency-Key", "kirim-ulang-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		r := apptest.Response{Status: res.StatusCode, Body: b}
		var d donate.Donation
		if r.JSON(t, &d); r.Status != 201 {
			t.Fatalf("offer: %d %s", r.Status, b)
		}
		return d
	}
	if a, b := send(), send(); a.ID != b.ID {
		t.Errorf("two offers %s and %s from one key", a.ID, b.ID)
	}
}

// donationsConformance calls every donation endpoint as the door is used: a
// donor offers goods (once resent with its key), the office reads, maps and
// accepts it and receives it in two deliveries, one line damaged, then closes
// it; another offer is declined and a third withdrawn. Answers, refusals
// included, are checked against openapi.json.
func donationsConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newDonationWorld(t, s)
	var d donate.Donation
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations", body: offerBody(w.whX), header: map[string]string{"Idempotency-Key": "skema-1"},
		want: 201}).JSON(t, &d)
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations", body: offerBody(w.whX), header: map[string]string{"Idempotency-Key": "skema-1"},
		want: 201})
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations", body: map[string]any{"warehouse_id": w.whX,
		"items": []map[string]any{{"item": "Masker", "quantity": 0}}}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: "/api/v1/donations", body: offerBody(w.whX), want: 404})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/donations", want: 401})
	path := "/api/v1/donations/" + d.ID
	k.do(t, apiCall{as: w.donor, method: "GET", path: "/api/v1/donations?status=offered&limit=10", want: 200})
	k.do(t, apiCall{as: w.officeX, method: "GET", path: "/api/v1/donations?warehouse_id=" + w.whX, want: 200})
	k.do(t, apiCall{as: w.admin, method: "GET", path: "/api/v1/donations?region=31.71", want: 200})
	k.do(t, apiCall{as: w.donor, method: "GET", path: path, want: 200})
	k.do(t, apiCall{as: w.officeY, method: "GET", path: path, want: 404})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/items/2/map", body: map[string]string{"item": "Hazmat"}, want: 200})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/receive", body: map[string]any{"items": []map[string]any{{"line": 1, "received": 1}}},
		want: 409})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/accept", want: 200})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/accept", body: map[string]any{}, want: 409})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/receive", body: map[string]any{"items": []map[string]any{
		{"line": 1, "received": 60, "condition": "good"}, {"line": 1, "received": 5, "condition": "damaged"}}, "receiver_name": "Pak Gudang"},
		header: map[string]string{"Idempotency-Key": "terima-1"}, want: 201})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/receive", body: map[string]any{"items": []map[string]any{
		{"line": 1, "received": 1, "condition": "broken"}}}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/receive", body: map[string]any{"items": []map[string]any{
		{"item": "Hazmat", "received": 2, "condition": "expired", "expires_on": "2026-01-01"}}, "note": "kedua"}, want: 201})
	k.do(t, apiCall{as: w.donor, method: "GET", path: path + "/receipts", want: 200})
	k.do(t, apiCall{as: w.otherDonor, method: "GET", path: path + "/receipts", want: 404})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: path + "/close", body: map[string]string{"reason": "sisa tidak datang"}, want: 200})
	k.do(t, apiCall{as: w.donor, method: "POST", path: path + "/withdraw", want: 409})

	var other donate.Donation
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations", body: offerBody(w.whY), want: 201}).JSON(t, &other)
	k.do(t, apiCall{as: w.officeX, method: "POST", path: "/api/v1/donations/" + other.ID + "/decline", body: map[string]string{"reason": "bukan wilayah"}, want: 404})
	k.do(t, apiCall{as: w.officeY, method: "POST", path: "/api/v1/donations/" + other.ID + "/decline", body: map[string]string{}, want: 400})
	k.do(t, apiCall{as: w.officeY, method: "POST", path: "/api/v1/donations/" + other.ID + "/decline", body: map[string]string{"reason": "gudang penuh"}, want: 200})
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations", body: offerBody(w.whY), want: 201}).JSON(t, &other)
	k.do(t, apiCall{as: w.donor, method: "POST", path: "/api/v1/donations/" + other.ID + "/withdraw", want: 200})
}
