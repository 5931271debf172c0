package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/donate"
)

// A warehouse's stock and its ledger (API.md, "Donations to the task force"):
// the stock, item by item with the goods that expire first first; the ledger's
// movements; adjustments with a reason and transfers between warehouses by the
// staff who act for the warehouse. Package donate keeps the ledger; this
// translates.

func (s *Server) apiWarehouseStock(w http.ResponseWriter, r *http.Request) {
	_, rows, err := s.donations.WarehouseStock(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(rows, ""))
}

func (s *Server) apiWarehouseMoves(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ms, next, err := s.donations.Moves(r.Context(), principal(r), r.PathValue("id"),
		donate.MoveFilter{Item: q.Get("item"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ms, next))
}

func (s *Server) apiAdjustStock(w http.ResponseWriter, r *http.Request) {
	var in donate.Adjustment
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.donations.Adjust(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

// transferDone is the answer to a transfer: the movements written, those out of
// the source first, all under one reference.
type transferDone struct {
	Ref   string        `json:"ref"`
	Moves []donate.Move `json:"moves"`
}

func (s *Server) apiTransferStock(w http.ResponseWriter, r *http.Request) {
	var in donate.Transfer
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.donations.Transfer(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, transferDone{Ref: ms[0].Ref, Moves: ms})
}
