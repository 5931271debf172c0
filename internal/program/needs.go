package program

import (
	"context"
	"database/sql"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Needs is what a program asks of the needs' owner. Package allocate owns the
// needs table (a need is its engine's unit of work: only it changes a need's
// quantity, state or allocated count) and implements Needs; package app hands it
// to New. Calls that take a transaction run in the caller's.
type Needs interface {
	// Add creates the missing needs of p for its eligible targets, in every phase
	// (only phases not over on day today, when today is set; only targets changed
	// since since, when set), and returns how many it added.
	Add(ctx context.Context, tx *store.Tx, p Program, today string, since *time.Time) (int, error)
	// Sync brings p's needs in phases not over on day today in step with the
	// targets changed since since (nil: all), adding the missing ones.
	Sync(ctx context.Context, tx *store.Tx, p Program, today string, since *time.Time) (SyncResult, error)
	// Restack moves a program's needs to stack group ("" when exempt).
	Restack(ctx context.Context, tx *store.Tx, programID, group string) error
	// Sum adds up the needs f selects (void ones left out) per region code prefix
	// of by characters (0: one sum under ""); reached also counts the distinct
	// targets that received something. A prefix without needs is absent.
	Sum(ctx context.Context, f NeedFilter, by int, reached bool) (map[string]RegionProgress, error)
	// Flagged lists a program's flagged needs inside scope, with the phase's id in
	// Phase.
	Flagged(ctx context.Context, programID, scope string, limit int) ([]Flagged, error)
}

// NeedFilter selects needs to sum: those of some programs, in a region (a code
// prefix), in one phase (by id) or all when Phase is "".
type NeedFilter struct {
	Programs []string
	Region   string
	Phase    string
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
	ids, err := store.All(ctx, s.db.R(), store.String, `SELECT id FROM programs WHERE status = 'published' ORDER BY created_at`)
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	for _, id := range ids {
		var res SyncResult
		err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			// Two worker processes following the registry take a program in turn:
			// the second then finds nothing changed, instead of updating the same
			// needs beside the first (which could deadlock) and auditing the sync
			// twice. Taken first in the transaction, the lock is in no cycle.
			if err := tx.Lock(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "program sync "+id); err != nil {
				return err
			}
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
	// every statement of Needs.Sync changes only what differs).
	var last sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT synced_at FROM programs WHERE id = $1`, p.ID).Scan(&last); err != nil {
		return res, err
	}
	var since *time.Time
	if last.Valid {
		t := last.Time.Add(-syncMargin)
		since = &t
	}
	res, err := s.needs.Sync(ctx, tx, p, today, since)
	if err != nil {
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
	var phaseID string
	if phase != "" {
		ph, ok := p.FindPhase(phase)
		if !ok {
			return cov, errs.E(errs.NotFound, "no such phase")
		}
		cov.Phase, phaseID = ph.Name, ph.ID
	}
	children := s.regions.Children(reg.Code)
	by := 0
	if len(children) > 0 {
		by = len(children[0].Code)
	}
	sums, err := s.needs.Sum(ctx, NeedFilter{Programs: []string{p.ID}, Region: reg.Code, Phase: phaseID}, by, false)
	if err != nil {
		return cov, err
	}
	cov.Counts = sums[""].Counts
	for _, r := range byChild(children, sums) {
		cov.Needed += r.Needed
		cov.Allocated += r.Allocated
		cov.Delivered += r.Delivered
		cov.Children = append(cov.Children, r.RegionCounts)
	}
	return cov, nil
}

// byChild puts sums in the children's order, a child without needs at zero.
func byChild(children []region.Region, sums map[string]RegionProgress) []RegionProgress {
	out := make([]RegionProgress, 0, len(children))
	for _, ch := range children {
		r := sums[ch.Code]
		r.Code, r.Name = ch.Code, ch.Name
		out = append(out, r)
	}
	return out
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
	// OrgIDs are the organisations holding the need's allocations (reserved, on
	// their way or delivered), for the office to call about it.
	OrgIDs []string `json:"org_ids,omitempty"`
}

// FlaggedNeeds lists a program's flagged needs inside scope (a region prefix).
func (s *Service) FlaggedNeeds(ctx context.Context, programID, scope string, limit int) ([]Flagged, error) {
	fs, err := s.needs.Flagged(ctx, programID, scope, limit)
	if err != nil || len(fs) == 0 {
		return fs, err
	}
	phases, err := s.phases(ctx, s.db.R(), programID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, ph := range phases {
		names[ph.ID] = ph.Name
	}
	for i := range fs {
		fs[i].Phase = names[fs[i].Phase]
	}
	return fs, nil
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
	ids, err := store.All(ctx, s.db.R(), store.String, `SELECT id FROM programs WHERE status IN ('published','closed')`)
	if err != nil {
		return out, err
	}
	out.Programs = len(ids)
	children := s.regions.Children(s.province)
	if len(children) == 0 || out.Programs == 0 {
		for _, ch := range children {
			out.Regions = append(out.Regions, RegionProgress{RegionCounts: RegionCounts{Code: ch.Code, Name: ch.Name}})
		}
		return out, nil
	}
	// A target lies in one kab/kota, so the distinct counts per kab/kota add up to
	// the province's.
	sums, err := s.needs.Sum(ctx, NeedFilter{Programs: ids, Region: s.province}, len(children[0].Code), true)
	if err != nil {
		return out, err
	}
	out.Regions = byChild(children, sums)
	for _, r := range out.Regions {
		out.Needed += r.Needed
		out.Allocated += r.Allocated
		out.Delivered += r.Delivered
		out.TargetsReached += r.TargetsReached
	}
	return out, nil
}
