package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// flashFailure leaves a client error's message, translated, for the next page.
func (s *Server) flashFailure(r *http.Request, err error) {
	s.flashError(r, say(langOf(r), errs.As(err).Msg()))
}

// covRow is one region of a coverage table, with the shares the bars show. A nil
// figure is withheld (a small count of a sensitive program) and shows as "<5"; a
// row with a withheld figure shows no bar, which would give it back.
type covRow struct {
	Code, Name                           string
	Needed, Allocated, Delivered, Unmet  *int64
	AllocatedPct, DeliveredPct, UnmetPct float64
	// Bar says whether the shares are shown.
	Bar bool
	// Below says whether the region has regions below it to drill into.
	Below bool
}

func newCovRow(code, name string, c program.Shown, below, coarse bool) covRow {
	row := covRow{Code: code, Name: name, Needed: c.Needed, Allocated: c.Allocated, Delivered: c.Delivered, Below: below}
	if c.Needed == nil || c.Allocated == nil || c.Delivered == nil {
		return row
	}
	unmet := max(*c.Needed-*c.Allocated, 0)
	if coarse && unmet >= 1 && unmet <= program.SmallCount {
		return row
	}
	row.Unmet, row.Bar = &unmet, true
	if n := float64(*c.Needed); n > 0 {
		row.AllocatedPct = float64(*c.Allocated) * 100 / n
		row.DeliveredPct = float64(*c.Delivered) * 100 / n
		row.UnmetPct = float64(unmet) * 100 / n
	}
	return row
}

// coverageView is a program's coverage of a region (drill-down with its trail from
// the province) in one phase or all.
type coverageView struct {
	Region   string
	Name     string
	Phase    string
	Coarse   bool
	Trail    []region.Region
	Total    covRow
	Children []covRow
}

// coverageView reads a program's coverage as the signed-in user may see it.
func (s *Server) coverageView(r *http.Request, p program.Program, code, phase string) (coverageView, error) {
	cov, err := s.shownCoverage(r, p, code, phase)
	if err != nil {
		return coverageView{}, err
	}
	return s.coverageOf(cov, phase), nil
}

// coverageOf turns coverage as a viewer may see it into the coverage block's view:
// its trail from the province, and a link down from each child that has regions
// below it that the viewer may see.
func (s *Server) coverageOf(cov program.ShownCoverage, phase string) coverageView {
	v := coverageView{Region: cov.Region, Name: cov.Name, Phase: phase, Coarse: cov.Coarse, Total: newCovRow(cov.Region, cov.Name, cov.Shown, false, cov.Coarse)}
	for _, a := range s.regions.Ancestors(cov.Region) {
		if a.Code != cov.Region && s.regions.Within(a.Code, s.opt.Province) {
			v.Trail = append(v.Trail, a)
		}
	}
	for _, ch := range cov.Children {
		below := len(s.regions.Children(ch.Code)) > 0
		if cov.Coarse {
			lvl, _ := region.LevelOf(ch.Code)
			below = below && lvl < program.CoarseFloor
		}
		v.Children = append(v.Children, newCovRow(ch.Code, ch.Name, ch.Shown, below, cov.Coarse))
	}
	return v
}

// shownCoverage reads a program's coverage cut for the signed-in user: a sensitive
// program's figures stop at kecamatan, with small counts withheld, for anyone but
// government staff.
func (s *Server) shownCoverage(r *http.Request, p program.Program, code, phase string) (program.ShownCoverage, error) {
	cov, err := s.programs.Coverage(r.Context(), p, code, phase)
	if err != nil {
		return program.ShownCoverage{}, err
	}
	return cov.Show(p.CoarseFor(principal(r).SeesFineFigures()))
}

