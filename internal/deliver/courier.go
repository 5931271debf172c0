package deliver

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// The courier has no account: the link's token is the whole of its right, limited to
// its run's stops and to the link's life. Its actions are audited as
// "courier:RUN", with the courier's name.

// courier checks a link's token and returns its run. An altered or expired token,
// or one given out before the run was revoked, is unauthorized.
func (s *Service) courier(ctx context.Context, q store.Querier, tok string) (run, error) {
	id, gen, err := s.parseToken(tok, s.Now())
	if err != nil {
		return run{}, err
	}
	d, err := getRun(ctx, q, anyOrg, id)
	if err != nil || d.Gen != gen || d.Status == Revoked {
		return run{}, errLink()
	}
	return d, nil
}

// asCourier is ctx acting as the run's courier, from the request's address.
func asCourier(ctx context.Context, d run) context.Context {
	a, _ := audit.ActorFrom(ctx)
	return audit.WithActor(ctx, audit.Actor{ID: "courier:" + d.ID, Label: d.Courier.Provider + " " + d.Courier.Name, RemoteAddr: a.RemoteAddr})
}

// CourierRun is what the courier's link opens: its run's stops only.
type CourierRun struct {
	DeliveryID string          `json:"delivery_id"`
	Status     string          `json:"status"`
	Stops      []allocate.Stop `json:"stops"`
}

// CourierView returns the run of a courier's link with its stops; the read of the
// recipients' details is audited.
func (s *Service) CourierView(ctx context.Context, tok string) (CourierRun, error) {
	d, err := s.courier(ctx, s.db.R(), tok)
	if err != nil {
		return CourierRun{}, err
	}
	stops, err := s.stopsOf(asCourier(ctx, d), d, "delivery.courier.view")
	return CourierRun{DeliveryID: d.ID, Status: d.Status, Stops: stops}, err
}

// StopResult is a courier's stop after an action: no recipient, no code.
type StopResult struct {
	AllocationID string     `json:"allocation_id"`
	Status       string     `json:"status"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	Proof        string     `json:"proof,omitempty"`
}

// courierScope checks, in the transaction, that the link still works and the
// allocation is one of its run's stops (another run's stop is not found).
func (s *Service) courierScope(tok string) scope {
	return func(ctx context.Context, tx *store.Tx, id string) (string, error) {
		d, err := s.courier(ctx, tx, tok)
		if err != nil {
			return "", err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM delivery_stops WHERE delivery_id = $1 AND allocation_id = $2`, d.ID, id).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "", errs.E(errs.NotFound, "no such stop in this delivery")
		}
		return d.ID, nil
	}
}

// courierCtx checks the link before a change and returns ctx acting as its courier.
func (s *Service) courierCtx(ctx context.Context, tok string) (context.Context, error) {
	d, err := s.courier(ctx, s.db.R(), tok)
	if err != nil {
		return ctx, err
	}
	return asCourier(ctx, d), nil
}

func (s *Service) stopResult(ctx context.Context, id string) (StopResult, error) {
	st, at, proof, err := s.allocs.StopStatus(ctx, id)
	return StopResult{AllocationID: id, Status: st, DeliveredAt: at, Proof: proof}, err
}

// Pickup marks a stop of the courier's run as picked up (dispatched). A retry
// changes nothing.
func (s *Service) Pickup(ctx context.Context, tok, allocationID string) (StopResult, error) {
	ctx, err := s.courierCtx(ctx, tok)
	if err != nil {
		return StopResult{}, err
	}
	may := s.courierScope(tok)
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return s.pickupIn(ctx, tx, allocationID, may)
	})
	if err != nil {
		return StopResult{}, err
	}
	return s.stopResult(ctx, allocationID)
}

// CourierDeliver records the delivery of a stop of the courier's run.
func (s *Service) CourierDeliver(ctx context.Context, tok, allocationID string, p Proof) (StopResult, error) {
	ctx, err := s.courierCtx(ctx, tok)
	if err != nil {
		return StopResult{}, err
	}
	a, _ := audit.ActorFrom(ctx)
	if err := s.deliver(ctx, allocationID, p, a.ID, s.courierScope(tok)); err != nil {
		return StopResult{}, err
	}
	return s.stopResult(ctx, allocationID)
}

// CourierFail records that a stop of the courier's run could not be delivered.
func (s *Service) CourierFail(ctx context.Context, tok, allocationID, reason, note string) (StopResult, error) {
	ctx, err := s.courierCtx(ctx, tok)
	if err != nil {
		return StopResult{}, err
	}
	if err := s.fail(ctx, allocationID, reason, note, s.courierScope(tok)); err != nil {
		return StopResult{}, err
	}
	return s.stopResult(ctx, allocationID)
}

// pickupIn marks a stop picked up inside tx; one already on its way is left as it is.
func (s *Service) pickupIn(ctx context.Context, tx *store.Tx, allocationID string, may scope) error {
	runID, err := may(ctx, tx, allocationID)
	if err != nil {
		return err
	}
	if _, err := s.allocs.PickupTx(ctx, tx, allocationID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'in_progress', updated_at = $1 WHERE id = $2 AND status = 'assigned'`, s.Now(), runID)
	return err
}
