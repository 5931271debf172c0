// Package monitor keeps the figures that the government dashboard, coverage, the
// public page and the exports show, and reads them. No reader here sums needs or
// allocations: every figure comes from the kept counters.
//
// # The counters
//
// One table, counters, holds per program × phase × kelurahan × RW the needs and
// units needed, allocated, dispatched, delivered, failed, overdue and confirmed,
// and the number of needs fully covered; beside them rows per organisation and
// kelurahan (what each collaborator holds, delivered, failed), per day and
// kelurahan (units delivered, WIB), and one row of the distinct targets reached.
// The migration (store/migrations/*/00017_counters.sql) lists the four kinds of
// row. A province of 267 kelurahan of 10–15 RWs is about 4,000 rows per program and
// phase, so the province's figures are a sum of a few thousand rows, not of a
// million needs.
//
// # Why triggers
//
// The counters are kept by triggers on needs, allocations and callback_items, in
// the transaction of the change. Every writer keeps them without knowing: the
// claim on both engines, releases, expiries, deliveries, failures, the registry's
// sync that voids, flags and resizes needs in bulk statements, call-backs, and any
// writer added later. A counter kept by Go code at each call site would be wrong
// the day one call site forgets; a trigger cannot be forgotten. `gotong counters
// verify` (Verify) recounts from the base tables with an independent statement of
// the same definitions and names the first difference.
//
// # Why two shapes, one per engine
//
// SQLite has one writer: a trigger adds to the counter row directly (an UPSERT on
// a small table whose pages stay in cache), and the figures are exact at every
// commit with nothing to fold. Its triggers are per row, the only kind SQLite has;
// the claim pays one small upsert per need it takes and per allocation it writes
// (measured in docs/PERFORMANCE.md).
//
// PostgreSQL runs claims at once. Were its triggers to add to counter rows, two
// claims in one RW would queue on that row until commit, and two claims touching
// rows in different orders could deadlock. So its triggers only append rows to
// counter_deltas — appends never wait on each other — and are per statement where
// the writes come in bulk: the claim's one UPDATE of 10,000 needs fires one trigger
// that groups its transition table into a few hundred delta rows. Fold moves the
// deltas into counters in one short statement, serialized by an advisory lock;
// readers add the deltas not yet folded, in the same statement, so they see the
// figures exactly as committed whether or not the fold has run.
package monitor

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Figures are kept counts: units unless named otherwise.
type Figures struct {
	Needs      int64 `json:"needs"`      // needs counted (not void, quantity above 0); organisation rows: allocations holding
	Covered    int64 `json:"covered"`    // needs fully allocated
	Needed     int64 `json:"needed"`     // units needed
	Allocated  int64 `json:"allocated"`  // units held by allocations (reserved, dispatched, delivered)
	Dispatched int64 `json:"dispatched"` // units on their way
	Delivered  int64 `json:"delivered"`  // units delivered
	Failed     int64 `json:"failed"`     // units whose delivery failed
	Overdue    int64 `json:"overdue"`    // units held past their commitment's deliver_by
	Confirmed  int64 `json:"confirmed"`  // allocations a call-back confirmed
	Checked    int64 `json:"checked"`    // allocations whose call-back was answered
	Reached    int64 `json:"reached"`    // needs with something delivered (households reached); organisation rows: allocations delivered
}

// CoveredShare is the share of needs fully allocated (0 without needs).
func (f Figures) CoveredShare() float64 {
	if f.Needs <= 0 {
		return 0
	}
	return float64(f.Covered) / float64(f.Needs)
}

// ConfirmationRate is the share of answered call-backs that confirmed the delivery
// (0 when none was answered).
func (f Figures) ConfirmationRate() float64 {
	if f.Checked <= 0 {
		return 0
	}
	return float64(f.Confirmed) / float64(f.Checked)
}

// Add adds g to f.
func (f *Figures) Add(g Figures) {
	f.Needs += g.Needs
	f.Covered += g.Covered
	f.Needed += g.Needed
	f.Allocated += g.Allocated
	f.Dispatched += g.Dispatched
	f.Delivered += g.Delivered
	f.Failed += g.Failed
	f.Overdue += g.Overdue
	f.Confirmed += g.Confirmed
	f.Checked += g.Checked
	f.Reached += g.Reached
}

