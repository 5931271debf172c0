package allocate_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var (
	week1 = []program.PhaseInput{{Name: "Minggu 1", Start: "2026-05-04", End: "2026-05-10"}}
	// week1b overlaps week1 by three days; june does not overlap it.
	week1b = []program.PhaseInput{{Name: "Minggu 1", Start: "2026-05-08", End: "2026-05-14"}}
	june   = []program.PhaseInput{{Name: "Minggu 1", Start: "2026-06-01", End: "2026-06-07"}}
)

func TestStackingRules(t *testing.T) {
	tests := []struct {
		name       string
		second     program.Input
		exempt     bool
		wantServed bool
	}{
		{"a program of the same group in an overlapping phase may not serve the household again",
			program.Input{Category: "pangan", Phases: week1b}, false, false},
		{"a program of the same group in a later phase may serve it",
			program.Input{Category: "pangan", Phases: june}, false, true},
		{"a program of another group may serve it in the same phase",
			program.Input{Category: "kesehatan", Phases: week1b}, false, true},
		{"an explicit stack group joins programs of different categories",
			program.Input{Category: "kesehatan", StackGroup: "pangan", Phases: week1b}, false, false},
		{"an admin's exemption lets a program of the same group stack",
			program.Input{Category: "pangan", Phases: week1b}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				h := f.target("household", kelA, 4, 0)
				first := f.program(program.Input{Category: "pangan", Phases: week1, TargetKinds: []string{"household"}})
				in := tt.second
				in.TargetKinds = []string{"household"}
				second := f.program(in)
				if tt.exempt {
					if _, err := f.progs.SetStacking(f.ctx, second.ID, "", true, "ransum darurat boleh bertumpuk"); err != nil {
						t.Fatal(err)
					}
					if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'program.stacking' AND object_id = $1
						AND detail LIKE '%ransum darurat%'`, second.ID); n != 1 {
						t.Fatalf("the exemption left %d audit entries with its reason, want 1", n)
					}
				}
				overlaps, err := f.progs.Overlaps(f.ctx, mustProgram(t, f, second.ID))
				if err != nil {
					t.Fatal(err)
				}
				if listed := len(overlaps) == 1 && overlaps[0].ProgramID == first.ID; listed == tt.wantServed {
					t.Errorf("Overlaps lists the first program: %v, want %v", listed, !tt.wantServed)
				}
				c1 := f.commit(f.org(true), allocate.Request{ProgramID: first.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
				if c1.Allocated != 1 {
					t.Fatalf("first program: %+v", c1)
				}
				c2 := f.commit(f.org(true), allocate.Request{ProgramID: second.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA,
					DeliverBy: "2026-06-05"})
				if served := c2.Allocated == 1; served != tt.wantServed {
					t.Fatalf("second program served the household: %v, want %v (%+v)", served, tt.wantServed, c2)
				}
				if !tt.wantServed && c2.Waitlisted != 1 {
					t.Fatalf("the refused unit should wait: %+v", c2)
				}
				// The household is the only target: what the second program got is it.
				if tt.wantServed {
					if got := f.allocations(allocate.Who{OrgID: c2.OrgID}, c2.ID); len(got) != 1 || got[0].Target.ID != h {
						t.Fatalf("second program's allocations: %+v", got)
					}
				}
				if !tt.exempt {
					f.invariants()
				}
			})
		})
	}
}

func mustProgram(t *testing.T, f *fixture, id string) program.Program {
	t.Helper()
	p, err := f.progs.Get(f.ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 3 {
			f.target("household", kelA, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}, HoldHours: 6})
		a, b := f.org(true), f.org(true)
		ca := f.commit(a, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		f.clock.Advance(time.Hour)
		cb := f.commit(b, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		if ca.Allocated != 3 || cb.Waitlisted != 2 {
			t.Fatalf("setup: %+v / %+v", ca, cb)
		}
		items := f.allocations(a, ca.ID)
		if n, err := f.alloc.Dispatch(f.ctx, a, []string{items[0].ID}); err != nil || n != 1 {
			t.Fatalf("dispatch: %d, %v", n, err)
		}

		t.Run("nothing expires before the deadline", func(t *testing.T) {
			f.clock.Advance(4*time.Hour + 59*time.Minute) // 5h59m after the allocation
			if n, err := f.alloc.Expire(f.ctx); err != nil || n != 0 {
				t.Fatalf("Expire = %d, %v; want 0", n, err)
			}
		})
		t.Run("reserved allocations expire after hold_hours and dispatched ones do not", func(t *testing.T) {
			f.clock.Advance(time.Minute)
			n, err := f.alloc.Expire(f.ctx)
			if err != nil || n != 2 {
				t.Fatalf("Expire = %d, %v; want 2", n, err)
			}
			statuses := map[string]string{}
			for _, x := range f.allocations(a, ca.ID) {
				statuses[x.ID] = x.Status
			}
			if statuses[items[0].ID] != allocate.Dispatched || statuses[items[1].ID] != allocate.Expired || statuses[items[2].ID] != allocate.Expired {
				t.Fatalf("statuses after expiry: %v", statuses)
			}
			got := f.get(ca.ID)
			if got.Allocated != 1 || got.Released != 2 || got.Waitlisted != 0 {
				t.Fatalf("expired commitment: %+v, want 1 allocated and 2 released", got)
			}
			if f.audited("allocation.expire", ca.ID) != 1 {
				t.Fatal("the expiry is not audited")
			}
		})
		t.Run("the collaborator is notified", func(t *testing.T) {
			ns, err := f.alloc.Notifications(f.ctx, a.OrgID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].Kind != "allocation.expired" || ns[0].CommitmentID != ca.ID || ns[0].Params["units"] != float64(2) || ns[0].Read {
				t.Fatalf("notifications: %+v", ns)
			}
			// Marking read is per organisation: b's notice stays unread.
			if err := f.alloc.MarkRead(f.ctx, a.OrgID); err != nil {
				t.Fatal(err)
			}
			if ns, err = f.alloc.Notifications(f.ctx, a.OrgID, 10); err != nil || len(ns) != 1 || !ns[0].Read {
				t.Fatalf("after marking read: %+v, %v", ns, err)
			}
		})
		t.Run("the waiting commitment takes the returned units", func(t *testing.T) {
			got := f.get(cb.ID)
			if got.Allocated != 2 || got.Waitlisted != 0 || got.Status != allocate.StatusAllocated {
				t.Fatalf("waiting commitment after expiry: %+v", got)
			}
			ns, err := f.alloc.Notifications(f.ctx, b.OrgID, 10)
			if err != nil || len(ns) != 1 || ns[0].Kind != "commitment.filled" || ns[0].Read {
				t.Fatalf("notifications of the filled commitment: %+v, %v", ns, err)
			}
			if f.audited("commitment.fill", cb.ID) != 1 {
				t.Fatal("the fill is not audited")
			}
		})
		t.Run("an expiry pass repeated later changes nothing", func(t *testing.T) {
			f.clock.Advance(100 * time.Hour)
			n, err := f.alloc.Expire(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			// cb's allocations were made at the later time and expire now; the dispatched one stays.
			if n != 2 || f.count(`SELECT COUNT(*) FROM allocations WHERE status = 'dispatched'`) != 1 {
				t.Fatalf("second pass expired %d", n)
			}
		})
		f.invariants()
	})
}

// eachFresh runs fn as a subtest named name on every engine, each with a new fixture.
func eachFresh(t *testing.T, name string, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, newFixture(t, db)) })
	})
}

func TestSyncFollowsTheRegistry(t *testing.T) {
	eachFresh(t, "new targets add needs and fill waiting commitments", func(t *testing.T, f *fixture) {
		f.target("household", kelA, 2, 0)
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		c := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: "31.71"})
		if c.Allocated != 1 || c.Waitlisted != 2 {
			t.Fatalf("setup: %+v", c)
		}
		f.target("household", kelB, 2, 0)
		f.target("household", kelB, 2, 0)
		f.target("household", kelC, 2, 0) // outside the commitment's area
		res := f.sync()
		if len(res) != 1 || res[0].Added != 6 {
			t.Fatalf("sync: %+v, want 3 targets × 2 phases added", res)
		}
		if got := f.get(c.ID); got.Allocated != 3 || got.Waitlisted != 0 {
			t.Fatalf("after sync: %+v, want all 3 allocated", got)
		}
		if res := f.sync(); len(res) != 0 {
			t.Fatalf("a second sync changed %+v", res)
		}
		f.invariants()
	})
	eachFresh(t, "a merged target keeps an allocated need, flagged, and voids the others", func(t *testing.T, f *fixture) {
		h1 := f.target("household", kelA, 3, 0)
		h2 := f.target("household", kelA, 3, 0)
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		giver := f.org(true)
		c := f.commit(giver, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA})
		served := f.allocations(allocate.Who{Role: account.Admin}, c.ID)[0].Target.ID
		other := h1
		if served == h1 {
			other = h2
		}
		f.exec(`UPDATE targets SET merged_into = $1 WHERE id = $2`, other, served)
		res := f.sync()
		if len(res) != 1 || res[0].Flagged != 1 || res[0].Voided != 1 {
			t.Fatalf("sync: %+v, want 1 flagged (week 1) and 1 voided (week 2)", res)
		}
		flagged, err := f.progs.FlaggedNeeds(f.ctx, p.ID, "31", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(flagged) != 1 || flagged[0].TargetID != served || flagged[0].Quantity != 1 || flagged[0].Allocated != 1 || flagged[0].Flag != "target_left" {
			t.Fatalf("flagged needs: %+v", flagged)
		}
		// The office checks it with the organisation that holds it.
		if !slices.Equal(flagged[0].OrgIDs, []string{giver.OrgID}) {
			t.Fatalf("the flagged need names organisations %v, want %s", flagged[0].OrgIDs, giver.OrgID)
		}
		if got := f.get(c.ID); got.Allocated != 1 {
			t.Fatalf("the allocation was dropped: %+v", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM needs WHERE target_id = $1 AND state = 'void' AND quantity = 0`, served); n != 1 {
			t.Fatalf("%d void needs of the merged target, want 1", n)
		}
		f.invariants()
	})
	eachFresh(t, "a size shrinking below what is allocated is flagged, a growth resizes", func(t *testing.T, f *fixture) {
		r1 := f.target("rw", kelA, 0, 40)
		r2 := f.target("rw", kelA, 0, 40)
		p := f.program(program.Input{TargetKinds: []string{"rw"}, QuantityRule: program.PerFamily})
		c := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 30, TargetIDs: []string{r1}})
		if c.Allocated != 30 {
			t.Fatalf("setup: %+v", c)
		}
		f.exec(`UPDATE targets SET families = 20 WHERE id = $1`, r1)
		f.exec(`UPDATE targets SET families = 50 WHERE id = $1`, r2)
		res := f.sync()
		// r1 week 1: flagged; r1 week 2: resized to 20; r2: resized in both weeks.
		if len(res) != 1 || res[0].Flagged != 1 || res[0].Resized != 3 {
			t.Fatalf("sync: %+v", res)
		}
		if n := f.count(`SELECT COUNT(*) FROM needs WHERE target_id = $1 AND state = 'flagged' AND flag = 'quantity_reduced' AND quantity = 30`, r1); n != 1 {
			t.Fatal("the shrunk need is not flagged with its allocated quantity kept")
		}
		if n := f.count(`SELECT COUNT(*) FROM needs WHERE target_id = $1 AND quantity = 50`, r2); n != 2 {
			t.Fatalf("%d needs of the grown RW resized, want 2", n)
		}
		f.invariants()
	})
}

