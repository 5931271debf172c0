package deliver

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// What the collaborator's pages need beside the runs themselves: which of a
// commitment's allocations are in which run (to count a run's progress and to
// offer only allocations in no open run), and how each stop of a run was proven.
// Neither holds personal data.

// StopRef is an allocation's place in a run.
type StopRef struct {
	DeliveryID   string
	AllocationID string
	// Open is true while the stop waits in a run that is neither done nor revoked.
	Open bool
}

// CommitmentStops lists the stops of every run of a commitment of who's
// organisation (any, for an admin); another organisation's commitment is not found.
func (s *Service) CommitmentStops(ctx context.Context, who Who, commitmentID string) ([]StopRef, error) {
	if _, _, err := s.allocs.RunCommitment(ctx, s.db.R(), who, commitmentID); err != nil {
		return nil, err
	}
	return store.All(ctx, s.db.R(), func(r store.Scanner) (StopRef, error) {
		var st StopRef
		var open int
		err := r.Scan(&st.DeliveryID, &st.AllocationID, &open)
		st.Open = open == 1
		return st, err
	}, `SELECT s.delivery_id, s.allocation_id, s.open FROM delivery_stops s JOIN deliveries d ON d.id = s.delivery_id
		WHERE d.commitment_id = $1 ORDER BY s.delivery_id, s.seq`, commitmentID)
}

// ProofKinds returns, for a run of who's organisation, the proof of each delivered
// stop by allocation id: "code", "photo" or "provider".
func (s *Service) ProofKinds(ctx context.Context, who Who, runID string) (map[string]string, error) {
	if _, err := getRun(ctx, s.db.R(), who, runID); err != nil {
		return nil, err
	}
	out := map[string]string{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var id, kind string
		if err := r.Scan(&id, &kind); err != nil {
			return err
		}
		out[id] = kind
		return nil
	}, `SELECT allocation_id, kind FROM delivery_proofs WHERE delivery_id = $1`, runID)
	return out, err
}

// CourierProgram returns the program of the run a courier's link opens, so that
// its page can name the package it carries. The link is checked as for every
// courier's request.
func (s *Service) CourierProgram(ctx context.Context, tok string) (string, error) {
	d, err := s.courier(ctx, s.db.R(), tok)
	if err != nil {
		return "", err
	}
	c, _, err := s.allocs.RunCommitment(ctx, s.db.R(), anyOrg, d.CommitmentID)
	return c.ProgramID, err
}
