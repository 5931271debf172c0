package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// summary is the public summary of API.md: counts only, no personal data.
// Delivered adds the units of every program, whatever they are (the contract's
// field); the pages never show it, only each program's figures in its own unit.
type summary struct {
	Collaborators  int             `json:"collaborators"`
	Programs       int             `json:"programs"`
	Delivered      int64           `json:"delivered"`
	TargetsReached int64           `json:"targets_reached"`
	Regions        []regionSummary `json:"regions"`
	// TaskForce counts the donors of goods to the task force (organisations
	// with good units received) and the good units received per item (issue 13).
	TaskForce donate.TaskForce `json:"task_force"`
	// AsOf is when the figures were read; they are kept for Options.SummaryMaxAge.
	AsOf time.Time `json:"as_of"`
}

type regionSummary struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Needed    int64  `json:"needed"`
	Allocated int64  `json:"allocated"`
	Delivered int64  `json:"delivered"`
}

// publicProgram is one public program's figures in a region (API.md's
// /api/v1/public/programs/ID). Counts of a sensitive program from 1 to
// program.SmallCount are null, and the row says withheld; its regions stop at
// kecamatan. Regions never go below kelurahan: a kelurahan has no children here.
type publicProgram struct {
	Program      string     `json:"program"`
	ProgramName  string     `json:"program_name"`
	Item         string     `json:"item"`
	Unit         string     `json:"unit"`
	Sensitive    bool       `json:"sensitive"`
	Status       string     `json:"status"`
	Region       string     `json:"region"`
	Name         string     `json:"name"`
	Needed       *int64     `json:"needed"`
	Allocated    *int64     `json:"allocated"`
	Delivered    *int64     `json:"delivered"`
	CoveredShare *float64   `json:"covered_share"`
	Withheld     bool       `json:"withheld,omitempty"`
	Children     []pubChild `json:"children"`
	AsOf         time.Time  `json:"as_of"`
	// Coverage is the same figures for the pages' coverage block.
	Coverage program.ShownCoverage `json:"-"`
}

type pubChild struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Needed    *int64 `json:"needed"`
	Allocated *int64 `json:"allocated"`
	Delivered *int64 `json:"delivered"`
	Withheld  bool   `json:"withheld,omitempty"`
}

func withheld(s program.Shown) bool {
	return s.Needed == nil || s.Allocated == nil || s.Delivered == nil
}

// publicAnswer is a public answer as it is kept: its value for the pages, its JSON
// body (and that body gzip'd when it is worth it) and its ETag for HTTP caches.
type publicAnswer struct {
	val  any
	body []byte
	gz   []byte
	etag string
	at   time.Time
}

// publicCache keeps the public answers. They are read from the kept counters, so
// reading is cheap, but anyone may ask, many at once: one request reads, the ones
// arriving meanwhile wait for its answer, and the answer serves everyone until it
// is older than SummaryMaxAge. Only answers found are kept, so the keys are bounded
// by the public programs × their regions.
type publicCache struct {
	mu      sync.Mutex
	entries map[string]*publicEntry
}

type publicEntry struct {
	mu sync.Mutex // held by the one request reading the figures
	// ans is the last answer: a crowd of requests reads it without a lock.
	ans atomic.Pointer[publicAnswer]
}

// fresh returns the entry's answer while it is younger than maxAge.
func (e *publicEntry) fresh(maxAge time.Duration) (publicAnswer, bool) {
	if a := e.ans.Load(); a != nil && maxAge > 0 && time.Since(a.at) < maxAge {
		return *a, true
	}
	return publicAnswer{}, false
}

const (
	defaultSummaryMaxAge = 5 * time.Second
	// staleFor is how long a proxy may serve a public answer past its age while it
	// asks again.
	staleFor = 30 * time.Second
	// gzipFrom is the smallest body worth compressing.
	gzipFrom = 1024
	// maxPublicEntries bounds the cache; past it, it starts afresh.
	maxPublicEntries = 10000
)

func (s *Server) publicMaxAge() time.Duration {
	if s.opt.SummaryMaxAge == 0 {
		return defaultSummaryMaxAge
	}
	return s.opt.SummaryMaxAge
}

// public returns the answer kept under key, read by build when it is missing or
// older than the maximum age.
func (s *Server) public(ctx context.Context, key string, build func(ctx context.Context, asOf time.Time) (any, error)) (publicAnswer, error) {
	c := &s.publicCache
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxPublicEntries {
		c.entries = map[string]*publicEntry{}
	}
	e := c.entries[key]
	if e == nil {
		e = &publicEntry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	maxAge := s.publicMaxAge()
	if a, ok := e.fresh(maxAge); ok {
		return a, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.fresh(maxAge); ok { // read by the request this one waited for
		return a, nil
	}
	// The read serves the requests waiting behind this one too: one leaving early
	// does not cancel it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	at := time.Now().UTC().Truncate(time.Millisecond)
	v, err := build(ctx, at)
	if err != nil {
		// An unknown program or region leaves no entry behind.
		c.mu.Lock()
		if e.ans.Load() == nil && c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
		return publicAnswer{}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		return publicAnswer{}, errs.Wrap(err, "encode a public answer")
	}
	sum := sha256.Sum256(buf.Bytes())
	ans := publicAnswer{val: v, body: buf.Bytes(), etag: hex.EncodeToString(sum[:16]), at: at}
	if len(ans.body) >= gzipFrom {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = zw.Write(ans.body)
		_ = zw.Close()
		ans.gz = z.Bytes()
	}
	e.ans.Store(&ans)
	return ans, nil
}

// servePublic answers with a kept public answer so that a CDN or proxy can carry
// it: a strong ETag per representation, a short public max-age with
// stale-while-revalidate, 304 for a matching If-None-Match, gzip when asked.
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request, ans publicAnswer, contentType string) {
	h := w.Header()
	age := max(int(s.publicMaxAge()/time.Second), 0)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(age)+", stale-while-revalidate="+strconv.Itoa(int(staleFor/time.Second)))
	h.Set("Last-Modified", ans.at.Format(http.TimeFormat))
	body, tag := ans.body, `"`+ans.etag+`"`
	if ans.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, tag = ans.gz, `"`+ans.etag+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", tag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, ans.etag) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// etagMatches compares an If-None-Match list with an answer's tag, weakly (RFC
// 9110 §13.1.2): either representation of the same figures matches.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == `"`+etag+`"` || t == `"`+etag+`-gz"` {
			return true
		}
	}
	return false
}

