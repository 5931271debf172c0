package registry

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// InstitutionPoint is an institution with its coordinates, for the map: only what a
// marker shows, no contact or person.
type InstitutionPoint struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Kind string  `json:"inst_kind"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
}

// Institutions lists at most limit institutions with coordinates inside scope (a
// region code: the caller's region scope), by region and name.
func (s *Service) Institutions(ctx context.Context, scope string, limit int) ([]InstitutionPoint, error) {
	return store.All(ctx, s.db.R(), func(r store.Scanner) (InstitutionPoint, error) {
		var p InstitutionPoint
		return p, r.Scan(&p.ID, &p.Name, &p.Kind, &p.Lat, &p.Lon)
	}, `SELECT t.id, t.name, t.inst_kind, t.lat, t.lon FROM targets t
		WHERE t.kind = 'institution' AND t.merged_into IS NULL AND t.lat IS NOT NULL AND t.lon IS NOT NULL
		AND `+scopeClause("t.region", 1)+` ORDER BY t.region, t.name LIMIT $3`, scope, scope+".%", limit)
}
