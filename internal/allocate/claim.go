package allocate

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// notStacked is the SQL condition that need n may be served without breaking a
// stacking rule: its program is exempt (stack_group ”), or no other program of its
// group holds any quantity of the same target in an overlapping phase. "allocated <>
// 0" (never negative: a CHECK) is the predicate of PostgreSQL's needs_held_target,
// led by the target; "> 0" would also let the planner pick needs_held, led by the
// program, and read all of it per probe when its statistics say it is empty.
const notStacked = `(n.stack_group = '' OR NOT EXISTS (SELECT 1 FROM needs o
	WHERE o.target_id = n.target_id AND o.stack_group = n.stack_group AND o.program_id <> n.program_id
	  AND o.allocated <> 0 AND o.starts <= n.ends AND n.starts <= o.ends))`

// candidates reads the free needs a commitment may take, in the engine's order
// (priority first, then the longest waiting), leaving out the needs in skip and the
// targets in blocked. Indivisible needs (households, persons) are free only when
// nothing of them is allocated, so their fill rate is 0 and the planner takes them in
// this order: only the first limit of them are read (limit <= 0: all). Divisible
// needs (RWs, institutions: few) are always read in full.
func (s *Service) candidates(ctx context.Context, q store.Querier, c *Commitment, skip, blocked map[string]bool, limit int) (cands []Candidate, more bool, err error) {
	var where string
	var args []any
	if c.Region != "" {
		where = `n.region >= $2 AND n.region < $3`
		args = []any{c.PhaseID, c.Region, region.Upper(c.Region)}
	} else {
		where = `n.target_id IN (SELECT target_id FROM commitment_targets WHERE commitment_id = $2)`
		args = []any{c.PhaseID, c.ID}
	}
	// The conditions are spelled as the partial indexes needs_shared and
	// needs_free are (SQLite uses a partial index only then).
	div, err := s.readCandidates(ctx, q, `SELECT `+s.eng.candidateCols()+` FROM needs n WHERE n.phase_id = $1 AND `+where+`
		AND n.allocated < n.quantity AND n.state = 'open' AND n.kind IN ('rw','institution')`+candidateOrder, args...)
	if err != nil {
		return nil, false, err
	}
	// An indivisible need is free only while nothing of it is held: were it to grow
	// after it was served, the growth must not go to a second collaborator.
	var ind []Candidate
	if villages := s.areaVillages(c.Region); limit > 0 && len(villages) > 0 {
		ind, more, err = s.freeIndivisible(ctx, q, c.PhaseID, villages, limit)
	} else {
		q2 := `SELECT ` + s.eng.candidateCols() + ` FROM needs n WHERE n.phase_id = $1 AND ` + where + `
			AND n.allocated = 0 AND n.state = 'open' AND n.kind IN ('household','person')` + candidateOrder
		if limit > 0 {
			q2 += ` LIMIT ` + itoa(limit)
		}
		ind, err = s.readCandidates(ctx, q, q2, args...)
		more = limit > 0 && len(ind) == limit
	}
	if err != nil {
		return nil, false, err
	}
	// Merge the two ordered lists, dropping what may not be taken.
	keep := func(k Candidate) bool { return !skip[k.NeedID] && !blocked[k.TargetID] }
	for i, j := 0, 0; i < len(div) || j < len(ind); {
		var k Candidate
		if j >= len(ind) || i < len(div) && before(div[i], ind[j]) {
			k, i = div[i], i+1
		} else {
			k, j = ind[j], j+1
		}
		if keep(k) {
			cands = append(cands, k)
		}
	}
	return cands, more, nil
}

const candidateOrder = ` ORDER BY n.priority DESC, n.since, n.id`

// freeIndivisibleCond is a free household or person, spelled as needs_free is.
const freeIndivisibleCond = ` n.allocated = 0 AND n.state = 'open' AND n.kind IN ('household','person')`

