package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// The government dashboard's two reads of commitments and allocations: what each
// organisation committed to a program, and the allocations overdue to act on. Every
// other figure of the dashboard comes from monitor's kept counters; these two are
// lists and sums over commitments (a few per organisation), never over needs.

// inScope is the condition "the commitment lies inside [$lo, $hi)": its area, or
// for a commitment that chose its targets (no area) its audit chain (kab/kota).
const inScope = `(CASE WHEN c.region <> '' THEN c.region ELSE c.chain END) >= $2
	AND (CASE WHEN c.region <> '' THEN c.region ELSE c.chain END) < $3`

// scopeRange is the code range of a region prefix ("" is everywhere).
func scopeRange(scope string) (lo, hi string) { return scope, region.Upper(scope) }

// Committed sums per organisation the units it committed to a program in commitments
// inside scope (a region prefix; "" everywhere): the area of the commitment, or for
// one that chose its targets its chain (kab/kota), lies inside scope.
//
// A commitment counts what it requested — what it holds, what waits for needs to
// free up, and what it gave back through expiry or failure: the organisation stood
// behind those units. A cancelled commitment dropped what it waited for and what it
// had not dispatched; it counts only what it still holds (dispatched or delivered),
// so an organisation that withdrew is not credited with what it withdrew.
func (s *Service) Committed(ctx context.Context, programID, scope string) (map[string]int64, error) {
	lo, hi := scopeRange(scope)
	out := map[string]int64{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var org string
		var n int64
		if err := r.Scan(&org, &n); err != nil {
			return err
		}
		out[org] = n
		return nil
	}, `SELECT c.org_id, COALESCE(SUM(CASE WHEN c.status = 'cancelled' THEN c.allocated ELSE c.requested END), 0)
		FROM commitments c WHERE c.program_id = $1 AND `+inScope+` GROUP BY c.org_id`, programID, lo, hi)
	return out, err
}

// OverdueItem is an allocation held past its commitment's deliver_by day, as the
// dashboard lists it to act on: where and how much, never who (no personal data).
type OverdueItem struct {
	AllocationID string `json:"allocation_id"`
	CommitmentID string `json:"commitment_id"`
	OrgID        string `json:"org_id"`
	Region       string `json:"region"` // kelurahan
	RW           int    `json:"rw"`
	Units        int    `json:"units"`
	DeliverBy    string `json:"deliver_by"`
	Status       string `json:"status"` // reserved or dispatched
}

// overdueSQL reads a program's overdue allocations in [$2, $3) through the partial
// index allocations_overdue (committed_test.go checks the plan).
const overdueSQL = `SELECT a.id, a.commitment_id, a.org_id, a.region, n.rw, a.quantity, c.deliver_by, a.status
	FROM allocations a JOIN commitments c ON c.id = a.commitment_id JOIN needs n ON n.id = a.need_id
	WHERE a.overdue = 1 AND a.status IN ('reserved', 'dispatched') AND a.region >= $2 AND a.region < $3 AND c.program_id = $1
	ORDER BY c.deliver_by, a.region, n.rw, a.id LIMIT $4`

// OverdueList lists up to limit allocations of a program marked overdue (MarkOverdue)
// and still held, in kelurahan inside scope, the longest overdue first. It reads the
// partial index allocations_overdue, which holds only those allocations.
func (s *Service) OverdueList(ctx context.Context, programID, scope string, limit int) ([]OverdueItem, error) {
	lo, hi := scopeRange(scope)
	return store.All(ctx, s.db.R(), func(r store.Scanner) (OverdueItem, error) {
		var o OverdueItem
		err := r.Scan(&o.AllocationID, &o.CommitmentID, &o.OrgID, &o.Region, &o.RW, &o.Units, &o.DeliverBy, &o.Status)
		return o, err
	}, overdueSQL, programID, lo, hi, store.Limit(limit))
}
