package allocate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var stockAdmin = donate.Who{UserID: "test-admin", Role: account.Admin}

// taskForce is a fixture whose engine gives from warehouses' stock: the
// donations service wired in, a task force organisation that distributes two
// warehouses, and a donor.
type taskForce struct {
	f          *fixture
	d          *donate.Service
	force      allocate.Who
	donor      donate.Who
	main, post donate.Warehouse
}

func newTaskForce(t testing.TB, f *fixture) *taskForce {
	accts := account.New(f.db, regionSet, account.Options{Province: "31", PasswordMemoryKiB: 64})
	d := donate.New(f.db, regionSet, accts, donate.Options{Province: "31", Key: []byte("0123456789abcdef0123456789abcdef")})
	f.alloc.UseStock(d)
	tf := &taskForce{f: f, d: d, force: f.org(true)}
	tf.force.Role, tf.force.OrgVerified = account.Collaborator, true
	donor := f.org(true)
	tf.donor = donate.Who{UserID: donor.UserID, OrgID: donor.OrgID, Role: account.Collaborator, OrgVerified: true}
	var err error
	if tf.main, err = d.CreateWarehouse(f.ctx, stockAdmin, donate.NewWarehouse{Name: "Gudang Pusat", Region: "31.71", OrgID: tf.force.OrgID}); err != nil {
		t.Fatal(err)
	}
	if tf.post, err = d.CreateWarehouse(f.ctx, stockAdmin, donate.NewWarehouse{Name: "Posko Utara", Kind: "posko", Region: "31.72", OrgID: tf.force.OrgID}); err != nil {
		t.Fatal(err)
	}
	return tf
}

// receive brings n packages expiring on exp into a warehouse through an offer,
// its acceptance and its intake.
func (tf *taskForce) receive(wh string, n int, exp string) error {
	o, err := tf.d.Offer(tf.f.ctx, tf.donor, donate.NewOffer{WarehouseID: wh,
		Items: []donate.OfferLine{{Item: "Paket sembako", Quantity: n, UnitValue: 200000, ExpiresOn: exp}}})
	if err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	if _, err := tf.d.Accept(tf.f.ctx, stockAdmin, o.ID); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	_, err = tf.d.Receive(tf.f.ctx, stockAdmin, o.ID, donate.Intake{Items: []donate.IntakeLine{{Line: 1, Received: n}}})
	return err
}

// available is what a warehouse may still promise of the packages.
func (tf *taskForce) available(wh string) int {
	rows, err := tf.d.Stock(tf.f.ctx, stockAdmin, wh)
	if err != nil {
		tf.f.t.Fatalf("stock: %v", err)
	}
	for _, r := range rows {
		if r.ItemID == "item-paket-sembako" {
			return r.Available
		}
	}
	return 0
}

// books checks that stock is the sum of its ledger, never below zero, and that
// what the warehouses hold for commitments is exactly what those commitments
// hold open (allocated and not ended, plus waiting) and delivered.
func (tf *taskForce) books() {
	f := tf.f
	f.t.Helper()
	q := func(name, query string) {
		f.t.Helper()
		if n := f.count(query); n != 0 {
			f.t.Fatalf("stock invariant broken: %s (%d rows)", name, n)
		}
	}
	q("stock differs from the sum of its ledger", `SELECT COUNT(*) FROM stock st WHERE st.on_hand <>
		COALESCE((SELECT SUM(m.on_hand) FROM stock_moves m WHERE m.warehouse_id = st.warehouse_id AND m.item_id = st.item_id), 0)
		OR st.reserved <> COALESCE((SELECT SUM(m.reserved) FROM stock_moves m WHERE m.warehouse_id = st.warehouse_id AND m.item_id = st.item_id), 0)
		OR st.issued <> COALESCE((SELECT SUM(m.issued) FROM stock_moves m WHERE m.warehouse_id = st.warehouse_id AND m.item_id = st.item_id), 0)`)
	q("lots differ from the sum of their ledger", `SELECT COUNT(*) FROM stock st WHERE st.on_hand <>
		COALESCE((SELECT SUM(l.on_hand) FROM stock_lots l WHERE l.warehouse_id = st.warehouse_id AND l.item_id = st.item_id), 0)`)
	q("stock below zero", `SELECT COUNT(*) FROM stock WHERE on_hand < 0 OR reserved < 0 OR issued < 0 OR reserved > on_hand`)
	q("reserved differs from what commitments hold", `SELECT COUNT(*) FROM stock st WHERE st.reserved <>
		COALESCE((SELECT SUM(sc.reserved) FROM stock_commitments sc WHERE sc.warehouse_id = st.warehouse_id AND sc.item_id = st.item_id), 0)`)
	q("a commitment's reservation differs from its open units", `SELECT COUNT(*) FROM commitments c JOIN stock_commitments sc ON sc.commitment_id = c.id
		WHERE sc.reserved <> c.waiting + COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id
			AND a.status IN ('reserved','dispatched')), 0)
		OR sc.issued <> COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status = 'delivered'), 0)`)
	q("a commitment from a warehouse holds no stock", `SELECT COUNT(*) FROM commitments c WHERE c.warehouse_id <> ''
		AND NOT EXISTS (SELECT 1 FROM stock_commitments sc WHERE sc.commitment_id = c.id)`)
	f.invariants()
}

