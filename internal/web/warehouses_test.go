package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/storetest"
)

// whWorld is the cast of the warehouse tests: the admin, the offices of Jakarta
// Pusat (31.71) and Jakarta Selatan (31.74), the organisation that distributes
// the stock of the warehouse in Pusat, another verified organisation, and one
// that is not verified; a warehouse in each kota.
type whWorld struct {
	s                          *apptest.Server
	admin, officeX, officeY    *apptest.Client
	distributor, other, unverd *apptest.Client
	anon                       *apptest.Client
	adminWho                   account.Principal
	distOrg                    account.Org
	whX, whY                   donate.Warehouse
	adminPage, officeXPage     *apptest.Client
}

func newWHWorld(t *testing.T, s *apptest.Server) *whWorld {
	t.Helper()
	w := &whWorld{s: s, anon: s.Client()}
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	w.admin, w.adminWho = s.As(t, a.ID), a.Principal()
	ox, oxPW := s.User(t, account.Office, "31.71", "")
	oy, _ := s.User(t, account.Office, "31.74", "")
	w.officeX, w.officeY = s.As(t, ox.ID), s.As(t, oy.ID)
	var dist account.User
	w.distOrg, dist, _ = s.Org(t, "Gugus Tugas Gudang Uji", true)
	_, other, _ := s.Org(t, "Yayasan Penawar Lain", true)
	_, unverd, _ := s.Org(t, "Komunitas Belum Terverifikasi", false)
	w.distributor, w.other, w.unverd = s.As(t, dist.ID), s.As(t, other.ID), s.As(t, unverd.ID)
	w.whX = w.create(t, donate.NewWarehouse{Name: "Gudang Gambir Uji", Region: "31.71.01", Address: "Jl. Gudang No. 1",
		ContactName: "Pak Gudang", ContactPhone: "081299990001", OrgID: w.distOrg.ID})
	w.whY = w.create(t, donate.NewWarehouse{Name: "Posko Setiabudi Uji", Kind: donate.Posko, Region: "31.74.02", Address: "Jl. Posko No. 2"})
	w.adminPage = s.Client()
	w.adminPage.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	w.officeXPage = s.Client()
	w.officeXPage.Login(t, ox.Email, oxPW)
	return w
}

