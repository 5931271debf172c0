package allocate

import (
	"context"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The purge's reads go through indexes on SQLite: a batch of targets never reads
// all allocations or all needs (without allocations_target, each batch scanned the
// whole allocations table).
func TestPurgeReadsUseTheirIndexes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := &explainer{t: t, db: db, plans: map[string][]string{}}
	ctx := context.Background()
	for _, c := range []struct {
		q    string
		args []any
		want []string
	}{
		{candidatesSQL(store.SQLite, 2, 200), []any{"p1", "", "p1", "p2"}, []string{"USING INDEX needs_program", "USING INDEX needs_target"}},
		{allocationsOfSQL(store.SQLite, 3), []any{"t1", "t2", "t3"}, []string{"USING INDEX allocations_target"}},
	} {
		e.explain(ctx, c.q, c.args)
		plan := strings.Join(e.plans[c.q], "\n")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("plan of %s:\n%s\nwants %s", c.q, plan, w)
			}
		}
		if strings.Contains(plan, "SCAN allocations") || strings.Contains(plan, "SCAN n\n") || strings.Contains(plan, "SCAN o") {
			t.Errorf("plan of %s scans a table:\n%s", c.q, plan)
		}
	}
}
