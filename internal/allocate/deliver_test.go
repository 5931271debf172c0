package allocate_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// deliverTx delivers an allocation the way package deliver does, in a transaction
// of its own.
func (f *fixture) deliverTx(id string) error {
	return f.db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := f.alloc.DeliverTx(ctx, tx, id, allocate.ProofCode, nil)
		return err
	})
}

// TestEveryTransitionFollowsTheContract walks every allocation state × action of
// API.md: reserved → dispatched → delivered or failed; reserved → expired or
// cancelled; anything else is a conflict and changes nothing.
func TestEveryTransitionFollowsTheContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 40 {
			f.target("household", kelA, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		who := f.org(true)
		type alloc struct{ id, commitment string }
		fresh := func() alloc {
			c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
			items := f.allocations(who, c.ID)
			if len(items) != 1 {
				t.Fatalf("setup: %d allocations", len(items))
			}
			return alloc{items[0].ID, c.ID}
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		into := func(a alloc, state string) {
			t.Helper()
			switch state {
			case allocate.Dispatched, allocate.Delivered, allocate.Failed:
				_, err := f.alloc.DispatchOne(f.ctx, who, a.id)
				must(err)
			}
			switch state {
			case allocate.Delivered:
				must(f.deliverTx(a.id))
			case allocate.Failed:
				_, err := f.alloc.Fail(f.ctx, who, a.id, allocate.FailNotHome, "")
				must(err)
			case allocate.Cancelled:
				_, err := f.alloc.Cancel(f.ctx, who, a.commitment)
				must(err)
			}
		}
		actions := map[string]func(a alloc) error{
			"dispatch": func(a alloc) error { _, err := f.alloc.DispatchOne(f.ctx, who, a.id); return err },
			"deliver":  func(a alloc) error { return f.deliverTx(a.id) },
			"fail":     func(a alloc) error { _, err := f.alloc.Fail(f.ctx, who, a.id, allocate.FailRefused, ""); return err },
			"cancel":   func(a alloc) error { _, err := f.alloc.Cancel(f.ctx, who, a.commitment); return err },
		}
		// What each action leaves an allocation in each state in; "conflict" when
		// the action is refused. Cancel acts on the commitment: it ends what is
		// reserved and leaves the rest (a second cancel is the commitment's conflict).
		want := map[string]map[string]string{
			allocate.Reserved:   {"dispatch": allocate.Dispatched, "deliver": "conflict", "fail": "conflict", "cancel": allocate.Cancelled},
			allocate.Dispatched: {"dispatch": allocate.Dispatched, "deliver": allocate.Delivered, "fail": allocate.Failed, "cancel": allocate.Dispatched},
			allocate.Delivered:  {"dispatch": "conflict", "deliver": "conflict", "fail": "conflict", "cancel": allocate.Delivered},
			allocate.Failed:     {"dispatch": "conflict", "deliver": "conflict", "fail": "conflict", "cancel": allocate.Failed},
			allocate.Expired:    {"dispatch": "conflict", "deliver": "conflict", "fail": "conflict", "cancel": allocate.Expired},
			allocate.Cancelled:  {"dispatch": "conflict", "deliver": "conflict", "fail": "conflict", "cancel": "conflict"},
		}
		status := func(id string) string {
			var s string
			must(f.db.R().QueryRowContext(f.ctx, `SELECT status FROM allocations WHERE id = $1`, id).Scan(&s))
			return s
		}
		order := []string{"dispatch", "deliver", "fail", "cancel"}
		// Expired first: the clock moves past their deadline, which must not reach
		// the allocations made for the other states.
		expired := map[string]alloc{}
		for _, action := range order {
			expired[action] = fresh()
		}
		f.clock.Advance(73 * time.Hour)
		if _, err := f.alloc.Expire(f.ctx); err != nil {
			t.Fatal(err)
		}
		for _, state := range []string{allocate.Reserved, allocate.Dispatched, allocate.Delivered, allocate.Failed, allocate.Expired, allocate.Cancelled} {
			for _, action := range order {
				t.Run(fmt.Sprintf("%s allocation, %s", state, action), func(t *testing.T) {
					a, ok := expired[action]
					if state != allocate.Expired {
						a = fresh()
						into(a, state)
					}
					if ok && state == allocate.Expired && status(a.id) != allocate.Expired {
						t.Fatalf("setup: %s, want expired", status(a.id))
					}
					err := actions[action](a)
					got := status(a.id)
					w := want[state][action]
					switch {
					case w == "conflict" && !errs.Is(err, errs.Conflict):
						t.Errorf("%s on %s: %v, want conflict", action, state, err)
					case w == "conflict" && got != state:
						t.Errorf("a refused %s moved the allocation from %s to %s", action, state, got)
					case w != "conflict" && err != nil:
						t.Errorf("%s on %s: %v", action, state, err)
					case w != "conflict" && got != w:
						t.Errorf("%s on %s left it %s, want %s", action, state, got, w)
					}
				})
			}
		}
		f.invariants()
		// A delivery counts on the need; the delivered allocations still hold theirs.
		if n := f.count(`SELECT COALESCE(SUM(delivered), 0) FROM needs`); n != f.count(`SELECT COUNT(*) FROM allocations WHERE status = 'delivered'`) {
			t.Errorf("needs count %d delivered units, want one per delivered allocation", n)
		}
	})
}

