package allocate

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// explainer is a store.Querier that asks SQLite how it will run each query before it
// runs it, and keeps the answers.
type explainer struct {
	t     *testing.T
	db    *store.DB
	mu    sync.Mutex
	plans map[string][]string // query -> plan lines
}

func (e *explainer) explain(ctx context.Context, q string, args []any) {
	rows, err := e.db.R().QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		e.t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			e.t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	e.mu.Lock()
	e.plans[q] = lines
	e.mu.Unlock()
}

func (e *explainer) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	e.explain(ctx, q, args)
	return e.db.R().QueryContext(ctx, q, args...)
}

func (e *explainer) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	e.explain(ctx, q, args)
	return e.db.R().QueryRowContext(ctx, q, args...)
}

func (e *explainer) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	e.t.Fatalf("a read path wrote: %s", q)
	return nil, nil
}

// fullScan matches a plan line that reads all of needs (aliased n or o), its table
// or any of its indexes, from start to end, or all the needs of a phase (an index
// searched by the phase alone).
var fullScan = regexp.MustCompile(`^SCAN (n|o|needs)\b|^SEARCH (n|o|needs) .*\(phase_id=\?\)$`)

// The engine's reads of needs on SQLite go through indexes: a claim reads an area's
// free needs from needs_free and needs_shared, each kelurahan in the engine's order
// without a sort, and never scans the needs of a phase. (After migration 00005 a
// query that no longer spelled a partial index's condition scanned 1,000,000 needs
// per call; this is the test that would have said so.)
func TestEngineReadsUseTheirIndexes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	regions := region.MustLoad(data.Regions)
	ctx := context.Background()
	s := New(db, program.New(db, regions, "31", NewNeeds(db)), account.New(db, regions, account.Options{Province: "31"}), regions, "31", nil)
	e := &explainer{t: t, db: db, plans: map[string][]string{}}
	p := program.Program{ID: "p", StackGroup: "pangan", Phases: []program.Phase{{ID: "ph", Start: "2026-05-04", End: "2026-05-10"}}}
	for _, c := range []*Commitment{
		{ID: "c1", PhaseID: "ph", Region: "31.71"},           // a kota: a merge over its kelurahan
		{ID: "c2", PhaseID: "ph", Region: "31.71.01.1001"},   // one kelurahan
		{ID: "c3", PhaseID: "ph", TargetIDs: []string{"t1"}}, // chosen targets
	} {
		if _, _, err := s.candidates(ctx, e, c, nil, nil, 100); err != nil {
			t.Fatal(err)
		}
		if _, err := s.blockedTargets(ctx, e, c, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.openNeeds(ctx, e, "ph", "31.71", "rw", 50); err != nil {
		t.Fatal(err)
	}
	if _, err := freeVillages(ctx, e, "ph"); err != nil { // a fill's first look
		t.Fatal(err)
	}
	if len(e.plans) < 6 {
		t.Fatalf("only %d queries explained", len(e.plans))
	}
	village := 0
	for q, plan := range e.plans {
		all := strings.Join(plan, " | ")
		for _, line := range plan {
			// Allowed: the small needs_shared (RWs, institutions) read by phase,
			// and needs_free searched by phase for a MIN (one probe).
			if strings.Contains(line, "INDEX needs_shared (phase_id=?)") ||
				strings.Contains(line, "INDEX needs_free (phase_id=?)") && strings.Contains(q, "MIN(n.region)") {
				continue
			}
			if fullScan.MatchString(line) {
				t.Errorf("a full scan of needs (%s) in\n%s\nplan: %s", line, q, all)
			}
		}
		if strings.Contains(q, "n.region = $2") { // one kelurahan's free households
			village++
			if !strings.Contains(all, "USING INDEX needs_free") || strings.Contains(all, "TEMP B-TREE") {
				t.Errorf("one kelurahan's free households are not read in order from needs_free: %s", all)
			}
		}
	}
	if village == 0 {
		t.Error("no per-kelurahan read was explained")
	}
}
