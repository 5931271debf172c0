package registry

import (
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// A household of Jakarta Barat (31.73), imported by its own office.
const (
	kkBarat      = "3173010101200001"
	kelBarat     = "31.73.01.1001"
	kelPusat     = "31.71.01.1001"
	addressBarat = "Jl. Kamal Raya No. 5"
)

var (
	nikBaratHead = nikOf("317301", "1968-04-04", false, 11)
	nikBaratWife = nikOf("317301", "1971-09-09", true, 12)
)

func baratFile() []byte {
	return []byte(householdHeader +
		hhRow(kkBarat, nikBaratHead, "Slamet Riyadi", "1968-04-04", "L", "Kepala Keluarga", kelBarat, "2", "4", addressBarat, "081300000011", "") +
		hhRow(kkBarat, nikBaratWife, "Wartini", "1971-09-09", "P", "Istri", kelBarat, "2", "4", addressBarat, "", ""))
}

// snapshot is what another office must not be able to change in a region it does
// not hold: the target's place, its name and its members.
func (e *env) snapshot(region string) string {
	e.t.Helper()
	rows, err := e.db.R().QueryContext(e.ctx, `SELECT t.id, t.region, t.name, t.address, t.size, COALESCE(t.merged_into, ''),
		m.id, m.region, m.target_id, m.held, COALESCE(m.merged_into, '')
		FROM targets t JOIN members m ON m.target_id = t.id WHERE t.region = $1 ORDER BY t.id, m.id`, region)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var tid, treg, name, addr, merged, mid, mreg, mt, held, mmerged string
		var size int
		if err := rows.Scan(&tid, &treg, &name, &addr, &size, &merged, &mid, &mreg, &mt, &held, &mmerged); err != nil {
			e.t.Fatal(err)
		}
		b.WriteString(strings.Join([]string{tid, treg, name, addr, itoa(size), merged, mid, mreg, mt, held, mmerged}, "|") + "\n")
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return b.String()
}

// TestAnOfficeCannotReachAnotherRegionsRecipients is finding 1 of the hardening
// issue: an office imported a NIK, a No. KK or a person that exists in another
// kota, saw the other kota's target in its own duplicate queue, merged it into its
// own target and so read and moved the other kota's household. A pair that spans
// two offices' regions now belongs to an office that holds both (here the
// province), the importer's rows wait for it, and nothing of the other side is
// shown to or changed by the importer.
func TestAnOfficeCannotReachAnotherRegionsRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		barat := Viewer{Scope: "31.73", Office: true}
		pusat := Viewer{Scope: "31.71", Office: true}
		province := Viewer{Scope: "31"}

		e.who.Scope = barat.Scope
		if im := e.importFile(Household, "barat.csv", baratFile()); im.Accepted != 2 {
			t.Fatalf("Jakarta Barat's own import: %s", counters(im))
		}
		before := e.snapshot(kelBarat)

		// 1. A member carrying a NIK of Jakarta Barat, in a new household of Jakarta Pusat.
		e.who.Scope = pusat.Scope
		byNIK := householdHeader +
			hhRow("3171010101209901", nikOf("317101", "1990-01-01", false, 91), "Andi Wijaya", "1990-01-01", "L", "Kepala Keluarga", kelPusat, "1", "1", "Jl. Gambir 1", "", "") +
			hhRow("3171010101209901", nikBaratWife, "Wartini", "1971-09-09", "P", "Istri", kelPusat, "1", "1", "Jl. Gambir 1", "", "")
		im := e.importFile(Household, "nik.csv", []byte(byNIK))
		if got, want := counters(im), "accepted=1 updated=0 merged=0 review=1 rejected=0 rows=2"; got != want {
			t.Fatalf("a foreign NIK: %s, want %s", got, want)
		}
		// 2. A row carrying Jakarta Barat's No. KK, placed in Jakarta Pusat: it must not
		// move the household, rename it or add to it.
		byKK := householdHeader +
			hhRow(kkBarat, nikOf("317101", "1985-05-05", false, 92), "Penyusup", "1985-05-05", "L", "Kepala Keluarga", kelPusat, "7", "7", "Jl. Lain 7", "089999999999", "") +
			hhRow(kkBarat, nikBaratHead, "Slamet Riyadi", "1968-04-04", "L", "Famili Lain", kelPusat, "7", "7", "Jl. Lain 7", "", "")
		im = e.importFile(Household, "kk.csv", []byte(byKK))
		if got, want := counters(im), "accepted=0 updated=0 merged=0 review=2 rejected=0 rows=2"; got != want {
			t.Fatalf("a foreign No. KK: %s, want %s", got, want)
		}
		// Importing the same files again changes nothing and stays in review.
		if im := e.importFile(Household, "kk.csv", []byte(byKK)); im.Review != 2 || im.Accepted+im.Updated+im.Merged != 0 {
			t.Fatalf("a foreign No. KK again: %s", counters(im))
		}
		if im := e.importFile(Household, "nik.csv", []byte(byNIK)); im.Review != 1 || im.Merged != 1 {
			t.Fatalf("a foreign NIK again: %s", counters(im))
		}
		if after := e.snapshot(kelBarat); after != before {
			t.Fatalf("Jakarta Pusat's imports changed Jakarta Barat's household:\nbefore\n%safter\n%s", before, after)
		}

		// Neither office sees a pair that spans both; the province sees them all.
		for _, v := range []Viewer{pusat, barat} {
			ds, _, err := e.s.ListDuplicates(e.ctx, v, "open", 0, "")
			if err != nil || len(ds) != 0 {
				t.Fatalf("office %s sees %d cross-region pairs (%v): %+v", v.Scope, len(ds), err, ds)
			}
		}
		pairs, _, err := e.s.ListDuplicates(e.ctx, province, "open", 0, "")
		if err != nil || len(pairs) != 2 {
			t.Fatalf("the province sees %d pairs (%v), want 2", len(pairs), err)
		}
		var foreign string // Jakarta Barat's household
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE region = $1`, kelBarat).Scan(&foreign); err != nil {
			t.Fatal(err)
		}
		for _, d := range pairs {
			if d.Region != "31" {
				t.Errorf("pair %s filed under %q, want the province", d.ID, d.Region)
			}
			own := d.TargetIDs[0]
			if own == foreign {
				own = d.TargetIDs[1]
			}
			// The importer cannot open it, decide it, nor learn the other target.
			if _, err := e.s.Duplicate(e.ctx, pusat, d.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("office 31.71 opens a cross-region pair: %v", err)
			}
			if _, err := e.s.Resolve(e.ctx, pusat, d.ID, "merge", own); !errs.Is(err, errs.NotFound) {
				t.Errorf("office 31.71 merges a cross-region pair: %v", err)
			}
			if _, err := e.s.Target(e.ctx, pusat, foreign); !errs.Is(err, errs.NotFound) {
				t.Errorf("office 31.71 reads Jakarta Barat's household: %v", err)
			}
		}
		// The household held for the province has no needs-bearing status: it is
		// neither visible as a live household nor counted in the region's figures.
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE region = $1 AND held = '' AND name = 'Penyusup'`, kelPusat); n != 0 {
			t.Fatalf("the row with a foreign No. KK became a live household")
		}
		if after := e.snapshot(kelBarat); after != before {
			t.Fatalf("the failed attempts changed Jakarta Barat's household:\nbefore\n%safter\n%s", before, after)
		}

		// The province decides: the household moved to Jakarta Pusat (keep the held one).
		var kkPair Duplicate
		for _, d := range pairs {
			if d.TargetIDs[0] == foreign || d.TargetIDs[1] == foreign {
				var reasons = reasonText(d.Reasons)
				if strings.Contains(reasons, "KK") && !strings.Contains(reasons, "two family cards") {
					kkPair = d
				}
			}
		}
		if kkPair.ID == "" {
			t.Fatalf("no pair names the shared No. KK: %+v", pairs)
		}
		held := kkPair.TargetIDs[0]
		if held == foreign {
			held = kkPair.TargetIDs[1]
		}
		if _, err := e.s.Resolve(e.ctx, province, kkPair.ID, "distinct", ""); !errs.Is(err, errs.Conflict) {
			t.Fatalf("two live households with one No. KK: %v, want conflict", err)
		}
		if _, err := e.s.Resolve(e.ctx, province, kkPair.ID, "merge", held); err != nil {
			t.Fatalf("the province merges: %v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE id = $1 AND held = '' AND merged_into IS NULL`, held); n != 1 {
			t.Fatal("the kept household is still held")
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE target_id = $1 AND held = '' AND merged_into IS NULL`, held); n != 3 {
			t.Fatalf("the kept household has %d live members, want 3 (its own newcomer, and the two moved in)", n)
		}
		// Both regions' histories say what happened to their household.
		for _, reg := range []string{kelBarat, kelPusat} {
			if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'target.merge' AND region = $1`, reg); n == 0 {
				t.Errorf("no merge entry filed under %s", reg)
			}
		}
	})
}

