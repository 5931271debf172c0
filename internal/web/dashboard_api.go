package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// The government dashboard (issue 12): a program's figures in a region and the
// regions inside it down to RW, who committed and delivered what, deliveries per
// day, and what is overdue. The admin sees the province, an office its region
// (elsewhere is not found). Every figure is read from monitor's kept counters:
// nothing here sums needs or allocations, so the province answers as fast as an RW.

// dashFigures are one region's figures as the dashboard shows them: units, the
// share of needs fully allocated, and the RWs fully covered.
type dashFigures struct {
	Needed       int64           `json:"needed"`
	Allocated    int64           `json:"allocated"`
	Dispatched   int64           `json:"dispatched"`
	Delivered    int64           `json:"delivered"`
	Failed       int64           `json:"failed"`
	Overdue      int64           `json:"overdue"`
	CoveredShare float64         `json:"covered_share"`
	RWShare      monitor.RWShare `json:"rw_share"`
	needs        int64           // needs counted: a region without any sorts last
}

func newDashFigures(f monitor.Figures, rw monitor.RWShare) dashFigures {
	return dashFigures{Needed: f.Needed, Allocated: f.Allocated, Dispatched: f.Dispatched, Delivered: f.Delivered,
		Failed: f.Failed, Overdue: f.Overdue, CoveredShare: f.CoveredShare(), RWShare: rw, needs: f.Needs}
}

// dashRow is a region (or, below a kelurahan, an RW: code "005") inside the
// dashboard's region.
type dashRow struct {
	Code string `json:"code"`
	Name string `json:"name"`
	dashFigures
}

// dashboard is GET /api/v1/dashboard's answer.
type dashboard struct {
	Region string `json:"region"`
	Name   string `json:"name"`
	dashFigures
	Children []dashRow `json:"children"`
}

// dashScope reads the dashboard's program and region: the program by id (drafts
// only for those who manage programs), the region from ?region= inside the caller's
// scope — by default the scope itself (the province for the admin).
func (s *Server) dashScope(r *http.Request) (program.Program, string, error) {
	p, err := s.programs.Get(r.Context(), r.URL.Query().Get("program"), principal(r).Can(account.ManagePrograms))
	if err != nil {
		return p, "", err
	}
	scope := principal(r).RegionScope(s.opt.Province)
	v := strings.TrimSpace(r.URL.Query().Get("region"))
	if v == "" {
		return p, scope, nil
	}
	code, err := region.Normalize(v)
	if err != nil {
		return p, "", errs.E(errs.NotFound, "no such region")
	}
	if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, scope) {
		return p, "", errs.E(errs.NotFound, "no such region")
	}
	return p, code, nil
}

// dashPhase resolves ?phase= by id or name ("" is every phase).
func dashPhase(r *http.Request, p program.Program) (string, error) {
	ref := strings.TrimSpace(r.URL.Query().Get("phase"))
	if ref == "" {
		return "", nil
	}
	ph, ok := p.FindPhase(ref)
	if !ok {
		return "", errs.E(errs.NotFound, "no such phase")
	}
	return ph.ID, nil
}

// dashboardOf reads a program's figures in code and in each region inside it (each
// RW inside a kelurahan), the least covered first.
func (s *Server) dashboardOf(r *http.Request, p program.Program, code, phase string) (dashboard, error) {
	ctx := r.Context()
	f := monitor.Filter{Programs: []string{p.ID}, Region: code, Phase: phase}
	reg, _ := s.regions.Get(code)
	d := dashboard{Region: code, Name: reg.Name, Children: []dashRow{}}
	// One pass over the counter rows: the children's figures, and the region's as
	// their sum (an RW lies in one child, so its RWs fully covered add up too).
	var total monitor.Figures
	var totalShare monitor.RWShare
	if lvl, _ := region.LevelOf(code); lvl == region.Village {
		rws, err := s.monitor.ByRW(ctx, f)
		if err != nil {
			return d, err
		}
		for rw, g := range rws {
			var sh monitor.RWShare
			if g.Needs > 0 {
				sh.All = 1
				if g.Covered >= g.Needs {
					sh.Full = 1
				}
			}
			total.Add(g)
			totalShare.All, totalShare.Full = totalShare.All+sh.All, totalShare.Full+sh.Full
			c := fmt.Sprintf("%03d", rw)
			d.Children = append(d.Children, dashRow{Code: c, Name: "RW " + c, dashFigures: newDashFigures(g, sh)})
		}
	} else {
		by := len(code)
		kids := s.regions.Children(code)
		if len(kids) > 0 {
			by = len(kids[0].Code)
		}
		figs, shares, err := s.monitor.Drill(ctx, f, by)
		if err != nil {
			return d, err
		}
		for c, g := range figs {
			total.Add(g)
			totalShare.All, totalShare.Full = totalShare.All+shares[c].All, totalShare.Full+shares[c].Full
		}
		for _, k := range kids {
			d.Children = append(d.Children, dashRow{Code: k.Code, Name: k.Name, dashFigures: newDashFigures(figs[k.Code], shares[k.Code])})
		}
	}
	d.dashFigures = newDashFigures(total, totalShare)
	// Least covered first; a region without needs has nothing to cover and goes last.
	slices.SortFunc(d.Children, func(a, b dashRow) int {
		if (a.needs == 0) != (b.needs == 0) {
			if a.needs == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.CoveredShare, b.CoveredShare), strings.Compare(a.Code, b.Code))
	})
	return d, nil
}

