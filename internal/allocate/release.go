package allocate

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
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
		// state = state: SQLite's counter trigger fires on state, not on allocated
		// alone, which is the claim's write (sqlite/00019_counters_claim.sql).
		if _, err := tx.ExecContext(ctx, `UPDATE needs SET allocated = allocated - $1, state = state WHERE id = $2`, needs[id], id); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(commits)) {
		var warehouse string
		if err := tx.QueryRowContext(ctx, `UPDATE commitments SET allocated = allocated - $1, released = released + $1, updated_at = $2,
			status = CASE WHEN status = 'cancelled' THEN status WHEN waiting = 0 THEN 'allocated' WHEN allocated - $1 > 0 THEN 'partial' ELSE 'waitlisted' END
			WHERE id = $3 RETURNING warehouse_id`, commits[id], now, id).Scan(&warehouse); err != nil {
			return nil, err
		}
		if warehouse != "" {
			// The released units go back on the warehouse's shelf.
			if err := s.settleStock(ctx, tx, id); err != nil {
				return nil, err
			}
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
		if c.WarehouseID != "" {
			// What waited is no longer reserved; dispatched units stay.
			if err := s.settleStock(ctx, tx, id); err != nil {
				return err
			}
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
		if err := audit.Record(ctx, tx, audit.Change{Action: "commitment.cancel", ObjectType: "commitment", ObjectID: id,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{"allocations": len(done), "units": units, "waitlisted_dropped": c.Waitlisted,
				"allocations_sha256": digestHeld(done)}}); err != nil {
			return err
		}
		return s.ended(ctx, tx, done)
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

// Fail records that an allocation on its way could not be delivered (the courier
// found no one, the address was wrong …): its quantity returns to the pool at once.
// Only a dispatched allocation can fail (API.md); package deliver's Fail adds the
// flags a failure raises for the office.
func (s *Service) Fail(ctx context.Context, who Who, allocationID, reason, note string) (Allocation, error) {
	reason, note, err := CheckFailReason(reason, note)
	if err != nil {
		return Allocation{}, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.heldFor(ctx, tx, who, allocationID); err != nil {
			return err
		}
		_, err := s.FailDeliveryTx(ctx, tx, allocationID, reason, note)
		return err
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

// Why a delivery failed: the fixed list of the contract (API.md), so that failures
// can be counted and acted on; FailOther needs a note.
const (
	FailNotHome           = "not_home"
	FailMoved             = "moved"
	FailRefused           = "refused"
	FailAddressNotFound   = "address_not_found"
	FailReceivedElsewhere = "received_elsewhere"
	FailOther             = "other"
)

// FailReasons lists the reasons a delivery may fail for.
var FailReasons = []string{FailNotHome, FailMoved, FailRefused, FailAddressNotFound, FailReceivedElsewhere, FailOther}

// DispatchOne marks one allocation of who's organisation (any, for an admin) as on
// its way and returns it without its recipient's details (the list of allocations
// shows those, audited and within the organisation's limits; marking a package as
// picked up must not become another way to read them). One already on its way is
// returned unchanged, with no second audit entry, so that a request sent twice (or
// by two people at once) answers the same; one that has ended (delivered, failed,
// expired, cancelled) is a conflict.
func (s *Service) DispatchOne(ctx context.Context, who Who, id string) (Allocation, error) {
	_, derr := s.Dispatch(ctx, who, []string{id})
	if derr != nil && !errs.Is(derr, errs.Conflict) {
		return Allocation{}, derr
	}
	h, err := s.heldFor(ctx, s.db.R(), who, id)
	if err != nil {
		return Allocation{}, err
	}
	a := Allocation{ID: h.id, CommitmentID: h.commitmentID, Quantity: h.quantity}
	var target, kind string
	if err := store.One(ctx, s.db.R(), `SELECT a.status, a.reason, a.expires_at, a.target_id, n.kind
		FROM allocations a JOIN needs n ON n.id = a.need_id WHERE a.id = $1`, id).
		Scan(&a.Status, &a.Reason, &a.ExpiresAt, &target, &kind); err != nil {
		return Allocation{}, err
	}
	if derr != nil && a.Status != Dispatched {
		return Allocation{}, derr
	}
	a.ExpiresAt = a.ExpiresAt.UTC()
	a.Target = Recipient{ID: target, Kind: kind, Region: h.region}
	return a, nil
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
			if err := s.notifyReleased(ctx, tx, done, "allocation.expired"); err != nil {
				return err
			}
			return s.ended(ctx, tx, done)
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

// ended tells OnEnded which allocations an expiry or a cancellation ended. It runs
// last in those transactions, after every audit head they take, so that it takes
// the runs' rows in the same order as a courier's delivery does (audit head,
// then run), and the two never wait on each other in a cycle.
func (s *Service) ended(ctx context.Context, tx *store.Tx, done []held) error {
	if s.OnEnded == nil || len(done) == 0 {
		return nil
	}
	ids := make([]string, len(done))
	var commitments []string
	for i, h := range done {
		ids[i] = h.id
		if !slices.Contains(commitments, h.commitmentID) {
			commitments = append(commitments, h.commitmentID)
		}
	}
	return s.OnEnded(ctx, tx, ids, commitments)
}
