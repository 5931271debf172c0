package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
)

// The donation pages: the offers a caller may see (/donations), a donor's offer
// form (/donations/new) and one offer (/donations/{id}) with what the caller may
// do to it — the office accepts, declines, maps free text and records what
// arrives line by line; the donor withdraws — and its receipts so far. Package
// donate decides; the pages only show the forms a status allows. Made for a
// phone: one column, big fields, no script but the row adder of the offer form.

// donationStatuses are the statuses the list may be filtered by, in their order.
var donationStatuses = []string{donate.Offered, donate.Accepted, donate.Received, donate.Closed, donate.Declined, donate.Withdrawn}

// donationsPage is what the list template gets.
type donationsPage struct {
	Items    []donate.Donation
	Status   string
	Statuses []string
	Next     string
}

func (s *Server) pageDonations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ds, next, err := s.donations.Donations(r.Context(), principal(r), donate.DonationFilter{Status: q.Get("status"), Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "donations", "Donations of goods", donationsPage{Items: ds, Status: q.Get("status"), Statuses: donationStatuses, Next: next})
}

// offerRow is one item row of the offer form as typed.
type offerRow struct {
	Item, Unit, Quantity, UnitValue, ExpiresOn string
}

// offerForm is the offer form as typed.
type offerForm struct {
	WarehouseID, Note, ArriveOn string
	Rows                        []offerRow
	// Ref is drawn when the form is first shown and sent back with it: a double
	// tap or a resent form makes one offer (donate.NewOffer.ClientRef).
	Ref string
}

// offerPage is what the offer form's template gets.
type offerPage struct {
	Form       offerForm
	Warehouses []donate.Warehouse
	Items      []donate.Item
	Error      error
}

// blankRows is how many empty item rows the form shows without script; the
// script adds more.
const blankRows = 3

