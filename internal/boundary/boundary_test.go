package boundary_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/boundary"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

var regions = region.MustLoad(data.Regions)

func actor() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: "admin", Label: "admin@test", RemoteAddr: "local"})
}

// square is a GeoJSON Polygon feature: a square of side d degrees with its
// south-west corner at lon, lat, and the property kode (nil: no property).
func square(kode any, lon, lat, d float64) string {
	props := "{}"
	if kode != nil {
		b, _ := json.Marshal(map[string]any{"kode": kode})
		props = string(b)
	}
	return fmt.Sprintf(`{"type":"Feature","properties":%s,"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
		props, lon, lat, lon+d, lat, lon+d, lat+d, lon, lat+d, lon, lat)
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func upload(t *testing.T, svc *boundary.Service, level region.Level, file string) (boundary.Report, error) {
	t.Helper()
	return svc.Upload(actor(), level, "kode", strings.NewReader(file))
}

func children(t *testing.T, svc *boundary.Service, parent string) map[string]string {
	t.Helper()
	bs, err := svc.Children(context.Background(), parent)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range bs {
		out[b.Code] = string(b.Geometry)
	}
	return out
}

func TestUploadMatchesCodesWithOrWithoutDotsInsideTheProvince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := boundary.New(db, regions, "31")
		rep, err := upload(t, svc, region.Village, collection(
			square("31.71.01.1001", 106.81, -6.18, 0.01),
			square("3171011002", 106.82, -6.18, 0.01),
			square(3171011003, 106.83, -6.18, 0.01),
			square("32.73.01.1001", 107.6, -6.9, 0.01), // Bandung: another province
			square("31.71.01", 106.81, -6.18, 0.03),    // a kecamatan
			square("Gambir", 106.81, -6.18, 0.01),
			square(nil, 106.81, -6.18, 0.01),
			square(" 31.71.01.1001 ", 106.815, -6.175, 0.001), // a second part of Gambir
		))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Matched != 3 || rep.Features != 8 || rep.UnmatchedTotal != 4 {
			t.Fatalf("report %+v: want 3 regions matched of 8 features, 4 unmatched", rep)
		}
		want := []boundary.Unmatched{{4, "32.73.01.1001", boundary.NotInProvince}, {5, "31.71.01", boundary.OtherLevel},
			{6, "Gambir", boundary.NotACode}, {7, "", boundary.Missing}}
		for i, u := range want {
			if rep.Unmatched[i] != u {
				t.Errorf("unmatched %d = %+v, want %+v", i, rep.Unmatched[i], u)
			}
		}
		got := children(t, svc, "31.71.01")
		if len(got) != 3 {
			t.Fatalf("children of Gambir: %v", got)
		}
		if !strings.HasPrefix(got["31.71.01.1001"], `{"type":"MultiPolygon"`) {
			t.Errorf("two features of one kelurahan are not one MultiPolygon: %s", got["31.71.01.1001"])
		}
		if !strings.HasPrefix(got["31.71.01.1003"], `{"type":"Polygon","coordinates":[[[106.83,-6.18],`) {
			t.Errorf("a code given as a number: %s", got["31.71.01.1003"])
		}
		if n := len(children(t, svc, "31.71")); n != 0 {
			t.Errorf("a village upload stored %d kecamatan outlines", n)
		}
		es, _, err := audit.List(context.Background(), db.R(), audit.Filter{Action: "boundary.upload"})
		if err != nil || len(es) != 1 || !strings.Contains(string(es[0].Detail), `"matched":3`) {
			t.Fatalf("audit of the upload: %v %+v", err, es)
		}
	})
}

func TestUploadReplacesOnlyTheRegionsItMatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := boundary.New(db, regions, "31")
		if _, err := upload(t, svc, region.Village, collection(square("31.71.01.1001", 106.81, -6.18, 0.01),
			square("31.71.01.1002", 106.82, -6.18, 0.01))); err != nil {
			t.Fatal(err)
		}
		before := children(t, svc, "31.71.01")
		rep, err := upload(t, svc, region.Village, collection(square("31.71.01.1001", 106.5, -6.5, 0.02)))
		if err != nil || rep.Matched != 1 {
			t.Fatal(rep, err)
		}
		after := children(t, svc, "31.71.01")
		if after["31.71.01.1001"] == before["31.71.01.1001"] || !strings.Contains(after["31.71.01.1001"], "106.5") {
			t.Errorf("Gambir was not replaced: %s", after["31.71.01.1001"])
		}
		if after["31.71.01.1002"] != before["31.71.01.1002"] {
			t.Errorf("Cideng changed though the file did not name it")
		}
	})
}

func TestUploadRefusesBadFilesAndStoresNothing(t *testing.T) {
	good := square("31.71.01.1001", 106.81, -6.18, 0.01)
	many := make([]string, 0, 2001)
	for i := range 2001 {
		many = append(many, fmt.Sprintf("[%g,-6.18]", 106.8+float64(i)*1e-6))
	}
	bigRing := `{"type":"Feature","properties":{"kode":"31.71.01.1002"},"geometry":{"type":"Polygon","coordinates":[[` +
		strings.Join(many, ",") + `,[106.8,-6.17],[106.8,-6.18]]]}}`
	cases := []struct {
		name string
		file string
		lim  boundary.Limits
		kind errs.Kind
	}{
		{"malformed JSON", `{"type":"FeatureCollection","features":[` + good + `,{"type":`, boundary.Limits{}, errs.Invalid},
		{"not JSON at all", "kode,geometry\n3171011001,POLYGON", boundary.Limits{}, errs.Invalid},
		{"a Feature, not a collection", good, boundary.Limits{}, errs.Invalid},
		{"trailing data", collection(good) + "{}", boundary.Limits{}, errs.Invalid},
		{"a point among polygons", collection(good, `{"type":"Feature","properties":{"kode":"31.71.01.1002"},"geometry":{"type":"Point","coordinates":[106.8,-6.1]}}`), boundary.Limits{}, errs.Invalid},
		{"a feature without geometry", collection(good, `{"type":"Feature","properties":{"kode":"31.71.01.1002"},"geometry":null}`), boundary.Limits{}, errs.Invalid},
		{"a ring of three points", collection(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,2],[1,1]]]}}`), boundary.Limits{}, errs.Invalid},
		{"a latitude of 100", collection(square("31.71.01.1002", 106.8, 99.99, 0.1)), boundary.Limits{}, errs.Invalid},
		{"larger than the limit", collection(good, good, good), boundary.Limits{MaxBytes: int64(len(collection(good, good, good)) - 1)}, errs.TooLarge},
		{"too many features", collection(good, good, good), boundary.Limits{MaxFeatures: 2}, errs.TooLarge},
		{"too many points in one feature", collection(good, bigRing), boundary.Limits{MaxPoints: 2000}, errs.TooLarge},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				svc := boundary.New(db, regions, "31")
				svc.Limits = c.lim
				_, err := upload(t, svc, region.Village, c.file)
				if errs.KindOf(err) != c.kind {
					t.Fatalf("err = %v, want %v", err, c.kind)
				}
				if n := len(children(t, svc, "31.71.01")); n != 0 {
					t.Fatalf("%d outlines stored from a refused file", n)
				}
			})
		}
		// A file exactly at the limit is read.
		svc := boundary.New(db, regions, "31")
		svc.Limits = boundary.Limits{MaxBytes: int64(len(collection(good))), MaxFeatures: 1, MaxPoints: 5}
		if rep, err := upload(t, svc, region.Village, collection(good)); err != nil || rep.Matched != 1 {
			t.Fatalf("a file at the limits: %+v %v", rep, err)
		}
	})
}

// circle is a feature whose ring has n points on a circle of radius r degrees.
func circle(kode string, n int, r float64) (string, orb.Polygon) {
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, orb.Point{106.82 + r*math.Cos(a), -6.17 + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	b, _ := json.Marshal(map[string]any{"type": "Feature", "properties": map[string]string{"kode": kode},
		"geometry": map[string]any{"type": "Polygon", "coordinates": orb.Polygon{ring}}})
	return string(b), orb.Polygon{ring}
}

func TestUploadSimplifiesLargeOutlinesKeepingTheirShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := boundary.New(db, regions, "31")
		// A kelurahan of about 1.1 km across, drawn with 5,000 points.
		f, poly := circle("31.71.01.1001", 5000, 0.005)
		rep, err := upload(t, svc, region.Village, collection(f))
		if err != nil {
			t.Fatal(err)
		}
		if rep.PointsBefore != 5001 || rep.PointsAfter >= 500 || rep.PointsAfter < 20 {
			t.Fatalf("points %d → %d: want far fewer, but a shape", rep.PointsBefore, rep.PointsAfter)
		}
		var g struct{ Coordinates orb.Polygon }
		if err := json.Unmarshal([]byte(children(t, svc, "31.71.01")["31.71.01.1001"]), &g); err != nil {
			t.Fatal(err)
		}
		was, now := planar.Area(poly), planar.Area(g.Coordinates)
		if math.Abs(now-was)/was > 0.01 {
			t.Errorf("area %g became %g: more than 1%% lost", was, now)
		}
	})
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]region.Level{"regency": region.Regency, "kecamatan": region.District, "village": region.Village} {
		if l, err := boundary.ParseLevel(in); err != nil || l != want {
			t.Errorf("%q: %v %v", in, l, err)
		}
	}
	for _, in := range []string{"province", "", "rw"} {
		if _, err := boundary.ParseLevel(in); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%q accepted", in)
		}
	}
}

// BenchmarkUploadJakarta uploads an outline for each of Jakarta's 267 kelurahan,
// each drawn with 2,000 points (a detailed file: about 20 MiB), on SQLite.
func BenchmarkUploadJakarta(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, v := range regions.Villages("31") {
		if i > 0 {
			sb.WriteByte(',')
		}
		f, _ := circle(v.Code, 2000, 0.005)
		sb.WriteString(f)
	}
	sb.WriteString(`]}`)
	file := sb.String()
	db := storetest.Open(b, store.SQLite)
	svc := boundary.New(db, regions, "31")
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for range b.N {
		rep, err := svc.Upload(actor(), region.Village, "kode", strings.NewReader(file))
		if err != nil || rep.Matched != 267 {
			b.Fatal(rep.Matched, err)
		}
		b.ReportMetric(float64(rep.PointsAfter)/float64(rep.PointsBefore), "kept/point")
	}
}