func (w *whWorld) create(t *testing.T, in donate.NewWarehouse) donate.Warehouse {
	t.Helper()
	wh, err := w.s.App.Donations.CreateWarehouse(w.s.Ctx(), w.adminWho, in)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

// stockOf reads a warehouse's stock through the API as the admin, by item name.
func (w *whWorld) stockOf(t *testing.T, id string) map[string]donate.StockRow {
	t.Helper()
	var l struct{ Items []donate.StockRow }
	r := w.admin.Do(t, "GET", "/api/v1/warehouses/"+id+"/stock", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("stock: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &l)
	out := map[string]donate.StockRow{}
	for _, x := range l.Items {
		out[x.Item] = x
	}
	return out
}

func whStatus(t *testing.T, r apptest.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %.400s", r.Status, want, r.Body)
	}
}

func TestWarehousesAPI(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newWHWorld(t, s)
			whs := "/api/v1/warehouses"

			t.Run("the admin adds a warehouse, and it is listed in its kota only", func(t *testing.T) {
				r := w.admin.Do(t, "POST", whs, map[string]any{"name": "Gudang Menteng Uji", "region": "31.71.06", "address": "Jl. Menteng 3"})
				whStatus(t, r, http.StatusCreated)
				var wh donate.Warehouse
				r.JSON(t, &wh)
				if wh.ID == "" || wh.Kind != donate.Gudang || wh.Region != "31.71.06" {
					t.Fatalf("created %+v", wh)
				}
				var l struct{ Items []donate.Warehouse }
				w.officeX.Do(t, "GET", whs, nil).JSON(t, &l)
				if !hasWarehouse(l.Items, wh.ID) || !hasWarehouse(l.Items, w.whX.ID) || hasWarehouse(l.Items, w.whY.ID) {
					t.Errorf("office of 31.71 lists %+v", l.Items)
				}
				w.officeY.Do(t, "GET", whs, nil).JSON(t, &l)
				if hasWarehouse(l.Items, wh.ID) || !hasWarehouse(l.Items, w.whY.ID) {
					t.Errorf("office of 31.74 lists %+v", l.Items)
				}
				w.admin.Do(t, "GET", whs+"?region=31.74", nil).JSON(t, &l)
				if len(l.Items) != 1 || l.Items[0].ID != w.whY.ID {
					t.Errorf("admin's ?region=31.74 lists %+v", l.Items)
				}
				// An office asking for another kota gets nothing, not that kota's warehouses.
				w.officeX.Do(t, "GET", whs+"?region=31.74", nil).JSON(t, &l)
				if len(l.Items) != 0 {
					t.Errorf("office of 31.71 asking for 31.74 lists %+v", l.Items)
				}
				// Verified collaborators see every warehouse, to offer goods to it.
				w.other.Do(t, "GET", whs, nil).JSON(t, &l)
				if !hasWarehouse(l.Items, w.whX.ID) || !hasWarehouse(l.Items, w.whY.ID) {
					t.Errorf("a verified collaborator lists %+v", l.Items)
				}
			})

			t.Run("bad input is 400 with a reason", func(t *testing.T) {
				for _, c := range []struct {
					name string
					body any
					says string
				}{
					{"an empty name", map[string]any{"name": " ", "region": "31.71", "address": "x"}, "name must be"},
					{"an unknown region", map[string]any{"name": "Gudang X", "region": "99.99", "address": "x"}, "unknown region"},
					{"a region outside the province", map[string]any{"name": "Gudang X", "region": "32.01", "address": "x"}, "unknown region"},
					{"the province itself", map[string]any{"name": "Gudang X", "region": "31", "address": "x"}, "kota or a smaller region"},
					{"an unknown kind", map[string]any{"name": "Gudang X", "region": "31.71", "kind": "kapal"}, "gudang or posko"},
					{"an unknown field", map[string]any{"name": "Gudang X", "region": "31.71", "stock": 5}, "unknown field"},
					{"a foreign phone", map[string]any{"name": "Gudang X", "region": "31.71", "contact_phone": "+1 555 0100"}, "phone"},
					{"an organisation that is not verified", map[string]any{"name": "Gudang X", "region": "31.71", "org_id": "nope"}, "verified organisation"},
					{"a name that reorders text", map[string]any{"name": "Gudang \u202eX", "region": "31.71"}, "reorder"},
				} {
					t.Run(c.name, func(t *testing.T) {
						r := w.admin.Do(t, "POST", whs, c.body)
						whStatus(t, r, http.StatusBadRequest)
						if !strings.Contains(string(r.Body), c.says) {
							t.Errorf("message %s lacks %q", r.Body, c.says)
						}
					})
				}
				id := w.admin
				id.Lang = "id"
				defer func() { id.Lang = "en" }()
				r := id.Do(t, "POST", whs, map[string]any{"name": "Gudang X", "region": "31", "address": "x"})
				if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "gudang harus berada") {
					t.Errorf("in Indonesian: %d %s", r.Status, r.Body)
				}
			})

			t.Run("only the admin adds and changes warehouses", func(t *testing.T) {
				body := map[string]any{"name": "Gudang Tamu", "region": "31.71"}
				for _, c := range []*apptest.Client{w.officeX, w.distributor, w.unverd} {
					whStatus(t, c.Do(t, "POST", whs, body), http.StatusNotFound)
					whStatus(t, c.Do(t, "PUT", whs+"/"+w.whX.ID, body), http.StatusNotFound)
				}
				whStatus(t, w.anon.Do(t, "POST", whs, body), http.StatusUnauthorized)
				got, err := s.App.Donations.Warehouse(s.Ctx(), w.adminWho, w.whX.ID)
				if err != nil || got.Name != w.whX.Name {
					t.Fatalf("after refused changes the warehouse is %+v, %v", got, err)
				}
			})

			t.Run("the admin changes a warehouse; the office of another kota cannot read it", func(t *testing.T) {
				wh := w.create(t, donate.NewWarehouse{Name: "Gudang Ganti", Region: "31.71.02"})
				r := w.admin.Do(t, "PUT", whs+"/"+wh.ID, map[string]any{"name": "Gudang Sudah Diganti", "region": "31.71.03",
					"kind": "posko", "address": "Jl. Baru 5", "contact_phone": "0812-3456-7890"})
				whStatus(t, r, http.StatusOK)
				var got donate.Warehouse
				r.JSON(t, &got)
				if got.Name != "Gudang Sudah Diganti" || got.Region != "31.71.03" || got.Kind != donate.Posko || got.ContactPhone == "" {
					t.Errorf("changed: %+v", got)
				}
				whStatus(t, w.admin.Do(t, "PUT", whs+"/no-such", map[string]any{"name": "Gudang", "region": "31.71"}), http.StatusNotFound)
				whStatus(t, w.officeX.Do(t, "GET", whs+"/"+wh.ID, nil), http.StatusOK)
				whStatus(t, w.officeY.Do(t, "GET", whs+"/"+wh.ID, nil), http.StatusNotFound)
				whStatus(t, w.other.Do(t, "GET", whs+"/"+wh.ID, nil), http.StatusOK)
				whStatus(t, w.unverd.Do(t, "GET", whs+"/"+wh.ID, nil), http.StatusNotFound)
				whStatus(t, w.anon.Do(t, "GET", whs+"/"+wh.ID, nil), http.StatusUnauthorized)
			})

			t.Run("the catalogue: everyone who reads stock lists it, the admin adds to it once", func(t *testing.T) {
				var l struct{ Items []donate.Item }
				w.other.Do(t, "GET", "/api/v1/stock-items", nil).JSON(t, &l)
				if len(l.Items) < 10 {
					t.Fatalf("the catalogue lists %d items, want the 10 seeded at least", len(l.Items))
				}
				r := w.admin.Do(t, "POST", "/api/v1/stock-items", map[string]any{"name": "Oksigen Tabung", "unit": "tabung"})
				whStatus(t, r, http.StatusCreated)
				r = w.admin.Do(t, "POST", "/api/v1/stock-items", map[string]any{"name": "  oksigen   TABUNG ", "unit": "tabung"})
				whStatus(t, r, http.StatusConflict)
				whStatus(t, w.admin.Do(t, "POST", "/api/v1/stock-items", map[string]any{"name": "Oks", "unit": ""}), http.StatusBadRequest)
				whStatus(t, w.officeX.Do(t, "POST", "/api/v1/stock-items", map[string]any{"name": "Kasur", "unit": "buah"}), http.StatusNotFound)
				whStatus(t, w.unverd.Do(t, "GET", "/api/v1/stock-items", nil), http.StatusNotFound)
				whStatus(t, w.anon.Do(t, "GET", "/api/v1/stock-items", nil), http.StatusUnauthorized)
			})

			t.Run("stock: adjusted goods show, soonest expiry first, to staff of the kota and the distributor only", func(t *testing.T) {
				adj := "/api/v1/warehouses/" + w.whX.ID + "/adjustments"
				soon := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
				later := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
				whStatus(t, w.officeX.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": 500, "reason": "stok awal"}), http.StatusCreated)
				whStatus(t, w.officeX.Do(t, "POST", adj, map[string]any{"item": "Beras", "quantity": 40, "expires_on": later, "reason": "stok awal"}), http.StatusCreated)
				r := w.admin.Do(t, "POST", adj, map[string]any{"item": "item-vitamin", "quantity": 12, "expires_on": soon, "reason": "hitung ulang"})
				whStatus(t, r, http.StatusCreated)
				var m donate.Move
				r.JSON(t, &m)
				if m.Kind != donate.MoveAdjust || m.OnHand != 12 || m.ExpiresOn != soon {
					t.Errorf("the adjustment answered %+v", m)
				}

				r = w.distributor.Do(t, "GET", "/api/v1/warehouses/"+w.whX.ID+"/stock", nil)
				whStatus(t, r, http.StatusOK)
				var raw struct {
					Items []map[string]any `json:"items"`
				}
				r.JSON(t, &raw)
				if len(raw.Items) != 3 {
					t.Fatalf("stock rows %v", raw.Items)
				}
				// API.md: items {"item","unit","on_hand","reserved"}; expiring first.
				for i, want := range []struct {
					item, unit string
					onHand     float64
				}{{"Vitamin", "botol", 12}, {"Beras", "kg", 40}, {"Masker", "pcs", 500}} {
					x := raw.Items[i]
					if x["item"] != want.item || x["unit"] != want.unit || x["on_hand"] != want.onHand || x["reserved"] != float64(0) {
						t.Errorf("row %d is %v, want %s %s %v reserved 0", i, x, want.item, want.unit, want.onHand)
					}
				}
				if raw.Items[0]["next_expiry"] != soon {
					t.Errorf("the first row expires %v, want %s", raw.Items[0]["next_expiry"], soon)
				}

				stock := "/api/v1/warehouses/" + w.whX.ID + "/stock"
				whStatus(t, w.officeX.Do(t, "GET", stock, nil), http.StatusOK)
				for name, c := range map[string]*apptest.Client{"the office of another kota": w.officeY,
					"an organisation that does not distribute it": w.other, "an organisation not verified": w.unverd} {
					if r := c.Do(t, "GET", stock, nil); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), "Masker") {
						t.Errorf("%s reads the stock: %d %.200s", name, r.Status, r.Body)
					}
				}
				whStatus(t, w.anon.Do(t, "GET", stock, nil), http.StatusUnauthorized)
				whStatus(t, w.admin.Do(t, "GET", "/api/v1/warehouses/no-such/stock", nil), http.StatusNotFound)
			})

			t.Run("adjustments: stock never goes below zero; bad input 400; other kota 404", func(t *testing.T) {
				adj := "/api/v1/warehouses/" + w.whX.ID + "/adjustments"
				before := w.stockOf(t, w.whX.ID)["Masker"].OnHand
				r := w.officeX.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": -(before + 1), "reason": "hilang"})
				whStatus(t, r, http.StatusConflict)
				id := *w.officeX
				id.Lang = "id"
				r = id.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": -(before + 1), "reason": "hilang"})
				if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "hanya") {
					t.Errorf("in Indonesian: %d %s", r.Status, r.Body)
				}
				for name, body := range map[string]map[string]any{
					"no reason":        {"item": "Masker", "quantity": 1},
					"zero":             {"item": "Masker", "quantity": 0, "reason": "x"},
					"too many":         {"item": "Masker", "quantity": 2_000_000, "reason": "x"},
					"an unknown item":  {"item": "Kapal Selam", "quantity": 1, "reason": "x"},
					"a malformed date": {"item": "Masker", "quantity": 1, "reason": "x", "expires_on": "besok"},
					"a string number":  {"item": "Masker", "quantity": "5", "reason": "x"},
				} {
					if r := w.officeX.Do(t, "POST", adj, body); r.Status != http.StatusBadRequest {
						t.Errorf("%s: %d %s", name, r.Status, r.Body)
					}
				}
				whStatus(t, w.officeY.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": 5, "reason": "x"}), http.StatusNotFound)
				whStatus(t, w.distributor.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": 5, "reason": "x"}), http.StatusNotFound)
				whStatus(t, w.anon.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": 5, "reason": "x"}), http.StatusUnauthorized)
				if after := w.stockOf(t, w.whX.ID)["Masker"].OnHand; after != before {
					t.Errorf("refused adjustments changed the stock: %d → %d", before, after)
				}
				whStatus(t, w.officeX.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": -before, "reason": "rusak semua"}), http.StatusCreated)
				if after := w.stockOf(t, w.whX.ID)["Masker"].OnHand; after != 0 {
					t.Errorf("after taking everything %d on hand", after)
				}
				whStatus(t, w.officeX.Do(t, "POST", adj, map[string]any{"item": "Masker", "quantity": 300, "reason": "kiriman susulan"}), http.StatusCreated)
			})

			t.Run("the ledger: staff of the kota page through it, newest first", func(t *testing.T) {
				moves := "/api/v1/warehouses/" + w.whX.ID + "/moves"
				var l struct {
					Items      []donate.Move
					NextCursor string `json:"next_cursor"`
				}
				w.officeX.Do(t, "GET", moves+"?limit=2", nil).JSON(t, &l)
				if len(l.Items) != 2 || l.NextCursor == "" || l.Items[0].Reason != "kiriman susulan" {
					t.Fatalf("first page %+v", l)
				}
				first := l.Items[0].ID
				w.officeX.Do(t, "GET", moves+"?limit=2&cursor="+url.QueryEscape(l.NextCursor), nil).JSON(t, &l)
				if len(l.Items) == 0 || l.Items[0].ID == first {
					t.Errorf("second page %+v", l.Items)
				}
				w.admin.Do(t, "GET", moves+"?item=Beras", nil).JSON(t, &l)
				if len(l.Items) != 1 || l.Items[0].OnHand != 40 {
					t.Errorf("Beras moves %+v", l.Items)
				}
				whStatus(t, w.admin.Do(t, "GET", moves+"?item=Kapal", nil), http.StatusBadRequest)
				whStatus(t, w.admin.Do(t, "GET", moves+"?limit=0", nil), http.StatusBadRequest)
				for _, c := range []*apptest.Client{w.officeY, w.distributor, w.other} {
					whStatus(t, c.Do(t, "GET", moves, nil), http.StatusNotFound)
				}
				whStatus(t, w.anon.Do(t, "GET", moves, nil), http.StatusUnauthorized)
			})

			t.Run("transfers: what is available moves, lot by lot; nothing else", func(t *testing.T) {
				tr := "/api/v1/transfers"
				r := w.officeX.Do(t, "POST", tr, map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Vitamin", "quantity": 5, "reason": "kebutuhan Setiabudi"})
				whStatus(t, r, http.StatusCreated)
				var done struct {
					Ref   string
					Moves []donate.Move
				}
				r.JSON(t, &done)
				if done.Ref == "" || len(done.Moves) != 2 || done.Moves[0].Kind != donate.MoveTransferOut || done.Moves[1].Kind != donate.MoveTransferIn {
					t.Fatalf("transfer answered %+v", done)
				}
				x, y := w.stockOf(t, w.whX.ID)["Vitamin"], w.stockOf(t, w.whY.ID)["Vitamin"]
				if x.OnHand != 7 || y.OnHand != 5 || y.NextExpiry != x.NextExpiry {
					t.Errorf("after the transfer X %+v, Y %+v", x, y)
				}
				for name, c := range map[string]struct {
					as   *apptest.Client
					body map[string]any
					want int
				}{
					"more than available":           {w.officeX, map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Vitamin", "quantity": 8}, 409},
					"to itself":                     {w.officeX, map[string]any{"from": w.whX.ID, "to": w.whX.ID, "item": "Vitamin", "quantity": 1}, 400},
					"to nowhere":                    {w.officeX, map[string]any{"from": w.whX.ID, "to": "no-such", "item": "Vitamin", "quantity": 1}, 400},
					"no quantity":                   {w.officeX, map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Vitamin"}, 400},
					"from another kota's warehouse": {w.officeY, map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Vitamin", "quantity": 1}, 404},
					"by the distributor":            {w.distributor, map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Vitamin", "quantity": 1}, 404},
				} {
					if r := c.as.Do(t, "POST", tr, c.body); r.Status != c.want {
						t.Errorf("%s: %d, want %d; %s", name, r.Status, c.want, r.Body)
					}
				}
				if got := w.stockOf(t, w.whX.ID)["Vitamin"].OnHand; got != 7 {
					t.Errorf("refused transfers changed the stock: %d", got)
				}
			})
		})
	}
}

func hasWarehouse(ws []donate.Warehouse, id string) bool {
	for _, w := range ws {
		if w.ID == id {
			return true
		}
	}
	return false
}

func TestWarehousePages(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newWHWorld(t, s)
	soon := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	later := time.Now().AddDate(2, 0, 0).Format(time.DateOnly)
	for _, a := range []donate.Adjustment{{Item: "Beras", Quantity: 30, ExpiresOn: later, Reason: "stok awal"},
		{Item: "Hand sanitizer", Quantity: 9, ExpiresOn: soon, Reason: "stok awal"}, {Item: "Hazmat", Quantity: 4, Reason: "stok awal"}} {
		if _, err := s.App.Donations.Adjust(s.Ctx(), w.adminWho, w.whX.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	page := "/warehouses/" + w.whX.ID

	t.Run("the office sees its warehouse with the goods that expire first on top, their dates and the forms", func(t *testing.T) {
		r := w.officeXPage.Do(t, "GET", page, nil)
		whStatus(t, r, http.StatusOK)
		b := string(r.Body)
		iSan, iBeras, iHaz := strings.Index(b, "Hand sanitizer"), strings.Index(b, "Beras"), strings.Index(b, "Hazmat")
		if iSan < 0 || iBeras < 0 || iHaz < 0 || !(iSan < iBeras && iBeras < iHaz) {
			t.Errorf("stock order sanitizer %d, beras %d, hazmat %d; want expiring first", iSan, iBeras, iHaz)
		}
		for _, want := range []string{longDay(t, soon), longDay(t, later), `id="adjust-form"`, `id="transfer-form"`, `id="moves"`, "Posko Setiabudi Uji", "Gugus Tugas Gudang Uji",
			"Sesuaikan stok", "Stok"} {
			if !strings.Contains(b, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("the office adjusts through the form; a refused one is shown in words", func(t *testing.T) {
		r := w.officeXPage.Do(t, "POST", page+"/adjustments", url.Values{"item": {"item-hazmat"}, "direction": {"take"},
			"quantity": {"3"}, "reason": {"sobek"}})
		whStatus(t, r, http.StatusSeeOther)
		if got := w.stockOf(t, w.whX.ID)["Hazmat"].OnHand; got != 1 {
			t.Errorf("after taking 3 of 4, %d on hand", got)
		}
		r = w.officeXPage.Do(t, "POST", page+"/adjustments", url.Values{"item": {"item-hazmat"}, "direction": {"take"},
			"quantity": {"5"}, "reason": {"sobek"}})
		whStatus(t, r, http.StatusSeeOther)
		r = w.officeXPage.Do(t, "GET", page, nil)
		if !strings.Contains(string(r.Body), "flash-error") || !strings.Contains(string(r.Body), "hanya 1") {
			t.Errorf("the refusal is not shown: %.2000s", r.Body)
		}
		if got := w.stockOf(t, w.whX.ID)["Hazmat"].OnHand; got != 1 {
			t.Errorf("a refused adjustment changed the stock to %d", got)
		}
	})

	t.Run("the office transfers through the form", func(t *testing.T) {
		r := w.officeXPage.Do(t, "POST", page+"/transfers", url.Values{"to": {w.whY.ID}, "item": {"item-beras"}, "quantity": {"10"}})
		whStatus(t, r, http.StatusSeeOther)
		if x, y := w.stockOf(t, w.whX.ID)["Beras"].OnHand, w.stockOf(t, w.whY.ID)["Beras"].OnHand; x != 20 || y != 10 {
			t.Errorf("after moving 10 of 30: X %d, Y %d", x, y)
		}
	})

	t.Run("the office of another kota, and collaborators, cannot act", func(t *testing.T) {
		oy, pw := s.User(t, account.Office, "31.74", "")
		c := s.Client()
		c.Login(t, oy.Email, pw)
		whStatus(t, c.Do(t, "GET", page, nil), http.StatusNotFound)
		whStatus(t, c.Do(t, "POST", page+"/adjustments", url.Values{"item": {"item-beras"}, "quantity": {"1"}, "reason": {"x"}}), http.StatusNotFound)
		_, u, pw2 := s.Org(t, "Yayasan Tamu Halaman", true)
		g := s.Client()
		g.Login(t, u.Email, pw2)
		r := g.Do(t, "GET", page, nil)
		whStatus(t, r, http.StatusOK)
		for _, hidden := range []string{"Hand sanitizer", `id="adjust-form"`, `id="moves"`, "Gugus Tugas Gudang Uji"} {
			if strings.Contains(string(r.Body), hidden) {
				t.Errorf("a collaborator that does not distribute the stock sees %q", hidden)
			}
		}
		whStatus(t, g.Do(t, "POST", page+"/transfers", url.Values{"to": {w.whY.ID}, "item": {"item-beras"}, "quantity": {"1"}}), http.StatusNotFound)
		if got := w.stockOf(t, w.whX.ID)["Beras"].OnHand; got != 20 {
			t.Errorf("refused requests changed the stock to %d", got)
		}
	})

	t.Run("the admin adds a warehouse and an item through the forms, in English too", func(t *testing.T) {
		r := w.adminPage.Do(t, "GET", "/warehouses", nil)
		whStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `id="new-warehouse"`) || !strings.Contains(string(r.Body), "Gudang Gambir Uji") {
			t.Fatalf("the list lacks the form or a warehouse")
		}
		r = w.adminPage.Do(t, "POST", "/warehouses", url.Values{"name": {"Gudang Form Uji"}, "region": {"31.73"}, "kind": {"gudang"}})
		whStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/warehouses/") || loc == "/warehouses/" {
			t.Fatalf("after adding, to %q", loc)
		}
		edit := r.Header.Get("Location") + "/edit"
		whStatus(t, w.adminPage.Do(t, "GET", edit, nil), http.StatusOK)
		whStatus(t, w.officeXPage.Do(t, "GET", edit, nil), http.StatusNotFound)
		r = w.adminPage.Do(t, "POST", "/warehouses", url.Values{"name": {"G"}, "region": {"31.73"}})
		whStatus(t, r, http.StatusSeeOther)
		if r.Header.Get("Location") != "/warehouses" {
			t.Errorf("a refused warehouse goes to %q", r.Header.Get("Location"))
		}
		r = w.adminPage.Do(t, "POST", "/catalogue", url.Values{"name": {"Selimut"}, "unit": {"lembar"}})
		whStatus(t, r, http.StatusSeeOther)
		whStatus(t, w.adminPage.Do(t, "GET", "/lang/en?next=/catalogue", nil), http.StatusSeeOther)
		r = w.adminPage.Do(t, "GET", "/catalogue", nil)
		if !strings.Contains(string(r.Body), "Selimut") || !strings.Contains(string(r.Body), "The item was added to the catalogue.") ||
			!strings.Contains(string(r.Body), "Catalogue of goods") {
			t.Errorf("the catalogue page in English: %.1500s", r.Body)
		}
	})
}

// warehousesConformance calls every warehouse, catalogue and stock endpoint in
// the order the task force uses them, refusals included: the admin adds a
// warehouse and an item, the office counts its stock and moves some of it to
// another kota's post, and reads the ledger.
func warehousesConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newWHWorld(t, s)
	whs, x := "/api/v1/warehouses", "/api/v1/warehouses/"+w.whX.ID
	later := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	var created donate.Warehouse
	k.do(t, apiCall{as: w.admin, method: "POST", path: whs, want: 201, body: map[string]any{"name": "Gudang Skema", "region": "31.71.04",
		"address": "Jl. Skema 4", "kind": "posko", "contact_name": "Bu Skema", "contact_phone": "081377770044", "org_id": w.distOrg.ID}}).JSON(t, &created)
	for _, c := range []apiCall{
		{as: w.admin, method: "POST", path: whs, want: 400, body: map[string]any{"name": "Gudang Skema", "region": "99"}},
		{as: w.admin, method: "POST", path: whs, want: 400, body: map[string]any{"name": "Gudang Skema"}, docRejects: true},
		{as: w.officeX, method: "POST", path: whs, want: 404, body: map[string]any{"name": "Gudang Skema", "region": "31.71"}},
		{as: w.anon, method: "POST", path: whs, want: 401, body: map[string]any{"name": "Gudang Skema", "region": "31.71"}},
		{as: w.admin, method: "GET", path: whs + "?region=31.71&limit=1", want: 200},
		{as: w.officeX, method: "GET", path: whs, want: 200},
		{as: w.other, method: "GET", path: whs, want: 200},
		{as: w.admin, method: "GET", path: whs + "?region=abc", want: 400},
		{as: w.unverd, method: "GET", path: whs, want: 404},
		{as: w.anon, method: "GET", path: whs, want: 401},
		{as: w.other, method: "GET", path: whs + "/" + created.ID, want: 200},
		{as: w.officeY, method: "GET", path: whs + "/" + created.ID, want: 404},
		{as: w.admin, method: "PUT", path: whs + "/" + created.ID, want: 200, body: map[string]any{"name": "Gudang Skema Baru", "region": "31.71.04",
			"address": "Jl. Skema 5", "kind": "gudang", "contact_name": "", "contact_phone": "", "org_id": ""}},
		{as: w.admin, method: "PUT", path: whs + "/" + created.ID, want: 400, body: map[string]any{"name": "G", "region": "31.71"}, docRejects: true},
		{as: w.officeX, method: "PUT", path: whs + "/" + created.ID, want: 404, body: map[string]any{"name": "Gudang Skema", "region": "31.71"}},
		{as: w.other, method: "GET", path: "/api/v1/stock-items", want: 200},
		{as: w.anon, method: "GET", path: "/api/v1/stock-items", want: 401},
		{as: w.admin, method: "POST", path: "/api/v1/stock-items", want: 201, body: map[string]any{"name": "Tabung Oksigen Skema", "unit": "tabung", "perishable": false}},
		{as: w.admin, method: "POST", path: "/api/v1/stock-items", want: 409, body: map[string]any{"name": "tabung oksigen skema", "unit": "tabung"}},
		{as: w.admin, method: "POST", path: "/api/v1/stock-items", want: 400, body: map[string]any{"name": "Tabung", "unit": "tabung", "colour": "biru"}, docRejects: true},
		{as: w.officeX, method: "POST", path: "/api/v1/stock-items", want: 404, body: map[string]any{"name": "Tabung Lain", "unit": "tabung"}},
		{as: w.officeX, method: "POST", path: x + "/adjustments", want: 201, body: map[string]any{"item": "Beras", "quantity": 80, "expires_on": later, "reason": "stok awal"}},
		{as: w.officeX, method: "POST", path: x + "/adjustments", want: 201, body: map[string]any{"item": "Beras", "quantity": -5, "reason": "tikus"}},
		{as: w.officeX, method: "POST", path: x + "/adjustments", want: 409, body: map[string]any{"item": "Beras", "quantity": -500, "reason": "hilang"}},
		{as: w.officeX, method: "POST", path: x + "/adjustments", want: 400, body: map[string]any{"item": "Beras", "quantity": 5}, docRejects: true},
		{as: w.officeY, method: "POST", path: x + "/adjustments", want: 404, body: map[string]any{"item": "Beras", "quantity": 5, "reason": "x"}},
		{as: w.distributor, method: "GET", path: x + "/stock", want: 200},
		{as: w.other, method: "GET", path: x + "/stock", want: 404},
		{as: w.anon, method: "GET", path: x + "/stock", want: 401},
		{as: w.officeX, method: "POST", path: "/api/v1/transfers", want: 201, body: map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Beras",
			"quantity": 25, "expires_on": later, "reason": "kebutuhan posko"}},
		{as: w.officeX, method: "POST", path: "/api/v1/transfers", want: 409, body: map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Beras", "quantity": 51}},
		{as: w.officeX, method: "POST", path: "/api/v1/transfers", want: 400, body: map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Beras", "quantity": 0}, docRejects: true},
		{as: w.officeY, method: "POST", path: "/api/v1/transfers", want: 404, body: map[string]any{"from": w.whX.ID, "to": w.whY.ID, "item": "Beras", "quantity": 1}},
		{as: w.officeX, method: "GET", path: x + "/moves?item=Beras&limit=2", want: 200},
		{as: w.admin, method: "GET", path: x + "/moves?item=Kapal", want: 400},
		{as: w.distributor, method: "GET", path: x + "/moves", want: 404},
		{as: w.anon, method: "GET", path: x + "/moves", want: 401},
	} {
		k.do(t, c)
	}
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	k.do(t, apiCall{as: w.officeX, method: "GET", path: x + "/moves?limit=1", want: 200}).JSON(t, &page)
	if page.NextCursor == "" {
		t.Fatal("no next cursor on a page of 1 movement")
	}
	k.do(t, apiCall{as: w.officeX, method: "GET", path: x + "/moves?limit=1&cursor=" + url.QueryEscape(page.NextCursor), want: 200})
}

// TestBrowserWarehouseOnAPhone: on a 360×740 phone, the office of Jakarta Pusat
// opens its warehouses, the warehouse's stock (the goods that expire first on
// top, with their dates), records what a count found missing and moves goods to
// a post in another kota; the admin adds an item to the catalogue. No page
// scrolls sideways.
func TestBrowserWarehouseOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			w := newWHWorld(t, s)
			soon := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
			for _, a := range []donate.Adjustment{{Item: "Hazmat", Quantity: 20, Reason: "stok awal"},
				{Item: "Paket sembako", Quantity: 60, ExpiresOn: soon, Reason: "stok awal"}} {
				if _, err := s.App.Donations.Adjust(s.Ctx(), w.adminWho, w.whX.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			ox, pw := s.User(t, account.Office, "31.71", "")
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			b.open("/warehouses")
			b.waitText("main h1", "Masuk")
			b.signIn(s, ox.Email, pw)
			b.waitText("main h1", "Gudang dan posko")
			b.waitText("#warehouses", "Gudang Gambir Uji")
			b.shot("warehouses-office", 360)
			b.click(`#warehouses a[href="/warehouses/` + w.whX.ID + `"]`)
			b.waitText("main h1", "Gudang Gambir Uji")
			if first := b.text("#stock tbody tr:first-child"); !strings.Contains(first, "Paket sembako") || !strings.Contains(first, longDay(t, soon)) {
				t.Errorf("the first stock row reads %q; want the expiring sembako with its date %s", first, longDay(t, soon))
			}
			b.shot("warehouse-stock", 360)

			b.click(`#adjust-form input[name="direction"][value="take"]`)
			b.do("pick Hazmat", chromedp.SetValue(chromedp.CSS(`#adjust-form select[name="item"]`), "item-hazmat"))
			b.fill([][2]string{{`#adjust-form input[name="quantity"]`, "3"}, {`#adjust-form input[name="reason"]`, "sobek saat dihitung"}})
			b.click("#adjust")
			b.waitText(".flash-ok", "Stok sudah disesuaikan.")
			b.waitText("#moves tbody tr:first-child", "sobek saat dihitung")
			if got := w.stockOf(t, w.whX.ID)["Hazmat"].OnHand; got != 17 {
				t.Errorf("after taking 3 of 20 the stock holds %d", got)
			}

			b.do("pick the post", chromedp.SetValue(chromedp.CSS(`#transfer-form select[name="to"]`), w.whY.ID))
			b.do("pick sembako", chromedp.SetValue(chromedp.CSS(`#transfer-form select[name="item"]`), "item-paket-sembako"))
			b.fill([][2]string{{`#transfer-form input[name="quantity"]`, "70"}})
			b.click("#transfer")
			b.waitText(".flash-error", "hanya 60")
			b.fill([][2]string{{`#transfer-form input[name="quantity"]`, "25"}})
			b.click("#transfer")
			b.waitText(".flash-ok", "Barang sudah dipindahkan.")
			b.shot("warehouse-after-transfer", 360)
			if x, y := w.stockOf(t, w.whX.ID)["Paket sembako"], w.stockOf(t, w.whY.ID)["Paket sembako"]; x.OnHand != 35 || y.OnHand != 25 || y.NextExpiry != soon {
				t.Errorf("after moving 25 of 60: X %+v, Y %+v", x, y)
			}

			// The admin, on the same phone.
			a := b
			a.click("#logout")
			a.waitText("main", "Gotong")
			a.open("/catalogue")
			a.signIn(s, apptest.AdminEmail, apptest.AdminPassword)
			a.waitText("main h1", "Katalog barang")
			a.fill([][2]string{{`#new-item input[name="name"]`, "Tabung oksigen"}, {`#new-item input[name="unit"]`, "tabung"}})
			a.click("#add-item")
			a.waitText(".flash-ok", "Barang sudah ditambahkan ke katalog.")
			a.waitText("#items", "Tabung oksigen")
			a.shot("catalogue-admin", 360)
			a.open("/warehouses")
			a.waitText("#new-warehouse", "Tambahkan gudang")
			a.shot("warehouses-admin", 360)
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors: %v", errs)
			}
		})
	}
}
