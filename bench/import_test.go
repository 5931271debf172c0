package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// The benchmarks are configured by environment variables, so that `go test ./...`
// never runs a large import:
//
//	GOTONG_BENCH_ROWS   data rows of the generated household file (default 10000)
//	GOTONG_BENCH_BATCH  rows per transaction of the import and of the baseline alike
//	                    (default registry.DefaultBatch, the registry's default)
//	GOTONG_BENCH_DIR    where the generated files go (default: the system temp dir)
//	GOTONG_BENCH_BASELINE=0 skips the bare-insert baseline
//	GOTONG_BENCH_EXPLAIN=1 logs examples of missed duplicates and unexplained pairs
//	                    (run with -v: go test cuts a benchmark's log at 10 lines)
//	GOTONG_BENCH_SQLITE_CACHE_MIB=N  (experiment) sets the SQLite writer's page cache
//	                    to N MiB instead of internal/store's setting
//
// PostgreSQL runs when GOTONG_TEST_POSTGRES names a server (see internal/storetest).

const (
	seed     = 1
	province = "31"
	// smokeRows is the size of the smoke test that plain `go test` runs.
	smokeRows = 2000
)

// damage is planted in every file: 2% exact duplicates, 2% fuzzy duplicates, 1%
// damaged rows (as internal/gen's own benchmark).
var damage = gen.Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.01}

var regions = func() *region.Set {
	s, err := region.Load(data.Regions)
	if err != nil {
		panic(err)
	}
	return s
}()

func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.Atoi(strings.ReplaceAll(s, "_", "")); err == nil && n > 0 {
			return n
		}
	}
	return def
}

// ---- generated files, shared by the benchmarks of one process ----

type fixture struct {
	path  string
	size  int64
	truth gen.Truth
}

var (
	fixMu  sync.Mutex
	fixDir string
	fixes  = map[int]*fixture{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

// fixtureFor writes (once per process) the household file of rows data rows with
// the planted damage, and keeps its truth.
func fixtureFor(tb testing.TB, rows int) *fixture {
	tb.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if fx := fixes[rows]; fx != nil {
		return fx
	}
	if fixDir == "" {
		d, err := os.MkdirTemp(os.Getenv("GOTONG_BENCH_DIR"), "gotong-bench-*")
		if err != nil {
			tb.Fatal(err)
		}
		fixDir = d
	}
	path := filepath.Join(fixDir, fmt.Sprintf("households-%d.csv", rows))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	truth, err := gen.New(seed, regions, province).WriteHouseholdsCSV(bw, rows, damage)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatalf("generate %d rows: %v", rows, err)
	}
	if truth.Rows != rows {
		tb.Fatalf("generator wrote %d rows, asked for %d", truth.Rows, rows)
	}
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	fx := &fixture{path: path, size: st.Size(), truth: truth}
	fixes[rows] = fx
	return fx
}

// ---- memory ----

// sampler records the peak Go heap (HeapAlloc: live objects plus garbage not yet
// collected) by sampling runtime.MemStats.
type sampler struct {
	stop, done chan struct{}
	heap       atomic.Uint64
	sys        atomic.Uint64
}

func startSampler(every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				s.sample()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > s.heap.Load() {
		s.heap.Store(ms.HeapAlloc)
	}
	if ms.Sys > s.sys.Load() {
		s.sys.Store(ms.Sys)
	}
}

func (s *sampler) finish() (heap, sys uint64) {
	close(s.stop)
	<-s.done
	return s.heap.Load(), s.sys.Load()
}

// resetPeakRSS resets the kernel's high-water mark of this process's resident set
// (VmHWM), so that a phase's peak can be read after it. It reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatus reads a "kB" field of /proc/self/status, in bytes (0 if unknown).
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// load1 is the one-minute load average (-1 if unknown).
func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return -1
	}
	return f
}

// settle collects garbage and returns freed memory to the system, so that one phase's
// peak does not carry the previous phase's heap.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

const mib = 1 << 20

// ---- databases ----

type engineDB struct {
	db  *store.DB
	v   *vault.Vault
	ctx context.Context
	who registry.Importer
}

