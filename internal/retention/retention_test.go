package retention_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/retention"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

const householdHeader = "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"

// person is one household of the fixture, with the values the purge must remove.
type person struct {
	kk, nik, name, birth, phone, address, tags string
}

func (p person) row() string {
	return strings.Join([]string{p.kk, p.nik, p.name, p.birth, "P", "Kepala Keluarga", "31.71.02.1001", "3", "2", p.address, "", p.phone,
		`"` + p.tags + `"`}, ",") + "\n"
}

// people: Ani and Cici are only in the program that closes; Budi (lansia) is in
// the one that stays open as well, and Dedi (disabilitas) is who a draft program
// is for.
var people = []person{
	{kk: "3171020101207701", nik: "3171024502807701", name: "Ani Purnamasari", birth: "1980-02-05", phone: "081377017701", address: "Jl. Lupa Satu No. 1"},
	{kk: "3171020101207702", nik: "3171024502807702", name: "Budi Tetap Ingat", birth: "1980-02-05", phone: "081377017702", address: "Jl. Ingat No. 2", tags: "lansia"},
	{kk: "3171020101207703", nik: "3171024502807703", name: "Cici Terhapus", birth: "1980-02-05", phone: "081377017703", address: "Jl. Lupa Tiga No. 3"},
	{kk: "3171020101207704", nik: "3171024502807704", name: "Dedi Dinanti", birth: "1980-02-05", phone: "081377017704", address: "Jl. Nanti No. 4", tags: "disabilitas"},
}

// aniAgain is Ani registered a second time, under another No. KK and address.
var aniAgain = person{kk: "3171020101207709", nik: "3171024502807709", name: "Ani Purnamasari", birth: "1980-02-05", phone: "081377017709", address: "Jl. Dobel Ani No. 9"}

func photo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func weeks() []program.PhaseInput {
	start := time.Now().In(time.FixedZone("WIB", 7*3600))
	return []program.PhaseInput{{Name: "Minggu 1", Start: start.Format(time.DateOnly), End: start.AddDate(0, 0, 6).Format(time.DateOnly)}}
}

