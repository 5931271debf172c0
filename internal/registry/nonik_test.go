package registry

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/errs"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// People without a NIK (a newborn, a resident who never got one) are kept, with a
// warning, and found again on re-import by No. KK, name and birth date.
func TestMemberWithoutNIKIsAcceptedAndReimportedIdempotently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		kk1, kk2 := "3171010101200201", "3171010101200202"
		file := func(babyTags string) []byte {
			return []byte(householdHeader +
				hhRow(kk1, nikOf("317101", "1990-03-02", false, 31), "Dimas Pratama", "1990-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Tanah Abang No. 1", "", "") +
				hhRow(kk1, "", "Putri Ayu", "2025-05-01", "P", "Anak", "31.71.01.1001", "1", "1", "Jl. Tanah Abang No. 1", "", babyTags) +
				hhRow(kk2, " ", "Mak Iyah", "1941-02-02", "P", "Kepala Keluarga", "31.71.01.1001", "1", "2", "Jl. Tanah Abang No. 2", "", "lansia") +
				hhRow(kk2, "12345", "Ujang", "1960-06-06", "L", "Famili Lain", "31.71.01.1001", "1", "2", "Jl. Tanah Abang No. 2", "", ""))
		}
		im := e.importFile(Household, "tanpa-nik.csv", file(""))
		if got, want := counters(im), "accepted=3 updated=0 merged=0 review=0 rejected=1 rows=4"; got != want {
			t.Fatalf("first import: %s, want %s (a malformed NIK is still refused, an empty one is not)", got, want)
		}
		if im.Warnings != 2 {
			t.Errorf("warnings = %d, want 2 (the two rows without a NIK)", im.Warnings)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE nik_hash IS NULL AND nik_enc = '' AND nik_mask = '' AND key_hash <> ''`); n != 2 {
			t.Fatalf("%d members without a NIK carry a natural key, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE nik_hash IS NOT NULL AND key_hash <> ''`); n != 0 {
			t.Fatalf("%d members with a NIK carry a natural key too", n)
		}
		if n := e.count(`SELECT size FROM targets WHERE name = 'Dimas Pratama'`); n != 2 {
			t.Fatalf("the household with a newborn has size %d, want 2", n)
		}
		var hh string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE name = 'Mak Iyah'`).Scan(&hh); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.Target(e.ctx, Viewer{Scope: "31", Office: true}, hh)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Members) != 1 || got.Members[0].NIK != "" || got.Members[0].NIKMasked != "" || got.NIKMasked != "" || got.KK != kk2 {
			t.Fatalf("a household whose head has no NIK reads %+v", got)
		}

		updates := func() int {
			return e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('target.update', 'member.update')`)
		}
		before, members := updates(), e.count(`SELECT COUNT(*) FROM members`)
		again := e.importFile(Household, "tanpa-nik.csv", file(""))
		if got, want := counters(again), "accepted=0 updated=0 merged=3 review=0 rejected=1 rows=4"; got != want {
			t.Fatalf("re-import of the same file: %s, want %s", got, want)
		}
		if n := updates(); n != before {
			t.Fatalf("re-importing an unchanged file wrote %d updates", n-before)
		}
		if n := e.count(`SELECT COUNT(*) FROM members`); n != members {
			t.Fatalf("re-importing an unchanged file made %d members of %d", n, members)
		}

		third := e.importFile(Household, "tanpa-nik-v2.csv", file("anak"))
		if got, want := counters(third), "accepted=0 updated=1 merged=2 review=0 rejected=1 rows=4"; got != want {
			t.Fatalf("import with the newborn's row changed: %s, want %s", got, want)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE name = 'Putri Ayu' AND tags = ',anak,'`); n != 1 {
			t.Fatalf("the changed row did not update the member without a NIK")
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'member.update'`); n != 1 {
			t.Fatalf("%d member.update audit entries, want 1", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM members`); n != members {
			t.Fatalf("an updated row made a new member: %d of %d", n, members)
		}
	})
}

func TestPersonWithoutNIKIsAcceptedAndReimportedIdempotently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		header := "NIK,Nama,Tanggal Lahir,Jenis Kelamin,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"
		file := func(phone string) []byte {
			return []byte(header +
				",Mbah Karto,1938-08-17,L,31.71.01.1002,3,4,Jl. Cideng No. 9,," + phone + ",lansia\n" +
				nikOf("317101", "1975-01-01", true, 41) + ",Wati,1975-01-01,P,31.71.01.1002,3,4,Jl. Cideng No. 10,,,\n")
		}
		im := e.importFile(Person, "orang.csv", file(""))
		if got, want := counters(im), "accepted=2 updated=0 merged=0 review=0 rejected=0 rows=2"; got != want || im.Warnings != 1 {
			t.Fatalf("first import: %s, %d warnings; want %s, 1 warning", got, im.Warnings, want)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE kind = 'person' AND id_enc = '' AND id_mask = '' AND id_hash IS NOT NULL`); n != 1 {
			t.Fatalf("%d persons without a NIK with a natural key, want 1", n)
		}
		again := e.importFile(Person, "orang.csv", file(""))
		if got, want := counters(again), "accepted=0 updated=0 merged=2 review=0 rejected=0 rows=2"; got != want {
			t.Fatalf("re-import: %s, want %s", got, want)
		}
		third := e.importFile(Person, "orang.csv", file("081299990000"))
		if got, want := counters(third), "accepted=0 updated=1 merged=1 review=0 rejected=0 rows=2"; got != want {
			t.Fatalf("changed phone: %s, want %s", got, want)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE kind = 'person'`); n != 2 {
			t.Fatalf("%d person targets after three imports, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE name = 'Mbah Karto' AND phone = '+6281299990000'`); n != 1 {
			t.Fatal("the person without a NIK was not updated")
		}
	})
}

