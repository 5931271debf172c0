package allocate

// The claim on SQLite. Every write transaction runs on the one writer connection,
// so the plan read inside it is exact: nothing is locked and nothing planned again
// (claim in claim.go). SQLite's planner would turn a join of needs with a list of
// ids into a scan of the whole table, so the writes are multi-row inserts, one
// update by row id for the needs taken whole and a prepared point update for each
// shared one; and the pages of free needs come from one prepared statement.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/store"
)

type sqliteClaim struct{}

// candidateCols: with the row id, which apply updates the need by; the waiting time
// is SQLite's own text, which it sorts by (see claimer).
func (sqliteClaim) candidateCols() string {
	return `n.id, n.target_id, n.kind, n.region, n.quantity, n.allocated, n.priority, CAST(n.since AS TEXT), n.rowid, n.rw`
}

func (sqliteClaim) exact() bool { return true }

func (sqliteClaim) lock(_ context.Context, _ *store.Tx, take []Candidate, units []int, _ map[string]bool) ([]Candidate, []int, error) {
	return take, units, nil
}

// villagePages prepares the page statement once and reads every page through it.
func (sqliteClaim) villagePages(ctx context.Context, _ *Service, q store.Querier, one, phaseID string, _ []string, _ int,
	_ map[string]*stream, fetch func(*stream) ([]Candidate, error)) (func(*stream) ([]Candidate, error), func(), error) {
	p, ok := q.(interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	})
	if !ok {
		return fetch, func() {}, nil
	}
	stmt, err := p.PrepareContext(ctx, one)
	if err != nil {
		return nil, nil, err
	}
	return func(st *stream) ([]Candidate, error) {
		rows, err := stmt.QueryContext(ctx, phaseID, st.village, st.page, st.read)
		if err != nil {
			return nil, err
		}
		return scanCandidates(rows)
	}, func() { stmt.Close() }, nil
}

func (sqliteClaim) apply(ctx context.Context, tx *store.Tx, c *Commitment, take []Candidate, rows []allocRow, expires, now time.Time) error {
	// Allocations go in batches of one statement, the values shared by every row
	// (commitment, organisation, times) bound once per statement.
	const batch = 500
	var full *sql.Stmt // the statement of a full batch, prepared once
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for lo := 0; lo < len(rows); lo += batch {
		part := rows[lo:min(lo+batch, len(rows))]
		args := make([]any, 0, 5+len(part)*5)
		args = append(args, c.ID, c.OrgID, expires, now, now)
		for _, r := range part {
			args = append(args, r.id, r.needID, r.targetID, r.region, r.quantity)
		}
		q := `INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region, quantity, status, expires_at, created_at, updated_at)
			SELECT column1, $1, $2, column2, column3, column4, column5, 'reserved', $3, $4, $5 FROM (VALUES ` +
			store.Values(tx.Engine, 6, len(part), 5) + `)`
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
			return err
		}
	}
	// A household or person is taken whole, in one statement over their row ids
	// (the candidates were read in this transaction, on the only writer); an RW's
	// or institution's share by a point update each.
	var whole []int64
	isWhole := make([]bool, len(rows))
	for i, r := range rows {
		if !take[i].Divisible() && r.quantity == take[i].Quantity && take[i].Allocated == 0 {
			whole, isWhole[i] = append(whole, take[i].rowid), true
		}
	}
	if len(whole) > 0 {
		ids, err := json.Marshal(whole)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE needs SET allocated = quantity
			WHERE rowid IN (SELECT value FROM json_each($1)) AND allocated = 0`, string(ids))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || int(n) != len(whole) {
			return fmt.Errorf("claim: %d of %d needs updated (%v)", n, len(whole), err)
		}
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE needs SET allocated = allocated + $1 WHERE rowid = $2 AND id = $3 AND allocated + $1 <= quantity`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for i, r := range rows {
		if isWhole[i] {
			continue
		}
		res, err := upd.ExecContext(ctx, r.quantity, take[i].rowid, r.needID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("claim: need %s not updated (%v)", r.needID, err)
		}
	}
	// Monitoring's counters: on SQLite the claim counts its own writes, in one
	// grouped statement, instead of a trigger per row (monitor.CountClaim says why).
	claimed := make([]monitor.Claimed, len(rows))
	for i, r := range rows {
		claimed[i] = monitor.Claimed{Region: take[i].Region, RW: take[i].rw, Units: r.quantity, Full: take[i].Allocated+r.quantity >= take[i].Quantity}
	}
	return monitor.CountClaim(ctx, tx, c.ProgramID, c.PhaseID, c.OrgID, claimed)
}
