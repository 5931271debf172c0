package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// Finding 9 of the hardening issue: an unverified account read a health program's
// coverage per kelurahan, which tells where people are in self-isolation. Outside
// the government offices a sensitive program's figures now stop at kecamatan, and
// small counts are withheld.
func TestASensitiveProgramsFiguresStopAtKecamatanOutsideTheOffices(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			var file strings.Builder
			file.WriteString(householdHeader)
			add := func(district, village string, n, from int) {
				for i := range n {
					serial := from + i
					file.WriteString(hhRow(kkOf(district, serial), nikOf(district, "1970-01-01", false, serial), fmt.Sprintf("Warga Isoman %d", serial),
						"1970-01-01", "L", "Kepala Keluarga", village, "1", "1", "Jl. Sehat", "", "isoman"))
				}
			}
			add("317101", "31.71.01.1001", 10, 100) // Gambir: ten households
			add("317102", "31.71.02.1002", 3, 200)  // Karang Anyar: three
			importKind(t, s, adminImporter(t, s), registry.Household, "isoman.csv", file.String())
			p, n := publishProgram(t, s, program.Input{Name: "Makanan Isoman Uji", Category: "pangan", Item: program.Item{Name: "Makanan", Unit: "paket", UnitValue: 50000},
				TargetKinds: []string{"household"}, Regions: []string{"31.71"}, Tags: []string{"isoman"}, Phases: weeks(1), QuantityRule: program.PerTarget})
			if n != 13 || !p.Sensitive {
				t.Fatalf("published %d needs, sensitive %v; want 13, true", n, p.Sensitive)
			}
			_, pending, _ := s.Org(t, "Komunitas Belum Diverifikasi", false)
			_, collab, _ := s.Org(t, "Yayasan Terverifikasi", true)
			office, _ := s.User(t, account.Office, "31.71", "")
			admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			type counts struct {
				Needed, Allocated *int64
			}
			type cov struct {
				Coarse   bool
				Needed   *int64
				Children []struct {
					Code string
					counts
				}
			}
			get := func(c *apptest.Client, code string) (cov, int) {
				t.Helper()
				r := c.Do(t, "GET", "/api/v1/programs/"+p.ID+"/coverage?region="+code, nil)
				var v cov
				if r.Status == 200 {
					r.JSON(t, &v)
				}
				return v, r.Status
			}
			child := func(v cov, code string) counts {
				for _, ch := range v.Children {
					if ch.Code == code {
						return ch.counts
					}
				}
				t.Fatalf("no child %s in %+v", code, v)
				return counts{}
			}
			show := func(p *int64) string {
				if p == nil {
					return "null"
				}
				return fmt.Sprint(*p)
			}
			// A citizen living in Karang Anyar itself learns no more of it (issue 14).
			resident, _ := createUser(t, s, "warga.karang.anyar@warga.example", account.Citizen, "31.71.02.1002")
			for _, u := range []account.User{pending, collab, resident} {
				c := s.As(t, u.ID)
				kota, _ := get(c, "31.71")
				// Karang Anyar's 3 is withheld, and Gambir's 10 with it: the kota's
				// total minus the other kecamatan would give the 3 back.
				if !kota.Coarse || show(child(kota, "31.71.02").Needed) != "null" || show(child(kota, "31.71.01").Needed) != "null" ||
					show(child(kota, "31.71.03").Needed) != "0" || show(kota.Needed) != "13" {
					t.Errorf("%s sees the kota as %+v", u.Email, kota)
				}
				kec, _ := get(c, "31.71.02")
				if len(kec.Children) != 0 || kec.Needed != nil {
					t.Errorf("%s sees below the kecamatan: %+v", u.Email, kec)
				}
				if _, status := get(c, "31.71.02.1002"); status != 400 {
					t.Errorf("%s reads a kelurahan: %d, want 400", u.Email, status)
				}
				page := c.Do(t, "GET", "/needs?program="+p.ID+"&region=31.71", nil)
				if page.Status != 200 || !strings.Contains(string(page.Body), "&lt;5") || !strings.Contains(string(page.Body), `id="coarse"`) {
					t.Errorf("%s's needs page: %d, withheld counts not shown as <5", u.Email, page.Status)
				}
			}
			// Committing for a kelurahan would tell what it holds; a kecamatan is fine,
			// and its preview names no kelurahan.
			c := s.As(t, collab.ID)
			body := func(region string) map[string]any {
				return map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 2, "region": region, "deliver_by": futureDate(2)}
			}
			if r := c.Do(t, "POST", "/api/v1/commitments", body("31.71.02.1002")); r.Status != 400 {
				t.Errorf("a commitment for a kelurahan: %d %s, want 400", r.Status, r.Body)
			}
			if r := c.Do(t, "POST", "/api/v1/commitments/preview", body("31.71.02")); r.Status != 200 || strings.Contains(string(r.Body), "31.71.02.1002") {
				t.Errorf("a preview for a kecamatan: %d %s", r.Status, r.Body)
			}
			if r := c.Do(t, "POST", "/api/v1/commitments", body("31.71.02")); r.Status != 201 {
				t.Errorf("a commitment for a kecamatan: %d %s, want 201", r.Status, r.Body)
			}
			for _, u := range []account.User{office, admin} {
				kel, status := get(s.As(t, u.ID), "31.71.02.1002")
				if status != 200 || kel.Coarse || show(kel.Needed) != "3" {
					t.Errorf("%s reads the kelurahan: %d %+v, want 3 needed", u.Email, status, kel)
				}
			}
		})
	}
}
