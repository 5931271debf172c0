package allocate

import (
	"context"
	"strconv"

	"github.com/gotong/gotong/internal/store"
)

// Retention (issue 14, item 6): package retention finds here which recipients of
// a closed program may be forgotten, and clears what this package keeps about them.
// Allocations, needs and commitments stay whole: every count is made of them.

// PurgeCandidates returns, in id order after the cursor and at most limit, the
// targets with a need in the program and no need in any program outside closed:
// a target still needed by a draft, published or recently closed program is kept
// whole.
func (s *Service) PurgeCandidates(ctx context.Context, programID string, closed []string, after string, limit int) ([]string, error) {
	if len(closed) == 0 {
		return nil, nil
	}
	args := []any{programID, after}
	for _, id := range closed {
		args = append(args, id)
	}
	return store.All(ctx, s.db.R(), store.String, candidatesSQL(s.db.Engine, len(closed), limit), args...)
}

// candidatesSQL reads a program's needs by needs_program and each target's other
// needs by needs_target (purge_test.go checks the plan).
func candidatesSQL(eng store.Engine, closed, limit int) string {
	return `SELECT DISTINCT n.target_id FROM needs n
		WHERE n.program_id = $1 AND n.target_id > $2
		AND NOT EXISTS (SELECT 1 FROM needs o WHERE o.target_id = n.target_id AND o.program_id NOT IN (` + store.InList(eng, 3, closed) + `))
		ORDER BY n.target_id LIMIT ` + strconv.Itoa(limit)
}

// allocationsOfSQL reads the allocations of targets by allocations_target
// (migration 00029; purge_test.go checks the plan).
func allocationsOfSQL(eng store.Engine, targets int) string {
	return `SELECT id FROM allocations WHERE target_id IN (` + store.InList(eng, 1, targets) + `) ORDER BY id`
}

// ProgramCommitments lists the ids of a program's commitments.
func (s *Service) ProgramCommitments(ctx context.Context, programID string) ([]string, error) {
	return store.All(ctx, s.db.R(), store.String, `SELECT id FROM commitments WHERE program_id = $1 ORDER BY id`, programID)
}

// PurgedAllocations is what PurgeAllocations removed, and the allocations of the
// purged targets, whose proofs, messages and call-backs their owners clear next.
type PurgedAllocations struct {
	Notes       int64    `json:"notes"`
	Reveals     int64    `json:"reveals"`
	Allocations []string `json:"-"`
}

// PurgeAllocations clears, inside tx, what this package keeps about the targets
// beyond the counts: the free-text notes of their failed deliveries and the record
// of which organisation was shown their contact details (recipient_reveals). It
// returns the targets' allocations in every program.
func (s *Service) PurgeAllocations(ctx context.Context, tx *store.Tx, targetIDs []string) (PurgedAllocations, error) {
	var p PurgedAllocations
	if len(targetIDs) == 0 {
		return p, nil
	}
	args := make([]any, len(targetIDs))
	for i, id := range targetIDs {
		args[i] = id
	}
	in := store.InList(tx.Engine, 1, len(targetIDs))
	var err error
	if p.Allocations, err = store.All(ctx, tx, store.String, allocationsOfSQL(tx.Engine, len(targetIDs)), args...); err != nil {
		return p, err
	}
	// The note is not a counted column: the counters' trigger does not fire.
	res, err := tx.ExecContext(ctx, `UPDATE allocations SET note = '' WHERE target_id IN (`+in+`) AND note <> ''`, args...)
	if err != nil {
		return p, err
	}
	if p.Notes, err = res.RowsAffected(); err != nil {
		return p, err
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM recipient_reveals WHERE allocation_id IN (SELECT id FROM allocations WHERE target_id IN (`+in+`))`, args...)
	if err != nil {
		return p, err
	}
	p.Reveals, err = res.RowsAffected()
	return p, err
}
