package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// The dashboard page (/dashboard): the same figures as /api/v1/dashboard, made for
// a phone — stacked rows rather than wide tables, progress bars, and a script
// (static/dashboard.js) that refetches the JSON every RefreshSeconds and on coming
// back to the tab, and writes the new figures into the same places, so nothing
// moves. The drill-down reloads the page: each level is one small document.

func init() { pageNames = append(pageNames, "dashboard") }

// dashRefresh is how often the page refetches its figures by default; ?refresh=
// may ask for another period within these bounds (a test asks for a short one).
const (
	dashRefresh    = 30
	dashRefreshMin = 2
	dashRefreshMax = 300
)

// dashFailures bounds the recent failures the page lists.
const dashFailures = 20

// dashPageRow is a row of the drill-down with its bars' shares and where it leads.
type dashPageRow struct {
	dashRow
	AllocatedPct, DeliveredPct float64
	Link                       string // "" when there is nothing below
}

func pct(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return min(float64(part)*100/float64(whole), 100)
}

// dashStep is a region of the trail from the caller's scope down to the page's.
type dashStep struct{ Name, Link string }

// dashPage is what the template gets.
type dashPage struct {
	Programs      []program.Program
	P             program.Program
	Phase         string
	Total         dashPageRow
	Trail         []dashStep
	Children      []dashPageRow
	RWs           bool // the children are RWs
	Collaborators []dashCollaborator
	Overdue       []dashOverdue
	Failures      []allocate.FailedDelivery
	Orgs          map[string]string
	API, Daily    string // the JSON the script refetches
	Map           string
	// Query is program and region, for the tables' downloads (CSV, XLSX).
	Query          template.URL
	RefreshSeconds int
	// RegionLabel is the shown region as the picker writes it; Province bounds its search.
	RegionLabel, Province string
	// ReplicaLag, with a read replica (--db-read), is how far behind its figures
	// are, in whole seconds ("" without one).
	ReplicaLag string
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	ps, _, err := s.programs.List(r.Context(), program.Filter{Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	data := dashPage{Programs: ps, RefreshSeconds: dashRefresh}
	if n, err := strconv.Atoi(q.Get("refresh")); err == nil {
		data.RefreshSeconds = min(max(n, dashRefreshMin), dashRefreshMax)
	}
	p, ok := pickProgram(ps, q.Get("program"))
	if !ok {
		if q.Get("program") != "" {
			s.fail(w, r, errs.E(errs.NotFound, "no such program"))
			return
		}
		s.render(w, r, "dashboard", "Dashboard", data)
		return
	}
	// The region may be typed (a name, "name — parent" or a code) in the picker.
	typed, err := s.formRegion("region", q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// dashScope reads ?program=; the page's default program is the first listed.
	r.URL.RawQuery = url.Values{"program": {p.ID}, "region": {typed}, "phase": {q.Get("phase")}}.Encode()
	p, phase, d, err := s.dashboardFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := d.Region
	data.P, data.Phase = p, phase
	link := func(code string) string {
		v := url.Values{"program": {p.ID}, "phase": {phase}, "region": {code}}
		if data.RefreshSeconds != dashRefresh {
			v.Set("refresh", strconv.Itoa(data.RefreshSeconds))
		}
		return "/dashboard?" + v.Encode()
	}
	data.RegionLabel, data.Province = s.regions.Label(code), s.opt.Province
	if s.db.HasReplica() {
		lag, err := s.db.ReplicaLag(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.ReplicaLag = strconv.Itoa(int(lag.Round(time.Second) / time.Second))
	}
	data.Total = dashPageRow{dashRow: dashRow{Code: d.Region, Name: d.Name, dashFigures: d.dashFigures},
		AllocatedPct: pct(d.Allocated, d.Needed), DeliveredPct: pct(d.Delivered, d.Needed)}
	scope := principal(r).RegionScope(s.opt.Province)
	for _, a := range s.regions.Ancestors(code) {
		if a.Code != code && s.regions.Within(a.Code, scope) {
			data.Trail = append(data.Trail, dashStep{Name: a.Name, Link: link(a.Code)})
		}
	}
	lvl, _ := region.LevelOf(code)
	data.RWs = lvl == region.Village
	for _, c := range d.Children {
		row := dashPageRow{dashRow: c, AllocatedPct: pct(c.Allocated, c.Needed), DeliveredPct: pct(c.Delivered, c.Needed)}
		if !data.RWs {
			row.Link = link(c.Code)
		}
		data.Children = append(data.Children, row)
	}
	if data.Collaborators, err = s.collaboratorsOf(r, p, code); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Overdue, err = s.overdueOf(r, p, code); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Failures, err = s.allocs.RecentFailures(r.Context(), code, dashFailures); err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]string, len(data.Failures))
	for i, f := range data.Failures {
		ids[i] = f.OrgID
	}
	if data.Orgs, err = s.accounts.OrgNames(r.Context(), ids); err != nil {
		s.fail(w, r, err)
		return
	}
	data.API = "/api/v1/dashboard?" + r.URL.RawQuery
	data.Daily = "/api/v1/dashboard/daily?" + url.Values{"program": {p.ID}, "region": {code}}.Encode()
	data.Map = "/dashboard/map?" + url.Values{"program": {p.ID}, "region": {code}}.Encode()
	data.Query = template.URL(url.Values{"program": {p.ID}, "region": {code}}.Encode())
	s.render(w, r, "dashboard", "Dashboard", data)
}
