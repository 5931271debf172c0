package allocate

import (
	"context"
	"errors"
	"slices"

	"github.com/gotong/gotong/internal/audit"
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
