package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

type regionJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent"`
	// Label names the region with its parents ("Cideng — Gambir, Kota
	// Administrasi Jakarta Pusat"); only search results carry it.
	Label string `json:"label,omitempty"`
}

func toRegionJSON(r region.Region) regionJSON {
	return regionJSON{Code: r.Code, Name: r.Name, Level: r.Level.String(), Parent: r.Parent}
}

// apiRegions lists the children of ?parent= (no parent: the provinces), or with
// ?q= searches by name or code prefix below ?parent= (no parent: the whole
// country) for the region picker. Regions are public reference data for the
// whole country.
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
	if q := r.URL.Query().Get("q"); q != "" {
		if len([]rune(q)) > 100 {
			s.fail(w, r, errs.E(errs.Invalid, "q must be at most 100 characters"))
			return
		}
		for _, c := range s.regions.Search(q, parent, regionSearchLimit) {
			j := toRegionJSON(c)
			j.Label = s.regions.Label(c.Code)
			items = append(items, j)
		}
		writeJSON(w, http.StatusOK, newList(items, ""))
		return
	}
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

// regionSearchLimit is how many regions a search answers: a picker's list, not a
// page to scroll.
const regionSearchLimit = 20

// formRegion reads a region field of a form posted without the picker's help: a
// code, a name only one region of the province bears, or "name — parent" as the
// picker shows it. "" stays "". An ambiguous name is refused with its candidates
// so that the person can copy the right one.
func (s *Server) formRegion(field, text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	reg, err := s.regions.Resolve(text, s.opt.Province)
	var amb *region.AmbiguousError
	switch {
	case err == nil:
		return reg.Code, nil
	case errors.As(err, &amb):
		var labels []string
		for _, c := range amb.Candidates {
			labels = append(labels, s.regions.Label(c.Code)+" ("+c.Code+")")
		}
		return "", errs.E(errs.Invalid, "%s: %q fits several regions, write one of: %s", field, strings.TrimSpace(text), strings.Join(labels, "; "))
	}
	return "", errs.E(errs.Invalid, "%s: no region %q in the province; write its name or its code", field, strings.TrimSpace(text))
}
