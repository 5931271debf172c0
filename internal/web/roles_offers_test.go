package web_test

import (
	"net/url"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
)

// offersFixture is the donation world of the role table: a warehouse in kota X
// (31.71.01) and an offer of organisation A to it, with one receipt, that
// only A, the office of X and the admin may see.
type offersFixture struct {
	warehouse string
	seen      string // the offer every reading row asks for
	note      string // its note, which only those who see it may read
}

// offersFixtures holds each role fixture's donation world, made by the first
// row that needs it (rows run in order, each row's fresh before its checks).
var offersFixtures sync.Map // *roleFixture → *offersFixture

func (f *roleFixture) offers(t *testing.T) *offersFixture {
	t.Helper()
	if x, ok := offersFixtures.Load(f); ok {
		return x.(*offersFixture)
	}
	x := &offersFixture{note: "Catatan Donasi Rahasia Alfa"}
	x.warehouse = makeWarehouse(t, f.s, "Gudang Peran Pusat", "31.71.01")
	d := f.offerIn(t, x, donate.Received)
	x.seen = d.ID
	offersFixtures.Store(f, x)
	return x
}

// offersOf is the fixture made already (for show and hide, which have no t).
func offersOf(f *roleFixture) *offersFixture {
	x, _ := offersFixtures.Load(f)
	return x.(*offersFixture)
}

