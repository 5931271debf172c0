package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Sum adds up the needs f selects (void ones left out), per region code prefix of
// by characters (by 0: one sum under ""); with reached, it also counts the needs
// that received something (per program: a target is counted once in each program
// that reached it). A prefix without needs is absent. The sums come from
// monitoring's kept counters, not from the needs: a province of a million needs
// is a few thousand counter rows.
func (n *Needs) Sum(ctx context.Context, f program.NeedFilter, by int, reached bool) (map[string]program.RegionProgress, error) {
	sums := map[string]program.RegionProgress{}
	if len(f.Programs) == 0 {
		return sums, nil
	}
	figs, err := n.counters.ByRegion(ctx, monitor.Filter{Programs: f.Programs, Region: f.Region, Phase: f.Phase}, by)
	if err != nil {
		return nil, err
	}
	for code, g := range figs {
		if g.Needs == 0 && g.Needed == 0 && g.Allocated == 0 && g.Delivered == 0 {
			continue
		}
		r := program.RegionProgress{RegionCounts: program.RegionCounts{Code: code, Counts: program.Counts{Needed: g.Needed, Allocated: g.Allocated, Delivered: g.Delivered}}}
		if reached {
			r.TargetsReached = g.Reached
		}
		sums[code] = r
	}
	return sums, nil
}

// Flagged lists a program's flagged needs inside scope (a region prefix), with
// their phase's id in Phase.
func (n *Needs) Flagged(ctx context.Context, programID, scope string, limit int) ([]program.Flagged, error) {
	fs, err := n.flagged(ctx, programID, scope, limit)
	if err != nil {
		return nil, err
	}
	return fs, n.flaggedOrgs(ctx, fs)
}

func (n *Needs) flagged(ctx context.Context, programID, scope string, limit int) ([]program.Flagged, error) {
	return store.All(ctx, n.db.R(), func(r store.Scanner) (program.Flagged, error) {
		var f program.Flagged
		err := r.Scan(&f.NeedID, &f.Phase, &f.TargetID, &f.TargetName, &f.Region, &f.Quantity, &f.Allocated, &f.Flag)
		return f, err
	}, `SELECT n.id, n.phase_id, n.target_id, t.name, n.region, n.quantity, n.allocated, n.flag
		FROM needs n JOIN `+registry.Targets+` ON t.id = n.target_id
		WHERE n.program_id = $1 AND n.state = 'flagged' AND n.region >= $2 AND n.region < $3
		ORDER BY n.region, n.id LIMIT $4`, programID, scope, region.Upper(scope), store.Limit(limit))
}
