package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

// The warehouse pages (issue 13): the warehouses and posts the viewer may see,
// with the admin's form for a new one; one warehouse with its stock (the goods
// that expire first first, with their dates), its recent movements and, for the
// staff who act for it, the forms to adjust and transfer stock; the catalogue
// of goods, where the admin adds items. Made for a phone: small tables, plain
// forms, no script needed.

// kindNames name the kinds of warehouse for people (catalogue keys).
var kindNames = map[string]string{donate.Gudang: "Warehouse (gudang)", donate.Posko: "Post (posko)"}

// moveNames name the ledger's movements for people (catalogue keys).
var moveNames = map[string]string{
	donate.MoveReceipt:     "Received from a donor",
	donate.MoveReserve:     "Reserved for a commitment",
	donate.MoveRelease:     "Reservation released",
	donate.MoveIssue:       "Delivered out",
	donate.MoveAdjust:      "Adjusted",
	donate.MoveTransferOut: "Transferred out",
	donate.MoveTransferIn:  "Transferred in",
}

// warehousesPage is what the list template gets.
type warehousesPage struct {
	Warehouses []donate.Warehouse
	Region     string // the filter
	Next       string // the next page's cursor
	Kinds      []string
	Regions    []region.Region // where a warehouse may lie: each kota, then its kecamatan
	Orgs       []account.Org   // the verified organisations that may distribute a warehouse's stock (admin)
	KindNames  map[string]string
	Province   string // where the region picker searches
}

// newWarehousesPage fills the choices of the warehouse form for an admin.
func (s *Server) newWarehousesPage(r *http.Request, ws []donate.Warehouse) (warehousesPage, error) {
	p := warehousesPage{Warehouses: ws, Kinds: []string{donate.Gudang, donate.Posko}, KindNames: kindNames}
	if !principal(r).Can(account.ManageWarehouses) {
		return p, nil
	}
	p.Regions, p.Province = s.warehouseRegions(), s.opt.Province
	var err error
	p.Orgs, _, err = s.accounts.ListOrgs(r.Context(), account.OrgFilter{Status: account.OrgVerified, Limit: 500})
	return p, err
}