// dashboardFor reads the dashboard a request asks for, with its program and phase.
func (s *Server) dashboardFor(r *http.Request) (program.Program, string, dashboard, error) {
	p, code, err := s.dashScope(r)
	if err != nil {
		return p, "", dashboard{}, err
	}
	phase, err := dashPhase(r, p)
	if err != nil {
		return p, "", dashboard{}, err
	}
	d, err := s.dashboardOf(r, p, code, phase)
	return p, phase, d, err
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	_, _, d, err := s.dashboardFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// dashList serves one of the dashboard's lists of a program in a region.
func dashList[T any](s *Server, list func(r *http.Request, p program.Program, code string) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, code, err := s.dashScope(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items, err := list(r, p, code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newList(items, ""))
	}
}

// dashCollaborator is one organisation's part in a program inside the region.
type dashCollaborator struct {
	OrgID            string  `json:"org_id"`
	Organization     string  `json:"organization"`
	Committed        int64   `json:"committed"`
	Allocated        int64   `json:"allocated"`
	Delivered        int64   `json:"delivered"`
	Failed           int64   `json:"failed"`
	ConfirmationRate float64 `json:"confirmation_rate"`
}

// collaboratorsOf lists the organisations that committed to p or hold allocations
// of it inside code, the most delivered first.
func (s *Server) collaboratorsOf(r *http.Request, p program.Program, code string) ([]dashCollaborator, error) {
	ctx := r.Context()
	figs, err := s.monitor.Orgs(ctx, monitor.Filter{Programs: []string{p.ID}, Region: code})
	if err != nil {
		return nil, err
	}
	committed, err := s.allocs.Committed(ctx, p.ID, code)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(figs)+len(committed))
	for id := range figs {
		ids = append(ids, id)
	}
	for id := range committed {
		if _, ok := figs[id]; !ok {
			ids = append(ids, id)
		}
	}
	names, err := s.accounts.OrgNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]dashCollaborator, 0, len(ids))
	for _, id := range ids {
		g := figs[id]
		out = append(out, dashCollaborator{OrgID: id, Organization: names[id], Committed: committed[id], Allocated: g.Allocated,
			Delivered: g.Delivered, Failed: g.Failed, ConfirmationRate: g.ConfirmationRate()})
	}
	slices.SortFunc(out, func(a, b dashCollaborator) int {
		return cmp.Or(cmp.Compare(b.Delivered, a.Delivered), strings.Compare(a.Organization, b.Organization), strings.Compare(a.OrgID, b.OrgID))
	})
	return out, nil
}

// dailyOf lists the units of p delivered per day inside code.
func (s *Server) dailyOf(r *http.Request, p program.Program, code string) ([]monitor.Day, error) {
	return s.monitor.Daily(r.Context(), monitor.Filter{Programs: []string{p.ID}, Region: code})
}

// dashOverdue is an overdue allocation with its organisation's name and the page
// to act on it: the commitment for those who read every organisation's, the
// office's deliveries page for an office (which does not read commitments).
type dashOverdue struct {
	allocate.OverdueItem
	Organization string `json:"organization"`
	Link         string `json:"link"`
}

// maxOverdue bounds the overdue list: the longest overdue, to act on first.
const maxOverdue = 100

func (s *Server) overdueOf(r *http.Request, p program.Program, code string) ([]dashOverdue, error) {
	items, err := s.allocs.OverdueList(r.Context(), p.ID, code, maxOverdue)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(items))
	for i, o := range items {
		ids[i] = o.OrgID
	}
	names, err := s.accounts.OrgNames(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	_, all := principal(r).OrgScope()
	out := make([]dashOverdue, len(items))
	for i, o := range items {
		link := "/office/deliveries"
		if all {
			link = "/commitments/" + o.CommitmentID
		}
		out[i] = dashOverdue{OverdueItem: o, Organization: names[o.OrgID], Link: link}
	}
	return out, nil
}
