package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
)

// The donations API (API.md, "Donations to the task force"): a verified
// collaborator offers goods to a warehouse; the office of the warehouse's region
// (or the admin) accepts, declines, maps free text to the catalogue, receives
// what arrives and closes the offer; the donor may withdraw it. Package donate
// decides who may see and do what; this translates.

// allowEither is allow for the routes two kinds of caller reach, each by its
// own permission: donors (Donate) and the staff who handle donations
// (HandleDonations) both read offers. Anonymous callers and callers with
// neither are answered as by allow with a (the first permission).
func (s *Server) allowEither(a, b account.Permission, h http.HandlerFunc) http.HandlerFunc {
	byA, byB := s.allow(a, h), s.allow(b, h)
	return func(w http.ResponseWriter, r *http.Request) {
		if principal(r).Can(b) {
			byB(w, r)
			return
		}
		byA(w, r)
	}
}

func (s *Server) apiOffer(w http.ResponseWriter, r *http.Request) {
	var in donate.NewOffer
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	// A client on a bad connection may resend the offer with an Idempotency-Key
	// header; the same key makes one offer.
	in.ClientRef = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	d, err := s.donations.Offer(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) apiDonations(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ds, next, err := s.donations.Donations(r.Context(), principal(r), donate.DonationFilter{Status: q.Get("status"),
		WarehouseID: q.Get("warehouse_id"), Region: q.Get("region"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ds, next))
}

func (s *Server) apiDonation(w http.ResponseWriter, r *http.Request) {
	d, err := s.donations.Donation(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// reasonBody is the body of a decline or a close.
type reasonBody struct {
	Reason string `json:"reason"`
}

// optionalJSON decodes a body that may be left out (no body at all).
func optionalJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(w, r, dst)
}

func (s *Server) apiAcceptDonation(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if err := optionalJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerDonation(w, r)(s.donations.Accept(r.Context(), principal(r), r.PathValue("id")))
}

func (s *Server) apiDeclineDonation(w http.ResponseWriter, r *http.Request) {
	var in reasonBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerDonation(w, r)(s.donations.Decline(r.Context(), principal(r), r.PathValue("id"), in.Reason))
}

func (s *Server) apiWithdrawDonation(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if err := optionalJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerDonation(w, r)(s.donations.Withdraw(r.Context(), principal(r), r.PathValue("id")))
}

func (s *Server) apiCloseDonation(w http.ResponseWriter, r *http.Request) {
	var in reasonBody
	if err := optionalJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerDonation(w, r)(s.donations.Close(r.Context(), principal(r), r.PathValue("id"), in.Reason))
}

func (s *Server) apiMapDonationLine(w http.ResponseWriter, r *http.Request) {
	line, err := lineParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Item string `json:"item"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerDonation(w, r)(s.donations.MapLine(r.Context(), principal(r), r.PathValue("id"), line, in.Item))
}

// lineParam reads the {line} of a path: a line number of the offer.
func lineParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("line"))
	if err != nil || n < 1 || n > donate.MaxLines {
		return 0, errs.E(errs.Invalid, "the line must be a number from 1 to %d", donate.MaxLines)
	}
	return n, nil
}

// answerDonation answers an offer after a change, or the change's error.
func (s *Server) answerDonation(w http.ResponseWriter, r *http.Request) func(donate.Donation, error) {
	return func(d donate.Donation, err error) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}
}

// receiptAnswer is a receipt with the status its offer has after it.
type receiptAnswer struct {
	donate.Receipt
	Status string `json:"status"`
}

func (s *Server) apiReceiveDonation(w http.ResponseWriter, r *http.Request) {
	var in donate.Intake
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	// A receipt sent twice on a bad connection, with the same Idempotency-Key,
	// is one receipt.
	in.ClientRef = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	id := r.PathValue("id")
	x, err := s.donations.Receive(r.Context(), principal(r), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.donations.Donation(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, receiptAnswer{Receipt: x, Status: d.Status})
}

func (s *Server) apiDonationReceipts(w http.ResponseWriter, r *http.Request) {
	xs, err := s.donations.Receipts(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(xs, ""))
}