func (s *Server) pagePrograms(w http.ResponseWriter, r *http.Request) {
	ps, next, err := s.programs.List(r.Context(), program.Filter{Drafts: principal(r).Can(account.ManagePrograms), Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "programs", "Programs", map[string]any{"Programs": ps, "Next": next})
}

// programForm is the new-program form as typed, kept to show it again after an error.
type programForm struct {
	Name, Category, Description, ItemName, ItemUnit, UnitValue string
	Kinds                                                      map[string]bool
	Regions, Tags, QuantityRule, StackGroup, Statement         string
	HoldHours, Phases                                          string
	// PhaseRows are the phases as the form's rows give them (name and two date
	// pickers); Phases is the older "name;start;end" text, still read for scripts.
	PhaseRows []program.PhaseInput
}

// blankPhaseRows is how many empty phase rows the form offers below the filled
// ones, so that phases can be added without JavaScript.
const blankPhaseRows = 2

var quantityRules = []string{program.PerTarget, program.PerPerson, program.PerFamily, program.PerResident}

// newProgramPage is the new-program form as typed, the choices it offers, and the
// error of a refused program.
type newProgramPage struct {
	Form         programForm
	Kinds, Rules []string
	Error        error
	// Province is where the region picker searches.
	Province string
}

func (s *Server) newProgramPage(w http.ResponseWriter, r *http.Request, code int, f programForm, formErr error) {
	data := newProgramPage{Form: f, Kinds: []string{"household", "person", "rw", "institution"}, Rules: quantityRules, Error: formErr, Province: s.opt.Province}
	s.renderStatus(w, r, code, "program_new", map[string]any{"title": "New program", "data": data})
}

func (s *Server) pageNewProgram(w http.ResponseWriter, r *http.Request) {
	today := time.Now().In(jakarta)
	var phases []program.PhaseInput
	for i := range 4 {
		start := today.AddDate(0, 0, 7*i)
		phases = append(phases, program.PhaseInput{Name: "Minggu " + strconv.Itoa(i+1), Start: start.Format(time.DateOnly), End: start.AddDate(0, 0, 6).Format(time.DateOnly)})
	}
	s.newProgramPage(w, r, http.StatusOK, programForm{ItemUnit: "paket", QuantityRule: program.PerTarget, Kinds: map[string]bool{"household": true},
		HoldHours: "72", PhaseRows: phases}, nil)
}

// EditRows are the phase rows the form shows: those typed, then blank ones.
func (f programForm) EditRows() []program.PhaseInput {
	return append(slices.Clone(f.PhaseRows), make([]program.PhaseInput, blankPhaseRows)...)
}

// splitList splits a field of tags written with commas, spaces or lines.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// formRegions reads the program form's regions: codes or names separated by
// commas, semicolons or lines, never spaces ("Jakarta Pusat" is one region).
func (s *Server) formRegions(v string) ([]string, error) {
	var out []string
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		code, err := s.formRegion("regions", part)
		if err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, nil
}

// phaseRows reads the form's phase rows, skipping rows left empty.
func phaseRows(names, starts, ends []string) []program.PhaseInput {
	var out []program.PhaseInput
	for i, n := range names {
		row := program.PhaseInput{Name: strings.TrimSpace(n)}
		if i < len(starts) {
			row.Start = strings.TrimSpace(starts[i])
		}
		if i < len(ends) {
			row.End = strings.TrimSpace(ends[i])
		}
		if row != (program.PhaseInput{}) {
			out = append(out, row)
		}
	}
	return out
}

// parsePhases reads one phase per line: "name;start;end".
func parsePhases(v string) ([]program.PhaseInput, error) {
	var out []program.PhaseInput
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ";")
		if len(parts) != 3 {
			return nil, errs.E(errs.Invalid, "write each phase on its own line as name;start;end (dates YYYY-MM-DD)")
		}
		out = append(out, program.PhaseInput{Name: strings.TrimSpace(parts[0]), Start: strings.TrimSpace(parts[1]), End: strings.TrimSpace(parts[2])})
	}
	return out, nil
}

