package allocate_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

var regionSet = region.MustLoad(data.Regions)

// Some DKI kelurahan: two in one kecamatan of Jakarta Pusat, one in Jakarta Utara.
const (
	kelA = "31.71.01.1001"
	kelB = "31.71.01.1002"
	kelC = "31.72.01.1001"
)

// clock is a controllable clock shared by the services of a fixture.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// fixture is a database with the program and allocation services, an admin actor
// and helpers that write registry rows directly (the registry's own import is tested
// in its package).
type fixture struct {
	t     failer
	db    *store.DB
	ctx   context.Context
	clock *clock
	progs *program.Service
	alloc *allocate.Service
	seq   atomic.Int64
}

// failer is what the fixture needs of a test: a *testing.T, or a *rapid.T inside a
// property so that a failure is shrunk.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, clock: &clock{}}
	f.clock.now.Store(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC).UnixNano())
	f.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "test-admin", Label: "test", RemoteAddr: "local"})
	f.progs = program.New(db, regionSet, "31", allocate.NewNeeds(db))
	f.progs.Now = f.clock.Now
	f.alloc = allocate.New(db, f.progs, account.New(db, regionSet, account.Options{Province: "31"}), regionSet, "31", nil)
	f.alloc.Now = f.clock.Now
	f.exec(`INSERT INTO users (id, email, name, role, region, password_hash, created_at) VALUES ('test-admin', 'admin@test', 'Admin', 'admin', '', 'x', $1)`, f.clock.Now())
	return f
}

func (f *fixture) id(prefix string) string { return fmt.Sprintf("%s%06d", prefix, f.seq.Add(1)) }

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.db.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// org creates an organisation (verified or not) with one collaborator user.
func (f *fixture) org(verified bool) allocate.Who {
	f.t.Helper()
	org, user := f.id("org"), f.id("usr")
	status := "pending"
	if verified {
		status = "verified"
	}
	f.exec(`INSERT INTO organizations (id, name, kind, contact_name, contact_email, contact_phone, status, created_at)
		VALUES ($1, $2, 'ngo', 'Kontak', 'k@example.org', '+6281234567890', $3, $4)`, org, "Org "+org, status, f.clock.Now())
	f.exec(`INSERT INTO users (id, email, name, role, region, org_id, password_hash, created_at)
		VALUES ($1, $2, 'User', 'collaborator', '', $3, 'x', $4)`, user, user+"@example.org", org, f.clock.Now())
	return allocate.Who{UserID: user, OrgID: org}
}

// target inserts a registry target and returns its id.
func (f *fixture) target(kind, kel string, size, families int, tags ...string) string {
	f.t.Helper()
	id := f.id("tgt")
	tagList := ""
	if len(tags) > 0 {
		tagList = "," + strings.Join(tags, ",") + ","
	}
	rw := 0
	if kind == "rw" {
		rw = int(f.seq.Load()%900) + 1
	}
	f.exec(`INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, phone, size, families, tags, id_mask, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 1, $5, $6, 'Jl. Contoh 1', '+6281111111111', $7, $8, $9, '3171********0001', $10, $10)`,
		id, kind, kel, rw, "Target "+id, "target "+id, size, families, tagList, f.clock.Now().Add(time.Duration(f.seq.Load())*time.Second))
	if kind == "household" {
		f.exec(`INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, name, name_norm, birth_date, sex, relation, row_hash, created_at, updated_at)
			VALUES ($1, $2, $3, 'sealed', $6, '3171********0001', $4, $4, '1970-01-01', 'L', 'Kepala Keluarga', 'h', $5, $5)`,
			f.id("mbr"), id, kel, "Kepala "+id, f.clock.Now(), fakeHash(id))
	}
	return id
}

// fakeHash stands in for a member's keyed NIK hash (32 bytes, unique per seed).
func fakeHash(seed string) []byte {
	h := sha256.Sum256([]byte(seed))
	return h[:]
}

// program creates and publishes a program.
func (f *fixture) program(in program.Input) program.Program {
	f.t.Helper()
	if in.Name == "" {
		in.Name = "Program " + f.id("")
	}
	if in.Category == "" {
		in.Category = "pangan"
	}
	if in.Item.Name == "" {
		in.Item = program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000}
	}
	if in.TargetKinds == nil {
		in.TargetKinds = []string{"household", "rw", "institution", "person"}
	}
	if in.Phases == nil {
		in.Phases = []program.PhaseInput{{Name: "Minggu 1", Start: "2026-05-04", End: "2026-05-10"}, {Name: "Minggu 2", Start: "2026-05-11", End: "2026-05-17"}}
	}
	if in.QuantityRule == "" {
		in.QuantityRule = program.PerTarget
	}
	p, err := f.progs.Create(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create program: %v", err)
	}
	p, _, err = f.progs.Publish(f.ctx, p.ID)
	if err != nil {
		f.t.Fatalf("publish: %v", err)
	}
	return p
}

