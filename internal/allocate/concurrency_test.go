package allocate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// race runs fn in n goroutines at once (released together) and returns the first
// error any of them returned.
func race(n int, fn func(g int, rng *rand.Rand) error) error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errc := make(chan error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(g, rand.New(rand.NewPCG(uint64(g), 99))); err != nil {
				errc <- fmt.Errorf("goroutine %d: %w", g, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errc)
	return <-errc
}

func TestConcurrentCommitmentsShareNeedsExactly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for i := range 90 {
			f.target("household", []string{kelA, kelB, kelC}[i%3], 3, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		var needed int
		if err := db.R().QueryRowContext(context.Background(), `SELECT SUM(quantity) FROM needs n JOIN phases ph ON ph.id = n.phase_id
			WHERE ph.program_id = $1 AND ph.name = 'Minggu 1'`, p.ID).Scan(&needed); err != nil {
			t.Fatal(err)
		}
		const committers = 24
		whos := make([]allocate.Who, committers)
		for i := range whos {
			whos[i] = f.org(true)
		}
		var mu sync.Mutex
		requested, allocated := 0, 0
		err := race(committers, func(g int, rng *rand.Rand) error {
			for range 3 {
				q := 1 + rng.IntN(4)
				c, err := f.alloc.Commit(f.ctx, whos[g], allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: q,
					Region: "31", DeliverBy: "2026-05-09"})
				if err != nil {
					return err
				}
				if c.Allocated+c.Waitlisted != q {
					return fmt.Errorf("answer %+v does not account for %d units", c, q)
				}
				mu.Lock()
				requested += q
				allocated += c.Allocated
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.invariants()
		if want := min(needed, requested); allocated != want {
			t.Fatalf("%d units allocated, want min(%d needed, %d requested) = %d", allocated, needed, requested, want)
		}
		if n := f.count(`SELECT COALESCE(SUM(allocated), 0) FROM commitments`); n != allocated {
			t.Fatalf("the answers say %d units, the books %d", allocated, n)
		}
	})
}

func TestConcurrentCommitmentsCancelsAndExpiries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rng := rand.New(rand.NewPCG(5, 6))
		var rws []string
		for i := range 60 {
			f.target("household", []string{kelA, kelB, kelC}[i%3], 1+rng.IntN(5), 0)
		}
		for i := range 9 {
			rws = append(rws, f.target("rw", []string{kelA, kelB, kelC}[i%3], 0, 3+rng.IntN(20)))
		}
		p := f.program(program.Input{TargetKinds: []string{"household", "rw"}, QuantityRule: program.PerFamily, HoldHours: 2})
		areas := []string{kelA, kelB, kelC, "31.71.01", "31.71", "31"}
		const committers = 24
		whos := make([]allocate.Who, committers)
		for i := range whos {
			whos[i] = f.org(true)
		}
		err := race(committers+1, func(g int, rng *rand.Rand) error {
			if g == committers { // the engine's expiry tick, with the clock moving on
				for range 6 {
					time.Sleep(5 * time.Millisecond)
					f.clock.Advance(30 * time.Minute)
					if _, err := f.alloc.Expire(f.ctx); err != nil {
						return err
					}
				}
				return nil
			}
			var mine []string
			for range 3 {
				req := allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1 + rng.IntN(12), DeliverBy: "2026-05-09"}
				if rng.IntN(4) == 0 {
					req.TargetIDs = []string{rws[rng.IntN(len(rws))], rws[rng.IntN(len(rws))]}
				} else {
					req.Region = areas[rng.IntN(len(areas))]
				}
				c, err := f.alloc.Commit(f.ctx, whos[g], req)
				if err != nil {
					return err
				}
				mine = append(mine, c.ID)
				if rng.IntN(3) == 0 {
					if _, err := f.alloc.Cancel(f.ctx, whos[g], mine[rng.IntN(len(mine))]); err != nil && !errs.Is(err, errs.Conflict) {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.invariants()
		if n := f.count(`SELECT COUNT(*) FROM allocations WHERE status = 'expired'`); n == 0 {
			t.Log("no allocation expired during the race") // the race still tested commits and cancels
		}
	})
}

// Several programs (so several phases and fill locks) and two kota (so two audit
// chains), with commitments, cancels, dispatches and expiries all at once: every
// transaction that appends to several audit chains, or fills several phases, takes
// their locks in one order, so PostgreSQL never has to break a deadlock (the
// invariants fail on any).
func TestConcurrentWorkAcrossProgramsAndChains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range 90 {
			f.target("household", []string{kelA, kelB, kelC}[i%3], 1+rng.IntN(4), 0)
		}
		// Two groups, and two programs in one group whose phases overlap: a release
		// in one refills the other.
		progs := []program.Program{
			f.program(program.Input{TargetKinds: []string{"household"}, StackGroup: "g1", HoldHours: 2}),
			f.program(program.Input{TargetKinds: []string{"household"}, StackGroup: "g1", HoldHours: 3}),
			f.program(program.Input{TargetKinds: []string{"household"}, StackGroup: "g2", HoldHours: 2, QuantityRule: program.PerPerson}),
		}
		areas := []string{kelA, kelC, "31.71", "31.72", "31"}
		const committers = 18
		whos := make([]allocate.Who, committers)
		for i := range whos {
			whos[i] = f.org(true)
		}
		err := race(committers+1, func(g int, rng *rand.Rand) error {
			if g == committers {
				for range 6 {
					time.Sleep(5 * time.Millisecond)
					f.clock.Advance(40 * time.Minute)
					if _, err := f.alloc.Expire(f.ctx); err != nil {
						return err
					}
				}
				return nil
			}
			var mine []allocate.Commitment
			for range 4 {
				p := progs[rng.IntN(len(progs))]
				c, err := f.alloc.Commit(f.ctx, whos[g], allocate.Request{ProgramID: p.ID, Phase: "Minggu 1",
					Quantity: 1 + rng.IntN(10), Region: areas[rng.IntN(len(areas))], DeliverBy: "2026-05-09"})
				if err != nil {
					return err
				}
				mine = append(mine, c)
				switch rng.IntN(3) {
				case 0:
					if _, err := f.alloc.Cancel(f.ctx, whos[g], mine[rng.IntN(len(mine))].ID); err != nil && !errs.Is(err, errs.Conflict) {
						return err
					}
				case 1:
					as, _, err := f.alloc.Allocations(f.ctx, whos[g], c.ID, "", 50)
					if err != nil {
						return err
					}
					var ids []string
					for _, a := range as {
						if a.Status == allocate.Reserved && len(ids) < 2 {
							ids = append(ids, a.ID)
						}
					}
					if _, err := f.alloc.Dispatch(f.ctx, whos[g], ids); err != nil && !errs.Is(err, errs.Conflict) {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.invariants()
	})
}

func TestStackingRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 40 {
			f.target("household", kelA, 4, 0)
		}
		p1 := f.program(program.Input{Category: "pangan", TargetKinds: []string{"household"}, Phases: week1})
		p2 := f.program(program.Input{Category: "pangan", TargetKinds: []string{"household"}, Phases: week1b})
		const committers = 16
		whos := make([]allocate.Who, committers)
		for i := range whos {
			whos[i] = f.org(true)
		}
		err := race(committers, func(g int, rng *rand.Rand) error {
			p := []program.Program{p1, p2}[g%2]
			for range 3 {
				_, err := f.alloc.Commit(f.ctx, whos[g], allocate.Request{ProgramID: p.ID, Phase: "Minggu 1",
					Quantity: 1 + rng.IntN(4), Region: kelA, DeliverBy: "2026-05-09"})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.invariants()
		served := f.count(`SELECT COUNT(DISTINCT target_id) FROM allocations WHERE status = 'reserved'`)
		both := f.count(`SELECT COUNT(*) FROM targets t WHERE
			EXISTS (SELECT 1 FROM allocations a JOIN commitments c ON c.id = a.commitment_id WHERE a.target_id = t.id AND c.program_id = $1 AND a.status = 'reserved')
			AND EXISTS (SELECT 1 FROM allocations a JOIN commitments c ON c.id = a.commitment_id WHERE a.target_id = t.id AND c.program_id = $2 AND a.status = 'reserved')`,
			p1.ID, p2.ID)
		if both != 0 {
			t.Fatalf("%d households served by both programs of one stack group", both)
		}
		if served == 0 {
			t.Fatal("nothing was allocated")
		}
	})
}
