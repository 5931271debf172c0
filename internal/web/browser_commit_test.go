package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserCommitAndSeeRecipients walks a verified collaborator through giving on
// a phone: it looks where help is still needed, drills down to a kecamatan, opens
// the commitment form for it, previews what it would get, commits, sees its
// recipients with their delivery details, cancels, and sees the details go; then it
// reads the page in English.
func TestBrowserCommitAndSeeRecipients(t *testing.T) {
	exe := browserPath(t)
	// Three households of Pasar Baru (Sawah Besar, Jakarta Pusat): one package each.
	people := []struct{ name, phone string }{{"Slamet Riyadi", "081244440001"}, {"Sri Wahyuni", "081244440002"}, {"Bagus Pratama", "081244440003"}}
	file := householdHeader
	for i, p := range people {
		birth := []string{"1966-02-11", "1979-10-23", "1990-06-30"}[i]
		sex := []string{"L", "P", "L"}[i]
		file += hhRow(kkOf("317102", 7301+i), nikOf("317102", birth, sex == "P", 7301+i), p.name, birth, sex, "Kepala Keluarga",
			"31.71.02.1001", "4", []string{"1", "2", "3"}[i], "Jl. Pasar Baru Gg. "+[]string{"I", "II", "III"}[i], p.phone, "")
	}
	const want = 2 // packages committed

	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			b := browser(s.URL)
			importKind(t, s, adminImporter(t, s), registry.Household, "pasar-baru.csv", file)
			p, _ := publishProgram(t, s, program.Input{Name: "Sembako Kolaborasi", Category: "pangan",
				Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"household"},
				Regions: []string{"31.71.02"}, Phases: weeks(2), QuantityRule: program.PerTarget})
			_, collab, password := s.Org(t, "Yayasan Berbagi Peramban", true)
			shown := func() []string {
				t.Helper()
				list := b.text("#recipients")
				var out []string
				for _, p := range people {
					if strings.Contains(list, p.name) {
						out = append(out, p.name)
					}
				}
				return out
			}

			if !t.Run("the collaborator signs in on its way to where help is needed", func(t *testing.T) {
				b.in(t)
				b.open("/needs")
				b.waitText("main h1", "Masuk")
				b.signIn(s, collab.Email, password)
				b.waitText("main h1", "Di mana bantuan masih dibutuhkan")
				b.waitExact("#cov-unmet", "3") // in the first phase, the one open now
				b.shot("needs-province", phoneW)
			}) {
				return
			}

			if !t.Run("it drills down to Sawah Besar, where three packages are still needed", func(t *testing.T) {
				b.in(t)
				b.click(`#coverage a[href$="region=31.71"]`)
				b.waitText("#needs-region", "Jakarta Pusat")
				b.click(`#coverage a[href$="region=31.71.02"]`)
				b.waitText("#needs-region", "Sawah Besar")
				b.waitExact(`#coverage tr[data-region="31.71.02.1001"] td.unmet`, "3")
				b.waitText("main nav.breadcrumb", "Jakarta Pusat")
				b.shot("needs-kecamatan", phoneW)
			}) {
				return
			}

			if !t.Run("it opens the form for the kecamatan and previews two packages", func(t *testing.T) {
				b.in(t)
				b.click("#commit-here")
				b.waitText("main h1", "Berkomitmen memberi bantuan")
				if got := waitFor[string](b, "the region field", `() => { const i = document.querySelector("#region"); return i && i.value; }`); got != "31.71.02" {
					t.Errorf("the region field holds %q, want 31.71.02", got)
				}
				if got := waitFor[string](b, "the program", `() => { const s = document.querySelector("#program"); return s && s.value; }`); got != p.ID {
					t.Errorf("the program chosen is %q, want %q", got, p.ID)
				}
				b.fill([][2]string{{"#quantity", "2"}})
				b.click("#preview-button")
				b.waitExact("#pv-allocated", "2")
				b.waitExact("#pv-waitlisted", "0")
				b.waitText("#pv-areas", "Pasar Baru")
				if n := countRows(t, s, `SELECT COUNT(*) FROM commitments`); n != 0 {
					t.Errorf("the preview wrote %d commitments", n)
				}
				b.shot("commit-preview", phoneW)
			}) {
				return
			}

			if !t.Run("it commits and sees its two recipients with their delivery details", func(t *testing.T) {
				b.in(t)
				b.click("#commit-submit")
				b.waitText(".flash-ok", "Komitmen Anda telah dicatat.")
				if loc := b.location(); !strings.HasPrefix(loc, "/commitments/") || loc == "/commitments/new" {
					t.Errorf("after committing, the address bar shows %s, want /commitments/{id}", loc)
				}
				b.waitExact("#allocated", "2")
				b.waitExact("#waitlisted", "0")
				b.waitExact("#commitment-status", "teralokasi penuh")
				names := shown()
				if len(names) != want {
					t.Fatalf("the recipients table names %v, want %d of the households", names, want)
				}
				for _, p := range people {
					if strings.Contains(strings.Join(names, ","), p.name) {
						b.waitText("#recipients", p.phone[1:]) // shown as +62…
					}
				}
				b.shot("commitment-recipients", phoneW)
			}) {
				return
			}

			if !t.Run("it cancels, and the recipients' details disappear", func(t *testing.T) {
				b.in(t)
				b.click("#cancel summary")
				b.click("#cancel-confirm")
				b.waitText(".flash-ok", "Komitmen telah dibatalkan")
				b.waitExact("#commitment-status", "dibatalkan")
				b.waitExact("#allocated", "0")
				if names := shown(); len(names) != 0 {
					t.Errorf("after cancelling, the recipients table still names %v", names)
				}
				for _, p := range people {
					if strings.Contains(b.text("main"), p.phone[1:]) {
						t.Errorf("after cancelling, the page still shows %s's phone", p.name)
					}
				}
				if n := countRows(t, s, `SELECT COALESCE(SUM(allocated), 0) FROM needs`); n != 0 {
					t.Errorf("%d units still allocated after cancelling", n)
				}
				b.shot("commitment-cancelled", phoneW)
			}) {
				return
			}

			t.Run("the language switch shows the commitment in English", func(t *testing.T) {
				b.in(t)
				b.click("#lang-en")
				b.waitLang("en")
				b.waitText("main h2", "Recipients")
				b.waitExact("#commitment-status", "cancelled")
				b.waitText("#nav-commitments", "My commitments")
				b.click("#nav-commitments")
				b.waitText("main h1", "My commitments")
				b.waitText("#commitments", "Sembako Kolaborasi")
				b.shot("commitments-en", phoneW)
			})

			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: browser scenario took %s", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}