func (s *Server) pageWarehouses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := s.formRegion("region", q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ws, next, err := s.donations.Warehouses(r.Context(), principal(r), donate.WarehouseFilter{Region: code,
		Cursor: q.Get("cursor"), Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.newWarehousesPage(r, ws)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Region, p.Next = q.Get("region"), next
	s.render(w, r, "warehouses", "Warehouses and posts", p)
}

// warehouseRegions lists the regions a warehouse may lie in, for the form's
// choice: each kota of the province followed by its kecamatan.
func (s *Server) warehouseRegions() []region.Region {
	var out []region.Region
	for _, kota := range s.regions.Children(s.opt.Province) {
		out = append(out, kota)
		out = append(out, s.regions.Children(kota.Code)...)
	}
	return out
}

// warehouseForm reads the form of a new or changed warehouse.
func warehouseForm(r *http.Request) donate.NewWarehouse {
	return donate.NewWarehouse{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Region: r.PostFormValue("region"),
		Address: r.PostFormValue("address"), ContactName: r.PostFormValue("contact_name"),
		ContactPhone: r.PostFormValue("contact_phone"), OrgID: r.PostFormValue("org_id")}
}

// formDone answers a page's form: to next when err is nil, back to back with
// the problem shown when the input was refused (400 and 409 kinds), and the
// error page otherwise (404 for what the caller may not see).
func (s *Server) formDone(w http.ResponseWriter, r *http.Request, err error, next, back, flash string) {
	switch kind := errs.KindOf(err); {
	case err == nil:
		s.flash(r, flash)
		http.Redirect(w, r, next, http.StatusSeeOther)
	case kind == errs.Invalid || kind == errs.Conflict:
		s.flashFailure(r, err)
		http.Redirect(w, r, back, http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) pageCreateWarehouse(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.donations.CreateWarehouse(r.Context(), principal(r), warehouseForm(r))
	s.formDone(w, r, err, "/warehouses/"+wh.ID, "/warehouses", "The warehouse was added.")
}

// warehousePage is what the warehouse template gets.
type warehousePage struct {
	W         donate.Warehouse
	Org       string // the distributing organisation's name
	ReadStock bool   // the viewer reads its stock
	Acts      bool   // the viewer acts for it: ledger, adjustments, transfers
	Manage    bool   // the viewer may change it (admin)
	Stock     []donate.StockRow
	Moves     []donate.Move
	Items     []donate.Item
	ItemNames map[string]string
	Others    []donate.Warehouse // where a transfer may go
	KindNames map[string]string
	MoveNames map[string]string
}

func (s *Server) pageWarehouse(w http.ResponseWriter, r *http.Request) {
	ctx, who := r.Context(), principal(r)
	wh, err := s.donations.Warehouse(ctx, who, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := warehousePage{W: wh, ReadStock: s.donations.ReadsStock(who, wh), Acts: s.donations.ActsFor(who, wh),
		Manage: who.Can(account.ManageWarehouses), ItemNames: map[string]string{},
		KindNames: kindNames, MoveNames: moveNames}
	if wh.OrgID != "" && p.ReadStock {
		if names, err := s.accounts.OrgNames(ctx, []string{wh.OrgID}); err == nil {
			p.Org = names[wh.OrgID]
		}
	}
	if p.ReadStock {
		if _, p.Stock, err = s.donations.WarehouseStock(ctx, who, wh.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.Acts {
		if p.Moves, _, err = s.donations.Moves(ctx, who, wh.ID, donate.MoveFilter{Limit: 30}); err != nil {
			s.fail(w, r, err)
			return
		}
		if p.Items, err = s.donations.Items(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, it := range p.Items {
			p.ItemNames[it.ID] = it.Name
		}
		if p.Others, err = s.donations.Destinations(ctx, who, wh.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "warehouse", "Warehouse", p)
}

func (s *Server) pageEditWarehouse(w http.ResponseWriter, r *http.Request) {
	wh, err := s.donations.Warehouse(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.newWarehousesPage(r, []donate.Warehouse{wh})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "warehouse_form", "Change the warehouse", p)
}

func (s *Server) pageUpdateWarehouse(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	_, err := s.donations.UpdateWarehouse(r.Context(), principal(r), id, warehouseForm(r))
	s.formDone(w, r, err, "/warehouses/"+id, "/warehouses/"+id+"/edit", "The warehouse was changed.")
}

// quantityField reads a whole number of units from a form ("" and junk are 0,
// which the service refuses with its own words).
func quantityField(v string) int {
	n, err := parseWholeInt(v)
	if err != nil {
		return 0
	}
	return n
}

func (s *Server) pageAdjustStock(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	n := quantityField(r.PostFormValue("quantity"))
	if r.PostFormValue("direction") == "take" {
		n = -n
	}
	_, err := s.donations.Adjust(r.Context(), principal(r), id, donate.Adjustment{Item: r.PostFormValue("item"), Quantity: n,
		ExpiresOn: r.PostFormValue("expires_on"), Reason: r.PostFormValue("reason")})
	s.formDone(w, r, err, "/warehouses/"+id, "/warehouses/"+id, "The stock was adjusted.")
}

func (s *Server) pageTransferStock(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	_, err := s.donations.Transfer(r.Context(), principal(r), donate.Transfer{From: id, To: r.PostFormValue("to"),
		Item: r.PostFormValue("item"), Quantity: quantityField(r.PostFormValue("quantity")),
		ExpiresOn: r.PostFormValue("expires_on"), Reason: r.PostFormValue("reason")})
	s.formDone(w, r, err, "/warehouses/"+id, "/warehouses/"+id, "The goods were transferred.")
}

func (s *Server) pageCatalogue(w http.ResponseWriter, r *http.Request) {
	items, err := s.donations.Items(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "catalogue", "Catalogue of goods", items)
}

func (s *Server) pageCreateStockItem(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.donations.CreateItem(r.Context(), principal(r), donate.NewItem{Name: r.PostFormValue("name"),
		Unit: r.PostFormValue("unit"), Perishable: r.PostFormValue("perishable") != ""})
	s.formDone(w, r, err, "/catalogue", "/catalogue", "The item was added to the catalogue.")
}
