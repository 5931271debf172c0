package registry

import (
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// A NIK or No. KK issued before its kecamatan was renumbered keeps the old code
// (Makbon, Sorong: 92.01.01 until Papua Barat Daya was formed, 96.01.01 now): the row
// is accepted with a warning. A code that never existed is still refused.
func TestRetiredRegionCodeIsAWarningNotARejection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		if now, ok := e.s.regions.Retired("92.01.01"); !ok || now != "96.01.01" {
			t.Fatalf("92.01.01 retired: %q %v, want it now 96.01.01", now, ok)
		}
		file := []byte(householdHeader +
			hhRow("9201010101200201", nikOf("920101", "1980-04-05", false, 41), "Yohanes Mambrasar", "1980-04-05", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Kebon Kacang No. 1", "", "") +
			hhRow("3171010101200299", nikOf("929901", "1981-04-05", false, 42), "Markus Rumbiak", "1981-04-05", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Kebon Kacang No. 2", "", ""))
		im := e.importFile(Household, "kode-lama.csv", file)
		if got, want := counters(im), "accepted=1 updated=0 merged=0 review=0 rejected=1 rows=2"; got != want {
			t.Fatalf("import: %s, want %s (the retired code accepted, the unknown one refused)", got, want)
		}
		if im.Warnings != 1 {
			t.Errorf("warnings = %d, want 1 (the retired region code)", im.Warnings)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE name = 'Yohanes Mambrasar'`); n != 1 {
			t.Fatalf("the member with the retired code was not stored")
		}
	})
}
