package boundary_test

import (
	"bytes"
	"testing"

	"github.com/gotong/gotong/internal/boundary"
	"github.com/gotong/gotong/internal/errs"
)

// FuzzRead feeds the GeoJSON reader arbitrary bytes: it must answer every one with
// features that keep the promises of Read or a client error, and never panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(collection(square("31.71.01.1001", 106.81, -6.18, 0.01), square(3171011002, 106.82, -6.18, 0.01))))
	f.Add([]byte(`{"features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}],"type":"FeatureCollection"}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]`))
	lim := boundary.Limits{MaxBytes: 1 << 16, MaxFeatures: 50, MaxPoints: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := boundary.Read(bytes.NewReader(b), lim, func(ft boundary.Feature) error {
			if ft.Index != n || len(ft.Shape) == 0 || ft.Points < 4 || ft.Points > lim.MaxPoints {
				t.Fatalf("feature %d: index %d, %d polygons, %d points", n, ft.Index, len(ft.Shape), ft.Points)
			}
			for _, p := range ft.Shape {
				for _, r := range p {
					if len(r) < 4 {
						t.Fatalf("a ring of %d points", len(r))
					}
				}
			}
			n++
			return nil
		})
		if k := errs.KindOf(err); err != nil && k != errs.Invalid && k != errs.TooLarge {
			t.Fatalf("error of kind %v: %v", k, err)
		}
		if n > lim.MaxFeatures {
			t.Fatalf("%d features read past the limit", n)
		}
	})
}
