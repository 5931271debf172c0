package registry

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/memtest"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
	"github.com/xuri/excelize/v2"
)

var householdCols = strings.Split(strings.TrimSpace(householdHeader), ",")

// xlsxRows are goodRows as spreadsheet rows.
func xlsxRows(from, n int) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(goodRows(from, n)), "\n") {
		cells := strings.Split(line, ",")
		for i, c := range cells {
			cells[i] = strings.Trim(c, `"`)
		}
		rows = append(rows, cells)
	}
	return rows
}

// sheetRows are rows as sheet XML, numbered from row r on.
func sheetRows(r int, rows [][]string) []string {
	var out []string
	for i, cells := range rows {
		out = append(out, gen.SheetRow(r+i, cells...))
	}
	return out
}

func workbook(t *testing.T, write func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hostileCase is a workbook the import must end as failed, with a reason holding
// every one of want, having read only the good rows before the attack, within a
// memory budget and leaving no file behind.
type hostileCase struct {
	name   string
	file   func(t *testing.T) []byte
	limits Limits
	want   []string
	good   int // rows accepted before the attack
	// atUpload: the header cannot be read, so the upload itself is refused.
	atUpload bool
}

func (c hostileCase) run(t *testing.T, db *store.DB) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where a library would put its temporary files
	e := newEnvOpts(t, db, Options{Batch: 2, Limits: c.limits})
	file := c.file(t)
	var im Import
	var refused error
	start := time.Now()
	n := memtest.HeapPeak(func() {
		// What breaks the header is refused while the upload is answered; the rest
		// is found by the worker.
		if c.atUpload {
			_, refused = e.s.CreateImport(e.ctx, e.who, Household, "serang.xlsx", bytes.NewReader(file), 0)
			return
		}
		im = e.finish(Household, "serang.xlsx", bytes.NewReader(file))
	})
	took := time.Since(start)
	t.Logf("%d KiB of file, heap grew %d MiB at most, %v", len(file)>>10, n>>20, took.Round(time.Millisecond))
	reason := im.Error
	if c.atUpload {
		if !errs.Is(refused, errs.Invalid) {
			t.Fatalf("the upload: %v, want refused as invalid", refused)
		}
		reason = refused.Error()
	} else {
		if im.Status != StatusFailed {
			t.Fatalf("status %s (%s), want failed", im.Status, counters(im))
		}
		if im.Accepted != c.good || im.RowsDone != c.good {
			t.Errorf("rows before the attack: %s, want %d accepted", counters(im), c.good)
		}
		if got := e.errorsCSV(im.ID); strings.Count(got, "\n") != 1 {
			t.Errorf("errors.csv claims rows:\n%s", got)
		}
	}
	for _, w := range c.want {
		if !strings.Contains(reason, w) {
			t.Errorf("the reason %q does not say %q", reason, w)
		}
	}
	if n > 32<<20 {
		t.Errorf("reading it grew the heap by %d MiB", n>>20)
	}
	for _, dir := range []string{tmp, e.s.uploads} {
		if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
			t.Errorf("files left behind: %v", left)
		}
	}
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "a 128 MiB cell (a zip bomb of 130 KiB)", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.BombXLSX(b, householdCols, 128) })
		}, want: []string{"from row 2 on", "KiB"}},
		{name: "a sheet that unpacks beyond the limit", limits: Limits{SheetBytes: 64 << 20}, file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.BombXLSX(b, householdCols, 128) })
		}, want: []string{"64 MiB"}},
		{name: "64 MiB of whitespace between rows", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error {
				return gen.FillerXLSX(b, householdCols, " ", 64, sheetRows(3, xlsxRows(1, 2))...)
			})
		}, want: []string{"from row 2 on", "KiB"}},
		// The default bound is Excel's own, 1048576 rows; a lower one makes the
		// same point sooner.
		{name: "100 MiB of empty rows", limits: Limits{Rows: 100_000}, file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error {
				return gen.FillerXLSX(b, householdCols, "<row/>", 100, sheetRows(20_000_000, xlsxRows(1, 2))...)
			})
		}, want: []string{"from row 100001 on", "more than 100000 rows"}},
		{name: "XML that breaks in row 5", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error {
				return gen.BrokenXLSX(b, append([][]string{householdCols}, xlsxRows(1, 3)...), 5, xlsxRows(4, 3))
			})
		}, want: []string{"from row 5 on", "line"}, good: 3},
		{name: "a billion laughs", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.BillionLaughsXLSX(b, householdCols) })
		}, want: []string{"DTD"}, atUpload: true},
		{name: "elements nested 100000 deep", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.DeepXLSX(b, householdCols, 100000) })
		}, want: []string{"from row 2 on", "deeper than 64"}},
		{name: "8 MiB of empty shared strings", limits: Limits{SharedStrings: 100_000}, file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.ManySharedStringsXLSX(b, householdCols, 8) })
		}, want: []string{"shared strings hold more than 100000 entries"}},
		{name: "a shared string of 64 MiB", file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.LongSharedStringXLSX(b, householdCols, 64) })
		}, want: []string{"shared strings hold a piece of text longer than 64 KiB"}},
		{name: "two thousand files in the archive", atUpload: true, file: func(t *testing.T) []byte {
			return workbook(t, func(b *bytes.Buffer) error { return gen.ManyPartsXLSX(b, householdCols, 2000) })
		}, want: []string{"more than 1000 files"}},
	}
}

// Findings 2 and 4: hostile and broken workbooks end as failed imports that say why
// and where, having committed the good rows before the attack and nothing after it,
// within a few MiB, and leaving no temporary file behind.
func TestHostileWorkbooksFailClearly(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) { storetest.Each(t, c.run) })
	}
}

