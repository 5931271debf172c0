package allocate

import (
	"context"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Reads for the documents of delivery (package deliver's record.go): the handover
// record of a run lists every stop, ended ones included, with the recipient's name
// and masked NIK but never an address or phone; the thank-you certificate needs what
// became of a whole commitment. The callers have checked who may read them and
// audit the read.

// RecordLine is an allocation as a handover record lists it.
type RecordLine struct {
	AllocationID string
	Name         string
	NIKMasked    string
	Region       string // the recipient's kelurahan code
	Kelurahan    string // its name
	RW, RT       int
	Quantity     int
	Status       string
	Reason       string    // a failure's reason (FailReasons)
	Proof        string    // a delivery's proof (ProofCode, ProofPhoto, ProofProvider)
	At           time.Time // when delivered or ended; zero while active
}

// RecordLines reads allocations by id through q, in the order of ids; ids that do not
// exist are left out.
func (s *Service) RecordLines(ctx context.Context, q store.Querier, ids []string) ([]RecordLine, error) {
	if len(ids) == 0 {
		return []RecordLine{}, nil
	}
	args := make([]any, len(ids))
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		args[i] = id
		pos[id] = i
	}
	found := make([]*RecordLine, len(ids))
	err := store.Each(ctx, q, func(r store.Scanner) error {
		var l RecordLine
		var t Recipient
		var delivered, ended *time.Time
		if err := r.Scan(&l.AllocationID, &l.Quantity, &l.Status, &l.Reason, &l.Proof, &delivered, &ended,
			&t.ID, &t.Kind, &t.Region, &t.Name, &t.RW, &t.RT, &t.Address, &t.Phone, &t.NIKMasked); err != nil {
			return err
		}
		l.Name, l.NIKMasked, l.Region, l.RW, l.RT = t.Name, t.NIKMasked, t.Region, t.RW, t.RT
		if reg, ok := s.regions.Get(t.Region); ok {
			l.Kelurahan = reg.Name
		}
		switch {
		case delivered != nil:
			l.At = delivered.UTC()
		case ended != nil:
			l.At = ended.UTC()
		}
		// A reason is kept for expiry and cancellation too; only a failure's is printed.
		if l.Status != Failed {
			l.Reason = ""
		}
		if i, ok := pos[l.AllocationID]; ok {
			found[i] = &l
		}
		return nil
	}, `SELECT a.id, a.quantity, a.status, a.reason, a.proof, a.delivered_at, a.ended_at, `+registry.RecipientColumns+`
		FROM allocations a JOIN `+registry.Targets+` ON t.id = a.target_id
		WHERE a.id IN (`+store.InList(s.db.Engine, 1, len(ids))+`)`, args...)
	out := make([]RecordLine, 0, len(ids))
	for _, l := range found {
		if l != nil {
			out = append(out, *l)
		}
	}
	return out, err
}

// RecordHeading is what a document says of the commitment it is about.
type RecordHeading struct {
	CommitmentID, OrgID, Region, Chain string
	ProgramID, Program, Phase          string
	Item, Unit                         string
	Area                               string // the commitment's region, named ("Kelurahan Gambir, Kota Adm. Jakarta Pusat")
}

// Heading reads, through q (a transaction or the read pool), a commitment of who's organisation (any, for an admin) with
// its program's item: not found for another organisation's.
func (s *Service) Heading(ctx context.Context, q store.Querier, who Who, commitmentID string) (RecordHeading, error) {
	c, err := s.get(ctx, q, who, commitmentID)
	if err != nil {
		return RecordHeading{}, err
	}
	var p program.Program
	if tx, ok := q.(*store.Tx); ok {
		p, err = s.programs.GetTx(ctx, tx, c.ProgramID, true)
	} else {
		p, err = s.programs.Get(ctx, c.ProgramID, true)
	}
	if err != nil {
		return RecordHeading{}, err
	}
	return RecordHeading{CommitmentID: c.ID, OrgID: c.OrgID, Region: c.Region, Chain: c.chain, ProgramID: c.ProgramID,
		Program: c.ProgramName, Phase: c.Phase, Item: p.Item.Name, Unit: p.Item.Unit, Area: s.areaName(c.Region)}, nil
}

// areaName names a region with its parents up to the kab/kota: "Gambir, Kota
// Adm. Jakarta Pusat"; "" for none.
func (s *Service) areaName(code string) string {
	var parts []string
	for len(parts) < 3 {
		r, ok := s.regions.Get(code)
		if !ok || r.Level == region.Province { // the province goes without saying
			break
		}
		parts = append(parts, r.Name)
		code = r.Parent
	}
	return strings.Join(parts, ", ")
}

// Outcome is what became of a commitment's allocations.
type Outcome struct {
	CommitmentID   string
	Open           int // allocations reserved or dispatched
	Waiting        int // units still waiting to be allocated
	Delivered      int // allocations delivered
	Failed         int // allocations failed
	DeliveredUnits int
}

// Complete reports whether nothing of the commitment is reserved, dispatched or
// waiting any more, and something reached its recipients. Nothing can be added to
// a complete commitment (only what waits is ever filled), so it stays complete.
func (o Outcome) Complete() bool { return o.Open == 0 && o.Waiting == 0 && o.Delivered > 0 }

// OutcomeTx reads a commitment's outcome in tx. On PostgreSQL it first waits for
// the other transactions deciding the same commitment's outcome (a transaction-scoped
// advisory lock, taken last so it is never held while waiting on another lock):
// without it, the last two deliveries committing at once would each still see the
// other's allocation on its way, and neither would find the commitment complete.
// Today the commitment's audit chain head, locked by every transition until commit,
// already orders them (measured: the concurrent test passes without this lock); the
// lock keeps the outcome right should transitions stop sharing one chain.
func (s *Service) OutcomeTx(ctx context.Context, tx *store.Tx, commitmentID string) (Outcome, error) {
	if err := tx.Lock(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "commitment outcome "+commitmentID); err != nil {
		return Outcome{}, err
	}
	o := Outcome{CommitmentID: commitmentID}
	err := tx.QueryRowContext(ctx, `SELECT c.waiting,
		COALESCE(SUM(CASE WHEN a.status IN ('reserved','dispatched') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'delivered' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END), 0)
		FROM commitments c LEFT JOIN allocations a ON a.commitment_id = c.id WHERE c.id = $1 GROUP BY c.id, c.waiting`,
		commitmentID).Scan(&o.Waiting, &o.Open, &o.Delivered, &o.Failed, &o.DeliveredUnits)
	return o, store.NotFound(store.Map(err), "no such commitment")
}

// EndedTx reports, in tx, whether nothing of the commitment is reserved, dispatched
// or waiting any more. It is the cheap question asked after every delivery and
// failure (one probe of the index on commitment and status, not a count over the
// commitment's allocations); it waits for the same lock as OutcomeTx first.
func (s *Service) EndedTx(ctx context.Context, tx *store.Tx, commitmentID string) (bool, error) {
	if err := tx.Lock(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "commitment outcome "+commitmentID); err != nil {
		return false, err
	}
	var ended bool
	err := tx.QueryRowContext(ctx, `SELECT c.waiting = 0 AND NOT EXISTS (SELECT 1 FROM allocations a
		WHERE a.commitment_id = c.id AND a.status IN ('reserved','dispatched')) FROM commitments c WHERE c.id = $1`, commitmentID).Scan(&ended)
	return ended, store.NotFound(store.Map(err), "no such commitment")
}

// CommitmentOf is the commitment an allocation belongs to, read through q.
func (s *Service) CommitmentOf(ctx context.Context, q store.Querier, allocationID string) (string, error) {
	var id string
	err := store.One(ctx, q, `SELECT commitment_id FROM allocations WHERE id = $1`, allocationID).Scan(&id)
	return id, store.NotFound(err, "no such allocation")
}

// RegionName names a region code ("Gambir"); false if it is not one.
func (s *Service) RegionName(code string) (string, bool) {
	r, ok := s.regions.Get(code)
	return r.Name, ok
}
