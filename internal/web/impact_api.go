package web

import (
	"fmt"
	"net/http"

	"github.com/gotong/gotong/internal/donate"
)

// A donor's view of its donations to the task force (issue 13): what it gave,
// what arrived, and where the warehouses' stock it gave into went onward by
// program and area — its own organisation only, no person, no other donor.

// apiDonationImpact serves GET /api/v1/donations/impact.
func (s *Server) apiDonationImpact(w http.ResponseWriter, r *http.Request) {
	im, err := s.donations.Impact(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, im)
}

// flowView is a flow on the page, with the donor's share as a percentage.
type flowView struct {
	donate.Flow
	Percent string
	Areas   []areaView
}

// areaView is an area on the page, with the donor's share written out ("" withheld).
type areaView struct {
	donate.FlowArea
	Share string
}

// pageDonationImpact serves /donations/impact.
func (s *Server) pageDonationImpact(w http.ResponseWriter, r *http.Request) {
	im, err := s.donations.Impact(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flows := make([]flowView, 0, len(im.Flows))
	for _, f := range im.Flows {
		v := flowView{Flow: f, Percent: fmt.Sprintf("%.1f", f.Share*100)}
		for _, a := range f.Areas {
			av := areaView{FlowArea: a}
			if a.YourShare != nil {
				av.Share = fmt.Sprintf("%.1f", *a.YourShare)
			}
			v.Areas = append(v.Areas, av)
		}
		flows = append(flows, v)
	}
	s.render(w, r, "donor_impact", "Where your donations went", map[string]any{"Impact": im, "Flows": flows})
}
