package program_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var regions = region.MustLoad(data.Regions)

// Two kelurahan of Jakarta Pusat (31.71) and one of Jakarta Utara (31.72).
const (
	kelA = "31.71.01.1001"
	kelB = "31.71.01.1002"
	kelC = "31.72.01.1001"
)

// env is a database with the program service wired to its needs' owner, as app
// wires it, and helpers that write registry rows directly.
type env struct {
	t    *testing.T
	db   *store.DB
	ctx  context.Context
	now  time.Time
	seq  int
	svc  *program.Service
	tick time.Duration
}

func newEnv(t *testing.T, db *store.DB) *env {
	e := &env{t: t, db: db, now: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)}
	e.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "admin", Label: "admin@test", RemoteAddr: "local"})
	e.svc = program.New(db, regions, "31", allocate.NewNeeds(db))
	// Each call of the clock is a second later, so that creation times differ.
	e.svc.Now = func() time.Time { e.tick += time.Second; return e.now.Add(e.tick) }
	return e
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if err := e.db.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// target writes a registry target: size people, families families, tags.
func (e *env) target(kind, kel string, size, families int, tags ...string) string {
	e.t.Helper()
	e.seq++
	id := fmt.Sprintf("tgt%04d", e.seq)
	tagList := ""
	if len(tags) > 0 {
		tagList = "," + strings.Join(tags, ",") + ","
	}
	e.exec(`INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, phone, size, families, tags, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 1, $5, $5, 'Jl. Contoh 1', '', $6, $7, $8, $9, $9)`,
		id, kind, kel, e.seq, "Target "+id, size, families, tagList, e.now.Add(time.Duration(e.seq)*time.Second))
	return id
}

func input(name string) program.Input {
	return program.Input{Name: name, Category: "pangan", Item: program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000},
		TargetKinds: []string{"household", "person", "rw", "institution"}, QuantityRule: program.PerTarget,
		Phases: []program.PhaseInput{{Name: "Minggu 1", Start: "2026-05-04", End: "2026-05-10"}, {Name: "Minggu 2", Start: "2026-05-11", End: "2026-05-17"}}}
}

func (e *env) create(in program.Input) program.Program {
	e.t.Helper()
	p, err := e.svc.Create(e.ctx, in)
	if err != nil {
		e.t.Fatalf("create %s: %v", in.Name, err)
	}
	return p
}

func (e *env) publish(in program.Input) (program.Program, int) {
	e.t.Helper()
	p, n, err := e.svc.Publish(e.ctx, e.create(in).ID)
	if err != nil {
		e.t.Fatalf("publish %s: %v", in.Name, err)
	}
	return p, n
}

