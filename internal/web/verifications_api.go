package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/registry"
)

// The office's side of deliveries (issue 11): the recipient codes it hands to RW
// heads, and its call-back checks of delivered aid with their confirmation rates.

// inOwnRegion checks that code is a region within the caller's (an office's own,
// the province for the admin); another region is not found.
func (s *Server) inOwnRegion(r *http.Request, code string) error {
	if !s.regions.Within(code, principal(r).RegionScope(s.opt.Province)) {
		return errs.E(errs.NotFound, "no such region in your area")
	}
	return nil
}

// apiRecipientCodes streams the recipient codes of a program's allocations still
// to be delivered in a region, for its RW heads: allocation_id, name, rw, rt, code.
// The code is written as a person reads it ("1234 5678"), which also keeps a
// spreadsheet from reading it as a number and dropping its leading zeros.
func (s *Server) apiRecipientCodes(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	code := r.URL.Query().Get("region")
	if err := s.inOwnRegion(r, code); err != nil {
		s.fail(w, r, err)
		return
	}
	prog, err := s.programs.Get(r.Context(), r.PathValue("id"), p.Role == account.Admin)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="kode-penerima-`+code+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"allocation_id", "name", "rw", "rt", "code"})
	err = s.allocs.EachToReach(r.Context(), prog.ID, code, func(a allocate.ToReach) error {
		return cw.Write([]string{a.ID, registry.SafeCell(a.Name), fmt.Sprintf("%03d", a.RW), fmt.Sprintf("%03d", a.RT),
			deliver.Format(s.codes.For(a.ID))})
	})
	cw.Flush()
	if err != nil {
		s.log.Error("write recipient codes", "program", prog.ID, "region", code, "err", err)
	}
}

// drawnItem is a person of a new sample, as API.md lists it.
type drawnItem struct {
	AllocationID string `json:"allocation_id"`
	Name         string `json:"name"`
	Phone        string `json:"phone"`
}

func (s *Server) apiDrawSample(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProgramID string `json:"program_id"`
		Region    string `json:"region"`
		Size      int    `json:"size"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	sm, err := s.callbacks.Draw(r.Context(), principal(r), in.ProgramID, in.Region, in.Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]drawnItem, len(sm.Items))
	for i, it := range sm.Items {
		items[i] = drawnItem{AllocationID: it.AllocationID, Name: it.Name, Phone: it.Phone}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": sm.ID, "items": items})
}

func (s *Server) apiAnswerSample(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Confirmed *bool  `json:"confirmed"`
		Note      string `json:"note"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Confirmed == nil {
		s.fail(w, r, errs.E(errs.Invalid, "say whether the recipient confirmed: confirmed true or false"))
		return
	}
	alloc := r.PathValue("allocation")
	if err := s.callbacks.Answer(r.Context(), principal(r), r.PathValue("id"), alloc, *in.Confirmed, in.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"allocation_id": alloc, "confirmed": *in.Confirmed, "note": in.Note})
}

// apiConfirmation answers the confirmation rates of a program's organisations, as
// JSON or, with format=csv, as an audited export.
func (s *Server) apiConfirmation(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "json" {
		s.fail(w, r, errs.E(errs.Invalid, "format must be csv or json"))
		return
	}
	id := r.PathValue("id")
	if format != "csv" {
		rates, err := s.callbacks.Confirmation(r.Context(), principal(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newList(rates, ""))
		return
	}
	rates, err := s.callbacks.ExportConfirmation(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="konfirmasi-`+id+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"org_id", "organization", "checked", "confirmed", "rate"})
	for _, x := range rates {
		_ = cw.Write([]string{x.OrgID, registry.SafeCell(x.Organization), strconv.Itoa(x.Checked), strconv.Itoa(x.Confirmed),
			strconv.FormatFloat(x.Rate, 'f', 4, 64)})
	}
	cw.Flush()
}
