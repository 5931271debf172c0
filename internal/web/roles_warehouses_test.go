package web_test

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
)

// whFixture is the warehouse world of the role table, made on first use: a
// warehouse in kota X (31.71) whose stock organisation A distributes, holding
// masks and vitamins that expire, and a post in kota Y (31.74).
type whFixture struct {
	x, y string // warehouse ids
}

const (
	whNameX = "Gudang Peran Pusat"
	whNameY = "Posko Peran Selatan"
)

var whFixtures sync.Map // *roleFixture → *whFixture

func (f *roleFixture) warehouses(t *testing.T) *whFixture {
	t.Helper()
	if v, ok := whFixtures.Load(f); ok {
		return v.(*whFixture)
	}
	who := f.users[admin].Principal()
	d := f.s.App.Donations
	x, err := d.CreateWarehouse(f.s.Ctx(), who, donate.NewWarehouse{Name: whNameX, Region: "31.71.01", Address: "Jl. Gudang Peran 1",
		OrgID: f.orgA.ID})
	if err != nil {
		t.Fatal(err)
	}
	y, err := d.CreateWarehouse(f.s.Ctx(), who, donate.NewWarehouse{Name: whNameY, Kind: donate.Posko, Region: "31.74.02"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []donate.Adjustment{{Item: "Masker", Quantity: 1000, Reason: "stok awal"},
		{Item: "Vitamin", Quantity: 50, ExpiresOn: time.Now().AddDate(0, 3, 0).Format(time.DateOnly), Reason: "stok awal"}} {
		if _, err := d.Adjust(f.s.Ctx(), who, x.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	w := &whFixture{x: x.ID, y: y.ID}
	whFixtures.Store(f, w)
	return w
}

// atX and atY give a row the fixture's warehouse of X or Y as {fresh}, with body.
func atX(body any) func(t *testing.T, f *roleFixture) freshObjects {
	return func(t *testing.T, f *roleFixture) freshObjects {
		return freshObjects{id: f.warehouses(t).x, body: body}
	}
}

// whChanged checks, after a row that writes the ledger of X with reason, that
// the movement exists exactly when the role acts for X (its office, the admin).
func whChanged(body func(f *roleFixture, w *whFixture, reason string) any) func(t *testing.T, f *roleFixture) freshObjects {
	return func(t *testing.T, f *roleFixture) freshObjects {
		w := f.warehouses(t)
		reason := f.s.Unique("alasan peran ")
		return freshObjects{id: w.x, body: body(f, w, reason), after: func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM stock_moves WHERE warehouse_id = $1 AND reason = $2`, w.x, reason)
			if acts := r == officeX || r == admin; (n > 0) != acts {
				t.Errorf("%d movements with the row's reason after the request; the role acts for the warehouse: %v", n, acts)
			}
		}}
	}
}

// newWarehouse gives a row a new warehouse's body; after it, the warehouse
// exists exactly when the admin asked.
func newWarehouse(form bool) func(t *testing.T, f *roleFixture) freshObjects {
	return func(t *testing.T, f *roleFixture) freshObjects {
		name := f.s.Unique("Gudang Baru Peran ")
		var body any = map[string]string{"name": name, "region": "31.73", "address": "Jl. Baru"}
		if form {
			body = url.Values{"name": {name}, "region": {"31.73"}, "address": {"Jl. Baru"}}
		}
		return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
			if n := f.count(t, `SELECT COUNT(*) FROM warehouses WHERE name = $1`, name); (n == 1) != isAdmin(r) {
				t.Errorf("%d warehouses named %q after the request", n, name)
			}
		}}
	}
}

// renamed makes a warehouse of its own for a row that changes it; after it, the
// name changed exactly when the admin asked.
func renamed(form bool) func(t *testing.T, f *roleFixture) freshObjects {
	return func(t *testing.T, f *roleFixture) freshObjects {
		wh, err := f.s.App.Donations.CreateWarehouse(f.s.Ctx(), f.users[admin].Principal(),
			donate.NewWarehouse{Name: f.s.Unique("Gudang Lama Peran "), Region: "31.71"})
		if err != nil {
			t.Fatal(err)
		}
		name := f.s.Unique("Gudang Ganti Peran ")
		var body any = map[string]string{"name": name, "region": "31.71"}
		if form {
			body = url.Values{"name": {name}, "region": {"31.71"}}
		}
		return freshObjects{id: wh.ID, body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
			if n := f.count(t, `SELECT COUNT(*) FROM warehouses WHERE id = $1 AND name = $2`, wh.ID, name); (n == 1) != isAdmin(r) {
				t.Errorf("after the request the warehouse is renamed: %v", n == 1)
			}
		}}
	}
}

// newItem gives a row a new catalogue item; after it, it exists exactly when the
// admin asked.
func newItem(form bool) func(t *testing.T, f *roleFixture) freshObjects {
	return func(t *testing.T, f *roleFixture) freshObjects {
		name := f.s.Unique("Barang Peran ")
		var body any = map[string]string{"name": name, "unit": "buah"}
		if form {
			body = url.Values{"name": {name}, "unit": {"buah"}}
		}
		return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
			if n := f.count(t, `SELECT COUNT(*) FROM stock_items WHERE name = $1`, name); (n == 1) != isAdmin(r) {
				t.Errorf("%d items named %q after the request", n, name)
			}
		}}
	}
}

// warehouseRows are the role rows of warehouses, the catalogue and stock (issue
// 13). Staff act for the warehouses of their kota; verified collaborators see
// every warehouse, to offer goods to it, but only the distributing organisation
// (A, for X) reads its stock; the ledger and its changes are the staff's.
func warehouseRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// listed: offices see their kota's warehouse and not the other's.
	listed := func(f *roleFixture, r role) []string {
		switch r {
		case officeX:
			return []string{whNameX}
		case officeY:
			return []string{whNameY}
		}
		return []string{whNameX, whNameY}
	}
	notListed := func(f *roleFixture, r role) []string {
		switch r {
		case officeX:
			return []string{whNameY}
		case officeY:
			return []string{whNameX}
		}
		return nil
	}
	// stockHidden: who does not read X's stock sees none of it.
	stockHidden := func(f *roleFixture, r role) []string {
		if r == collabA || r == officeX || r == admin {
			return nil
		}
		return []string{"Vitamin", "on_hand", `id="stock"`}
	}
	acts := statuses{401, 404, 404, 200, 404, 200}
	actsPage := statuses{303, 404, 404, 303, 404, 303}
	// Warehouses and the catalogue are for those who read stock: staff and the
	// verified collaborators (every collaborator of the fixture), not citizens.
	stockReaders := statuses{401, 200, 200, 200, 200, 200, 404}
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	adjust := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return whChanged(func(f *roleFixture, w *whFixture, reason string) any {
			if form {
				return url.Values{"item": {"Masker"}, "quantity": {"2"}, "reason": {reason}}
			}
			return map[string]any{"item": "Masker", "quantity": 2, "reason": reason}
		})
	}
	transfer := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return whChanged(func(f *roleFixture, w *whFixture, reason string) any {
			if form {
				return url.Values{"to": {w.y}, "item": {"Masker"}, "quantity": {"1"}, "reason": {reason}}
			}
			return map[string]any{"from": w.x, "to": w.y, "item": "Masker", "quantity": 1, "reason": reason}
		})
	}
	created := func(s statuses) statuses {
		for i, c := range s {
			if c == 200 {
				s[i] = 201
			}
		}
		return s
	}
	return []roleRow{
		{method: "POST", path: "/api/v1/warehouses", want: apiAdmin(201), show: text(`"kind":"gudang"`), fresh: newWarehouse(false)},
		{method: "GET", path: "/api/v1/warehouses?limit=500", want: stockReaders, show: listed, hide: notListed,
			fresh: func(t *testing.T, f *roleFixture) freshObjects { f.warehouses(t); return freshObjects{} }},
		{method: "GET", path: "/api/v1/warehouses/{fresh}", want: statuses{401, 200, 200, 200, 404, 200}, show: text(whNameX), fresh: atX(nil)},
		{method: "PUT", path: "/api/v1/warehouses/{fresh}", want: apiAdmin(200), show: text("Gudang Ganti Peran"), fresh: renamed(false)},
		{method: "GET", path: "/api/v1/stock-items", want: stockReaders, show: text("Masker", "Paket sembako")},
		{method: "POST", path: "/api/v1/stock-items", want: apiAdmin(201), show: text("Barang Peran", `"unit":"buah"`), fresh: newItem(false)},
		{method: "GET", path: "/api/v1/warehouses/{fresh}/stock", want: statuses{401, 200, 404, 200, 404, 200},
			show: text(`"item":"Vitamin"`, `"unit":"botol"`, `"on_hand":50`, `"reserved":0`), hide: stockHidden, fresh: atX(nil)},
		{method: "GET", path: "/api/v1/warehouses/{fresh}/moves", want: acts, show: text(`"kind":"adjust"`, "stok awal"), hide: stockHidden, fresh: atX(nil)},
		{method: "POST", path: "/api/v1/warehouses/{fresh}/adjustments", want: created(acts), show: text(`"on_hand":2`), fresh: adjust(false)},
		{method: "POST", path: "/api/v1/transfers", want: created(acts), show: text(`"transfer_out"`, `"transfer_in"`), fresh: transfer(false)},

		// Pages.
		{method: "GET", path: "/warehouses", want: page(stockReaders), to: toLogin(""), show: listed, hide: notListed,
			fresh: func(t *testing.T, f *roleFixture) freshObjects { f.warehouses(t); return freshObjects{} }},
		{method: "POST", path: "/warehouses", want: pageAdmin(303), to: toLogin("/warehouses/"), fresh: newWarehouse(true)},
		{method: "GET", path: "/warehouses/{fresh}", want: statuses{303, 200, 200, 200, 404, 200}, to: toLogin(""), show: text(whNameX),
			hide: stockHidden, fresh: atX(nil)},
		{method: "GET", path: "/warehouses/{fresh}/edit", want: pageAdmin(200), to: toLogin(""), show: text(`id="edit-warehouse"`), fresh: atX(nil)},
		{method: "POST", path: "/warehouses/{fresh}", want: pageAdmin(303), to: toLogin("/warehouses/"), fresh: renamed(true)},
		{method: "POST", path: "/warehouses/{fresh}/adjustments", want: actsPage, to: toLogin("/warehouses/"), fresh: adjust(true)},
		{method: "POST", path: "/warehouses/{fresh}/transfers", want: actsPage, to: toLogin("/warehouses/"), fresh: transfer(true)},
		{method: "GET", path: "/catalogue", want: page(stockReaders), to: toLogin(""), show: text("Masker", `id="items"`)},
		{method: "POST", path: "/catalogue", want: pageAdmin(303), to: toLogin("/catalogue"), fresh: newItem(true)},
	}
}
