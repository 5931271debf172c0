package monitor

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/store"
)

// Key names one counter row (see the migration for the four kinds).
type Key struct {
	Program, Phase, Region string
	RW                     int
	Org, Day               string
}

func (k Key) String() string {
	switch {
	case k.Program == "":
		return "targets reached"
	case k.Org != "":
		return fmt.Sprintf("program %s phase %s kelurahan %s organisation %s", k.Program, k.Phase, k.Region, k.Org)
	case k.Day != "":
		return fmt.Sprintf("program %s phase %s kelurahan %s day %s", k.Program, k.Phase, k.Region, k.Day)
	}
	return fmt.Sprintf("program %s phase %s kelurahan %s RW %03d", k.Program, k.Phase, k.Region, k.RW)
}

func compareKeys(a, b Key) int {
	return cmp.Or(strings.Compare(a.Program, b.Program), strings.Compare(a.Phase, b.Phase), strings.Compare(a.Region, b.Region),
		cmp.Compare(a.RW, b.RW), strings.Compare(a.Org, b.Org), strings.Compare(a.Day, b.Day))
}

// Difference is a kept counter that does not equal its recount.
type Difference struct {
	Key     Key
	Column  string
	Kept    int64
	Counted int64
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: %s kept %d, counted %d", d.Key, d.Column, d.Kept, d.Counted)
}

