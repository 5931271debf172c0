package allocate_test

import (
	"testing"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestAnswerCountsAFillThatCameMeanwhile: a commitment's answer is what it holds
// when it is given. On PostgreSQL the phase's waiting list gets a pass after the
// commitment's transaction; when another fill served the commitment in between (a
// release returning units, another commitment's pass), its own pass finds nothing
// and the answer must still count what it was given, not say it waits. On SQLite
// the claim is exact inside the transaction and no pass follows.
func TestAnswerCountsAFillThatCameMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 3 {
			f.target("household", kelA, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		a, b := f.org(true), f.org(true)
		ca := f.commit(a, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		if ca.Allocated != 3 {
			t.Fatalf("setup: %+v", ca)
		}
		ran := false
		allocate.SetBeforeRefill(f.alloc, func() {
			allocate.SetBeforeRefill(f.alloc, nil)
			ran = true
			// The first commitment gives its units back: the release fills the
			// waiting one before that one's own pass.
			if _, err := f.alloc.Cancel(f.ctx, a, ca.ID); err != nil {
				t.Errorf("cancel: %v", err)
			}
		})
		cb := f.commit(b, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		stored := f.get(cb.ID)
		switch db.Engine {
		case store.Postgres:
			if !ran {
				t.Fatal("no pass followed the commitment on PostgreSQL")
			}
			if stored.Allocated != 2 || stored.Waitlisted != 0 {
				t.Fatalf("the release did not fill the waiting commitment: %+v", stored)
			}
			if cb.Allocated != stored.Allocated || cb.Waitlisted != stored.Waitlisted || cb.Status != stored.Status {
				t.Fatalf("the answer says %d allocated, %d waiting (%s); the commitment holds %d, %d (%s)",
					cb.Allocated, cb.Waitlisted, cb.Status, stored.Allocated, stored.Waitlisted, stored.Status)
			}
		case store.SQLite:
			if ran {
				t.Fatal("a pass followed the commitment on SQLite, whose claim is exact")
			}
			if cb.Allocated != 0 || cb.Waitlisted != 2 || stored.Waitlisted != 2 {
				t.Fatalf("on SQLite the answer is the transaction's: %+v, stored %+v", cb, stored)
			}
		}
		f.invariants()
	})
}