// claimer is what the claim does differently per engine, each engine's version in
// its own file (claim_postgres.go, claim_sqlite.go, where the reasons are); New
// chooses one.
type claimer interface {
	// candidateCols are the columns readCandidates scans: on SQLite with the row
	// id, which apply updates the need by. The waiting time comes as text that
	// sorts as the database sorts it: SQLite keeps the timestamp as text and orders
	// by it, so its own text is the key (and parsing 10,000 timestamps was a fifth
	// of a claim's reading); PostgreSQL's is written out with a fixed width, in UTC.
	candidateCols() string
	// villagePages prepares freeIndivisible's reading of byVillage's streams: it may
	// read their first pages, and returns how a stream's next page is read (fetch,
	// or its own) and what to release when done.
	villagePages(ctx context.Context, s *Service, q store.Querier, one, phaseID string, villages []string, page int,
		byVillage map[string]*stream, fetch func(*stream) ([]Candidate, error)) (func(*stream) ([]Candidate, error), func(), error)
	// exact reports whether a plan read inside the write transaction is exactly
	// what the claim may take (SQLite's only writer). When it is not, lock trims
	// each plan to what the transaction could lock, the claim plans again around
	// the rest, and a commitment's phase gets another fill pass once it commits.
	exact() bool
	// lock trims a plan to what the transaction now holds, adding to skip what it
	// could not take.
	lock(ctx context.Context, tx *store.Tx, take []Candidate, units []int, skip map[string]bool) ([]Candidate, []int, error)
	// apply writes the allocations rows (one per planned candidate in take) and
	// adds their quantities to the needs (see Service.apply).
	apply(ctx context.Context, tx *store.Tx, c *Commitment, take []Candidate, rows []allocRow, expires, now time.Time) error
}

func (s *Service) readCandidates(ctx context.Context, q store.Querier, query string, args ...any) ([]Candidate, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanCandidates(rows)
}

func scanCandidates(rows *sql.Rows) ([]Candidate, error) {
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var k Candidate
		var prio int
		if err := rows.Scan(&k.NeedID, &k.TargetID, &k.Kind, &k.Region, &k.Quantity, &k.Allocated, &prio, &k.since, &k.rowid, &k.rw); err != nil {
			return nil, err
		}
		k.Priority = prio > 0
		out = append(out, k)
	}
	return out, rows.Err()
}

// maxMergedVillages bounds the villages freeIndivisible merges; a larger area (a
// whole province outside Jakarta) is read by one range scan and a sort instead.
const maxMergedVillages = 1000

// areaVillages returns the kelurahan of an area commitment's region, or nil when
// the commitment names targets or the area is too large to merge.
func (s *Service) areaVillages(code string) []string {
	if code == "" {
		return nil
	}
	vs := s.regions.Villages(code)
	if len(vs) > maxMergedVillages {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Code
	}
	return out
}

// freeIndivisible returns the first limit free households and persons of a phase
// in the villages, in the engine's order, and whether there may be more. Every
// village's free needs are read in that order straight from the needs_free index
// (the region is fixed, so no sort), a page at a time, and merged: the cost follows
// limit, not the size of the area. (One range scan over a kota's 170,000 free
// needs, sorted for the first 10,000, was most of a claim's time.) The first pages
// come in one statement on PostgreSQL (a lateral join over the villages) and from
// one prepared statement on SQLite.
func (s *Service) freeIndivisible(ctx context.Context, q store.Querier, phaseID string, villages []string, limit int) ([]Candidate, bool, error) {
	one := `SELECT ` + s.eng.candidateCols() + ` FROM needs n WHERE n.phase_id = $1 AND n.region = $2 AND` + freeIndivisibleCond +
		candidateOrder + ` LIMIT $3 OFFSET $4`
	page := limit/len(villages) + 16
	byVillage := map[string]*stream{}
	for _, v := range villages {
		byVillage[v] = &stream{village: v, page: page, full: true}
	}
	fetch := func(st *stream) ([]Candidate, error) { // the stream's next page
		return s.readCandidates(ctx, q, one, phaseID, st.village, st.page, st.read)
	}
	fetch, done, err := s.eng.villagePages(ctx, s, q, one, phaseID, villages, page, byVillage, fetch)
	if err != nil {
		return nil, false, err
	}
	defer done()
	next := func(st *stream) error {
		rows, err := fetch(st)
		if err == nil {
			st.set(rows)
		}
		return err
	}
	streams := make([]*stream, 0, len(villages))
	for _, v := range villages {
		streams = append(streams, byVillage[v])
	}
	out, err := mergeStreams(streams, limit, next)
	return out, len(out) == limit, err
}

