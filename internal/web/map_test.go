package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// The map (issue 12): boundaries uploaded as GeoJSON, and a program's coverage
// drawn on them. The fixtures in testdata/map are squares around the real places,
// written by hand: four kelurahan of Gambir (two codes without dots, one
// MultiPolygon) and one of Bandung, which is not in the province; two kecamatan of
// Jakarta Pusat.

func mapFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "map", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mapFixture registers two RWs in Gambir (30 and 20 families) and a puskesmas with
// coordinates, publishes a program for them, and lets a collaborator commit 10
// packages in the kelurahan Gambir.
func mapFixture(t testing.TB, s *apptest.Server) program.Program {
	t.Helper()
	who := adminImporter(t, s)
	importKind(t, s, who, registry.RW, "rw-gambir.csv", rwHeader+
		rwRow("31.71.01.1001", 1, "Ketua RW Gambir", "081277770001", 30, 100)+
		rwRow("31.71.01.1002", 2, "Ketua RW Cideng", "081277770002", 20, 70))
	importKind(t, s, who, registry.Institution, "lembaga-gambir.csv", instHeader+
		"Puskesmas Gambir Peta,puskesmas,31.71.01.1001,1,1,Jl. Medan Merdeka 1,Dr. Sari,081277770003,10,-6.177,106.822,\n")
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Peta", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"rw"}, Regions: []string{"31.71.01"}, Phases: weeks(1), QuantityRule: program.PerFamily})
	org, u, _ := s.Org(t, "Yayasan Peta", true)
	if c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: u.ID, OrgID: org.ID},
		allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 10, Region: "31.71.01.1001", DeliverBy: futureDate(2)}); err != nil || c.Allocated != 10 {
		t.Fatalf("commit: %+v %v", c, err)
	}
	return p
}

// uploadBoundaries posts a boundary file to path, the form's fields before the file
// (fields nil: the file alone, the level and property in the path's query).
func uploadBoundaries(t testing.TB, c *apptest.Client, path, level, property string, file []byte) apptest.Response {
	t.Helper()
	var parts []formPart
	if level != "" {
		parts = append(parts, formPart{name: "level", content: []byte(level)}, formPart{name: "property", content: []byte(property)})
	}
	body, ctype := multipartForm(t, append(parts, formPart{name: "file", filename: "batas.geojson", content: file})...)
	return postRaw(t, c, path, body, ctype)
}

