package monitor

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/gotong/gotong/internal/store"
)

// uncounted turns CountClaim off: bench/counters_test.go measures a claim without
// any counting beside one with it, in one process. Nothing else sets it.
var uncounted atomic.Bool

// SetClaimCounting turns CountClaim on or off (benchmarks only: off leaves the
// counters wrong).
func SetClaimCounting(on bool) { uncounted.Store(!on) }

// Claimed is one need a claim took units of, as the claim counts it.
type Claimed struct {
	Region string // the need's kelurahan
	RW     int    // and RW
	Units  int    // units taken
	Full   bool   // the need is fully allocated now, and was not before
}

// CountClaim counts, in the claim's transaction, what a claim of
// programID's phaseID by orgID wrote: the units taken of each need, on the needs'
// RW rows (allocated, covered), and the allocations and units on the
// organisation's rows. It groups in Go and writes one row per RW and per kelurahan.
//
// Why the claim counts itself on SQLite, when triggers count everything else: a
// trigger of the pure-Go SQLite costs about 10 µs per need updated and 15 µs per
// allocation inserted (bench/counters_test.go, CPU time of 1,000-unit claims:
// 54 ms with the row triggers, 29 ms without), which nearly doubled a claim; and a
// trigger that does nothing still costs its call per row, since SQLite tests a
// trigger's WHEN inside the trigger's program. So on SQLite (migration 00019) the
// needs trigger does not fire on allocated alone, which only the claim writes (a
// release names state too, to be counted by it), and allocations have no insert
// trigger: only the claim inserts them. On PostgreSQL the per-statement triggers
// cost a single claim little (3%) but 12-56% of the throughput of 64 concurrent
// committers on two cores; there the claim sets gotong.counting = 'claim' for its
// statements, which the trigger functions read to return at once (migration 21),
// and this appends deltas instead of adding to counter rows. The property test
// and `gotong counters verify` hold both paths to a recount.
func CountClaim(ctx context.Context, tx *store.Tx, programID, phaseID, orgID string, needs []Claimed) error {
	if len(needs) == 0 || uncounted.Load() {
		return nil
	}
	type rwKey struct {
		region string
		rw     int
	}
	type sum struct{ n, units, full int64 }
	byRW := map[rwKey]*sum{}
	byRegion := map[string]*sum{}
	var rwOrder []rwKey
	var regionOrder []string
	for _, n := range needs {
		k := rwKey{n.Region, n.RW}
		r := byRW[k]
		if r == nil {
			r = &sum{}
			byRW[k] = r
			rwOrder = append(rwOrder, k)
		}
		g := byRegion[n.Region]
		if g == nil {
			g = &sum{}
			byRegion[n.Region] = g
			regionOrder = append(regionOrder, n.Region)
		}
		r.units += int64(n.Units)
		g.n++
		g.units += int64(n.Units)
		if n.Full {
			r.full++
		}
	}
	// SQLite adds to the counter rows; PostgreSQL appends deltas, which claims at
	// once never wait on, for the fold. SQLite and PostgreSQL both name a VALUES
	// list's columns column1, column2 …; the values every row shares (program,
	// phase, organisation) follow each row's own.
	into := store.Choose(tx.Engine, "counter_deltas", "counters")
	upsert := func(sets string) string {
		return store.Choose(tx.Engine, "", ` ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET `+sets)
	}
	rows := make([][]any, 0, len(rwOrder))
	for _, k := range rwOrder {
		r := byRW[k]
		// Figures go as text and are cast in the statement: in a VALUES list
		// PostgreSQL types a parameter as text.
		rows = append(rows, []any{k.region, strconv.Itoa(k.rw), strconv.FormatInt(r.units, 10), strconv.FormatInt(r.full, 10)})
	}
	if _, err := tx.Insert(ctx, `INSERT INTO `+into+` (region, rw, allocated, covered, program_id, phase_id, org_id, day)
		SELECT column1, CAST(column2 AS INTEGER), CAST(column3 AS INTEGER), CAST(column4 AS INTEGER), column5, column6, '', ''
		FROM (VALUES `, `) AS v WHERE 1 = 1`+upsert(`allocated = counters.allocated + excluded.allocated, covered = counters.covered + excluded.covered`),
		rows, programID, phaseID); err != nil {
		return err
	}
	rows = rows[:0]
	for _, code := range regionOrder {
		g := byRegion[code]
		rows = append(rows, []any{code, strconv.FormatInt(g.n, 10), strconv.FormatInt(g.units, 10)})
	}
	_, err := tx.Insert(ctx, `INSERT INTO `+into+` (region, needs, allocated, program_id, phase_id, org_id, rw, day)
		SELECT column1, CAST(column2 AS INTEGER), CAST(column3 AS INTEGER), column4, column5, column6, -1, ''
		FROM (VALUES `, `) AS v WHERE 1 = 1`+upsert(`needs = counters.needs + excluded.needs, allocated = counters.allocated + excluded.allocated`),
		rows, programID, phaseID, orgID)
	return err
}
