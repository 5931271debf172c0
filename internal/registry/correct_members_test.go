package registry

import (
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// A member without a NIK is corrected in place, found by its id: the correction
// once went by NIK and, finding none, added a second member. A later import of the
// corrected row finds the member again by its corrected natural key.
func TestCorrectingAMemberWithoutNIKUpdatesThatMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		kk := "3171010101200401"
		head := hhRow(kk, nikOf("317101", "1990-03-02", false, 61), "Dimas Pratama", "1990-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Tanah Abang No. 1", "", "")
		e.importFile(Household, "kk.csv", []byte(householdHeader+head+
			hhRow(kk, "", "Putri Ayuu", "2025-05-01", "P", "Anak", "31.71.01.1001", "1", "1", "Jl. Tanah Abang No. 1", "", "")))
		var hh string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE name = 'Dimas Pratama'`).Scan(&hh); err != nil {
			t.Fatal(err)
		}
		office := Viewer{Scope: "31.71", Office: true}
		before, err := e.s.Target(e.ctx, office, hh)
		if err != nil {
			t.Fatal(err)
		}
		baby := before.Members[1]
		name, birth := "Putri Ayu", "2025-05-02"
		got, err := e.s.Correct(e.ctx, office, hh, Correction{Members: []MemberChange{{ID: baby.ID, Name: &name, BirthDate: &birth}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Members) != 2 || got.Size != 2 {
			t.Fatalf("after the correction the household has %d members, size %d; want 2 and 2", len(got.Members), got.Size)
		}
		if m := got.Members[1]; m.ID != baby.ID || m.Name != name || m.BirthDate != birth {
			t.Fatalf("the member reads %+v, want %s corrected to %s %s", m, baby.ID, name, birth)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'member.correct' AND object_id = $1`, baby.ID); n != 1 {
			t.Fatalf("%d member.correct audit entries, want 1", n)
		}
		again := e.importFile(Household, "kk-v2.csv", []byte(householdHeader+head+
			hhRow(kk, "", name, birth, "P", "Anak", "31.71.01.1001", "1", "1", "Jl. Tanah Abang No. 1", "", "")))
		if again.Accepted != 0 {
			t.Fatalf("re-importing the corrected row added %d members", again.Accepted)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE target_id = $1`, hh); n != 2 {
			t.Fatalf("%d members after the re-import, want 2", n)
		}
	})
}

// Adding and removing members keeps the household's size, and a removal says why.
func TestCorrectionAddsAndRemovesMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		kk := "3171010101200402"
		e.importFile(Household, "kk.csv", []byte(householdHeader+
			hhRow(kk, nikOf("317101", "1980-03-02", false, 62), "Budi Santoso", "1980-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "2", "1", "Jl. Cideng No. 1", "", "")))
		var hh string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE name = 'Budi Santoso'`).Scan(&hh); err != nil {
			t.Fatal(err)
		}
		office := Viewer{Scope: "31.71", Office: true}
		name, birth, sex, rel := "Rina Santoso", "2010-01-09", "P", "Anak"
		got, err := e.s.Correct(e.ctx, office, hh, Correction{Members: []MemberChange{{Name: &name, BirthDate: &birth, Sex: &sex, Relation: &rel}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Size != 2 || len(got.Members) != 2 {
			t.Fatalf("after adding: size %d, %d members; want 2", got.Size, len(got.Members))
		}
		added := got.Members[1].ID
		if _, err := e.s.Correct(e.ctx, office, hh, Correction{Members: []MemberChange{{ID: added, Remove: true}}}); err == nil {
			t.Fatal("a removal without a reason was taken")
		}
		if _, err := e.s.Correct(e.ctx, office, hh, Correction{Members: []MemberChange{{ID: got.Members[0].ID, Remove: true, Reason: "pindah"}}}); err == nil {
			t.Fatal("the head was removed")
		}
		got, err = e.s.Correct(e.ctx, office, hh, Correction{Members: []MemberChange{{ID: added, Remove: true, Reason: "pindah domisili"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Size != 1 || len(got.Members) != 1 {
			t.Fatalf("after removing: size %d, %d members; want 1", got.Size, len(got.Members))
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'member.remove' AND object_id = $1`, added); n != 1 {
			t.Fatalf("%d member.remove entries, want 1", n)
		}
		other := Viewer{Scope: "31.73", Office: true}
		if _, err := e.s.Correct(e.ctx, other, hh, Correction{Members: []MemberChange{{ID: got.Members[0].ID, Name: &name}}}); err == nil {
			t.Fatal("another kota's office corrected the household")
		}
	})
}