// Verify recounts every counter from the base tables and compares, in one snapshot
// of the database. It returns the first difference in key order (nil when there is
// none) and how many counter rows it compared.
func (s *Service) Verify(ctx context.Context) (*Difference, int, error) {
	var kept, counted map[Key]Figures
	err := s.db.R().Snapshot(ctx, func(q store.Querier) error {
		var err error
		if kept, err = s.kept(ctx, q); err != nil {
			return err
		}
		counted, err = recount(ctx, q, s.db.Engine)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	keys := slices.SortedFunc(maps.Keys(mergeKeys(kept, counted)), compareKeys)
	for _, k := range keys {
		a, b := kept[k], counted[k]
		av, bv := a.dest(), b.dest()
		for i, c := range columns {
			if x, y := *av[i].(*int64), *bv[i].(*int64); x != y {
				return &Difference{Key: k, Column: c, Kept: x, Counted: y}, len(keys), nil
			}
		}
	}
	return nil, len(keys), nil
}

func mergeKeys(a, b map[Key]Figures) map[Key]bool {
	out := make(map[Key]bool, len(a))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// kept reads every counter row as committed (deltas included), rows that sum to
// zero left out.
func (s *Service) kept(ctx context.Context, q store.Querier) (map[Key]Figures, error) {
	out := map[Key]Figures{}
	err := store.Each(ctx, q, func(r store.Scanner) error {
		var k Key
		var f Figures
		if err := r.Scan(append([]any{&k.Program, &k.Phase, &k.Region, &k.RW, &k.Org, &k.Day}, f.dest()...)...); err != nil {
			return err
		}
		if f != (Figures{}) {
			out[k] = f
		}
		return nil
	}, `SELECT program_id, phase_id, region, rw, org_id, day, `+sums()+` FROM `+s.source+`
		GROUP BY program_id, phase_id, region, rw, org_id, day`)
	return out, err
}

// recount counts from the base tables what the counters should hold. Its
// statements restate the definitions independently of the triggers that keep the
// counters (a CASE per figure here, boolean arithmetic there), so a trigger that
// counts wrong disagrees with them. The monitor reads allocate's and callback's
// tables here and only here: counting them is the point (store's owners_test.go
// lists the exception).
func recount(ctx context.Context, q store.Querier, eng store.Engine) (map[Key]Figures, error) {
	out := map[Key]Figures{}
	day := store.Choose(eng,
		`to_char(COALESCE(a.delivered_at, a.updated_at) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')`,
		`date(COALESCE(a.delivered_at, a.updated_at), '+7 hours')`)
	add := func(cols []string, query string) error {
		return store.Each(ctx, q, func(r store.Scanner) error {
			var k Key
			var f Figures
			dest := map[string]any{}
			for i, c := range columns {
				dest[c] = f.dest()[i]
			}
			ptrs := []any{&k.Program, &k.Phase, &k.Region, &k.RW, &k.Org, &k.Day}
			for _, c := range cols {
				ptrs = append(ptrs, dest[c])
			}
			if err := r.Scan(ptrs...); err != nil {
				return err
			}
			g := out[k]
			g.Add(f)
			if g == (Figures{}) {
				delete(out, k)
			} else {
				out[k] = g
			}
			return nil
		}, query)
	}
	const held = `a.status IN ('reserved', 'dispatched', 'delivered')`
	const overdue = `CASE WHEN a.overdue = 1 AND a.status IN ('reserved', 'dispatched') THEN a.quantity ELSE 0 END`
	steps := []struct {
		cols  []string
		query string
	}{
		{[]string{"needs", "covered", "needed", "allocated", "delivered", "reached"}, `SELECT program_id, phase_id, region, rw, '', '',
			SUM(CASE WHEN state = 'void' OR quantity = 0 THEN 0 ELSE 1 END),
			SUM(CASE WHEN state = 'void' OR quantity = 0 OR allocated < quantity THEN 0 ELSE 1 END),
			SUM(CASE WHEN state = 'void' THEN 0 ELSE quantity END),
			SUM(allocated), SUM(delivered), SUM(CASE WHEN delivered = 0 THEN 0 ELSE 1 END)
			FROM needs GROUP BY program_id, phase_id, region, rw`},
		{[]string{"dispatched", "failed", "overdue"}, `SELECT n.program_id, n.phase_id, n.region, n.rw, '', '',
			SUM(CASE a.status WHEN 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE a.status WHEN 'failed' THEN a.quantity ELSE 0 END), SUM(` + overdue + `)
			FROM allocations a JOIN needs n ON n.id = a.need_id WHERE a.status IN ('dispatched', 'failed') OR a.overdue = 1
			GROUP BY n.program_id, n.phase_id, n.region, n.rw`},
		{[]string{"needs", "allocated", "dispatched", "delivered", "failed", "overdue", "reached"}, `SELECT c.program_id, c.phase_id, a.region, -1, a.org_id, '',
			SUM(CASE WHEN ` + held + ` THEN 1 ELSE 0 END), SUM(CASE WHEN ` + held + ` THEN a.quantity ELSE 0 END),
			SUM(CASE a.status WHEN 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE a.status WHEN 'delivered' THEN a.quantity ELSE 0 END),
			SUM(CASE a.status WHEN 'failed' THEN a.quantity ELSE 0 END), SUM(` + overdue + `), SUM(CASE a.status WHEN 'delivered' THEN 1 ELSE 0 END)
			FROM allocations a JOIN commitments c ON c.id = a.commitment_id
			GROUP BY c.program_id, c.phase_id, a.region, a.org_id`},
		{[]string{"delivered"}, `SELECT n.program_id, n.phase_id, n.region, -1, '', ` + day + `, SUM(a.quantity)
			FROM allocations a JOIN needs n ON n.id = a.need_id WHERE a.status = 'delivered'
			GROUP BY n.program_id, n.phase_id, n.region, ` + day},
		{[]string{"confirmed", "checked"}, `SELECT n.program_id, n.phase_id, n.region, n.rw, '', '',
			SUM(CASE c.answer WHEN 'yes' THEN 1 ELSE 0 END), SUM(CASE c.answer WHEN '' THEN 0 ELSE 1 END)
			FROM callback_items c JOIN allocations a ON a.id = c.allocation_id JOIN needs n ON n.id = a.need_id
			GROUP BY n.program_id, n.phase_id, n.region, n.rw`},
		{[]string{"confirmed", "checked"}, `SELECT n.program_id, n.phase_id, n.region, -1, a.org_id, '',
			SUM(CASE c.answer WHEN 'yes' THEN 1 ELSE 0 END), SUM(CASE c.answer WHEN '' THEN 0 ELSE 1 END)
			FROM callback_items c JOIN allocations a ON a.id = c.allocation_id JOIN needs n ON n.id = a.need_id
			GROUP BY n.program_id, n.phase_id, n.region, a.org_id`},
		{[]string{"reached"}, `SELECT '', '', '', -1, '', '', COUNT(DISTINCT target_id) FROM needs WHERE delivered > 0`},
	}
	for _, st := range steps {
		if err := add(st.cols, st.query); err != nil {
			return nil, err
		}
	}
	return out, nil
}
