package allocate

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// What a person may learn of their own aid (issue 14): the self-check (cek
// bantuan) asks, for the targets a NIK belongs to, which programs and phases they
// have a need in and how far each is; a data-subject access request asks the same
// with every allocation's detail. The caller has already decided that the targets
// are the person's own.

// AidLine is one need of a target: a program's phase, what it needs and what the
// allocations for it became, oldest first.
type AidLine struct {
	NeedID      string          `json:"need_id"`
	TargetID    string          `json:"target_id"`
	ProgramID   string          `json:"program_id"`
	Program     string          `json:"program"`
	PhaseID     string          `json:"phase_id"`
	Phase       string          `json:"phase"`
	Quantity    int             `json:"quantity"`
	Allocated   int             `json:"allocated"`
	Delivered   int             `json:"delivered"`
	State       string          `json:"state"`
	Allocations []AidAllocation `json:"allocations"`
}

// AidAllocation is one allocation of a need, as its recipient may know it. The
// organisation is named by id only: who delivers is the office's to tell.
type AidAllocation struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Quantity    int        `json:"quantity"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	Proof       string     `json:"proof,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
}

// The self-check's words for how far a need is.
const (
	AidWaiting   = "waiting"    // no one brings it yet, or a collaborator holds it but has not sent it
	AidOnTheWay  = "on_the_way" // dispatched
	AidDelivered = "delivered"
)

// Progress says how far the line is for its recipient: the status, the day it was
// delivered (zero unless delivered), and the allocation still open (reserved or
// dispatched: its recipient code is the one the courier will ask for), "" if none.
func (l AidLine) Progress() (status string, deliveredAt time.Time, open string) {
	status = AidWaiting
	for _, a := range l.Allocations {
		switch a.Status {
		case Dispatched:
			return AidOnTheWay, time.Time{}, a.ID
		case Reserved:
			open = a.ID
		case Delivered:
			if a.DeliveredAt != nil && a.DeliveredAt.After(deliveredAt) {
				deliveredAt = *a.DeliveredAt
			}
		}
	}
	if open == "" && !deliveredAt.IsZero() {
		status = AidDelivered
	}
	return status, deliveredAt, open
}

// AidOf returns the needs of the targets, with their allocations and the names of
// their programs and phases.
func (s *Service) AidOf(ctx context.Context, targetIDs []string) ([]AidLine, error) {
	if len(targetIDs) == 0 {
		return nil, nil
	}
	return s.aidOf(ctx, targetIDs)
}

// SelfCheckAid is AidOf for the self-check, which must take the same time whether
// or not the NIK was found: with no targets it runs the same reads for a target and
// a program that do not exist, and returns nothing.
func (s *Service) SelfCheckAid(ctx context.Context, targetIDs []string) ([]AidLine, error) {
	if len(targetIDs) > 0 {
		return s.aidOf(ctx, targetIDs)
	}
	if _, err := s.aidOf(ctx, []string{"-"}); err != nil {
		return nil, err
	}
	if _, err := s.programs.Get(ctx, "-", true); err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	return nil, nil
}

func (s *Service) aidOf(ctx context.Context, targetIDs []string) ([]AidLine, error) {
	args := make([]any, len(targetIDs))
	for i, id := range targetIDs {
		args[i] = id
	}
	var lines []AidLine
	at := map[string]int{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var l AidLine
		var aID, aOrg, aStatus, aReason, aProof *string
		var aQty *int
		var aCreated, aDelivered, aEnded *time.Time
		if err := r.Scan(&l.NeedID, &l.TargetID, &l.ProgramID, &l.PhaseID, &l.Quantity, &l.Allocated, &l.Delivered, &l.State,
			&aID, &aOrg, &aQty, &aStatus, &aReason, &aProof, &aCreated, &aDelivered, &aEnded); err != nil {
			return err
		}
		i, ok := at[l.NeedID]
		if !ok {
			l.Allocations = []AidAllocation{}
			i, at[l.NeedID] = len(lines), len(lines)
			lines = append(lines, l)
		}
		if aID == nil {
			return nil
		}
		a := AidAllocation{ID: *aID, OrgID: *aOrg, Quantity: *aQty, Status: *aStatus, Reason: *aReason, Proof: *aProof,
			CreatedAt: aCreated.UTC(), DeliveredAt: utc(aDelivered), EndedAt: utc(aEnded)}
		lines[i].Allocations = append(lines[i].Allocations, a)
		return nil
	}, `SELECT n.id, n.target_id, n.program_id, n.phase_id, n.quantity, n.allocated, n.delivered, n.state,
			a.id, a.org_id, a.quantity, a.status, a.reason, a.proof, a.created_at, a.delivered_at, a.ended_at
		FROM needs n LEFT JOIN allocations a ON a.need_id = n.id
		WHERE n.target_id IN (`+store.InList(s.db.Engine, 1, len(args))+`)
		ORDER BY n.starts, n.program_id, n.id, a.created_at, a.id`, args...)
	if err != nil {
		return nil, err
	}
	// A person has a handful of needs: their programs are read one by one, each once.
	names := map[string]map[string]string{} // program id → "" → name, phase id → phase name
	for i := range lines {
		l := &lines[i]
		n, ok := names[l.ProgramID]
		if !ok {
			p, err := s.programs.Get(ctx, l.ProgramID, true)
			if err != nil {
				return nil, err
			}
			n = map[string]string{"": p.Name}
			for _, ph := range p.Phases {
				n[ph.ID] = ph.Name
			}
			names[l.ProgramID] = n
		}
		l.Program, l.Phase = n[""], n[l.PhaseID]
	}
	return lines, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