// TestStockIsItsLedgerAfterRandomOperations runs random sequences of receipts,
// commitments from a warehouse (reservations), dispatches, deliveries
// (issues), failures, expiries, cancellations, adjustments and transfers, and
// checks after each step that stock is the sum of its ledger and matches the
// commitments; a commitment is refused with conflict exactly when the
// warehouse has fewer packages available than it asks for.
func TestStockIsItsLedgerAfterRandomOperations(t *testing.T) {
	rapidChecks(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				f := newFixture(t, storetest.Open(t, eng))
				tf := newTaskForce(t, f)
				f.t = rt
				for i := range 12 {
					f.target("household", []string{kelA, kelB, kelC}[i%3], 2, 0)
				}
				f.target("rw", kelA, 0, 40)
				// One long phase, so that expiries (which move the clock) leave
				// it open for most of a history.
				p := f.program(program.Input{Phases: []program.PhaseInput{{Name: "Minggu 1", Start: "2026-05-04", End: "2026-06-30"}}})
				whs := []donate.Warehouse{tf.main, tf.post}
				var commitments []string
				drawAlloc := func(t *rapid.T, status string) (string, bool) {
					ids, err := store.All(f.ctx, f.db.R(), store.String, `SELECT a.id FROM allocations a JOIN commitments c ON c.id = a.commitment_id
						WHERE a.status = $1 ORDER BY a.id`, status)
					if err != nil {
						t.Fatal(err)
					}
					if len(ids) == 0 {
						return "", false
					}
					return rapid.SampledFrom(ids).Draw(t, "allocation"), true
				}
				rt.Repeat(map[string]func(*rapid.T){
					"": func(t *rapid.T) { tf.books() },
					"receive": func(t *rapid.T) {
						wh := rapid.SampledFrom(whs).Draw(t, "warehouse")
						exp := rapid.SampledFrom([]string{"2027-01-31", "2027-06-30", "2028-01-31"}).Draw(t, "expiry")
						if err := tf.receive(wh.ID, rapid.IntRange(1, 30).Draw(t, "units"), exp); err != nil {
							t.Fatalf("receive: %v", err)
						}
					},
					"commit": func(t *rapid.T) {
						wh := rapid.SampledFrom(whs).Draw(t, "warehouse")
						n := rapid.IntRange(1, 25).Draw(t, "quantity")
						avail := tf.available(wh.ID)
						today := f.clock.Now().Format(time.DateOnly)
						c, err := f.alloc.Commit(f.ctx, tf.force, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: n,
							Region: rapid.SampledFrom(areas).Draw(t, "area"), DeliverBy: f.clock.Now().AddDate(0, 0, 1).Format(time.DateOnly),
							WarehouseID: wh.ID})
						switch {
						case today > "2026-06-30" && errs.Is(err, errs.Invalid): // the phase is over
						case err == nil && n <= avail:
							commitments = append(commitments, c.ID)
							if c.WarehouseID != wh.ID || c.Item != "item-paket-sembako" {
								t.Fatalf("commitment %+v does not name its stock", c)
							}
						case errs.Is(err, errs.Conflict) && n > avail:
						default:
							t.Fatalf("committing %d of %d available: %v", n, avail, err)
						}
					},
					"cancel": func(t *rapid.T) {
						if len(commitments) == 0 {
							t.Skip("nothing to cancel")
						}
						id := rapid.SampledFrom(commitments).Draw(t, "commitment")
						if _, err := f.alloc.Cancel(f.ctx, tf.force, id); err != nil && !errs.Is(err, errs.Conflict) {
							t.Fatalf("cancel: %v", err)
						}
					},
					"dispatch": func(t *rapid.T) {
						id, ok := drawAlloc(t, allocate.Reserved)
						if !ok {
							t.Skip("nothing reserved")
						}
						if _, err := f.alloc.Dispatch(f.ctx, tf.force, []string{id}); err != nil {
							t.Fatalf("dispatch: %v", err)
						}
					},
					"deliver": func(t *rapid.T) {
						id, ok := drawAlloc(t, allocate.Dispatched)
						if !ok {
							t.Skip("nothing on its way")
						}
						if err := f.db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error {
							_, err := f.alloc.DeliverTx(ctx, tx, id, "code", nil)
							return err
						}); err != nil {
							t.Fatalf("deliver: %v", err)
						}
					},
					"fail": func(t *rapid.T) {
						id, ok := drawAlloc(t, allocate.Dispatched)
						if !ok {
							t.Skip("nothing on its way")
						}
						if _, err := f.alloc.Fail(f.ctx, tf.force, id, allocate.FailNotHome, ""); err != nil {
							t.Fatalf("fail: %v", err)
						}
					},
					"expire": func(t *rapid.T) {
						f.clock.Advance(time.Duration(rapid.IntRange(1, 30).Draw(t, "hours")) * time.Hour)
						if _, err := f.alloc.Expire(f.ctx); err != nil {
							t.Fatalf("expire: %v", err)
						}
					},
					"adjust": func(t *rapid.T) {
						wh := rapid.SampledFrom(whs).Draw(t, "warehouse")
						n := rapid.IntRange(-20, 20).Filter(func(n int) bool { return n != 0 }).Draw(t, "adjustment")
						before := tf.available(wh.ID)
						_, err := tf.d.Adjust(f.ctx, stockAdmin, wh.ID, donate.Adjustment{Item: "paket sembako", Quantity: n, Reason: "hitung ulang"})
						switch {
						case err == nil && before+n >= 0:
						case errs.Is(err, errs.Conflict) && before+n < 0:
						default:
							t.Fatalf("adjusting %d of %d available: %v", n, before, err)
						}
					},
					"transfer": func(t *rapid.T) {
						from := rapid.IntRange(0, 1).Draw(t, "from")
						n := rapid.IntRange(1, 20).Draw(t, "units")
						before := tf.available(whs[from].ID)
						_, err := tf.d.Transfer(f.ctx, stockAdmin, donate.Transfer{From: whs[from].ID, To: whs[1-from].ID, Item: "item-paket-sembako", Quantity: n})
						switch {
						case err == nil && n <= before:
						case errs.Is(err, errs.Conflict) && n > before:
						default:
							t.Fatalf("transferring %d of %d available: %v", n, before, err)
						}
					},
				})
			})
		})
	}
}

