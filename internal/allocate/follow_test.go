package allocate_test

import (
	"context"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Needs follow the registry after publication: new targets get needs (and waiting
// commitments take them), targets merged away lose their open needs, and needs
// already allocated are kept and flagged rather than dropped.
func TestNeedsFollowTheRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		h1 := f.target("household", kelA, 4, 0)
		h2 := f.target("household", kelA, 4, 0)
		rw := f.target("rw", kelA, 900, 300)
		p := f.program(program.Input{TargetKinds: []string{"household", "rw"}, QuantityRule: program.PerFamily})
		who := f.org(true)
		c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
		if c.Allocated != 1 {
			t.Fatalf("first commitment: %+v", c)
		}
		var first string
		if err := db.R().QueryRowContext(context.Background(), `SELECT target_id FROM allocations WHERE commitment_id = $1`, c.ID).Scan(&first); err != nil {
			t.Fatal(err)
		}
		other := h2
		if first == h2 {
			other = h1
		}
		// Everything else in the area is taken; 5 more units wait.
		c2 := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 306, Region: kelA})
		if c2.Allocated != 301 || c2.Waitlisted != 5 {
			t.Fatalf("second commitment: %+v, want 301 allocated and 5 waiting", c2)
		}
		f.clock.Advance(60_000_000_000) // a minute later the registry changes
		n1 := f.target("household", kelA, 2, 0)
		f.target("household", kelB, 2, 0) // outside the waiting commitment's area
		f.exec(`UPDATE targets SET merged_into = $1, updated_at = $2 WHERE id = $3`, other, f.clock.Now(), first)
		f.exec(`UPDATE targets SET families = 250, updated_at = $1 WHERE id = $2`, f.clock.Now(), rw)
		res, err := f.progs.SyncThen(f.ctx, f.alloc.AfterSync)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Added != 4 || res[0].Flagged < 2 {
			t.Fatalf("sync result %+v, want 4 needs added (2 targets x 2 phases) and the merged and shrunk ones flagged", res)
		}
		var state, flag string
		var qty, alloc int
		if err := db.R().QueryRowContext(context.Background(), `SELECT n.state, n.flag, n.quantity, n.allocated FROM needs n JOIN phases ph ON ph.id = n.phase_id
			WHERE n.target_id = $1 AND ph.name = 'Minggu 1'`, first).Scan(&state, &flag, &qty, &alloc); err != nil {
			t.Fatal(err)
		}
		if state != "flagged" || flag != "target_left" || qty != 1 || alloc != 1 {
			t.Fatalf("merged, allocated need: %s %s %d/%d, want flagged with its allocation kept", state, flag, alloc, qty)
		}
		if err := db.R().QueryRowContext(context.Background(), `SELECT n.state, n.quantity, n.allocated FROM needs n JOIN phases ph ON ph.id = n.phase_id
			WHERE n.target_id = $1 AND ph.name = 'Minggu 2'`, first).Scan(&state, &qty, &alloc); err != nil {
			t.Fatal(err)
		}
		if state != "void" || qty != 0 {
			t.Fatalf("merged, unallocated need: %s %d, want void", state, qty)
		}
		if err := db.R().QueryRowContext(context.Background(), `SELECT n.state, n.flag, n.quantity FROM needs n JOIN phases ph ON ph.id = n.phase_id
			WHERE n.target_id = $1 AND ph.name = 'Minggu 1'`, rw).Scan(&state, &flag, &qty); err != nil {
			t.Fatal(err)
		}
		if state != "flagged" || flag != "quantity_reduced" || qty != 300 {
			t.Fatalf("RW shrunk below its allocation: %s %s %d, want flagged keeping 300", state, flag, qty)
		}
		c2, err = f.alloc.Get(f.ctx, allocate.Who{Role: account.Admin}, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Allocated != 302 || c2.Waitlisted != 4 {
			t.Fatalf("after the new household: %+v, want it allocated to the waiting commitment in the sync itself", c2)
		}
		var got string
		if err := db.R().QueryRowContext(context.Background(), `SELECT a.target_id FROM allocations a WHERE a.commitment_id = $1 AND a.target_id = $2`, c2.ID, n1).Scan(&got); err != nil {
			t.Fatalf("new household not allocated to the waiting commitment: %v", err)
		}
		f.invariants()
		// A second sync with nothing changed changes nothing.
		if res, err := f.progs.Sync(f.ctx); err != nil || len(res) != 0 {
			t.Fatalf("idle sync: %+v %v", res, err)
		}
	})
}

// A household released by one program of a stack group goes at once to a commitment
// of another program of the group that was waiting for it; and a household already
// served that grows keeps its one collaborator: the growth is flagged, not offered.
func TestReleasesReachTheStackGroupAndServedHouseholdsDoNotSplit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		h := f.target("household", kelA, 3, 0)
		a := f.program(program.Input{Category: "pangan", TargetKinds: []string{"household"}, QuantityRule: program.PerPerson})
		b := f.program(program.Input{Category: "pangan", TargetKinds: []string{"household"}})
		first, second := f.org(true), f.org(true)
		ca := f.commit(first, allocate.Request{ProgramID: a.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		cb := f.commit(second, allocate.Request{ProgramID: b.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
		if ca.Allocated != 3 || cb.Allocated != 0 || cb.Waitlisted != 1 {
			t.Fatalf("stacking: %+v / %+v, want the household with the first program and the second waiting", ca, cb)
		}
		// The household grows to 5 people: the first program's need grows, but
		// the extra 2 may not go to anyone else.
		f.clock.Advance(60_000_000_000)
		f.exec(`UPDATE targets SET size = 5, updated_at = $1 WHERE id = $2`, f.clock.Now(), h)
		if _, err := f.progs.SyncThen(f.ctx, f.alloc.AfterSync); err != nil {
			t.Fatal(err)
		}
		third := f.commit(f.org(true), allocate.Request{ProgramID: a.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		if third.Allocated != 0 {
			t.Fatalf("a served household's growth went to a second collaborator: %+v", third)
		}
		var state, flag string
		if err := db.R().QueryRowContext(context.Background(), `SELECT n.state, n.flag FROM needs n JOIN phases ph ON ph.id = n.phase_id
			WHERE n.program_id = $1 AND n.target_id = $2 AND ph.name = 'Minggu 1'`, a.ID, h).Scan(&state, &flag); err != nil {
			t.Fatal(err)
		}
		if state != "flagged" || flag != "quantity_grown" {
			t.Fatalf("grown served household: %s %s, want flagged quantity_grown", state, flag)
		}
		// The first collaborator cancels: the household goes to the second
		// program's waiting commitment in the same transaction.
		if _, err := f.alloc.Cancel(f.ctx, first, ca.ID); err != nil {
			t.Fatal(err)
		}
		cb, err := f.alloc.Get(f.ctx, second, cb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cb.Allocated != 1 || cb.Waitlisted != 0 {
			t.Fatalf("after the release: %+v, want the other program's waiting commitment served", cb)
		}
		f.invariants()
	})
}
