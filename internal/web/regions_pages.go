package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

// pageRegions is the region browser: the served province's kab/kota, then kecamatan,
// then kelurahan, with the number of regions below each.
func (s *Server) pageRegions(w http.ResponseWriter, r *http.Request) {
	code := s.opt.Province
	if c := r.PathValue("code"); c != "" {
		norm, err := region.Normalize(c)
		if err != nil {
			s.fail(w, r, errs.E(errs.NotFound, "region not found"))
			return
		}
		code = norm
	}
	cur, ok := s.regions.Get(code)
	if !ok {
		s.fail(w, r, errs.E(errs.NotFound, "region %s not found", code))
		return
	}
	var trail []region.Region
	for _, a := range s.regions.Ancestors(code) {
		if a.Code != code {
			trail = append(trail, a)
		}
	}
	children := s.regions.Children(code)
	counts := map[string]int{}
	label := ""
	if cur.Level < region.District {
		label = map[region.Level]string{region.Province: "kecamatan", region.Regency: "kelurahan"}[cur.Level]
		below := cur.Level + 2
		for _, c := range children {
			counts[c.Code] = s.regions.Count(below, c.Code)
		}
	}
	s.render(w, r, "regions", cur.Name, regionsPage{Current: cur, Trail: trail, Children: children,
		Counts: counts, CountLabel: label})
}

// regionsPage is one region of the browser: the way up, the regions below and how
// many of the level under those each holds.
type regionsPage struct {
	Current    region.Region
	Trail      []region.Region
	Children   []region.Region
	Counts     map[string]int
	CountLabel string
}
