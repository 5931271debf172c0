package allocate

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Needs writes and sums the needs table, which this package owns: a need is the
// engine's unit of work, and every change to its quantity, state or allocated
// count is made here. Package program decides when a program's needs are drawn
// from the registry, kept in step with it or regrouped, and reads their sums,
// through the program.Needs interface that Needs implements (program cannot import
// this package, which imports it).
//
// The needs are drawn from the registry's targets within the same statement (see
// registry.Targets for why); the eligibility rule and the quantities are the
// registry's column fragments.
type Needs struct {
	db       *store.DB
	counters *monitor.Service
}

// NewNeeds returns the needs' owner, to be handed to program.New.
func NewNeeds(db *store.DB) *Needs { return &Needs{db: db, counters: monitor.New(db)} }

var _ program.Needs = (*Needs)(nil)

// criteria are the registry's conditions for the targets p reaches.
func criteria(p program.Program) registry.Criteria {
	return registry.Criteria{Kinds: p.TargetKinds, Regions: p.Regions, InstitutionKinds: p.InstitutionKinds, Tags: p.Tags}
}

// quantityExpr is the SQL for one target's quantity under the program's rule.
func quantityExpr(rule string) string {
	switch rule {
	case program.PerPerson, program.PerResident:
		return registry.People
	case program.PerFamily:
		return registry.Families
	}
	return `1`
}

// priorityExpr is 1 for a target with one of the priority tags.
func priorityExpr(p program.Program, args *[]any) string {
	if len(p.PriorityTags) == 0 {
		return `0`
	}
	return `(CASE WHEN ` + registry.HasTag(p.PriorityTags, args, 1) + ` THEN 1 ELSE 0 END)`
}

// stackGroup is the group a program's needs carry: none when it is exempt.
func stackGroup(p program.Program) string {
	if p.StackExempt {
		return ""
	}
	return p.StackGroup
}

// Add creates the missing needs of p for every eligible target, in every phase (or
// only phases not yet over on day today, when today is set; only targets changed
// since since, when set). Existing needs are left alone. It returns how many were
// added. It is one INSERT … SELECT, whatever the number of targets.
func (n *Needs) Add(ctx context.Context, tx *store.Tx, p program.Program, today string, since *time.Time) (int, error) {
	args := []any{p.ID, stackGroup(p)}
	prio := priorityExpr(p, &args)
	cond, cargs := registry.Eligible(criteria(p), len(args)+1)
	args = append(args, cargs...)
	qty := quantityExpr(p.QuantityRule)
	// Needs are written, and numbered, in the order the engine reads them: by
	// phase, region, priority and waiting time. A claim's thousands of households
	// then sit side by side in the table and in every index keyed by need id,
	// instead of one per page. The id is a time-ordered prefix, unique to this
	// statement, and the row's place in that order.
	args = append(args, newOrderedID()[:24])
	order := `ph.starts, ph.id, t.region, ` + prio + ` DESC, t.created_at, t.id`
	if len(p.PriorityTags) == 0 {
		order = `ph.starts, ph.id, t.region, t.created_at, t.id` // "0 DESC" would name a column
	}
	newID := rowIDs[tx.Engine](`$`+itoa(len(args)), order)
	// The phases are program's; they are joined here (store's owners_test.go lists
	// the exception) so that the seed stays one statement.
	q := `INSERT INTO needs (id, program_id, phase_id, target_id, region, rw, kind, quantity, priority, since, stack_group, starts, ends)
		SELECT ` + newID + `, $1, ph.id, t.id, t.region, t.rw, t.kind, ` + qty + `, ` + prio + `, t.created_at, $2, ph.starts, ph.ends
		FROM ` + registry.Targets + ` JOIN phases ph ON ph.program_id = $1
		WHERE ` + cond + ` AND ` + qty + ` > 0`
	if today != "" {
		args = append(args, today)
		q += ` AND ph.ends >= $` + itoa(len(args))
	}
	if since != nil {
		args = append(args, *since)
		q += ` AND t.updated_at >= $` + itoa(len(args))
	}
	q += ` ORDER BY ` + order + ` ON CONFLICT (phase_id, target_id) DO NOTHING`
	return affected(tx.ExecContext(ctx, q, args...))
}

// rowIDs build, per engine, the id of the n-th row of the seed: the statement's
// prefix (the argument named by prefix) and the row's place in order, as eight hex
// digits. The engines spell "number as zero-padded hex" differently; each spelling
// is in its engine's file.
var rowIDs = map[store.Engine]func(prefix, order string) string{
	store.SQLite:   sqliteRowID,
	store.Postgres: postgresRowID,
}

// affected is the number of rows an Exec changed.
func affected(res interface{ RowsAffected() (int64, error) }, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Restack moves every need of a program to group ("" when the program stacks
// freely with its group).
func (n *Needs) Restack(ctx context.Context, tx *store.Tx, programID, group string) error {
	_, err := tx.ExecContext(ctx, `UPDATE needs SET stack_group = $1 WHERE program_id = $2`, group, programID)
	return err
}
