package allocate

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// refillAfterCommit runs FillWaiting for a phase when something waits in it.
func (s *Service) refillAfterCommit(ctx context.Context, programID, phaseID string) (int, error) {
	var waiting bool
	if err := store.One(ctx, s.db.R(), `SELECT EXISTS (SELECT 1 FROM commitments WHERE program_id = $1 AND phase_id = $2
		AND waiting > 0 AND status <> 'cancelled')`, programID, phaseID).Scan(&waiting); err != nil || !waiting {
		return 0, err
	}
	return s.FillWaiting(EngineContext(ctx), programID, phaseID)
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
		list, err := store.All(ctx, tx, func(r store.Scanner) (pp, error) {
			var x pp
			return x, r.Scan(&x.prog, &x.phase)
		}, `SELECT c.program_id, c.phase_id FROM commitments c
			JOIN programs q ON q.id = c.program_id JOIN phases qp ON qp.id = c.phase_id
			JOIN phases mp ON mp.id = $1 JOIN programs p ON p.id = mp.program_id
			WHERE c.waiting > 0 AND c.status <> 'cancelled'
			  AND (c.phase_id = mp.id OR (q.stack_group = p.stack_group AND qp.starts <= mp.ends AND mp.starts <= qp.ends))
			GROUP BY c.program_id, c.phase_id ORDER BY MIN(c.created_at)`, phase)
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
	cs, err := store.All(ctx, tx, func(r store.Scanner) (Commitment, error) {
		var c Commitment
		err := r.Scan(&c.ID, &c.OrgID, &c.ProgramID, &c.PhaseID, &c.Region, &c.chain, &c.Requested, &c.Waitlisted)
		return c, err
	}, q, p.ID, phaseID)
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
	list, err := store.All(ctx, tx, store.String, `WITH RECURSIVE r(region) AS (
			SELECT MIN(n.region) FROM needs n WHERE `+ind+`
			UNION ALL
			SELECT (SELECT MIN(n.region) FROM needs n WHERE `+ind+` AND n.region > r.region) FROM r WHERE r.region IS NOT NULL)
		SELECT region FROM r WHERE region IS NOT NULL
		UNION
		SELECT n.region FROM needs n WHERE n.phase_id = $1 AND n.allocated < n.quantity AND n.state = 'open' AND n.kind IN ('rw','institution')`, phaseID)
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
		more, err := store.All(ctx, tx, store.String, `SELECT DISTINCT chain FROM commitments
			WHERE phase_id IN (`+strings.Join(marks, ",")+`) AND waiting > 0 AND status <> 'cancelled'`, args...)
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
