package registry

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// TestDuringAKeyRotationRowsNotYetReachedAreFoundByTheirOldHashes begins a key
// rotation in the registry's vault without rewriting a row, as if the rotation had
// not reached them yet, and checks every lookup by keyed hash: a re-import finds
// its households and members (by NIK and by natural key), a NIK's holders are found,
// and a correction cannot give a second member a NIK a row holds under the old key
// (what the unique index says outside a rotation). A batch then moves the rows and the
// same holds.
func TestDuringAKeyRotationRowsNotYetReachedAreFoundByTheirOldHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key := make([]byte, vault.KeySize)
		rand.Read(key)
		v, err := vault.New(key)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, db, v, 100)
		kk, budi := "3171010101200902", nikOf("317101", "1980-03-02", false, 91)
		file := []byte(householdHeader +
			hhRow(kk, budi, "Budi Kunci", "1980-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "2", "1", "Jl. Cideng No. 9", "", "") +
			hhRow(kk, "", "Rina Kunci", "2010-01-09", "P", "Anak", "31.71.01.1001", "2", "1", "Jl. Cideng No. 9", "", ""))
		if im := e.importFile(Household, "kunci.csv", file); im.Accepted != 2 {
			t.Fatalf("first import: %s", counters(im))
		}
		next := make([]byte, vault.KeySize)
		rand.Read(next)
		if err := v.BeginRotation(next); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			if im := e.importFile(Household, "kunci.csv", file); im.Accepted != 0 || im.Merged != 2 {
				t.Fatalf("%s: the re-import did not find the household: %s", when, counters(im))
			}
			if n := e.count(`SELECT COUNT(*) FROM members`); n != 2 {
				t.Fatalf("%s: %d members, want 2", when, n)
			}
			if hs, err := e.s.HoldersOfNIK(e.ctx, budi); err != nil || len(hs) != 1 {
				t.Fatalf("%s: holders of the NIK: %v %v", when, hs, err)
			}
			var hh string
			if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE name = 'Budi Kunci'`).Scan(&hh); err != nil {
				t.Fatal(err)
			}
			name, birth, sex, rel := "Budi Kembar", "1980-03-02", "L", "Anak"
			_, err := e.s.Correct(e.ctx, Viewer{Scope: "31.71", Office: true}, hh,
				Correction{Members: []MemberChange{{Name: &name, BirthDate: &birth, Sex: &sex, Relation: &rel, NIK: &budi}}})
			if !errs.Is(err, errs.Conflict) {
				t.Fatalf("%s: a second member with the NIK: %v, want a conflict", when, err)
			}
		}
		check("before the rotation reaches the rows")
		for _, batch := range []func(tx *store.Tx) error{
			func(tx *store.Tx) error { _, _, err := e.s.RekeyTargets(e.ctx, tx, "", 100); return err },
			func(tx *store.Tx) error { _, _, err := e.s.RekeyMembers(e.ctx, tx, "", 100); return err },
		} {
			if err := db.Write(e.ctx, func(ctx context.Context, tx *store.Tx) error { return batch(tx) }); err != nil {
				t.Fatal(err)
			}
		}
		v.FinishRotation()
		check("after the rotation")
	})
}