// columns are the counted columns, in Figures' order.
var columns = []string{"needs", "covered", "needed", "allocated", "dispatched", "delivered", "failed", "overdue", "confirmed", "checked", "reached"}

func (f *Figures) dest() []any {
	return []any{&f.Needs, &f.Covered, &f.Needed, &f.Allocated, &f.Dispatched, &f.Delivered, &f.Failed, &f.Overdue, &f.Confirmed, &f.Checked, &f.Reached}
}

// sums is "SUM(needs), SUM(covered), …".
func sums() string {
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = "COALESCE(SUM(" + c + "), 0)"
	}
	return strings.Join(parts, ", ")
}

// Filter selects counters: of some programs (nil: every program), inside a region
// (a code prefix; "" is everywhere), in one phase (by id) or all when Phase is "".
type Filter struct {
	Programs []string
	Region   string
	Phase    string
}

// Service reads the kept counters.
type Service struct {
	db *store.DB
	// source is the counters as committed: the table, and on PostgreSQL the deltas
	// not folded yet.
	source string
	// deltas says whether the triggers append deltas to fold (PostgreSQL).
	deltas bool
}

// New returns the counters' reader and keeper.
func New(db *store.DB) *Service {
	cols := "program_id, phase_id, region, rw, org_id, day, " + strings.Join(columns, ", ")
	return &Service{db: db, source: store.Choose(db.Engine,
		"(SELECT "+cols+" FROM counters UNION ALL SELECT "+cols+" FROM counter_deltas) AS k",
		"counters AS k"), deltas: store.Choose(db.Engine, true, false)}
}

// where builds the conditions of f on rows of kind (rw >= 0 RW rows, rw = -1 and
// org_id <> ” organisation rows, day <> ” day rows), with its arguments.
func (f Filter) where(kind string) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds := []string{kind}
	if f.Region != "" {
		conds = append(conds, "region >= "+arg(f.Region), "region < "+arg(region.Upper(f.Region)))
	}
	if f.Programs != nil {
		if len(f.Programs) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			ids := make([]string, len(f.Programs))
			for i, id := range f.Programs {
				ids[i] = arg(id)
			}
			conds = append(conds, "program_id IN ("+strings.Join(ids, ", ")+")")
		}
	}
	if f.Phase != "" {
		conds = append(conds, "phase_id = "+arg(f.Phase))
	}
	return strings.Join(conds, " AND "), args
}

const (
	rwRows  = "rw >= 0 AND program_id <> ''"
	orgRows = "rw = -1 AND org_id <> ''"
	dayRows = "rw = -1 AND day <> ''"
)

// ByRegion sums the figures f selects per region code prefix of by characters
// (0: one sum under ""). A prefix without counters is absent.
func (s *Service) ByRegion(ctx context.Context, f Filter, by int) (map[string]Figures, error) {
	figs, _, err := s.Drill(ctx, f, by)
	return figs, err
}

// ByRW sums the figures f selects per RW; f.Region is one kelurahan.
func (s *Service) ByRW(ctx context.Context, f Filter) (map[int]Figures, error) {
	cond, args := f.where(rwRows)
	out := map[int]Figures{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var rw int
		var g Figures
		if err := r.Scan(append([]any{&rw}, g.dest()...)...); err != nil {
			return err
		}
		out[rw] = g
		return nil
	}, `SELECT rw, `+sums()+` FROM `+s.source+` WHERE `+cond+` GROUP BY rw`, args...)
	return out, err
}

// RWShare counts RWs: those with needs, and those whose every need is fully
// allocated ("27 of 58 RWs fully covered").
type RWShare struct {
	Full int64 `json:"full"`
	All  int64 `json:"all"`
}

// Share is Full / All (0 without RWs).
func (r RWShare) Share() float64 {
	if r.All <= 0 {
		return 0
	}
	return float64(r.Full) / float64(r.All)
}

// Orgs sums the organisation rows f selects per organisation: what each holds
// (Needs: allocations, Allocated: units), dispatched, delivered, failed, overdue,
// and its call-backs. It adds up in Go: SQLite's GROUP BY costs about 3 µs a row,
// and a province's 3W has 160,000 organisation rows.
func (s *Service) Orgs(ctx context.Context, f Filter) (map[string]Figures, error) {
	cond, args := f.where(orgRows)
	out := map[string]Figures{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var org string
		var g Figures
		if err := r.Scan(append([]any{&org}, g.dest()...)...); err != nil {
			return err
		}
		sum := out[org]
		sum.Add(g)
		out[org] = sum
		return nil
	}, `SELECT org_id, `+strings.Join(columns, ", ")+` FROM `+s.source+` WHERE `+cond, args...)
	return out, err
}

