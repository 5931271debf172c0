// Package boundary keeps the outlines of regions for the map: kabupaten/kota,
// kecamatan and kelurahan boundaries an admin uploads as GeoJSON, matched to the
// deployment's region codes, simplified for display, and handed out per parent
// region. It owns the table boundaries.
//
// # Matching
//
// Boundary files come from many hands (BIG, BPS, a city's GIS office, OSM extracts)
// and name their regions in whatever property their maker chose; the admin says
// which. A value is matched as a Kemendagri code written with or without dots
// ("31.71.01.1001", "3171011001", or the number 3171011001) — region.Normalize —
// and only to a region of the level the admin chose inside the deployment's
// province. Every other feature is reported with why (its value, or that the
// property is missing), and nothing of it is stored. Several features with one code
// (a kelurahan with islands) become one MultiPolygon. An upload replaces the
// outlines of the regions it matched, and only those: a file of one kota does not
// erase the others.
//
// # Bounds and simplification
//
// The file is decoded feature by feature (Read) under Limits on its size, its
// features and the points of each; an error anywhere stores nothing. Each matched
// outline is simplified with Douglas-Peucker at a tolerance per level (Tolerance),
// small enough that a kelurahan keeps its shape on a phone at street zoom, and
// rounded to 6 decimals (about 0.1 m); the points before and after are kept with it.
// The stored geometry is GeoJSON text, which the map receives as it is.
package boundary

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// Service stores and reads boundaries.
type Service struct {
	db       *store.DB
	regions  *region.Set
	province string
	// Limits bound one upload; the zero value is DefaultLimits.
	Limits Limits
}

// New returns the boundary service of the deployment's province.
func New(db *store.DB, regions *region.Set, province string) *Service {
	return &Service{db: db, regions: regions, province: province}
}

// Tolerance is the Douglas-Peucker tolerance, in degrees, for the outlines of a
// level: about 55 m for a kabupaten/kota (tens of km across), 22 m for a kecamatan,
// and 5.5 m for a kelurahan — a Jakarta kelurahan is 1–3 km across, and 5 m is about
// one screen pixel at zoom 15, the closest the map shows one.
func Tolerance(l region.Level) float64 {
	switch l {
	case region.Regency:
		return 0.0005
	case region.District:
		return 0.0002
	default:
		return 0.00005
	}
}

// Why a feature was not matched.
const (
	Missing       = "missing"         // the property is missing, empty, or not text or a whole number
	NotACode      = "not_a_code"      // its value is not a region code
	OtherLevel    = "other_level"     // a code of another level than the upload's
	NotInProvince = "not_in_province" // no region of that code in the deployment's province
)

// MaxUnmatched bounds the unmatched features a report lists; UnmatchedTotal counts
// them all.
const MaxUnmatched = 200

// Unmatched is a feature that matched no region.
type Unmatched struct {
	Feature int    `json:"feature"` // from 1, in the order of the file
	Value   string `json:"value"`
	Reason  string `json:"reason"`
}

// Report is what an upload did.
type Report struct {
	Matched        int         `json:"matched"` // regions whose boundary was stored
	Unmatched      []Unmatched `json:"unmatched"`
	UnmatchedTotal int         `json:"unmatched_total"`
	Features       int         `json:"features"`
	PointsBefore   int         `json:"points_before"` // of the matched features, as uploaded
	PointsAfter    int         `json:"points_after"`  // as stored, simplified
}

// ParseLevel reads the level of an upload: regency, district or village (or their
// Indonesian names).
func ParseLevel(s string) (region.Level, error) {
	l, ok := region.ParseLevel(s)
	if !ok || l == region.Province {
		return 0, errs.E(errs.Invalid, "level must be regency, district or village")
	}
	return l, nil
}

// outline is one region's matched features, simplified.
type outline struct {
	shape         orb.MultiPolygon
	before, after int
}