// A copy of a registered person, re-entered without a NIK under another No. KK, is
// merged at once when the names are the same name (namematch.Same), and queued for
// review when they only look alike, when both carry (different) NIKs, when the sexes
// differ, or when the copy's household holds someone else.
func TestDuplicateWithoutNIKIsMergedOrReviewed(t *testing.T) {
	const village, birth = "31.71.01.1004", "1980-01-01"
	original := householdHeader +
		hhRow("3171010101200301", nikOf("317101", birth, false, 51), "Muhammad Yusuf", birth, "L", "Kepala Keluarga", village, "1", "1", "Jl. Kartini No. 1", "", "") +
		hhRow("3171010101200302", nikOf("317101", birth, true, 52), "Siti Aminah", birth, "P", "Kepala Keluarga", village, "2", "1", "Jl. Kartini No. 2", "", "")
	copyRow := func(kk, nikNo, name, sex string) string {
		return hhRow(kk, nikNo, name, birth, sex, "Kepala Keluarga", village, "3", "1", "Jl. Kartini No. 3", "", "")
	}
	cases := []struct {
		name      string
		file      string
		want      string // counters of the second import
		autoMerge bool
	}{
		{"the same name spelt the old way, without a NIK, is merged", householdHeader + copyRow("3171010101200303", "", "Moh. Jusuf", "L"),
			"accepted=0 updated=0 merged=1 review=0 rejected=0 rows=1", true},
		{"a name with a typo, without a NIK, goes to review", householdHeader + copyRow("3171010101200303", "", "Siti Aminha", "P"),
			"accepted=0 updated=0 merged=0 review=1 rejected=0 rows=1", false},
		{"the same name with another NIK goes to review", householdHeader + copyRow("3171010101200303", nikOf("317101", birth, false, 53), "M. Yusuf", "L"),
			"accepted=0 updated=0 merged=0 review=1 rejected=0 rows=1", false},
		{"the same name of the other sex goes to review", householdHeader + copyRow("3171010101200303", "", "Siti Aminah", "L"),
			"accepted=0 updated=0 merged=0 review=1 rejected=0 rows=1", false},
		{"a copy in a household with someone else goes to review", householdHeader + copyRow("3171010101200303", "", "Moh. Jusuf", "L") +
			hhRow("3171010101200303", "", "Rahmat", "2001-02-03", "L", "Anak", village, "3", "1", "Jl. Kartini No. 3", "", ""),
			"accepted=1 updated=0 merged=0 review=1 rejected=0 rows=2", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, 100)
				e.importFile(Household, "asal.csv", []byte(original))
				im := e.importFile(Household, "salinan.csv", []byte(c.file))
				if got := counters(im); got != c.want {
					t.Fatalf("%s, want %s", got, c.want)
				}
				autos := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'duplicate.auto_merge'`)
				mergedPairs := e.count(`SELECT COUNT(*) FROM duplicates WHERE status = 'merged' AND decided_by IS NULL`)
				open := e.count(`SELECT COUNT(*) FROM duplicates WHERE status = 'open'`)
				if !c.autoMerge {
					if autos != 0 || mergedPairs != 0 || open != 1 {
						t.Fatalf("%d automatic merges, %d merged and %d open pairs; want 0, 0, 1", autos, mergedPairs, open)
					}
					return
				}
				if autos != 1 || mergedPairs != 1 || open != 0 {
					t.Fatalf("%d automatic merges, %d merged and %d open pairs; want 1, 1, 0", autos, mergedPairs, open)
				}
				var keep, detail string
				if err := db.R().QueryRowContext(e.ctx, `SELECT keep FROM duplicates`).Scan(&keep); err != nil {
					t.Fatal(err)
				}
				if err := db.R().QueryRowContext(e.ctx, `SELECT detail FROM audit_log WHERE action = 'duplicate.auto_merge'`).Scan(&detail); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(detail, `"score":1`) || !strings.Contains(detail, "similar name") {
					t.Errorf("the audit entry does not carry the score and reasons: %s", detail)
				}
				if n := e.count(`SELECT COUNT(*) FROM targets WHERE id = $1 AND name = 'Muhammad Yusuf' AND size = 1 AND merged_into IS NULL`, keep); n != 1 {
					t.Fatalf("the kept target is not the original household of one")
				}
				if n := e.count(`SELECT COUNT(*) FROM targets WHERE merged_into = $1`, keep); n != 1 {
					t.Fatalf("%d targets merged into the kept one, want 1", n)
				}
				if n := e.count(`SELECT COUNT(*) FROM members m JOIN members k ON k.id = m.merged_into WHERE m.name = 'Moh. Jusuf' AND k.target_id = $1`, keep); n != 1 {
					t.Fatal("the copy is not marked merged into the original member")
				}
				// Importing the copy again changes nothing and brings nothing back.
				members := e.count(`SELECT COUNT(*) FROM members`)
				again := e.importFile(Household, "salinan.csv", []byte(c.file))
				if got, want := counters(again), "accepted=0 updated=0 merged=1 review=0 rejected=0 rows=1"; got != want {
					t.Fatalf("re-import of the copy: %s, want %s", got, want)
				}
				if n := e.count(`SELECT COUNT(*) FROM members`); n != members {
					t.Fatalf("re-importing the merged copy made %d members of %d", n, members)
				}
				if n := e.count(`SELECT COUNT(*) FROM duplicates`); n != 1 {
					t.Fatalf("%d pairs after the re-import, want 1", n)
				}
			})
		})
	}
}

// A failed import keeps why in two forms: the English message the API answers with,
// and the message's format and arguments, which a page says in the reader's language
// (a number comes back as one that %d still formats).
func TestImportFailureKeepsItsMessageTranslatable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		for _, c := range []struct {
			err            error
			message, forms string
			args           []any
		}{
			{errs.E(errs.Invalid, "the file cannot be read after row %d", 12), "the file cannot be read after row 12",
				"the file cannot be read after row %d", []any{int64(12)}},
			{errs.E(errs.Invalid, "required columns are missing: %s", "No KK, NIK"), "required columns are missing: No KK, NIK",
				"required columns are missing: %s", []any{"No KK, NIK"}},
			{errors.New("disk on fire"), "internal error", "internal error", nil},
		} {
			im := e.importFile(Household, "gagal.csv", householdFile())
			if im.Failure() != nil {
				t.Fatalf("a finished import reports a failure: %v", im.Failure())
			}
			if err := e.s.markFailed(e.ctx, im.ID, c.err); err != nil {
				t.Fatal(err)
			}
			got, err := e.s.Import(e.ctx, im.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			f := errs.As(got.Failure())
			if got.Status != StatusFailed || got.Error != c.message || f.Format != c.forms || f.Message() != c.message || fmt.Sprint(f.Args) != fmt.Sprint(c.args) {
				t.Fatalf("failed with %v: status %s, error %q, format %q, args %#v", c.err, got.Status, got.Error, f.Format, f.Args)
			}
		}
	})
}

// The import list pages with a cursor: every import once, newest first, however
// small the pages; a cursor that was not handed out is refused.
func TestImportListPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		var made []string
		for range 5 {
			made = append([]string{e.importFile(Household, "ulang.csv", householdFile()).ID}, made...)
		}
		for _, per := range []int{1, 2, 5} {
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				ims, next, err := e.s.ListImports(e.ctx, "31", cursor, per)
				if err != nil {
					t.Fatal(err)
				}
				for _, im := range ims {
					got = append(got, im.ID)
				}
				if next == "" || pages > 10 {
					break
				}
				cursor = next
			}
			if !reflect.DeepEqual(got, made) {
				t.Fatalf("pages of %d: %v, want %v (newest first, each once)", per, got, made)
			}
		}
		if _, _, err := e.s.ListImports(e.ctx, "", "not-a-cursor", 2); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a forged cursor: %v, want invalid", err)
		}
		if ims, _, err := e.s.ListImports(e.ctx, "31.74", "", 10); err != nil || len(ims) != 0 {
			t.Fatalf("another kota's office sees %d imports (%v)", len(ims), err)
		}
	})
}