// fixture builds, on a running server, a program with three households, a
// commitment, a courier's run and a photo proof, and a second program sharing one
// household; it closes the first and returns it with the proof's photo path.
func fixture(t *testing.T, s *apptest.Server) (closed program.Program, photoPath string) {
	t.Helper()
	ctx := s.Ctx()
	admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	load := func(file string) registry.Import {
		im, err := s.App.Registry.CreateImport(ctx, registry.Importer{UserID: admin.ID, Email: admin.Email, Scope: "31"}, registry.Household, "lupa.csv", strings.NewReader(file), 0)
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if im, err = s.App.Registry.Wait(wctx, im.ID); err != nil || im.Status != registry.StatusDone {
			t.Fatalf("import: %+v, %v", im, err)
		}
		return im
	}
	file := householdHeader
	for _, p := range people {
		file += p.row()
	}
	if im := load(file); im.Accepted != 4 {
		t.Fatalf("import: %+v", im)
	}
	// Ani again under another No. KK: the office merges the pair, and the record
	// merged away holds Ani's data as well.
	if im := load(householdHeader + aniAgain.row()); im.Review != 1 {
		t.Fatalf("Ani's second record: %+v, want one pair to review", im)
	}
	staff := registry.Viewer{Scope: "31", Office: true}
	pairs, _, err := s.App.Registry.ListDuplicates(ctx, staff, "open", 10, "")
	if err != nil || len(pairs) != 1 {
		t.Fatalf("%d pairs, %v", len(pairs), err)
	}
	var first string
	if err := s.App.DB.R().QueryRowContext(ctx, `SELECT id FROM targets WHERE address = $1`, people[0].address).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Registry.Resolve(ctx, staff, pairs[0].ID, "merge", first); err != nil {
		t.Fatal(err)
	}
	publish := func(name string, tags []string) program.Program {
		p, err := s.App.Programs.Create(ctx, program.Input{Name: name, Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
			TargetKinds: []string{"household"}, Regions: []string{"31.71.02"}, Tags: tags, Phases: weeks(), QuantityRule: program.PerTarget})
		if err != nil {
			t.Fatal(err)
		}
		if p, _, err = s.App.Programs.Publish(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		return p
	}
	closed = publish("Sembako Lupa", nil)
	publish("Sembako Lansia", []string{"lansia"}) // Budi only: stays open
	if _, err := s.App.Programs.Create(ctx, program.Input{Name: "Alat Bantu", Category: "kesehatan", Item: program.Item{Name: "Kursi roda", Unit: "unit", UnitValue: 900000},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02"}, Tags: []string{"disabilitas"}, Phases: weeks(), QuantityRule: program.PerTarget}); err != nil {
		t.Fatal(err) // a draft, for Dedi
	}
	_, collab, _ := s.Org(t, "Yayasan Lupa", true)
	c, err := s.App.Allocations.Commit(ctx, allocate.Who{UserID: collab.ID, OrgID: collab.OrgID},
		allocate.Request{ProgramID: closed.ID, Phase: "Minggu 1", Quantity: 4, Region: "31.71.02.1001", DeliverBy: time.Now().AddDate(0, 0, 2).Format(time.DateOnly)})
	if err != nil || c.Allocated != 4 {
		t.Fatalf("commit: %+v, %v", c, err)
	}
	allocs, err := store.All(ctx, s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID)
	if err != nil || len(allocs) != 4 {
		t.Fatalf("%d allocations, %v", len(allocs), err)
	}
	who := deliver.Who{UserID: collab.ID, Role: account.Collaborator, OrgID: collab.OrgID, OrgVerified: true}
	if _, err := s.App.Deliveries.Create(ctx, who, deliver.CreateInput{CommitmentID: c.ID, AllocationIDs: allocs,
		Courier: deliver.Courier{Provider: "gosend", Name: "Kurir Lupaan", Phone: "0812-7777-0101", Plate: "B 7701 LUP", BookingRef: "GS-LUPA-1"}}); err != nil {
		t.Fatal(err)
	}
	// The collaborator reads its recipients' contact details: recipient_reveals.
	if r := s.As(t, collab.ID).Do(t, "GET", "/api/v1/commitments/"+c.ID+"/allocations", nil); r.Status != 200 || !strings.Contains(string(r.Body), people[0].phone[1:]) {
		t.Fatalf("the collaborator's recipients: %d %s", r.Status, r.Body)
	}
	if n, err := s.App.Allocations.Dispatch(ctx, allocate.Who{UserID: collab.ID, OrgID: collab.OrgID}, allocs); err != nil || n != 4 {
		t.Fatalf("dispatch: %d, %v", n, err)
	}
	// Every delivery lands with a photo, so whichever households are purged, a
	// photo of theirs is.
	var ani string
	for _, a := range allocs {
		var name string
		if err := s.App.DB.R().QueryRowContext(ctx, `SELECT t.name FROM allocations a JOIN targets t ON t.id = a.target_id WHERE a.id = $1`, a).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name == people[0].name {
			ani = a
		}
		if _, err := s.App.Deliveries.Deliver(ctx, who, a, deliver.Proof{ReceivedBy: "Penerima " + name, Photo: bytes.NewReader(photo(t))}); err != nil {
			t.Fatal(err)
		}
	}
	if photoPath, err = s.App.Deliveries.PhotoPath(ctx, ani); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(photoPath); err != nil {
		t.Fatalf("the proof's photo: %v", err)
	}
	if closed, err = s.App.Programs.Close(ctx, closed.ID); err != nil {
		t.Fatal(err)
	}
	return closed, photoPath
}

// tables lists the database's tables.
func tables(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.Engine == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names, err := store.All(s.Ctx(), s.App.DB.R(), store.String, q)
	if err != nil || len(names) < 20 {
		t.Fatalf("%d tables, %v", len(names), err)
	}
	sort.Strings(names)
	return names
}

// moving are tables that background workers change by themselves (the counters'
// fold, the outbox's sender, sessions): left out of the before/after comparisons,
// not of the search.
var moving = map[string]bool{"counters": true, "counter_deltas": true, "outbox": true, "sessions": true, "goose_db_version": true}

// waitOutboxQuiet waits until no message is queued or being sent.
func waitOutboxQuiet(t *testing.T, s *apptest.Server) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%d messages still queued after 30 s", n)
		}
	}
}

