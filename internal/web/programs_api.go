package web

import (
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// regionParam reads a region code from the query (the province when empty); one
// outside the province is not found.
func (s *Server) regionParam(r *http.Request) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get("region"))
	if v == "" {
		return s.opt.Province, nil
	}
	code, err := region.Normalize(v)
	if err != nil {
		return "", errs.E(errs.NotFound, "no such region")
	}
	if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.opt.Province) {
		return "", errs.E(errs.NotFound, "no such region")
	}
	return code, nil
}

func (s *Server) apiCreateProgram(w http.ResponseWriter, r *http.Request) {
	var in program.Input
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.programs.Create(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiListPrograms(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "", program.Draft, program.Published, program.Closed:
	default:
		s.fail(w, r, errs.E(errs.Invalid, "status must be draft, published or closed"))
		return
	}
	ps, next, err := s.programs.List(r.Context(), program.Filter{Status: status, Drafts: principal(r).Can(account.ManagePrograms), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ps, next))
}

// program reads the program of the path; drafts exist only for those who manage
// programs.
func (s *Server) program(r *http.Request) (program.Program, error) {
	return s.programs.Get(r.Context(), r.PathValue("id"), principal(r).Can(account.ManagePrograms))
}

func (s *Server) apiProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiPublishProgram(w http.ResponseWriter, r *http.Request) {
	p, n, err := s.programs.Publish(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"needs": n, "program": p})
}

func (s *Server) apiCloseProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.programs.Close(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// stackingInput is an admin's override of a program's stacking rule.
type stackingInput struct {
	StackGroup string `json:"stack_group"`
	Exempt     bool   `json:"exempt"`
	Reason     string `json:"reason"`
}

func (s *Server) apiStacking(w http.ResponseWriter, r *http.Request) {
	var in stackingInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.setStacking(r, r.PathValue("id"), in.StackGroup, in.Exempt, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// setStacking changes a program's stacking rule, then fills the commitments that
// were waiting because the old rule kept targets from them.
func (s *Server) setStacking(r *http.Request, id, group string, exempt bool, reason string) (program.Program, error) {
	p, err := s.programs.SetStacking(r.Context(), id, group, exempt, reason)
	if err != nil {
		return p, err
	}
	if _, err := s.allocs.FillAllWaiting(allocate.EngineContext(r.Context())); err != nil {
		s.log.Error("fill waiting commitments after a stacking change", "program", id, "err", err)
	}
	return p, nil
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) {
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	cov, err := s.shownCoverage(r, p, q.Get("region"), q.Get("phase"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cov)
}

// openNeeds reads the open RW and institution needs of a program phase in a region.
func (s *Server) openNeeds(r *http.Request, p program.Program, phase, code, kind string, limit int) ([]allocate.OpenNeed, error) {
	if strings.TrimSpace(phase) == "" {
		return nil, errs.E(errs.Invalid, "phase is required")
	}
	ph, ok := p.FindPhase(phase)
	if !ok {
		return nil, errs.E(errs.NotFound, "no such phase")
	}
	if kind != "" && kind != "rw" && kind != "institution" {
		return nil, errs.E(errs.Invalid, "kind must be rw or institution")
	}
	if p.CoarseFor(principal(r).SeesFineFigures()) {
		// An RW's or institution's unmet need is a figure below kecamatan.
		return nil, program.ErrBelowFloor
	}
	ns, err := s.allocs.OpenNeeds(r.Context(), ph.ID, code, kind, limit)
	if err != nil {
		return nil, err
	}
	return ns, nil
}

func (s *Server) apiOpenNeeds(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code, err := s.regionParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ns, err := s.openNeeds(r, p, q.Get("phase"), code, q.Get("kind"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ns, ""))
}

func (s *Server) apiFlagged(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := s.programs.FlaggedNeeds(r.Context(), p.ID, principal(r).RegionScope(s.opt.Province), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(fs, ""))
}
