package web

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/export"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// The exports of monitoring (issue 12): the 3W (who does what where) in HXL and
// the coverage table, as CSV and XLSX, for the admin and for an office inside
// its region. Every figure comes from the kept counters (package monitor); every
// export is built whole into a temporary file, recorded in the audit log with its
// number of rows, and only then sent (package export says why).

// threeW are the 3W's columns: the names people read in row 1, in Indonesian,
// and under them the HXL hashtags that OCHA/HDX tools read. #org+impl is the
// implementing partner (the collaborator who delivers), #org+prog the programming
// agency (the provincial government that runs the program); #targeted+hh counts
// the allocations an organisation holds (a household or a target each) and
// #reached+hh those delivered; #value is the delivered units at the program's
// unit value, in rupiah.
var threeW = []export.Column{
	{Name: "Organisasi pelaksana", Tag: "#org+impl+name"},
	{Name: "Pemilik program", Tag: "#org+prog+name"},
	{Name: "Sektor", Tag: "#sector"},
	{Name: "Program", Tag: "#activity+name"},
	{Name: "Barang", Tag: "#item+name"},
	{Name: "Kode provinsi", Tag: "#adm1+code"},
	{Name: "Provinsi", Tag: "#adm1+name"},
	{Name: "Kode kab/kota", Tag: "#adm2+code"},
	{Name: "Kab/kota", Tag: "#adm2+name"},
	{Name: "Kode kecamatan", Tag: "#adm3+code"},
	{Name: "Kecamatan", Tag: "#adm3+name"},
	{Name: "Kode kelurahan", Tag: "#adm4+code"},
	{Name: "Kelurahan", Tag: "#adm4+name"},
	{Name: "Mulai", Tag: "#date+start", Kind: export.Date},
	{Name: "Selesai", Tag: "#date+end", Kind: export.Date},
	{Name: "Status", Tag: "#status"},
	{Name: "Sasaran (KK)", Tag: "#targeted+hh", Kind: export.Integer},
	{Name: "Terjangkau (KK)", Tag: "#reached+hh", Kind: export.Integer},
	{Name: "Nilai tersalur", Tag: "#value", Kind: export.Integer},
	{Name: "Mata uang", Tag: "#currency+code"},
}

// sectors name a program's category as the humanitarian clusters do, the
// vocabulary of #sector in OCHA's 3W; a category without a cluster is kept as is.
var sectors = map[string]string{
	"pangan":       "Food Security",
	"makanan":      "Food Security",
	"kesehatan":    "Health",
	"gizi":         "Nutrition",
	"pendidikan":   "Education",
	"air":          "WASH",
	"sanitasi":     "WASH",
	"kebersihan":   "WASH",
	"hunian":       "Shelter",
	"papan":        "Shelter",
	"tunai":        "Multi-Purpose Cash",
	"perlindungan": "Protection",
}

// exportFormat reads the format from the route's last path element.
func exportFormat(r *http.Request) export.Format {
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		return export.XLSX
	}
	return export.CSV
}

