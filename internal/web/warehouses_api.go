package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/donate"
)

// Warehouses, posts and the catalogue of goods (API.md, "Donations to the task
// force"): the admin keeps them; staff and verified collaborators read them.
// Package donate decides who sees which warehouse; this translates.

func (s *Server) apiCreateWarehouse(w http.ResponseWriter, r *http.Request) {
	var in donate.NewWarehouse
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.donations.CreateWarehouse(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wh)
}

func (s *Server) apiWarehouses(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ws, next, err := s.donations.Warehouses(r.Context(), principal(r), donate.WarehouseFilter{Region: q.Get("region"),
		Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ws, next))
}

func (s *Server) apiWarehouse(w http.ResponseWriter, r *http.Request) {
	wh, err := s.donations.Warehouse(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

// apiUpdateWarehouse replaces a warehouse's fields (PUT: the whole warehouse).
func (s *Server) apiUpdateWarehouse(w http.ResponseWriter, r *http.Request) {
	var in donate.NewWarehouse
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.donations.UpdateWarehouse(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

func (s *Server) apiStockItems(w http.ResponseWriter, r *http.Request) {
	items, err := s.donations.Items(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) apiCreateStockItem(w http.ResponseWriter, r *http.Request) {
	var in donate.NewItem
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.donations.CreateItem(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, it)
}
