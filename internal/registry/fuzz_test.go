package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/gen"
)

// The fuzz targets run with small limits, so that the fuzzer meets every bound
// with small inputs; the seed corpora (testdata/fuzz, kept current by
// TestFuzzSeedsAreCurrent) hold the hostile files scaled down to them.

var fuzzCSVLimits = Limits{RowBytes: 512, CellBytes: 128, Columns: 16}

var fuzzXLSXLimits = Limits{RowBytes: 4096, CellBytes: 512, Columns: 32, Rows: 1000, Cells: 10000, SheetBytes: 512 << 10,
	PartBytes: 64 << 10, Parts: 20, SharedStrings: 1000, SharedStringBytes: 64 << 10, Depth: 16}

// readBounded reads every row of rr and checks what any reader of outside data must
// hold to: rows in increasing order, at most lim.Columns cells of at most
// maxCell bytes each, every failure a client error that stays, at most maxRows rows.
func readBounded(t *testing.T, rr rowReader, lim Limits, maxCell, maxRows int) (rows [][]string, lines []int, end error) {
	t.Helper()
	last := 0
	for range maxRows + 1 {
		line, cells, err := rr.Next()
		var bad *rowError
		switch {
		case errors.Is(err, io.EOF):
			return rows, lines, nil
		case errors.As(err, &bad):
			if bad.reason.Key == "" {
				t.Fatalf("row %d rejected without a reason", line)
			}
			continue
		case err != nil:
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("a file that cannot be read must be a client error: %v", err)
			}
			if _, _, again := rr.Next(); again == nil || again.Error() != err.Error() {
				t.Fatalf("after %v, Next returned %v", err, again)
			}
			return rows, lines, err
		}
		if line <= last {
			t.Fatalf("row %d after row %d", line, last)
		}
		last = line
		if len(cells) > lim.Columns {
			t.Fatalf("row %d has %d cells, over %d", line, len(cells), lim.Columns)
		}
		for _, c := range cells {
			if len(c) > maxCell {
				t.Fatalf("row %d has a cell of %d bytes, over %d", line, len(c), maxCell)
			}
		}
		rows, lines = append(rows, slices.Clone(cells)), append(lines, line)
	}
	t.Fatalf("more than %d rows from a bounded input", maxRows)
	return
}

// FuzzCSVReader: whatever the bytes, the reader holds no more than its bounds, and
// when it reads a file to its end without finding it broken, it reads exactly what
// encoding/csv with lazy quotes reads: the guard stops streams, it never alters one.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte(householdHeader + goodRows(1, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := newCSVReader(bytes.NewReader(data), fuzzCSVLimits)
		if err != nil {
			return
		}
		// Windows-1252 turns a byte into up to three.
		rows, lines, end := readBounded(t, rr, fuzzCSVLimits, 3*fuzzCSVLimits.CellBytes, len(data)+1)
		if end != nil {
			if !strings.Contains(end.Error(), "line ") {
				t.Fatalf("the failure does not name a line: %v", end)
			}
			return
		}
		body := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
		sep, _ := sniffSeparator(body)
		plain := csv.NewReader(bytes.NewReader(body))
		plain.Comma, plain.LazyQuotes, plain.FieldsPerRecord = sep, true, -1
		var want [][]string
		var wantLines []int
		for {
			rec, err := plain.Read()
			if err != nil {
				break
			}
			line, _ := plain.FieldPos(0)
			for i := range rec {
				rec[i] = decodeCell(rec[i])
			}
			if !allEmpty(rec) {
				want, wantLines = append(want, rec), append(wantLines, line)
			}
		}
		if !slices.EqualFunc(rows, want, slices.Equal) || !slices.Equal(lines, wantLines) {
			t.Fatalf("read %q at lines %v; encoding/csv reads %q at lines %v", rows, lines, want, wantLines)
		}
	})
}

