package web

import (
	"context"
	"github.com/gotong/gotong/internal/account"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// The public side (issue 12): the home page with every public program's progress
// per kota and its collaborators, a page per program with a drill-down to
// kelurahan, the same as frames other sites embed, and a JSON feed. Everything
// here is read through the kept public answers (public_api.go): counts only, cut
// for sensitive programs, never a person.

// publicProgramView is a public program on a page: its figures and its coverage
// block.
type publicProgramView struct {
	P   publicProgram
	Cov coverageView
	// Live is the JSON address public.js refreshes the figures from.
	Live string
	// Link is the program's public page with its query, ending in ? or &.
	Link string
}

func (s *Server) publicProgramView(ctx context.Context, id, code string) (publicProgramView, error) {
	pp, _, err := s.publicProgramFigures(ctx, id, code)
	if err != nil {
		return publicProgramView{}, err
	}
	return publicProgramView{P: pp, Cov: s.coverageOf(pp.Coverage, ""), Link: "/public/programs/" + pp.Program + "?",
		Live: "/api/v1/public/programs/" + pp.Program + "?region=" + url.QueryEscape(pp.Region)}, nil
}

// collaborator is a verified organisation and what it delivered, per program in
// that program's unit.
type collaborator struct {
	Name    string
	Figures []collabFigure
	// Donor says the organisation gave goods to the task force that arrived in
	// good condition (issue 13): donors are listed by name, never their contacts.
	Donor bool
}

type collabFigure struct {
	ProgramID, Program, Unit string
	Delivered, Allocated     *int64
}

// collaborators reads, kept, every collaborator that took part in a public
// program, by name. A sensitive program's small counts are withheld here too.
func (s *Server) collaborators(ctx context.Context) ([]collaborator, error) {
	ans, err := s.public(ctx, "collaborators", func(ctx context.Context, _ time.Time) (any, error) {
		ps, err := s.publicPrograms(ctx)
		if err != nil {
			return nil, err
		}
		byOrg := map[string][]collabFigure{}
		for _, p := range ps {
			orgs, err := s.monitor.Orgs(ctx, monitor.Filter{Programs: []string{p.ID}})
			if err != nil {
				return nil, err
			}
			for id, f := range orgs {
				if f.Allocated == 0 && f.Delivered == 0 {
					continue
				}
				byOrg[id] = append(byOrg[id], collabFigure{ProgramID: p.ID, Program: p.Name, Unit: p.Item.Unit,
					Delivered: cut(f.Delivered, p.Sensitive), Allocated: cut(f.Allocated, p.Sensitive)})
			}
		}
		donors := map[string]bool{}
		if s.donations != nil {
			tf, err := s.donations.TaskForce(ctx)
			if err != nil {
				return nil, err
			}
			for _, id := range tf.DonorIDs {
				donors[id] = true
			}
		}
		ids := make([]string, 0, len(byOrg)+len(donors))
		for id := range byOrg {
			ids = append(ids, id)
		}
		for id := range donors {
			if _, ok := byOrg[id]; !ok {
				ids = append(ids, id)
			}
		}
		names, err := s.accounts.OrgNames(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make([]collaborator, 0, len(ids))
		for _, id := range ids {
			if name, ok := names[id]; ok {
				out = append(out, collaborator{Name: name, Figures: byOrg[id], Donor: donors[id]})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return ans.val.([]collaborator), nil
}

// cut withholds a sensitive program's count from 1 to program.SmallCount.
func cut(n int64, sensitive bool) *int64 {
	if sensitive && n >= 1 && n <= program.SmallCount {
		return nil
	}
	return &n
}

// forProgram keeps the collaborators of one program, with that program's figures.
func forProgram(all []collaborator, id string) []collaborator {
	var out []collaborator
	for _, c := range all {
		for _, f := range c.Figures {
			if f.ProgramID == id {
				out = append(out, collaborator{Name: c.Name, Figures: []collabFigure{f}})
			}
		}
	}
	return out
}

// baseURL is the address the public reaches this server at.
func (s *Server) baseURL(r *http.Request) string {
	if s.opt.BaseURL != nil {
		if u := s.opt.BaseURL(); u != "" {
			return strings.TrimRight(u, "/")
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// iframe is the code another site copies to embed a frame of ours.
func iframe(base, path string) string {
	return `<iframe src="` + html.EscapeString(base+path) + `" title="Gotong" width="100%" height="480" style="border:0" loading="lazy"></iframe>`
}

// front reads what the home page and the summary frame show: the summary and every
// public program's figures in the province.
func (s *Server) front(ctx context.Context) (summary, []publicProgramView, error) {
	sum, _, err := s.summary(ctx)
	if err != nil {
		return sum, nil, err
	}
	ps, err := s.publicPrograms(ctx)
	if err != nil {
		return sum, nil, err
	}
	views := make([]publicProgramView, 0, len(ps))
	for _, p := range ps {
		v, err := s.publicProgramView(ctx, p.ID, "")
		if err != nil {
			return sum, nil, err
		}
		views = append(views, v)
	}
	return sum, views, nil
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sum, views, err := s.front(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	collabs, err := s.collaborators(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prov, _ := s.regions.Get(s.opt.Province)
	// Only an aggregator's members are pointed to the pledges citizens gave it: to
	// any other organisation that page does not exist.
	aggregator := false
	if p := principal(r); p.Can(account.ReadPledges) && p.OrgID != "" {
		kind, _, err := s.accounts.OrgKind(ctx, s.db.R(), p.OrgID)
		aggregator = err == nil && kind == "aggregator"
	}
	s.render(w, r, "home", "Home", map[string]any{
		"Aggregator":     aggregator,
		"ProvinceName":   prov.Name,
		"Collaborators":  sum.Collaborators,
		"Programs":       sum.Programs,
		"TargetsReached": sum.TargetsReached,
		"AsOf":           sum.AsOf,
		"Regencies":      s.regions.Count(region.Regency, s.opt.Province),
		"Districts":      s.regions.Count(region.District, s.opt.Province),
		"Villages":       s.regions.Count(region.Village, s.opt.Province),
		"Public":         views,
		"Partners":       collabs,
		"TaskForce":      sum.TaskForce,
		"Embed":          iframe(s.baseURL(r), "/embed/summary"),
	})
}

func (s *Server) pagePublicProgram(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.publicProgramView(ctx, r.PathValue("id"), r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	collabs, err := s.collaborators(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "public_program", v.P.ProgramName, map[string]any{
		"View":     v,
		"Partners": forProgram(collabs, v.P.Program),
		"Embed":    iframe(s.baseURL(r), "/embed/programs/"+v.P.Program+"?region="+url.QueryEscape(v.P.Region)),
	})
}

// embedCSS is the frames' only style: other sites show them in an iframe, without
// our menu, Pico or htmx.
const embedCSS = `body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:10px;color:#1b1b1b;background:#fff}` +
	`h1{font-size:1.1em;margin:0 0 .4em}h2{font-size:1em;margin:.8em 0 .3em}` +
	`.f{display:flex;flex-wrap:wrap;gap:8px}.f div{border:1px solid #ddd;border-radius:6px;padding:6px 10px}` +
	`.f b{display:block;font-size:1.3em}table{border-collapse:collapse;width:100%}` +
	`td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}.n{text-align:right}` +
	`progress{width:100%}small{color:#555}a{color:#0b5cad}` +
	// A table wider than a phone's frame scrolls inside its .w, not the frame.
	`.w{overflow-x:auto}table{font-size:.93em}`

// embedCSP is the frames' policy: the rest of Gotong refuses to be framed
// (securityHeaders), these pages may be framed by any site.
var embedCSP = "default-src 'self'; img-src 'self' data:; style-src " + cspHash(embedCSS) +
	"; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors *"

// embedPage is what the frame template receives.
type embedPage struct {
	CSS      template.CSS
	Province string
	Summary  *summary
	Programs []publicProgramView
	Program  *publicProgramView
	AsOf     time.Time
}

func (s *Server) pageEmbedSummary(w http.ResponseWriter, r *http.Request) {
	sum, views, err := s.front(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prov, _ := s.regions.Get(s.opt.Province)
	s.renderEmbed(w, r, embedPage{Province: prov.Name, Summary: &sum, Programs: views, AsOf: sum.AsOf})
}

func (s *Server) pageEmbedProgram(w http.ResponseWriter, r *http.Request) {
	v, err := s.publicProgramView(r.Context(), r.PathValue("id"), r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prov, _ := s.regions.Get(s.opt.Province)
	s.renderEmbed(w, r, embedPage{Province: prov.Name, Program: &v, AsOf: v.P.AsOf})
}

// renderEmbed writes a frame: a page of its own with its own style, framable by any
// site, kept by proxies as briefly as the public answers it shows.
func (s *Server) renderEmbed(w http.ResponseWriter, r *http.Request, p embedPage) {
	p.CSS = template.CSS(embedCSS)
	buf, ok := s.renderAlone(w, r, "embed", "Gotong", p)
	if !ok {
		return
	}
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", embedCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(max(int(s.publicMaxAge()/time.Second), 0)))
	// The language is chosen by a cookie.
	h.Set("Vary", "Cookie")
	_, _ = buf.WriteTo(w)
}

// jsonFeed is a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Description string     `json:"description"`
	Language    string     `json:"language"`
	Items       []feedItem `json:"items"`
}

type feedItem struct {
	ID            string     `json:"id"`
	URL           string     `json:"url"`
	Title         string     `json:"title"`
	ContentText   string     `json:"content_text"`
	ContentHTML   string     `json:"content_html"`
	DatePublished *time.Time `json:"date_published,omitempty"`
	DateModified  time.Time  `json:"date_modified"`
	Tags          []string   `json:"tags,omitempty"`
}

// feed serves /feed.json: one item per public program with its figures in the
// province and per kota, in Indonesian, kept and cached like the public API.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	ans, err := s.public(r.Context(), "feed "+base, func(ctx context.Context, asOf time.Time) (any, error) {
		ps, err := s.publicPrograms(ctx)
		if err != nil {
			return nil, err
		}
		prov, _ := s.regions.Get(s.opt.Province)
		f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Language: "id",
			Title:       translate(langID, "Gotong: aid in %s", prov.Name),
			Description: translate(langID, "How far the aid of every public program has reached, per city and regency."),
			HomePageURL: base + "/", FeedURL: base + "/feed.json", Items: []feedItem{}}
		for _, p := range ps {
			pp, _, err := s.publicProgramFigures(ctx, p.ID, "")
			if err != nil {
				return nil, err
			}
			text, htm := feedContent(pp)
			item := feedItem{ID: base + "/public/programs/" + p.ID, URL: base + "/public/programs/" + p.ID, Title: p.Name,
				ContentText: text, ContentHTML: htm, DatePublished: p.PublishedAt, DateModified: asOf, Tags: []string{p.Category}}
			f.Items = append(f.Items, item)
		}
		return f, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.servePublic(w, r, ans, "application/feed+json; charset=utf-8")
}

// feedContent writes a program's figures for the feed: a sentence for the
// province and a line per kota.
func feedContent(pp publicProgram) (string, string) {
	v := view{Lang: langID}
	line := func(name string, needed, allocated, delivered *int64) string {
		return translate(langID, "%s: needed %s %s, allocated %s, delivered %s.", name, v.N(needed), pp.Unit, v.N(allocated), v.N(delivered))
	}
	var text, htm strings.Builder
	text.WriteString(line(pp.Name, pp.Needed, pp.Allocated, pp.Delivered))
	htm.WriteString("<p>" + html.EscapeString(line(pp.Name, pp.Needed, pp.Allocated, pp.Delivered)) + "</p>")
	if pp.CoveredShare != nil {
		share := translate(langID, "Needs fully covered: %s%%.", strconv.FormatFloat(*pp.CoveredShare*100, 'f', 0, 64))
		text.WriteString(" " + share)
		htm.WriteString("<p>" + html.EscapeString(share) + "</p>")
	}
	if len(pp.Children) > 0 {
		htm.WriteString("<ul>")
		for _, c := range pp.Children {
			l := line(c.Name, c.Needed, c.Allocated, c.Delivered)
			text.WriteString("\n" + l)
			htm.WriteString("<li>" + html.EscapeString(l) + "</li>")
		}
		htm.WriteString("</ul>")
	}
	if pp.Sensitive {
		note := translate(langID, "Counts under 5 are shown as <5.")
		text.WriteString("\n" + note)
		htm.WriteString("<p>" + html.EscapeString(note) + "</p>")
	}
	return text.String(), htm.String()
}
