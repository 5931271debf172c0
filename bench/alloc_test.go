package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The allocation benchmarks (issue 4) run on a registry of GOTONG_BENCH_NEEDS
// households spread evenly over DKI Jakarta's 267 kelurahan, written straight into
// the tables (the import is measured by BenchmarkImport), and programs published on
// it through program.Service:
//
//	area        one area commitment of 10,000 units at kecamatan and at kota level,
//	            several runs in different areas, the median reported; beside it the
//	            floor: as many bare rows written into a table without index, key or
//	            constraint in one transaction (what any per-recipient claim must pay),
//	            and the schema floor: the claim's two writes (allocation rows, needs
//	            marked taken) as two set-based statements, rolled back (what this
//	            schema asks of a claim before the engine does anything)
//	concurrent  64 committers at once, 50 commitments each of 100–5,000 units over
//	            overlapping areas (kelurahan, kecamatan, kota); allocations/s and the
//	            proof afterwards that no need is over-allocated and every unit is
//	            allocated or waitlisted
//	fairness    area commitments into a kecamatan mixing households and RWs of
//	            different family counts: the minimum fill rate reached against the
//	            optimum computed here, independently of the engine
//
// Quantities scale with the registry (10,000 units are 1% of 1M households), so the
// smoke test that `go test ./...` runs exercises the same code on 3,000 households.
//
//	GOTONG_BENCH_NEEDS       households in the registry (default 20000)
//	GOTONG_BENCH_AREA_RUNS   area commitments per level (default 5)
//	GOTONG_BENCH_COMMITTERS  concurrent committers (default 64)
//	GOTONG_BENCH_EACH        commitments per committer (default 50)
//	GOTONG_BENCH_PARTS       which measurements run (default "area,concurrent,fairness")

const allocSmokeNeeds = 3000

// allocBench is a database with a household registry and the program and
// allocation services.
type allocBench struct {
	db    *store.DB
	eng   store.Engine
	ctx   context.Context
	progs *program.Service
	alloc *allocate.Service
	size  int // households
	kel   []string
	kec   []string
	kota  []string
	today time.Time
}

// scaled is n units of the 1M-household benchmark at this registry's size, at least lo.
func (e *allocBench) scaled(n, lo int) int { return max(lo, int(int64(n)*int64(e.size)/1_000_000)) }

func jakarta() (kota, kec, kel []string) {
	for _, k := range regions.Children(province) {
		kota = append(kota, k.Code)
		for _, c := range regions.Children(k.Code) {
			kec = append(kec, c.Code)
			for _, l := range regions.Children(c.Code) {
				kel = append(kel, l.Code)
			}
		}
	}
	return kota, kec, kel
}

// newAllocBench opens a fresh database on eng and writes size households (each with
// its head as a member) into it, 1 in 40 tagged lansia, in transactions of 100,000.
func newAllocBench(tb testing.TB, eng store.Engine, size int) *allocBench {
	tb.Helper()
	db := storetest.Open(tb, eng)
	e := &allocBench{db: db, eng: eng, size: size, today: time.Now().UTC().Truncate(24 * time.Hour)}
	e.kota, e.kec, e.kel = jakarta()
	e.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "u-bench", Label: "bench@test", RemoteAddr: "bench"})
	e.progs = program.New(db, regions, province, allocate.NewNeeds(db))
	e.alloc = allocate.New(db, e.progs, account.New(db, regions, account.Options{Province: province}), regions, province, nil)
	now := store.Now()
	e.write(tb, `INSERT INTO users (id, email, name, role, region, password_hash, created_at)
		VALUES ('u-bench', 'bench@test', 'Bench', 'admin', '', 'x', $1)`, now)
	writeHouseholds(e.ctx, tb, db, e.kel, size, now)
	if eng == store.Postgres {
		e.write(tb, `ANALYZE`)
	}
	return e
}

