package allocate

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Expiring is a commitment's reserved allocations whose dispatch deadline falls
// on one day (in WIB) within the window ExpiringSoon was asked about: what the
// organisation is warned of, once per commitment and day.
type Expiring struct {
	CommitmentID string
	OrgID        string
	ProgramID    string
	Region       string
	Day          string    // the deadline's day in WIB, 2006-01-02
	First        time.Time // the earliest deadline of that day
	Count        int
}

// ExpiringSoon lists reserved allocations whose deadline is after now and at most
// within from now, grouped by commitment and the deadline's day in WIB, earliest
// first.
func (s *Service) ExpiringSoon(ctx context.Context, within time.Duration) ([]Expiring, error) {
	now := s.Now()
	var out []Expiring
	at := map[[2]string]int{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var e Expiring
		var exp time.Time
		if err := r.Scan(&e.CommitmentID, &e.OrgID, &e.ProgramID, &e.Region, &exp); err != nil {
			return err
		}
		e.First, e.Day = exp.UTC(), exp.In(wib).Format(time.DateOnly)
		k := [2]string{e.CommitmentID, e.Day}
		if i, ok := at[k]; ok {
			out[i].Count++
			return nil
		}
		e.Count = 1
		at[k] = len(out)
		out = append(out, e)
		return nil
	}, `SELECT a.commitment_id, a.org_id, c.program_id, a.region, a.expires_at FROM allocations a
		JOIN commitments c ON c.id = a.commitment_id
		WHERE a.status = 'reserved' AND a.expires_at > $1 AND a.expires_at <= $2 ORDER BY a.expires_at, a.id`, now, now.Add(within))
	return out, err
}

// ProgramName names a program, read through tx (an empty name for one that does
// not exist).
func (s *Service) ProgramName(ctx context.Context, tx *store.Tx, programID string) (string, error) {
	p, err := s.programs.GetTx(ctx, tx, programID, true)
	return p.Name, err
}

// Notice is what a message about an allocation's recipient needs: the program's
// name, the recipient's phone ("" when the registry has none) and the region.
type Notice struct {
	AllocationID, Program, Phone, Region string
}

// RecipientNotice reads, in tx, whom a message about the allocation goes to,
// whatever the allocation's state (a failed one's recipient is told why). The
// phone is personal data: the caller puts it in the outbox only, never in a log.
func (s *Service) RecipientNotice(ctx context.Context, tx *store.Tx, allocationID string) (Notice, error) {
	var n Notice
	var programID string
	err := tx.QueryRowContext(ctx, `SELECT a.id, c.program_id, t.phone, a.region FROM allocations a
		JOIN commitments c ON c.id = a.commitment_id JOIN `+registry.Targets+` ON t.id = a.target_id WHERE a.id = $1`,
		allocationID).Scan(&n.AllocationID, &programID, &n.Phone, &n.Region)
	if err != nil {
		return Notice{}, store.NotFound(store.Map(err), "no such allocation")
	}
	n.Program, err = s.ProgramName(ctx, tx, programID)
	return n, err
}

// State is an allocation's status and kelurahan, for counts of a delivery's
// progress (no personal data).
type State struct {
	Status, Region string
}

// States reads the status and region of allocations by id (ids that do not exist
// are left out), through the read pool, MaxStops at a time.
func (s *Service) States(ctx context.Context, ids []string) (map[string]State, error) {
	out := make(map[string]State, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), MaxStops)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
			var id string
			var st State
			if err := r.Scan(&id, &st.Status, &st.Region); err != nil {
				return err
			}
			out[id] = st
			return nil
		}, `SELECT id, status, region FROM allocations WHERE id IN (`+store.InList(s.db.Engine, 1, n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// FailedDelivery is a delivery that failed, as the office of its region sees it:
// where, why, by which organisation and for which target (no personal data).
type FailedDelivery struct {
	AllocationID, TargetID, OrgID, Region, Reason, Note string
	At                                                  time.Time
}

// RecentFailures lists the failed deliveries within code (a region prefix; "" for
// every region), newest first, at most limit.
func (s *Service) RecentFailures(ctx context.Context, code string, limit int) ([]FailedDelivery, error) {
	lo, hi := code, region.Upper(code)
	if code == "" {
		lo, hi = "", "~"
	}
	return store.All(ctx, s.db.R(), func(r store.Scanner) (FailedDelivery, error) {
		var f FailedDelivery
		err := r.Scan(&f.AllocationID, &f.TargetID, &f.OrgID, &f.Region, &f.Reason, &f.Note, &f.At)
		f.At = f.At.UTC()
		return f, err
	}, `SELECT id, target_id, org_id, region, reason, note, updated_at FROM allocations
		WHERE status = 'failed' AND region >= $1 AND region < $2 ORDER BY updated_at DESC, id DESC LIMIT $3`, lo, hi, store.Limit(limit))
}