// A person (not a household member) known in another kota is held the same way.
func TestAForeignPersonIsHeldForTheProvince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		header := "NIK,Nama,Tanggal Lahir,Jenis Kelamin,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"
		n := nikOf("317301", "1950-02-02", true, 31)
		e.who.Scope = "31.73"
		e.importFile(Person, "p.csv", []byte(header+n+",Mbah Sumi,1950-02-02,P,"+kelBarat+",3,3,Jl. Barat 3,,0812000031,lansia\n"))
		before := e.snapshotPersons()
		e.who.Scope = "31.71"
		im := e.importFile(Person, "p.csv", []byte(header+n+",Mbah Sumi,1950-02-02,P,"+kelPusat+",1,1,Jl. Pusat 1,,0812000099,\n"))
		if got, want := counters(im), "accepted=0 updated=0 merged=0 review=1 rejected=0 rows=1"; got != want {
			t.Fatalf("a foreign person: %s, want %s", got, want)
		}
		if after := e.snapshotPersons(); !strings.HasPrefix(after, before) || strings.Count(after, "\n") != 2 {
			t.Fatalf("the foreign person was changed:\nbefore\n%safter\n%s", before, after)
		}
		ds, _, _ := e.s.ListDuplicates(e.ctx, Viewer{Scope: "31.71", Office: true}, "open", 0, "")
		ps, _, _ := e.s.ListDuplicates(e.ctx, Viewer{Scope: "31"}, "open", 0, "")
		if len(ds) != 0 || len(ps) != 1 || ps[0].Region != "31" {
			t.Fatalf("pairs: office %d, province %+v", len(ds), ps)
		}
	})
}

