package allocate

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// held is an allocation that still holds its quantity and may be given back.
type held struct {
	id, commitmentID, needID, orgID, chain, region string
	quantity                                       int
}

// release ends the allocations as status (failed, expired, cancelled) with reason,
// giving their quantities back to the needs and taking them off their commitments.
// Allocations that no longer hold anything are left alone, so a release is safe to
// repeat. It returns the allocations it ended.
//
// Rows are written in one order in every transaction — allocations, then needs,
// then commitments, each by id — and on PostgreSQL the callers lock the commitments
// first (Cancel, Fail) or skip what is locked (Expire), so two releases never wait
// on each other in a cycle.
func (s *Service) release(ctx context.Context, tx *store.Tx, rows []held, status, reason string) ([]held, error) {
	now := s.Now()
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b held) int { return strings.Compare(a.id, b.id) })
	var done []held
	needs := map[string]int{}
	commits := map[string]int{}
	for _, h := range rows {
		res, err := tx.ExecContext(ctx, `UPDATE allocations SET status = $1, reason = $2, ended_at = $3, updated_at = $3
			WHERE id = $4 AND status IN ('reserved','dispatched')`, status, reason, now, h.id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		needs[h.needID] += h.quantity
		commits[h.commitmentID] += h.quantity
		done = append(done, h)
	}
	for _, id := range slices.Sorted(maps.Keys(needs)) {
		if _, err := tx.ExecContext(ctx, `UPDATE needs SET allocated = allocated - $1 WHERE id = $2`, needs[id], id); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(commits)) {
		if _, err := tx.ExecContext(ctx, `UPDATE commitments SET allocated = allocated - $1, released = released + $1, updated_at = $2,
			status = CASE WHEN status = 'cancelled' THEN status WHEN waiting = 0 THEN 'allocated' WHEN allocated - $1 > 0 THEN 'partial' ELSE 'waitlisted' END
			WHERE id = $3`, commits[id], now, id); err != nil {
			return nil, err
		}
	}
	return done, nil
}

// recordRelease audits released allocations, one entry per commitment.
func (s *Service) recordRelease(ctx context.Context, tx *store.Tx, action string, done []held, reason string) error {
	by := map[string][]held{}
	var order []string
	for _, h := range done {
		if _, ok := by[h.commitmentID]; !ok {
			order = append(order, h.commitmentID)
		}
		by[h.commitmentID] = append(by[h.commitmentID], h)
	}
	for _, cid := range order {
		hs := by[cid]
		var ar []allocRow
		units := 0
		ids := []string{}
		for _, h := range hs {
			ar = append(ar, allocRow{id: h.id, needID: h.needID, quantity: h.quantity})
			units += h.quantity
			if len(ids) < 40 {
				ids = append(ids, h.id)
			}
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "commitment", ObjectID: cid,
			Region: hs[0].region, Chain: hs[0].chain, Detail: map[string]any{
				"allocations": len(hs), "units": units, "reason": reason, "ids": ids, "allocations_sha256": digest(ar)}}); err != nil {
			return err
		}
	}
	return nil
}

const heldCols = `a.id, a.commitment_id, a.need_id, a.org_id, c.chain, a.region, a.quantity`

func scanHeld(r interface{ Scan(...any) error }) (held, error) {
	var h held
	err := r.Scan(&h.id, &h.commitmentID, &h.needID, &h.orgID, &h.chain, &h.region, &h.quantity)
	return h, err
}

