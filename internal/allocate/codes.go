package allocate

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// What the government office reads of allocations (issue 11): the allocations
// still to be delivered in its region, for the RW heads' list of recipient codes,
// and the delivered ones, for its call-back checks (package callback). The office
// is scoped by region, not by organisation, so these reads take a region code that
// the caller has already checked against the office's own.

// ToReach is an allocation still on its way to its recipient (reserved or
// dispatched), as an RW head needs it: who, where.
type ToReach struct {
	ID     string
	Name   string
	Region string // the recipient's kelurahan
	RW, RT int
}

// EachToReach calls fn for every reserved or dispatched allocation of the program
// whose recipient lives within code, sorted by kelurahan, RW, RT and name, one row
// at a time (a kota holds hundreds of thousands), for an export: the export is
// audited with the rows handed to fn, once they are all handed (or fn failed).
func (s *Service) EachToReach(ctx context.Context, programID, code string, fn func(ToReach) error) error {
	n := 0
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var a ToReach
		if err := r.Scan(&a.ID, &a.Name, &a.Region, &a.RW, &a.RT); err != nil {
			return err
		}
		n++
		return fn(a)
	}, `SELECT a.id, t.name, a.region, t.rw, t.rt
		FROM allocations a JOIN commitments c ON c.id = a.commitment_id JOIN `+registry.Targets+` ON t.id = a.target_id
		WHERE c.program_id = $1 AND a.region >= $2 AND a.region < $3 AND a.status IN ('reserved','dispatched')
		ORDER BY a.region, t.rw, t.rt, t.name, a.id`, programID, code, region.Upper(code))
	// A client that hung up still got rows: the entry is written all the same.
	aerr := s.db.Write(context.WithoutCancel(ctx), func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "allocation.codes.export", ObjectType: "program", ObjectID: programID, Region: code,
			Detail: map[string]any{"rows": n, "complete": err == nil}})
	})
	return errors.Join(err, aerr)
}

// DeliveredAllocation is a delivered allocation, as a call-back sample draws it.
type DeliveredAllocation struct {
	ID, OrgID, Region string
}

// DeliveredIn lists the delivered allocations of the program within code, read
// through q (the sample is drawn inside its write transaction).
func (s *Service) DeliveredIn(ctx context.Context, q store.Querier, programID, code string) ([]DeliveredAllocation, error) {
	return store.All(ctx, q, func(r store.Scanner) (DeliveredAllocation, error) {
		var d DeliveredAllocation
		return d, r.Scan(&d.ID, &d.OrgID, &d.Region)
	}, `SELECT a.id, a.org_id, a.region FROM allocations a JOIN commitments c ON c.id = a.commitment_id
		WHERE c.program_id = $1 AND a.region >= $2 AND a.region < $3 AND a.status = 'delivered' ORDER BY a.id`,
		programID, code, region.Upper(code))
}

// Contact is how an office reaches the recipient of an allocation to ask whether
// the aid arrived.
type Contact struct {
	AllocationID, Name, Phone string
}

// Contacts returns the recipients' names and phones of the allocations ids, read
// through q, by allocation id. The caller audits the read.
func (s *Service) Contacts(ctx context.Context, q store.Querier, ids []string) (map[string]Contact, error) {
	out := make(map[string]Contact, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		cs, err := store.All(ctx, q, func(r store.Scanner) (Contact, error) {
			var c Contact
			return c, r.Scan(&c.AllocationID, &c.Name, &c.Phone)
		}, `SELECT a.id, t.name, t.phone FROM allocations a JOIN `+registry.Targets+` ON t.id = a.target_id
			WHERE a.id IN (`+store.InList(s.db.Engine, 1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out[c.AllocationID] = c
		}
	}
	return out, nil
}

// DispatchTx marks one reserved allocation as on its way inside the caller's
// transaction, for a courier provider's "picked up" callback, which records that
// it saw the callback in the same transaction. One already dispatched is left as
// it is (a provider may report twice under different signatures).
func (s *Service) DispatchTx(ctx context.Context, tx *store.Tx, who Who, id string) error {
	h, err := s.heldFor(ctx, tx, who, id)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE allocations SET status = 'dispatched', updated_at = $1 WHERE id = $2 AND status = 'reserved'`, s.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM allocations WHERE id = $1`, id).Scan(&status); err != nil {
			return err
		}
		if status == Dispatched {
			return nil
		}
		return errs.E(errs.Conflict, "allocation %s is not reserved", id)
	}
	return audit.Record(ctx, tx, audit.Change{Action: "allocation.dispatch", ObjectType: "allocation", ObjectID: h.id,
		Region: h.region, Chain: h.chain})
}

// FailTx records a failed delivery inside the caller's transaction (a courier
// provider's "failed" callback): the reason is one of FailReasons, the quantity
// returns to the pool and waiting commitments are filled, as Fail does.
func (s *Service) FailTx(ctx context.Context, tx *store.Tx, who Who, id, reason, note string) error {
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	if !slices.Contains(FailReasons, reason) {
		return errs.E(errs.Invalid, "the reason must be one of %s", strings.Join(FailReasons, ", "))
	}
	if reason == FailOther && note == "" {
		return errs.E(errs.Invalid, "say in the note what happened")
	}
	h, err := s.heldFor(ctx, tx, who, id)
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
	if note != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE allocations SET note = $1 WHERE id = $2`, note, h.id); err != nil {
			return err
		}
		reason += ": " + note
	}
	if err := s.refill(ctx, tx, done); err != nil {
		return err
	}
	return s.recordRelease(ctx, tx, "allocation.fail", done, reason)
}
