package web

import (
	"context"
	_ "embed"
	"net/http"
	"sync"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/program"
)

// summary is the public summary of API.md: counts only, no personal data.
type summary struct {
	Collaborators  int             `json:"collaborators"`
	Programs       int             `json:"programs"`
	Delivered      int64           `json:"delivered"`
	TargetsReached int64           `json:"targets_reached"`
	Regions        []regionSummary `json:"regions"`
	// AsOf is when the programs' figures were summed; they are kept for
	// Options.SummaryMaxAge. Collaborators are counted for every request.
	AsOf time.Time `json:"as_of"`
	// Needed and Allocated are the province's totals, for the home page.
	Needed    int64 `json:"-"`
	Allocated int64 `json:"-"`
}

type regionSummary struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Needed    int64  `json:"needed"`
	Allocated int64  `json:"allocated"`
	Delivered int64  `json:"delivered"`
}

// summaryCache keeps the last sums of the programs' needs. Summing every need of
// every public program takes seconds on a registry of millions, and anyone may ask:
// one request sums, the ones arriving meanwhile wait for its answer, and the answer
// serves everyone until it is older than the maximum age. The count of
// collaborators is one indexed count and is always fresh.
type summaryCache struct {
	mu       sync.Mutex
	progress program.Progress
	asOf     time.Time
	ok       bool
}

const defaultSummaryMaxAge = 30 * time.Second

// progress returns the programs' sums, summed at most SummaryMaxAge ago, and when.
func (s *Server) progress(ctx context.Context) (program.Progress, time.Time, error) {
	c := &s.summaryCache
	c.mu.Lock()
	defer c.mu.Unlock()
	maxAge := s.opt.SummaryMaxAge
	if maxAge == 0 {
		maxAge = defaultSummaryMaxAge
	}
	if c.ok && maxAge > 0 && time.Since(c.asOf) < maxAge {
		return c.progress, c.asOf, nil
	}
	// The sum serves the requests waiting behind this one too: one leaving early
	// does not cancel it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	asOf := time.Now().UTC()
	p, err := s.programs.Progress(ctx)
	if err != nil {
		return p, asOf, err
	}
	c.progress, c.asOf, c.ok = p, asOf, true
	return p, asOf, nil
}

func (s *Server) summary(ctx context.Context) (summary, error) {
	n, err := s.accounts.CountOrgs(ctx, account.OrgVerified)
	if err != nil {
		return summary{}, err
	}
	p, asOf, err := s.progress(ctx)
	if err != nil {
		return summary{}, err
	}
	reached, err := s.monitor.TargetsReached(ctx)
	if err != nil {
		return summary{}, err
	}
	out := summary{Collaborators: n, Programs: p.Programs, Delivered: p.Delivered, TargetsReached: reached,
		Regions: make([]regionSummary, 0, len(p.Regions)), AsOf: asOf, Needed: p.Needed, Allocated: p.Allocated}
	for _, r := range p.Regions {
		out.Regions = append(out.Regions, regionSummary{Code: r.Code, Name: r.Name, Needed: r.Needed, Allocated: r.Allocated, Delivered: r.Delivered})
	}
	return out, nil
}

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPIDoc)
}

func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	sum, err := s.summary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