func TestCreateRefusesWhatAProgramCannotBe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bad := map[string]func(in *program.Input){
			"no target kind":            func(in *program.Input) { in.TargetKinds = nil },
			"an unknown target kind":    func(in *program.Input) { in.TargetKinds = []string{"village"} },
			"a region outside DKI":      func(in *program.Input) { in.Regions = []string{"32.01"} },
			"an unknown quantity rule":  func(in *program.Input) { in.QuantityRule = "per_week" },
			"a name that reorders text": func(in *program.Input) { in.Name = "Bantuan \u202eisnap" },
			"a phase ending before it starts": func(in *program.Input) {
				in.Phases = []program.PhaseInput{{Name: "M1", Start: "2026-05-10", End: "2026-05-04"}}
			},
			"overlapping phases": func(in *program.Input) {
				in.Phases = []program.PhaseInput{{Name: "M1", Start: "2026-05-04", End: "2026-05-10"}, {Name: "M2", Start: "2026-05-10", End: "2026-05-17"}}
			},
			"two phases of one name": func(in *program.Input) {
				in.Phases = []program.PhaseInput{{Name: "M1", Start: "2026-05-04", End: "2026-05-05"}, {Name: "M1", Start: "2026-05-06", End: "2026-05-07"}}
			},
			"no phase":      func(in *program.Input) { in.Phases = nil },
			"hold too long": func(in *program.Input) { in.HoldHours = 24*60 + 1 },
		}
		for name, spoil := range bad {
			in := input("Bantuan pangan")
			spoil(&in)
			if _, err := e.svc.Create(e.ctx, in); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM programs`); n != 0 {
			t.Fatalf("refused programs were stored: %d", n)
		}

		p := e.create(input("  Bantuan pangan  "))
		if p.Name != "Bantuan pangan" || p.Status != program.Draft || p.StackGroup != "pangan" || p.HoldHours != 72 ||
			!slices.Equal(p.PriorityTags, program.DefaultPriorityTags) || len(p.Phases) != 2 || p.Phases[0].ID == "" {
			t.Fatalf("created %+v", p)
		}
		if _, err := e.svc.Get(e.ctx, p.ID, false); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a draft is visible without drafts: %v", err)
		}
		got, err := e.svc.Get(e.ctx, p.ID, true)
		if err != nil || got.Name != p.Name || len(got.Phases) != 2 || got.Phases[1].Name != "Minggu 2" {
			t.Fatalf("get: %+v, %v", got, err)
		}
	})
}

func TestPublishDrawsNeedsFromEligibleTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.target("household", kelA, 4, 1)
		e.target("person", kelB, 1, 1, "lansia")
		e.target("rw", kelA, 320, 80)
		e.target("institution", kelB, 50, 1)
		e.target("household", kelC, 3, 1) // outside the program's regions
		merged := e.target("household", kelA, 5, 1)
		e.exec(`UPDATE targets SET merged_into = $1 WHERE id = $2`, "tgt0001", merged)
		held := e.target("household", kelA, 2, 1)
		e.exec(`UPDATE targets SET held = 'dup1' WHERE id = $1`, held)

		in := input("Bantuan keluarga")
		in.Regions = []string{"31.71"}
		in.QuantityRule = program.PerFamily
		p, n := e.publish(in)
		// 4 targets (Jakarta Pusat, live, not held) × 2 phases.
		if n != 8 || p.Status != program.Published || p.PublishedAt == nil {
			t.Fatalf("published %d needs, status %s", n, p.Status)
		}
		cov, err := e.svc.Coverage(e.ctx, p, "31.71", "Minggu 1")
		if err != nil {
			t.Fatal(err)
		}
		// Per family: the household, the person and the institution 1 each, the RW 80.
		if cov.Needed != 83 || cov.Phase != "Minggu 1" || len(cov.Children) == 0 {
			t.Fatalf("coverage %+v", cov)
		}
		for _, ch := range cov.Children {
			if ch.Code == "31.71.01" && ch.Needed != 83 || ch.Code != "31.71.01" && ch.Needed != 0 {
				t.Errorf("kecamatan %s needs %d", ch.Code, ch.Needed)
			}
		}
		all, err := e.svc.Coverage(e.ctx, p, "", "")
		if err != nil || all.Needed != 166 || all.Region != "31" {
			t.Fatalf("province coverage %+v, %v", all, err)
		}
		if _, err := e.svc.Coverage(e.ctx, p, "", "Minggu 9"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown phase: %v", err)
		}
		if _, _, err := e.svc.Publish(e.ctx, p.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("published twice: %v", err)
		}
		// A tag narrows the targets; per person counts people.
		tagged := input("Bantuan lansia")
		tagged.Tags = []string{"lansia"}
		tagged.QuantityRule = program.PerPerson
		if _, n := e.publish(tagged); n != 2 {
			t.Fatalf("tagged program drew %d needs, want 2", n)
		}
	})
}

func TestSyncFollowsTheRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.target("household", kelA, 4, 1)
		b := e.target("household", kelB, 2, 1)
		in := input("Bantuan")
		in.QuantityRule = program.PerPerson
		p, _ := e.publish(in)
		later := e.now.Add(time.Hour)
		e.target("household", kelA, 3, 1)
		e.exec(`UPDATE targets SET size = 6, updated_at = $1 WHERE id = $2`, later, a)
		e.exec(`UPDATE targets SET merged_into = $1, updated_at = $2 WHERE id = $3`, a, later, b)
		res, err := e.svc.Sync(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := program.SyncResult{ProgramID: p.ID, Added: 2, Voided: 2, Resized: 2}
		if len(res) != 1 || res[0] != want {
			t.Fatalf("sync %+v, want %+v", res, want)
		}
		if res, err := e.svc.Sync(e.ctx); err != nil || len(res) != 0 {
			t.Fatalf("a second sync changed %+v, %v", res, err)
		}
		cov, err := e.svc.Coverage(e.ctx, p, "", "")
		if err != nil || cov.Needed != 2*(6+3) {
			t.Fatalf("coverage after sync %+v, %v", cov, err)
		}
	})
}

func TestCloseEndsOnlyAPublishedProgram(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.target("household", kelA, 4, 1)
		draft := e.create(input("Draf"))
		if _, err := e.svc.Close(e.ctx, draft.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("closed a draft: %v", err)
		}
		p, _ := e.publish(input("Bantuan"))
		closed, err := e.svc.Close(e.ctx, p.ID)
		if err != nil || closed.Status != program.Closed || closed.ClosedAt == nil {
			t.Fatalf("close: %+v, %v", closed, err)
		}
		if _, err := e.svc.Close(e.ctx, p.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("closed twice: %v", err)
		}
		// The public picture counts closed programs and leaves drafts out.
		pr, err := e.svc.Progress(e.ctx)
		if err != nil || pr.Programs != 1 || pr.Needed != 2 || len(pr.Regions) != len(regions.Children("31")) {
			t.Fatalf("progress %+v, %v", pr, err)
		}
		if _, err := e.svc.Close(e.ctx, "nope"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("closed a missing program: %v", err)
		}
	})
}

func TestStackingGroupsAndOverlaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.target("household", kelA, 4, 1)
		first, _ := e.publish(input("Sembako"))
		second, _ := e.publish(input("Beras"))
		later := input("Sembako Juni")
		later.Phases = []program.PhaseInput{{Name: "Juni", Start: "2026-06-01", End: "2026-06-07"}}
		e.publish(later)
		other := input("Masker")
		other.Category = "apd"
		e.publish(other)
		e.create(input("Draf pangan"))

		names := func(p program.Program) []string {
			t.Helper()
			os, err := e.svc.Overlaps(e.ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range os {
				out = append(out, o.Name)
			}
			return out
		}
		// Same group, overlapping phases: not another group, not later phases, not drafts.
		if got := names(first); !slices.Equal(got, []string{"Beras"}) {
			t.Fatalf("overlaps of %s: %v", first.Name, got)
		}
		if _, err := e.svc.SetStacking(e.ctx, second.ID, "", true, "x"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("stacking without a reason: %v", err)
		}
		s, err := e.svc.SetStacking(e.ctx, second.ID, "", true, "ransum darurat boleh bertumpuk")
		if err != nil || !s.StackExempt || s.StackGroup != "pangan" {
			t.Fatalf("exempt: %+v, %v", s, err)
		}
		if got := names(first); len(got) != 0 {
			t.Fatalf("an exempt program still overlaps: %v", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM needs WHERE program_id = $1 AND stack_group <> ''`, second.ID); n != 0 {
			t.Fatalf("%d needs of an exempt program keep a stack group", n)
		}
		if _, err := e.svc.SetStacking(e.ctx, second.ID, "apd", false, "sebenarnya alat pelindung"); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM needs WHERE program_id = $1 AND stack_group = 'apd'`, second.ID); n != 2 {
			t.Fatalf("%d needs moved to the new group, want 2", n)
		}
		if got := names(first); len(got) != 0 {
			t.Fatalf("a program of another group overlaps: %v", got)
		}
	})
}

func TestListPagesNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var want []string
		for i := range 5 {
			p, _ := e.publish(input(fmt.Sprintf("Program %d", i)))
			want = append([]string{p.ID}, want...)
		}
		draft := e.create(input("Draf"))
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			ps, next, err := e.svc.List(e.ctx, program.Filter{Cursor: cursor, Limit: 2})
			if err != nil || pages > 5 {
				t.Fatalf("list: %v after %d pages", err, pages)
			}
			for _, p := range ps {
				if len(p.Phases) != 2 {
					t.Fatalf("%s listed with %d phases", p.Name, len(p.Phases))
				}
				got = append(got, p.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("listed %v, want %v", got, want)
		}
		all, _, err := e.svc.List(e.ctx, program.Filter{Drafts: true, Status: program.Draft})
		if err != nil || len(all) != 1 || all[0].ID != draft.ID {
			t.Fatalf("drafts: %+v, %v", all, err)
		}
		if _, _, err := e.svc.List(e.ctx, program.Filter{Cursor: "not a cursor"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a bad cursor: %v", err)
		}
	})
}