// TestCommitmentFromStockReservesIssuesAndReleases walks one commitment from a
// warehouse through reservation, delivery, failure and cancellation, and
// refuses what the task force may not give.
func TestCommitmentFromStockReservesIssuesAndReleases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tf := newTaskForce(t, f)
		for range 4 {
			f.target("household", kelA, 2, 0)
		}
		p := f.program(program.Input{})
		if err := tf.receive(tf.main.ID, 10, "2027-06-30"); err != nil {
			t.Fatal(err)
		}
		req := allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 6, Region: kelA, DeliverBy: "2026-05-09", WarehouseID: tf.main.ID}
		stock := func() donate.StockRow {
			rows, err := tf.d.Stock(f.ctx, stockAdmin, tf.main.ID)
			if err != nil || len(rows) != 1 {
				t.Fatalf("stock: %+v %v", rows, err)
			}
			return rows[0]
		}
		// 4 households need 4 packages: 4 allocated, 2 wait; all 6 reserved.
		c := f.commit(tf.force, req)
		if c.Allocated != 4 || c.Waitlisted != 2 || c.WarehouseID != tf.main.ID || c.Item != "item-paket-sembako" {
			t.Fatalf("commitment %+v", c)
		}
		if s := stock(); s.OnHand != 10 || s.Reserved != 6 || s.Available != 4 {
			t.Fatalf("after committing 6: %+v", s)
		}
		req.Quantity = 5
		if _, err := f.alloc.Commit(f.ctx, tf.force, req); !errs.Is(err, errs.Conflict) {
			t.Fatalf("committing 5 of 4 available: %v, want conflict", err)
		}
		for _, bad := range []struct {
			name string
			who  allocate.Who
			req  allocate.Request
			want errs.Kind
		}{
			{"another organisation", f.org(true), allocate.Request{WarehouseID: tf.main.ID}, errs.NotFound},
			{"an unknown warehouse", tf.force, allocate.Request{WarehouseID: "nope"}, errs.NotFound},
			{"an item not in the catalogue", tf.force, allocate.Request{WarehouseID: tf.main.ID, Item: "emas"}, errs.Invalid},
			{"an item without a warehouse", tf.force, allocate.Request{Item: "beras"}, errs.Invalid},
		} {
			r := allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA, DeliverBy: "2026-05-09",
				WarehouseID: bad.req.WarehouseID, Item: bad.req.Item}
			if _, err := f.alloc.Commit(f.ctx, bad.who, r); !errs.Is(err, bad.want) {
				t.Errorf("%s: %v, want %s", bad.name, err, bad.want)
			}
		}
		as := f.allocations(tf.force, c.ID)
		ids := []string{as[0].ID, as[1].ID, as[2].ID}
		if _, err := f.alloc.Dispatch(f.ctx, tf.force, ids); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := f.alloc.DeliverTx(ctx, tx, ids[0], "code", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if s := stock(); s.OnHand != 9 || s.Reserved != 5 || s.Issued != 1 {
			t.Fatalf("after delivering 1: %+v", s)
		}
		if _, err := f.alloc.Fail(f.ctx, tf.force, ids[1], allocate.FailNotHome, ""); err != nil {
			t.Fatal(err)
		}
		if s := stock(); s.OnHand != 9 || s.Reserved != 4 || s.Issued != 1 {
			t.Fatalf("after a failure: %+v", s)
		}
		// Cancelling keeps what is on its way (1) reserved and releases the rest.
		if _, err := f.alloc.Cancel(f.ctx, tf.force, c.ID); err != nil {
			t.Fatal(err)
		}
		if s := stock(); s.OnHand != 9 || s.Reserved != 1 || s.Issued != 1 || s.Available != 8 {
			t.Fatalf("after cancelling: %+v", s)
		}
		// A commitment of the organisation's own goods touches no stock.
		own := f.commit(tf.force, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 1, Region: kelA, DeliverBy: "2026-05-09"})
		if own.WarehouseID != "" {
			t.Fatalf("own goods commitment %+v", own)
		}
		if s := stock(); s.Reserved != 1 {
			t.Fatalf("a commitment without a warehouse reserved stock: %+v", s)
		}
		tf.books()
	})
}