func (e *env) snapshotPersons() string {
	e.t.Helper()
	rows, err := e.db.R().QueryContext(e.ctx, `SELECT id, region, name, address, phone, held FROM targets WHERE kind = 'person' ORDER BY created_at, id`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var f [6]string
		if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5]); err != nil {
			e.t.Fatal(err)
		}
		b.WriteString(strings.Join(f[:], "|") + "\n")
	}
	return b.String()
}

// Pairs filed by the previous schema under the importer's kelurahan are refiled
// under the smallest region holding both targets by the upgrade.
func TestUpgradeRefilesPairsThatSpanRegions(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			ctx := t.Context()
			db, exec := atVersion(t, eng, 6)
			now := store.Now()
			for id, reg := range map[string]string{"a1": kelPusat, "a2": "31.71.01.1002", "b1": "31.71.02.1001", "c1": kelBarat} {
				exec(`INSERT INTO targets (id, kind, region, name, name_norm, created_at, updated_at) VALUES ($1, 'household', $2, 'x', 'x', $3, $3)`, id, reg, now)
			}
			for id, pair := range map[string][2]string{"same-kecamatan": {"a1", "a2"}, "same-kota": {"a1", "b1"}, "two-kota": {"a1", "c1"}} {
				exec(`INSERT INTO duplicates (id, target_a, target_b, region, score, reasons, created_at) VALUES ($1, $2, $3, $4, 1, '[]', $5)`,
					id, pair[0], pair[1], kelPusat, now)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]string{"same-kecamatan": "31.71.01", "same-kota": "31.71", "two-kota": "31"} {
				var got string
				if err := db.R().QueryRowContext(ctx, `SELECT region FROM duplicates WHERE id = $1`, id).Scan(&got); err != nil || got != want {
					t.Errorf("pair %s filed under %q (%v), want %q", id, got, err, want)
				}
			}
		})
	}
}
