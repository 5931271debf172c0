package web

import (
	"github.com/gotong/gotong/internal/store"
	"net/http"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

// scopeRegions lists the regions a viewer can filter by: the kab/kota and kecamatan
// of its scope.
func (s *Server) scopeRegions(scope string) []region.Region {
	var out []region.Region
	var walk func(code string, depth int)
	walk = func(code string, depth int) {
		for _, c := range s.regions.Children(code) {
			out = append(out, c)
			if depth > 1 && c.Level < region.District {
				walk(c.Code, depth-1)
			}
		}
	}
	if r, ok := s.regions.Get(scope); ok && r.Level >= region.District {
		out = append(out, r)
	}
	walk(scope, 2)
	return out
}

func (s *Server) pageRegistry(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := s.viewer(r)
	f := registry.TargetFilter{Region: q.Get("region"), Kind: q.Get("kind"), Tag: q.Get("tag"), Q: q.Get("q"), Cursor: q.Get("cursor"),
		Limit: perPage(r, 0)}
	ts, next, err := s.registry.ListTargets(r.Context(), v, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	open, err := s.registry.CountDuplicates(r.Context(), v, "open")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.registry.CountTargets(r.Context(), v, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := registryPage{Targets: ts, F: f, Kinds: registry.Kinds, Regions: s.scopeRegions(v.Scope),
		OpenDuplicates: open, Total: total}
	if reg, ok := s.regions.Get(v.Scope); ok {
		data.ScopeName = reg.Name
	}
	data.Pager, err = pagerFor(r, "/registry", ts, next, func(t registry.Target) store.Cursor { return store.Cursor{At: t.UpdatedAt, ID: t.ID} },
		func(cursor string) (bool, error) {
			b := f
			b.Cursor, b.Limit = cursor, 1
			before, _, err := s.registry.ListTargets(r.Context(), v, b)
			return len(before) > 0, err
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "registry", "Registry", data)
}

// registryPage is what the registry page shows: a page of targets, the filter that
// chose them, and what the filter form offers.
type registryPage struct {
	Targets        []registry.Target
	F              registry.TargetFilter
	Kinds          []registry.Kind
	Regions        []region.Region
	ScopeName      string // the viewer's region, "" for the whole province
	Pager          pager
	OpenDuplicates int
	Total          int // the targets the filter selects, on every page
}

func (s *Server) pageTarget(w http.ResponseWriter, r *http.Request) {
	v := s.viewer(r)
	t, err := s.registry.Target(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	history, err := s.historyOf(r, t.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "target", t.Name, map[string]any{"Target": t, "Office": v.Office, "History": history,
		"Corrected": r.URL.Query().Get("corrected") != ""})
}

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request, code int, formErr error) {
	scope := s.viewer(r).Scope
	ims, next, err := s.registry.ListImports(r.Context(), scope, r.URL.Query().Get("cursor"), perPage(r, 20))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.registry.CountImports(r.Context(), scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := importsPage{Imports: ims, Kinds: registry.Kinds, Error: formErr, Total: total}
	data.Pager, err = pagerFor(r, "/imports", ims, next, func(im registry.Import) store.Cursor { return store.Cursor{At: im.CreatedAt, ID: im.ID} },
		func(cursor string) (bool, error) {
			before, _, err := s.registry.ListImports(r.Context(), scope, cursor, 1)
			return len(before) > 0, err
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, code, "imports", map[string]any{"title": "Import a file", "data": data})
}

// importsPage is the upload form, with the error of a refused upload, and the
// latest imports.
type importsPage struct {
	Imports []registry.Import
	Kinds   []registry.Kind
	Error   error
	// Pager links the pages around this one; Total counts every import in the
	// viewer's scope.
	Pager pager
	Total int
}

func (s *Server) pageImports(w http.ResponseWriter, r *http.Request) {
	s.importsPage(w, r, http.StatusOK, nil)
}

// pageImportPost takes the upload, queues it and sends the office to the import's
// page, where progress shows while the file is read in the background.
func (s *Server) pageImportPost(w http.ResponseWriter, r *http.Request) {
	im, err := s.receiveUpload(w, r)
	if err == nil {
		http.Redirect(w, r, "/imports/"+im.ID, http.StatusSeeOther)
		return
	}
	if errs.KindOf(err) == errs.Internal {
		s.fail(w, r, err)
		return
	}
	s.importsPage(w, r, statusOf[errs.KindOf(err)], err)
}

func (s *Server) pageImport(w http.ResponseWriter, r *http.Request) {
	im, err := s.registry.Import(r.Context(), r.PathValue("id"), s.viewer(r).Scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "import", im.Filename, importView{im, principal(r).SeesNIKs()})
}

// importView is an import as its page shows it: FixFile tells whether the viewer
// may download the rows to fix (they hold NIKs in clear: the office only).
type importView struct {
	registry.Import
	FixFile bool
}

func (s *Server) pageImportProgress(w http.ResponseWriter, r *http.Request) {
	im, err := s.registry.Import(r.Context(), r.PathValue("id"), s.viewer(r).Scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderFragment(w, r, "import_progress", "progress", importView{im, principal(r).SeesNIKs()})
}

func (s *Server) pageDuplicates(w http.ResponseWriter, r *http.Request) {
	v := s.viewer(r)
	pairs, next, err := s.registry.ListDuplicates(r.Context(), v, "open", perPage(r, 0), r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.registry.CountDuplicates(r.Context(), v, "open")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := pagerFor(r, "/duplicates", pairs, next, func(d registry.Duplicate) store.Cursor { return store.Cursor{At: d.CreatedAt, ID: d.ID} },
		func(cursor string) (bool, error) {
			before, _, err := s.registry.ListDuplicates(r.Context(), v, "open", 1, cursor)
			return len(before) > 0, err
		})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Each pair's two households side by side (masked: the numbers are shown in
	// clear only on the audited compare page).
	sides, err := s.registry.PairTargets(r.Context(), v, pairs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "duplicates", "Possible duplicates", map[string]any{"Pairs": pairs, "Sides": sides, "Pager": pg, "Total": total})
}

// pageDuplicate shows a pair side by side (with NIKs unmasked for the office of the
// region, audited like any such view).
func (s *Server) pageDuplicate(w http.ResponseWriter, r *http.Request) {
	// One read of the pair: the office of the region sees the numbers in clear,
	// audited once for the pair; others see them masked.
	d, ts, err := s.registry.Pair(r.Context(), s.viewer(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "duplicate", "Compare", map[string]any{"Pair": d, "Targets": ts, "Sides": pairSides(ts)})
}

// pairSide is one household of a pair as the compare page shows it: its No. KK and
// each member's NIK split into digits marked where they differ from the other side
// (the closest NIK there), and the household a member would move to.
type pairSide struct {
	KKText  string
	KK      []digit
	Members []sideMember
	Other   string
}

type sideMember struct {
	NIKText string
	NIK     []digit
}

// digit is one character of a number and whether it differs from the other's.
type digit struct {
	C    string
	Diff bool
}

// pairSides marks the differing digits of the two households' numbers.
func pairSides(ts []registry.Target) []pairSide {
	if len(ts) != 2 {
		return nil
	}
	out := make([]pairSide, 2)
	for i := range 2 {
		me, other := ts[i], ts[1-i]
		out[i].Other = other.ID
		out[i].KKText, out[i].KK = shownKK(me), digits(shownKK(me), shownKK(other))
		for _, m := range me.Members {
			best := ""
			for _, o := range other.Members {
				if best == "" || distance(shownNIK(m), shownNIK(o)) < distance(shownNIK(m), best) {
					best = shownNIK(o)
				}
			}
			out[i].Members = append(out[i].Members, sideMember{NIKText: shownNIK(m), NIK: digits(shownNIK(m), best)})
		}
	}
	return out
}

func shownKK(t registry.Target) string {
	if t.KK != "" {
		return t.KK
	}
	return t.KKMasked
}

func shownNIK(m registry.Member) string {
	if m.NIK != "" {
		return m.NIK
	}
	return m.NIKMasked
}

// distance counts the positions where a and b differ (lengths apart count too).
func distance(a, b string) int {
	n := max(len(a), len(b)) - min(len(a), len(b))
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// digits splits a into its characters, each marked when b has another there; a
// masked position ("*") is never marked: nothing is known of it.
func digits(a, b string) []digit {
	out := make([]digit, 0, len(a))
	for i := range len(a) {
		c := a[i : i+1]
		out = append(out, digit{C: c, Diff: b != "" && c != "*" && (i >= len(b) || b[i] != a[i])})
	}
	return out
}

func (s *Server) pageResolve(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	var err error
	if r.PostFormValue("decision") == "move" {
		_, err = s.registry.Move(r.Context(), s.viewer(r), id, r.PostFormValue("member_id"), r.PostFormValue("to"))
	} else {
		_, err = s.registry.Resolve(r.Context(), s.viewer(r), id, r.PostFormValue("decision"), r.PostFormValue("keep"))
	}
	switch {
	case err == nil:
		s.flash(r, "The decision was saved.")
	case errs.KindOf(err) == errs.Invalid || errs.KindOf(err) == errs.Conflict:
		s.flashError(r, errs.As(err).Format)
		http.Redirect(w, r, "/duplicates/"+id, http.StatusSeeOther)
		return
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/duplicates", http.StatusSeeOther)
}
