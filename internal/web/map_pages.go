package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/boundary"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

// TileURLSetting names the setting that holds the map's tile URL template (such as
// https://{s}.tile.example.org/{z}/{x}/{y}.png). Unset, the map draws the outlines
// on a plain background and needs nothing from outside.
const TileURLSetting = "map.tile_url"

// TileAttributionSetting names the setting that holds the credit the tiles' provider
// asks for (such as "© OpenStreetMap contributors"), shown under the map.
const TileAttributionSetting = "map.tile_attribution"

// maxMarkers bounds the institutions the map shows.
const maxMarkers = 2000

// mapPage is the map page: a program's coverage drawn on region outlines, the
// figures as a table beside it, and, for the admin, the upload of outlines.
type mapPage struct {
	Programs     []program.Program
	P            program.Program
	HasProgram   bool
	Region       region.Region
	Map          regionMap
	Coverage     coverageView
	Link         string
	Children     int    // regions below Region
	UploadAction string // the upload form's address: back to this view
	Tiles        string
	TilesCredit  string
	Institutions []registry.InstitutionPoint
	CanUpload    bool
	Report       *boundary.Report
	UploadErr    error
}

func (s *Server) pageMap(w http.ResponseWriter, r *http.Request) {
	s.mapPage(w, r, http.StatusOK, nil, nil)
}

func (s *Server) pageMapUpload(w http.ResponseWriter, r *http.Request) {
	rep, err := s.receiveBoundaries(w, r)
	if err != nil {
		code := statusOf[errs.As(err).Kind]
		if code >= 500 {
			s.fail(w, r, err)
			return
		}
		s.mapPage(w, r, code, nil, err)
		return
	}
	s.mapPage(w, r, http.StatusOK, &rep, nil)
}

func (s *Server) mapPage(w http.ResponseWriter, r *http.Request, code int, rep *boundary.Report, upErr error) {
	ps, err := s.published(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	p, ok := pickProgram(ps, q.Get("program"))
	if !ok && q.Get("program") != "" {
		s.fail(w, r, errs.E(errs.NotFound, "no such program"))
		return
	}
	reg, err := s.mapRegion(r, q.Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	who := principal(r)
	d := mapPage{Programs: ps, P: p, HasProgram: ok, Region: reg, CanUpload: who.Can(account.ManageBoundaries), Report: rep, UploadErr: upErr}
	d.Children = len(s.regions.Children(reg.Code))
	d.UploadAction = "/dashboard/map/boundaries?" + keep(url.Values{"program": {q.Get("program")}, "region": {reg.Code}}, "program", "region")
	if ok {
		if d.Map, err = s.regionMap(r, p, reg); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Coverage, err = s.coverageView(r, p, reg.Code, ""); err != nil {
			s.fail(w, r, err)
			return
		}
		// The table's links stay on this page; the trail stops at the caller's region.
		d.Link = "/dashboard/map?" + keep(url.Values{"program": {p.ID}}, "program")
		scope := who.RegionScope(s.opt.Province)
		trail := d.Coverage.Trail[:0]
		for _, a := range d.Coverage.Trail {
			if s.regions.Within(a.Code, scope) {
				trail = append(trail, a)
			}
		}
		d.Coverage.Trail = trail
	}
	if d.Institutions, err = s.registry.Institutions(r.Context(), who.RegionScope(s.opt.Province), maxMarkers); err != nil {
		s.fail(w, r, err)
		return
	}
	if tiles, err := s.db.Setting(r.Context(), TileURLSetting); err == nil {
		if src := tileSource(tiles); src != "" {
			d.Tiles = tiles
			if d.TilesCredit, err = s.db.Setting(r.Context(), TileAttributionSetting); err != nil && !errs.Is(err, errs.NotFound) {
				s.fail(w, r, err)
				return
			}
			h := w.Header()
			h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "img-src 'self' data:", "img-src 'self' data: "+src, 1))
		}
	} else if !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, code, "map", map[string]any{"title": "Map", "data": d})
}

// tileSource is the CSP source a tile URL template loads images from: its scheme and
// host, a {s} subdomain as a wildcard. A template that is not an http(s) URL with a
// plain host gives "", and the map goes without tiles.
func tileSource(tmpl string) string {
	scheme, rest, ok := strings.Cut(tmpl, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host = strings.Replace(host, "{s}", "*", 1)
	for _, c := range host {
		if !(c == '.' || c == '-' || c == ':' || c == '*' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	if host == "" || strings.Count(host, "*") > 0 && !strings.HasPrefix(host, "*.") {
		return ""
	}
	return scheme + "://" + host
}