func readOfferForm(v url.Values) offerForm {
	f := offerForm{WarehouseID: strings.TrimSpace(v.Get("warehouse_id")), Note: v.Get("note"), ArriveOn: v.Get("arrive_on"), Ref: v.Get("ref")}
	if len(f.Ref) > 64 {
		f.Ref = ""
	}
	at := func(name string, i int) string {
		if vs := v[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range min(len(v["item"]), donate.MaxLines+1) {
		row := offerRow{Item: at("item", i), Unit: at("unit", i), Quantity: at("quantity", i), UnitValue: at("unit_value", i),
			ExpiresOn: at("expires_on", i)}
		if row != (offerRow{}) {
			f.Rows = append(f.Rows, row)
		}
	}
	return f
}

// offer turns the form into an offer. Numbers are read as people write them
// (12.500 or 12500); a row with an unreadable number is an error that names it.
func (f offerForm) offer() (donate.NewOffer, error) {
	in := donate.NewOffer{WarehouseID: f.WarehouseID, Note: f.Note, ArriveOn: f.ArriveOn, ClientRef: f.Ref}
	for i, row := range f.Rows {
		q, err := parseWholeInt(row.Quantity)
		if err != nil {
			return in, errs.E(errs.Invalid, "row %d: give the quantity as a whole number", i+1)
		}
		var value int64
		if row.UnitValue != "" {
			if value, err = parseWhole(row.UnitValue); err != nil {
				return in, errs.E(errs.Invalid, "row %d: give the value per unit in whole rupiah", i+1)
			}
		}
		in.Items = append(in.Items, donate.OfferLine{Item: row.Item, Unit: row.Unit, Quantity: q, UnitValue: value, ExpiresOn: row.ExpiresOn})
	}
	return in, nil
}

func (s *Server) offerPage(w http.ResponseWriter, r *http.Request, code int, f offerForm, formErr error) {
	p := principal(r)
	ws, _, err := s.donations.Warehouses(r.Context(), p, donate.WarehouseFilter{Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.donations.Items(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Ref == "" {
		f.Ref = rand.Text()
	}
	for len(f.Rows) < blankRows {
		f.Rows = append(f.Rows, offerRow{})
	}
	s.renderStatus(w, r, code, "donation_new", map[string]any{"title": "Offer goods to the task force",
		"data": offerPage{Form: f, Warehouses: ws, Items: items, Error: formErr}})
}

func (s *Server) pageNewDonation(w http.ResponseWriter, r *http.Request) {
	s.offerPage(w, r, http.StatusOK, offerForm{WarehouseID: r.URL.Query().Get("warehouse")}, nil)
}

func (s *Server) pageOfferPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := readOfferForm(r.PostForm)
	in, err := f.offer()
	if err == nil {
		var d donate.Donation
		if d, err = s.donations.Offer(r.Context(), principal(r), in); err == nil {
			s.flash(r, "Thank you: your offer was sent to the warehouse's office.")
			http.Redirect(w, r, "/donations/"+d.ID, http.StatusSeeOther)
			return
		}
	}
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict:
		s.offerPage(w, r, statusOf[errs.KindOf(err)], f, err)
	default:
		s.fail(w, r, err)
	}
}

// donationPage is what the offer's template gets.
type donationPage struct {
	D        donate.Donation
	Receipts []donate.Receipt
	Items    []donate.Item
	// Handles: the caller acts for the warehouse (accept, decline, map, receive,
	// close); Donor: the caller's organisation made the offer (withdraw).
	Handles, Donor bool
	Ref            string // the receive form's idempotency key
}

// Open reports whether the offer still takes decisions on its lines (mapping).
func (p donationPage) Open() bool {
	switch p.D.Status {
	case donate.Offered, donate.Accepted, donate.Received:
		return true
	}
	return false
}

// Receiving reports whether goods may be recorded as arrived.
func (p donationPage) Receiving() bool {
	return p.D.Status == donate.Accepted || p.D.Status == donate.Received
}

// Withdrawable reports whether the donor may still take the offer back.
func (p donationPage) Withdrawable() bool {
	return p.D.Status == donate.Offered || p.D.Status == donate.Accepted
}

// Left is what of a line has not arrived yet.
func (p donationPage) Left(l donate.Line) int { return max(l.Quantity-l.Received, 0) }

func (s *Server) pageDonation(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	d, err := s.donations.Donation(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	xs, err := s.donations.Receipts(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := donationPage{D: d, Receipts: xs, Handles: p.Can(account.HandleDonations),
		Donor: p.Role == account.Collaborator && p.OrgID == d.OrgID && p.Can(account.Donate), Ref: rand.Text()}
	if data.Handles {
		if data.Items, err = s.donations.Items(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "donation", "Donation of goods", data)
}

// pageDonationAct runs one decision on an offer from its page: accept, decline,
// withdraw, close or map a line (the path's last segment says which). A refusal
// the caller can act on (a wrong status, a missing reason) comes back on the
// page; an offer the caller may not see is not found.
func (s *Server) pageDonationAct(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p, id := principal(r), r.PathValue("id")
	var err error
	var done string
	switch action := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]; action {
	case "accept":
		_, err = s.donations.Accept(r.Context(), p, id)
		done = "The offer was accepted; the donor is told."
	case "decline":
		_, err = s.donations.Decline(r.Context(), p, id, r.PostForm.Get("reason"))
		done = "The offer was declined; the donor is told why."
	case "withdraw":
		_, err = s.donations.Withdraw(r.Context(), p, id)
		done = "Your offer was withdrawn."
	case "close":
		_, err = s.donations.Close(r.Context(), p, id, r.PostForm.Get("reason"))
		done = "The offer was closed: nothing more will arrive."
	case "map":
		var line int
		if line, err = lineParam(r); err == nil {
			_, err = s.donations.MapLine(r.Context(), p, id, line, r.PostForm.Get("item"))
		}
		done = "The line was matched to the catalogue."
	default:
		err = errs.E(errs.NotFound, "page not found")
	}
	s.afterAct(w, r, id, done, err)
}

// afterAct sends the caller back to the offer with done, or with the refusal
// when it is one the caller can act on.
func (s *Server) afterAct(w http.ResponseWriter, r *http.Request, id, done string, err error) {
	switch {
	case err == nil:
		s.flash(r, done)
	case errs.Is(err, errs.Conflict), errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/donations/"+id, http.StatusSeeOther)
}

// pageDonationReceive records one delivery from the receive form: per line of
// the offer, the count that arrived and its condition; lines left empty did not
// arrive this time.
func (s *Server) pageDonationReceive(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id, v := r.PathValue("id"), r.PostForm
	in := donate.Intake{ReceiverName: v.Get("receiver_name"), Note: v.Get("note"), ClientRef: v.Get("ref")}
	if len(in.ClientRef) > 64 {
		in.ClientRef = ""
	}
	var err error
	lines, counts, conds, exps := v["line"], v["received"], v["condition"], v["expires_on"]
	for i := range min(len(lines), 3*donate.MaxLines+1) {
		if i >= len(counts) || strings.TrimSpace(counts[i]) == "" {
			continue
		}
		line, err1 := strconv.Atoi(lines[i])
		n, err2 := parseWholeInt(counts[i])
		if err1 != nil || err2 != nil {
			err = errs.E(errs.Invalid, "give the count received as a whole number")
			break
		}
		if n == 0 {
			continue
		}
		il := donate.IntakeLine{Line: line, Received: n}
		if i < len(conds) {
			il.Condition = conds[i]
		}
		if i < len(exps) {
			il.ExpiresOn = exps[i]
		}
		in.Items = append(in.Items, il)
	}
	if err == nil && len(in.Items) == 0 {
		err = errs.E(errs.Invalid, "give the count received of at least one line")
	}
	if err == nil {
		_, err = s.donations.Receive(r.Context(), principal(r), id, in)
	}
	s.afterAct(w, r, id, "The goods were recorded; the receipt is below.", err)
}
