package registry

import (
	"context"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Totals for the lists that page (issue 15): a page says how many there are in
// all, with the same conditions as its list.

// CountDuplicates is how many pairs of status ListDuplicates pages through for v.
func (s *Service) CountDuplicates(ctx context.Context, v Viewer, status string) (int, error) {
	if status == "" {
		status = "open"
	}
	if status != "open" && status != "merged" && status != "distinct" {
		return 0, errs.E(errs.Invalid, "status must be open, merged or distinct")
	}
	var n int
	err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM duplicates WHERE status = $1 AND `+scopeClause("region", 2),
		status, v.Scope, v.Scope+".%").Scan(&n)
	return n, err
}

// CountImports is how many imports ListImports pages through within scope.
func (s *Service) CountImports(ctx context.Context, scope string) (int, error) {
	var n int
	err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM imports WHERE ($1 = '' OR scope LIKE $2)`, scope, scope+"%").Scan(&n)
	return n, err
}
