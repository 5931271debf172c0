package allocate

import (
	"context"
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

// candidates reads the free needs a commitment may take, in the engine's order,
// leaving out the needs in skip.
func (s *Service) candidates(ctx context.Context, q store.Querier, c *Commitment, skip map[string]bool) ([]Candidate, error) {
	var where string
	var args []any
	if c.Region != "" {
		where = `n.region >= $2 AND n.region < $3`
		args = []any{c.PhaseID, c.Region, upper(c.Region)}
	} else {
		where = `n.target_id IN (SELECT target_id FROM commitment_targets WHERE commitment_id = $2)`
		args = []any{c.PhaseID, c.ID}
	}
	rows, err := q.QueryContext(ctx, `SELECT n.id, n.target_id, n.kind, n.region, n.quantity, n.allocated, n.priority
		FROM needs n WHERE n.phase_id = $1 AND `+where+` AND n.allocated < n.quantity AND n.state = 'open' AND `+notStacked+`
		ORDER BY n.priority DESC, n.since, n.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var k Candidate
		var prio int
		if err := rows.Scan(&k.NeedID, &k.TargetID, &k.Kind, &k.Region, &k.Quantity, &k.Allocated, &prio); err != nil {
			return nil, err
		}
		if skip[k.NeedID] {
			continue
		}
		k.Priority = prio > 0
		out = append(out, k)
	}
	return out, rows.Err()
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
	for want > 0 {
		cands, err := s.candidates(ctx, tx, c, skip)
		if err != nil {
			return nil, err
		}
		give := Plan(cands, want)
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
// to what this transaction now holds. Needs it could not lock go into skip.
func (s *Service) lock(ctx context.Context, tx *store.Tx, take []Candidate, units []int, skip map[string]bool) ([]Candidate, []int, error) {
	ids := make([]string, len(take))
	for i, k := range take {
		ids[i] = k.NeedID
	}
	rows, err := tx.QueryContext(ctx, `SELECT n.id FROM needs n JOIN targets t ON t.id = n.target_id
		WHERE n.id = ANY($1) FOR NO KEY UPDATE OF n, t SKIP LOCKED`, ids)
	if err != nil {
		return nil, nil, err
	}
	locked, err := store.Collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, nil, err
	}
	// The re-check is a statement of its own: under READ COMMITTED it reads a snapshot
	// taken after the locks were granted. Evaluated in the locking statement, the
	// stacking condition would read other programs' needs as of that statement's
	// start, and miss a claim on the same target that another committer locked, made
	// and committed in between.
	rows, err = tx.QueryContext(ctx, `SELECT n.id, n.quantity - n.allocated, n.state = 'open' AND `+notStacked+`
		FROM needs n WHERE n.id = ANY($1)`, locked)
	if err != nil {
		return nil, nil, err
	}
	free := map[string]int{}
	for rows.Next() {
		var id string
		var f int
		var ok bool
		if err := rows.Scan(&id, &f, &ok); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if !ok {
			f = 0
		}
		free[id] = f
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

// apply writes the allocations and adds their quantities to the needs, in batches.
// The need update is guarded (allocated + x <= quantity) and the schema's CHECK backs
// it; a batch that does not update every need it names is an error, never a silent
// partial claim.
func (s *Service) apply(ctx context.Context, tx *store.Tx, c *Commitment, take []Candidate, units []int, expires time.Time) ([]allocRow, error) {
	now := s.Now()
	var rows []allocRow
	for i, k := range take {
		rows = append(rows, allocRow{id: newID(), needID: k.NeedID, targetID: k.TargetID, region: k.Region, quantity: units[i]})
	}
	const batch = 400
	for lo := 0; lo < len(rows); lo += batch {
		part := rows[lo:min(lo+batch, len(rows))]
		var ins strings.Builder
		var upd strings.Builder
		args := make([]any, 0, len(part)*10)
		uargs := make([]any, 0, len(part)*2)
		ins.WriteString(`INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region, quantity, status, expires_at, created_at, updated_at) VALUES `)
		for j, r := range part {
			if j > 0 {
				ins.WriteString(",")
				upd.WriteString(",")
			}
			n := len(args)
			fmt.Fprintf(&ins, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,'reserved',$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			args = append(args, r.id, c.ID, c.OrgID, r.needID, r.targetID, r.region, r.quantity, expires, now, now)
			m := len(uargs)
			if tx.Engine == store.Postgres {
				fmt.Fprintf(&upd, "($%d::text,$%d::int)", m+1, m+2)
			} else {
				fmt.Fprintf(&upd, "($%d,$%d)", m+1, m+2)
			}
			uargs = append(uargs, r.needID, r.quantity)
		}
		if _, err := tx.ExecContext(ctx, placeholders(tx, ins.String()), args...); err != nil {
			return nil, err
		}
		var q string
		if tx.Engine == store.Postgres {
			q = `UPDATE needs SET allocated = needs.allocated + v.x FROM (VALUES ` + upd.String() + `) AS v(id, x)
				WHERE needs.id = v.id AND needs.allocated + v.x <= needs.quantity`
		} else {
			q = `UPDATE needs SET allocated = needs.allocated + v.column2 FROM (VALUES ` + upd.String() + `) AS v
				WHERE needs.id = v.column1 AND needs.allocated + v.column2 <= needs.quantity`
		}
		res, err := tx.ExecContext(ctx, placeholders(tx, q), uargs...)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || int(n) != len(part) {
			return nil, fmt.Errorf("claim: %d of %d needs updated (%v)", n, len(part), err)
		}
	}
	return rows, nil
}

// placeholders turns $N into ? on SQLite for long statements: modernc resolves $N
// names by scanning every argument, which is quadratic in a multi-row statement.
func placeholders(tx *store.Tx, q string) string {
	if tx.Engine == store.Postgres {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			for i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
				i++
			}
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
