package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// What package pledge asks of commitments (issue 14): an aggregator links a
// citizen's pledge to one of its own commitments, and the citizen follows that
// commitment's progress — in units, never its recipients.

// Progress is a commitment's report to those who gave through it.
type Progress struct {
	CommitmentID string `json:"commitment_id"`
	Program      string `json:"program"`
	Status       string `json:"status"`
	Allocated    int    `json:"allocated"` // units reserved, on their way or delivered
	Delivered    int    `json:"delivered"`
}

// OwnCommitment answers nil when the commitment is the organisation's and not
// cancelled (a conflict), and not_found otherwise (another organisation's
// commitment does not exist to it).
func (s *Service) OwnCommitment(ctx context.Context, q store.Querier, orgID, id string) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM commitments WHERE id = $1 AND org_id = $2`, id, orgID).Scan(&status)
	if err != nil {
		return store.NotFound(err, "no such commitment")
	}
	if status == StatusCancelled {
		return errs.E(errs.Conflict, "the commitment was cancelled: choose another")
	}
	return nil
}

// Progresses reports the progress of the commitments ids (unknown ids are left out).
func (s *Service) Progresses(ctx context.Context, ids []string) (map[string]Progress, error) {
	out := map[string]Progress{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	programs := map[string]string{} // commitment → program id
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var p Progress
		var programID string
		if err := r.Scan(&p.CommitmentID, &programID, &p.Status, &p.Allocated, &p.Delivered); err != nil {
			return err
		}
		out[p.CommitmentID], programs[p.CommitmentID] = p, programID
		return nil
	}, `SELECT c.id, c.program_id, c.status,
		COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status IN ('reserved','dispatched','delivered')), 0),
		COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status = 'delivered'), 0)
		FROM commitments c WHERE c.id IN (`+store.InList(s.db.Engine, 1, len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	// The programs' names from their owner: a citizen's few pledges name few programs.
	names := map[string]string{}
	for id, programID := range programs {
		if _, ok := names[programID]; !ok {
			p, err := s.programs.Get(ctx, programID, true)
			if err != nil {
				return nil, err
			}
			names[programID] = p.Name
		}
		pr := out[id]
		pr.Program = names[programID]
		out[id] = pr
	}
	return out, nil
}