// OrgArea is one organisation's figures in one program and kelurahan (the 3W's
// row: who does what where).
type OrgArea struct {
	OrgID   string
	Program string
	Region  string // kelurahan
	Figures
}

// OrgAreas calls each for the organisation rows f selects, summed per
// organisation, program and kelurahan, ordered by program, kelurahan and
// organisation. The rows come in the counters' key order (program, kelurahan,
// phase …), so one kelurahan's organisations are added up in a small map and
// handed on before the next kelurahan's are read: no GROUP BY, memory bounded by
// the organisations of one kelurahan.
func (s *Service) OrgAreas(ctx context.Context, f Filter, each func(OrgArea) error) error {
	cond, args := f.where(orgRows)
	var prog, place string
	block := map[string]*Figures{}
	flush := func() error {
		for _, org := range slices.Sorted(maps.Keys(block)) {
			if err := each(OrgArea{OrgID: org, Program: prog, Region: place, Figures: *block[org]}); err != nil {
				return err
			}
		}
		clear(block)
		return nil
	}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var org, p, reg string
		var g Figures
		if err := r.Scan(append([]any{&org, &p, &reg}, g.dest()...)...); err != nil {
			return err
		}
		if p != prog || reg != place {
			if err := flush(); err != nil {
				return err
			}
			prog, place = p, reg
		}
		if sum := block[org]; sum != nil {
			sum.Add(g)
		} else {
			block[org] = &g
		}
		return nil
	}, `SELECT org_id, program_id, region, `+strings.Join(columns, ", ")+` FROM `+s.source+` WHERE `+cond+`
		ORDER BY program_id, region`, args...)
	if err != nil {
		return err
	}
	return flush()
}

// Day is the units delivered on one day (WIB).
type Day struct {
	Date      string `json:"date"`
	Delivered int64  `json:"delivered"`
}

// Daily lists the units delivered per day in what f selects, oldest first.
func (s *Service) Daily(ctx context.Context, f Filter) ([]Day, error) {
	cond, args := f.where(dayRows)
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Day, error) {
		var d Day
		err := r.Scan(&d.Date, &d.Delivered)
		return d, err
	}, `SELECT day, COALESCE(SUM(delivered), 0) FROM `+s.source+` WHERE `+cond+` GROUP BY day HAVING SUM(delivered) <> 0 ORDER BY day`, args...)
}

// TargetsReached is the number of distinct targets that received something, in
// any program.
func (s *Service) TargetsReached(ctx context.Context) (int64, error) {
	var n int64
	err := store.One(ctx, s.db.R(), `SELECT COALESCE(SUM(reached), 0) FROM `+s.source+` WHERE program_id = '' AND rw = -1`).Scan(&n)
	return n, err
}

// Drill is one answer of the drill-down: the figures f selects per child region
// (code prefix of by characters) and, per child, its RWs fully covered, over f's
// phases together. It reads each counter row once and adds up in Go, which on
// SQLite costs half of two grouped statements.
func (s *Service) Drill(ctx context.Context, f Filter, by int) (map[string]Figures, map[string]RWShare, error) {
	cond, args := f.where(rwRows)
	type rwKey struct {
		region string
		rw     int
	}
	rws := map[rwKey]*Figures{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var k rwKey
		var g Figures
		if err := r.Scan(append([]any{&k.region, &k.rw}, g.dest()...)...); err != nil {
			return err
		}
		if p := rws[k]; p != nil {
			p.Add(g)
		} else {
			rws[k] = &g
		}
		return nil
	}, `SELECT region, rw, `+strings.Join(columns, ", ")+` FROM `+s.source+` WHERE `+cond, args...)
	if err != nil {
		return nil, nil, err
	}
	figs, shares := map[string]Figures{}, map[string]RWShare{}
	for k, g := range rws {
		code := k.region[:min(max(by, 0), len(k.region))]
		sum := figs[code]
		sum.Add(*g)
		figs[code] = sum
		if g.Needs > 0 {
			sh := shares[code]
			sh.All++
			if g.Covered >= g.Needs {
				sh.Full++
			}
			shares[code] = sh
		}
	}
	return figs, shares, nil
}