// fuzzWorkbook reads a workbook both ways the registry does: the header check, and
// the worker's whole read; the header check's first row is the worker's.
func fuzzWorkbook(t *testing.T, file []byte) {
	var first []string
	for _, header := range []bool{false, true} {
		x, err := newXLSXReader(bytes.NewReader(file), int64(len(file)), fuzzXLSXLimits, header)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("a workbook that cannot be opened must be a client error: %v", err)
			}
			continue
		}
		rows, _, _ := readBounded(t, x, fuzzXLSXLimits, fuzzXLSXLimits.CellBytes, fuzzXLSXLimits.Rows)
		x.Close()
		switch {
		case !header && len(rows) > 0:
			first = rows[0]
		case header && first != nil && len(rows) > 0 && !slices.Equal(rows[0], first):
			t.Fatalf("the header check reads %q, the worker %q", rows[0], first)
		}
	}
}

// FuzzXLSXSheet fuzzes the XML of a workbook's sheet and shared strings inside a
// well-formed archive, where the parser is.
func FuzzXLSXSheet(f *testing.F) {
	f.Add([]byte(gen.SheetXML(gen.SheetRow(1, "a", "b"), `<row r="2"><c r="A2" t="s"><v>0</v></c></row>`)), []byte(`<sst><si><t>x</t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, shared []byte) { fuzzWorkbook(t, fuzzSheetBook(t, sheet, shared)) })
}

// fuzzSheetBook is a well-formed workbook around a sheet and, when not empty,
// shared strings.
func fuzzSheetBook(t *testing.T, sheet, shared []byte) []byte {
	var sst *gen.Part
	if len(shared) > 0 {
		p := gen.Part{Prefix: shared}
		sst = &p
	}
	var b bytes.Buffer
	if err := gen.WriteWorkbook(&b, gen.Part{Prefix: sheet}, sst, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzXLSXArchive fuzzes whole files: zip bombs, many parts, broken archives.
func FuzzXLSXArchive(f *testing.F) {
	f.Fuzz(func(t *testing.T, file []byte) { fuzzWorkbook(t, file) })
}

// fuzzSeeds are the seed corpora: the hostile files scaled to the fuzz limits.
func fuzzSeeds(t *testing.T) map[string]map[string][][]byte {
	cols := householdCols
	data := append([][]string{cols}, xlsxRows(1, 2)...)
	book := func(write func(*bytes.Buffer) error) [][]byte {
		return [][]byte{workbook(t, write)}
	}
	sheet := func(rows ...string) []byte { return []byte(gen.SheetXML(rows...)) }
	quote := strings.Replace(goodRows(3, 1), "Jl. Kebon Sirih No. 1", `"Jl. Kebon Sirih No. 1`, 1)
	return map[string]map[string][][]byte{
		"FuzzCSVReader": {
			"good":           {[]byte(householdHeader + goodRows(1, 3))},
			"unclosed-quote": {[]byte(householdHeader + goodRows(1, 2) + quote + goodRows(4, 3))},
			"quote-closed-rows-later": {[]byte(householdHeader + goodRows(1, 2) + quote +
				strings.ReplaceAll(goodRows(4, 2), `""`, `"lansia"`))},
			"one-long-line":    {append([]byte(householdHeader+goodRows(1, 1)), bytes.Repeat([]byte("x"), 2000)...)},
			"no-newline":       {bytes.Repeat([]byte("NIK,"), 300)},
			"quoted-newlines":  {[]byte("a,b,c\n\"x\ny\",\"p \"\"q\"\"\",z\n1,2,3\n")},
			"excel-semicolons": {[]byte("\ufeffNo KK;NIK;Nama\r\n\"3171\r\n01\";'317;D\xe9d\xe9\r\n;;\r\n\r\n1;2;3\r\n")},
			"stray-quotes":     {[]byte("a,b\nJl. \"Melati\",2\n\"x\"y,3\n")},
			"many-columns":     {[]byte(strings.Repeat("a,", 40) + "\n")},
			"quote-cr":         {[]byte("a,b\n\"x\"\r,y\n\"p\"\r\nq,r\n")},
		},
		"FuzzXLSXSheet": {
			"good":           {sheet(sheetRows(1, data)...), nil},
			"shared-strings": {sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>`, `<row><c t="s"><v>2</v></c></row>`), []byte(`<sst><si><t>No KK</t></si><si><r><t>Na</t></r><r><t>ma</t></r><rPh><t>x</t></rPh></si><si><t>a_x000D_b_x005F_x0041_</t></si></sst>`)},
			"types":          {sheet(`<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1"><f>A1</f><v>3</v></c><c r="D1" t="str"><v>s</v></c><c r="E1" t="inlineStr"><is><t>i</t></is></c><c r="F1" t="d"><v>2020-01-01</v></c></row>`), nil},
			"broken":         {[]byte(gen.SheetXML(gen.SheetRow(1, "a")) + `<row r="2"><c><v>1</c></row>`), nil},
			"dtd":            {[]byte(`<!DOCTYPE x [<!ENTITY a "aaa">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>`), nil},
			"deep":           {sheet(`<row r="1"><c r="A1">` + strings.Repeat("<x>", 40) + strings.Repeat("</x>", 40) + `</c></row>`), nil},
			"backwards":      {sheet(`<row r="5"><c r="A5" t="inlineStr"><is><t>a</t></is></c></row><row r="3"></row>`), nil},
			"bad-refs":       {sheet(`<row r="1"><c r="1A" t="inlineStr"><is><t>a</t></is></c><c r="ZZZZ1"><v>1</v></c><c r="IV1"><v>2</v></c></row>`), nil},
			"huge-row":       {sheet(`<row r="1048577"><c><v>1</v></c></row>`), nil},
			"bad-index":      {sheet(`<row><c t="s"><v>7</v></c><c t="s"><v>-1</v></c><c t="s"><v>x</v></c></row>`), []byte(`<sst><si><t>a</t></si></sst>`)},
		},
		"FuzzXLSXScanner": scannerSeeds(),
		"FuzzXLSXArchive": {
			"template":           book(func(b *bytes.Buffer) error { return WriteTemplate(b, Household, "xlsx") }),
			"bomb":               book(func(b *bytes.Buffer) error { return gen.BombXLSX(b, cols, 1) }),
			"whitespace":         book(func(b *bytes.Buffer) error { return gen.FillerXLSX(b, cols, " ", 1, sheetRows(3, data[1:])...) }),
			"empty-rows":         book(func(b *bytes.Buffer) error { return gen.FillerXLSX(b, cols, "<row/>", 1, sheetRows(3, data[1:])...) }),
			"broken":             book(func(b *bytes.Buffer) error { return gen.BrokenXLSX(b, data, 4, data[1:]) }),
			"billion-laughs":     book(func(b *bytes.Buffer) error { return gen.BillionLaughsXLSX(b, cols) }),
			"deep":               book(func(b *bytes.Buffer) error { return gen.DeepXLSX(b, cols, 1000) }),
			"many-shared":        book(func(b *bytes.Buffer) error { return gen.ManySharedStringsXLSX(b, cols, 1) }),
			"long-shared-string": book(func(b *bytes.Buffer) error { return gen.LongSharedStringXLSX(b, cols, 1) }),
			"many-parts":         book(func(b *bytes.Buffer) error { return gen.ManyPartsXLSX(b, cols, 30) }),
		},
	}
}

// TestFuzzSeedsAreCurrent keeps testdata/fuzz equal to fuzzSeeds; with
// GOTONG_UPDATE_SEEDS=1 it writes them.
func TestFuzzSeedsAreCurrent(t *testing.T) {
	update := os.Getenv("GOTONG_UPDATE_SEEDS") == "1"
	for target, seeds := range fuzzSeeds(t) {
		names := make([]string, 0, len(seeds))
		for name := range seeds {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			var b strings.Builder
			b.WriteString("go test fuzz v1\n")
			for _, v := range seeds[name] {
				fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
			}
			path := filepath.Join("testdata", "fuzz", target, name)
			if update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != b.String() {
				t.Errorf("%s is missing or stale (%v): run GOTONG_UPDATE_SEEDS=1 go test -run TestFuzzSeedsAreCurrent ./internal/registry/", path, err)
			}
		}
	}
}
