package deliver

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// What a failure asks the office of the target's region to look at.
const (
	// FlagPossibleOverlap: the recipient says it received the aid elsewhere, so
	// another program or giver may serve the same need.
	FlagPossibleOverlap = "possible_overlap"
	// FlagCheckTarget: a second failure on one target (in any program): its address
	// or phone in the registry may be wrong.
	FlagCheckTarget = "check_target"
)

// Fail records that an allocation of who's organisation, on its way, could not be
// delivered: allocate.FailDeliveryTx gives its quantity back and fills waiting commitments,
// and the failure raises the office's flags, all in one transaction.
func (s *Service) Fail(ctx context.Context, who Who, allocationID, reason, note string) (allocate.DeliveredView, error) {
	if err := s.fail(ctx, allocationID, reason, note, s.ownScope(who)); err != nil {
		return allocate.DeliveredView{}, err
	}
	return s.allocs.Delivered(ctx, who, allocationID)
}

func (s *Service) fail(ctx context.Context, allocationID, reason, note string, may scope) error {
	reason, note, err := allocate.CheckFailReason(reason, note)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.failIn(ctx, tx, allocationID, reason, note, may)
	})
	if err == nil {
		s.wake()
	}
	return err
}

// failIn records a failure inside tx, reason and note already checked.
func (s *Service) failIn(ctx context.Context, tx *store.Tx, allocationID, reason, note string, may scope) error {
	runID, err := may(ctx, tx, allocationID)
	if err != nil {
		return err
	}
	f, err := s.allocs.FailDeliveryTx(ctx, tx, allocationID, reason, note)
	if err != nil {
		return err
	}
	if err := s.tellFailed(ctx, tx, f); err != nil {
		return err
	}
	if f.Reason == allocate.FailReceivedElsewhere {
		if err := s.flag(ctx, tx, f, FlagPossibleOverlap); err != nil {
			return err
		}
	}
	if f.TargetFailures >= 2 {
		var flagged bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM delivery_flags WHERE target_id = $1 AND kind = 'check_target')`,
			f.TargetID).Scan(&flagged); err != nil {
			return err
		}
		if !flagged {
			if err := s.flag(ctx, tx, f, FlagCheckTarget); err != nil {
				return err
			}
		}
	}
	return s.stopEnded(ctx, tx, runID, allocationID)
}

func (s *Service) flag(ctx context.Context, tx *store.Tx, f allocate.Failure, kind string) error {
	id := newID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_flags (id, region, kind, allocation_id, target_id, org_id, failures, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, f.Region, kind, f.AllocationID, f.TargetID, f.OrgID, f.TargetFailures, s.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "delivery.flag", ObjectType: "target", ObjectID: f.TargetID, Region: f.Region,
		Chain: f.Chain, Detail: map[string]any{"flag": id, "kind": kind, "allocation": f.AllocationID, "failures": f.TargetFailures}})
}

// Flag is a failure the office of its region should look at.
type Flag struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	Region       string    `json:"region"`
	AllocationID string    `json:"allocation_id"`
	TargetID     string    `json:"target_id"`
	OrgID        string    `json:"org_id"`
	Failures     int       `json:"failures"`
	CreatedAt    time.Time `json:"created_at"`
}

// Flags lists the flags within code (a region prefix; ” for every region),
// newest first, 500 at most. The caller puts the principal's region scope into
// code.
func (s *Service) Flags(ctx context.Context, code string) ([]Flag, error) {
	lo, hi := code, region.Upper(code)
	if code == "" {
		lo, hi = "", "~"
	}
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Flag, error) {
		var f Flag
		err := r.Scan(&f.ID, &f.Kind, &f.Region, &f.AllocationID, &f.TargetID, &f.OrgID, &f.Failures, &f.CreatedAt)
		f.CreatedAt = f.CreatedAt.UTC()
		return f, err
	}, `SELECT id, kind, region, allocation_id, target_id, org_id, failures, created_at FROM delivery_flags
		WHERE region >= $1 AND region < $2 ORDER BY created_at DESC, id DESC LIMIT 500`, lo, hi)
}
