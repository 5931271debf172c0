package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/deliver"
)

// The office's deliveries page (/office/deliveries): the runs in its region and
// their progress per kelurahan, the flags failures raised (each linking to the
// target's registry page), the recent failures with their reason, and the way to
// the call-back checks. An office sees its region, the admin the province. Made
// for a phone: small tables, no script.

// officeDeliveriesPage is what the template gets.
type officeDeliveriesPage struct {
	deliver.OfficeView
	Orgs map[string]string // organisation names by id
}

func (s *Server) pageOfficeDeliveries(w http.ResponseWriter, r *http.Request) {
	scope := principal(r).RegionScope(s.opt.Province)
	v, err := s.delivery.Office(r.Context(), scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ids []string
	for _, d := range v.Runs {
		ids = append(ids, d.OrgID)
	}
	for _, f := range v.Failures {
		ids = append(ids, f.OrgID)
	}
	orgs, err := s.accounts.OrgNames(r.Context(), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "office_deliveries", "Deliveries in my area", officeDeliveriesPage{OfficeView: v, Orgs: orgs})
}
