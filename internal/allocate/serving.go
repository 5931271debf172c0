package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// Serving is what one organisation holds for one target in one program: its
// allocations still to be delivered (reserved or dispatched) and their units.
type Serving struct {
	OrgID, ProgramID   string
	Allocations, Units int
}

// Serving lists, read through tx, the organisations whose reserved or dispatched
// allocations serve target, by organisation and program: whom to tell when the
// registry folds the target into another.
func (s *Service) Serving(ctx context.Context, tx *store.Tx, target string) ([]Serving, error) {
	return store.All(ctx, tx, func(r store.Scanner) (Serving, error) {
		var v Serving
		return v, r.Scan(&v.OrgID, &v.ProgramID, &v.Allocations, &v.Units)
	}, `SELECT a.org_id, c.program_id, COUNT(*), SUM(a.quantity) FROM allocations a JOIN commitments c ON c.id = a.commitment_id
		WHERE a.target_id = $1 AND a.status IN ('reserved','dispatched') GROUP BY a.org_id, c.program_id ORDER BY a.org_id, c.program_id`, target)
}