// dump renders every row of every table as text, table by table.
func dump(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range tables(t, s) {
		rows, err := s.App.DB.R().QueryContext(s.Ctx(), `SELECT * FROM `+tb)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		types, _ := rows.ColumnTypes()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if raw, ok := v.([]byte); ok {
					// Binary columns (the keyed hashes) as hex, as secrets reads them:
					// their bytes may hold a newline, which would split a row.
					if tn := strings.ToUpper(types[i].DatabaseTypeName()); tn == "BLOB" || tn == "BYTEA" {
						v = hex.EncodeToString(raw)
					} else {
						v = string(raw)
					}
				}
				fmt.Fprintf(&b, "%s=%v|", cols[i], v)
			}
			lines = append(lines, b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		out[tb] = strings.Join(lines, "\n")
	}
	return out
}

func same(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	for tb, v := range a {
		if !moving[tb] && b[tb] != v {
			t.Errorf("%s: table %s changed:\nbefore %s\nafter  %s", what, tb, v, b[tb])
		}
	}
}

// secrets are the stored forms of a person's data: sealed values, keyed hashes and
// row hashes, read before the purge.
func secrets(t *testing.T, s *apptest.Server, name string) []string {
	t.Helper()
	var out []string
	err := store.Each(s.Ctx(), s.App.DB.R(), func(r store.Scanner) error {
		var a, b, c, d, e, f, g string
		if err := r.Scan(&a, store.HashText(&b), &c, &d, &e, store.HashText(&f), &g); err != nil {
			return err
		}
		for _, v := range []string{a, b, c, d, e, f, g} {
			if len(v) >= 8 {
				out = append(out, v)
			}
		}
		return nil
	}, `SELECT m.nik_enc, m.nik_hash, m.key_hash, m.row_hash, t.id_enc, t.id_hash, t.row_hash
		FROM members m JOIN targets t ON t.id = m.target_id WHERE m.nik_hash IN (SELECT nik_hash FROM members WHERE name = $1)`, name)
	if err != nil || len(out) < 5 {
		t.Fatalf("%d stored forms of %s, %v", len(out), name, err)
	}
	return out
}