// programFilter is the program a query names (all programs when it names none).
func (s *Server) programFilter(r *http.Request) (ps []program.Program, ids []string, err error) {
	p := principal(r)
	if id := r.URL.Query().Get("program"); id != "" {
		prog, err := s.programs.Get(r.Context(), id, p.Can(account.ManagePrograms))
		if err != nil {
			return nil, nil, err
		}
		return []program.Program{prog}, []string{prog.ID}, nil
	}
	// Drafts have no needs, so no counters: the programs published or closed.
	cursor := ""
	for {
		page, next, err := s.programs.List(r.Context(), program.Filter{Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, page...)
		if next == "" {
			return ps, nil, nil
		}
		cursor = next
	}
}

// send builds a table, records the export and sends it as an attachment.
func (s *Server) send(w http.ResponseWriter, r *http.Request, f export.Format, name, sheet string, cols []export.Column,
	fill func(*export.Table) error, entry func(rows int) audit.Change) {
	file, err := export.Build("", f, sheet, datesFor(r, f, cols), fill)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer file.Close()
	if err := s.db.Write(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, entry(file.Rows()))
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(file.Size(), 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"."+string(f)+`"`)
	if _, err := file.WriteTo(w); err != nil {
		s.log.Warn("send export", "file", name, "err", err)
	}
}

// datesFor turns the date columns of a CSV asked for with ?dates=long (the
// dashboard's download links: a file for people) into dates as Indonesian
// writes them, "3 Desember 2026". Without it dates stay ISO 8601, as HXL tools
// and scripts read them.
func datesFor(r *http.Request, f export.Format, cols []export.Column) []export.Column {
	if f != export.CSV || r.URL.Query().Get("dates") != "long" {
		return cols
	}
	out := slices.Clone(cols)
	for i := range out {
		if out[i].Kind == export.Date {
			out[i].Kind = export.LongDate
		}
	}
	return out
}

// exportDate is today in WIB, for file names and a program's status.
func (s *Server) exportDate() string { return s.programs.Now().In(jakarta).Format("2006-01-02") }

// api3W answers the 3W: one row per organisation, program and kelurahan.
func (s *Server) api3W(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	progs, ids, err := s.programFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scope := p.RegionScope(s.opt.Province)
	filter := monitor.Filter{Programs: ids, Region: scope}
	// Names first, so that no query waits on a connection while the rows stream.
	orgs, err := s.monitor.Orgs(ctx, filter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgIDs := make([]string, 0, len(orgs))
	for id := range orgs {
		orgIDs = append(orgIDs, id)
	}
	names, err := s.accounts.OrgNames(ctx, orgIDs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.exportDate()
	owner := "Pemerintah Provinsi"
	if prov, ok := s.regions.Get(s.opt.Province); ok {
		owner += " " + prov.Name
	}
	byID := map[string]threeWProgram{}
	for _, prog := range progs {
		byID[prog.ID] = newThreeWProgram(prog, today)
	}
	fill := func(t *export.Table) error {
		var places regionNames
		return s.monitor.OrgAreas(ctx, filter, func(a monitor.OrgArea) error {
			prog, ok := byID[a.Program]
			if !ok {
				return nil // a draft's, which cannot have any
			}
			adm := places.of(s.regions, a.Region)
			return t.Row(names[a.OrgID], owner, prog.sector, prog.name, prog.item,
				adm[0].Code, adm[0].Name, adm[1].Code, adm[1].Name, adm[2].Code, adm[2].Name, adm[3].Code, adm[3].Name,
				prog.start, prog.end, prog.status, a.Needs, a.Reached, a.Delivered*prog.unitValue, "IDR")
		})
	}
	which := r.URL.Query().Get("program")
	name := "3w-" + cmp.Or(which, "semua") + "-" + today
	f := exportFormat(r)
	s.send(w, r, f, name, "3W", threeW, fill, func(rows int) audit.Change {
		return audit.Change{Action: "export.3w", ObjectType: "program", ObjectID: which, Region: scope,
			Detail: map[string]any{"program": which, "rows": rows, "format": string(f)}}
	})
}

// threeWProgram is what the 3W repeats of a program on each of its rows.
type threeWProgram struct {
	name, sector, item, start, end, status string
	unitValue                              int64
}

func newThreeWProgram(p program.Program, today string) threeWProgram {
	t := threeWProgram{name: p.Name, sector: p.Category, item: p.Item.Name, unitValue: p.Item.UnitValue}
	if sec, ok := sectors[p.Category]; ok {
		t.sector = sec
	}
	if p.Item.Unit != "" {
		t.item += " (" + p.Item.Unit + ")"
	}
	for _, ph := range p.Phases {
		if t.start == "" || ph.Start < t.start {
			t.start = ph.Start
		}
		if ph.End > t.end {
			t.end = ph.End
		}
	}
	switch {
	case p.Status == program.Closed || (t.end != "" && t.end < today):
		t.status = "completed"
	case t.start > today:
		t.status = "planned"
	default:
		t.status = "ongoing"
	}
	return t
}

// regionNames keeps the last kelurahan's chain: the rows come ordered by
// organisation, program and kelurahan, so most rows repeat it.
type regionNames struct {
	code  string
	chain [4]region.Region
}

// of is the province, kab/kota, kecamatan and kelurahan of a kelurahan code; an
// unknown one keeps its code's parts and no names.
func (n *regionNames) of(set *region.Set, code string) [4]region.Region {
	if code == n.code {
		return n.chain
	}
	n.code, n.chain = code, [4]region.Region{}
	if chain := set.Ancestors(code); len(chain) == 4 {
		copy(n.chain[:], chain)
		return n.chain
	}
	parts := strings.Split(code, ".")
	for i := range min(len(parts), 4) {
		n.chain[i].Code = strings.Join(parts[:i+1], ".")
	}
	return n.chain
}

// coverageCols are the coverage table's columns; at kelurahan level a row is an
// RW, its code the RW's number.
var coverageCols = []export.Column{
	{Name: "Kode", Tag: "#loc+code"},
	{Name: "Nama", Tag: "#loc+name"},
	{Name: "Dibutuhkan", Tag: "#inneed+num", Kind: export.Integer},
	{Name: "Dialokasikan", Tag: "#output+allocated+num", Kind: export.Integer},
	{Name: "Tersalur", Tag: "#output+delivered+num", Kind: export.Integer},
	{Name: "Kebutuhan tercukupi", Tag: "#indicator+covered+pct", Kind: export.Decimal},
}

// apiCoverageExport answers a program's coverage in a region per child region
// (per RW in a kelurahan): units needed, allocated, delivered and the share of
// needs fully allocated.
func (s *Server) apiCoverageExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if q.Get("program") == "" {
		s.fail(w, r, errs.E(errs.Invalid, "program is required"))
		return
	}
	progs, ids, err := s.programFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prog := progs[0]
	code := cmp.Or(strings.TrimSpace(q.Get("region")), principal(r).RegionScope(s.opt.Province))
	if c, err := region.Normalize(code); err == nil {
		code = c
	}
	if err := s.inOwnRegion(r, code); err != nil {
		s.fail(w, r, err)
		return
	}
	filter := monitor.Filter{Programs: ids, Region: code}
	if ph := q.Get("phase"); ph != "" {
		phase, ok := prog.FindPhase(ph)
		if !ok {
			s.fail(w, r, errs.E(errs.NotFound, "no such phase"))
			return
		}
		filter.Phase = phase.ID
	}
	type row struct {
		code, name string
		monitor.Figures
	}
	var rows []row
	if children := s.regions.Children(code); len(children) > 0 {
		sums, err := s.monitor.ByRegion(ctx, filter, len(children[0].Code))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, ch := range children {
			rows = append(rows, row{ch.Code, ch.Name, sums[ch.Code]})
		}
	} else {
		rws, err := s.monitor.ByRW(ctx, filter)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rw := range slices.Sorted(maps.Keys(rws)) {
			rows = append(rows, row{strconv.Itoa(rw), fmt.Sprintf("RW %03d", rw), rws[rw]})
		}
	}
	fill := func(t *export.Table) error {
		for _, x := range rows {
			if err := t.Row(x.code, x.name, x.Needed, x.Allocated, x.Delivered, x.CoveredShare()); err != nil {
				return err
			}
		}
		return nil
	}
	f := exportFormat(r)
	name := "cakupan-" + prog.ID + "-" + code + "-" + s.exportDate()
	s.send(w, r, f, name, "Cakupan", coverageCols, fill, func(n int) audit.Change {
		return audit.Change{Action: "export.coverage", ObjectType: "program", ObjectID: prog.ID, Region: code,
			Detail: map[string]any{"program": prog.ID, "region": code, "phase": filter.Phase, "rows": n, "format": string(f)}}
	})
}