// TestConcurrentCommitmentsNeverOverdrawStock commits from one warehouse on 16
// goroutines at once (on PostgreSQL, separate connections of the pool), asking for more than it holds: what
// is reserved never exceeds what is on hand, the winners hold exactly what they
// asked for, and the losers get conflict.
func TestConcurrentCommitmentsNeverOverdrawStock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tf := newTaskForce(t, f)
		for i := range 200 {
			f.target("household", []string{kelA, kelB, kelC}[i%3], 2, 0)
		}
		p := f.program(program.Input{})
		const onHand, committers, each = 100, 16, 9 // 144 asked of 100
		if err := tf.receive(tf.main.ID, onHand, "2027-06-30"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		won, lost := 0, 0
		start := time.Now()
		err := race(committers, func(g int, _ *rand.Rand) error {
			_, err := f.alloc.Commit(f.ctx, tf.force, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: each,
				Region: "31", DeliverBy: "2026-05-09", WarehouseID: tf.main.ID})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				lost++
			default:
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tf.d.Stock(f.ctx, stockAdmin, tf.main.ID)
		if err != nil || len(rows) != 1 {
			t.Fatalf("stock: %+v %v", rows, err)
		}
		s := rows[0]
		t.Logf("%d committers × %d of %d on hand in %v: %d won, %d refused with conflict; reserved %d, available %d",
			committers, each, onHand, time.Since(start).Round(time.Millisecond), won, lost, s.Reserved, s.Available)
		if s.Reserved > s.OnHand || s.OnHand != onHand {
			t.Fatalf("overdrawn: %+v", s)
		}
		if won != onHand/each || lost != committers-won || s.Reserved != won*each {
			t.Fatalf("%d won and %d lost, %d reserved; want %d winners holding %d", won, lost, s.Reserved, onHand/each, onHand/each*each)
		}
		tf.books()
	})
}
