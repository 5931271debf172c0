package allocate

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// The transitions of an allocation on its way to the door, for package deliver to
// call inside its own transactions (a run's stop, a proof, a flag and the
// allocation's change commit together). The states are the contract's (API.md,
// "Delivery"): reserved → dispatched → delivered or failed; reserved → expired or
// cancelled; every other transition is a conflict. Each transition is one
// conditional UPDATE on the status it leaves, so two requests at the same instant
// (two couriers, a retry) change the row once: the second finds nothing to update.

// Stop is an allocation as a delivery run lists it: what a courier needs at the
// door. Address and phone are blank once the allocation has ended.
type Stop struct {
	AllocationID string     `json:"allocation_id"`
	Status       string     `json:"status"`
	Quantity     int        `json:"quantity"`
	Target       StopTarget `json:"target"`
	CommitmentID string     `json:"-"`
	OrgID        string     `json:"-"`
	expiresAt    time.Time
}

// StopTarget is the recipient at a stop.
type StopTarget struct {
	Name    string `json:"name"`
	Region  string `json:"region"`
	RW      int    `json:"rw"`
	RT      int    `json:"rt"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	// ContactHidden says why address and phone are empty while the allocation is
	// active (Recipient.ContactHidden).
	ContactHidden string `json:"contact_hidden,omitempty"`
}

// MaxStops bounds the allocations one read of stops takes (and one run holds).
const MaxStops = 1000

// Stops reads allocations by id, through q, in the order a driver follows them:
// kelurahan, RW, RT, then address. Ids that do not exist are left out; the caller
// compares. The caller has checked who may read them, and audits the read.
func (s *Service) Stops(ctx context.Context, q store.Querier, ids []string) ([]Stop, error) {
	if len(ids) == 0 {
		return []Stop{}, nil
	}
	if len(ids) > MaxStops {
		return nil, errs.E(errs.Invalid, "a run holds at most %d stops", MaxStops)
	}
	eng := s.db.Engine
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	stops, err := store.All(ctx, q, func(r store.Scanner) (Stop, error) {
		var st Stop
		var t Recipient
		err := r.Scan(&st.AllocationID, &st.CommitmentID, &st.OrgID, &st.Quantity, &st.Status, &st.expiresAt,
			&t.ID, &t.Kind, &t.Region, &t.Name, &t.RW, &t.RT, &t.Address, &t.Phone, &t.NIKMasked)
		st.Target = StopTarget{Name: t.Name, Region: t.Region, RW: t.RW, RT: t.RT, Address: t.Address, Phone: t.Phone}
		if st.Status != Reserved && st.Status != Dispatched {
			st.Target.Address, st.Target.Phone = "", ""
		}
		return st, err
	}, `SELECT a.id, a.commitment_id, a.org_id, a.quantity, a.status, a.expires_at, `+registry.RecipientColumns+`
		FROM allocations a JOIN `+registry.Targets+` ON t.id = a.target_id
		WHERE a.id IN (`+store.InList(eng, 1, len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(stops, func(a, b Stop) int {
		x, y := a.Target, b.Target
		switch {
		case x.Region != y.Region:
			return strings.Compare(x.Region, y.Region)
		case x.RW != y.RW:
			return x.RW - y.RW
		case x.RT != y.RT:
			return x.RT - y.RT
		case x.Address != y.Address:
			return strings.Compare(x.Address, y.Address)
		}
		return strings.Compare(a.AllocationID, b.AllocationID)
	})
	return stops, nil
}

// RevealStops applies the organisation's limits on personal data (reveal.go) to
// stops of one commitment about to be shown, as a page of its allocations would:
// address and phone only when due, within the daily cap; the reveal is recorded and
// audited with cursor saying where it was read.
func (s *Service) RevealStops(ctx context.Context, commitmentID string, stops []Stop, cursor string) error {
	c, err := s.get(ctx, s.db.R(), anyOrg, commitmentID)
	if err != nil {
		return err
	}
	as := make([]Allocation, len(stops))
	for i, st := range stops {
		as[i] = Allocation{ID: st.AllocationID, Status: st.Status, ExpiresAt: st.expiresAt}
	}
	if err := s.reveal(ctx, c, as, cursor); err != nil {
		return err
	}
	for i, a := range as {
		if a.Target.ContactHidden != "" {
			stops[i].Target.Address, stops[i].Target.Phone, stops[i].Target.ContactHidden = "", "", a.Target.ContactHidden
		}
	}
	return nil
}

// RunCommitment reads a commitment of who's organisation (any, for an admin)
// through q, with its audit chain: not found for another organisation's.
func (s *Service) RunCommitment(ctx context.Context, q store.Querier, who Who, id string) (Commitment, string, error) {
	c, err := s.get(ctx, q, who, id)
	return c, c.chain, err
}

// OwnAllocation checks, through q, that the allocation is who's organisation's (any,
// for an admin): another's is not found. It returns the allocation's region.
func (s *Service) OwnAllocation(ctx context.Context, q store.Querier, who Who, id string) (region string, err error) {
	h, err := s.heldFor(ctx, q, who, id)
	return h.region, err
}

// anyOrg reads an allocation whatever its organisation: the callers of the
// transitions below have checked who may act on it (the organisation's own user, or
// the courier holding the run's link).
var anyOrg = Who{Role: account.Admin}

// currentStatus reads an allocation's status in tx, to say why a transition was
// refused.
func currentStatus(ctx context.Context, tx *store.Tx, id string) (string, error) {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM allocations WHERE id = $1`, id).Scan(&status)
	return status, store.NotFound(store.Map(err), "no such allocation")
}

