package program

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// eligibility is the SQL condition (on targets t) that a target belongs to program p,
// with its arguments numbered from first.
func eligibility(p Program, first int) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(first+len(args)-1) }
	var kinds []string
	for _, k := range p.TargetKinds {
		kinds = append(kinds, arg(k))
	}
	cond := `t.merged_into IS NULL AND t.held = '' AND t.kind IN (` + strings.Join(kinds, ",") + `)`
	if len(p.Regions) > 0 {
		var or []string
		for _, r := range p.Regions {
			or = append(or, `t.region LIKE `+arg(r+"%"))
		}
		cond += ` AND (` + strings.Join(or, " OR ") + `)`
	}
	if len(p.InstitutionKinds) > 0 {
		var in []string
		for _, k := range p.InstitutionKinds {
			in = append(in, arg(k))
		}
		cond += ` AND (t.kind <> 'institution' OR t.inst_kind IN (` + strings.Join(in, ",") + `))`
	}
	if len(p.Tags) > 0 {
		var or []string
		for _, tag := range p.Tags {
			or = append(or, `t.tags LIKE `+arg("%,"+tag+",%"))
		}
		cond += ` AND (` + strings.Join(or, " OR ") + `)`
	}
	return cond, args
}

// quantityExpr is the SQL for one target's quantity under the program's rule.
func quantityExpr(rule string) string {
	switch rule {
	case PerPerson, PerResident:
		return `(CASE WHEN t.kind = 'person' THEN 1 ELSE t.size END)`
	case PerFamily:
		return `(CASE WHEN t.kind = 'rw' THEN t.families ELSE 1 END)`
	}
	return `1`
}

// priorityExpr is 1 for a target with one of the priority tags.
func priorityExpr(p Program, args *[]any) string {
	if len(p.PriorityTags) == 0 {
		return `0`
	}
	var or []string
	for _, tag := range p.PriorityTags {
		*args = append(*args, "%,"+tag+",%")
		or = append(or, `t.tags LIKE $`+itoa(len(*args)))
	}
	return `(CASE WHEN ` + strings.Join(or, " OR ") + ` THEN 1 ELSE 0 END)`
}