// mergeStreams takes up to limit needs from the streams in the engine's order,
// reading a stream's next page (next) when its current one runs out. Each need comes
// out once: on PostgreSQL every page is its own statement, with its own snapshot, so
// a need released by another transaction between two pages moves the offsets and
// can show up again on the next page. (A plan that named one need twice made the
// claim's guarded update change it once: "3 of 4 needs updated".)
func mergeStreams(all []*stream, limit int, next func(*stream) error) ([]Candidate, error) {
	streams := make(mergeHeap, 0, len(all))
	for _, st := range all {
		if st.read == 0 && st.full { // not read yet
			if err := next(st); err != nil {
				return nil, err
			}
		}
		if len(st.rows) > 0 {
			streams = append(streams, st)
		}
	}
	heap.Init(&streams)
	var out []Candidate
	seen := map[string]bool{}
	for len(out) < limit && len(streams) > 0 {
		st := streams[0]
		if k := st.rows[st.pos]; !seen[k.NeedID] {
			seen[k.NeedID] = true
			out = append(out, k)
		}
		st.pos++
		if st.pos == len(st.rows) && st.full {
			st.page *= 2
			if err := next(st); err != nil {
				return nil, err
			}
		}
		if st.pos == len(st.rows) {
			heap.Pop(&streams)
		} else {
			heap.Fix(&streams, 0)
		}
	}
	return out, nil
}

// stream is one village's free needs, read a page at a time.
type stream struct {
	village   string
	rows      []Candidate
	pos, read int
	page      int
	full      bool // the last page was full: there may be more
}

// set makes rows the stream's current page.
func (st *stream) set(rows []Candidate) {
	st.rows, st.pos, st.read, st.full = rows, 0, st.read+len(rows), len(rows) == st.page
}

// mergeHeap orders streams by their next need.
type mergeHeap []*stream

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return before(h[i].rows[h[i].pos], h[j].rows[h[j].pos]) }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(*stream)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// before is the engine's order: priority first, then the longest waiting, then id.
func before(a, b Candidate) bool {
	if a.Priority != b.Priority {
		return a.Priority
	}
	if a.since != b.since {
		return a.since < b.since
	}
	return a.NeedID < b.NeedID
}