// offerIn makes an offer of organisation A to the fixture's warehouse and
// brings it to status: a line of masks and a line of free text.
func (f *roleFixture) offerIn(t *testing.T, x *offersFixture, status string) donate.Donation {
	t.Helper()
	ctx, svc := f.s.Ctx(), f.s.App.Donations
	u, err := f.s.App.Accounts.User(ctx, f.users[collabA].ID) // verified since the fixture registered it
	if err != nil {
		t.Fatal(err)
	}
	office := f.users[officeX].Principal()
	d, err := svc.Offer(ctx, u.Principal(), donate.NewOffer{WarehouseID: x.warehouse, Note: x.note, Items: []donate.OfferLine{
		{Item: "Masker", Quantity: 40, UnitValue: 3000}, {Item: "Tabung oksigen kecil", Unit: "tabung", Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if status == donate.Offered {
		return d
	}
	if _, err := svc.Accept(ctx, office, d.ID); err != nil {
		t.Fatal(err)
	}
	if status == donate.Received {
		if _, err := svc.Receive(ctx, office, d.ID, donate.Intake{ReceiverName: "Pak Penerima Gudang", Items: []donate.IntakeLine{{Line: 1, Received: 10}}}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// offerRows are the donation endpoints, API and pages: donors offer and
// withdraw, the office of the warehouse's kota and the admin decide and
// receive, and each reads only what is its own or its region's.
func offerRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// Who reads the fixture's offer: organisation A, the office of X, the admin.
	reader := func(code int) statuses { return statuses{401, code, 404, code, 404, code} }
	listing := statuses{401, 200, 200, 200, 200, 200}
	donor := func(code int) statuses { return statuses{401, code, code, 404, 404, 404} }
	ownDonor := func(code int) statuses { return statuses{401, code, 404, 404, 404, 404} }
	staffX := func(code int) statuses { return statuses{401, 404, 404, code, 404, code} }
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	seesIt := func(r role) bool { return r == collabA || r == officeX || r == admin }
	showSeen := func(f *roleFixture, r role) []string {
		if seesIt(r) {
			return []string{offersOf(f).seen, offersOf(f).note}
		}
		return nil
	}
	hideSeen := func(f *roleFixture, r role) []string {
		if seesIt(r) {
			return nil
		}
		return []string{offersOf(f).seen, offersOf(f).note}
	}
	showID := func(f *roleFixture, r role) []string {
		if seesIt(r) {
			return []string{offersOf(f).seen}
		}
		return nil
	}
	// existing is the fixture's offer, read by the row.
	existing := func(t *testing.T, f *roleFixture) freshObjects { return freshObjects{id: f.offers(t).seen} }
	// inStatus is a new offer in status that the row changes; after checks that
	// it became want exactly for the roles that may (changes).
	inStatus := func(status, want string, changes func(role) bool, body any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			d := f.offerIn(t, f.offers(t), status)
			return freshObjects{id: d.ID, body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				got, err := f.s.App.Donations.Donation(f.s.Ctx(), f.users[admin].Principal(), d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if changed := got.Status == want; changed != changes(r) {
					t.Errorf("after the request the offer is %s; want %s: %v", got.Status, want, changes(r))
				}
			}}
		}
	}
	byStaffX := func(r role) bool { return r == officeX || r == admin }
	byDonorA := func(r role) bool { return r == collabA }
	// mapped checks that line 2 became hazmat exactly for the staff of X.
	mapped := func(body any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			d := f.offerIn(t, f.offers(t), donate.Offered)
			return freshObjects{id: d.ID, body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				got, err := f.s.App.Donations.Donation(f.s.Ctx(), f.users[admin].Principal(), d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if changed := got.Items[1].ItemID == "item-hazmat"; changed != byStaffX(r) {
					t.Errorf("after the request line 2 is %q", got.Items[1].ItemID)
				}
			}}
		}
	}
	// newOffer is an offer's body to the fixture's warehouse; after counts the
	// offers with its note.
	newOffer := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			x := f.offers(t)
			note := f.s.Unique("tawaran baru ")
			var body any = map[string]any{"warehouse_id": x.warehouse, "note": note, "items": []map[string]any{{"item": "Beras", "quantity": 25}}}
			if form {
				body = url.Values{"warehouse_id": {x.warehouse}, "note": {note}, "ref": {f.s.Unique("ref")}, "item": {"Beras", ""},
					"unit": {"", ""}, "quantity": {"25", ""}, "unit_value": {"12.000", ""}, "expires_on": {"", ""}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				n := f.count(t, `SELECT COUNT(*) FROM donations WHERE note = $1`, note)
				if want := map[bool]int{true: 1, false: 0}[r == collabA || r == collabB]; n != want {
					t.Errorf("%d offers after the request; want %d", n, want)
				}
			}}
		}
	}
	intake := map[string]any{"items": []map[string]any{{"line": 1, "received": 5, "condition": "good"}, {"line": 1, "received": 1, "condition": "damaged"}}}
	intakeForm := url.Values{"line": {"1", "2"}, "received": {"5", ""}, "condition": {"good", "good"}, "expires_on": {"", ""}, "ref": {"peran"}}
	// The reading rows come first, before the rows' own offers crowd the lists.
	return []roleRow{
		{method: "GET", path: "/donations", want: page(listing), to: toLogin(""), fresh: existing, show: showID, hide: hideSeen},
		{method: "GET", path: "/donations/{fresh}", want: page(reader(200)), to: toLogin(""), fresh: existing, show: showSeen},
		{method: "GET", path: "/api/v1/donations/{fresh}", want: reader(200), fresh: existing, show: showSeen},
		{method: "GET", path: "/api/v1/donations", want: listing, fresh: existing, show: showSeen, hide: hideSeen},
		{method: "GET", path: "/api/v1/donations/{fresh}/receipts", want: reader(200), fresh: existing, show: text(`"good":10`), hide: hideSeen},
		{method: "POST", path: "/api/v1/donations", want: donor(201), fresh: newOffer(false), show: text(`"status":"offered"`)},
		{method: "POST", path: "/api/v1/donations/{fresh}/accept", want: staffX(200), show: text(`"status":"accepted"`),
			fresh: inStatus(donate.Offered, donate.Accepted, byStaffX, nil)},
		{method: "POST", path: "/api/v1/donations/{fresh}/decline", want: staffX(200), show: text(`"status":"declined"`),
			fresh: inStatus(donate.Offered, donate.Declined, byStaffX, map[string]string{"reason": "gudang penuh"})},
		{method: "POST", path: "/api/v1/donations/{fresh}/withdraw", want: ownDonor(200), show: text(`"status":"withdrawn"`),
			fresh: inStatus(donate.Offered, donate.Withdrawn, byDonorA, nil)},
		{method: "POST", path: "/api/v1/donations/{fresh}/close", want: staffX(200), show: text(`"status":"closed"`),
			fresh: inStatus(donate.Accepted, donate.Closed, byStaffX, map[string]string{"reason": "selesai"})},
		{method: "POST", path: "/api/v1/donations/{fresh}/items/2/map", want: staffX(200), show: text(`"item_id":"item-hazmat"`),
			fresh: mapped(map[string]string{"item": "Hazmat"})},
		{method: "POST", path: "/api/v1/donations/{fresh}/receive", want: staffX(201), show: text(`"good":5`, `"status":"received"`),
			fresh: inStatus(donate.Accepted, donate.Received, byStaffX, intake)},

		{method: "GET", path: "/donations/new", want: page(donor(200)), to: toLogin(""), show: text(`id="offer-form"`, "Gudang Peran Pusat"),
			fresh: existing},
		{method: "POST", path: "/donations", want: page(donor(303)), to: toLogin("/donations/"), fresh: newOffer(true)},
		{method: "POST", path: "/donations/{fresh}/accept", want: page(staffX(303)), to: toLogin("/donations/"),
			fresh: inStatus(donate.Offered, donate.Accepted, byStaffX, url.Values{})},
		{method: "POST", path: "/donations/{fresh}/decline", want: page(staffX(303)), to: toLogin("/donations/"),
			fresh: inStatus(donate.Offered, donate.Declined, byStaffX, url.Values{"reason": {"gudang penuh"}})},
		{method: "POST", path: "/donations/{fresh}/withdraw", want: page(ownDonor(303)), to: toLogin("/donations/"),
			fresh: inStatus(donate.Offered, donate.Withdrawn, byDonorA, url.Values{})},
		{method: "POST", path: "/donations/{fresh}/close", want: page(staffX(303)), to: toLogin("/donations/"),
			fresh: inStatus(donate.Received, donate.Closed, byStaffX, url.Values{"reason": {""}})},
		{method: "POST", path: "/donations/{fresh}/items/2/map", want: page(staffX(303)), to: toLogin("/donations/"),
			fresh: mapped(url.Values{"item": {"item-hazmat"}})},
		{method: "POST", path: "/donations/{fresh}/receive", want: page(staffX(303)), to: toLogin("/donations/"),
			fresh: inStatus(donate.Accepted, donate.Received, byStaffX, intakeForm)},
	}
}