func TestRecipientsView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.target("household", kelA, 4, 0)
		f.target("household", kelA, 4, 0)
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		who, stranger := f.org(true), f.org(true)
		c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		before := f.audited("allocation.recipients.view", c.ID)
		items := f.allocations(who, c.ID)
		if f.audited("allocation.recipients.view", c.ID) != before+1 {
			t.Fatal("reading recipients' personal data is not audited")
		}
		for _, a := range items {
			if a.Target.Name == "" || a.Target.Address == "" || a.Target.Phone == "" || a.Target.NIKMasked != "3171********0001" {
				t.Fatalf("an active allocation lacks delivery fields: %+v", a.Target)
			}
		}
		if _, _, err := f.alloc.Allocations(f.ctx, stranger, c.ID, "", 10); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organisation read the recipients: %v", err)
		}
		if _, err := f.alloc.Fail(f.ctx, stranger, items[0].ID, allocate.FailNotHome, ""); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organisation failed an allocation: %v", err)
		}
		if _, err := f.alloc.Fail(f.ctx, who, items[0].ID, allocate.FailAddressNotFound, ""); !errs.Is(err, errs.Conflict) {
			t.Fatalf("failing a reserved allocation (never dispatched): %v, want conflict", err)
		}
		if _, err := f.alloc.DispatchOne(f.ctx, who, items[0].ID); err != nil {
			t.Fatal(err)
		}
		failed, err := f.alloc.Fail(f.ctx, who, items[0].ID, allocate.FailAddressNotFound, "rumah kosong")
		if err != nil {
			t.Fatal(err)
		}
		// Name and masked NIK stay for the handover record; address and phone go.
		if failed.Status != allocate.Failed || failed.Target.Name == "" || failed.Target.Phone != "" || failed.Target.Address != "" || failed.Target.NIKMasked == "" {
			t.Fatalf("a failed allocation shows address or phone, or lost name or masked NIK: %+v", failed)
		}
		if f.audited("allocation.fail", c.ID) != 1 {
			t.Fatal("the failure is not audited")
		}
		for _, a := range f.allocations(who, c.ID) {
			if ended := a.ID == items[0].ID; ended == (a.Target.Address != "") || a.Target.Name == "" {
				t.Fatalf("allocation %s (%s) shows address %q, name %q", a.ID, a.Status, a.Target.Address, a.Target.Name)
			}
		}
		// Cancelling ends the rest: the list shows no one but the failed recipient,
		// whose name stays for the handover record; reading it is audited for that.
		if _, err := f.alloc.Cancel(f.ctx, who, c.ID); err != nil {
			t.Fatal(err)
		}
		before = f.audited("allocation.recipients.view", c.ID)
		for _, a := range f.allocations(who, c.ID) {
			failed := a.ID == items[0].ID // keeps name and masked NIK, for the handover record
			if (a.Target.Name != "") != failed || a.Target.Phone != "" || a.Target.Address != "" || (a.Target.NIKMasked != "") != failed || a.Target.ID == "" {
				t.Fatalf("an ended allocation: %+v", a.Target)
			}
		}
		if f.audited("allocation.recipients.view", c.ID) != before+1 {
			t.Fatal("the read of the failed recipient's name is not audited once")
		}
		f.invariants()
	})
}

func TestCommitRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		h := f.target("household", kelA, 4, 0)
		p := f.program(program.Input{TargetKinds: []string{"household", "rw"}, Statement: "Saya menyalurkan tanpa atribut kampanye."})
		draft, err := f.progs.Create(f.ctx, program.Input{Name: "Draf", Category: "pangan", Item: program.Item{Name: "Paket", Unit: "paket"},
			TargetKinds: []string{"household"}, Phases: week1, QuantityRule: program.PerTarget})
		if err != nil {
			t.Fatal(err)
		}
		ok := allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA, DeliverBy: "2026-05-09", AcceptStatement: true}
		verified := f.org(true)
		tests := []struct {
			name string
			who  allocate.Who
			edit func(r *allocate.Request)
			kind errs.Kind
		}{
			{"an unverified organisation may not commit", f.org(false), nil, errs.NotFound},
			{"a user without an organisation may not commit", allocate.Who{UserID: "test-admin", Role: account.Admin}, nil, errs.NotFound},
			{"the program's statement must be accepted", verified, func(r *allocate.Request) { r.AcceptStatement = false }, errs.Invalid},
			{"a draft program takes no commitments", verified, func(r *allocate.Request) { r.ProgramID = draft.ID }, errs.NotFound},
			{"an unknown phase is refused", verified, func(r *allocate.Request) { r.Phase = "Minggu 9" }, errs.Invalid},
			{"a zero quantity is refused", verified, func(r *allocate.Request) { r.Quantity = 0 }, errs.Invalid},
			{"a region outside the province is refused", verified, func(r *allocate.Request) { r.Region = "32.01" }, errs.Invalid},
			{"both an area and targets are refused", verified, func(r *allocate.Request) { r.TargetIDs = []string{h} }, errs.Invalid},
			{"a household cannot be chosen by name", verified, func(r *allocate.Request) { r.Region, r.TargetIDs = "", []string{h} }, errs.Invalid},
			{"a delivery date in the past is refused", verified, func(r *allocate.Request) { r.DeliverBy = "2026-05-01" }, errs.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := ok
				if tt.edit != nil {
					tt.edit(&req)
				}
				_, err := f.alloc.Commit(f.ctx, tt.who, req)
				if !errs.Is(err, tt.kind) {
					t.Fatalf("Commit = %v, want %s", err, tt.kind)
				}
			})
		}
		if n := f.count(`SELECT COUNT(*) FROM commitments`); n != 0 {
			t.Fatalf("refused commitments left %d rows", n)
		}
		if c := f.commit(verified, ok); c.Allocated != 1 {
			t.Fatalf("the valid request: %+v", c)
		}
	})
}

func TestChosenTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r1 := f.target("rw", kelA, 0, 10)
		r2 := f.target("rw", kelA, 0, 5)
		r3 := f.target("institution", kelA, 30, 0)
		r4 := f.target("rw", kelB, 0, 8)
		far := f.target("rw", kelC, 0, 50)
		p := f.program(program.Input{TargetKinds: []string{"rw", "institution"}, QuantityRule: program.PerFamily})
		a, b := f.org(true), f.org(true)
		ca := f.commit(a, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 10, TargetIDs: []string{r1}})
		if ca.Allocated != 10 || len(ca.Taken) != 0 {
			t.Fatalf("first: %+v", ca)
		}
		pv, err := f.alloc.Preview(f.ctx, b, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 12, TargetIDs: []string{r1, r2},
			DeliverBy: "2026-05-09"})
		if err != nil {
			t.Fatal(err)
		}
		cb := f.commit(b, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 12, TargetIDs: []string{r1, r2}})
		t.Run("what is free is taken and the rest waits", func(t *testing.T) {
			if cb.Allocated != 5 || cb.Waitlisted != 7 || cb.Status != allocate.StatusPartial {
				t.Fatalf("second: %+v", cb)
			}
			if pv.Allocated != cb.Allocated || pv.Waitlisted != cb.Waitlisted || len(pv.Taken) != 1 {
				t.Fatalf("the preview %+v differs from the answer %+v", pv, cb)
			}
		})
		t.Run("the taken target is named", func(t *testing.T) {
			if len(cb.Taken) != 1 || cb.Taken[0].TargetID != r1 || cb.Taken[0].Reason != "taken" {
				t.Fatalf("taken: %+v", cb.Taken)
			}
		})
		t.Run("the nearest unmet needs are suggested, same kelurahan first", func(t *testing.T) {
			var ids []string
			for _, s := range cb.Suggestions {
				ids = append(ids, s.TargetID)
				if s.Free <= 0 {
					t.Errorf("suggestion without free need: %+v", s)
				}
			}
			if len(ids) != 2 || ids[0] != r3 || ids[1] != r4 || slices.Contains(ids, far) || slices.Contains(ids, r1) || slices.Contains(ids, r2) {
				t.Fatalf("suggestions %v, want [%s %s]", ids, r3, r4)
			}
		})
		t.Run("a chosen-target commitment waits only for its own targets", func(t *testing.T) {
			f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 8, TargetIDs: []string{r4}})
			if _, err := f.alloc.Cancel(f.ctx, a, ca.ID); err != nil {
				t.Fatal(err)
			}
			if got := f.get(cb.ID); got.Allocated != 12 || got.Waitlisted != 0 {
				t.Fatalf("after the first was cancelled: %+v, want 12 allocated", got)
			}
			if n := f.count(`SELECT COUNT(*) FROM allocations WHERE commitment_id = $1 AND target_id NOT IN ($2, $3)`, cb.ID, r1, r2); n != 0 {
				t.Fatalf("%d allocations outside the chosen targets", n)
			}
		})
		f.invariants()
	})
}