// Cancel cancels a commitment: its reserved allocations go back to the pool and
// nothing more waits. Allocations already dispatched stay (the aid is on its way).
func (s *Service) Cancel(ctx context.Context, who Who, id string) (Commitment, error) {
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Hold the commitment against a concurrent fill of its waiting list,
		// which would add allocations after we listed them.
		if err := lockCommitment(ctx, tx, id); err != nil {
			return err
		}
		c, err := s.get(ctx, tx, who, id)
		if err != nil {
			return err
		}
		if c.Status == StatusCancelled {
			return errs.E(errs.Conflict, "the commitment is already cancelled")
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+heldCols+` FROM allocations a JOIN commitments c ON c.id = a.commitment_id
			WHERE a.commitment_id = $1 AND a.status = 'reserved' ORDER BY a.id`, id)
		if err != nil {
			return err
		}
		hs, err := store.Collect(rows, scanHeld)
		if err != nil {
			return err
		}
		done, err := s.release(ctx, tx, hs, Cancelled, "commitment cancelled")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE commitments SET status = 'cancelled', waiting = 0, updated_at = $1 WHERE id = $2`, s.Now(), id); err != nil {
			return err
		}
		units := 0
		for _, h := range done {
			units += h.quantity
		}
		// Waiting commitments first: the fill takes the phase's fill lock before
		// any audit head, in every transaction (see fillWaiting).
		if err := s.refill(ctx, tx, done, c.chain); err != nil {
			return err
		}
		if err := s.flagCancelAfterReveal(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "commitment.cancel", ObjectType: "commitment", ObjectID: id,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{"allocations": len(done), "units": units, "waitlisted_dropped": c.Waitlisted,
				"allocations_sha256": digestHeld(done)}})
	})
	if err != nil {
		return Commitment{}, err
	}
	return s.Get(ctx, who, id)
}

// lockCommitment takes the commitment's row lock on PostgreSQL (SQLite's writer
// is already alone). Releases lock the commitment before its allocations.
func lockCommitment(ctx context.Context, tx *store.Tx, id string) error {
	return tx.Lock(ctx, `SELECT id FROM commitments WHERE id = $1 FOR UPDATE`, id)
}

func digestHeld(hs []held) string {
	var ar []allocRow
	for _, h := range hs {
		ar = append(ar, allocRow{id: h.id, needID: h.needID, quantity: h.quantity})
	}
	return digest(ar)
}

// Fail records that an allocation could not be delivered (the courier found no one,
// the address was wrong …): its quantity returns to the pool at once.
func (s *Service) Fail(ctx context.Context, who Who, allocationID, reason string) (Allocation, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return Allocation{}, errs.E(errs.Invalid, "give a reason of at most 500 characters")
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		h, err := s.heldFor(ctx, tx, who, allocationID)
		if err != nil {
			return err
		}
		if err := lockCommitment(ctx, tx, h.commitmentID); err != nil {
			return err
		}
		done, err := s.release(ctx, tx, []held{h}, Failed, reason)
		if err != nil {
			return err
		}
		if len(done) == 0 {
			return errs.E(errs.Conflict, "the allocation has already ended")
		}
		if err := s.refill(ctx, tx, done); err != nil {
			return err
		}
		return s.recordRelease(ctx, tx, "allocation.fail", done, reason)
	})
	if err != nil {
		return Allocation{}, err
	}
	return s.allocation(ctx, who, allocationID)
}

// heldFor reads an allocation of who's organisation (any, for an admin).
func (s *Service) heldFor(ctx context.Context, q store.Querier, who Who, id string) (held, error) {
	org, all := who.OrgScope()
	h, err := scanHeld(store.One(ctx, q, `SELECT `+heldCols+` FROM allocations a JOIN commitments c ON c.id = a.commitment_id
		WHERE a.id = $1 AND ($2 OR a.org_id = $3)`, id, all, org))
	return h, store.NotFound(err, "no such allocation")
}

// Dispatch marks reserved allocations as on their way: they no longer expire. The
// allocations are all updated before any audit entry is appended, and the audit
// heads are taken in one order, so that no lock on an audit head is held while
// waiting for an allocation.
func (s *Service) Dispatch(ctx context.Context, who Who, ids []string) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		n = 0
		var hs []held
		for _, id := range ids {
			h, err := s.heldFor(ctx, tx, who, id)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE allocations SET status = 'dispatched', updated_at = $1 WHERE id = $2 AND status = 'reserved'`, s.Now(), id)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			if k == 0 {
				return errs.E(errs.Conflict, "allocation %s is not reserved", id)
			}
			n++
			hs = append(hs, h)
		}
		chains := make([]string, len(hs))
		for i, h := range hs {
			chains[i] = h.chain
		}
		if err := audit.LockChains(ctx, tx, chains); err != nil {
			return err
		}
		for _, h := range hs {
			if err := audit.Record(ctx, tx, audit.Change{Action: "allocation.dispatch", ObjectType: "allocation", ObjectID: h.id,
				Region: h.region, Chain: h.chain}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// Expire ends every reserved allocation whose dispatch deadline has passed, gives the
// quantities back, tells the collaborators, and fills waiting commitments. It returns
// how many allocations expired.
func (s *Service) Expire(ctx context.Context) (int, error) {
	total := 0
	for {
		var done []held
		err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			q := `SELECT ` + heldCols + ` FROM allocations a JOIN commitments c ON c.id = a.commitment_id
				WHERE a.status = 'reserved' AND a.expires_at <= $1 ORDER BY a.expires_at, a.id LIMIT 500`
			// Skip allocations whose commitment is being cancelled or filled: they
			// expire on the next pass.
			q += tx.Locking(` FOR UPDATE OF a, c SKIP LOCKED`)
			rows, err := tx.QueryContext(ctx, q, s.Now())
			if err != nil {
				return err
			}
			hs, err := store.Collect(rows, scanHeld)
			if err != nil {
				return err
			}
			if done, err = s.release(ctx, tx, hs, Expired, "not dispatched by the deadline"); err != nil {
				return err
			}
			if err := s.refill(ctx, tx, done); err != nil {
				return err
			}
			if err := s.recordRelease(ctx, tx, "allocation.expire", done, "deadline"); err != nil {
				return err
			}
			return s.notifyReleased(ctx, tx, done, "allocation.expired")
		})
		if err != nil {
			return total, err
		}
		if len(done) == 0 {
			break
		}
		total += len(done)
	}
	return total, nil
}

