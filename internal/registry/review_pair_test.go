package registry

import (
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestPairViewIsOneAuditEntryAndMoveRefusesWhatItMayNot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		e.importFile(Household, "a.csv", householdFile())
		moved := householdHeader + hhRow("3171010101200077", nikOf("317101", "2010-01-20", false, 3), "Rizki Santoso", "2010-01-20", "L",
			"Kepala Keluarga", "31.71.01.1001", "9", "9", "Jl. Baru No. 1", "", "")
		e.importFile(Household, "b.csv", []byte(moved))
		office := Viewer{Scope: "31", Office: true}
		dups, _, err := e.s.ListDuplicates(e.ctx, office, "open", 0, "")
		if err != nil || len(dups) != 1 {
			t.Fatalf("open duplicates: %v, %v", dups, err)
		}
		count := func() int {
			var n int
			if err := db.R().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'duplicate.view_personal_data' AND object_id = $1`, dups[0].ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		_, ts, err := e.s.Pair(e.ctx, office, dups[0].ID)
		if err != nil || len(ts) != 2 || ts[0].KK == "" || count() != 1 {
			t.Fatalf("office's pair view: %d targets, KK %q, %d audit entries, %v", len(ts), ts[0].KK, count(), err)
		}
		_, ts, err = e.s.Pair(e.ctx, Viewer{Scope: "31"}, dups[0].ID)
		if err != nil || ts[0].KK != "" || ts[0].KKMasked == "" || count() != 1 {
			t.Fatalf("masked pair view: KK %q masked %q, %d audit entries, %v", ts[0].KK, ts[0].KKMasked, count(), err)
		}
		if _, _, err := e.s.Pair(e.ctx, Viewer{Scope: "31.74", Office: true}, dups[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another kota's office: %v, want not found", err)
		}
		a, b := dups[0].TargetIDs[0], dups[0].TargetIDs[1]
		if _, err := e.s.Move(e.ctx, Viewer{Scope: "31.74", Office: true}, dups[0].ID, "x", b); !errs.Is(err, errs.NotFound) {
			t.Errorf("move from another kota: %v, want not found", err)
		}
		if _, err := e.s.Move(e.ctx, office, dups[0].ID, "no-such-member", "not-in-pair"); !errs.Is(err, errs.Invalid) {
			t.Errorf("move to a target outside the pair: %v, want invalid", err)
		}
		// This pair shares a NIK: one record, so no member is moved out of it.
		if _, err := e.s.Move(e.ctx, office, dups[0].ID, "no-such-member", a); !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.NotFound) {
			t.Errorf("move within a held pair: %v, want conflict or not found", err)
		}
	})
}
