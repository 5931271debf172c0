package allocate_test

import (
	"context"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The counters' migration fills them from what a database already holds: an
// upgrade of a deployment in use starts with counters equal to a recount. The
// database is filled by the services, taken back below the counters' migration
// (which drops them), and migrated up again.
func TestCountersMigrationCountsWhatIsThere(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			f := newFixture(t, storetest.Open(t, eng))
			who := f.org(true)
			for range 6 {
				f.target("household", kelA, 3, 1)
				f.target("household", kelB, 2, 1)
			}
			f.target("rw", kelA, 0, 40)
			p := f.program(program.Input{TargetKinds: []string{"household", "rw"}, QuantityRule: program.PerFamily})
			c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: p.Phases[0].Name, Quantity: 20, Region: "31.71.01",
				DeliverBy: f.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)})
			as := f.allocations(who, c.ID)
			if len(as) < 4 {
				t.Fatalf("%d allocations, want at least 4", len(as))
			}
			ids := []string{as[0].ID, as[1].ID, as[2].ID}
			if _, err := f.alloc.Dispatch(f.ctx, who, ids); err != nil {
				t.Fatal(err)
			}
			if err := f.db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := f.alloc.DeliverTx(ctx, tx, ids[0], "code", nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.alloc.Fail(f.ctx, who, ids[1], allocate.FailNotHome, ""); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(4 * 24 * time.Hour)
			if n, err := f.alloc.MarkOverdue(f.ctx); err != nil || n == 0 {
				t.Fatalf("marked %d overdue (%v), want some", n, err)
			}
			m := monitor.New(f.db)
			before, _, err := m.Verify(f.ctx)
			if err != nil || before != nil {
				t.Fatalf("before: %v (%v)", before, err)
			}
			if _, err := m.Fold(f.ctx); err != nil {
				t.Fatal(err)
			}
			var kept int
			if err := f.db.R().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM counters WHERE overdue > 0 OR failed > 0 OR delivered > 0`).Scan(&kept); err != nil || kept == 0 {
				t.Fatalf("%d counter rows with something delivered, failed or overdue (%v)", kept, err)
			}
			if err := f.db.MigrateDownTo(f.ctx, 16); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.Migrate(f.ctx); err != nil {
				t.Fatal(err)
			}
			// The overdue mark is a column of the migration: it comes back unset,
			// and the next tick sets it again.
			if _, err := f.alloc.MarkOverdue(f.ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Fold(f.ctx); err != nil {
				t.Fatal(err)
			}
			if d, n, err := m.Verify(f.ctx); err != nil || d != nil || n < kept {
				t.Fatalf("after the upgrade: %v over %d rows (%v)", d, n, err)
			}
			var rows int
			if err := f.db.R().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM counters WHERE overdue > 0 OR failed > 0 OR delivered > 0`).Scan(&rows); err != nil || rows != kept {
				t.Fatalf("after the upgrade %d counter rows with something delivered, failed or overdue, before %d (%v)", rows, kept, err)
			}
		})
	}
}
