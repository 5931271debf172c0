package allocate

import (
	"context"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Sync brings p's needs in phases not over on day today in step with the targets
// changed since since (all targets when since is nil): needs of targets that were
// merged away or are no longer eligible are voided when nothing is allocated and
// flagged for the office when something is (the allocated quantity is kept),
// quantities follow the targets' sizes (never below what is allocated: a shrink
// below it is flagged instead), voided needs of targets eligible again reopen, and
// new eligible targets get needs.
func (n *Needs) Sync(ctx context.Context, tx *store.Tx, p program.Program, today string, since *time.Time) (program.SyncResult, error) {
	res := program.SyncResult{ProgramID: p.ID}
	// run executes a statement on the program's needs in phases not over, for
	// targets (t) that changed and match cond.
	qty := quantityExpr(p.QuantityRule)
	newQty := `(SELECT ` + qty + ` FROM ` + registry.Targets + ` WHERE t.id = needs.target_id)`
	run := func(set, where, cond string, condArgs func(first int) (string, []any)) (int, error) {
		args := []any{p.ID, today}
		targets := `SELECT t.id FROM ` + registry.Targets + ` WHERE 1=1`
		if since != nil {
			args = append(args, *since)
			targets += ` AND t.updated_at >= $3`
		}
		if condArgs != nil {
			c, cargs := condArgs(len(args) + 1)
			cond = strings.ReplaceAll(cond, "{eligible}", c)
			args = append(args, cargs...)
		}
		if cond != "" {
			targets += ` AND ` + cond
		}
		return affected(tx.ExecContext(ctx, `UPDATE needs SET `+set+` WHERE program_id = $1 AND ends >= $2 AND `+where+
			` AND target_id IN (`+targets+`)`, args...))
	}
	elig := func(first int) (string, []any) { return registry.Eligible(criteria(p), first) }
	var err error
	// Targets gone or no longer eligible.
	if res.Voided, err = run(`state = 'void', quantity = 0, flag = 'target_left'`, `state = 'open' AND allocated = 0`,
		`NOT ({eligible})`, elig); err != nil {
		return res, err
	}
	if res.Flagged, err = run(`state = 'flagged', quantity = allocated, flag = 'target_left'`, `state = 'open' AND allocated > 0`,
		`NOT ({eligible})`, elig); err != nil {
		return res, err
	}
	// Sizes follow the target, never below what is allocated.
	k, err := run(`state = 'flagged', quantity = allocated, flag = 'quantity_reduced'`, `state = 'open' AND `+newQty+` < allocated`, "", nil)
	if err != nil {
		return res, err
	}
	res.Flagged += k
	// A household or person already served that grows keeps what it was given and
	// is flagged: it is served by one collaborator, so the growth cannot go to
	// another, and the office decides.
	if k, err = run(`state = 'flagged', flag = 'quantity_grown'`, `state = 'open' AND allocated > 0 AND kind IN ('household','person') AND `+newQty+` > quantity`, "", nil); err != nil {
		return res, err
	}
	res.Flagged += k
	if res.Resized, err = run(`quantity = `+newQty, `state = 'open' AND `+newQty+` <> quantity AND `+newQty+` >= allocated`, "", nil); err != nil {
		return res, err
	}
	// Voided needs whose target is eligible again.
	if res.Reopened, err = run(`state = 'open', flag = '', quantity = `+newQty, `state = 'void'`, `{eligible} AND `+qty+` > 0`, elig); err != nil {
		return res, err
	}
	res.Added, err = n.Add(ctx, tx, p, today, since)
	return res, err
}