// whole fails unless the household's data is all there, its proof's too.
func whole(t *testing.T, s *apptest.Server, after map[string]string, b person) {
	t.Helper()
	var phone, address, mask, held string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT phone, address, id_mask, held FROM targets WHERE name = $1`, b.name).
		Scan(&phone, &address, &mask, &held); err != nil {
		t.Fatalf("%s is gone: %v", b.name, err)
	}
	if phone != "+62"+b.phone[1:] || address != b.address || mask == "" || held != "" {
		t.Fatalf("%s changed: %q %q %q %q", b.name, phone, address, mask, held)
	}
	if !strings.Contains(after["members"], b.name) || !strings.Contains(after["delivery_proofs"], "Penerima "+b.name) {
		t.Fatalf("%s's member row or proof lost the name", b.name)
	}
}

type figures struct{ summary, coverage, dashboard string }

func read(t *testing.T, s *apptest.Server, admin *apptest.Client, programID string) figures {
	t.Helper()
	if d, _, err := s.App.Monitor.Verify(s.Ctx()); err != nil || d != nil {
		t.Fatalf("counters verify: %v, %v", d, err)
	}
	get := func(c *apptest.Client, path string) string {
		r := c.Do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		return string(r.Body)
	}
	return figures{get(s.Client(), "/api/v1/public/summary"), get(admin, "/api/v1/programs/"+programID+"/coverage"), get(admin, "/api/v1/dashboard?program="+programID)}
}

func auditOK(t *testing.T, s *apptest.Server) {
	t.Helper()
	if p, _, err := audit.Verify(s.Ctx(), s.App.DB.R(), s.App.DB.AuditKey); err != nil || p != nil {
		t.Fatalf("audit verify: %v, %v", p, err)
	}
}

// failingHelp fails its nth call: a purge that stops half-way.
type failingHelp struct{ calls, failAt int }

func (f *failingHelp) PurgeHelpRequests(ctx context.Context, tx *store.Tx, programID string, targetIDs []string) (int64, error) {
	f.calls++
	if f.calls == f.failAt {
		return 0, errors.New("killed half-way")
	}
	return int64(len(targetIDs)), nil
}

func TestPurgeForgetsClosedProgramsPeopleAndKeepsEveryCount(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			ctx := s.Ctx()
			closed, photoPath := fixture(t, s)
			admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			asAdmin := s.As(t, admin.ID)
			var needles []string
			for _, p := range []person{people[0], people[2], aniAgain} {
				// Phones are stored +62…: the number after its leading 0 is in both forms.
				needles = append(needles, p.kk, p.nik, p.name, strings.ToLower(p.name), p.phone[1:], p.address)
				needles = append(needles, secrets(t, s, p.name)...)
			}
			needles = append(needles, "Kurir Lupaan", "77770101", "7701 LUP", "GS-LUPA-1")
			var reveals int
			if err := s.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM recipient_reveals`).Scan(&reveals); err != nil || reveals == 0 {
				t.Fatalf("%d reveals before the purge (%v): the fixture shows no contact details", reveals, err)
			}
			before := read(t, s, asAdmin, closed.ID)
			// The merge told the serving organisation (an e-mail through the outbox):
			// its sending is audited whenever the worker gets to it, so the snapshot
			// waits until the outbox is quiet.
			waitOutboxQuiet(t, s)
			dumped := dump(t, s)
			// Every needle but the clear NIK and No. KK (stored only sealed and
			// hashed) is in the database before: the search after proves something.
			for _, n := range needles {
				if len(n) == 16 && strings.Trim(n, "0123456789") == "" {
					continue
				}
				found := false
				for _, text := range dumped {
					found = found || strings.Contains(text, n)
				}
				if !found {
					t.Errorf("%q is not in the database before the purge", n)
				}
			}

			t.Run("a day before the closing purges nothing", func(t *testing.T) {
				n, err := s.App.Retention.Purge(ctx, closed.ClosedAt.Add(-24*time.Hour))
				if err != nil || n != (retention.Counts{}) {
					t.Fatalf("purge: %+v, %v; want nothing", n, err)
				}
				same(t, "an early purge", dumped, dump(t, s))
			})

			t.Run("killed half-way, it finishes when run again", func(t *testing.T) {
				p := *s.App.Retention
				p.Batch, p.HelpRequests = 1, &failingHelp{failAt: 2}
				if _, err := p.Purge(ctx, time.Now().Add(time.Hour)); err == nil {
					t.Fatal("the purge did not stop")
				}
				if at, err := s.App.Programs.PurgedAt(ctx, closed.ID); err != nil || at != nil {
					t.Fatalf("a program half purged is marked purged (%v, %v)", at, err)
				}
				p.HelpRequests = &failingHelp{}
				n, err := p.Purge(ctx, time.Now().Add(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				// The first run forgot one of Ani (with the record merged into hers)
				// and Cici, the second the other.
				if n.Programs != 1 || n.Targets < 1 || n.Targets > 2 || n.Members != n.Targets || n.Proofs != 1 || n.Photos != 1 || n.Couriers != 1 || n.HelpRequests != 2 {
					t.Fatalf("second run: %+v", n)
				}
				var targets, members int
				if err := s.App.DB.R().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM targets WHERE name = $1), (SELECT COUNT(*) FROM members WHERE name = $1)`,
					registry.Anonymous).Scan(&targets, &members); err != nil || targets != 3 || members != 3 {
					t.Fatalf("%d targets and %d members anonymous (%v), want 3 and 3", targets, members, err)
				}
				if at, err := s.App.Programs.PurgedAt(ctx, closed.ID); err != nil || at == nil {
					t.Fatalf("the finished program is not marked (%v)", err)
				}
			})

			after := dump(t, s)
			t.Run("no personal data of the purged households is left", func(t *testing.T) {
				for tb, text := range after {
					for _, n := range needles {
						if strings.Contains(text, n) {
							t.Errorf("table %s still holds %q", tb, n)
						}
					}
				}
				if _, err := os.Stat(photoPath); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the proof's photo is still on disk (%v)", err)
				}
				for _, tb := range []string{"recipient_reveals"} {
					if strings.Contains(after[tb], closed.ID) {
						t.Errorf("%s keeps rows of the purged program", tb)
					}
				}
			})

			t.Run("the households still served are whole", func(t *testing.T) {
				whole(t, s, after, people[1]) // Budi: in the open program
				whole(t, s, after, people[3]) // Dedi: whom the draft is for
			})

			t.Run("every count is equal", func(t *testing.T) {
				// The summary says when it was read; the rest is equal.
				asOf := regexp.MustCompile(`"as_of":"[^"]*"`)
				got := read(t, s, asAdmin, closed.ID)
				got.summary, before.summary = asOf.ReplaceAllString(got.summary, ""), asOf.ReplaceAllString(before.summary, "")
				if got != before {
					t.Fatalf("figures changed:\nbefore %+v\nafter  %+v", before, got)
				}
				auditOK(t, s)
				var entries int
				if err := s.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'program.purge_personal_data' AND object_id = $1`, closed.ID).Scan(&entries); err != nil || entries != 1 {
					t.Fatalf("%d purge entries (%v), want 1", entries, err)
				}
				for _, tb := range []string{"targets", "members", "needs", "allocations", "delivery_proofs", "deliveries"} {
					if strings.Count(dumped[tb], "\n") != strings.Count(after[tb], "\n") {
						t.Errorf("table %s lost rows", tb)
					}
				}
			})

			t.Run("purging again changes nothing", func(t *testing.T) {
				n, err := s.App.Retention.Purge(ctx, time.Now().Add(time.Hour))
				if err != nil || n != (retention.Counts{}) {
					t.Fatalf("second purge: %+v, %v", n, err)
				}
				same(t, "a second purge", after, dump(t, s))
			})
		})
	}
}

// TestTheDailyTaskPurgesProgramsClosedMoreThanNDaysAgo runs serve's task with a
// clock three days ahead: with 4 days it leaves the program, with 2 it purges it.
func TestTheDailyTaskPurgesProgramsClosedMoreThanNDaysAgo(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	closed, photoPath := fixture(t, s)
	p := *s.App.Retention
	p.Now = func() time.Time { return time.Now().AddDate(0, 0, 3) }
	p.Interval = 5 * time.Millisecond
	every := func(days int, until func() bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(s.Ctx(), 10*time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() { defer close(done); p.Every(ctx, days, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
		for !until() && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	}
	purged := func() bool {
		at, err := s.App.Programs.PurgedAt(s.Ctx(), closed.ID)
		if err != nil {
			t.Fatal(err)
		}
		return at != nil
	}
	ticks := 0
	every(4, func() bool { ticks++; return ticks > 20 })
	if purged() {
		t.Fatal("a program closed 3 days ago was purged with --retention-days 4")
	}
	every(2, purged)
	if !purged() {
		t.Fatal("a program closed 3 days ago was not purged with --retention-days 2")
	}
	if _, err := os.Stat(photoPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the photo is still there (%v)", err)
	}
}

// BenchmarkPurge measures the purge of a closed program over a generated registry
// (GOTONG_BENCH_ROWS household-member rows, default 6000); it reports targets a
// second.
func BenchmarkPurge(b *testing.B) {
	rows := 6000
	if v, err := strconv.Atoi(os.Getenv("GOTONG_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s := apptest.Start(b, eng)
				ctx := s.Ctx()
				admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
				if err != nil {
					b.Fatal(err)
				}
				var csv bytes.Buffer
				if _, err := gen.New(7, s.App.Regions, "31").WriteHouseholdsCSV(&csv, rows, gen.Damage{}); err != nil {
					b.Fatal(err)
				}
				im, err := s.App.Registry.CreateImport(ctx, registry.Importer{UserID: admin.ID, Email: admin.Email, Scope: "31"}, registry.Household, "gen.csv", &csv, 0)
				if err == nil {
					im, err = s.App.Registry.Wait(ctx, im.ID)
				}
				if err != nil {
					b.Fatal(err)
				}
				p, err := s.App.Programs.Create(ctx, program.Input{Name: "Sembako Ukur", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
					TargetKinds: []string{"household"}, Phases: weeks(), QuantityRule: program.PerTarget})
				if err == nil {
					_, _, err = s.App.Programs.Publish(ctx, p.ID)
				}
				if err == nil {
					_, err = s.App.Programs.Close(ctx, p.ID)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				began := time.Now()
				n, err := s.App.Retention.Purge(ctx, time.Now().Add(time.Hour))
				if err != nil || n.Targets == 0 {
					b.Fatalf("%+v, %v", n, err)
				}
				b.ReportMetric(float64(n.Targets)/time.Since(began).Seconds(), "targets/s")
				b.ReportMetric(float64(n.Targets), "targets")
			}
		})
	}
}