// notifyReleased tells each organisation what it lost, one notice per commitment.
func (s *Service) notifyReleased(ctx context.Context, tx *store.Tx, done []held, kind string) error {
	type agg struct {
		org          string
		count, units int
	}
	by := map[string]*agg{}
	var order []string
	for _, h := range done {
		a, ok := by[h.commitmentID]
		if !ok {
			a = &agg{org: h.orgID}
			by[h.commitmentID] = a
			order = append(order, h.commitmentID)
		}
		a.count++
		a.units += h.quantity
	}
	for _, cid := range order {
		a := by[cid]
		if err := s.notify(ctx, tx, a.org, kind, cid, map[string]any{"allocations": a.count, "units": a.units}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) notify(ctx context.Context, tx *store.Tx, org, kind, commitment string, params map[string]any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notifications (id, org_id, kind, commitment_id, params, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		newID(), org, kind, commitment, string(b), s.Now())
	return err
}

// EngineContext is ctx acting as the engine itself: waiting commitments filled as a
// consequence of someone's action are the engine's doing, audited as such.
func EngineContext(ctx context.Context) context.Context {
	return audit.WithActor(ctx, audit.Actor{ID: "system", Label: "allocation engine", RemoteAddr: "local"})
}

// refill gives the quantity a release returned to waiting commitments, in the same
// transaction: released units reach the oldest waiting commitment before any newer
// commitment can see them. It fills the released program phases, and the phases of
// the other programs of the same stack group that overlap them: a target released
// here may be what kept their waiting commitments waiting.
func (s *Service) refill(ctx context.Context, tx *store.Tx, done []held, chains ...string) error {
	released := map[string]bool{}
	asked := map[string]bool{} // commitments whose phase was read
	for _, h := range done {
		if asked[h.commitmentID] {
			continue
		}
		asked[h.commitmentID] = true
		var phase string
		if err := tx.QueryRowContext(ctx, `SELECT phase_id FROM commitments WHERE id = $1`, h.commitmentID).Scan(&phase); err != nil {
			return err
		}
		released[phase] = true
	}
	type pp struct{ prog, phase string }
	var fills []pp
	seen := map[string]bool{}
	for phase := range released {
		rows, err := tx.QueryContext(ctx, `SELECT c.program_id, c.phase_id FROM commitments c
			JOIN programs q ON q.id = c.program_id JOIN phases qp ON qp.id = c.phase_id
			JOIN phases mp ON mp.id = $1 JOIN programs p ON p.id = mp.program_id
			WHERE c.waiting > 0 AND c.status <> 'cancelled'
			  AND (c.phase_id = mp.id OR (q.stack_group = p.stack_group AND qp.starts <= mp.ends AND mp.starts <= qp.ends))
			GROUP BY c.program_id, c.phase_id ORDER BY MIN(c.created_at)`, phase)
		if err != nil {
			return err
		}
		list, err := store.Collect(rows, func(r interface{ Scan(...any) error }) (pp, error) {
			var x pp
			return x, r.Scan(&x.prog, &x.phase)
		})
		if err != nil {
			return err
		}
		for _, x := range list {
			if !seen[x.phase] {
				seen[x.phase] = true
				fills = append(fills, x)
			}
		}
	}
	phases := make([]string, len(fills))
	for i, x := range fills {
		phases[i] = x.phase
	}
	if err := lockFills(ctx, tx, phases); err != nil {
		return err
	}
	// Then the audit heads this transaction will append to: those of the
	// commitments the fills may serve, of the released ones, and the caller's.
	for _, h := range done {
		chains = append(chains, h.chain)
	}
	locked, err := s.lockFillChains(ctx, tx, phases, chains)
	if err != nil {
		return err
	}
	for _, x := range fills {
		// Read in the transaction: it holds the fill locks and audit heads, and
		// waiting for a read connection while holding them starved the pool on
		// PostgreSQL (every connection held by a cancel waiting for one more).
		p, err := s.programs.GetTx(ctx, tx, x.prog, true)
		if err != nil {
			return err
		}
		if _, err := s.fillWaiting(EngineContext(ctx), tx, p, x.phase, locked); err != nil {
			return err
		}
	}
	return nil
}

// FillWaiting gives free quantity of a program phase to waiting commitments, in the
// order they came. It returns the units allocated.
func (s *Service) FillWaiting(ctx context.Context, programID, phaseID string) (int, error) {
	p, err := s.programs.Get(ctx, programID, true)
	if err != nil {
		return 0, err
	}
	total := 0
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		total, err = s.fillWaiting(ctx, tx, p, phaseID, nil)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fill waiting: %w", err)
	}
	return total, nil
}

// fillWaiting fills the waiting commitments of one phase of p, oldest first. With
// locked set, the transaction already holds those audit heads (lockFillChains) and
// leaves alone a commitment of another chain (one that began waiting since): taking
// its head now could be out of order, and on PostgreSQL the commitment's own fill
// after its commit comes next anyway. Without, it takes the heads it needs.
func (s *Service) fillWaiting(ctx context.Context, tx *store.Tx, p program.Program, phaseID string, locked map[string]bool) (int, error) {
	if p.Status != program.Published {
		return 0, nil
	}
	total := 0
	if err := lockFills(ctx, tx, []string{phaseID}); err != nil {
		return 0, err
	}
	// Only commitments whose area has something free are planned: once most of a
	// phase is taken, every new commitment waits, and each fill would otherwise
	// re-plan every waiting one to find nothing.
	free, err := freeVillages(ctx, tx, phaseID)
	if err != nil || len(free) == 0 {
		return 0, err
	}
	q := `SELECT id, org_id, program_id, phase_id, region, chain, requested, waiting FROM commitments
		WHERE program_id = $1 AND phase_id = $2 AND waiting > 0 AND status <> 'cancelled' ORDER BY created_at, id`
	q += tx.Locking(` FOR UPDATE SKIP LOCKED`)
	rows, err := tx.QueryContext(ctx, q, p.ID, phaseID)
	if err != nil {
		return 0, err
	}
	cs, err := store.Collect(rows, func(r interface{ Scan(...any) error }) (Commitment, error) {
		var c Commitment
		err := r.Scan(&c.ID, &c.OrgID, &c.ProgramID, &c.PhaseID, &c.Region, &c.chain, &c.Requested, &c.Waitlisted)
		return c, err
	})
	if err != nil {
		return 0, err
	}
	if locked != nil {
		kept := cs[:0]
		for _, c := range cs {
			if locked[c.chain] {
				kept = append(kept, c)
			}
		}
		cs = kept
	} else {
		chains := make([]string, len(cs))
		for i, c := range cs {
			chains[i] = c.chain
		}
		if err := audit.LockChains(ctx, tx, chains); err != nil {
			return 0, err
		}
	}
	for i := range cs {
		c := &cs[i]
		if c.Region != "" && !anyWithin(free, c.Region) {
			continue
		}
		got, err := s.fill(ctx, tx, c, p, c.Waitlisted)
		if err != nil {
			return 0, err
		}
		if got.units == 0 {
			continue
		}
		last := false
		if i+1 < len(cs) { // it took something: what is left for the next?
			if free, err = freeVillages(ctx, tx, phaseID); err != nil {
				return 0, err
			}
			last = len(free) == 0
		}
		total += got.units
		if err := audit.Record(ctx, tx, audit.Change{Action: "commitment.fill", ObjectType: "commitment", ObjectID: c.ID,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{"units": got.units, "allocations": got.count,
				"waitlisted": c.Waitlisted, "allocations_sha256": got.digest}}); err != nil {
			return 0, err
		}
		if err := s.notify(ctx, tx, c.OrgID, "commitment.filled", c.ID, map[string]any{"units": got.units, "waitlisted": c.Waitlisted}); err != nil {
			return 0, err
		}
		if last {
			break
		}
	}
	return total, nil
}

// freeVillages returns the kelurahan where the phase has a free need. Households
// and persons are found by a skip scan of needs_free, one probe per kelurahan (the
// smallest region above the last), RWs and institutions by a read of the small
// needs_shared; the conditions are spelled as those partial indexes are.
func freeVillages(ctx context.Context, tx store.Querier, phaseID string) (map[string]bool, error) {
	const ind = `n.phase_id = $1 AND n.allocated = 0 AND n.state = 'open' AND n.kind IN ('household','person')`
	rows, err := tx.QueryContext(ctx, `WITH RECURSIVE r(region) AS (
			SELECT MIN(n.region) FROM needs n WHERE `+ind+`
			UNION ALL
			SELECT (SELECT MIN(n.region) FROM needs n WHERE `+ind+` AND n.region > r.region) FROM r WHERE r.region IS NOT NULL)
		SELECT region FROM r WHERE region IS NOT NULL
		UNION
		SELECT n.region FROM needs n WHERE n.phase_id = $1 AND n.allocated < n.quantity AND n.state = 'open' AND n.kind IN ('rw','institution')`, phaseID)
	if err != nil {
		return nil, err
	}
	list, err := store.Collect(rows, store.String)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(list))
	for _, v := range list {
		out[v] = true
	}
	return out, nil
}