// summary reads the public summary, kept.
func (s *Server) summary(ctx context.Context) (summary, publicAnswer, error) {
	ans, err := s.public(ctx, "summary", func(ctx context.Context, asOf time.Time) (any, error) {
		n, err := s.accounts.CountOrgs(ctx, account.OrgVerified)
		if err != nil {
			return nil, err
		}
		p, err := s.programs.Progress(ctx)
		if err != nil {
			return nil, err
		}
		reached, err := s.monitor.TargetsReached(ctx)
		if err != nil {
			return nil, err
		}
		tf := donate.TaskForce{Items: []donate.TaskForceItem{}}
		if s.donations != nil {
			if tf, err = s.donations.TaskForce(ctx); err != nil {
				return nil, err
			}
		}
		out := summary{Collaborators: n, Programs: p.Programs, Delivered: p.Delivered, TargetsReached: reached,
			Regions: make([]regionSummary, 0, len(p.Regions)), TaskForce: tf, AsOf: asOf}
		for _, r := range p.Regions {
			out.Regions = append(out.Regions, regionSummary{Code: r.Code, Name: r.Name, Needed: r.Needed, Allocated: r.Allocated, Delivered: r.Delivered})
		}
		return out, nil
	})
	if err != nil {
		return summary{}, ans, err
	}
	return ans.val.(summary), ans, nil
}

// publicProgramFigures reads one public program's figures in a region, kept: the
// coverage of the program pages, cut as for anyone outside the offices (a sensitive
// program stops at kecamatan, small counts withheld; a request below kecamatan is
// refused as the program pages refuse it), with the share of needs covered from the
// kept counters. Drafts are not found.
func (s *Server) publicProgramFigures(ctx context.Context, id, code string) (publicProgram, publicAnswer, error) {
	if code == "" {
		code = s.opt.Province
	}
	c, err := region.Normalize(code)
	if err != nil || !s.regions.Within(c, s.opt.Province) {
		return publicProgram{}, publicAnswer{}, errs.E(errs.NotFound, "no such region")
	}
	ans, err := s.public(ctx, "program "+id+" "+c, func(ctx context.Context, asOf time.Time) (any, error) {
		p, err := s.programs.Get(ctx, id, false)
		if err != nil {
			return nil, err
		}
		cov, err := s.programs.Coverage(ctx, p, c, "")
		if err != nil {
			return nil, err
		}
		shown, err := cov.Show(p.Sensitive)
		if err != nil {
			return nil, err
		}
		figs, err := s.monitor.ByRegion(ctx, monitor.Filter{Programs: []string{p.ID}, Region: shown.Region}, 0)
		if err != nil {
			return nil, err
		}
		out := publicProgram{Program: p.ID, ProgramName: p.Name, Item: p.Item.Name, Unit: p.Item.Unit, Sensitive: p.Sensitive,
			Status: p.Status, Region: shown.Region, Name: shown.Name, Needed: shown.Needed, Allocated: shown.Allocated,
			Delivered: shown.Delivered, Withheld: withheld(shown.Shown), Children: make([]pubChild, 0, len(shown.Children)),
			AsOf: asOf, Coverage: shown}
		if f := figs[""]; !p.Sensitive || f.Needs == 0 || f.Needs > program.SmallCount {
			share := math.Round(f.CoveredShare()*10000) / 10000
			out.CoveredShare = &share
		}
		for _, ch := range shown.Children {
			out.Children = append(out.Children, pubChild{Code: ch.Code, Name: ch.Name, Needed: ch.Needed,
				Allocated: ch.Allocated, Delivered: ch.Delivered, Withheld: withheld(ch.Shown)})
		}
		return out, nil
	})
	if err != nil {
		return publicProgram{}, ans, err
	}
	return ans.val.(publicProgram), ans, nil
}

// publicPrograms lists the programs the public sees (published and closed), newest
// first.
func (s *Server) publicPrograms(ctx context.Context) ([]program.Program, error) {
	ps, _, err := s.programs.List(ctx, program.Filter{Limit: 500})
	return ps, err
}

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPIDoc)
}

const publicJSON = "application/json; charset=utf-8"

func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	_, ans, err := s.summary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.servePublic(w, r, ans, publicJSON)
}

func (s *Server) apiPublicProgram(w http.ResponseWriter, r *http.Request) {
	_, ans, err := s.publicProgramFigures(r.Context(), r.PathValue("id"), r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.servePublic(w, r, ans, publicJSON)
}
