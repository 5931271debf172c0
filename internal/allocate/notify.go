package allocate

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// notifyReleased tells each organisation what it lost, one notice per commitment.
func (s *Service) notifyReleased(ctx context.Context, tx *store.Tx, done []held, kind string) error {
	type agg struct {
		org          string
		count, units int
	}
	by := map[string]*agg{}
	var order []string
	for _, h := range done {
		a, ok := by[h.commitmentID]
		if !ok {
			a = &agg{org: h.orgID}
			by[h.commitmentID] = a
			order = append(order, h.commitmentID)
		}
		a.count++
		a.units += h.quantity
	}
	for _, cid := range order {
		a := by[cid]
		if err := s.notify(ctx, tx, a.org, kind, cid, map[string]any{"allocations": a.count, "units": a.units}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) notify(ctx context.Context, tx *store.Tx, org, kind, commitment string, params map[string]any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notifications (id, org_id, kind, commitment_id, params, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		newID(), org, kind, commitment, string(b), s.Now())
	return err
}

// Notification is an in-app notice to an organisation.
type Notification struct {
	ID           string         `json:"id"`
	Kind         string         `json:"kind"`
	CommitmentID string         `json:"commitment_id"`
	Params       map[string]any `json:"params"`
	CreatedAt    time.Time      `json:"created_at"`
	Read         bool           `json:"read"`
}

// Notifications returns an organisation's latest notices.
func (s *Service) Notifications(ctx context.Context, orgID string, limit int) ([]Notification, error) {
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Notification, error) {
		var n Notification
		var params string
		if err := r.Scan(&n.ID, &n.Kind, &n.CommitmentID, &params, &n.CreatedAt, &n.Read); err != nil {
			return n, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		_ = json.Unmarshal([]byte(params), &n.Params)
		return n, nil
	}, `SELECT id, kind, COALESCE(commitment_id, ''), params, created_at, read_at IS NOT NULL
		FROM notifications WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, orgID, store.Limit(limit))
}

// MarkRead marks an organisation's notices as read.
func (s *Service) MarkRead(ctx context.Context, orgID string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND read_at IS NULL`, s.Now(), orgID)
		return err
	})
}