// anyWithin reports whether one of the villages lies in the area code.
func anyWithin(villages map[string]bool, code string) bool {
	for v := range villages {
		if v == code || strings.HasPrefix(v, code+".") {
			return true
		}
	}
	return false
}

// lockFills takes the fill locks of phases on PostgreSQL. Fills of one phase take
// turns (a transaction-scoped advisory lock), so one fill never skips the
// commitments or needs another fill holds: the last fill after a burst of
// commitments sees everything the others left. A transaction that fills several
// phases takes all their locks at once, in key order, and every transaction takes
// them before any audit head, so fills cannot wait on each other in a cycle.
// Taking a lock the transaction already holds is a no-op.
func lockFills(ctx context.Context, tx *store.Tx, phaseIDs []string) error {
	keys := make([]int64, len(phaseIDs))
	for i, id := range phaseIDs {
		h := fnv.New64a()
		h.Write([]byte("fill:" + id))
		keys[i] = int64(h.Sum64())
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if err := tx.Lock(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
			return err
		}
	}
	return nil
}

// lockFillChains takes, in one order, the audit heads of the waiting commitments of
// phases and the other chains a transaction will append to (audit.LockChains), and
// returns the chains it locked.
func (s *Service) lockFillChains(ctx context.Context, tx *store.Tx, phases, chains []string) (map[string]bool, error) {
	if len(phases) > 0 {
		args := make([]any, len(phases))
		marks := make([]string, len(phases))
		for i, ph := range phases {
			args[i], marks[i] = ph, "$"+itoa(i+1)
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT chain FROM commitments
			WHERE phase_id IN (`+strings.Join(marks, ",")+`) AND waiting > 0 AND status <> 'cancelled'`, args...)
		if err != nil {
			return nil, err
		}
		more, err := store.Collect(rows, store.String)
		if err != nil {
			return nil, err
		}
		chains = append(chains, more...)
	}
	locked := map[string]bool{}
	for _, c := range chains {
		locked[c] = true
	}
	return locked, audit.LockChains(ctx, tx, chains)
}

// AfterSync fills the waiting commitments of every phase of p inside the
// transaction that changed p's needs (program.Service.SyncThen).
func (s *Service) AfterSync(ctx context.Context, tx *store.Tx, p program.Program, _ program.SyncResult) error {
	phases := make([]string, len(p.Phases))
	for i, ph := range p.Phases {
		phases[i] = ph.ID
	}
	if err := lockFills(ctx, tx, phases); err != nil {
		return err
	}
	// The sync that calls this records on the main chain afterwards: its head is
	// taken in order with the others.
	locked, err := s.lockFillChains(ctx, tx, phases, []string{audit.MainChain})
	if err != nil {
		return err
	}
	for _, ph := range p.Phases {
		if _, err := s.fillWaiting(EngineContext(ctx), tx, p, ph.ID, locked); err != nil {
			return err
		}
	}
	return nil
}

// FillAllWaiting runs FillWaiting for every phase that has waiting commitments.
func (s *Service) FillAllWaiting(ctx context.Context) (int, error) {
	type pp struct{ prog, phase string }
	list, err := store.All(ctx, s.db.R(), func(r store.Scanner) (pp, error) {
		var x pp
		return x, r.Scan(&x.prog, &x.phase)
	}, `SELECT DISTINCT program_id, phase_id FROM commitments WHERE waiting > 0 AND status <> 'cancelled'`)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, x := range list {
		n, err := s.FillWaiting(ctx, x.prog, x.phase)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