// newEnvOpts is newEnv with options (Province, DataDir and Lease are filled in).
func newEnvOpts(t *testing.T, db *store.DB, opt Options) *env {
	t.Helper()
	return newEnvVault(t, db, testVault(t), opt)
}

// testVault is a vault with a fresh random key.
func testVault(t *testing.T) *vault.Vault {
	t.Helper()
	key := make([]byte, vault.KeySize)
	_, _ = rand.Read(key)
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// queuedWithoutWorker is an env whose worker is stopped, so that a test drives run
// itself, with householdFile queued.
func queuedWithoutWorker(t *testing.T, db *store.DB, v *vault.Vault, batch int) (*env, Import) {
	t.Helper()
	e := newEnvWith(t, db, v, batch)
	e.s.Close()
	im, err := e.s.CreateImport(e.ctx, e.who, Household, "warga.csv", bytes.NewReader(householdFile()), 0)
	if err != nil {
		t.Fatal(err)
	}
	return e, im
}

// readAll reads every row of a workbook with the registry's reader.
func readAll(t *testing.T, file []byte, header bool) (rows [][]string, nums []int) {
	t.Helper()
	x, err := newXLSXReader(bytes.NewReader(file), int64(len(file)), Limits{}, header)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for {
		n, cells, err := x.Next()
		if errors.Is(err, io.EOF) {
			return rows, nums
		}
		if err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		rows, nums = append(rows, append([]string(nil), cells...)), append(nums, n)
	}
}

// excelizeRows reads the first sheet's rows as the registry read them before, with
// excelize's stream reader and raw values, skipping empty rows.
func excelizeRows(t *testing.T, file []byte) (rows [][]string, nums []int) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(file), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; rr.Next(); n++ {
		cells, err := rr.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if !allEmpty(cells) {
			rows, nums = append(rows, cells), append(nums, n)
		}
	}
	return rows, nums
}

// The reader replaces excelize's for uploads: on every well-formed workbook it must
// give what excelize gives — the generator's realistic household file (styles,
// dates, numbers typed as text, damage), the templates, and a file with a formula,
// a date cell and numbers written by excelize itself.
func TestXLSXReaderReadsWhatExcelizeReads(t *testing.T) {
	for name, file := range realWorkbooks(t) {
		t.Run(name, func(t *testing.T) {
			got, gotNums := readAll(t, file, false)
			want, wantNums := excelizeRows(t, file)
			if len(got) != len(want) || len(got) < 2 {
				t.Fatalf("%d rows, excelize reads %d", len(got), len(want))
			}
			for i := range want {
				if !slices.Equal(got[i], want[i]) || gotNums[i] != wantNums[i] {
					t.Fatalf("row %d: %q, excelize reads row %d: %q", gotNums[i], got[i], wantNums[i], want[i])
				}
			}
			// The header check reads the first row alike, shared strings and all.
			head, _ := readAll(t, file, true)
			if !slices.Equal(head[0], want[0]) {
				t.Fatalf("header mode: %q, want %q", head[0], want[0])
			}
		})
	}
}

// realWorkbooks are workbooks as real writers write them: the generator's
// realistic household file (styles, dates, numbers typed as text, damage), the
// templates, and a file with a formula, a date cell, rich text and numbers written
// by excelize itself.
func realWorkbooks(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	var b bytes.Buffer
	if _, err := gen.New(5, testRegions, "31").WriteHouseholdsXLSX(&b, 3000, gen.Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.1}); err != nil {
		t.Fatal(err)
	}
	files["generated households"] = bytes.Clone(b.Bytes())
	for _, kind := range Kinds {
		b.Reset()
		if err := WriteTemplate(&b, kind, "xlsx"); err != nil {
			t.Fatal(err)
		}
		files["template "+string(kind)] = bytes.Clone(b.Bytes())
	}
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"No KK", "Nama", "Tanggal Lahir", "RW", "Alamat"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"3171010101200011", "Rina _x000D_ Marlina", time.Date(1990, 12, 1, 0, 0, 0, 0, time.UTC), 7, "Jl. A\nNo. 1"})
	_ = f.SetSheetRow("Sheet1", "C4", &[]any{3171010101900000.0, true, 0.1})
	_ = f.SetCellFormula("Sheet1", "E4", `=A2&"x"`)
	_ = f.SetCellRichText("Sheet1", "A6", []excelize.RichTextRun{{Text: "Budi "}, {Text: "Santoso", Font: &excelize.Font{Bold: true}}})
	_ = f.SetCellValue("Sheet1", "AA7", "far right")
	b.Reset()
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	files["written by excelize"] = bytes.Clone(b.Bytes())
	return files
}

// A row the reader cannot take (a cell reference that is not one) is rejected on
// its own; the rows after it are read.
func TestXLSXBadCellReferenceRejectsOnlyItsRow(t *testing.T) {
	rows := sheetRows(1, append([][]string{householdCols}, xlsxRows(1, 3)...))
	rows[2] = strings.Replace(rows[2], `r="B3"`, `r="B3x"`, 1)
	file := workbook(t, func(b *bytes.Buffer) error {
		return gen.WriteWorkbook(b, gen.PlainPart(gen.SheetXML(rows...)), nil, nil)
	})
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		im := e.finish(Household, "ref.xlsx", bytes.NewReader(file))
		if im.Status != StatusDone || im.Accepted != 2 || im.Rejected != 1 {
			t.Fatalf("%s %q (%s)", im.Status, im.Error, counters(im))
		}
		if got := e.errorsCSV(im.ID); !strings.Contains(got, `3,,,"Cell reference ""B3x"" is not valid."`) {
			t.Fatalf("errors.csv:\n%s", got)
		}
	})
}
