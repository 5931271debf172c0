package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// commitForm is the commitment form as typed.
type commitForm struct {
	ProgramID, Phase, Quantity, Region, DeliverBy string
	// Mode is "area" (a region) or "targets" (chosen RWs and institutions).
	Mode    string
	Targets []string
	Accept  bool
	// WarehouseID and Item give from a warehouse's stock (the task force).
	WarehouseID, Item string
	// Ref is a random token drawn when the form is first shown and sent back with
	// it: a double tap or a resent form makes one commitment (allocate.Request.ClientRef).
	Ref string
}

// Chosen reports whether target id is ticked.
func (f commitForm) Chosen(id string) bool { return slices.Contains(f.Targets, id) }

func readCommitForm(v url.Values) commitForm {
	f := commitForm{ProgramID: v.Get("program_id"), Phase: v.Get("phase"), Quantity: strings.TrimSpace(v.Get("quantity")),
		Region: strings.TrimSpace(v.Get("region")), DeliverBy: v.Get("deliver_by"), Mode: v.Get("mode"), Targets: v["target_ids"],
		Accept: v.Get("accept_statement") != "", Ref: v.Get("ref"), WarehouseID: strings.TrimSpace(v.Get("warehouse_id")),
		Item: strings.TrimSpace(v.Get("item"))}
	if len(f.Ref) > 64 {
		f.Ref = ""
	}
	if f.ProgramID == "" {
		f.ProgramID = v.Get("program")
	}
	if f.Mode != "targets" {
		f.Mode = "area"
	}
	return f
}

// request turns the form into an engine request: the area or the targets, as the
// mode says, never both.
func (f commitForm) request() allocate.Request {
	q, err := parseWholeInt(f.Quantity)
	if err != nil {
		q = 0 // refused by the engine with its own message
	}
	req := allocate.Request{ProgramID: f.ProgramID, Phase: f.Phase, Quantity: q, DeliverBy: f.DeliverBy, AcceptStatement: f.Accept,
		ClientRef: f.Ref, WarehouseID: f.WarehouseID, Item: f.Item}
	if f.Mode == "targets" {
		req.TargetIDs = f.Targets
	} else {
		req.Region = f.Region
	}
	return req
}

// resolveCommitRegion turns the area's name, as typed or as the picker wrote
// it, into its code; a code passes as it is, for the engine to judge.
func (s *Server) resolveCommitRegion(f *commitForm) error {
	if f.Mode == "targets" {
		return nil
	}
	if _, err := region.Normalize(f.Region); err == nil {
		return nil
	}
	code, err := s.formRegion("region", f.Region)
	if err == nil {
		f.Region = code
	}
	return err
}

// areaChoices are the regions an area commitment can name: every kota, kecamatan
// and kelurahan of the province.
func (s *Server) areaChoices() []region.Region {
	var out []region.Region
	var walk func(code string)
	walk = func(code string) {
		for _, c := range s.regions.Children(code) {
			out = append(out, c)
			walk(c.Code)
		}
	}
	walk(s.opt.Province)
	return out
}

// openPhase returns the phase named ref, or the first that is not over.
func openPhase(p program.Program, ref string) (program.Phase, bool) {
	if ref != "" {
		return p.FindPhase(ref)
	}
	today := time.Now().In(jakarta).Format(time.DateOnly)
	for _, ph := range p.Phases {
		if ph.End >= today {
			return ph, true
		}
	}
	return program.Phase{}, false
}