func (s *Server) pageNewProgramPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.PostFormValue
	f := programForm{Name: v("name"), Category: v("category"), Description: v("description"), ItemName: v("item_name"),
		ItemUnit: v("item_unit"), UnitValue: v("unit_value"), Kinds: map[string]bool{}, Regions: v("regions"), Tags: v("tags"),
		QuantityRule: v("quantity_rule"), StackGroup: v("stack_group"), Statement: v("statement"), HoldHours: v("hold_hours"), Phases: v("phases"),
		PhaseRows: phaseRows(r.PostForm["phase_name"], r.PostForm["phase_start"], r.PostForm["phase_end"])}
	in := program.Input{Name: f.Name, Category: f.Category, Description: f.Description,
		Item: program.Item{Name: f.ItemName, Unit: f.ItemUnit}, Tags: splitList(f.Tags),
		QuantityRule: f.QuantityRule, StackGroup: f.StackGroup, Statement: f.Statement}
	for _, k := range r.PostForm["target_kinds"] {
		f.Kinds[k] = true
		in.TargetKinds = append(in.TargetKinds, k)
	}
	err := func() error {
		var err error
		if strings.TrimSpace(f.UnitValue) != "" {
			if in.Item.UnitValue, err = parseWhole(f.UnitValue); err != nil {
				return errs.E(errs.Invalid, "unit value must be whole rupiah, 0 or more")
			}
		}
		if strings.TrimSpace(f.HoldHours) != "" {
			if in.HoldHours, err = parseWholeInt(f.HoldHours); err != nil {
				return errs.E(errs.Invalid, "hold hours must be 1 to 1440")
			}
		}
		if in.Regions, err = s.formRegions(f.Regions); err != nil {
			return err
		}
		if in.Phases, err = parsePhases(f.Phases); err != nil {
			return err
		}
		in.Phases = append(in.Phases, f.PhaseRows...)
		if len(f.PhaseRows) == 0 {
			f.PhaseRows = in.Phases // shown again as rows if the program is refused
		}
		p, err := s.programs.Create(r.Context(), in)
		if err == nil {
			s.flash(r, "The program was saved as a draft.")
			http.Redirect(w, r, "/programs/"+p.ID, http.StatusSeeOther)
		}
		return err
	}()
	if err == nil {
		return
	}
	if errs.KindOf(err) == errs.Internal {
		s.fail(w, r, err)
		return
	}
	s.newProgramPage(w, r, statusOf[errs.KindOf(err)], f, err)
}

