package allocate

// The claim on PostgreSQL. Committers run side by side on several writer
// connections, so a plan read before the claim's writes may already be taken: the
// claim locks what it planned with SKIP LOCKED, re-checks it under the lock, takes
// what it now holds and plans again around the rest (claim in claim.go). Rows go
// to the server as arrays, one statement each (unnest), and the first page of every
// village's free needs comes in one statement (a lateral join).

import (
	"context"
	"fmt"
	"time"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/store"
)

type postgresClaim struct{}

// candidateCols: the waiting time is written out with a fixed width, in UTC, so
// that it sorts as the database sorts it (see claimer).
func (postgresClaim) candidateCols() string {
	return `n.id, n.target_id, n.kind, n.region, n.quantity, n.allocated, n.priority,
			to_char(n.since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 0, 0`
}

func (postgresClaim) exact() bool { return false }

// villagePages reads the first page of every village in one statement; later pages
// come through fetch.
func (postgresClaim) villagePages(ctx context.Context, s *Service, q store.Querier, _, phaseID string, villages []string, page int,
	byVillage map[string]*stream, fetch func(*stream) ([]Candidate, error)) (func(*stream) ([]Candidate, error), func(), error) {
	rows, err := s.readCandidates(ctx, q, `SELECT x.* FROM unnest($2::text[]) AS v(code) CROSS JOIN LATERAL (
			SELECT `+s.eng.candidateCols()+` FROM needs n WHERE n.phase_id = $1 AND n.region = v.code AND`+freeIndivisibleCond+
		candidateOrder+` LIMIT $3) x`, phaseID, villages, page)
	if err != nil {
		return nil, nil, err
	}
	got := map[string][]Candidate{}
	for _, k := range rows {
		got[k.Region] = append(got[k.Region], k)
	}
	for _, st := range byVillage {
		st.set(got[st.village])
	}
	return fetch, func() {}, nil
}

// lock takes the planned needs and their targets FOR NO KEY UPDATE SKIP LOCKED,
// re-reads their free quantity and stacking state under the lock, and trims the plan
// to what this transaction now holds. Needs it could not lock or use go into skip.
func (postgresClaim) lock(ctx context.Context, tx *store.Tx, take []Candidate, units []int, skip map[string]bool) ([]Candidate, []int, error) {
	ids := make([]string, len(take))
	for i, k := range take {
		ids[i] = k.NeedID
	}
	rows, err := tx.QueryContext(ctx, `SELECT n.id, CASE WHEN n.state = 'open' THEN n.quantity - n.allocated ELSE 0 END
		FROM needs n JOIN targets t ON t.id = n.target_id
		WHERE n.id = ANY($1) FOR NO KEY UPDATE OF n, t SKIP LOCKED`, ids)
	if err != nil {
		return nil, nil, err
	}
	free := map[string]int{}
	for rows.Next() {
		var id string
		var f int
		if err := rows.Scan(&id, &f); err != nil {
			rows.Close()
			return nil, nil, err
		}
		free[id] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// The stacking check runs as its own statement, after the locks: its snapshot
	// then includes every claim on these targets that committed before we got them
	// (the locking statement's snapshot was taken before it waited for none).
	rows, err = tx.QueryContext(ctx, `SELECT n.id FROM needs n WHERE n.id = ANY($1) AND NOT `+notStacked, ids)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, err
		}
		free[id] = 0
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var keptTake []Candidate
	var keptUnits []int
	for i, k := range take {
		f, locked := free[k.NeedID]
		if !locked {
			skip[k.NeedID] = true
			continue
		}
		u := min(units[i], f)
		if !k.Divisible() && u < k.Free() {
			u = 0 // an indivisible need changed under us: leave it
		}
		if u <= 0 {
			skip[k.NeedID] = true
			continue
		}
		keptTake = append(keptTake, k)
		keptUnits = append(keptUnits, u)
	}
	return keptTake, keptUnits, nil
}

func (postgresClaim) apply(ctx context.Context, tx *store.Tx, c *Commitment, _ []Candidate, rows []allocRow, expires, now time.Time) error {
	ids, needs, targets, regions := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	qty := make([]int64, len(rows))
	for i, r := range rows {
		ids[i], needs[i], targets[i], regions[i], qty[i] = r.id, r.needID, r.targetID, r.region, int64(r.quantity)
	}
	// Monitoring's counters: the claim counts its own writes (monitor.CountClaim
	// says why), and its statements tell the counter triggers so.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('gotong.counting', 'claim', true)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region, quantity, status, expires_at, created_at, updated_at)
		SELECT v.id, $1, $2, v.need, v.target, v.region, v.qty, 'reserved', $3, $4, $4
		FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::int[]) AS v(id, need, target, region, qty)`,
		c.ID, c.OrgID, expires, now, ids, needs, targets, regions, qty); err != nil {
		return err
	}
	// RETURNING gives each need's place and what it holds now: a need is newly
	// covered when it holds its quantity and did not before this claim's units.
	taken, err := tx.QueryContext(ctx, `UPDATE needs SET allocated = needs.allocated + v.qty
		FROM unnest($1::text[], $2::int[]) AS v(id, qty)
		WHERE needs.id = v.id AND needs.allocated + v.qty <= needs.quantity
		RETURNING needs.region, needs.rw, needs.state, needs.quantity, needs.allocated, v.qty`, needs, qty)
	if err != nil {
		return err
	}
	claimed, err := store.Collect(taken, func(r store.Scanner) (monitor.Claimed, error) {
		var k monitor.Claimed
		var state string
		var quantity, allocated int
		err := r.Scan(&k.Region, &k.RW, &state, &quantity, &allocated, &k.Units)
		k.Full = state != "void" && quantity > 0 && allocated >= quantity && allocated-k.Units < quantity
		return k, err
	})
	if err != nil {
		return err
	}
	if len(claimed) != len(rows) {
		return fmt.Errorf("claim: %d of %d needs updated", len(claimed), len(rows))
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('gotong.counting', '', true)`); err != nil {
		return err
	}
	return monitor.CountClaim(ctx, tx, c.ProgramID, c.PhaseID, c.OrgID, claimed)
}
