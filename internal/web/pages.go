package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// pageNames are the page templates the server needs; a missing one stops start-up.
var pageNames = []string{"home", "login", "register", "register_done", "account", "admin_users",
	"admin_orgs", "regions", "audit", "error", "registry", "target", "imports", "import", "import_progress",
	"duplicates", "duplicate", "programs", "program", "program_new", "needs", "commitment_new", "commitments", "commitment", "privacy",
	"public_program", "embed", "ideas", "idea", "admin_user_sessions"}

type pages struct {
	byName map[string]*template.Template
}

// parsePages parses every page once, each with the layout and the shared partials
// (templates/*.html).
func parsePages(funcs template.FuncMap) (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	for _, name := range pageNames {
		if p.byName[name] == nil {
			return nil, fmt.Errorf("page template %q is missing", name)
		}
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Lang     string
	Path     string
	User     *account.User
	Title    string
	Flash    string
	FlashErr string
	Data     any
	regions  *region.Set
}

// T translates an English catalogue key into the page's language and formats args.
func (v view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// N formats a whole number with the language's thousands separator.
func (v view) N(n any) string {
	var x int64
	switch n := n.(type) {
	case int:
		x = int64(n)
	case int64:
		x = n
	case *int64:
		if n == nil {
			return "<" + strconv.Itoa(program.SmallCount+1) // withheld: a small count of a sensitive program
		}
		x = *n
	default:
		return fmt.Sprint(n)
	}
	sep := "."
	if v.Lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(x, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// jakarta is Western Indonesian Time; times are shown in it, stored in UTC.
var jakarta = time.FixedZone("WIB", 7*3600)

// Time formats an instant for people, in WIB, as the language writes it:
// "3 Desember 2026 15.04 WIB" (in English "3 December 2026 15:04 WIB").
func (v view) Time(t any) string {
	switch t := t.(type) {
	case time.Time:
		return v.instant(t)
	case *time.Time:
		if t == nil {
			return ""
		}
		return v.instant(*t)
	}
	return ""
}

func (v view) instant(t time.Time) string {
	t = t.In(jakarta)
	clock := t.Format("15.04 MST")
	if v.Lang == "en" {
		clock = t.Format("15:04 MST")
	}
	return v.DateLong(t.Format(time.DateOnly)) + " " + clock
}

// RegionName names a region code for people ("" stays "").
func (v view) RegionName(code string) string {
	if v.regions == nil {
		return code
	}
	if r, ok := v.regions.Get(code); ok {
		return r.Name
	}
	return code
}

// principal is the viewer as the policy sees it.
func (v view) principal() account.Principal {
	if v.User == nil {
		return account.Principal{}
	}
	return v.User.Principal()
}

// Can asks the policy whether the viewer has the named permission, for menus and
// buttons: {{if .Can "commit"}}. A name that is no permission fails the page, so
// a typo cannot hide a menu silently.
func (v view) Can(name string) (bool, error) {
	p, err := account.ParsePermission(name)
	if err != nil {
		return false, err
	}
	return v.principal().Can(p), nil
}

// AllOrgs reports whether the viewer reads other organisations' commitments (and
// has none of its own): the admin's, or an office's of its region.
func (v view) AllOrgs() bool { return readsOtherOrgs(v.principal()) }

// render writes page name with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	s.renderStatus(w, r, http.StatusOK, name, map[string]any{"title": title, "data": data})
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, code int, name string, d map[string]any) {
	t := s.pages.byName[name]
	v := view{Lang: langOf(r), Path: r.URL.Path, regions: s.regions}
	if u, ok := currentUser(r); ok {
		v.User = &u
	}
	if title, ok := d["title"].(string); ok {
		v.Title, v.Data = title, d["data"]
	} else {
		v.Data = d
		v.Title = "Error"
	}
	if ctx := r.Context(); ctx.Value(noSessionKey{}) == nil {
		v.Flash = s.sessions.PopString(ctx, "flash")
		v.FlashErr = s.sessions.PopString(ctx, "flash_error")
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// renderAlone renders a page that stands alone, without the layout (the courier's
// page, the frames other sites embed): the template named as the page. It answers
// the error itself and reports false when rendering fails.
func (s *Server) renderAlone(w http.ResponseWriter, r *http.Request, page, title string, data any) (*bytes.Buffer, bool) {
	var buf bytes.Buffer
	v := view{Lang: langOf(r), Path: r.URL.Path, Title: title, Data: data, regions: s.regions}
	if err := s.pages.byName[page].ExecuteTemplate(&buf, page, v); err != nil {
		s.log.Error("render page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, false
	}
	return &buf, true
}

// renderFragment writes one named template of a page without the layout, for htmx
// to swap in.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	v := view{Lang: langOf(r), Path: r.URL.Path, Data: data, regions: s.regions}
	var buf bytes.Buffer
	if err := s.pages.byName[page].ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("render fragment", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// flash leaves a message (an English catalogue key) for the next page.
func (s *Server) flash(r *http.Request, key string) { s.sessions.Put(r.Context(), "flash", key) }

func (s *Server) flashError(r *http.Request, msg string) {
	s.sessions.Put(r.Context(), "flash_error", msg)
}

// Err translates an error's client-safe message.
func (v view) Err(err error) string {
	if err == nil {
		return ""
	}
	return say(v.Lang, errs.As(err).Msg())
}

// M renders a message (a stored reason) in the page's language.
func (v view) M(m msg.Message) string { return say(v.Lang, m) }

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return errs.E(errs.TooLarge, "form is too large")
		}
		return errs.E(errs.Invalid, "malformed form")
	}
	return checkForm(r)
}

// maxForm bounds form bodies; forms here are small.
const maxForm = 64 << 10