// PickupTx marks a reserved allocation as on its way, in tx, with its audit entry.
// One already on its way is left alone (changed false), so a retried pickup changes
// nothing; any other state is a conflict.
func (s *Service) PickupTx(ctx context.Context, tx *store.Tx, id string) (changed bool, err error) {
	h, err := s.heldFor(ctx, tx, anyOrg, id)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE allocations SET status = 'dispatched', updated_at = $1 WHERE id = $2 AND status = 'reserved'`, s.Now(), id)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, audit.Record(ctx, tx, audit.Change{Action: "allocation.dispatch", ObjectType: "allocation", ObjectID: id,
			Region: h.region, Chain: h.chain})
	}
	status, err := currentStatus(ctx, tx, id)
	if err != nil || status == Dispatched {
		return false, err
	}
	return false, errs.E(errs.Conflict, "only a reserved allocation can be dispatched; this one is %s", status)
}

// Proofs of a delivery (allocations.proof).
const (
	ProofCode     = "code"
	ProofPhoto    = "photo"
	ProofProvider = "provider"
)

// DeliverTx marks a dispatched allocation as delivered, in tx, with proof (ProofCode,
// ProofPhoto, ProofProvider) and its audit entry; detail is added to the entry. The
// UPDATE only matches a dispatched row, so of two deliveries of one allocation at
// the same instant one changes it and the other is a conflict.
func (s *Service) DeliverTx(ctx context.Context, tx *store.Tx, id, proof string, detail map[string]any) (time.Time, error) {
	h, err := s.heldFor(ctx, tx, anyOrg, id)
	if err != nil {
		return time.Time{}, err
	}
	now := s.Now()
	res, err := tx.ExecContext(ctx, `UPDATE allocations SET status = 'delivered', delivered_at = $1, proof = $2, updated_at = $1
		WHERE id = $3 AND status = 'dispatched'`, now, proof, id)
	if err != nil {
		return time.Time{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		status, err := currentStatus(ctx, tx, id)
		if err != nil {
			return time.Time{}, err
		}
		return time.Time{}, errs.E(errs.Conflict, "only a dispatched allocation can be delivered; this one is %s", status)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE needs SET delivered = delivered + $1 WHERE id = $2`, h.quantity, h.needID); err != nil {
		return time.Time{}, err
	}
	// Goods from a warehouse leave its shelf: issued.
	if err := s.settleStock(ctx, tx, h.commitmentID); err != nil {
		return time.Time{}, err
	}
	d := map[string]any{"proof": proof, "commitment": h.commitmentID, "units": h.quantity}
	for k, v := range detail {
		d[k] = v
	}
	return now, audit.Record(ctx, tx, audit.Change{Action: "allocation.deliver", ObjectType: "allocation", ObjectID: id,
		Region: h.region, Chain: h.chain, Detail: d})
}

// Failure is what FailDeliveryTx did: the allocation ended, and how often its target has
// failed, this time included, across every program.
type Failure struct {
	AllocationID, CommitmentID, OrgID, TargetID, Region, Chain, Reason string
	TargetFailures                                                     int
}