func (s *Server) pageProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	data := programPage{P: p}
	if p.Status != program.Draft {
		cov, err := s.coverageView(r, p, q.Get("region"), q.Get("phase"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Coverage = &cov
		data.Link = "/programs/" + p.ID + "?" + keep(q, "phase")
	}
	overlaps, err := s.programs.Overlaps(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Overlaps = overlaps
	if p.Status == program.Closed {
		at, err := s.programs.PurgedAt(r.Context(), p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if at != nil {
			data.PurgedOn = at.In(jakarta).Format(time.DateOnly)
		}
	}
	if who := principal(r); who.Can(account.ReadFlagged) {
		flagged, err := s.programs.FlaggedNeeds(r.Context(), p.ID, who.RegionScope(s.opt.Province), 100)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Flagged, data.ShowFlagged = flagged, true
		var ids []string
		for _, f := range flagged {
			ids = append(ids, f.OrgIDs...)
		}
		if data.FlaggedOrgs, err = s.accounts.OrgNames(r.Context(), ids); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "program", p.Name, data)
}

// programPage is a program: its coverage once published, the programs it overlaps,
// and for the government the needs flagged for review.
type programPage struct {
	P           program.Program
	PurgedOn    string // the day (WIB) its recipients' personal data was removed; "" if kept
	Coverage    *coverageView
	Link        string // the page with the chosen phase kept, for the region links
	Overlaps    []program.Overlap
	Flagged     []program.Flagged
	ShowFlagged bool
	FlaggedOrgs map[string]string // the names of the organisations holding flagged needs
}

// programAction runs an admin's change of a program and returns to its page.
func (s *Server) programAction(w http.ResponseWriter, r *http.Request, done string, change func(id string) error) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	switch err := change(id); {
	case err == nil:
		s.flash(r, done)
	case errs.KindOf(err) == errs.Invalid || errs.KindOf(err) == errs.Conflict:
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/programs/"+id, http.StatusSeeOther)
}

func (s *Server) pagePublish(w http.ResponseWriter, r *http.Request) {
	s.programAction(w, r, "The program was published: its needs were drawn from the registry.", func(id string) error {
		_, _, err := s.programs.Publish(r.Context(), id)
		return err
	})
}

func (s *Server) pageClose(w http.ResponseWriter, r *http.Request) {
	s.programAction(w, r, "The program was closed.", func(id string) error {
		_, err := s.programs.Close(r.Context(), id)
		return err
	})
}

func (s *Server) pageStacking(w http.ResponseWriter, r *http.Request) {
	s.programAction(w, r, "The stacking rule was changed.", func(id string) error {
		_, err := s.setStacking(r, id, r.PostFormValue("stack_group"), r.PostFormValue("exempt") != "", r.PostFormValue("reason"))
		return err
	})
}

// keep returns the query of the named parameters that are set, ready for one more
// ("a=1&" or "").
func keep(q url.Values, names ...string) string {
	out := url.Values{}
	for _, n := range names {
		if v := q.Get(n); v != "" {
			out.Set(n, v)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return out.Encode() + "&"
}

// published lists the programs open for commitments.
func (s *Server) published(r *http.Request) ([]program.Program, error) {
	ps, _, err := s.programs.List(r.Context(), program.Filter{Status: program.Published, Limit: 500})
	return ps, err
}

// pickProgram returns the program of id among ps, or the first.
func pickProgram(ps []program.Program, id string) (program.Program, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	if len(ps) > 0 && id == "" {
		return ps[0], true
	}
	return program.Program{}, false
}

// pageNeeds is "where is help still needed": a published program's unmet need
// (needed − allocated) by region, drilled down from the province to the kelurahan.
func (s *Server) pageNeeds(w http.ResponseWriter, r *http.Request) {
	ps, err := s.published(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	data := map[string]any{"Programs": ps}
	p, ok := pickProgram(ps, q.Get("program"))
	if !ok && q.Get("program") != "" {
		s.fail(w, r, errs.E(errs.NotFound, "no such program"))
		return
	}
	if ok {
		// Without a choice, the first phase not over: what is still needed now.
		phase := q.Get("phase")
		if !q.Has("phase") {
			if ph, ok := openPhase(p, ""); ok {
				phase = ph.ID
			}
		} else if phase != "" {
			ph, found := p.FindPhase(phase)
			if !found {
				s.fail(w, r, errs.E(errs.NotFound, "no such phase"))
				return
			}
			phase = ph.ID
		}
		// An office opens on its own kota; it may still ask for the province (region=).
		// The region may be typed (a name, "name — parent" or a code) in the picker.
		code, err := s.formRegion("region", q.Get("region"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if pr := principal(r); !q.Has("region") && pr.Role == account.Office {
			code = pr.Region
		}
		cov, err := s.coverageView(r, p, code, phase)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// "Commit aid here" only where something is still needed.
		unmet := cov.Total.Unmet == nil || *cov.Total.Unmet > 0
		data["P"], data["Phase"], data["Coverage"] = p, phase, cov
		data["CanCommit"], data["NothingNeeded"] = principal(r).Can(account.Commit) && unmet, !unmet
		data["RegionLabel"], data["Province"] = s.regions.Label(cov.Region), s.opt.Province
		data["Link"] = "/needs?" + keep(url.Values{"program": {p.ID}, "phase": {phase}}, "program", "phase")
	}
	s.render(w, r, "needs", "Where help is still needed", data)
}
