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

// TestMergingDuringAKeyRotationMatchesMembersUnderEitherKey merges two households
// that share a NIK while a key rotation has moved one of the two rows and not the
// other: the members are still matched by NIK, not both kept.
func TestMergingDuringAKeyRotationMatchesMembersUnderEitherKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		key, next := make([]byte, vault.KeySize), make([]byte, vault.KeySize)
		rand.Read(key)
		rand.Read(next)
		v, err := vault.New(key)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, db, v, 100)
		e.importFile(Household, "a.csv", householdFile())
		moved := householdHeader + hhRow("3171010101200077", nikOf("317101", "2010-01-20", false, 3), "Rizki Santoso", "2010-01-20", "L",
			"Kepala Keluarga", "31.71.01.1001", "9", "9", "Jl. Baru No. 1", "", "")
		if im := e.importFile(Household, "b.csv", []byte(moved)); im.Review != 1 {
			t.Fatalf("the same NIK under a second KK: %s, want review=1", counters(im))
		}
		if err := v.BeginRotation(next); err != nil {
			t.Fatal(err)
		}
		// The rotation has reached the held member, not its twin.
		var id, enc string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id, nik_enc FROM members WHERE held <> ''`).Scan(&id, &enc); err != nil {
			t.Fatal(err)
		}
		plain, resealed, err := v.Reseal(enc, vault.AD("members", id, "nik"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.W().ExecContext(e.ctx, `UPDATE members SET nik_enc = $1, nik_hash = $2 WHERE id = $3`, resealed, store.HashArg(v.Hash("nik", string(plain))), id); err != nil {
			t.Fatal(err)
		}
		view := Viewer{Scope: "31", Office: true}
		dups, _, err := e.s.ListDuplicates(e.ctx, view, "open", 0, "")
		if err != nil || len(dups) != 1 {
			t.Fatalf("open duplicates: %v, %v", dups, err)
		}
		var newKK string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE address = 'Jl. Baru No. 1'`).Scan(&newKK); err != nil {
			t.Fatal(err)
		}
		if d, err := e.s.Resolve(e.ctx, view, dups[0].ID, "merge", newKK); err != nil || d.Status != "merged" {
			t.Fatalf("merge: %+v, %v", d, err)
		}
		if n := e.count(`SELECT size FROM targets WHERE id = $1`, newKK); n != 3 {
			t.Fatalf("kept household size %d, want 3 (the twin merged, not kept beside its NIK)", n)
		}
	})
}
