package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

var testRegions = region.MustLoad(data.Regions)

// env is a registry on a fresh database with a user to import as.
type env struct {
	t   *testing.T
	db  *store.DB
	s   *Service
	ctx context.Context
	who Importer
}

func newEnv(t *testing.T, db *store.DB, batch int) *env {
	t.Helper()
	return newEnvOpts(t, db, Options{Batch: batch})
}

func newEnvWith(t *testing.T, db *store.DB, v *vault.Vault, batch int) *env {
	t.Helper()
	return newEnvVault(t, db, v, Options{Batch: batch})
}

// newEnvVault starts a registry with opt, in Jakarta, with its own data folder and a
// short lease unless opt says otherwise; prepare, if given, sees the service before
// its worker starts.
func newEnvVault(t *testing.T, db *store.DB, v *vault.Vault, opt Options, prepare ...func(*Service)) *env {
	t.Helper()
	opt.Province = "31"
	if opt.DataDir == "" {
		opt.DataDir = t.TempDir()
	}
	if opt.Lease == 0 {
		opt.Lease = 300 * time.Millisecond
	}
	s := New(db, testRegions, v, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	for _, p := range prepare {
		p(s)
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-office", Label: "office@test", RemoteAddr: "test"})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	e := &env{t: t, db: db, s: s, ctx: ctx, who: Importer{UserID: "u-office", Email: "office@test", Scope: "31"}}
	if _, err := db.W().ExecContext(ctx, `INSERT INTO users (id, email, name, role, region, password_hash, created_at)
		VALUES ('u-office', 'office@test', 'Office', 'admin', '', 'x', $1) ON CONFLICT DO NOTHING`, store.Now()); err != nil {
		t.Fatal(err)
	}
	return e
}

// nik builds a valid NIK for district (6 digits), birth date, sex and serial.
func nikOf(district string, birth string, female bool, serial int) string {
	d, _ := time.Parse("2006-01-02", birth)
	day := d.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", district, day, int(d.Month()), d.Year()%100, serial)
}

const householdHeader = "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"

func hhRow(kk, nik, name, birth, sex, rel, village, rw, rt, addr, phone, tags string) string {
	return strings.Join([]string{kk, nik, name, birth, sex, rel, village, rw, rt, addr, "", phone, `"` + tags + `"`}, ",") + "\n"
}

func (e *env) importFile(kind Kind, name string, body []byte) Import {
	e.t.Helper()
	im, err := e.s.CreateImport(e.ctx, e.who, kind, name, bytes.NewReader(body), 0)
	if err != nil {
		e.t.Fatalf("create import: %v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	done, err := e.s.Wait(ctx, im.ID)
	if err != nil {
		e.t.Fatalf("wait: %v", err)
	}
	if done.Status != StatusDone {
		e.t.Fatalf("import %s: status %s (%s)", im.ID, done.Status, done.Error)
	}
	return done
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.R().QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func counters(im Import) string {
	return fmt.Sprintf("accepted=%d updated=%d merged=%d review=%d rejected=%d rows=%d",
		im.Accepted, im.Updated, im.Merged, im.Review, im.Rejected, im.RowsDone)
}

// A small Jakarta household file: two households in Gambir, one with a bad NIK row
// and one row in an unknown kelurahan.
func householdFile() []byte {
	var b strings.Builder
	b.WriteString(householdHeader)
	kk1, kk2 := "3171010101200001", "3171010101200002"
	b.WriteString(hhRow(kk1, nikOf("317101", "1970-03-02", false, 1), "Budi Santoso", "1970-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "005", "003", "Jl. Kebon Sirih Gg. 3 No. 12", "081234567890", ""))
	b.WriteString(hhRow(kk1, nikOf("317101", "1974-07-05", true, 2), "Siti Aminah", "05/07/1974", "P", "Istri", "Gambir", "5", "3", "Jl. Kebon Sirih Gg. 3 No. 12", "", ""))
	b.WriteString(hhRow(kk1, nikOf("317101", "2010-01-20", false, 3), "Rizki Santoso", "20-01-2010", "L", "Anak", "3171011001", "5", "3", "Jl. Kebon Sirih Gg. 3 No. 12", "", "anak"))
	b.WriteString(hhRow(kk2, nikOf("317101", "1950-11-11", false, 4), "H. Soetomo", "1950-11-11", "L", "Kepala Keluarga", "31.71.01.1002", "2", "1", "Jl. Cideng Barat No. 1", "0813-1111-2222", "lansia,isoman"))
	b.WriteString(hhRow(kk2, "3.17101E+15", "Sri Wahyuni", "1955-02-02", "P", "Istri", "31.71.01.1002", "2", "1", "Jl. Cideng Barat No. 1", "", ""))
	b.WriteString(hhRow(kk2, nikOf("317101", "1980-06-06", false, 5), "Agus", "1980-06-06", "L", "Anak", "Kelurahan Atlantis", "2", "1", "Jl. Cideng Barat No. 1", "", ""))
	b.WriteString(",,,,,,,,,,,,\n") // an empty trailing row, as spreadsheets write
	return []byte(b.String())
}

func TestHouseholdImportCountsEveryRowAndIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		im := e.importFile(Household, "warga.csv", householdFile())
		if got, want := counters(im), "accepted=4 updated=0 merged=0 review=0 rejected=2 rows=6"; got != want {
			t.Fatalf("first import: %s, want %s", got, want)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE kind = 'household' AND merged_into IS NULL`); n != 2 {
			t.Fatalf("%d households, want 2", n)
		}
		if n := e.count(`SELECT size FROM targets WHERE name = 'Budi Santoso'`); n != 3 {
			t.Fatalf("Budi's household has size %d, want 3", n)
		}
		// No NIK is stored in clear anywhere.
		for _, n := range []string{nikOf("317101", "1970-03-02", false, 1), "3171010101200001"} {
			// A stored hash is the keyed hash's 32 bytes, never the number's digits.
			if c := e.count(`SELECT COUNT(*) FROM members WHERE nik_enc LIKE $1 OR nik_mask = $2 OR nik_hash = $3 OR length(nik_hash) <> 32`,
				"%"+n+"%", n, []byte(n)); c != 0 {
				t.Fatalf("a NIK or KK is stored in clear")
			}
			if c := e.count(`SELECT COUNT(*) FROM targets WHERE id_enc LIKE $1 OR id_hash = $2 OR length(id_hash) <> 32`, "%"+n+"%", []byte(n)); c != 0 {
				t.Fatalf("a KK is stored in clear")
			}
		}
		csv := e.errorsCSV(im.ID)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if lines[0] != "row,column,value,reason" || len(lines) != 3 {
			t.Fatalf("errors.csv:\n%s", csv)
		}
		if !strings.HasPrefix(lines[1], "6,NIK,3.17101E+15,") || !strings.Contains(lines[1], "Excel") {
			t.Errorf("the scientific-notation NIK is not named: %q", lines[1])
		}
		if !strings.HasPrefix(lines[2], "7,Kelurahan,Kelurahan Atlantis,") {
			t.Errorf("the unknown kelurahan is not named: %q", lines[2])
		}

		updatesBefore := e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('target.update', 'member.update')`)
		again := e.importFile(Household, "warga.csv", householdFile())
		if got, want := counters(again), "accepted=0 updated=0 merged=4 review=0 rejected=2 rows=6"; got != want {
			t.Fatalf("re-import of the same file: %s, want %s", got, want)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('target.update', 'member.update')`); n != updatesBefore {
			t.Fatalf("re-importing an unchanged file wrote %d updates", n-updatesBefore)
		}

		changed := strings.Replace(string(householdFile()), "Jl. Cideng Barat No. 1,,0813-1111-2222", "Jl. Cideng Barat No. 10,,0813-1111-2222", 1)
		third := e.importFile(Household, "warga-v2.csv", []byte(changed))
		if got, want := counters(third), "accepted=0 updated=1 merged=3 review=0 rejected=2 rows=6"; got != want {
			t.Fatalf("import with one changed row: %s, want %s", got, want)
		}
		var addr string
		if err := db.R().QueryRowContext(e.ctx, `SELECT address FROM targets WHERE name_norm = 'sutomo'`).Scan(&addr); err != nil || addr != "Jl. Cideng Barat No. 10" {
			t.Fatalf("household address after the update: %q, %v", addr, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('target.update', 'member.update')`); n == updatesBefore {
			t.Fatal("the changed row was not audited")
		}
		if p, _, err := audit.Verify(e.ctx, db.R(), db.AuditKey); p != nil || err != nil {
			t.Fatalf("audit chain: %v %v", p, err)
		}
	})
}

func TestOfficeImportsOnlyInsideItsRegion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		e.who.Scope = "31.74" // Jakarta Selatan's office; the file is Jakarta Pusat
		im := e.importFile(Household, "warga.csv", householdFile())
		if im.Rejected != 6 || im.Accepted != 0 {
			t.Fatalf("an office of 31.74 importing 31.71 rows: %s", counters(im))
		}
		if csv := e.errorsCSV(im.ID); !strings.Contains(csv, "outside your office's region (31.74)") {
			t.Fatalf("the reason does not say the row is outside the office's region:\n%s", csv)
		}
	})
}

func TestMissingColumnsStopTheImportAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		_, err := e.s.CreateImport(e.ctx, e.who, Household, "x.csv", strings.NewReader("NIK,Nama,Tanggal Lahir\n1,2,3\n"), 0)
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("missing columns: %v, want invalid", err)
		}
		for _, col := range []string{"No KK", "Jenis Kelamin", "Kelurahan"} {
			if !strings.Contains(err.Error(), col) {
				t.Errorf("the message does not name the missing column %q: %v", col, err)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM imports`); n != 0 {
			t.Fatalf("a refused file was queued")
		}
		if _, err := e.s.CreateImport(e.ctx, e.who, Household, "big.csv", strings.NewReader(strings.Repeat("x", 2048)), 1024); !errs.Is(err, errs.TooLarge) {
			t.Fatalf("oversized upload: %v, want too_large", err)
		}
	})
}

func TestExcelStyleCSVIsRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		// Semicolons, a BOM, CRLF, a quoted newline in the address, Windows-1252 text.
		name, _ := charmap.Windows1252.NewEncoder().String("Dédé Suryadi")
		rows := []string{
			"\ufeffNo KK;NIK;Nama;Tanggal Lahir;Jenis Kelamin;Hubungan Keluarga;Kelurahan;RW;RT;Alamat KTP;Alamat Domisili;Telepon;Tag",
			"3171010101200009;'" + nikOf("317101", "1988-08-08", false, 9) + ";" + name + ";08/08/1988;L;Kepala Keluarga;Gambir;1;1;\"Jl. Merdeka\nNo. 5\";;+62 812 0000 1111;",
			";;;;;;;;;;;;",
		}
		im := e.importFile(Household, "excel.csv", []byte(strings.Join(rows, "\r\n")+"\r\n"))
		if im.Accepted != 1 || im.Rejected != 0 {
			t.Fatalf("%s\n%s", counters(im), e.errorsCSV(im.ID))
		}
		var got, addr, phone string
		if err := db.R().QueryRowContext(e.ctx, `SELECT name, address, phone FROM targets`).Scan(&got, &addr, &phone); err != nil {
			t.Fatal(err)
		}
		if got != "Dédé Suryadi" || addr != "Jl. Merdeka No. 5" || phone != "+6281200001111" {
			t.Fatalf("read %q / %q / %q", got, addr, phone)
		}
	})
}

func TestXLSXImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		f := excelize.NewFile()
		cols := strings.Split(strings.TrimSpace(householdHeader), ",")
		for i, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			_ = f.SetCellStr("Sheet1", cell, c)
		}
		set := func(row int, vals ...any) {
			for i, v := range vals {
				cell, _ := excelize.CoordinatesToCellName(i+1, row)
				_ = f.SetCellValue("Sheet1", cell, v)
			}
		}
		// A real date cell, a number cell for RW, and a NIK typed as a number: Excel
		// keeps 15 digits, so it is refused with a reason.
		set(2, "3171010101200011", nikOf("317101", "1990-12-01", true, 11), "Rina Marlina", time.Date(1990, 12, 1, 0, 0, 0, 0, time.UTC), "P", "Kepala Keluarga", "31.71.01.1003", 7, 2, "Jl. Petojo No. 1", "", "", "")
		set(3, "3171010101200012", 3171010101900000.0, "Joko", "1990-01-01", "L", "Kepala Keluarga", "31.71.01.1003", 7, 2, "Jl. Petojo No. 2", "", "", "")
		_ = f.SetCellFormula("Sheet1", "K2", `=J2`)
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		im := e.importFile(Household, "warga.xlsx", buf.Bytes())
		if im.Accepted != 1 || im.Rejected != 1 {
			t.Fatalf("%s\n%s", counters(im), e.errorsCSV(im.ID))
		}
	})
}

func TestSameNIKUnderTwoKKsGoesToReviewAndStaysDecided(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		e.importFile(Household, "a.csv", householdFile())
		moved := householdHeader + hhRow("3171010101200077", nikOf("317101", "2010-01-20", false, 3), "Rizki Santoso", "2010-01-20", "L",
			"Kepala Keluarga", "31.71.01.1001", "9", "9", "Jl. Baru No. 1", "", "")
		im := e.importFile(Household, "b.csv", []byte(moved))
		if im.Review != 1 {
			t.Fatalf("the same NIK under a second KK: %s, want review=1", counters(im))
		}
		v := Viewer{Scope: "31", Office: true}
		dups, _, err := e.s.ListDuplicates(e.ctx, v, "open", 0, "")
		if err != nil || len(dups) != 1 {
			t.Fatalf("open duplicates: %v, %v", dups, err)
		}
		if !strings.Contains(reasonText(dups[0].Reasons), "two family cards") {
			t.Errorf("reasons %v", dups[0].Reasons)
		}
		var newKK string
		if err := db.R().QueryRowContext(e.ctx, `SELECT id FROM targets WHERE address = 'Jl. Baru No. 1'`).Scan(&newKK); err != nil {
			t.Fatal(err)
		}
		d, err := e.s.Resolve(e.ctx, v, dups[0].ID, "merge", newKK)
		if err != nil || d.Status != "merged" {
			t.Fatalf("merge: %+v, %v", d, err)
		}
		if _, err := e.s.Resolve(e.ctx, v, dups[0].ID, "distinct", ""); !errs.Is(err, errs.Conflict) {
			t.Fatalf("deciding twice: %v, want conflict", err)
		}
		// The kept household now has all of the other's members; the other is merged.
		if n := e.count(`SELECT size FROM targets WHERE id = $1`, newKK); n != 3 {
			t.Fatalf("kept household size %d, want 3", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE merged_into = $1`, newKK); n != 1 {
			t.Fatalf("%d targets merged into the kept one, want 1", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE held <> '' AND merged_into IS NULL`); n != 0 {
			t.Fatalf("%d members still held after the merge", n)
		}
		// Importing both files again queues nothing new.
		e.importFile(Household, "a.csv", householdFile())
		e.importFile(Household, "b.csv", []byte(moved))
		if n := e.count(`SELECT COUNT(*) FROM duplicates WHERE status = 'open'`); n != 0 {
			t.Fatalf("a decided pair came back: %d open", n)
		}
	})
}

func TestFuzzyDuplicateIsQueuedForReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		file := householdHeader +
			hhRow("3171010101200101", nikOf("317101", "1948-04-17", false, 21), "Soekarno Djojo", "1948-04-17", "L", "Kepala Keluarga", "31.71.01.1004", "1", "1", "Jl. A No. 1", "", "") +
			hhRow("3171010101200102", nikOf("317101", "1948-04-17", false, 22), "Sukarno Joyo", "1948-04-17", "L", "Kepala Keluarga", "31.71.01.1004", "3", "2", "Jl. B No. 2", "", "") +
			hhRow("3171010101200103", nikOf("317101", "1948-04-17", false, 23), "Bambang Hartono", "1948-04-17", "L", "Kepala Keluarga", "31.71.01.1004", "3", "2", "Jl. C No. 3", "", "")
		im := e.importFile(Household, "f.csv", []byte(file))
		if got, want := counters(im), "accepted=1 updated=0 merged=0 review=2 rejected=0 rows=3"; got != want {
			t.Fatalf("%s, want %s", got, want)
		}
		dups, _, _ := e.s.ListDuplicates(e.ctx, Viewer{Scope: "31"}, "open", 0, "")
		if len(dups) != 1 || dups[0].Score < 0.8 {
			t.Fatalf("duplicates %+v", dups)
		}
		if _, err := e.s.Resolve(e.ctx, Viewer{Scope: "31"}, dups[0].ID, "distinct", ""); err != nil {
			t.Fatal(err)
		}
		e.importFile(Household, "f.csv", []byte(file))
		if n := e.count(`SELECT COUNT(*) FROM duplicates WHERE status = 'open'`); n != 0 {
			t.Fatalf("a pair marked distinct came back")
		}
	})
}

// TestKillInTheMiddleIsMendedByARerun stops an import after two committed batches as
// a kill would (the process gone, the status left "running") and starts a new
// service on the same database: the import resumes and ends exactly as an
// uninterrupted one.
func TestKillInTheMiddleIsMendedByARerun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := testVault(t)
		first, im := queuedWithoutWorker(t, db, v, 2)
		ctx, kill := context.WithCancel(first.ctx)
		batches := 0
		first.s.afterBatch = func() {
			if batches++; batches == 2 {
				kill()
			}
		}
		if err := first.s.run(ctx, im.ID); err == nil {
			t.Fatal("the killed run reported success")
		}
		mid, _ := first.s.Import(first.ctx, im.ID, "")
		if mid.Status != StatusRunning || mid.RowsDone != 4 {
			t.Fatalf("after the kill: status %s, rows %d; want running, 4", mid.Status, mid.RowsDone)
		}
		second := newEnvWith(t, db, v, 2) // Start picks the import up again
		wctx, cancel := context.WithTimeout(second.ctx, time.Minute)
		defer cancel()
		done, err := second.s.Wait(wctx, im.ID)
		if err != nil || done.Status != StatusDone {
			t.Fatalf("resumed import: %+v, %v", done, err)
		}
		if got, want := counters(done), "accepted=4 updated=0 merged=0 review=0 rejected=2 rows=6"; got != want {
			t.Fatalf("resumed import: %s, want %s", got, want)
		}
		if n := second.count(`SELECT COUNT(*) FROM members`); n != 4 {
			t.Fatalf("%d members after the resumed import, want 4", n)
		}
		if n := second.count(`SELECT COUNT(*) FROM import_errors WHERE import_id = $1`, im.ID); n != 2 {
			t.Fatalf("%d error rows, want 2", n)
		}
	})
}

func openSQLite(t *testing.T) *store.DB { return storetest.Open(t, store.SQLite) }

func TestFinishedImportLeavesNoFileBehind(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, 100)
	e.importFile(Household, "warga.csv", householdFile())
	left, err := filepath.Glob(filepath.Join(e.s.uploads, "*"))
	if err != nil || len(left) != 0 {
		t.Fatalf("files left in the uploads folder after the import: %v %v", left, err)
	}
}