// CheckFailReason checks a failure's reason (one of FailReasons) and note.
func CheckFailReason(reason, note string) (string, string, error) {
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	if !slices.Contains(FailReasons, reason) {
		return "", "", errs.E(errs.Invalid, "the reason must be one of %s", strings.Join(FailReasons, ", "))
	}
	if len([]rune(note)) > 500 {
		return "", "", errs.E(errs.Invalid, "the note is longer than 500 characters")
	}
	if reason == FailOther && note == "" {
		return "", "", errs.E(errs.Invalid, "say in the note what happened")
	}
	return reason, note, nil
}

// FailDeliveryTx ends a dispatched allocation as failed, in tx: its quantity returns to the
// pool, waiting commitments are filled at once and the release is audited. The
// caller has checked the reason (CheckFailReason) and who may fail it.
func (s *Service) FailDeliveryTx(ctx context.Context, tx *store.Tx, id, reason, note string) (Failure, error) {
	h, err := s.heldFor(ctx, tx, anyOrg, id)
	if err != nil {
		return Failure{}, err
	}
	if err := lockCommitment(ctx, tx, h.commitmentID); err != nil {
		return Failure{}, err
	}
	var status, target string
	if err := tx.QueryRowContext(ctx, `SELECT status, target_id FROM allocations WHERE id = $1`, id).Scan(&status, &target); err != nil {
		return Failure{}, err
	}
	var done []held
	if status == Dispatched {
		// release's UPDATE matches reserved or dispatched: a delivery committed
		// since the read above leaves it nothing to do.
		if done, err = s.release(ctx, tx, []held{h}, Failed, reason); err != nil {
			return Failure{}, err
		}
	}
	if len(done) == 0 {
		if status, err = currentStatus(ctx, tx, id); err != nil {
			return Failure{}, err
		}
		return Failure{}, errs.E(errs.Conflict, "only a dispatched allocation can fail; this one is %s", status)
	}
	why := reason
	if note != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE allocations SET note = $1 WHERE id = $2`, note, h.id); err != nil {
			return Failure{}, err
		}
		// The note is free text about a person ("the mother said she moved to
		// her sister's"): it stays in the allocation, where the purge of a closed
		// program can remove it, never in the append-only audit log, which says
		// only that there was one.
		why += " (with a note)"
	}
	if err := s.refill(ctx, tx, done); err != nil {
		return Failure{}, err
	}
	if err := s.recordRelease(ctx, tx, "allocation.fail", done, why); err != nil {
		return Failure{}, err
	}
	f := Failure{AllocationID: id, CommitmentID: h.commitmentID, OrgID: h.orgID, TargetID: target, Region: h.region,
		Chain: h.chain, Reason: reason}
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM allocations WHERE target_id = $1 AND status = 'failed'`, target).Scan(&f.TargetFailures)
	return f, err
}

// DeliveredView is a delivered allocation as the API shows it.
type DeliveredView struct {
	AllocationView
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Proof       string     `json:"proof,omitempty"`
}

// Delivered reads an allocation of who's organisation with when and how it was
// delivered.
func (s *Service) Delivered(ctx context.Context, who Who, id string) (DeliveredView, error) {
	a, err := s.allocation(ctx, who, id)
	if err != nil {
		return DeliveredView{}, err
	}
	v := DeliveredView{AllocationView: a.View()}
	var at *time.Time
	if err := store.One(ctx, s.db.R(), `SELECT delivered_at, proof FROM allocations WHERE id = $1`, id).Scan(&at, &v.Proof); err != nil {
		return DeliveredView{}, err
	}
	if at != nil {
		u := at.UTC()
		v.DeliveredAt = &u
	}
	return v, nil
}

// StopStatus reads the status, delivery time and proof of allocations by id (for a
// courier's answer, without the recipient).
func (s *Service) StopStatus(ctx context.Context, id string) (status string, deliveredAt *time.Time, proof string, err error) {
	err = store.One(ctx, s.db.R(), `SELECT status, delivered_at, proof FROM allocations WHERE id = $1`, id).Scan(&status, &deliveredAt, &proof)
	if deliveredAt != nil {
		u := deliveredAt.UTC()
		deliveredAt = &u
	}
	return status, deliveredAt, proof, store.NotFound(err, "no such allocation")
}