// TestDispatchOneIsSafeToRepeat: marking a package as on its way twice, or by two
// people at once, answers the same and writes one audit entry; an ended allocation
// is a conflict; another organisation's is not found; the answer names no recipient.
func TestDispatchOneIsSafeToRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 3 {
			f.target("household", kelA, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		a, b := f.org(true), f.org(true)
		c := f.commit(a, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		items := f.allocations(a, c.ID)
		if len(items) != 3 {
			t.Fatalf("setup: %d allocations", len(items))
		}

		var wg sync.WaitGroup
		results := make([]allocate.Allocation, 4)
		errs4 := make([]error, 4)
		for i := range results {
			wg.Go(func() { results[i], errs4[i] = f.alloc.DispatchOne(f.ctx, a, items[0].ID) })
		}
		wg.Wait()
		for i, got := range results {
			if errs4[i] != nil || got.Status != allocate.Dispatched {
				t.Fatalf("dispatch %d: %+v, %v; want dispatched", i, got, errs4[i])
			}
			if got.Target.Name != "" || got.Target.Phone != "" || got.Target.Address != "" {
				t.Errorf("dispatch %d answered the recipient's details: %+v", i, got.Target)
			}
		}
		if n := f.audited("allocation.dispatch", items[0].ID); n != 1 {
			t.Errorf("%d audit entries for one dispatch, want 1", n)
		}

		if _, err := f.alloc.DispatchOne(f.ctx, b, items[1].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation's dispatch: %v, want not_found", err)
		}
		if _, err := f.alloc.DispatchOne(f.ctx, a, items[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.alloc.Fail(f.ctx, a, items[1].ID, allocate.FailAddressNotFound, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.alloc.DispatchOne(f.ctx, a, items[1].ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("dispatching a failed allocation: %v, want conflict", err)
		}
		f.invariants()
	})
}