// writeHouseholds writes size households of one member each straight into the
// registry's tables, spread evenly over the kelurahan kel, with a phone each.
func writeHouseholds(ctx context.Context, tb testing.TB, db *store.DB, kel []string, size int, now time.Time) {
	tb.Helper()
	execIn(ctx, tb, db, `CREATE TABLE bench_kel (k INTEGER PRIMARY KEY, code TEXT NOT NULL)`)
	for i, code := range kel {
		execIn(ctx, tb, db, `INSERT INTO bench_kel (k, code) VALUES ($1, $2)`, i, code)
	}
	series := `(WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i < $2) SELECT i FROM s) s`
	if db.Engine == store.Postgres {
		series = `generate_series($1::int, $2::int) AS s(i)`
	}
	// A member's keyed NIK hash is stored as bytes (migration 00034).
	nikHash := `CAST('n' || s.i AS BLOB)`
	if db.Engine == store.Postgres {
		nikHash = `convert_to('n' || s.i, 'UTF8')`
	}
	from := ` FROM ` + series + ` JOIN bench_kel k ON k.k = s.i % ` + fmt.Sprint(len(kel))
	const chunk = 100_000
	for lo := 0; lo < size; lo += chunk {
		hi := min(lo+chunk, size) - 1
		err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, phone,
				size, families, tags, id_mask, created_at, updated_at)
				SELECT 'h' || s.i, 'household', k.code, 1 + (s.i / 267) % 20, 1 + (s.i / 5340) % 15, 'KK ' || s.i, 'kk ' || s.i,
				'Jl. Bench ' || s.i, '+62811' || s.i, 1 + s.i % 6, 0, CASE WHEN s.i % 40 = 0 THEN ',lansia,' ELSE '' END,
				'3171********0001', $3, $3`+from, lo, hi, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, name, name_norm,
				birth_date, sex, relation, row_hash, created_at, updated_at)
				SELECT 'm' || s.i, 'h' || s.i, k.code, 'sealed', `+nikHash+`, '3171********0001', 'Kepala ' || s.i, 'kepala ' || s.i,
				'1970-01-01', 'L', 'Kepala Keluarga', 'h', $3, $3`+from, lo, hi, now)
			return err
		})
		if err != nil {
			tb.Fatalf("households %d–%d: %v", lo, hi, err)
		}
	}
}

// execIn runs one statement in its own write transaction.
func execIn(ctx context.Context, tb testing.TB, db *store.DB, q string, args ...any) {
	tb.Helper()
	if err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

func (e *allocBench) write(tb testing.TB, q string, args ...any) {
	tb.Helper()
	execIn(e.ctx, tb, e.db, q, args...)
}

// program publishes a one-phase program (four weeks from today) in its own stack
// group, and returns it with the time Publish took (needs drawn from the registry).
func (e *allocBench) program(tb testing.TB, name string, in program.Input) (program.Program, time.Duration) {
	tb.Helper()
	in.Name, in.Category, in.StackGroup = name, "pangan", strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	in.Item = program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000}
	in.Phases = []program.PhaseInput{{Name: "Minggu 1", Start: e.today.Format(time.DateOnly), End: e.today.AddDate(0, 0, 27).Format(time.DateOnly)}}
	if in.TargetKinds == nil {
		in.TargetKinds = []string{"household"}
	}
	if in.QuantityRule == "" {
		in.QuantityRule = program.PerTarget
	}
	p, err := e.progs.Create(e.ctx, in)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	p, _, err = e.progs.Publish(e.ctx, p.ID)
	took := time.Since(start)
	if err != nil {
		tb.Fatal(err)
	}
	if e.eng == store.Postgres {
		e.write(tb, `ANALYZE needs`)
	}
	return p, took
}

// orgs creates n verified organisations with one collaborator each.
func (e *allocBench) orgs(tb testing.TB, prefix string, n int) []allocate.Who {
	tb.Helper()
	var out []allocate.Who
	now := store.Now()
	for i := range n {
		org, user := fmt.Sprintf("%s-org-%d", prefix, i), fmt.Sprintf("%s-usr-%d", prefix, i)
		e.write(tb, `INSERT INTO organizations (id, name, kind, contact_name, contact_email, contact_phone, status, created_at)
			VALUES ($1, $1, 'ngo', 'Kontak', 'k@example.org', '+6281234567890', 'verified', $2)`, org, now)
		e.write(tb, `INSERT INTO users (id, email, name, role, region, org_id, password_hash, created_at)
			VALUES ($1, $2, 'User', 'collaborator', '', $3, 'x', $4)`, user, user+"@example.org", org, now)
		out = append(out, allocate.Who{UserID: user, OrgID: org})
	}
	return out
}

