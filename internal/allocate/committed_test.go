package allocate

import (
	"context"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The dashboard's overdue list reads the partial index that holds only overdue
// allocations still held, not every allocation of a region.
func TestOverdueListReadsItsIndex(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var plan []string
	err := store.Each(context.Background(), db.R(), func(r store.Scanner) error {
		var id, parent, unused int
		var detail string
		if err := r.Scan(&id, &parent, &unused, &detail); err != nil {
			return err
		}
		plan = append(plan, detail)
		return nil
	}, `EXPLAIN QUERY PLAN `+overdueSQL, "p", "31.71", "31.71~", 100)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(plan, " | ")
	if !strings.Contains(all, "SEARCH a USING INDEX allocations_overdue") {
		t.Errorf("the overdue list does not search allocations_overdue: %s", all)
	}
}
