package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/storetest"
)

// TestAPurgedProgramSaysSo closes a program, purges it (gotong purge, as the
// retention setting would) and reads its page: it says, in words and with the
// day, that its recipients' personal data was removed; before the purge it says
// nothing of the kind.
func TestAPurgedProgramSaysSo(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			p, _ := publishProgram(t, s, program.Input{Name: "Sembako Selesai", Category: "pangan",
				Item: program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"household"},
				QuantityRule: "per_target", Phases: weeks(1)})
			if _, err := s.App.Programs.Close(s.Ctx(), p.ID); err != nil {
				t.Fatal(err)
			}
			admin := s.Client()
			admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)
			page := func() string {
				r := admin.Do(t, "GET", "/programs/"+p.ID, nil)
				if r.Status != http.StatusOK {
					t.Fatalf("program page: %d", r.Status)
				}
				return string(r.Body)
			}
			if b := page(); strings.Contains(b, `id="program-purged"`) {
				t.Fatal("a closed program not yet purged says its data was removed")
			}
			if _, err := s.App.Retention.Purge(s.Ctx(), time.Now().Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			day := time.Now().In(time.FixedZone("WIB", 7*3600))
			want := day.Format("2") + " " + map[time.Month]string{time.January: "Januari", time.February: "Februari", time.March: "Maret",
				time.April: "April", time.May: "Mei", time.June: "Juni", time.July: "Juli", time.August: "Agustus", time.September: "September",
				time.October: "Oktober", time.November: "November", time.December: "Desember"}[day.Month()] + " " + day.Format("2006")
			if b := page(); !strings.Contains(b, `id="program-purged"`) || !strings.Contains(b, "Data pribadi penerima program ini telah dihapus pada "+want) {
				t.Fatalf("the purged program's page does not say so on %s", want)
			}
		})
	}
}