// freshDB is a new migrated database on eng with a user to import as and a vault.
func freshDB(tb testing.TB, eng store.Engine) *engineDB {
	tb.Helper()
	db := storetest.Open(tb, eng)
	key := make([]byte, vault.KeySize)
	_, _ = rand.Read(key)
	v, err := vault.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	db.AuditKey = v.AuditKey()
	if mb := envInt("GOTONG_BENCH_SQLITE_CACHE_MIB", 0); mb > 0 && eng == store.SQLite {
		// An experiment, not the product's setting: the writer pool holds exactly one
		// connection, so a pragma run on it stays in force for the database's life.
		if _, err := db.W().Exec(fmt.Sprintf("PRAGMA cache_size = -%d", mb<<10)); err != nil {
			tb.Fatal(err)
		}
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-bench", Label: "bench@test", RemoteAddr: "bench"})
	if _, err := db.W().ExecContext(ctx, `INSERT INTO users (id, email, name, role, region, password_hash, created_at)
		VALUES ('u-bench', 'bench@test', 'Bench', 'admin', '', 'x', $1)`, store.Now()); err != nil {
		tb.Fatal(err)
	}
	return &engineDB{db: db, v: v, ctx: ctx, who: registry.Importer{UserID: "u-bench", Email: "bench@test", Scope: province}}
}

// ---- the import ----

// batchSize is the rows per transaction of both the import and the baseline, so that
// they pay for the same number of commits: GOTONG_BENCH_BATCH, or registry.DefaultBatch. It is passed to the import explicitly, so that a change of
// the registry's default does not silently compare unlike batches.
func batchSize() int { return envInt("GOTONG_BENCH_BATCH", registry.DefaultBatch) }

type importRun struct {
	im      registry.Import
	elapsed time.Duration // upload stored and queued to import done
	fuzzy   time.Duration // last batch committed to import done: the fuzzy pass
	// fuzzyCmp is the part of the fuzzy pass before its first pair is written (reading
	// the blocks and comparing names); the rest queues the pairs, one audited insert
	// each.
	fuzzyCmp time.Duration
	heapPeak uint64
	sysPeak  uint64
	rssPeak  uint64 // 0 when the kernel's high-water mark could not be reset
	rssStart uint64
	load     [2]float64
}

// runImport imports the fixture into e through the registry service, as the server
// does, and measures it.
func runImport(tb testing.TB, e *engineDB, fx *fixture) importRun {
	tb.Helper()
	s := registry.New(e.db, regions, e.v, slog.New(slog.NewTextHandler(io.Discard, nil)),
		registry.Options{Province: province, DataDir: tb.TempDir(), Batch: batchSize()})
	if err := s.Start(e.ctx); err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	f, err := os.Open(fx.path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r importRun
	settle()
	if resetPeakRSS() {
		r.rssStart = procStatus("VmHWM")
	}
	r.load[0] = load1()
	smp := startSampler(20 * time.Millisecond)
	start := time.Now()
	im, err := s.CreateImport(e.ctx, e.who, registry.Household, filepath.Base(fx.path), f, fx.size+1)
	if err != nil {
		tb.Fatalf("create import: %v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 4*time.Hour)
	defer cancel()
	done, err := s.Wait(ctx, im.ID)
	r.elapsed = time.Since(start)
	r.heapPeak, r.sysPeak = smp.finish()
	if r.rssStart != 0 {
		r.rssPeak = procStatus("VmHWM")
	}
	r.load[1] = load1()
	if err != nil {
		tb.Fatalf("wait for import: %v", err)
	}
	if done.Status != registry.StatusDone {
		tb.Fatalf("import %s: status %s (%s)", done.ID, done.Status, done.Error)
	}
	r.im = done
	r.fuzzy, r.fuzzyCmp = fuzzyTime(tb, e, done.ID)
	return r
}

// fuzzyTime is the time from the import's last committed batch to its end, read from
// the audit log: the fuzzy de-duplication pass and the final status write; and the
// part of it before the pass queued its first pair (all of it when it queued none).
func fuzzyTime(tb testing.TB, e *engineDB, id string) (total, compare time.Duration) {
	tb.Helper()
	var lastBatch, doneAt time.Time
	var lastSeq int64
	rows, err := e.db.R().QueryContext(e.ctx, `SELECT action, at, seq FROM audit_log WHERE object_type = 'import' AND object_id = $1
		AND action IN ('import.batch', 'import.done') ORDER BY seq`, id)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action string
		var at time.Time
		var seq int64
		if err := rows.Scan(&action, &at, &seq); err != nil {
			tb.Fatal(err)
		}
		if action == "import.batch" {
			lastBatch, lastSeq = at, seq
		} else {
			doneAt = at
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if lastBatch.IsZero() || doneAt.IsZero() {
		tb.Fatalf("audit log of import %s lacks its batches or its end", id)
	}
	// The pass's pairs are audited after the last batch; nothing else writes then.
	compare = doneAt.Sub(lastBatch)
	var first time.Time
	err = e.db.R().QueryRowContext(e.ctx, `SELECT at FROM audit_log WHERE action = 'duplicate.queue' AND seq > $1
		ORDER BY seq LIMIT 1`, lastSeq).Scan(&first)
	switch {
	case err == nil && first.Before(doneAt):
		compare = first.Sub(lastBatch)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		tb.Fatal(err)
	}
	return doneAt.Sub(lastBatch), compare
}

// ---- the baseline: a bare insert of the same rows ----

type baselineRun struct {
	elapsed time.Duration // reading the file, preparing the values and inserting
	insert  time.Duration // inside the write transactions only
	rows    int           // data rows read
	skipped int           // rows whose Jenis Kelamin the members table's CHECK refuses
	members int64         // member rows inserted (a NIK already inserted is skipped by ON CONFLICT)
	targets int
	load    [2]float64
	rssPeak uint64 // VmHWM of the baseline phase (0 if it could not be reset)
}

var householdColumns = []string{"No KK", "NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Hubungan Keluarga", "Kelurahan",
	"RW", "RT", "Alamat KTP", "Alamat Domisili", "Telepon", "Tag"}

// runBaseline inserts the rows of the fixture into the same targets and members
// tables on e, with the same batch size, as plain multi-row INSERTs: no validation, no
// lookups of existing records, no de-duplication beyond grouping rows by their No. KK
// in memory (which the household model needs) and letting the members table's unique
// NIK index drop a NIK already inserted (ON CONFLICT DO NOTHING). Everything a stored
// row needs is computed inside the timed part, as the import computes it: the sealed
// and keyed-hash NIK and No. KK, their masks, the normalised name, a row hash, UUIDs.
// Rows whose Jenis Kelamin is not L or P are skipped, because the table's CHECK
// refuses them. The file is read with encoding/csv, as the import reads it.
func runBaseline(tb testing.TB, e *engineDB, fx *fixture) baselineRun {
	tb.Helper()
	batch := batchSize()
	f, err := os.Open(fx.path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r baselineRun
	settle()
	reset := resetPeakRSS()
	r.load[0] = load1()
	start := time.Now()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		tb.Fatal(err)
	}
	pos := map[string]int{}
	for i, h := range header {
		pos[strings.TrimPrefix(h, "\ufeff")] = i
	}
	col := make([]int, len(householdColumns))
	for i, name := range householdColumns {
		p, ok := pos[name]
		if !ok {
			tb.Fatalf("baseline: the file has no column %q", name)
		}
		col[i] = p
	}
	const imp = "baseline"
	kkTarget := map[string]string{}
	var targets, members [][]any
	line := 1
	flush := func() {
		if len(members) == 0 && len(targets) == 0 {
			return
		}
		t0 := time.Now()
		err := e.db.Write(e.ctx, func(ctx context.Context, tx *store.Tx) error {
			now := store.Now()
			if _, err := tx.Insert(ctx, `INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, domicile, phone,
				size, families, tags, id_enc, id_hash, id_mask, birth_date, sex, inst_kind, contact_name, lat, lon, row_hash, import_id,
				created_at, updated_at) VALUES `, "", targets, imp, now, now); err != nil {
				return err
			}
			n, err := tx.Insert(ctx, `INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, key_hash, name, name_norm,
				birth_date, sex, relation, tags, line, held, row_hash, import_id, created_at, updated_at) VALUES `,
				" ON CONFLICT DO NOTHING", members, imp, now, now)
			r.members += n
			return err
		})
		r.insert += time.Since(t0)
		if err != nil {
			tb.Fatalf("baseline insert: %v", err)
		}
		targets, members = targets[:0], members[:0]
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			tb.Fatalf("baseline: line %d: %v", line, err)
		}
		r.rows++
		cell := func(i int) string {
			if p := col[i]; p < len(rec) {
				return strings.TrimSpace(rec[p])
			}
			return ""
		}
		kk, nikNo, name, birth, sex, rel := cell(0), cell(1), cell(2), isoDate(cell(3)), cell(4), cell(5)
		village, rw, rt, addr, dom, phone, tags := cell(6), smallInt(cell(7)), smallInt(cell(8)), cell(9), cell(10), cell(11), cell(12)
		if sex != "L" && sex != "P" {
			r.skipped++
			continue
		}
		if tags != "" {
			tags = "," + tags + ","
		}
		tid, ok := kkTarget[kk]
		if !ok {
			tid = newOrderedID()
			kkTarget[kk] = tid
			enc, err := e.v.Seal([]byte(kk), vault.AD("targets", tid, "kk"))
			if err != nil {
				tb.Fatal(err)
			}
			targets = append(targets, []any{tid, "household", village, rw, rt, name, namematch.Normalize(name), addr, dom, phone,
				1, 1, tags, enc, store.HashArg(e.v.Hash("kk", kk)), nik.Mask(kk), "", "", "", "", nil, nil, rowHash(rec)})
			r.targets++
		}
		mid := newOrderedID()
		norm := namematch.Normalize(name)
		// A member without a NIK is stored as the import stores it: empty NIK
		// columns and a natural key.
		var enc, nikHash, key string
		if nikNo == "" {
			key = e.v.Hash("member_key", kk+"|"+norm+"|"+birth)
		} else {
			if enc, err = e.v.Seal([]byte(nikNo), vault.AD("members", mid, "nik")); err != nil {
				tb.Fatal(err)
			}
			nikHash = e.v.Hash("nik", nikNo)
		}
		members = append(members, []any{mid, tid, village, enc, store.HashArg(nikHash), nik.Mask(nikNo), key, name,
			norm, birth, sex, rel, tags, line, "", rowHash(rec)})
		if len(members) >= batch {
			flush()
		}
	}
	flush()
	r.elapsed = time.Since(start)
	r.load[1] = load1()
	if reset {
		r.rssPeak = procStatus("VmHWM")
	}
	return r
}

// isoDate turns DD/MM/YYYY into YYYY-MM-DD by position (anything else is kept as is).
func isoDate(s string) string {
	if len(s) == 10 && s[2] == '/' && s[5] == '/' {
		return s[6:] + "-" + s[3:5] + "-" + s[:2]
	}
	return s
}

// smallInt reads an RW or RT number; anything the column's CHECK would refuse is 0.
func smallInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 999 {
		return 0
	}
	return n
}

func rowHash(rec []string) string {
	h := sha256.New()
	for _, c := range rec {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ---- what the import made of the planted rows ----

type quality struct {
	exact, fuzzy           int // planted duplicates
	exactFound, fuzzyFound int
	// dupRejected counts planted duplicates the import rejected as invalid rows.
	// (Until members without a NIK were accepted, this was half of the fuzzy
	// duplicates: the generator plants them without a NIK.)
	dupRejected           int
	pairs, explained      int // duplicate pairs the import queued, and those the truth explains
	damaged, damagedRight int // damaged rows, and those with the expected outcome (rejected, or accepted)
	rejected              map[int]bool
	memberLines           int         // distinct file lines that still have a member row
	missed                []gen.Plant // planted duplicates not found, rows rejected as invalid aside
	unexplained           [][2]string // queued pairs the truth does not explain
}

func (q quality) recall() float64 {
	if q.exact+q.fuzzy == 0 {
		return 1
	}
	return float64(q.exactFound+q.fuzzyFound) / float64(q.exact+q.fuzzy)
}

// recallValid is the recall over the planted duplicates that the import accepted as
// valid rows (a rejected row never enters the registry, so it duplicates nothing).
func (q quality) recallValid() float64 {
	n := q.exact + q.fuzzy - q.dupRejected
	if n == 0 {
		return 1
	}
	return float64(q.exactFound+q.fuzzyFound) / float64(n)
}

func (q quality) recallOf(found, planted int) float64 {
	if planted == 0 {
		return 1
	}
	return float64(found) / float64(planted)
}

func (q quality) precision() float64 {
	if q.pairs == 0 {
		return 1
	}
	return float64(q.explained) / float64(q.pairs)
}

type memberAt struct {
	target, held string
	live         bool // not merged into another member
}

// assess compares what the import stored with the truth of the file:
//   - an exact duplicate is found when its row was merged (it left no member row and
//     no error) or went to review (held under its own No. KK, or its target paired with
//     the original's);
//   - a fuzzy duplicate is found when a duplicates pair links its target to the
//     original's target (an open pair for review, or one the import merged itself);
//   - a queued pair is explained when both its targets hold rows of the same person
//     according to the truth (an original and its duplicates); any other pair is a
//     false positive.
func assess(tb testing.TB, e *engineDB, importID string, truth gen.Truth) quality {
	tb.Helper()
	q := quality{rejected: map[int]bool{}}
	planted := map[int]gen.Plant{}
	for _, p := range truth.Planted {
		planted[p.Line] = p
	}
	// root is the line of the person a row is (a duplicate's original, followed back).
	root := func(line int) int {
		for range 100 {
			p, ok := planted[line]
			switch {
			case ok && p.ExactDupOf > 0:
				line = p.ExactDupOf
			case ok && p.FuzzyDupOf > 0:
				line = p.FuzzyDupOf
			default:
				return line
			}
		}
		return line
	}
	needed := map[int]bool{}
	for _, p := range truth.Planted {
		if p.Type != gen.TypeDamaged {
			needed[p.Line] = true
			needed[root(p.Line)] = true
			needed[p.ExactDupOf+p.FuzzyDupOf] = true
		}
	}
	at := map[int]memberAt{}
	lines := map[int]bool{}
	rows, err := e.db.R().QueryContext(e.ctx, `SELECT line, target_id, held, merged_into IS NULL FROM members WHERE import_id = $1`, importID)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var line int
		var m memberAt
		if err := rows.Scan(&line, &m.target, &m.held, &m.live); err != nil {
			tb.Fatal(err)
		}
		if m.live {
			lines[line] = true
		}
		if needed[line] {
			at[line] = m
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	rows.Close()
	q.memberLines = len(lines)
	clear(lines)
	rows, err = e.db.R().QueryContext(e.ctx, `SELECT DISTINCT line FROM import_errors WHERE import_id = $1`, importID)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var line int
		if err := rows.Scan(&line); err != nil {
			tb.Fatal(err)
		}
		q.rejected[line] = true
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	rows.Close()
	type pair struct{ a, b string }
	ordered := func(a, b string) pair {
		if b < a {
			a, b = b, a
		}
		return pair{a, b}
	}
	pairs := map[pair]bool{}
	rows, err = e.db.R().QueryContext(e.ctx, `SELECT target_a, target_b FROM duplicates WHERE import_id = $1`, importID)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			tb.Fatal(err)
		}
		pairs[ordered(a, b)] = true
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	rows.Close()
	q.pairs = len(pairs)

	// The targets holding each person's rows.
	targetsOf := map[int]map[string]bool{}
	for line := range needed {
		if m, ok := at[line]; ok {
			r := root(line)
			if targetsOf[r] == nil {
				targetsOf[r] = map[string]bool{}
			}
			targetsOf[r][m.target] = true
		}
	}
	explained := map[pair]bool{}
	for _, ts := range targetsOf {
		for a := range ts {
			for b := range ts {
				if a < b {
					explained[pair{a, b}] = true
				}
			}
		}
	}
	for p := range pairs {
		if explained[p] {
			q.explained++
		} else {
			q.unexplained = append(q.unexplained, [2]string{p.a, p.b})
		}
	}

	for _, p := range truth.Planted {
		found := false
		m, has := at[p.Line]
		orig, hasOrig := at[p.ExactDupOf+p.FuzzyDupOf]
		linked := has && hasOrig && m.target != orig.target && pairs[ordered(m.target, orig.target)]
		switch p.Type {
		case gen.TypeExactDup:
			q.exact++
			merged := !has && !q.rejected[p.Line]
			found = merged || (has && m.held != "") || linked
			if found {
				q.exactFound++
			}
		case gen.TypeFuzzyDup:
			q.fuzzy++
			found = linked
			if found {
				q.fuzzyFound++
			}
		case gen.TypeDamaged:
			q.damaged++
			if (p.Expect == gen.ExpectRejected) == q.rejected[p.Line] {
				q.damagedRight++
			}
			continue
		}
		switch {
		case !found && q.rejected[p.Line]:
			q.dupRejected++
		case !found:
			q.missed = append(q.missed, p)
		}
	}
	return q
}

// accounting checks what every import must satisfy, whatever its speed: every row of
// the file has exactly one outcome, the counters add up to the rows, every damaged row
// meant to be rejected is, and no ordinary row is (a planted duplicate without a NIK
// included: the import accepts people without one).
func accounting(im registry.Import, truth gen.Truth, q quality) []string {
	var bad []string
	sum := im.Accepted + im.Updated + im.Merged + im.Review + im.Rejected
	if im.RowsDone != truth.Rows || im.RowsTotal != truth.Rows {
		bad = append(bad, fmt.Sprintf("rows_done %d, rows_total %d; the file has %d rows", im.RowsDone, im.RowsTotal, truth.Rows))
	}
	if sum != truth.Rows {
		bad = append(bad, fmt.Sprintf("accepted+updated+merged+review+rejected = %d, the file has %d rows", sum, truth.Rows))
	}
	if im.Rejected != len(q.rejected) {
		bad = append(bad, fmt.Sprintf("rejected counter %d, but %d lines have errors", im.Rejected, len(q.rejected)))
	}
	wantRejected := map[int]bool{}
	for _, p := range truth.Planted {
		if p.Expect == gen.ExpectRejected {
			wantRejected[p.Line] = true
		}
	}
	for line := range wantRejected {
		if !q.rejected[line] {
			bad = append(bad, fmt.Sprintf("damaged line %d was not rejected", line))
		}
	}
	for line := range q.rejected {
		if !wantRejected[line] {
			bad = append(bad, fmt.Sprintf("line %d was rejected but is not a damaged row", line))
		}
	}
	// A row that left no live member row and no error was merged (an exact duplicate,
	// or a copy merged by the fuzzy pass), or updated a member that a later row of the
	// file updated again, or repeated a row already held for review.
	traceless := truth.Rows - q.memberLines - len(q.rejected)
	if traceless < im.Merged || traceless > im.Merged+im.Updated+im.Review {
		bad = append(bad, fmt.Sprintf("%d rows left neither a member nor an error; merged %d, updated %d, review %d",
			traceless, im.Merged, im.Updated, im.Review))
	}
	if len(bad) > 10 {
		bad = append(bad[:10], fmt.Sprintf("… and %d more", len(bad)-10))
	}
	return bad
}

// ---- the smoke test (plain go test) ----

func TestImportSmoke(t *testing.T) {
	fx := fixtureFor(t, smokeRows)
	for _, eng := range storetest.Engines(t) {
		t.Run(fmt.Sprintf("a %d-row household file on %s is fully accounted for and its damaged rows rejected", smokeRows, eng), func(t *testing.T) {
			e := freshDB(t, eng)
			r := runImport(t, e, fx)
			q := assess(t, e, r.im.ID, fx.truth)
			for _, msg := range accounting(r.im, fx.truth, q) {
				t.Error(msg)
			}
			if q.damagedRight != q.damaged {
				t.Errorf("%d of %d damaged rows had the expected outcome", q.damagedRight, q.damaged)
			}
			if q.exact == 0 || q.fuzzy == 0 {
				t.Errorf("the file has %d exact and %d fuzzy planted duplicates; the smoke test needs both", q.exact, q.fuzzy)
			}
			if r.fuzzy <= 0 || r.fuzzy > r.elapsed {
				t.Errorf("fuzzy pass time %v outside the import's %v", r.fuzzy, r.elapsed)
			}
			t.Logf("%s: %s; recall %.3f (exact %d/%d, fuzzy %d/%d; %d rejected as invalid rows; over valid rows %.3f), precision %.3f (%d/%d pairs), %.0f rows/s",
				eng, counts(r.im), q.recall(), q.exactFound, q.exact, q.fuzzyFound, q.fuzzy, q.dupRejected, q.recallValid(), q.precision(), q.explained, q.pairs,
				float64(fx.truth.Rows)/r.elapsed.Seconds())
		})
		t.Run(fmt.Sprintf("the bare-insert baseline on %s stores the rows of the same file", eng), func(t *testing.T) {
			e := freshDB(t, eng)
			b := runBaseline(t, e, fx)
			if b.rows != fx.truth.Rows {
				t.Errorf("baseline read %d rows, the file has %d", b.rows, fx.truth.Rows)
			}
			var members, targets int64
			if err := e.db.R().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM members`).Scan(&members); err != nil {
				t.Fatal(err)
			}
			if err := e.db.R().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM targets`).Scan(&targets); err != nil {
				t.Fatal(err)
			}
			if members != b.members || targets != int64(b.targets) {
				t.Errorf("tables hold %d members and %d targets; baseline reported %d and %d", members, targets, b.members, b.targets)
			}
			// Only a NIK already stored (exact duplicates; damaged NIKs that collide) and a
			// bad Jenis Kelamin are not.
			most := int64(fx.truth.ExactDups + fx.truth.FuzzyDups + fx.truth.Damaged)
			if lost := int64(b.rows) - members; lost < int64(fx.truth.ExactDups) || lost > most {
				t.Errorf("baseline stored %d of %d rows; between %d and %d should be missing", members, b.rows, fx.truth.ExactDups, most)
			}
		})
	}
}

// explain logs the planted duplicates the import missed, by kind of variant, and the
// pairs it queued that the truth does not explain; with detail, examples of both with
// the names involved and their namematch score.
func explain(tb testing.TB, e *engineDB, q quality, detail bool) {
	tb.Helper()
	byVariant := map[string]int{}
	for _, p := range q.missed {
		byVariant[p.Type+" "+p.Variant]++
	}
	keys := make([]string, 0, len(byVariant))
	for k := range byVariant {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, byVariant[k])
	}
	tb.Logf("  missed (rows not rejected): %d [%s]; unexplained pairs: %d", len(q.missed), strings.Join(parts, ", "), len(q.unexplained))
	if !detail {
		return
	}
	member := func(line int) (name, norm, region, birth string) {
		_ = e.db.R().QueryRowContext(e.ctx, `SELECT name, name_norm, region, birth_date FROM members WHERE line = $1`, line).
			Scan(&name, &norm, &region, &birth)
		return
	}
	for i, p := range q.missed {
		if i == 30 {
			break
		}
		n1, m1, r1, b1 := member(p.Line)
		n2, m2, r2, b2 := member(p.ExactDupOf + p.FuzzyDupOf)
		tb.Logf("  missed line %d %s %s: %q (%s %s) vs line %d %q (%s %s): score %.3f", p.Line, p.Type, p.Variant, n1, r1, b1,
			p.ExactDupOf+p.FuzzyDupOf, n2, r2, b2, namematch.Compare(m1, m2))
	}
	for i, u := range q.unexplained {
		if i == 30 {
			break
		}
		var reasons string
		_ = e.db.R().QueryRowContext(e.ctx, `SELECT reasons FROM duplicates WHERE target_a = $1 AND target_b = $2`, u[0], u[1]).Scan(&reasons)
		names := func(t string) string {
			rows, err := e.db.R().QueryContext(e.ctx, `SELECT name || ' ' || birth_date || ' ' || relation || ' line ' || line FROM members
				WHERE target_id = $1 ORDER BY line`, t)
			if err != nil {
				return err.Error()
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				_ = rows.Scan(&s)
				out = append(out, s)
			}
			return strings.Join(out, "; ")
		}
		tb.Logf("  unexplained %s: [%s] vs [%s]", reasons, names(u[0]), names(u[1]))
	}
}

func counts(im registry.Import) string {
	return fmt.Sprintf("accepted=%d updated=%d merged=%d review=%d rejected=%d", im.Accepted, im.Updated, im.Merged, im.Review, im.Rejected)
}

// ---- the benchmark ----

// BenchmarkImport imports a generated household file of GOTONG_BENCH_ROWS rows (with
// 2% exact and 2% fuzzy duplicates and 1% damaged rows planted) on every engine, and
// in the same iteration inserts the same rows bare into a second fresh database of
// the same engine. ns/op is the import alone. Metrics:
//
//	rows/s          import rate (file rows / wall time from upload to done)
//	base_rows/s     baseline rate (same rows; read, prepare and insert)
//	ratio           import rate / baseline rate (target ≥ 0.40)
//	ratio_ins       import rate / baseline rate counting only its write transactions
//	fuzzy_s         the fuzzy pass (last batch committed → import done)
//	fuzzy_cmp_s     its part before the first pair is queued (block read + name comparison)
//	heap_MiB        peak Go heap during the import (sampled every 20 ms)
//	rss_MiB         peak resident set of the process during the import (VmHWM)
//	recall, precision, recall_exact, recall_fuzzy   on the planted duplicates
//	recall_valid    recall over the planted duplicates the import did not reject
//	load1           one-minute load average when the import started
func BenchmarkImport(b *testing.B) {
	rows := envInt("GOTONG_BENCH_ROWS", 10000)
	fx := fixtureFor(b, rows)
	for _, eng := range storetest.Engines(b) {
		b.Run(fmt.Sprintf("rows=%d/%s", rows, eng), func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				e := freshDB(b, eng)
				b.StartTimer()
				r := runImport(b, e, fx)
				b.StopTimer()
				q := assess(b, e, r.im.ID, fx.truth)
				for _, msg := range accounting(r.im, fx.truth, q) {
					b.Error(msg)
				}
				rate := float64(fx.truth.Rows) / r.elapsed.Seconds()
				b.ReportMetric(rate, "rows/s")
				b.ReportMetric(r.fuzzy.Seconds(), "fuzzy_s")
				b.ReportMetric(r.fuzzyCmp.Seconds(), "fuzzy_cmp_s")
				b.ReportMetric(float64(r.heapPeak)/mib, "heap_MiB")
				b.ReportMetric(float64(r.rssPeak)/mib, "rss_MiB")
				b.ReportMetric(q.recall(), "recall")
				b.ReportMetric(q.recallOf(q.exactFound, q.exact), "recall_exact")
				b.ReportMetric(q.recallOf(q.fuzzyFound, q.fuzzy), "recall_fuzzy")
				b.ReportMetric(q.recallValid(), "recall_valid")
				b.ReportMetric(q.precision(), "precision")
				b.ReportMetric(r.load[0], "load1")
				b.Logf("import %s rows=%d bytes=%d: %v (%.0f rows/s), fuzzy pass %v (comparing %v), peak heap %.1f MiB, peak Sys %.1f MiB, peak RSS %.1f MiB (at start %.1f), load %.2f→%.2f",
					eng, fx.truth.Rows, fx.size, r.elapsed.Round(time.Millisecond), rate, r.fuzzy.Round(time.Millisecond), r.fuzzyCmp.Round(time.Millisecond),
					float64(r.heapPeak)/mib, float64(r.sysPeak)/mib, float64(r.rssPeak)/mib, float64(r.rssStart)/mib, r.load[0], r.load[1])
				b.Logf("  %s; pairs %d (explained %d); exact %d/%d, fuzzy %d/%d found, %d duplicates rejected as invalid rows; damaged right %d/%d",
					counts(r.im), q.pairs, q.explained, q.exactFound, q.exact, q.fuzzyFound, q.fuzzy, q.dupRejected, q.damagedRight, q.damaged)
				explain(b, e, q, os.Getenv("GOTONG_BENCH_EXPLAIN") != "")
				if os.Getenv("GOTONG_BENCH_BASELINE") == "0" {
					continue
				}
				base := runBaseline(b, freshDB(b, eng), fx)
				brate := float64(base.rows) / base.elapsed.Seconds()
				b.ReportMetric(brate, "base_rows/s")
				b.ReportMetric(rate/brate, "ratio")
				b.ReportMetric(base.insert.Seconds()/r.elapsed.Seconds(), "ratio_ins")
				b.Logf("  baseline %s: %v (%.0f rows/s), of which in write transactions %v; %d members, %d targets, %d rows skipped; peak RSS %.1f MiB; load %.2f→%.2f; ratio %.3f",
					eng, base.elapsed.Round(time.Millisecond), brate, base.insert.Round(time.Millisecond), base.members, base.targets,
					base.skipped, float64(base.rssPeak)/mib, base.load[0], base.load[1], rate/brate)
			}
		})
	}
}

// newOrderedID is an id as the registry makes it (UUIDv7, registry.newID), so that
// the baseline's inserts append to the primary key as the import's do.
func newOrderedID() string {
	u, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}
