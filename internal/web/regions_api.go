package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

type regionJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent"`
}

func toRegionJSON(r region.Region) regionJSON {
	return regionJSON{Code: r.Code, Name: r.Name, Level: r.Level.String(), Parent: r.Parent}
}

// apiRegions lists the children of ?parent= (no parent: the provinces). Regions are
// public reference data for the whole country.
func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	parent := r.URL.Query().Get("parent")
	if parent != "" {
		code, err := region.Normalize(parent)
		if err != nil {
			s.fail(w, r, errs.E(errs.Invalid, "parent must be a region code such as 31.71"))
			return
		}
		if _, ok := s.regions.Get(code); !ok {
			s.fail(w, r, errs.E(errs.NotFound, "region %s not found", code))
			return
		}
		parent = code
	}
	items := []regionJSON{}
	for _, c := range s.regions.Children(parent) {
		items = append(items, toRegionJSON(c))
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) {
	code, err := region.Normalize(r.PathValue("code"))
	if err != nil {
		s.fail(w, r, errs.E(errs.NotFound, "region not found"))
		return
	}
	reg, ok := s.regions.Get(code)
	if !ok {
		s.fail(w, r, errs.E(errs.NotFound, "region %s not found", code))
		return
	}
	writeJSON(w, http.StatusOK, toRegionJSON(reg))
}
