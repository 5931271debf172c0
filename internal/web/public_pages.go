package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	sum, err := s.summary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prov, _ := s.regions.Get(s.opt.Province)
	// The progress of every public program, per kab/kota: the coverage block of the
	// program pages, without drill-down.
	full := func(c program.Counts) program.Shown {
		return program.Shown{Needed: &c.Needed, Allocated: &c.Allocated, Delivered: &c.Delivered}
	}
	progress := coverageView{Region: prov.Code, Name: prov.Name,
		Total: newCovRow(prov.Code, prov.Name, full(program.Counts{Needed: sum.Needed, Allocated: sum.Allocated, Delivered: sum.Delivered}), false, false)}
	for _, k := range sum.Regions {
		progress.Children = append(progress.Children, newCovRow(k.Code, k.Name,
			full(program.Counts{Needed: k.Needed, Allocated: k.Allocated, Delivered: k.Delivered}), false, false))
	}
	s.render(w, r, "home", "Home", map[string]any{
		"ProvinceName":   prov.Name,
		"Collaborators":  sum.Collaborators,
		"Programs":       sum.Programs,
		"TargetsReached": sum.TargetsReached,
		"Progress":       progress,
		"AsOf":           sum.AsOf,
		"Regencies":      s.regions.Count(region.Regency, s.opt.Province),
		"Districts":      s.regions.Count(region.District, s.opt.Province),
		"Villages":       s.regions.Count(region.Village, s.opt.Province),
	})
}