// addNeeds creates the missing needs of p for every eligible target, in every phase
// (or only phases not yet over on day today, when today is set). Existing needs are
// left alone. It returns how many were added.
func (s *Service) addNeeds(ctx context.Context, tx *store.Tx, p Program, today string, since *time.Time) (int, error) {
	group := p.StackGroup
	if p.StackExempt {
		group = ""
	}
	args := []any{p.ID, group}
	prio := priorityExpr(p, &args)
	cond, cargs := eligibility(p, len(args)+1)
	args = append(args, cargs...)
	qty := quantityExpr(p.QuantityRule)
	// Needs are written, and numbered, in the order the engine reads them: by
	// phase, region, priority and waiting time. A claim's thousands of households
	// then sit side by side in the table and in every index keyed by need id,
	// instead of one per page. The id is a time-ordered prefix, unique to this
	// statement, and the row's place in that order.
	args = append(args, orderedPrefix())
	order := `ph.starts, ph.id, t.region, ` + prio + ` DESC, t.created_at, t.id`
	if len(p.PriorityTags) == 0 {
		order = `ph.starts, ph.id, t.region, t.created_at, t.id` // "0 DESC" would name a column
	}
	newID := `$` + itoa(len(args)) + ` || printf('%08x', row_number() OVER (ORDER BY ` + order + `))`
	if tx.Engine == store.Postgres {
		newID = `$` + itoa(len(args)) + ` || lpad(to_hex(row_number() OVER (ORDER BY ` + order + `)), 8, '0')`
	}
	q := `INSERT INTO needs (id, program_id, phase_id, target_id, region, kind, quantity, priority, since, stack_group, starts, ends)
		SELECT ` + newID + `, $1, ph.id, t.id, t.region, t.kind, ` + qty + `, ` + prio + `, t.created_at, $2, ph.starts, ph.ends
		FROM targets t JOIN phases ph ON ph.program_id = $1
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
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// orderedPrefix is the first 24 hex digits of a UUID version 7: the time in
// milliseconds and 48 random bits, so that needs added later sort after earlier ones
// and two statements never share a prefix.
func orderedPrefix() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return strings.ReplaceAll(u.String(), "-", "")[:24]
}

// SyncResult counts what a registry sync changed in one program.
type SyncResult struct {
	ProgramID string `json:"program_id"`
	Added     int    `json:"added"`
	Voided    int    `json:"voided"`
	Flagged   int    `json:"flagged"`
	Resized   int    `json:"resized"`
	Reopened  int    `json:"reopened"`
}

// Changed reports whether the sync changed anything.
func (r SyncResult) Changed() bool {
	return r.Added+r.Voided+r.Flagged+r.Resized+r.Reopened > 0
}

// Sync brings the open needs of every published program in step with the registry:
// new eligible targets get needs (in phases not yet over), needs of targets that were
// merged away or are no longer eligible are voided when nothing is allocated and
// flagged for the office when something is (the allocated quantity is kept), and
// quantities follow the targets' sizes (never below what is allocated: a shrink below
// it is flagged instead).
func (s *Service) Sync(ctx context.Context) ([]SyncResult, error) { return s.SyncThen(ctx, nil) }

// SyncThen is Sync, calling then (when not nil) inside each program's transaction
// after its needs changed: the allocation engine fills waiting commitments there, so
// new needs reach the oldest waiting commitment before any new commitment sees them.
func (s *Service) SyncThen(ctx context.Context, then func(context.Context, *store.Tx, Program, SyncResult) error) ([]SyncResult, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT id FROM programs WHERE status = 'published' ORDER BY created_at`)
	if err != nil {
		return nil, store.Map(err)
	}
	ids, err := store.Collect(rows, store.String)
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	for _, id := range ids {
		var res SyncResult
		err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			p, err := s.get(ctx, tx, id, true)
			if err != nil || p.Status != Published {
				return err
			}
			res, err = s.syncProgram(ctx, tx, p)
			if err != nil || !res.Changed() {
				return err
			}
			// then first: the engine's fills take their phase locks before any
			// audit head (see allocate.fillWaiting).
			if then != nil {
				if err := then(ctx, tx, p, res); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, audit.Change{Action: "program.sync", ObjectType: "program", ObjectID: id, Detail: res})
		})
		if err != nil {
			return out, err
		}
		if res.Changed() {
			out = append(out, res)
		}
	}
	return out, nil
}

func (s *Service) syncProgram(ctx context.Context, tx *store.Tx, p Program) (SyncResult, error) {
	res := SyncResult{ProgramID: p.ID}
	start := s.Now()
	today := start.Format("2006-01-02")
	// Only targets changed since the last sync are looked at, with a margin for
	// changes stamped before and committed after it (looking again is harmless:
	// every statement below changes only what differs).
	var last sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT synced_at FROM programs WHERE id = $1`, p.ID).Scan(&last); err != nil {
		return res, err
	}
	var since *time.Time
	if last.Valid {
		t := last.Time.Add(-syncMargin)
		since = &t
	}
	// run executes a statement on the program's needs in phases not over, for
	// targets (t) that changed and match cond.
	qty := quantityExpr(p.QuantityRule)
	newQty := `(SELECT ` + qty + ` FROM targets t WHERE t.id = needs.target_id)`
	run := func(set, where, cond string, condArgs func(first int) (string, []any)) (int, error) {
		args := []any{p.ID, today}
		targets := `SELECT t.id FROM targets t WHERE 1=1`
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
		r, err := tx.ExecContext(ctx, `UPDATE needs SET `+set+` WHERE program_id = $1 AND ends >= $2 AND `+where+
			` AND target_id IN (`+targets+`)`, args...)
		if err != nil {
			return 0, err
		}
		n, err := r.RowsAffected()
		return int(n), err
	}
	elig := func(first int) (string, []any) { return eligibility(p, first) }
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
	n, err := run(`state = 'flagged', quantity = allocated, flag = 'quantity_reduced'`, `state = 'open' AND `+newQty+` < allocated`, "", nil)
	if err != nil {
		return res, err
	}
	res.Flagged += n
	// A household or person already served that grows keeps what it was given and
	// is flagged: it is served by one collaborator, so the growth cannot go to
	// another, and the office decides.
	if n, err = run(`state = 'flagged', flag = 'quantity_grown'`, `state = 'open' AND allocated > 0 AND kind IN ('household','person') AND `+newQty+` > quantity`, "", nil); err != nil {
		return res, err
	}
	res.Flagged += n
	if res.Resized, err = run(`quantity = `+newQty, `state = 'open' AND `+newQty+` <> quantity AND `+newQty+` >= allocated`, "", nil); err != nil {
		return res, err
	}
	// Voided needs whose target is eligible again.
	if res.Reopened, err = run(`state = 'open', flag = '', quantity = `+newQty, `state = 'void'`, `{eligible} AND `+qty+` > 0`, elig); err != nil {
		return res, err
	}
	if res.Added, err = s.addNeeds(ctx, tx, p, today, since); err != nil {
		return res, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE programs SET synced_at = $1 WHERE id = $2`, start, p.ID)
	return res, err
}