func (s *Server) commitPage(w http.ResponseWriter, r *http.Request, code int, f commitForm, formErr error) {
	ps, err := s.published(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := commitPage{Programs: ps, Areas: s.areaChoices(), Error: formErr, Province: s.opt.Province}
	if s.donations != nil {
		// The task force gives from the warehouses it distributes.
		if data.Warehouses, err = s.donations.Distributes(r.Context(), principal(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		if len(data.Warehouses) > 0 {
			if data.Items, err = s.donations.Items(r.Context()); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	if p, ok := pickProgram(ps, f.ProgramID); ok {
		f.ProgramID = p.ID
		data.P = &p
		if ph, ok := openPhase(p, f.Phase); ok {
			f.Phase = ph.ID
			area := s.opt.Province
			if c, err := region.Normalize(f.Region); err == nil && s.regions.Within(c, s.opt.Province) {
				area = c
			}
			needs, err := s.openNeeds(r, p, ph.ID, area, "", 100)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			data.Needs = needs
		}
	}
	if f.DeliverBy == "" {
		f.DeliverBy = time.Now().In(jakarta).AddDate(0, 0, 3).Format(time.DateOnly)
	}
	if f.Ref == "" {
		f.Ref = rand.Text()
	}
	data.Form = f
	s.renderStatus(w, r, code, "commitment_new", map[string]any{"title": "Commit aid", "data": data})
}

// commitPage is the commitment form: the programs to choose from and, once one is
// chosen, its open needs; the form as typed and the error of a refused commitment.
type commitPage struct {
	Programs []program.Program
	Areas    []region.Region
	P        *program.Program // the chosen program
	Needs    []allocate.OpenNeed
	Form     commitForm
	Error    error
	// Warehouses are those whose stock the organisation distributes, Items the
	// catalogue (both empty for an organisation that gives its own goods).
	Warehouses []donate.Warehouse
	Items      []donate.Item
	// Province is where the region picker searches.
	Province string
}

// previewFragment is the preview of a commitment: where its units would go, or why
// it would be refused.
type previewFragment struct {
	Preview     *allocate.Preview
	Areas       []previewArea
	Taken       int
	Suggestions []allocate.Suggestion
	Error       error
}

func (s *Server) pageNewCommitment(w http.ResponseWriter, r *http.Request) {
	s.commitPage(w, r, http.StatusOK, readCommitForm(r.URL.Query()), nil)
}

func (s *Server) pageCommitPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := readCommitForm(r.PostForm)
	err := s.resolveCommitRegion(&f)
	var c allocate.Commitment
	if err == nil {
		c, err = s.allocs.Commit(r.Context(), principal(r), f.request())
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			s.fail(w, r, err)
			return
		}
		s.commitPage(w, r, statusOf[errs.KindOf(err)], f, err)
		return
	}
	s.flash(r, "Your commitment was recorded.")
	http.Redirect(w, r, "/commitments/"+c.ID, http.StatusSeeOther)
}

// previewArea is the units a preview would place in one kelurahan.
type previewArea struct {
	Code, Name string
	Units      int
}

// pagePreview answers the form's preview button with a fragment. A refused request
// is shown in the fragment (status 200), so the page keeps working.
func (s *Server) pagePreview(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := readCommitForm(r.PostForm)
	var pv allocate.Preview
	err := s.resolveCommitRegion(&f)
	if err == nil {
		pv, err = s.allocs.Preview(r.Context(), principal(r), f.request())
	}
	var data previewFragment
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			s.fail(w, r, err)
			return
		}
		data.Error = err
	} else {
		var areas []previewArea
		for code, n := range pv.Regions {
			a := previewArea{Code: code, Name: code, Units: n}
			if reg, ok := s.regions.Get(code); ok {
				a.Name = reg.Name
			}
			areas = append(areas, a)
		}
		slices.SortFunc(areas, func(a, b previewArea) int { return strings.Compare(a.Code, b.Code) })
		data.Preview, data.Areas, data.Taken = &pv, areas, len(pv.Taken)
		data.Suggestions = pv.Suggestions
	}
	s.renderFragment(w, r, "commitment_new", "preview", data)
}

// notice is an in-app notification as a page shows it.
type notice struct {
	Key          string
	A, B         int
	CommitmentID string
	At           time.Time
	Read         bool
}

func toNotice(n allocate.Notification) notice {
	num := func(k string) int {
		f, _ := n.Params[k].(float64)
		return int(f)
	}
	out := notice{Key: noticeKey(n.Kind), CommitmentID: n.CommitmentID, At: n.CreatedAt, Read: n.Read}
	if n.Kind == "commitment.filled" {
		out.A, out.B = num("units"), num("waitlisted")
	} else {
		out.A, out.B = num("allocations"), num("units")
	}
	return out
}

// noticeKey is the catalogue text of a kind of notification.
func noticeKey(kind string) string {
	switch kind {
	case "commitment.filled":
		return "%d more units were allocated to your commitment; %d still wait."
	case "allocation.expired":
		return "%d allocations (%d units) expired before dispatch and went back to the pool."
	}
	return "%d allocations (%d units) were released."
}

// commitmentsPage lists commitments and, for an organisation, its notifications;
// Total counts the commitments of every page, Orgs names their organisations
// (for those who read more than their own).
type commitmentsPage struct {
	Commitments []allocate.Commitment
	Pager       pager
	Org         string // the organisation the list is narrowed to ("" for all)
	Total       int
	Orgs        map[string]string
	Notices     []notice
	Unread      int
}

func (s *Server) pageCommitments(w http.ResponseWriter, r *http.Request) {
	who := principal(r)
	q := r.URL.Query()
	// Those who read other organisations' commitments may narrow the list to one.
	var flt allocate.ListFilter
	if readsOtherOrgs(who) {
		flt.OrgID = q.Get("org")
	}
	total, err := s.allocs.Count(r.Context(), who, flt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flt.Cursor, flt.Limit = q.Get("cursor"), perPage(r, 0)
	cs, next, err := s.allocs.List(r.Context(), who, flt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := commitmentsPage{Commitments: cs, Total: total, Org: flt.OrgID}
	data.Pager, err = pagerFor(r, "/commitments", cs, next, func(c allocate.Commitment) store.Cursor { return store.Cursor{At: c.CreatedAt, ID: c.ID} },
		func(cursor string) (bool, error) {
			f := flt
			f.Cursor, f.Limit = cursor, 1
			before, _, err := s.allocs.List(r.Context(), who, f)
			return len(before) > 0, err
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if readsOtherOrgs(who) {
		ids := make([]string, 0, len(cs)+1)
		for _, c := range cs {
			ids = append(ids, c.OrgID)
		}
		ids = append(ids, flt.OrgID)
		if data.Orgs, err = s.accounts.OrgNames(r.Context(), ids); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if u, _ := currentUser(r); u.OrgID != "" {
		ns, err := s.allocs.Notifications(r.Context(), u.OrgID, 20)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var out []notice
		unread := 0
		for _, n := range ns {
			out = append(out, toNotice(n))
			if !n.Read {
				unread++
			}
		}
		data.Notices, data.Unread = out, unread
	}
	title := "My commitments"
	if readsOtherOrgs(who) {
		title = "Commitments"
	}
	s.render(w, r, "commitments", title, data)
}

// readsOtherOrgs reports whether who reads other organisations' commitments: the
// admin all of them, an office those reaching its region.
func readsOtherOrgs(who account.Principal) bool {
	_, all := who.OrgScope()
	return all || who.CommitmentRegion() != ""
}

// recipientFilter is the commitment page's filter of its recipients as typed.
type recipientFilter struct {
	Kelurahan, RW, Q string
}

// query is the filter as URL parameters, for the page links.
func (f recipientFilter) query() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"kelurahan": f.Kelurahan, "rw": f.RW, "q": f.Q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// recipientsPerPage is how many recipients the commitment page shows at once.
const recipientsPerPage = 100

func (s *Server) pageCommitment(w http.ResponseWriter, r *http.Request) {
	who := principal(r)
	c, err := s.allocs.Get(r.Context(), who, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	rf := recipientFilter{Kelurahan: strings.TrimSpace(q.Get("kelurahan")), RW: strings.TrimSpace(q.Get("rw")), Q: strings.TrimSpace(q.Get("q"))}
	rw, _ := strconv.Atoi(rf.RW)
	pg, err := s.allocs.AllocationsPage(r.Context(), who, c.ID, allocate.AllocationFilter{Cursor: q.Get("cursor"), Limit: recipientsPerPage,
		Region: rf.Kelurahan, RW: rw, Q: rf.Q})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as := pg.Items
	active := 0
	for _, a := range as {
		if a.Active() {
			active++
		}
	}
	deliveries, err := s.deliverySection(r, c, as)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := commitmentPage{C: c, Allocations: as, Active: active, Deliveries: deliveries, Total: pg.Total, Filter: rf}
	link := func(cursor string) string {
		v := rf.query()
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if len(v) == 0 {
			return "/commitments/" + c.ID + "#recipients"
		}
		return "/commitments/" + c.ID + "?" + v.Encode() + "#recipients"
	}
	if pg.Next != "" {
		page.NextURL = link(pg.Next)
	}
	if pg.HasPrev {
		page.PrevURL = link(pg.Prev)
	}
	if page.Org, err = s.orgName(r, c.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	page.Kelurahan = s.commitmentKelurahan(who, c)
	if c.WarehouseID != "" && s.donations != nil {
		page.Warehouse, page.Item = c.WarehouseID, c.Item
		// Named when the reader may see the warehouse; its id otherwise.
		if wh, err := s.donations.Warehouse(r.Context(), who, c.WarehouseID); err == nil {
			page.Warehouse = wh.Name
		}
		if items, err := s.donations.Items(r.Context()); err == nil {
			for _, it := range items {
				if it.ID == c.Item {
					page.Item = it.Name + " (" + it.Unit + ")"
				}
			}
		}
	}
	s.render(w, r, "commitment", "Commitment", page)
}

// commitmentPage is one commitment with a page of its allocations; Active counts those of the page still
// reserved or on their way.
type commitmentPage struct {
	C           allocate.Commitment
	Allocations []allocate.Allocation
	Active      int
	// Deliveries is the delivery section, for those who manage its runs (nil for others).
	Deliveries *deliverySection
	// Warehouse and Item name the stock a commitment of the task force gives
	// from ("" for an organisation's own goods).
	Warehouse, Item string
	// Total counts the recipients the filter selects on every page; NextURL and
	// PrevURL link the pages around this one ("" where there is none).
	Total            int
	Filter           recipientFilter
	NextURL, PrevURL string
	// Org names the commitment's organisation; Kelurahan are those the filter offers.
	Org       string
	Kelurahan []region.Region
}

// orgName names an organisation, or gives its id when it has no name.
func (s *Server) orgName(r *http.Request, id string) (string, error) {
	names, err := s.accounts.OrgNames(r.Context(), []string{id})
	if err != nil {
		return "", err
	}
	if n, ok := names[id]; ok {
		return n, nil
	}
	return id, nil
}

// commitmentKelurahan are the kelurahan a commitment's recipients that who reads
// may be in: those of its area (of the province for chosen recipients), and of an
// office's region only.
func (s *Server) commitmentKelurahan(who account.Principal, c allocate.Commitment) []region.Region {
	area := c.Region
	if area == "" {
		area = s.opt.Province
	}
	if office := who.CommitmentRegion(); office != "" && s.regions.Within(office, area) {
		area = office
	}
	if reg, ok := s.regions.Get(area); ok && reg.Level == region.Village {
		return []region.Region{reg}
	}
	var out []region.Region
	var walk func(code string)
	walk = func(code string) {
		for _, ch := range s.regions.Children(code) {
			if ch.Level == region.Village {
				out = append(out, ch)
			} else {
				walk(ch.Code)
			}
		}
	}
	walk(area)
	return out
}

func (s *Server) pageCancel(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	switch _, err := s.allocs.Cancel(r.Context(), principal(r), id); {
	case err == nil:
		s.flash(r, "The commitment was cancelled; its recipients went back to the pool.")
	case errs.KindOf(err) == errs.Conflict:
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/commitments/"+id, http.StatusSeeOther)
}

func (s *Server) pageMarkRead(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if u, _ := currentUser(r); u.OrgID != "" {
		if err := s.allocs.MarkRead(r.Context(), u.OrgID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/commitments", http.StatusSeeOther)
}
