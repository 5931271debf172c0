package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// CommitCapper is what an Orgs may also answer: the most units one commitment of
// an organisation may ask for (0: no cap of its own). Account answers it for
// individual collaborators (issue 14: a citizen commits small quantities only).
// It is a separate interface so that the engine's tests, whose organisations
// have no such cap, need not implement it.
type CommitCapper interface {
	CommitCap(ctx context.Context, q store.Querier, orgID string) (int, error)
}

// checkCommitCap refuses, inside the commitment's transaction, a commitment of
// more units than the organisation's own cap per commitment.
func (s *Service) checkCommitCap(ctx context.Context, tx *store.Tx, org string, qty int) error {
	c, ok := s.orgs.(CommitCapper)
	if !ok {
		return nil
	}
	limit, err := c.CommitCap(ctx, tx, org)
	if err != nil || limit == 0 || qty <= limit {
		return err
	}
	return errs.E(errs.Conflict, "an individual collaborator commits at most %d units at a time", limit)
}