// syncMargin is how far before its last sync a program looks again for changed
// targets: a change stamped before the sync may commit after it.
const syncMargin = 10 * time.Minute

// Counts are units of aid: needed, allocated (held by allocations) and delivered.
type Counts struct {
	Needed    int64 `json:"needed"`
	Allocated int64 `json:"allocated"`
	Delivered int64 `json:"delivered"`
}

// RegionCounts are the counts of one region.
type RegionCounts struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Counts
}

// Coverage is a program's progress in a region, with its children.
type Coverage struct {
	Region   string         `json:"region"`
	Name     string         `json:"name"`
	Phase    string         `json:"phase,omitempty"`
	Children []RegionCounts `json:"children"`
	Counts
}

// Coverage sums a program's needs in a region (the province when code is ""), per
// child region, in one phase (by id or name) or all phases when phase is "".
func (s *Service) Coverage(ctx context.Context, p Program, code, phase string) (Coverage, error) {
	if code == "" {
		code = s.province
	}
	c, err := region.Normalize(code)
	if err != nil {
		return Coverage{}, errs.E(errs.NotFound, "no such region")
	}
	reg, ok := s.regions.Get(c)
	if !ok || !s.regions.Within(c, s.province) {
		return Coverage{}, errs.E(errs.NotFound, "no such region")
	}
	cov := Coverage{Region: reg.Code, Name: reg.Name, Children: []RegionCounts{}}
	args := []any{p.ID, reg.Code, region.Upper(reg.Code)}
	q := `FROM needs WHERE program_id = $1 AND region >= $2 AND region < $3 AND state <> 'void'`
	if phase != "" {
		ph, ok := p.FindPhase(phase)
		if !ok {
			return cov, errs.E(errs.NotFound, "no such phase")
		}
		cov.Phase = ph.Name
		args = append(args, ph.ID)
		q += ` AND phase_id = $4`
	}
	children := s.regions.Children(reg.Code)
	if len(children) == 0 {
		err := s.db.R().QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity),0), COALESCE(SUM(allocated),0), COALESCE(SUM(delivered),0) `+q, args...).
			Scan(&cov.Needed, &cov.Allocated, &cov.Delivered)
		return cov, store.Map(err)
	}
	sums, err := s.sumByChild(ctx, children, q, args, false)
	if err != nil {
		return cov, err
	}
	for _, r := range sums {
		cov.Needed += r.Needed
		cov.Allocated += r.Allocated
		cov.Delivered += r.Delivered
		cov.Children = append(cov.Children, r.RegionCounts)
	}
	return cov, nil
}

// sumByChild sums the needs that from (a "FROM needs WHERE …" clause, with args)
// selects, per child region, in the children's order, a child without needs at
// zero; with reached, it also counts the distinct targets that received something.
func (s *Service) sumByChild(ctx context.Context, children []region.Region, from string, args []any, reached bool) ([]RegionProgress, error) {
	distinct := `0`
	if reached {
		distinct = `COUNT(DISTINCT CASE WHEN delivered > 0 THEN target_id END)`
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT substr(region, 1, `+itoa(len(children[0].Code))+`),
		SUM(quantity), SUM(allocated), SUM(delivered), `+distinct+` `+from+` GROUP BY 1`, args...)
	if err != nil {
		return nil, store.Map(err)
	}
	defer rows.Close()
	sums := map[string]RegionProgress{}
	for rows.Next() {
		var r RegionProgress
		if err := rows.Scan(&r.Code, &r.Needed, &r.Allocated, &r.Delivered, &r.TargetsReached); err != nil {
			return nil, store.Map(err)
		}
		sums[r.Code] = r
	}
	if err := rows.Err(); err != nil {
		return nil, store.Map(err)
	}
	out := make([]RegionProgress, 0, len(children))
	for _, ch := range children {
		r := sums[ch.Code]
		r.Code, r.Name = ch.Code, ch.Name
		out = append(out, r)
	}
	return out, nil
}