func (e *allocBench) request(p program.Program, area string, units int) allocate.Request {
	return allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: units, Region: area,
		DeliverBy: e.today.AddDate(0, 0, 3).Format(time.DateOnly)}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// ---- (a) one area commitment ----

type areaResult struct {
	level  string
	units  int
	runs   []time.Duration
	median time.Duration
}

// areaRuns commits units into runs different areas of one level (the largest ones
// first, so every run can be filled) and times each Commit.
func (e *allocBench) areaRuns(tb testing.TB, p program.Program, who allocate.Who, level string, areas []string, runs, units int) areaResult {
	tb.Helper()
	areas = largest(areas, len(areas))
	r := areaResult{level: level, units: units}
	for i := range min(runs, len(areas)) {
		start := time.Now()
		c, err := e.alloc.Commit(e.ctx, who, e.request(p, areas[i], units))
		took := time.Since(start)
		if err != nil {
			tb.Fatal(err)
		}
		if c.Allocated != units {
			tb.Fatalf("%s %s: %d of %d units allocated", level, areas[i], c.Allocated, units)
		}
		r.runs = append(r.runs, took)
	}
	r.median = median(r.runs)
	return r
}

// floor times the least any claim of units recipients must write: as many rows of
// the allocations' columns into a table without index, key or constraint, in one
// write transaction with its commit, and nothing read. A claim also reads the needs,
// updates them, keeps indexes and checks keys; the ratio of the two is what the
// engine adds to the storage's own cost.
func (e *allocBench) floor(tb testing.TB, runs, units int) []time.Duration {
	tb.Helper()
	e.write(tb, `CREATE TABLE IF NOT EXISTS bench_floor (id TEXT, commitment_id TEXT, org_id TEXT, need_id TEXT, target_id TEXT,
		region TEXT, quantity INTEGER, status TEXT, expires_at TIMESTAMP, created_at TIMESTAMP, updated_at TIMESTAMP)`)
	const batch = 500
	var out []time.Duration
	for run := range runs {
		now := store.Now()
		start := time.Now()
		err := e.db.Write(e.ctx, func(ctx context.Context, tx *store.Tx) error {
			for lo := 0; lo < units; lo += batch {
				n := min(batch, units-lo)
				args := make([]any, 0, n*11)
				for i := range n {
					id := fmt.Sprintf("%08d%024d", run, lo+i)
					args = append(args, id, "c"+id[:8], "org", "n"+id, "t"+id, "31.71.01.1001", 1, "reserved", now, now, now)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO bench_floor VALUES `+store.Values(tx.Engine, 1, n, 11), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, time.Since(start))
	}
	return out
}

// largest returns the first n of areas by their number of kelurahan, largest first.
func largest(areas []string, n int) []string {
	areas = slices.Clone(areas)
	count := func(code string) int { return regions.Count(region.Village, code) }
	sort.SliceStable(areas, func(i, j int) bool { return count(areas[i]) > count(areas[j]) })
	return areas[:min(n, len(areas))]
}

// schemaFloor times the least the schema itself asks of a claim of units
// households: the two writes every claim makes, as two set-based statements with
// nothing done in Go — the allocation rows inserted from the needs they take, with
// the table's indexes and foreign keys, and the needs marked taken, leaving
// needs_free and entering needs_held — and nothing else. The needs are chosen
// beforehand (the area's first free households in the engine's order) and the
// transaction is rolled back, so neither the reading nor the commit is counted and
// the registry is left as it was.
func (e *allocBench) schemaFloor(tb testing.TB, p program.Program, who allocate.Who, areas []string, units int) []time.Duration {
	tb.Helper()
	errRollback := fmt.Errorf("rolled back")
	phase := p.Phases[0].ID
	var out []time.Duration
	for i, area := range areas {
		err := e.db.Write(e.ctx, func(ctx context.Context, tx *store.Tx) error {
			now := store.Now()
			cid := fmt.Sprintf("schema-floor-%d", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO commitments (id, org_id, user_id, program_id, phase_id, region, chain,
				requested, waiting, deliver_by, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'bench', $7, $7, $8, 'waitlisted', $9, $9)`,
				cid, who.OrgID, who.UserID, p.ID, phase, area, units, e.today.Format(time.DateOnly), now); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT n.id FROM needs n WHERE n.phase_id = $1 AND n.region >= $2 AND n.region < $3
				AND n.allocated = 0 AND n.state = 'open' AND n.kind IN ('household','person')
				ORDER BY n.priority DESC, n.since, n.id LIMIT $4`, phase, area, region.Upper(area), units)
			if err != nil {
				return err
			}
			ids, err := store.Collect(rows, store.String)
			if err != nil {
				return err
			}
			if len(ids) != units {
				return fmt.Errorf("schema floor: %d free households in %s, want %d", len(ids), area, units)
			}
			list := `(SELECT value FROM json_each($1))`
			var arg any = `["` + strings.Join(ids, `","`) + `"]`
			if e.eng == store.Postgres {
				list, arg = `(SELECT unnest($1::text[]))`, ids
			}
			start := time.Now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (id, commitment_id, org_id, need_id, target_id, region,
				quantity, status, expires_at, created_at, updated_at)
				SELECT $2 || n.id, $2, $3, n.id, n.target_id, n.region, n.quantity, 'reserved', $4, $4, $4
				FROM needs n WHERE n.id IN `+list, arg, cid, who.OrgID, now); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE needs SET allocated = quantity WHERE id IN `+list+` AND allocated = 0`, arg)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || int(n) != units {
				return fmt.Errorf("schema floor: %d needs updated (%v), want %d", n, err, units)
			}
			out = append(out, time.Since(start))
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			tb.Fatal(err)
		}
	}
	return out
}

// ---- (b) concurrent committers ----

type concurrentResult struct {
	committers, each     int
	commitments          int
	allocations, units   int64
	requested, needed    int64
	wall                 time.Duration
	perCommit            []time.Duration
	waitingWhileFree     int
	proof                string
	allocationsPerSecond float64
}

// concurrent runs committers goroutines, each making each commitments of a random
// size (100–5,000 units, scaled) into a random kelurahan (60%), kecamatan (30%) or
// kota (10%): areas overlap, and late commitments find their areas used up.
func (e *allocBench) concurrent(tb testing.TB, p program.Program, committers, each int) concurrentResult {
	tb.Helper()
	return e.concurrentAs(tb, p, "conc", committers, each)
}

// concurrentAs is concurrent with organisations named after prefix (a second run
// in one database needs new ones).
func (e *allocBench) concurrentAs(tb testing.TB, p program.Program, prefix string, committers, each int) concurrentResult {
	tb.Helper()
	whos := e.orgs(tb, prefix, committers)
	r := concurrentResult{committers: committers, each: each}
	var units, requested atomic.Int64
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for g, who := range whos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var took []time.Duration
			for range each {
				var area string
				switch x := rng.IntN(10); {
				case x < 6:
					area = e.kel[rng.IntN(len(e.kel))]
				case x < 9:
					area = e.kec[rng.IntN(len(e.kec))]
				default:
					area = e.kota[rng.IntN(len(e.kota))]
				}
				q := e.scaled(100+rng.IntN(4901), 1)
				t0 := time.Now()
				c, err := e.alloc.Commit(e.ctx, who, e.request(p, area, q))
				took = append(took, time.Since(t0))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("commit %d into %s: %w", q, area, err)
					}
					mu.Unlock()
					return
				}
				requested.Add(int64(q))
				units.Add(int64(c.Allocated))
				if c.Allocated+c.Waitlisted != q {
					mu.Lock()
					firstErr = fmt.Errorf("commitment %s: %d allocated + %d waiting of %d", c.ID, c.Allocated, c.Waitlisted, q)
					mu.Unlock()
				}
			}
			mu.Lock()
			r.perCommit = append(r.perCommit, took...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.wall = time.Since(start)
	if firstErr != nil {
		tb.Fatal(firstErr)
	}
	r.commitments = committers * each
	r.units, r.requested = units.Load(), requested.Load()
	if err := e.db.R().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM allocations a JOIN commitments c ON c.id = a.commitment_id
		WHERE c.program_id = $1`, p.ID).Scan(&r.allocations); err != nil {
		tb.Fatal(err)
	}
	r.allocationsPerSecond = float64(r.allocations) / r.wall.Seconds()
	r.proof, r.needed, r.waitingWhileFree = e.prove(tb, p)
	if r.proof != "" {
		tb.Fatalf("after the run: %s", r.proof)
	}
	return r
}

// prove checks the program's books after a run and returns the first broken rule
// ("" when none), the units needed, and how many commitments still wait while a need
// they could take is free in their area.
func (e *allocBench) prove(tb testing.TB, p program.Program) (string, int64, int) {
	tb.Helper()
	checks := []struct{ name, q string }{
		{"a need is over-allocated", `SELECT COUNT(*) FROM needs WHERE program_id = $1 AND (allocated > quantity OR allocated < 0)`},
		{"a need's counter differs from its allocations", `SELECT COUNT(*) FROM needs n LEFT JOIN (SELECT need_id, SUM(quantity) AS q
			FROM allocations WHERE status IN ('reserved','dispatched','delivered') GROUP BY need_id) a ON a.need_id = n.id
			WHERE n.program_id = $1 AND n.allocated <> COALESCE(a.q, 0)`},
		{"a household is served twice", `SELECT COUNT(*) FROM (SELECT need_id FROM allocations a JOIN needs n ON n.id = a.need_id
			WHERE n.program_id = $1 AND n.kind = 'household' AND a.status IN ('reserved','dispatched','delivered')
			GROUP BY need_id HAVING COUNT(*) > 1) x`},
		{"a commitment's counter differs from its allocations", `SELECT COUNT(*) FROM commitments c LEFT JOIN (SELECT commitment_id, SUM(quantity) AS q
			FROM allocations WHERE status IN ('reserved','dispatched','delivered') GROUP BY commitment_id) a ON a.commitment_id = c.id
			WHERE c.program_id = $1 AND c.allocated <> COALESCE(a.q, 0)`},
		{"a unit is neither allocated nor waitlisted", `SELECT COUNT(*) FROM commitments WHERE program_id = $1 AND allocated + waiting <> requested`},
		{"allocated units differ between needs and commitments", `SELECT ABS((SELECT COALESCE(SUM(allocated), 0) FROM needs WHERE program_id = $1)
			- (SELECT COALESCE(SUM(allocated), 0) FROM commitments WHERE program_id = $1))`},
	}
	for _, c := range checks {
		var n int
		if err := e.db.R().QueryRowContext(e.ctx, c.q, p.ID).Scan(&n); err != nil {
			tb.Fatalf("%s: %v", c.name, err)
		}
		if n != 0 {
			return fmt.Sprintf("%s (%d)", c.name, n), 0, 0
		}
	}
	var needed int64
	if err := e.db.R().QueryRowContext(e.ctx, `SELECT SUM(quantity) FROM needs WHERE program_id = $1`, p.ID).Scan(&needed); err != nil {
		tb.Fatal(err)
	}
	var waiting int
	if err := e.db.R().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM commitments c WHERE c.program_id = $1 AND c.waiting > 0
		AND (EXISTS (SELECT 1 FROM needs n WHERE n.phase_id = c.phase_id AND n.allocated = 0 AND n.state = 'open'
		  AND n.kind IN ('household','person') AND n.quantity <= c.waiting AND n.region >= c.region AND n.region < c.region || '~')
		OR EXISTS (SELECT 1 FROM needs n WHERE n.phase_id = c.phase_id AND n.allocated < n.quantity AND n.state = 'open'
		  AND n.kind IN ('rw','institution') AND n.region >= c.region AND n.region < c.region || '~'))`, p.ID).Scan(&waiting); err != nil {
		tb.Fatal(err)
	}
	return "", needed, waiting
}

// ---- (c) fairness ----

type fillRate struct{ num, den int64 }

func (a fillRate) below(b fillRate) bool { return a.num*b.den < b.num*a.den }
func (a fillRate) float() float64        { return float64(a.num) / float64(a.den) }

type need struct{ quantity, allocated int64 }

// bestMinimum is the highest minimum fill rate that units more units could give
// needs, found by binary search over the fill rates a need can take ((a+k)/q): the
// minimum reaches a level when topping every need below it up to the level (a
// household whole, an RW to ⌈level·q⌉ packages) costs at most units.
func bestMinimum(needs []need, households map[int]bool, units int64) fillRate {
	var levels []fillRate
	for _, n := range needs {
		for k := n.allocated; k <= n.quantity; k++ {
			levels = append(levels, fillRate{k, n.quantity})
		}
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i].below(levels[j]) })
	cost := func(l fillRate) int64 {
		var c int64
		for i, n := range needs {
			if !(fillRate{n.allocated, n.quantity}).below(l) {
				continue
			}
			if households[i] {
				c += n.quantity - n.allocated
			} else {
				c += (l.num*n.quantity+l.den-1)/l.den - n.allocated
			}
		}
		return c
	}
	lo, hi := 0, len(levels)-1 // levels[lo] is always reachable: it is the lowest current rate or below
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if cost(levels[mid]) <= units {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return levels[lo]
}

type fairnessResult struct {
	area                  string
	households, rws       int
	needed, preallocated  int64
	steps                 []fairStep
	maxSpread, finalRWMin float64
}

type fairStep struct {
	units          int64 // by area commitments so far
	got, optimum   fillRate
	rwMin, rwMax   float64
	householdsLeft int
}

// fairness adds RWs of 20–600 families to the biggest kecamatan, publishes a
// per-family program for households and RWs there, serves a few RWs partly through
// chosen-target commitments (so fill rates start uneven), then makes five area
// commitments of 17% of the area's need each; after each it compares the minimum fill
// rate of the area's needs with bestMinimum.
func (e *allocBench) fairness(tb testing.TB) fairnessResult {
	tb.Helper()
	area := e.kec[0]
	for _, k := range e.kec {
		if regions.Count(region.Village, k) > regions.Count(region.Village, area) {
			area = k
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	kels := regions.Children(area)
	now := store.Now()
	const rws = 60
	for i := range rws {
		kel := kels[i%len(kels)].Code
		e.write(tb, `INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, phone, size, families, tags, id_mask, created_at, updated_at)
			VALUES ($1, 'rw', $2, $3, 0, $4, $5, 'Kantor RW', '+6281222', $6, $7, '', '', $8, $8)`,
			fmt.Sprintf("rw%03d", i), kel, 100+i, fmt.Sprintf("RW %03d", 100+i), fmt.Sprintf("rw %03d", 100+i),
			0, 20+rng.IntN(581), now.Add(time.Duration(i)*time.Second))
	}
	p, _ := e.program(tb, "Bench fairness", program.Input{TargetKinds: []string{"household", "rw"}, QuantityRule: program.PerFamily,
		Regions: []string{area}, PriorityTags: []string{}})
	whos := e.orgs(tb, "fair", 6)
	read := func() ([]need, map[int]bool) {
		rows, err := e.db.R().QueryContext(e.ctx, `SELECT kind, quantity, allocated FROM needs WHERE program_id = $1 AND state = 'open'
			AND quantity > 0 ORDER BY id`, p.ID)
		if err != nil {
			tb.Fatal(err)
		}
		defer rows.Close()
		var ns []need
		hh := map[int]bool{}
		for rows.Next() {
			var kind string
			var n need
			if err := rows.Scan(&kind, &n.quantity, &n.allocated); err != nil {
				tb.Fatal(err)
			}
			if kind == "household" {
				hh[len(ns)] = true
			}
			ns = append(ns, n)
		}
		return ns, hh
	}
	// Uneven start: 12 RWs served 10–90% by chosen-target commitments.
	for i := range 12 {
		id := fmt.Sprintf("rw%03d", i*5)
		var fam int
		if err := e.db.R().QueryRowContext(e.ctx, `SELECT families FROM targets WHERE id = $1`, id).Scan(&fam); err != nil {
			tb.Fatal(err)
		}
		req := e.request(p, "", max(1, fam*(1+rng.IntN(9))/10))
		req.TargetIDs = []string{id}
		if _, err := e.alloc.Commit(e.ctx, whos[5], req); err != nil {
			tb.Fatal(err)
		}
	}
	start, hh := read()
	r := fairnessResult{area: area, households: len(hh), rws: len(start) - len(hh)}
	for _, n := range start {
		r.needed += n.quantity
		r.preallocated += n.allocated
	}
	var units int64
	for i := range 5 {
		q := int(r.needed * 17 / 100)
		c, err := e.alloc.Commit(e.ctx, whos[i], e.request(p, area, q))
		if err != nil {
			tb.Fatal(err)
		}
		units += int64(c.Allocated)
		now, _ := read()
		s := fairStep{units: units, optimum: bestMinimum(start, hh, units), rwMin: 2}
		for j, n := range now {
			fr := fillRate{n.allocated, n.quantity}
			if j == 0 || fr.below(s.got) {
				s.got = fr
			}
			if hh[j] {
				if n.allocated < n.quantity {
					s.householdsLeft++
				}
				continue
			}
			s.rwMin, s.rwMax = min(s.rwMin, fr.float()), max(s.rwMax, fr.float())
		}
		r.steps = append(r.steps, s)
		r.maxSpread = max(r.maxSpread, s.rwMax-s.rwMin)
		r.finalRWMin = s.rwMin
	}
	return r
}

// ---- the smoke test and the benchmark ----

func TestAllocateSmoke(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			e := newAllocBench(t, eng, allocSmokeNeeds)
			var n int
			if err := e.db.R().QueryRowContext(context.Background(), `SELECT COUNT(DISTINCT region) FROM targets`).Scan(&n); err != nil || n != 267 {
				t.Fatalf("households cover %d kelurahan (%v), want 267", n, err)
			}
			pa, _ := e.program(t, "Bench area", program.Input{})
			who := e.orgs(t, "area", 1)[0]
			units := e.scaled(10_000, 10)
			a := e.areaRuns(t, pa, who, "kecamatan", e.kec, 2, units)
			k := e.areaRuns(t, pa, who, "kota", e.kota, 2, units)
			fl := e.floor(t, 2, units)
			sf := e.schemaFloor(t, pa, who, largest(e.kec, 2), units)
			t.Logf("area: %d units, kecamatan %v, kota %v, floor %v, schema floor %v", units, a.runs, k.runs, fl, sf)
			var held int
			if err := e.db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM allocations WHERE commitment_id LIKE 'schema-floor-%'`).Scan(&held); err != nil || held != 0 {
				t.Fatalf("the schema floor left %d allocations (%v): it must roll back", held, err)
			}
			var rows int
			if err := e.db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM bench_floor`).Scan(&rows); err != nil || rows != 2*units {
				t.Fatalf("floor wrote %d rows (%v), want %d", rows, err, 2*units)
			}
			pb, _ := e.program(t, "Bench concurrent", program.Input{})
			c := e.concurrent(t, pb, 8, 3)
			if c.units == 0 || c.units > c.needed || c.units > c.requested {
				t.Fatalf("concurrent: %d units allocated of %d needed, %d requested", c.units, c.needed, c.requested)
			}
			if eng == store.SQLite && c.waitingWhileFree != 0 {
				t.Fatalf("concurrent: %d commitments wait while their area has a free need", c.waitingWhileFree)
			}
			f := e.fairness(t)
			for i, s := range f.steps {
				if s.got.below(s.optimum) {
					t.Errorf("fairness step %d: minimum fill rate %v below the optimum %v", i, s.got, s.optimum)
				}
			}
		})
	}
}

// BenchmarkAllocate runs the three measurements on every engine, on one registry per
// engine. Run it once: -benchtime 1x.
func BenchmarkAllocate(b *testing.B) {
	size := envInt("GOTONG_BENCH_NEEDS", 20_000)
	runs := envInt("GOTONG_BENCH_AREA_RUNS", 5)
	committers, each := envInt("GOTONG_BENCH_COMMITTERS", 64), envInt("GOTONG_BENCH_EACH", 50)
	parts := os.Getenv("GOTONG_BENCH_PARTS")
	if parts == "" {
		parts = "area,concurrent,fairness"
	}
	part := func(name string) bool { return slices.Contains(strings.Split(parts, ","), name) }
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			start := time.Now()
			e := newAllocBench(b, eng, size)
			b.Logf("%s: %d households written in %v (load %.2f)", eng, size, time.Since(start), load1())
			pa, took := e.program(b, "Bench area", program.Input{})
			b.Logf("publish: %d needs in %v", size, took)
			who := e.orgs(b, "area", 1)[0]
			units := e.scaled(10_000, 10)
			if part("area") {
				b.Run("area", func(b *testing.B) {
					for range b.N {
						for _, lv := range []struct {
							name  string
							areas []string
						}{{"kecamatan", e.kec}, {"kota", e.kota}} {
							r := e.areaRuns(b, pa, who, lv.name, lv.areas, runs, units)
							b.ReportMetric(float64(r.median.Microseconds())/1000, lv.name+"_median_ms")
							b.Logf("area %s, %d units, load %.2f: runs %v, median %v", lv.name, units, load1(), r.runs, r.median)
						}
						fl := e.floor(b, runs, units)
						b.ReportMetric(float64(median(fl).Microseconds())/1000, "floor_median_ms")
						b.Logf("floor: %d bare rows in one transaction, load %.2f: runs %v, median %v", units, load1(), fl, median(fl))
						sf := e.schemaFloor(b, pa, who, largest(e.kec, runs), units)
						b.ReportMetric(float64(median(sf).Microseconds())/1000, "schema_floor_median_ms")
						b.Logf("schema floor: a claim's two writes of %d households as two statements, load %.2f: runs %v, median %v", units, load1(), sf, median(sf))
					}
				})
			}
			if part("concurrent") {
				pb, _ := e.program(b, "Bench concurrent", program.Input{})
				b.Run("concurrent", func(b *testing.B) {
					for range b.N {
						l0 := load1()
						r := e.concurrent(b, pb, committers, each)
						b.ReportMetric(r.allocationsPerSecond, "allocations/s")
						b.ReportMetric(float64(r.commitments)/r.wall.Seconds(), "commitments/s")
						b.ReportMetric(float64(median(r.perCommit).Microseconds())/1000, "commit_median_ms")
						b.Logf("concurrent %dx%d: %v wall, %d commitments, %d allocations (%.0f/s), %d units allocated of %d requested and %d needed; commit median %v, p90 %v, max %v; waiting while their area has a free need: %d; load %.2f→%.2f",
							r.committers, r.each, r.wall, r.commitments, r.allocations, r.allocationsPerSecond, r.units, r.requested, r.needed,
							median(r.perCommit), percentile(r.perCommit, 0.9), slices.Max(r.perCommit), r.waitingWhileFree, l0, load1())
					}
				})
			}
			if part("fairness") {
				b.Run("fairness", func(b *testing.B) {
					for range b.N {
						f := e.fairness(b)
						b.Logf("fairness in %s: %d households, %d RWs, %d units needed, %d pre-allocated to 12 RWs", f.area, f.households, f.rws, f.needed, f.preallocated)
						for i, s := range f.steps {
							b.Logf("  after commitment %d (%d units): minimum fill %.4f, optimum %.4f; households unserved %d; RW fill %.4f–%.4f",
								i+1, s.units, s.got.float(), s.optimum.float(), s.householdsLeft, s.rwMin, s.rwMax)
						}
						last := f.steps[len(f.steps)-1]
						b.ReportMetric(last.got.float(), "min_fill")
						b.ReportMetric(last.optimum.float(), "optimum")
					}
				})
			}
		})
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