// regionMapJSON is the GeoJSON of GET /api/v1/boundaries.
type regionMapJSON struct {
	Type       string `json:"type"`
	ChildLevel string `json:"child_level"`
	Region     struct {
		Code string `json:"code"`
	} `json:"region"`
	Features []struct {
		ID         string          `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties struct {
			Code           string   `json:"code"`
			Name           string   `json:"name"`
			Needed         *int64   `json:"needed"`
			Allocated      *int64   `json:"allocated"`
			Delivered      *int64   `json:"delivered"`
			AllocatedShare *float64 `json:"allocated_share"`
			Below          bool     `json:"below"`
		} `json:"properties"`
	} `json:"features"`
	Missing []string `json:"missing"`
}

func TestMapBoundariesAndTheirFigures(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			p := mapFixture(t, s)
			adminUser, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			admin := s.As(t, adminUser.ID)
			x, _ := s.User(t, account.Office, "31.71", "")
			y, _ := s.User(t, account.Office, "31.74", "")
			officeX, officeY := s.As(t, x.ID), s.As(t, y.ID)
			_, cu, _ := s.Org(t, "Yayasan Lain", true)
			collab := s.As(t, cu.ID)

			t.Run("the admin uploads kelurahan with the fields first, and is told what did not match", func(t *testing.T) {
				res := uploadBoundaries(t, admin, "/api/v1/boundaries", "village", "kode", mapFile(t, "kelurahan-gambir.geojson"))
				var rep struct {
					Matched        int `json:"matched"`
					UnmatchedTotal int `json:"unmatched_total"`
					Unmatched      []struct {
						Feature       int
						Value, Reason string
					} `json:"unmatched"`
				}
				if res.Status != 200 {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
				res.JSON(t, &rep)
				if rep.Matched != 4 || rep.UnmatchedTotal != 1 || len(rep.Unmatched) != 1 || rep.Unmatched[0].Feature != 5 ||
					rep.Unmatched[0].Value != "32.73.01.1001" || rep.Unmatched[0].Reason != "not_in_province" {
					t.Fatalf("report %s", res.Body)
				}
			})
			t.Run("and kecamatan with the file alone, level and property in the query", func(t *testing.T) {
				res := uploadBoundaries(t, admin, "/api/v1/boundaries?level=district&property=kode", "", "", mapFile(t, "kecamatan-pusat.geojson"))
				if res.Status != 200 || !strings.Contains(string(res.Body), `"matched":2`) {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
			t.Run("bad files and other callers store nothing", func(t *testing.T) {
				for _, c := range []struct {
					name   string
					client *apptest.Client
					level  string
					file   string
					status int
				}{
					{"malformed JSON", admin, "village", `{"type":"FeatureCollection","features":[{`, 400},
					{"a point", admin, "village", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"31.71.01.1005"},"geometry":{"type":"Point","coordinates":[106.8,-6.1]}}]}`, 400},
					{"a province level", admin, "province", `{"type":"FeatureCollection","features":[]}`, 400},
					{"an office", officeX, "village", string(mapFile(t, "kelurahan-gambir.geojson")), 404},
					{"a collaborator", collab, "village", string(mapFile(t, "kelurahan-gambir.geojson")), 404},
					{"anonymous", s.Client(), "village", string(mapFile(t, "kelurahan-gambir.geojson")), 401},
				} {
					if res := uploadBoundaries(t, c.client, "/api/v1/boundaries", c.level, "kode", []byte(c.file)); res.Status != c.status {
						t.Errorf("%s: %d %s, want %d", c.name, res.Status, res.Body, c.status)
					}
				}
				var n int
				if err := s.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'boundary.upload'`).Scan(&n); err != nil || n != 2 {
					t.Errorf("%d uploads audited (%v), want the 2 that stored", n, err)
				}
			})
			get := func(t *testing.T, c *apptest.Client, query string, status int) regionMapJSON {
				t.Helper()
				res := c.Do(t, "GET", "/api/v1/boundaries?"+query, nil)
				var m regionMapJSON
				if res.Status != status {
					t.Fatalf("%s: %d %s, want %d", query, res.Status, res.Body, status)
				}
				if status == 200 {
					if ct := res.Header.Get("Content-Type"); ct != "application/geo+json" {
						t.Errorf("Content-Type %q", ct)
					}
					res.JSON(t, &m)
				}
				return m
			}
			t.Run("the kelurahan of Gambir carry the program's figures", func(t *testing.T) {
				m := get(t, admin, "program="+p.ID+"&parent=31.71.01", 200)
				if m.Type != "FeatureCollection" || m.ChildLevel != "village" || len(m.Features) != 4 || len(m.Missing) != 2 {
					t.Fatalf("%+v", m)
				}
				g := m.Features[0].Properties
				if m.Features[0].ID != "31.71.01.1001" || g.Name != "Gambir" || *g.Needed != 30 || *g.Allocated != 10 || *g.Delivered != 0 ||
					*g.AllocatedShare < 0.33 || *g.AllocatedShare > 0.34 || g.Below {
					t.Errorf("Gambir: %+v", g)
				}
				if c := m.Features[1].Properties; c.Code != "31.71.01.1002" || *c.Needed != 20 || *c.Allocated != 0 {
					t.Errorf("Cideng: %+v", c)
				}
				if m.Features[2].Properties.AllocatedShare != nil {
					t.Errorf("a kelurahan without need has a share: %+v", m.Features[2].Properties)
				}
				// A MultiPolygon of one polygon is stored as the Polygon it is.
				if want := `{"type":"Polygon","coordinates":[[[106.815,-6.17],[106.83,-6.17],[106.83,-6.155],[106.815,-6.155],[106.815,-6.17]]]}`; string(m.Features[3].Geometry) != want {
					t.Errorf("Petojo Selatan: %s", m.Features[3].Geometry)
				}
			})
			t.Run("an office sees its kota, not another", func(t *testing.T) {
				m := get(t, officeX, "program="+p.ID+"&parent=3171", 200)
				if len(m.Features) != 2 || !m.Features[0].Properties.Below || *m.Features[0].Properties.Needed != 50 || len(m.Missing) != 6 {
					t.Fatalf("%+v", m)
				}
				get(t, officeY, "program="+p.ID+"&parent=31.71", 404)
				get(t, officeY, "program="+p.ID+"&parent=31.71.01", 404)
				if m := get(t, officeY, "program="+p.ID, 200); m.Region.Code != "31.74" || len(m.Features) != 0 || len(m.Missing) == 0 {
					t.Errorf("office Y's own kota: %+v", m)
				}
				get(t, admin, "program="+p.ID, 200)
				get(t, collab, "program="+p.ID, 404)
				get(t, s.Client(), "program="+p.ID, 401)
				get(t, admin, "parent=31.71", 400)
				get(t, admin, "program=nope&parent=31.71", 404)
				get(t, admin, "program="+p.ID+"&parent=99", 404)
			})

			page := s.Client()
			page.Login(t, apptest.AdminEmail, apptest.AdminPassword)
			t.Run("the map page shows the table, what is missing, markers and the upload", func(t *testing.T) {
				res := page.Do(t, "GET", "/dashboard/map?program="+p.ID+"&region=31.71.01", nil)
				body := string(res.Body)
				for _, want := range []string{`id="map"`, `data-region="31.71.01"`, `/static/map.js`, `/static/vendor/leaflet/leaflet.css`,
					`id="coverage"`, `id="map-missing"`, "2 dari 6 wilayah", `id="boundary-form"`, `Puskesmas Gambir Peta`, `"inst_kind":"puskesmas"`} {
					if !strings.Contains(body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				if strings.Contains(body, "081277770003") || strings.Contains(body, "Dr. Sari") {
					t.Error("a marker shows the institution's contact")
				}
				if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") || strings.Contains(body, `data-tiles="http`) {
					t.Errorf("without a tile URL: CSP %q", csp)
				}
				if res := s.Client().Do(t, "GET", "/dashboard/map", nil); res.Status != 303 {
					t.Errorf("anonymous: %d", res.Status)
				}
				yUser, yPassword := s.User(t, account.Office, "31.74", "")
				yPage := s.Client()
				yPage.Login(t, yUser.Email, yPassword)
				if res := yPage.Do(t, "GET", "/dashboard/map?program="+p.ID+"&region=31.71.01", nil); res.Status != 404 {
					t.Errorf("office Y on Gambir's map: %d", res.Status)
				}
			})
			t.Run("a tile URL is allowed as an image source on the map page only", func(t *testing.T) {
				if _, err := s.App.DB.InitSetting(s.Ctx(), "map.tile_url", "https://{s}.tile.example.org/{z}/{x}/{y}.png"); err != nil {
					t.Fatal(err)
				}
				res := page.Do(t, "GET", "/dashboard/map?program="+p.ID, nil)
				if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://*.tile.example.org;") ||
					!strings.Contains(string(res.Body), `data-tiles="https://{s}.tile.example.org/{z}/{x}/{y}.png"`) {
					t.Errorf("CSP %q", csp)
				}
				if csp := page.Do(t, "GET", "/needs", nil).Header.Get("Content-Security-Policy"); strings.Contains(csp, "example.org") {
					t.Errorf("another page allows the tiles: %q", csp)
				}
			})
			t.Run("the page's form uploads and shows the report", func(t *testing.T) {
				res := uploadBoundaries(t, page, "/dashboard/map/boundaries?program="+url.QueryEscape(p.ID)+"&region=31.71.01", "village", "kode",
					mapFile(t, "kelurahan-gambir.geojson"))
				if res.Status != 200 || !strings.Contains(string(res.Body), `id="upload-report"`) || !strings.Contains(string(res.Body), "32.73.01.1001") {
					t.Fatalf("%d %.600s", res.Status, res.Body)
				}
				res = uploadBoundaries(t, page, "/dashboard/map/boundaries", "village", "kode", []byte("{"))
				if res.Status != 400 || !strings.Contains(string(res.Body), `id="upload-error"`) {
					t.Fatalf("%d %.600s", res.Status, res.Body)
				}
			})
		})
	}
}