func (f *fixture) commit(who allocate.Who, req allocate.Request) allocate.Commitment {
	f.t.Helper()
	if req.DeliverBy == "" {
		req.DeliverBy = "2026-05-09"
	}
	c, err := f.alloc.Commit(f.ctx, who, req)
	if err != nil {
		f.t.Fatalf("commit %+v: %v", req, err)
	}
	return c
}

// invariants checks DESIGN.md §2.1 and the engine's bookkeeping on the whole
// database: no need over-allocated; each need's counter equals the sum of the
// allocations holding it; each commitment's counters equal its allocations; and
// nothing a commitment asked for is lost (allocated + waiting + released <= requested).
func (f *fixture) invariants() {
	f.t.Helper()
	if d, _ := f.db.Retries(); d != 0 {
		// Retried transactions recover, but a deadlock means two code paths take
		// locks in opposite orders: under load they serialise on the detector.
		f.t.Fatalf("PostgreSQL broke %d deadlocks; lock order is inconsistent", d)
	}
	q := func(name, query string) {
		f.t.Helper()
		var n int
		if err := f.db.R().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
			f.t.Fatalf("%s: %v", name, err)
		}
		if n != 0 {
			f.t.Fatalf("invariant broken: %s (%d rows)", name, n)
		}
	}
	q("need over-allocated", `SELECT COUNT(*) FROM needs WHERE allocated > quantity OR allocated < 0`)
	q("need counter differs from its allocations", `SELECT COUNT(*) FROM needs n WHERE n.allocated <>
		COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.need_id = n.id AND a.status IN ('reserved','dispatched','delivered')), 0)`)
	q("commitment counter differs from its allocations", `SELECT COUNT(*) FROM commitments c WHERE c.allocated <>
		COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status IN ('reserved','dispatched','delivered')), 0)`)
	q("commitment released differs from its ended allocations", `SELECT COUNT(*) FROM commitments c WHERE c.released <>
		COALESCE((SELECT SUM(a.quantity) FROM allocations a WHERE a.commitment_id = c.id AND a.status IN ('failed','expired','cancelled')), 0)`)
	q("commitment units unaccounted", `SELECT COUNT(*) FROM commitments WHERE status <> 'cancelled' AND allocated + waiting + released <> requested`)
	q("indivisible need split", `SELECT COUNT(*) FROM needs n WHERE n.kind IN ('household','person') AND
		(SELECT COUNT(*) FROM allocations a WHERE a.need_id = n.id AND a.status IN ('reserved','dispatched','delivered')) > 1`)
	q("stacked target", `SELECT COUNT(*) FROM needs n JOIN needs o ON o.target_id = n.target_id AND o.program_id < n.program_id
		AND o.stack_group = n.stack_group AND n.stack_group <> '' AND o.starts <= n.ends AND n.starts <= o.ends
		WHERE n.allocated > 0 AND o.allocated > 0`)
	q("waiting while a need it could take is free", `SELECT COUNT(*) FROM commitments c JOIN programs p ON p.id = c.program_id
		WHERE c.waiting > 0 AND c.status <> 'cancelled' AND p.status = 'published' AND EXISTS (SELECT 1 FROM needs n
		WHERE n.phase_id = c.phase_id AND n.state = 'open' AND n.allocated < n.quantity
		  AND (n.kind IN ('rw','institution') OR n.quantity - n.allocated <= c.waiting)
		  AND ((c.region <> '' AND n.region >= c.region AND n.region < c.region || '~')
		    OR n.target_id IN (SELECT target_id FROM commitment_targets ct WHERE ct.commitment_id = c.id))
		  AND (n.stack_group = '' OR NOT EXISTS (SELECT 1 FROM needs o WHERE o.target_id = n.target_id
		    AND o.stack_group = n.stack_group AND o.program_id <> n.program_id AND o.allocated > 0
		    AND o.starts <= n.ends AND n.starts <= o.ends)))`)
}

// count runs a COUNT (or any single-integer) query on the read pool.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// audited counts the audit entries of an action on an object ("" for any object).
func (f *fixture) audited(action, objectID string) int {
	f.t.Helper()
	return f.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND ($2 = '' OR object_id = $2)`, action, objectID)
}

// get reads a commitment as an admin.
func (f *fixture) get(id string) allocate.Commitment {
	f.t.Helper()
	c, err := f.alloc.Get(f.ctx, allocate.Who{Role: account.Admin}, id)
	if err != nil {
		f.t.Fatalf("get commitment %s: %v", id, err)
	}
	return c
}

// allocations lists a commitment's allocations as who.
func (f *fixture) allocations(who allocate.Who, commitmentID string) []allocate.Allocation {
	f.t.Helper()
	items, _, err := f.alloc.Allocations(f.ctx, who, commitmentID, "", 500)
	if err != nil {
		f.t.Fatalf("allocations of %s: %v", commitmentID, err)
	}
	return items
}

// sync does what App.FollowRegistry does after a registry change.
func (f *fixture) sync() []program.SyncResult {
	f.t.Helper()
	res, err := f.progs.Sync(f.ctx)
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	if len(res) > 0 {
		if _, err := f.alloc.FillAllWaiting(f.ctx); err != nil {
			f.t.Fatalf("fill waiting: %v", err)
		}
	}
	return res
}