// TestOneAllocationIsDeliveredOnce has sixteen deliveries of one allocation race:
// exactly one succeeds and is audited once, the others are conflicts.
func TestOneAllocationIsDeliveredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, who, c := oneUnitCommitment(t, db)
		id := f.allocations(who, c.ID)[0].ID
		if _, err := f.alloc.DispatchOne(f.ctx, who, id); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 16)
		for i := range results {
			wg.Go(func() { results[i] = f.deliverTx(id) })
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("a losing delivery: %v, want conflict", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d deliveries succeeded, want 1", ok)
		}
		if n := f.audited("allocation.deliver", id); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		if n := f.count(`SELECT delivered FROM needs n JOIN allocations a ON a.need_id = n.id WHERE a.id = $1`, id); n != 1 {
			t.Errorf("the need counts %d delivered, want 1", n)
		}
		// Delivered: the collaborator keeps name and masked NIK, not address and phone.
		v, err := f.alloc.Delivered(f.ctx, who, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != allocate.Delivered || v.DeliveredAt == nil || v.Proof != allocate.ProofCode ||
			v.Target.Name == "" || v.Target.NIKMasked == "" || v.Target.Address != "" || v.Target.Phone != "" {
			t.Errorf("delivered allocation as its organisation reads it: %+v", v)
		}
		if _, err := f.alloc.Delivered(f.ctx, f.org(true), id); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation read it: %v", err)
		}
		// The name of an ended allocation is still personal data: a list holding
		// only ended allocations is audited like any other.
		before := f.audited("allocation.recipients.view", c.ID)
		if as, _, err := f.alloc.Allocations(f.ctx, who, c.ID, "", 50); err != nil || len(as) != 1 || as[0].Target.Name == "" {
			t.Fatalf("the ended allocation's list: %+v, %v", as, err)
		}
		if f.audited("allocation.recipients.view", c.ID) != before+1 {
			t.Error("reading the names of ended allocations is not audited")
		}
	})
}

// TestARunKeepsTheLimitsOnPersonalData: the stops of a run are shown within the
// organisation's daily cap, as a page of its allocations would be.
func TestARunKeepsTheLimitsOnPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 3 {
			f.target("household", kelA, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		who := f.org(true)
		c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		ids, err := store.All(f.ctx, db.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1`, c.ID)
		if err != nil || len(ids) != 3 {
			t.Fatalf("allocations: %v, %v", ids, err)
		}
		f.alloc.Limits = allocate.Limits{RevealsPerDay: 1}
		stops, err := f.alloc.Stops(f.ctx, db.R(), ids)
		if err != nil || len(stops) != 3 || stops[0].Target.Address == "" {
			t.Fatalf("stops (Stops itself hides nothing of an active allocation): %+v, %v", stops, err)
		}
		before := f.audited("allocation.recipients.view", c.ID)
		if err := f.alloc.RevealStops(f.ctx, c.ID, stops, "delivery:test"); err != nil {
			t.Fatal(err)
		}
		shown := 0
		for _, st := range stops {
			switch {
			case st.Target.Address != "" && st.Target.Phone != "":
				shown++
			case st.Target.ContactHidden != allocate.HiddenLimit || st.Target.Address != "" || st.Target.Phone != "":
				t.Errorf("a stop past the cap: %+v", st.Target)
			}
		}
		if shown != 1 {
			t.Errorf("%d stops shown, want 1 (the daily cap)", shown)
		}
		if f.audited("allocation.recipients.view", c.ID) != before+1 {
			t.Error("the reveal through a run is not audited")
		}
	})
}

// TestAListShowingNoOneIsNotAnAccess: a commitment cancelled before anything went
// out shows no recipient, and reading its list writes no audit entry of a read of
// personal data.
func TestAListShowingNoOneIsNotAnAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, who, c := oneUnitCommitment(t, db)
		if _, err := f.alloc.Cancel(f.ctx, who, c.ID); err != nil {
			t.Fatal(err)
		}
		before := f.audited("allocation.recipients.view", c.ID)
		as := f.allocations(who, c.ID)
		if len(as) != 1 || as[0].Target.Name != "" || as[0].Target.NIKMasked != "" {
			t.Fatalf("a cancelled allocation shows its recipient: %+v", as)
		}
		if f.audited("allocation.recipients.view", c.ID) != before {
			t.Fatal("a read that showed no one was audited as a read of personal data")
		}
	})
}

// oneUnitCommitment is a verified organisation's commitment of one unit to one
// household of kelurahan A.
func oneUnitCommitment(t *testing.T, db *store.DB) (*fixture, allocate.Who, allocate.Commitment) {
	f := newFixture(t, db)
	f.target("household", kelA, 4, 0)
	p := f.program(program.Input{TargetKinds: []string{"household"}})
	who := f.org(true)
	return f, who, f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
}