// Flagged is a need the office must look at: its target left the registry or the
// program, or shrank, while aid was already allocated to it.
type Flagged struct {
	NeedID     string `json:"need_id"`
	Phase      string `json:"phase"`
	TargetID   string `json:"target_id"`
	TargetName string `json:"target_name"`
	Region     string `json:"region"`
	Quantity   int    `json:"quantity"`
	Allocated  int    `json:"allocated"`
	Flag       string `json:"flag"`
}

// FlaggedNeeds lists a program's flagged needs inside scope (a region prefix).
func (s *Service) FlaggedNeeds(ctx context.Context, programID, scope string, limit int) ([]Flagged, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT n.id, ph.name, n.target_id, t.name, n.region, n.quantity, n.allocated, n.flag
		FROM needs n JOIN phases ph ON ph.id = n.phase_id JOIN targets t ON t.id = n.target_id
		WHERE n.program_id = $1 AND n.state = 'flagged' AND n.region >= $2 AND n.region < $3
		ORDER BY n.region, n.id LIMIT $4`, programID, scope, region.Upper(scope), store.Limit(limit))
	if err != nil {
		return nil, store.Map(err)
	}
	return store.Collect(rows, func(r interface{ Scan(...any) error }) (Flagged, error) {
		var f Flagged
		err := r.Scan(&f.NeedID, &f.Phase, &f.TargetID, &f.TargetName, &f.Region, &f.Quantity, &f.Allocated, &f.Flag)
		return f, err
	})
}

// Progress is the public picture of the province: every published or closed
// program's needs (void ones left out) summed per kab/kota. It holds counts only.
type Progress struct {
	Programs       int              // published or closed
	TargetsReached int64            // distinct targets with something delivered
	Regions        []RegionProgress // the province's kab/kota, in code order
	Counts
}

// RegionProgress is one kab/kota's part of Progress.
type RegionProgress struct {
	RegionCounts
	TargetsReached int64
}

// Progress sums the needs of the programs the public may see, per kab/kota. It reads
// every such need (about 1.8 s per million on SQLite): callers that answer anonymous
// requests keep the result for a while.
func (s *Service) Progress(ctx context.Context) (Progress, error) {
	var out Progress
	if err := s.db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM programs WHERE status IN ('published','closed')`).Scan(&out.Programs); err != nil {
		return out, store.Map(err)
	}
	children := s.regions.Children(s.province)
	if len(children) == 0 || out.Programs == 0 {
		for _, ch := range children {
			out.Regions = append(out.Regions, RegionProgress{RegionCounts: RegionCounts{Code: ch.Code, Name: ch.Name}})
		}
		return out, nil
	}
	// A target lies in one kab/kota, so the distinct counts per kab/kota add up to
	// the province's.
	var err error
	out.Regions, err = s.sumByChild(ctx, children, `FROM needs WHERE program_id IN (SELECT id FROM programs WHERE status IN ('published','closed'))
		AND state <> 'void' AND region >= $1 AND region < $2`, []any{s.province, region.Upper(s.province)}, true)
	for _, r := range out.Regions {
		out.Needed += r.Needed
		out.Allocated += r.Allocated
		out.Delivered += r.Delivered
		out.TargetsReached += r.TargetsReached
	}
	return out, err
}
