package allocate

import (
	"context"
	"strings"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Sum adds up the needs f selects (void ones left out), per region code prefix of
// by characters (by 0: one sum under ""); with reached, it also counts the
// distinct targets that received something. A prefix without needs is absent.
func (n *Needs) Sum(ctx context.Context, f program.NeedFilter, by int, reached bool) (map[string]program.RegionProgress, error) {
	sums := map[string]program.RegionProgress{}
	if len(f.Programs) == 0 {
		return sums, nil
	}
	args := []any{f.Region, region.Upper(f.Region)}
	arg := func(v any) string { args = append(args, v); return `$` + itoa(len(args)) }
	ids := make([]string, len(f.Programs))
	for i, id := range f.Programs {
		ids[i] = arg(id)
	}
	q := `FROM needs WHERE state <> 'void' AND region >= $1 AND region < $2 AND program_id IN (` + strings.Join(ids, ",") + `)`
	if f.Phase != "" {
		q += ` AND phase_id = ` + arg(f.Phase)
	}
	distinct := `0`
	if reached {
		distinct = `COUNT(DISTINCT CASE WHEN delivered > 0 THEN target_id END)`
	}
	err := store.Each(ctx, n.db.R(), func(row store.Scanner) error {
		var r program.RegionProgress
		if err := row.Scan(&r.Code, &r.Needed, &r.Allocated, &r.Delivered, &r.TargetsReached); err != nil {
			return err
		}
		sums[r.Code] = r
		return nil
	}, `SELECT substr(region, 1, `+itoa(by)+`),
		SUM(quantity), SUM(allocated), SUM(delivered), `+distinct+` `+q+` GROUP BY 1`, args...)
	if err != nil {
		return nil, err
	}
	return sums, nil
}

// Flagged lists a program's flagged needs inside scope (a region prefix), with
// their phase's id in Phase.
func (n *Needs) Flagged(ctx context.Context, programID, scope string, limit int) ([]program.Flagged, error) {
	return store.All(ctx, n.db.R(), func(r store.Scanner) (program.Flagged, error) {
		var f program.Flagged
		err := r.Scan(&f.NeedID, &f.Phase, &f.TargetID, &f.TargetName, &f.Region, &f.Quantity, &f.Allocated, &f.Flag)
		return f, err
	}, `SELECT n.id, n.phase_id, n.target_id, t.name, n.region, n.quantity, n.allocated, n.flag
		FROM needs n JOIN `+registry.Targets+` ON t.id = n.target_id
		WHERE n.program_id = $1 AND n.state = 'flagged' AND n.region >= $2 AND n.region < $3
		ORDER BY n.region, n.id LIMIT $4`, programID, scope, region.Upper(scope), store.Limit(limit))
}
