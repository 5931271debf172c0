package monitor

import (
	"context"
	"sync/atomic"

	"github.com/gotong/gotong/internal/store"
)

// uncounted turns CountClaim off: bench/counters_test.go measures a claim without
// any counting beside one with it, in one process. Nothing else sets it.
var uncounted atomic.Bool

// SetClaimCounting turns CountClaim on or off (benchmarks only: off leaves the
// counters wrong).
func SetClaimCounting(on bool) { uncounted.Store(!on) }

// Claimed is one need a claim took units of, as the claim counts it on SQLite.
type Claimed struct {
	Region string // the need's kelurahan
	RW     int    // and RW
	Units  int    // units taken
	Full   bool   // the need is fully allocated now, and was not before
}

// CountClaim counts, in the claim's transaction on SQLite, what a claim of
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
// trigger: only the claim inserts them. PostgreSQL's per-statement triggers cost
// the claim nothing measurable and count it there; this is not called on
// PostgreSQL. The property test and `gotong counters verify` hold both paths to a
// recount.
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
	rows := make([][]any, 0, len(rwOrder))
	for _, k := range rwOrder {
		r := byRW[k]
		rows = append(rows, []any{k.region, k.rw, r.units, r.full})
	}
	// SQLite names a VALUES list's columns column1, column2 …; the values every
	// row shares (program, phase, organisation) follow each row's own.
	if _, err := tx.Insert(ctx, `INSERT INTO counters (region, rw, allocated, covered, program_id, phase_id, org_id, day)
		SELECT column1, column2, column3, column4, column5, column6, '', '' FROM (VALUES `, `) WHERE 1 = 1
		ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET
			allocated = counters.allocated + excluded.allocated, covered = counters.covered + excluded.covered`,
		rows, programID, phaseID); err != nil {
		return err
	}
	rows = rows[:0]
	for _, code := range regionOrder {
		g := byRegion[code]
		rows = append(rows, []any{code, g.n, g.units})
	}
	_, err := tx.Insert(ctx, `INSERT INTO counters (region, needs, allocated, program_id, phase_id, org_id, rw, day)
		SELECT column1, column2, column3, column4, column5, column6, -1, '' FROM (VALUES `, `) WHERE 1 = 1
		ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET
			needs = counters.needs + excluded.needs, allocated = counters.allocated + excluded.allocated`,
		rows, programID, phaseID, orgID)
	return err
}