// Upload reads a GeoJSON FeatureCollection from r, matches its features to the
// regions of level by the property named property, and stores the outlines of the
// matched regions in place of theirs, in one transaction with its audit entry. A
// file that cannot be read stores nothing.
func (s *Service) Upload(ctx context.Context, level region.Level, property string, r io.Reader) (Report, error) {
	if level < region.Regency || level > region.Village {
		return Report{}, errs.E(errs.Invalid, "level must be regency, district or village")
	}
	if property == "" || len(property) > 200 {
		return Report{}, errs.E(errs.Invalid, "property must name the feature property that holds the region code")
	}
	rep := Report{Unmatched: []Unmatched{}}
	found := map[string]*outline{}
	var order []string
	dp := simplify.DouglasPeucker(Tolerance(level))
	err := Read(r, s.Limits, func(f Feature) error {
		rep.Features++
		code, why := s.match(f.Property(property), level)
		if why != "" {
			rep.UnmatchedTotal++
			if len(rep.Unmatched) < MaxUnmatched {
				rep.Unmatched = append(rep.Unmatched, Unmatched{Feature: f.Index + 1, Value: f.Property(property), Reason: why})
			}
			return nil
		}
		o := found[code]
		if o == nil {
			o = &outline{}
			found[code] = o
			order = append(order, code)
		}
		shape := simplified(dp, f.Shape)
		o.shape = append(o.shape, shape...)
		o.before += f.Points
		o.after += points(shape)
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	if len(order) == 0 {
		return rep, nil
	}
	rows := make([][]any, 0, len(order))
	for _, code := range order {
		o := found[code]
		text, err := geometryJSON(o.shape)
		if err != nil {
			return Report{}, errs.Wrap(err, "boundary geometry")
		}
		rows = append(rows, []any{code, parentOf(code), string(text), o.before, o.after})
		rep.Matched++
		rep.PointsBefore += o.before
		rep.PointsAfter += o.after
	}
	actor, _ := audit.ActorFrom(ctx)
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.Insert(ctx, `INSERT INTO boundaries (code, parent, geometry, points_before, points_after, uploaded_by, uploaded_at) VALUES`,
			` ON CONFLICT (code) DO UPDATE SET parent = excluded.parent, geometry = excluded.geometry,
				points_before = excluded.points_before, points_after = excluded.points_after,
				uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
			rows, actor.ID, store.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "boundary.upload", ObjectType: "boundary", ObjectID: level.String(),
			Region: s.province, Detail: map[string]any{"level": level.String(), "property": property, "features": rep.Features,
				"matched": rep.Matched, "unmatched": rep.UnmatchedTotal, "points_before": rep.PointsBefore, "points_after": rep.PointsAfter}})
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

// match finds the region a property value names, or says why none.
func (s *Service) match(value string, level region.Level) (code, why string) {
	if value == "" {
		return "", Missing
	}
	code, err := region.Normalize(value)
	if err != nil {
		return "", NotACode
	}
	if l, _ := region.LevelOf(code); l != level {
		return "", OtherLevel
	}
	if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.province) {
		return "", NotInProvince
	}
	return code, ""
}

// simplified simplifies a shape for display, leaving out the parts (islets) that
// vanish at the tolerance — and keeping the shape as it was when all would.
func simplified(dp *simplify.DouglasPeuckerSimplifier, shape orb.MultiPolygon) orb.MultiPolygon {
	out := orb.MultiPolygon{}
	for _, p := range dp.MultiPolygon(orb.Clone(shape).(orb.MultiPolygon)) {
		if len(p) > 0 && len(p[0]) >= 4 {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = shape
	}
	return orb.Round(out, 1e6).(orb.MultiPolygon)
}

// geometryJSON writes a shape as a GeoJSON geometry: a Polygon when it is one, a
// MultiPolygon otherwise. (orb's geojson package would bring in a MongoDB driver
// for its BSON methods; the two types are a few lines.)
func geometryJSON(mp orb.MultiPolygon) ([]byte, error) {
	if len(mp) == 1 {
		return json.Marshal(struct {
			Type        string      `json:"type"`
			Coordinates orb.Polygon `json:"coordinates"`
		}{"Polygon", mp[0]})
	}
	return json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates orb.MultiPolygon `json:"coordinates"`
	}{"MultiPolygon", mp})
}

func points(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}

// parentOf is a well-formed code's parent: the code without its last segment.
func parentOf(code string) string {
	for i := len(code) - 1; i >= 0; i-- {
		if code[i] == '.' {
			return code[:i]
		}
	}
	return ""
}

// Boundary is one region's stored outline.
type Boundary struct {
	Code     string
	Geometry json.RawMessage // a GeoJSON Polygon or MultiPolygon
	Points   int
	Uploaded time.Time
}

// Children returns the stored outlines of the children of parent (a dotted code),
// in code order; children without one are left out.
func (s *Service) Children(ctx context.Context, parent string) ([]Boundary, error) {
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Boundary, error) {
		var b Boundary
		var g string
		err := r.Scan(&b.Code, &g, &b.Points, &b.Uploaded)
		b.Geometry, b.Uploaded = json.RawMessage(g), b.Uploaded.UTC()
		return b, err
	}, `SELECT code, geometry, points_after, uploaded_at FROM boundaries WHERE parent = $1 ORDER BY code`, parent)
}
