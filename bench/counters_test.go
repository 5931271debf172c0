package bench

// The kept counters of monitoring (issue 12): what reading them costs at every
// level of the drill-down, and what keeping them adds to the claim. The counters
// are kept by triggers (internal/monitor's package doc); "without" below means the
// same database with its counter triggers dropped (SQLite) or disabled
// (PostgreSQL), in the same process, alternating with runs that keep them.
//
//	GOTONG_BENCH_NEEDS          households (default 20000)
//	GOTONG_BENCH_AREA_RUNS      10,000-unit commitments per side (default 5)
//	GOTONG_BENCH_COMMITTERS     concurrent committers (default 64)
//	GOTONG_BENCH_EACH           commitments per committer (default 50)
//	GOTONG_BENCH_READS          reads per level (default 200)
//	GOTONG_BENCH_PARTS          "readers,cost-area,cost-concurrent" (default all)

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// counterTables are the tables whose triggers keep the counters.
var counterTables = []string{"needs", "allocations", "callback_items"}

// triggers turns the counter triggers off or on. SQLite cannot disable a trigger:
// off drops them and remembers their SQL, on creates them again.
type triggers struct {
	db   *store.DB
	sqls []string
	off  bool
}

func newTriggers(tb testing.TB, db *store.DB) *triggers {
	t := &triggers{db: db}
	if db.Engine == store.SQLite {
		rows, err := db.R().QueryContext(context.Background(), `SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
		if err != nil {
			tb.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				tb.Fatal(err)
			}
			t.sqls = append(t.sqls, s)
		}
		if len(t.sqls) == 0 {
			tb.Fatal("no triggers to toggle")
		}
	}
	return t
}

func (t *triggers) set(tb testing.TB, on bool) {
	tb.Helper()
	if t.off != on {
		return // already so
	}
	t.off = !on
	monitor.SetClaimCounting(on)
	ctx := context.Background()
	if t.db.Engine == store.Postgres {
		verb := map[bool]string{true: "ENABLE", false: "DISABLE"}[on]
		for _, table := range counterTables {
			execIn(ctx, tb, t.db, `ALTER TABLE `+table+` `+verb+` TRIGGER USER`)
		}
		return
	}
	for _, s := range t.sqls {
		if on {
			execIn(ctx, tb, t.db, s)
			continue
		}
		name := strings.Fields(s)[2]
		execIn(ctx, tb, t.db, `DROP TRIGGER IF EXISTS `+name)
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readLevels times the dashboard's reads of program p at every level of the
// drill-down, reads times each, and returns p50 and p99 per level.
func readLevels(tb testing.TB, e *allocBench, m *monitor.Service, p program.Program, reads int) []string {
	tb.Helper()
	f := func(region string) monitor.Filter { return monitor.Filter{Programs: []string{p.ID}, Region: region} }
	// The largest kota and kecamatan (most kelurahan), and a kelurahan of it.
	kota, kec := largest(e.kota, 1)[0], largest(e.kec, 1)[0]
	var kel string
	for _, k := range e.kel {
		if strings.HasPrefix(k, kec+".") {
			kel = k
			break
		}
	}
	levels := []struct {
		name string
		read func() error
	}{
		{"province", func() error { return readChildren(e, m, f(province), len(e.kota[0])) }},
		{"kota", func() error { return readChildren(e, m, f(kota), len(e.kec[0])) }},
		{"kecamatan", func() error { return readChildren(e, m, f(kec), len(kel)) }},
		{"kelurahan (RWs)", func() error {
			_, err := m.ByRW(e.ctx, f(kel))
			return err
		}},
		{"collaborators (province)", func() error {
			_, err := m.Orgs(e.ctx, f(province))
			return err
		}},
		{"deliveries per day (province)", func() error {
			_, err := m.Daily(e.ctx, f(province))
			return err
		}},
		{"public: every program per kota", func() error {
			_, err := m.ByRegion(e.ctx, monitor.Filter{Region: province}, len(e.kota[0]))
			return err
		}},
	}
	var out []string
	for _, lv := range levels {
		var ds []time.Duration
		for range reads {
			start := time.Now()
			if err := lv.read(); err != nil {
				tb.Fatalf("%s: %v", lv.name, err)
			}
			ds = append(ds, time.Since(start))
		}
		out = append(out, fmt.Sprintf("%s: p50 %v, p99 %v", lv.name, percentile(ds, 0.5), percentile(ds, 0.99)))
	}
	return out
}

// readChildren is one drill-down answer: the region's children and their RWs
// fully covered.
func readChildren(e *allocBench, m *monitor.Service, f monitor.Filter, by int) error {
	_, _, err := m.Drill(e.ctx, f, by)
	return err
}

// deliverSome moves part of program p's allocations along, as couriers would
// have: a third dispatched, and of those half delivered (straight SQL: the
// triggers keep the counters whoever writes).
func deliverSome(tb testing.TB, e *allocBench, p program.Program) {
	tb.Helper()
	now := store.Now()
	e.write(tb, `UPDATE allocations SET status = 'dispatched', updated_at = $2 WHERE status = 'reserved'
		AND commitment_id IN (SELECT id FROM commitments WHERE program_id = $1)
		AND substr(need_id, -1) IN ('0', '3', '6', '9', 'c', 'f')`, p.ID, now)
	e.write(tb, `UPDATE needs SET delivered = allocated WHERE id IN (SELECT need_id FROM allocations WHERE status = 'dispatched'
		AND substr(need_id, -1) IN ('0', '6', 'c'))`)
	e.write(tb, `UPDATE allocations SET status = 'delivered', delivered_at = $1, updated_at = $1 WHERE status = 'dispatched'
		AND substr(need_id, -1) IN ('0', '6', 'c')`, now)
}

func TestCountersSmoke(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			e := newAllocBench(t, eng, allocSmokeNeeds)
			m := monitor.New(e.db)
			p, _ := e.program(t, "Bench counters", program.Input{})
			who := e.orgs(t, "counters", 1)[0]
			e.areaRuns(t, p, who, "kecamatan", e.kec, 2, e.scaled(10_000, 10))
			deliverSome(t, e, p)
			// Claims at once, on a program of their own: the counters still equal a
			// recount (on PostgreSQL each claim appends its own deltas).
			pc, _ := e.program(t, "Bench counters at once", program.Input{})
			e.concurrent(t, pc, 8, 3)
			if d, n, err := m.Verify(e.ctx); err != nil || d != nil || n == 0 {
				t.Fatalf("counters after the runs: %v over %d rows (%v)", d, n, err)
			}
			for _, l := range readLevels(t, e, m, p, 3) {
				t.Log(l)
			}
			tr := newTriggers(t, e.db)
			tr.set(t, false)
			e.areaRuns(t, p, who, "kecamatan", e.kec[2:], 1, e.scaled(10_000, 10))
			if d, _, err := m.Verify(e.ctx); err != nil || d == nil {
				t.Fatalf("with the triggers off a commitment must leave the counters behind, got %v (%v)", d, err)
			}
			tr.set(t, true)
			tr.set(t, true) // twice is once
			before := e.count(t, `SELECT COUNT(*) FROM counters`)
			e.areaRuns(t, p, who, "kecamatan", e.kec[3:], 1, e.scaled(10_000, 10))
			if after := e.count(t, `SELECT COUNT(*) FROM counters`); after == before && eng == store.SQLite {
				t.Fatalf("with the triggers on again a commitment must change the counters")
			}
		})
	}
}

func (e *allocBench) count(tb testing.TB, q string) int {
	var n int
	if err := e.db.R().QueryRowContext(e.ctx, q).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkCounters measures the counters at GOTONG_BENCH_NEEDS households. Run it
// once: -benchtime 1x.
func BenchmarkCounters(b *testing.B) {
	size := envInt("GOTONG_BENCH_NEEDS", 20_000)
	runs := envInt("GOTONG_BENCH_AREA_RUNS", 5)
	reads := envInt("GOTONG_BENCH_READS", 200)
	committers, each := envInt("GOTONG_BENCH_COMMITTERS", 64), envInt("GOTONG_BENCH_EACH", 50)
	parts := os.Getenv("GOTONG_BENCH_PARTS")
	if parts == "" {
		parts = "readers,cost-area,cost-concurrent"
	}
	part := func(name string) bool { return slices.Contains(strings.Split(parts, ","), name) }
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			start := time.Now()
			e := newAllocBench(b, eng, size)
			m := monitor.New(e.db)
			b.Logf("%s: %d households written in %v (load %.2f)", eng, size, time.Since(start), load1())
			units := e.scaled(10_000, 10)
			if part("readers") {
				p, took := e.program(b, "Bench readers", program.Input{})
				b.Logf("publish: %d needs in %v", size, took)
				t0 := time.Now()
				c := e.concurrent(b, p, committers, 5)
				deliverSome(b, e, p)
				if _, err := m.Fold(e.ctx); err != nil {
					b.Fatal(err)
				}
				b.Logf("state: %d allocations by %dx5 commitments in %v, a third dispatched, half of those delivered", c.allocations, committers, time.Since(t0))
				for _, l := range readLevels(b, e, m, p, reads) {
					b.Logf("read %s (load %.2f)", l, load1())
				}
				t1 := time.Now()
				d, n, err := m.Verify(e.ctx)
				if err != nil || d != nil {
					b.Fatalf("verify: %v (%v)", d, err)
				}
				b.Logf("counters verify: %d rows equal a recount in %v", n, time.Since(t1))
			}
			tr := newTriggers(b, e.db)
			if part("cost-area") {
				p, _ := e.program(b, "Bench cost area", program.Input{})
				who := e.orgs(b, "cost", 1)[0]
				areas := largest(e.kec, 2*runs)
				var with, without, cpuWith, cpuWithout []time.Duration
				for i := range runs {
					// Alternate, so that load and cache warmth fall on both sides.
					for _, on := range []bool{i%2 == 0, i%2 != 0} {
						tr.set(b, on)
						area := areas[2*i]
						if !on {
							area = areas[2*i+1]
						}
						c0 := cpuTime()
						r := e.areaRuns(b, p, who, "kecamatan", []string{area}, 1, units)
						cpu := cpuTime() - c0
						if on {
							with, cpuWith = append(with, r.runs[0]), append(cpuWith, cpu)
						} else {
							without, cpuWithout = append(without, r.runs[0]), append(cpuWithout, cpu)
						}
					}
				}
				tr.set(b, true)
				ratio := float64(median(with)) / float64(median(without))
				b.ReportMetric(ratio, "area_with/without")
				b.Logf("area commitment of %d units, kecamatan, load %.2f: with counters %v (median %v), without %v (median %v): ratio %.3f",
					units, load1(), with, median(with), without, median(without), ratio)
				// On SQLite the claim runs in this process: its CPU time is less
				// shaken by a loaded machine than its wall time.
				b.Logf("  CPU time of this process: with %v (median %v), without %v (median %v): ratio %.3f",
					cpuWith, median(cpuWith), cpuWithout, median(cpuWithout), float64(median(cpuWith))/float64(median(cpuWithout)))
			}
			if part("cost-concurrent") {
				var walls [2]time.Duration
				var rates [2]float64
				order := []bool{false, true}
				if os.Getenv("GOTONG_BENCH_ORDER") == "on-first" {
					order = []bool{true, false}
				}
				for _, on := range order {
					i := map[bool]int{false: 0, true: 1}[on]
					p, _ := e.program(b, fmt.Sprintf("Bench cost concurrent %v", on), program.Input{})
					tr.set(b, on)
					r := e.concurrentAs(b, p, fmt.Sprintf("cost-%v", on), committers, each)
					walls[i], rates[i] = r.wall, r.allocationsPerSecond
					b.Logf("concurrent %dx%d, counters %v: %v wall, %d allocations (%.0f/s), commit median %v, p90 %v; load %.2f",
						committers, each, on, r.wall, r.allocations, r.allocationsPerSecond, median(r.perCommit), percentile(r.perCommit, 0.9), load1())
				}
				tr.set(b, true)
				b.ReportMetric(rates[0]/rates[1], "concurrent_rate_without/with")
				b.Logf("concurrent: allocations/s without %.0f, with %.0f: the counters cost %.1f%%", rates[0], rates[1], (rates[0]/rates[1]-1)*100)
			}
		})
	}
}
