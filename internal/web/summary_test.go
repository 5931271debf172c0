package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

type publicSummary struct {
	Collaborators  int       `json:"collaborators"`
	Programs       int       `json:"programs"`
	Delivered      int64     `json:"delivered"`
	TargetsReached int64     `json:"targets_reached"`
	AsOf           time.Time `json:"as_of"`
	Regions        []struct {
		Code                         string
		Needed, Allocated, Delivered int64
	} `json:"regions"`
}

func (p publicSummary) region(t testing.TB, code string) (needed, allocated, delivered int64) {
	t.Helper()
	for _, r := range p.Regions {
		if r.Code == code {
			return r.Needed, r.Allocated, r.Delivered
		}
	}
	t.Fatalf("the summary has no region %s: %+v", code, p.Regions)
	return
}

// summaryRegistry imports households into Kartini (Jakarta Pusat, 31.71) and Tebet
// Timur (Jakarta Selatan, 31.74) and publishes one program over both.
func summaryRegistry(t *testing.T, s *apptest.Server, kartini, tebet int) program.Program {
	t.Helper()
	hh := householdHeader
	add := func(district, village string, n, base int) {
		for i := range n {
			birth := fmt.Sprintf("19%d-0%d-1%d", 60+i, 1+i%9, i%10)
			hh += hhRow(kkOf(district, base+i), nikOf(district, birth, i%2 == 1, base+i), fmt.Sprintf("Warga %s %d", village, i), birth,
				map[bool]string{true: "P", false: "L"}[i%2 == 1], "Kepala Keluarga", village, "1", "1", "Jl. Ringkas No. "+fmt.Sprint(i+1), "", "")
		}
	}
	add("317102", "31.71.02.1003", kartini, 7100)
	add("317401", "31.74.01.1001", tebet, 7400)
	importKind(t, s, adminImporter(t, s), registry.Household, "ringkas.csv", hh)
	p, n := publishProgram(t, s, program.Input{Name: "Sembako Ringkas", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	if n != kartini+tebet {
		t.Fatalf("published %d needs, want %d", n, kartini+tebet)
	}
	// A draft is not public and has no needs: it must not count.
	if _, err := s.App.Programs.Create(s.Ctx(), program.Input{Name: "Draf", Category: "kesehatan", Item: program.Item{Name: "Masker", Unit: "kotak"},
		TargetKinds: []string{"household"}, Phases: weeks(1), QuantityRule: program.PerTarget}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPublicSummaryFollowsThePrograms checks the public figures against what was
// published, committed and delivered, per kab/kota, in the API and on the home page.
func TestPublicSummaryFollowsThePrograms(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			anon := s.Client()
			var sum publicSummary
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &sum)
			if sum.Programs != 0 || len(sum.Regions) != 6 {
				t.Fatalf("empty registry: %+v", sum)
			}
			p := summaryRegistry(t, s, 4, 3)
			_, u, _ := s.Org(t, "Yayasan Ringkas", true)
			c := s.As(t, u.ID)
			r := c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 2,
				"region": "31.74", "deliver_by": futureDate(1)})
			if r.Status != 201 {
				t.Fatalf("commit: %d %s", r.Status, r.Body)
			}
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &sum)
			if sum.Programs != 1 || sum.Delivered != 0 || sum.TargetsReached != 0 || sum.Collaborators < 1 {
				t.Errorf("after a commitment: %+v", sum)
			}
			for _, want := range []struct {
				code              string
				needed, allocated int64
			}{{"31.71", 4, 0}, {"31.74", 3, 2}, {"31.72", 0, 0}} {
				if n, a, d := sum.region(t, want.code); n != want.needed || a != want.allocated || d != 0 {
					t.Errorf("%s: needed %d allocated %d delivered %d, want %d, %d, 0", want.code, n, a, d, want.needed, want.allocated)
				}
			}
			// Delivery has no endpoint yet; record one handover the way it will.
			if _, err := s.App.DB.W().Exec(`UPDATE needs SET delivered = allocated WHERE id = (SELECT MIN(id) FROM needs WHERE allocated > 0)`); err != nil {
				t.Fatal(err)
			}
			// A need voided (its target left the registry) no longer counts.
			if _, err := s.App.DB.W().Exec(`UPDATE needs SET state = 'void', quantity = 0 WHERE id = (SELECT MIN(id) FROM needs WHERE region = '31.71.02.1003')`); err != nil {
				t.Fatal(err)
			}
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &sum)
			if sum.Delivered != 1 || sum.TargetsReached != 1 {
				t.Errorf("after a delivery: delivered %d, targets reached %d, want 1 and 1", sum.Delivered, sum.TargetsReached)
			}
			if n, a, d := sum.region(t, "31.74"); n != 3 || a != 2 || d != 1 {
				t.Errorf("31.74 after a delivery: %d %d %d, want 3 2 1", n, a, d)
			}
			if n, _, _ := sum.region(t, "31.71"); n != 3 {
				t.Errorf("31.71 after a void need: needed %d, want 3", n)
			}
			// The home page shows the same figures, in Indonesian by default.
			page := string(anon.Do(t, "GET", "/", nil).Body)
			for _, want := range []string{`id="fig-programs">1<`, `id="fig-reached">1<`,
				"Perkembangan penyaluran bantuan", `id="p0-cov-needed">6<`, `id="p0-cov-allocated">2<`,
				`data-region="31.74"`, "Sembako Ringkas", "Yayasan Ringkas"} {
				if !strings.Contains(page, want) {
					t.Errorf("home page lacks %q", want)
				}
			}
		})
	}
}

// TestPublicSummaryIsKept checks that anonymous requests do not sum the needs again
// within the summary's maximum age, and do once it has passed.
func TestPublicSummaryIsKept(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = 2 * time.Second })
			p := summaryRegistry(t, s, 2, 2)
			anon := s.Client()
			var first, second publicSummary
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &first)
			_, u, _ := s.Org(t, "Yayasan Simpan", true)
			if r := s.As(t, u.ID).Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1",
				"quantity": 1, "region": "31.71", "deliver_by": futureDate(1)}); r.Status != 201 {
				t.Fatalf("commit: %d %s", r.Status, r.Body)
			}
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &second)
			_, a1, _ := first.region(t, "31.71")
			if _, a2, _ := second.region(t, "31.71"); !second.AsOf.Equal(first.AsOf) || a2 != a1 || a1 != 0 {
				t.Errorf("summed again within its age: %v then %v", first.AsOf, second.AsOf)
			}
			time.Sleep(2100 * time.Millisecond)
			anon.Do(t, "GET", "/api/v1/public/summary", nil).JSON(t, &second)
			if _, a, _ := second.region(t, "31.71"); !second.AsOf.After(first.AsOf) || a != 1 {
				t.Errorf("not summed again after its age: as of %v (first %v), allocated %d in 31.71", second.AsOf, first.AsOf, a)
			}
		})
	}
}
