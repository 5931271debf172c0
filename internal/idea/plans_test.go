package idea

import (
	"context"
	"strings"
	"testing"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The forum's lists read in index order on SQLite: no sort of the whole table
// for either order, whatever the filter.
func TestListsReadInIndexOrder(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s := &Service{db: db, regions: region.MustLoad(data.Regions), province: "31"}
	for _, f := range []Filter{{Sort: "recent"}, {Sort: "support"}, {Sort: "recent", Region: "31.71", Status: Proposed},
		{Sort: "support", Reported: true}} {
		for _, c := range []cursor{{}, {supports: 3, id: "0190"}} {
			q, args := listQuery(Who{UserID: "u"}, f, s.province, c, 50)
			rows, err := db.R().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			p := strings.Join(plan, "\n")
			want := "sqlite_autoindex_ideas_1"
			if f.Sort == "support" {
				want = "ideas_support"
			}
			if strings.Contains(p, "TEMP B-TREE FOR ORDER BY") || !strings.Contains(p, want) {
				t.Errorf("%+v: the plan sorts or does not use %s:\n%s", f, want, p)
			}
		}
	}
}
