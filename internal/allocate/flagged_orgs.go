package allocate

import (
	"context"
	"slices"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// flaggedOrgs names, on each flagged need, the organisations that hold it: "needs
// to check" is a call to make, and the office must know whom to call.
func (n *Needs) flaggedOrgs(ctx context.Context, fs []program.Flagged) error {
	if len(fs) == 0 {
		return nil
	}
	at := make(map[string]int, len(fs))
	args := make([]any, 0, len(fs))
	for i, f := range fs {
		at[f.NeedID] = i
		args = append(args, f.NeedID)
	}
	type holder struct{ need, org string }
	hs, err := store.All(ctx, n.db.R(), func(r store.Scanner) (holder, error) {
		var h holder
		return h, r.Scan(&h.need, &h.org)
	}, `SELECT DISTINCT need_id, org_id FROM allocations WHERE status IN ('reserved','dispatched','delivered')
		AND need_id IN (`+store.InList(n.db.Engine, 1, len(args))+`) ORDER BY need_id, org_id`, args...)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if i, ok := at[h.need]; ok && !slices.Contains(fs[i].OrgIDs, h.org) {
			fs[i].OrgIDs = append(fs[i].OrgIDs, h.org)
		}
	}
	return nil
}
