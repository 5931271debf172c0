package allocate

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// TargetAllocation is one allocation to a target as its aid history shows it: what
// it brings, from which program and phase, by which organisation, and how far it got.
type TargetAllocation struct {
	ID           string     `json:"id"`
	CommitmentID string     `json:"commitment_id"`
	OrgID        string     `json:"org_id"`
	Org          string     `json:"org"`
	ProgramID    string     `json:"program_id"`
	Program      string     `json:"program"`
	Phase        string     `json:"phase"`
	Item         string     `json:"item"`
	Unit         string     `json:"unit"`
	Quantity     int        `json:"quantity"`
	Status       string     `json:"status"`
	Proof        string     `json:"proof,omitempty"` // ProofCode, ProofPhoto, ProofProvider once delivered
	CreatedAt    time.Time  `json:"created_at"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
}

// TargetHistory lists a page of the allocations to one target across programs and
// organisations, newest first, with how many there are in all. The caller has
// already found the target in the viewer's scope (registry.Service.Target).
func (s *Service) TargetHistory(ctx context.Context, targetID, cursor string, limit int) ([]TargetAllocation, string, int, error) {
	cur, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, "", 0, err
	}
	var total int
	if err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM allocations WHERE target_id = $1`, targetID).Scan(&total); err != nil {
		return nil, "", 0, err
	}
	limit = store.Limit(limit)
	as, err := store.All(ctx, s.db.R(), func(r store.Scanner) (TargetAllocation, error) {
		var a TargetAllocation
		var phaseID string
		err := r.Scan(&a.ID, &a.CommitmentID, &a.OrgID, &a.ProgramID, &phaseID, &a.Quantity, &a.Status, &a.Proof,
			&a.CreatedAt, &a.DeliveredAt, &a.EndedAt)
		a.Phase = phaseID // named below
		a.CreatedAt, a.DeliveredAt, a.EndedAt = a.CreatedAt.UTC(), utc(a.DeliveredAt), utc(a.EndedAt)
		return a, err
	}, `SELECT a.id, a.commitment_id, a.org_id, n.program_id, n.phase_id, a.quantity, a.status, a.proof, a.created_at, a.delivered_at, a.ended_at
		FROM allocations a JOIN needs n ON n.id = a.need_id
		WHERE a.target_id = $1 AND ($2 = '' OR a.created_at < $3 OR (a.created_at = $3 AND a.id < $2))
		ORDER BY a.created_at DESC, a.id DESC LIMIT $4`, targetID, cur.ID, cur.At, limit+1)
	if err != nil {
		return nil, "", 0, err
	}
	as, next := store.Page(as, limit, func(a TargetAllocation) store.Cursor { return store.Cursor{At: a.CreatedAt, ID: a.ID} })
	if err := s.nameHistory(ctx, as); err != nil {
		return nil, "", 0, err
	}
	return as, next, total, nil
}

// nameHistory fills in the names of the programs, phases, items and organisations,
// each program read once: a page holds a few programs.
func (s *Service) nameHistory(ctx context.Context, as []TargetAllocation) error {
	var orgIDs []string
	seen := map[string]bool{}
	for _, a := range as {
		if !seen[a.OrgID] {
			seen[a.OrgID] = true
			orgIDs = append(orgIDs, a.OrgID)
		}
	}
	orgs, err := s.orgs.OrgNames(ctx, orgIDs)
	if err != nil {
		return err
	}
	type named struct {
		name, item, unit string
		phases           map[string]string
	}
	programs := map[string]named{}
	for i := range as {
		a := &as[i]
		p, ok := programs[a.ProgramID]
		if !ok {
			got, err := s.programs.Get(ctx, a.ProgramID, true)
			if err != nil {
				return err
			}
			p = named{name: got.Name, item: got.Item.Name, unit: got.Item.Unit, phases: map[string]string{}}
			for _, ph := range got.Phases {
				p.phases[ph.ID] = ph.Name
			}
			programs[a.ProgramID] = p
		}
		a.Org, a.Program, a.Item, a.Unit, a.Phase = orgs[a.OrgID], p.name, p.item, p.unit, p.phases[a.Phase]
	}
	return nil
}
