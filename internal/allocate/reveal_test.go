package allocate_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Finding 5 of the hardening issue: a verified collaborator committed 1,000,000
// units to the province, got 13,457 allocations, paged through every recipient's
// name, address and phone, and cancelled. Personal data now reaches a collaborator
// when it is about to deliver, in the amount it can deliver.

func TestACollaboratorCannotHoldMoreThanItsCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.alloc.Limits = allocate.Limits{OpenUnits: 10}
		for range 30 {
			f.target("household", kelA, 3, 1)
		}
		p := f.program(program.Input{})
		who := f.org(true)
		// The harvest: one commitment for the whole province.
		if _, err := f.alloc.Commit(f.ctx, who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1_000_000, Region: "31", DeliverBy: "2026-05-09"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a million units over a cap of 10: %v, want conflict", err)
		}
		first := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 8, Region: kelA})
		if _, err := f.alloc.Commit(f.ctx, who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 2", Quantity: 3, Region: kelA, DeliverBy: "2026-05-12"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("8 open + 3 over a cap of 10: %v, want conflict", err)
		}
		// Another organisation has its own cap.
		f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 10, Region: kelA})
		// Cancelling gives the room back; the admin can raise the cap.
		if _, err := f.alloc.Cancel(f.ctx, who, first.ID); err != nil {
			t.Fatal(err)
		}
		f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 2", Quantity: 10, Region: kelA, DeliverBy: "2026-05-12"})
		f.exec(`UPDATE organizations SET open_limit = 25 WHERE id = $1`, who.OrgID)
		f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 15, Region: kelA})
		if _, err := f.alloc.Commit(f.ctx, who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA, DeliverBy: "2026-05-09"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("over the raised cap: %v, want conflict", err)
		}
		f.invariants()
	})
}

// Many commitments of one organisation at once never pass the cap together.
func TestConcurrentCommitmentsOfOneOrganisationKeepItsCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.alloc.Limits = allocate.Limits{OpenUnits: 10}
		for range 40 {
			f.target("household", kelA, 1, 1)
		}
		p := f.program(program.Input{})
		who := f.org(true)
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				_, err := f.alloc.Commit(f.ctx, who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA, DeliverBy: "2026-05-09"})
				if err != nil && !errs.Is(err, errs.Conflict) {
					t.Errorf("commit: %v", err)
				}
			})
		}
		wg.Wait()
		if n := f.count(`SELECT COALESCE(SUM(requested), 0) FROM commitments WHERE org_id = $1`, who.OrgID); n != 9 {
			t.Fatalf("%d units committed at once under a cap of 10, want 9 (three commitments of 3)", n)
		}
		f.invariants()
	})
}

func TestAddressesAndPhonesAreShownWhenDueAndWithinTheDailyLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.alloc.Limits = allocate.Limits{RevealsPerDay: 5, RevealWithin: 72 * time.Hour}
		for range 12 {
			f.target("household", kelA, 1, 1)
		}
		// Dispatch within two weeks, so that only the delivery date decides.
		p := f.program(program.Input{HoldHours: 14 * 24})
		who := f.org(true)
		later := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 2", Quantity: 4, Region: kelA, DeliverBy: "2026-05-16"})
		for _, a := range f.allocations(who, later.ID) {
			if a.Target.Address != "" || a.Target.Phone != "" || a.Target.ContactHidden != allocate.HiddenNotDue || a.Target.Name == "" {
				t.Fatalf("a delivery twelve days away shows %+v", a.Target)
			}
		}
		soon := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 8, Region: kelA, DeliverBy: "2026-05-05"})
		shown := func() (n int, hidden []string) {
			for _, a := range f.allocations(who, soon.ID) {
				if a.Target.Address != "" && a.Target.Phone != "" {
					n++
				} else {
					hidden = append(hidden, a.Target.ContactHidden)
				}
			}
			return n, hidden
		}
		n, hidden := shown()
		if n != 5 || len(hidden) != 3 || hidden[0] != allocate.HiddenLimit {
			t.Fatalf("first read: %d shown, hidden %v; want 5 and 3 at the daily limit", n, hidden)
		}
		// Reading again shows the same five and counts nothing twice.
		if n, _ := shown(); n != 5 {
			t.Fatalf("second read: %d shown, want the same 5", n)
		}
		if c := f.count(`SELECT COUNT(*) FROM recipient_reveals WHERE org_id = $1`, who.OrgID); c != 5 {
			t.Fatalf("%d reveals recorded, want 5", c)
		}
		// Every read is audited with its counts.
		var detail string
		if err := db.R().QueryRowContext(context.Background(), `SELECT detail FROM audit_log WHERE action = 'allocation.recipients.view'
			AND object_id = $1 ORDER BY at DESC, seq DESC LIMIT 1`, soon.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		_ = json.Unmarshal([]byte(detail), &d)
		if d["revealed"] != 5.0 || d["withheld_limit"] != 3.0 {
			t.Fatalf("audit detail %s", detail)
		}
		// The next day (WIB) brings a new day's allowance; an admin may raise it.
		f.clock.Advance(24 * time.Hour)
		if n, _ := shown(); n != 5 {
			t.Fatalf("the next day: %d shown, want 5", n)
		}
		f.exec(`UPDATE organizations SET reveal_limit = 10 WHERE id = $1`, who.OrgID)
		if n, _ := shown(); n != 8 {
			t.Fatalf("with the limit raised to 10: %d shown, want 8", n)
		}
	})
}

func TestACancelAfterReadingIsFlaggedToTheAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 6 {
			f.target("household", kelA, 1, 1)
		}
		p := f.program(program.Input{})
		who := f.org(true)
		quiet := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		if _, err := f.alloc.Cancel(f.ctx, who, quiet.ID); err != nil {
			t.Fatal(err)
		}
		read := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		f.allocations(who, read.ID)
		if _, err := f.alloc.Cancel(f.ctx, who, read.ID); err != nil {
			t.Fatal(err)
		}
		flags, _, err := f.alloc.Flags(f.ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(flags) != 1 || flags[0].CommitmentID != read.ID || flags[0].Kind != allocate.FlagCancelAfterReveal || flags[0].Params["revealed"] != 3 {
			t.Fatalf("flags %+v, want one for the commitment read then cancelled", flags)
		}
		if f.audited("organization.flag", who.OrgID) != 1 {
			t.Fatal("the flag is not audited")
		}
	})
}
