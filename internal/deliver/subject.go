package deliver

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// SubjectDelivery is what delivery kept about one allocation of a person's aid, for
// a data-subject access request (issue 14): the runs it was in and the proof of its
// delivery (who received it, where, when; the photo by its file name).
type SubjectDelivery struct {
	AllocationID string        `json:"allocation_id"`
	Runs         []SubjectStop `json:"runs"`
	Proof        *SubjectProof `json:"proof,omitempty"`
}

// SubjectStop is one delivery run the allocation was a stop of.
type SubjectStop struct {
	DeliveryID string `json:"delivery_id"`
	Open       bool   `json:"open"`
}

// SubjectProof is the proof of a delivery as stored.
type SubjectProof struct {
	DeliveryID string    `json:"delivery_id,omitempty"`
	Kind       string    `json:"kind"`
	ReceivedBy string    `json:"received_by,omitempty"`
	Photo      string    `json:"photo,omitempty"`
	Lat        *float64  `json:"lat,omitempty"`
	Lon        *float64  `json:"lon,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	At         time.Time `json:"at"`
}

// SubjectDeliveries returns the delivery records of the allocations, in their
// order; the caller has checked that they are the person's own.
func (s *Service) SubjectDeliveries(ctx context.Context, allocationIDs []string) ([]SubjectDelivery, error) {
	out := make([]SubjectDelivery, 0, len(allocationIDs))
	for _, id := range allocationIDs {
		d := SubjectDelivery{AllocationID: id}
		var err error
		d.Runs, err = store.All(ctx, s.db.R(), func(r store.Scanner) (SubjectStop, error) {
			var st SubjectStop
			var open int
			err := r.Scan(&st.DeliveryID, &open)
			st.Open = open == 1
			return st, err
		}, `SELECT delivery_id, open FROM delivery_stops WHERE allocation_id = $1 ORDER BY delivery_id`, id)
		if err != nil {
			return nil, err
		}
		proofs, err := store.All(ctx, s.db.R(), func(r store.Scanner) (SubjectProof, error) {
			var p SubjectProof
			err := r.Scan(&p.DeliveryID, &p.Kind, &p.ReceivedBy, &p.Photo, &p.Lat, &p.Lon, &p.RecordedBy, &p.At)
			p.At = p.At.UTC()
			return p, err
		}, `SELECT delivery_id, kind, received_by, photo, lat, lon, recorded_by, at FROM delivery_proofs WHERE allocation_id = $1`, id)
		if err != nil {
			return nil, err
		}
		if len(proofs) > 0 {
			d.Proof = &proofs[0]
		}
		out = append(out, d)
	}
	return out, nil
}
