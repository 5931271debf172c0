package allocate

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// notStacked is the SQL condition that need n may be served without breaking a
// stacking rule: its program is exempt (stack_group ”), or no other program of its
// group holds any quantity of the same target in an overlapping phase.
const notStacked = `(n.stack_group = '' OR NOT EXISTS (SELECT 1 FROM needs o
	WHERE o.target_id = n.target_id AND o.stack_group = n.stack_group AND o.program_id <> n.program_id
	  AND o.allocated > 0 AND o.starts <= n.ends AND n.starts <= o.ends))`

// upper returns the smallest string above every region code that starts with code:
// codes hold digits and dots, and '~' sorts after both.
func upper(code string) string { return code + "~" }

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
		args = []any{c.PhaseID, c.Region, upper(c.Region)}
	} else {
		where = `n.target_id IN (SELECT target_id FROM commitment_targets WHERE commitment_id = $2)`
		args = []any{c.PhaseID, c.ID}
	}
	base := `SELECT n.id, n.target_id, n.kind, n.region, n.quantity, n.allocated, n.priority, n.since
		FROM needs n WHERE n.phase_id = $1 AND ` + where + ` AND n.allocated < n.quantity AND n.state = 'open'`
	read := func(q2 string, args ...any) ([]Candidate, error) {
		rows, err := q.QueryContext(ctx, q2, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Candidate
		for rows.Next() {
			var k Candidate
			var prio int
			if err := rows.Scan(&k.NeedID, &k.TargetID, &k.Kind, &k.Region, &k.Quantity, &k.Allocated, &prio, &k.since); err != nil {
				return nil, err
			}
			k.Priority = prio > 0
			out = append(out, k)
		}
		return out, rows.Err()
	}
	order := ` ORDER BY n.priority DESC, n.since, n.id`
	div, err := read(base+` AND n.kind IN ('rw','institution')`+order, args...)
	if err != nil {
		return nil, false, err
	}
	// An indivisible need is free only while nothing of it is held: were it to grow
	// after it was served, the growth must not go to a second collaborator.
	q2 := base + ` AND n.kind IN ('household','person') AND n.allocated = 0` + order
	if limit > 0 {
		q2 += ` LIMIT ` + itoa(limit)
	}
	ind, err := read(q2, args...)
	if err != nil {
		return nil, false, err
	}
	more = limit > 0 && len(ind) == limit
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

// before is the engine's order: priority first, then the longest waiting, then id.
func before(a, b Candidate) bool {
	if a.Priority != b.Priority {
		return a.Priority
	}
	if !a.since.Equal(b.since) {
		return a.since.Before(b.since)
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
		args = append(args, c.Region, upper(c.Region))
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
		if tx.Engine == store.Postgres {
			if take, units, err = s.lock(ctx, tx, take, units, skip); err != nil {
				return nil, err
			}
		}
		rows, err := s.apply(ctx, tx, c, take, units, expires)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			want -= r.quantity
		}
		out = append(out, rows...)
		if tx.Engine != store.Postgres {
			break // the plan was exact
		}
	}
	return out, nil
}

// lock takes the planned needs and their targets FOR NO KEY UPDATE SKIP LOCKED,
// re-reads their free quantity and stacking state under the lock, and trims the plan
// to what this transaction now holds. Needs it could not lock or use go into skip.
func (s *Service) lock(ctx context.Context, tx *store.Tx, take []Candidate, units []int, skip map[string]bool) ([]Candidate, []int, error) {
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

// apply writes the allocations and adds their quantities to the needs. The need
// update is guarded (allocated + x <= quantity) and the schema's CHECK backs it; a
// need the update does not change is an error, never a silent partial claim.
//
// PostgreSQL gets each statement once, with the rows as arrays (unnest); SQLite gets
// multi-row inserts and a prepared point update per need, which its planner cannot
// turn into a scan of the whole needs table.
func (s *Service) apply(ctx context.Context, tx *store.Tx, c *Commitment, take []Candidate, units []int, expires time.Time) ([]allocRow, error) {
	now := s.Now()
	rows := make([]allocRow, len(take))
	for i, k := range take {
		rows[i] = allocRow{id: newOrderedID(), needID: k.NeedID, targetID: k.TargetID, region: k.Region, quantity: units[i]}
	}
	if tx.Engine == store.Postgres {
		return rows, s.applyPostgres(ctx, tx, c, rows, expires, now)
	}
	const batch = 400
	var full *sql.Stmt // the statement of a full batch, prepared once
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for lo := 0; lo < len(rows); lo += batch {
		part := rows[lo:min(lo+batch, len(rows))]
		args := make([]any, 0, len(part)*10)
		for _, r := range part {
			args = append(args, r.id, c.ID, c.OrgID, r.needID, r.targetID, r.region, r.quantity, expires, now, now)
		}
		q := `INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region, quantity, status, expires_at, created_at, updated_at) VALUES ` +
			strings.Repeat("(?,?,?,?,?,?,?,'reserved',?,?,?),", len(part)-1) + "(?,?,?,?,?,?,?,'reserved',?,?,?)"
		var err error
		switch {
		case len(part) < batch:
			_, err = tx.ExecContext(ctx, q, args...)
		case full == nil:
			if full, err = tx.PrepareContext(ctx, q); err == nil {
				_, err = full.ExecContext(ctx, args...)
			}
		default:
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return nil, err
		}
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE needs SET allocated = allocated + ? WHERE id = ? AND allocated + ? <= quantity`)
	if err != nil {
		return nil, err
	}
	defer upd.Close()
	for _, r := range rows {
		res, err := upd.ExecContext(ctx, r.quantity, r.needID, r.quantity)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, fmt.Errorf("claim: need %s not updated (%v)", r.needID, err)
		}
	}
	return rows, nil
}

func (s *Service) applyPostgres(ctx context.Context, tx *store.Tx, c *Commitment, rows []allocRow, expires, now time.Time) error {
	ids, needs, targets, regions := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	qty := make([]int64, len(rows))
	for i, r := range rows {
		ids[i], needs[i], targets[i], regions[i], qty[i] = r.id, r.needID, r.targetID, r.region, int64(r.quantity)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region, quantity, status, expires_at, created_at, updated_at)
		SELECT v.id, $1, $2, v.need, v.target, v.region, v.qty, 'reserved', $3, $4, $4
		FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::int[]) AS v(id, need, target, region, qty)`,
		c.ID, c.OrgID, expires, now, ids, needs, targets, regions, qty); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE needs SET allocated = needs.allocated + v.qty
		FROM unnest($1::text[], $2::int[]) AS v(id, qty)
		WHERE needs.id = v.id AND needs.allocated + v.qty <= needs.quantity`, needs, qty)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || int(n) != len(rows) {
		return fmt.Errorf("claim: %d of %d needs updated (%v)", n, len(rows), err)
	}
	return nil
}