// mapRows are the map's rows of the role table. The fixture's program has needs
// in 31.71.02 and 31.74.02; no boundary is uploaded but by the rows themselves.
func mapRows() []roleRow {
	file := fileUpload{filename: "batas.geojson", content: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"3171021001"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[106.83,-6.15],[106.84,-6.15],[106.84,-6.14],[106.83,-6.15]]]}}]}`)}
	geo := func(*roleFixture, role) []string { return []string{`"type":"FeatureCollection"`, `"missing":[`} }
	return []roleRow{
		{method: "GET", path: "/api/v1/boundaries?program={program}&parent=31.71", want: statuses{401, 404, 404, 200, 404, 200}, show: geo},
		{method: "GET", path: "/api/v1/boundaries?program={program}&parent=31.74.02", want: statuses{401, 404, 404, 404, 200, 200}, show: geo},
		{method: "POST", path: "/api/v1/boundaries?level=village&property=kode", body: file, want: apiAdmin(200),
			show: func(*roleFixture, role) []string { return []string{`"matched":1`} }},
		{method: "GET", path: "/dashboard/map?program={program}", want: statuses{303, 404, 404, 200, 200, 200}, to: toLogin(""),
			show: func(*roleFixture, role) []string { return []string{`id="map"`, `id="coverage"`} }},
		{method: "POST", path: "/dashboard/map/boundaries?level=village&property=kode", body: file, want: pageAdmin(200), to: toLogin(""),
			show: func(*roleFixture, role) []string { return []string{`id="upload-report"`} }},
	}
}

// mapConformance makes the calls of the map that the OpenAPI conformance test
// checks against the document.
func mapConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	p := mapFixture(t, s)
	file := formPart{name: "file", filename: "batas.geojson", content: mapFile(t, "kelurahan-gambir.geojson")}
	level, property := formPart{name: "level", content: []byte("village")}, formPart{name: "property", content: []byte("kode")}
	k.do(t, apiCall{as: c.admin, method: "POST", path: "/api/v1/boundaries", form: []formPart{level, property, file}, want: 200})
	k.do(t, apiCall{as: c.admin, method: "POST", path: "/api/v1/boundaries?level=village&property=kode", form: []formPart{file}, want: 200})
	k.do(t, apiCall{as: c.admin, method: "POST", path: "/api/v1/boundaries", want: 400,
		form: []formPart{level, property, {name: "file", filename: "rusak.geojson", content: []byte(`{"type":"FeatureCollection","features":[`)}}})
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/boundaries", form: []formPart{level, property, file}, want: 404})
	k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/boundaries?program=" + p.ID + "&parent=31.71.01", want: 200})
	k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/boundaries?program=" + p.ID + "&parent=31.74", want: 404})
	k.do(t, apiCall{as: c.admin, method: "GET", path: "/api/v1/boundaries?parent=31.71", want: 400, docRejects: true})
	k.do(t, apiCall{as: c.anon, method: "GET", path: "/api/v1/boundaries?program=" + p.ID, want: 401})
}