// blockedTargets returns the targets in c's reach that a stacking rule keeps from
// c's program in c's phase: another program of the same stack group holds some of
// them in an overlapping phase. One indexed read of the other programs' held needs
// replaces a probe per candidate; on PostgreSQL the claim checks again under lock.
func (s *Service) blockedTargets(ctx context.Context, q store.Querier, c *Commitment, p program.Program) (map[string]bool, error) {
	out := map[string]bool{}
	ph, ok := p.FindPhase(c.PhaseID)
	if p.StackExempt || !ok {
		return out, nil
	}
	var where string
	args := []any{p.ID, p.StackGroup, ph.End, ph.Start}
	if c.Region != "" {
		where = `o.region >= $5 AND o.region < $6`
		args = append(args, c.Region, region.Upper(c.Region))
	} else {
		where = `o.target_id IN (SELECT target_id FROM commitment_targets WHERE commitment_id = $5)`
		args = append(args, c.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT o.target_id FROM needs o
		WHERE o.program_id IN (SELECT id FROM programs WHERE id <> $1 AND stack_group = $2)
		  AND o.allocated > 0 AND o.stack_group = $2 AND o.starts <= $3 AND $4 <= o.ends AND `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out[t] = true
	}
	return out, rows.Err()
}

// plan reads the candidates and plans want units over them, reading further when
// the cut list of households did not suffice.
func (s *Service) plan(ctx context.Context, q store.Querier, c *Commitment, want int, skip, blocked map[string]bool) ([]Candidate, []int, error) {
	limit := want + 64
	for {
		cands, more, err := s.candidates(ctx, q, c, skip, blocked, limit)
		if err != nil {
			return nil, nil, err
		}
		give := Plan(cands, want)
		if more && sum(give) < want {
			limit *= 4 // households too large for what was left were passed over
			continue
		}
		return cands, give, nil
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// allocRow is an allocation being written.
type allocRow struct {
	id, needID, targetID, region string
	quantity                     int
}

// claim allocates up to want units of free needs to c and returns the allocations
// made. On SQLite the plan is read inside the write transaction, which is the only
// writer, so it is exact. On PostgreSQL the plan is read, then its needs and targets
// are locked with SKIP LOCKED, re-checked and taken; whatever another committer held
// is planned again around, until the plan is empty. Every round takes or skips at
// least one need, so the loop ends; a fixed bound (it was 4) left commitments waiting
// while free needs remained in their area whenever more committers than rounds
// planned the same longest-waiting needs.
func (s *Service) claim(ctx context.Context, tx *store.Tx, c *Commitment, p program.Program, want int) ([]allocRow, error) {
	var out []allocRow
	skip := map[string]bool{}
	expires := s.Now().Add(time.Duration(p.HoldHours) * time.Hour)
	blocked, err := s.blockedTargets(ctx, tx, c, p)
	if err != nil {
		return nil, err
	}
	for want > 0 {
		cands, give, err := s.plan(ctx, tx, c, want, skip, blocked)
		if err != nil {
			return nil, err
		}
		var take []Candidate
		var units []int
		for i, g := range give {
			if g > 0 {
				take = append(take, cands[i])
				units = append(units, g)
			}
		}
		if len(take) == 0 {
			break
		}
		if take, units, err = s.eng.lock(ctx, tx, take, units, skip); err != nil {
			return nil, err
		}
		rows, err := s.apply(ctx, tx, c, take, units, expires)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			want -= r.quantity
		}
		out = append(out, rows...)
		if s.eng.exact() {
			break
		}
	}
	return out, nil
}

// apply writes the allocations and adds their quantities to the needs. The need
// update is guarded (allocated + x <= quantity, or allocated = 0 for a need taken
// whole) and the schema's CHECK backs it; a need the update does not change is an
// error, never a silent partial claim.
//
// PostgreSQL gets each statement once, with the rows as arrays (unnest). SQLite gets
// multi-row inserts, one update by row id for the needs taken whole, and a prepared
// point update for each shared one: its planner would turn a join of needs with a
// list of ids into a scan of the whole table.
func (s *Service) apply(ctx context.Context, tx *store.Tx, c *Commitment, take []Candidate, units []int, expires time.Time) ([]allocRow, error) {
	now := s.Now()
	rows := make([]allocRow, len(take))
	for i, k := range take {
		rows[i] = allocRow{id: newOrderedID(), needID: k.NeedID, targetID: k.TargetID, region: k.Region, quantity: units[i]}
	}
	return rows, s.eng.apply(ctx, tx, c, take, rows, expires, now)
}

// claimed describes allocations just made.
type claimed struct {
	count  int
	units  int
	digest string
}

// digest is a SHA-256 over the allocations' (id, need, quantity) lines in id order,
// so the audit entry binds the exact set it announces and anyone can recompute it
// from the allocations table.
func digest(rows []allocRow) string {
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b allocRow) int { return strings.Compare(a.id, b.id) })
	h := sha256.New()
	for _, a := range sorted {
		h.Write([]byte(a.id + "|" + a.needID + "|" + itoa(a.quantity) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fill allocates up to want units to c and updates its counters (in tx).
func (s *Service) fill(ctx context.Context, tx *store.Tx, c *Commitment, p program.Program, want int) (claimed, error) {
	rows, err := s.claim(ctx, tx, c, p, want)
	if err != nil {
		return claimed{}, err
	}
	got := claimed{count: len(rows), digest: digest(rows)}
	for _, r := range rows {
		got.units += r.quantity
	}
	var waiting int
	if err := tx.QueryRowContext(ctx, `SELECT waiting FROM commitments WHERE id = $1`, c.ID).Scan(&waiting); err != nil {
		return got, err
	}
	var allocated, released int
	waiting -= got.units
	if err := tx.QueryRowContext(ctx, `UPDATE commitments SET allocated = allocated + $1, waiting = $2,
		status = CASE WHEN $2 = 0 THEN 'allocated' WHEN allocated + $1 > 0 THEN 'partial' ELSE 'waitlisted' END, updated_at = $3
		WHERE id = $4 RETURNING allocated, released, status`, got.units, waiting, s.Now(), c.ID).Scan(&allocated, &released, &c.Status); err != nil {
		return got, err
	}
	c.Allocated, c.Waitlisted, c.Released = allocated, waiting, released
	return got, nil
}
