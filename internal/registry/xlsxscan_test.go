package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/memtest"
	"github.com/xuri/excelize/v2"
)

// readResult is everything a reader says about a workbook: each row's number and
// cells or rejection, and how it ends.
type readResult struct {
	rows []string
	end  string
	// scanned: the scanner read the sheet's data without giving up; gaveUp: it
	// gave up, and encoding/xml read the sheet again.
	scanned, gaveUp bool
}

// readWith reads every row of file, with the scanner or with encoding/xml alone.
func readWith(t *testing.T, file []byte, lim Limits, scan bool) (r readResult) {
	t.Helper()
	x, err := openXLSX(bytes.NewReader(file), int64(len(file)), lim, false, scan)
	if err != nil {
		return readResult{end: "open: " + err.Error()}
	}
	defer x.Close()
	defer func() {
		r.scanned = x.fast && x.toks.scan != nil && !x.sstGaveUp
		r.gaveUp = scan && (!x.fast || x.sstGaveUp)
	}()
	for range lim.orDefault().Rows + 2 {
		n, cells, err := x.Next()
		var bad *rowError
		switch {
		case errors.Is(err, io.EOF):
			r.end = "EOF"
			return r
		case errors.As(err, &bad):
			r.rows = append(r.rows, fmt.Sprintf("%d rejected: %v", n, err))
		case err != nil:
			r.end = err.Error()
			return r
		default:
			r.rows = append(r.rows, fmt.Sprintf("%d %q", n, cells))
		}
	}
	t.Fatal("more rows than the limit")
	return r
}

// sameAsEncodingXML reads file both ways and fails unless they agree on every row
// and on the end, messages and all.
func sameAsEncodingXML(t *testing.T, file []byte, lim Limits) readResult {
	t.Helper()
	got, want := readWith(t, file, lim, true), readWith(t, file, lim, false)
	if got.end != want.end || !slices.Equal(got.rows, want.rows) {
		t.Fatalf("with the scanner:\n%s\nend: %s\nwith encoding/xml:\n%s\nend: %s",
			strings.Join(got.rows, "\n"), got.end, strings.Join(want.rows, "\n"), want.end)
	}
	return got
}

func sheetBook(t *testing.T, sheet string, shared string) []byte {
	t.Helper()
	var sst *gen.Part
	if shared != "" {
		p := gen.PlainPart(shared)
		sst = &p
	}
	return workbook(t, func(b *bytes.Buffer) error { return gen.WriteWorkbook(b, gen.PlainPart(sheet), sst, nil) })
}

// FuzzXLSXScanner is the scanner's differential test: whatever the sheet, reading it
// with the scanner (which gives up to encoding/xml on what it does not know) gives
// the same rows, rejections and end, word for word, as reading it with encoding/xml
// alone.
func FuzzXLSXScanner(f *testing.F) {
	f.Fuzz(func(t *testing.T, sheet, shared []byte) {
		sameAsEncodingXML(t, fuzzSheetBook(t, sheet, shared), fuzzXLSXLimits)
	})
}

// scannerSeeds are sheets in the subset the scanner reads, and just outside it.
func scannerSeeds() map[string][][]byte {
	const ns = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">`
	sheet := func(rows ...string) []byte { return []byte(gen.SheetXML(rows...)) }
	return map[string][][]byte{
		"excel": {sheet(`<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" s="2"><v>45292</v></c></row>`,
			"\n  <row r=\"2\">\n\t<c r=\"A2\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> a\r\nb </t></is></c><c r='B2'><f>A2&amp;\"x\"</f><v>3</v></c><c r=\"C2\" t=\"str\"><f>1</f></c></row>"),
			[]byte(`<sst count="2"><si><t>No KK</t></si><si><r><rPr><b/></rPr><t>Na</t></r><r><t>ma</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si></sst>`)},
		"prefixes": {[]byte(ns + `<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row><x:row/></x:sheetData></x:worksheet>`), nil},
		"entities": {sheet(`<row><c t="inlineStr"><is><t>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#xd800;&#13;_x000D_</t></is></c><c><v>&#x31;2</v></c></row>`), nil},
		"cdata":    {sheet(`<row><c t="inlineStr"><is><t><![CDATA[<a&b>]]]></t></is></c><c t="inlineStr"><is><t>x<![CDATA[]]>y</t></is></c></row>`), nil},
		"comment":  {sheet(`<row><c><v>1</v></c></row><!-- x --><row><c><v>2</v></c></row>`), nil},
		"broken":   {sheet(`<row><c><v>1</v></c></row><row><c><v>2</c></row>`), nil},
		"bad-char": {sheet(`<row><c><v>1</v></c></row><row><c><v>&#0;</v></c></row>`), nil},
		"refs":     {sheet(`<row r="3"><c r="B3"><v>1</v></c><c r="B3"><v>2</v></c><c r="x"><v>3</v></c></row><row r="2"/>`), nil},
		"self":     {sheet(`<row r="1"><c r="A1" t="s"/><c r="B1"><v/></c><c r="C1"><is/></c><c r="D1"><v>4</v></c></row><sheetData/>`), nil},
		"long-row": {sheet(`<row><c><v>` + strings.Repeat("9", 500) + `</v></c><c><v>` + strings.Repeat("9", 500) + `</v></c>` + strings.Repeat(`<c r="A1"/>`, 300) + `</row>`), nil},
		"bad-attrs": {sheet(`<row r="1"><c r="A1" t="inlineStr" x:r="B1"><is><t>a</t></is></c></row>`,
			`<row r="2"><c r="A2" t="inlineStr" a="&amp;"><is><t>b</t></is></c></row>`), nil},
		"names": {sheet(`<row><c><v>1</v></c><a:b:c/></row>`), nil},
	}
}

// The scanner reads what real writers write without giving up, and reads it as
// encoding/xml does.
func TestXLSXScannerReadsRealWorkbooks(t *testing.T) {
	files := realWorkbooks(t)
	var b bytes.Buffer
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"No KK", "Nama", "Alamat", "Catatan"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"3171010101200011", "Dédé <Rina> & \"Budi\"", "Jl. A\r\nNo. 1", "tab\there"})
	_ = f.SetCellFormula("Sheet1", "E2", `=A2&"x"`)
	_ = f.SetCellRichText("Sheet1", "A3", []excelize.RichTextRun{{Text: "Budi "}, {Text: "Santoso", Font: &excelize.Font{Bold: true}}})
	_ = f.SetCellValue("Sheet1", "AA4", 3.5)
	b.Reset()
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	files["written by excelize, escapes"] = bytes.Clone(b.Bytes())
	for name, seed := range scannerSeeds() {
		if name == "excel" || name == "prefixes" || name == "entities" || name == "cdata" || name == "self" {
			files["seed "+name] = sheetBook(t, string(seed[0]), string(seed[1]))
		}
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			if r := sameAsEncodingXML(t, file, Limits{}); !r.scanned || r.end != "EOF" || len(r.rows) == 0 {
				t.Fatalf("the scanner gave up (%d rows, %s)", len(r.rows), r.end)
			}
		})
	}
}

// What the scanner does not know, or what is wrong, it leaves to encoding/xml: the
// sheet is read again, and ends as it did before the scanner.
func TestXLSXScannerGivesUpToEncodingXML(t *testing.T) {
	sstSheet := gen.SheetXML(`<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>`)
	cases := map[string]struct {
		sheet, shared string
		lim           Limits
		end           string
	}{
		"shared strings, comment":      {sheet: sstSheet, shared: `<sst><si><t>a</t></si><!-- x --><si><t>b</t></si></sst>`, end: "EOF"},
		"shared strings, broken":       {sheet: sstSheet, shared: `<sst><si><t>a</t></si><si><t>b</si></sst>`, end: "open: the workbook cannot be read: its part xl/sharedStrings.xml is damaged"},
		"shared strings, second root":  {sheet: sstSheet, shared: `<sst><si><t>a</t></si></sst><sst><si><t>b</t></si></sst>`, end: "EOF"},
		"shared strings, unclosed":     {sheet: sstSheet, shared: `<sst><si><t>a</t></si><si><t>b</t></si>`, end: "open: the workbook cannot be read: its part xl/sharedStrings.xml is damaged"},
		"shared strings, long text":    {sheet: sstSheet, shared: `<sst><si><t>` + strings.Repeat("a", 3000) + `</t></si></sst>`, lim: Limits{CellBytes: 1024}, end: "shared strings hold a piece of text longer than 1 KiB"},
		"shared strings, long tail":    {sheet: sstSheet, shared: `<sst><si><t>a</t></si><si><t>b</t></si></sst>` + strings.Repeat(" ", 3000), lim: Limits{CellBytes: 1024}, end: "shared strings hold a piece of text longer than 1 KiB"},
		"shared strings, text in tail": {sheet: sstSheet, shared: `<sst><si><t>a</t></si><si><t>b</t></si></sst> x`, end: "EOF"},
		"comment":                      {sheet: gen.SheetXML(gen.SheetRow(1, "a"), `<!-- x -->`, gen.SheetRow(2, "b")), end: "EOF"},
		"broken":                       {sheet: gen.SheetXML(gen.SheetRow(1, "a"), gen.SheetRow(2, "b"), "\n\n", `<row r="3"><c><v>1</c></row>`), end: "from row 3 on: its XML breaks at line 3 of xl/worksheets/sheet1.xml"},
		"entity":                       {sheet: gen.SheetXML(gen.SheetRow(1, "a"), `<row><c><v>&nbsp;</v></c></row>`), end: "from row 2 on: its XML breaks at line 1"},
		"long text":                    {sheet: gen.SheetXML(gen.SheetRow(1, "a"), gen.SheetRow(2, strings.Repeat("b", 3000))), lim: Limits{CellBytes: 1024}, end: "from row 2 on: it holds a piece of text longer than 1 KiB"},
		"unclosed":                     {sheet: strings.TrimSuffix(gen.SheetXML(gen.SheetRow(1, "a")), "</sheetData></worksheet>"), end: "from row 2 on: its XML breaks at line 1"},
		"prefixed ref":                 {sheet: gen.SheetXML(`<row xmlns:p=""><c p:r="C1" t="inlineStr"><is><t>a</t></is></c></row>`), end: "EOF"},
		"unicode name":                 {sheet: gen.SheetXML(gen.SheetRow(1, "a"), `<row><é/><c><v>1</v></c></row>`), end: "EOF"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := sameAsEncodingXML(t, sheetBook(t, c.sheet, c.shared), c.lim)
			// (A workbook that cannot be opened leaves no reader to ask.)
			if !r.gaveUp && !strings.HasPrefix(r.end, "open: ") || !strings.Contains(r.end, c.end) {
				t.Fatalf("gave up: %v, end %q, want %q", r.gaveUp, r.end, c.end)
			}
		})
	}
}

// A row that names one column again and again, each time with a long shared
// string, holds one value, not all of them: the row's buffer keeps the last value
// of each column once it outgrows the row's bound.
func TestXLSXRowRepeatingAColumnStaysSmall(t *testing.T) {
	long := strings.Repeat("a", 60<<10)
	row := `<row r="1">` + strings.Repeat(`<c r="A1" t="s"><v>0</v></c>`, 30000) + `<c r="B1" t="s"><v>1</v></c></row>`
	file := sheetBook(t, gen.SheetXML(row), `<sst><si><t>`+long+`</t></si><si><t>b</t></si></sst>`)
	var r readResult
	grew := memtest.HeapPeak(func() { r = sameAsEncodingXML(t, file, Limits{}) })
	if want := fmt.Sprintf("1 %q", []string{long, "b"}); len(r.rows) != 1 || r.rows[0] != want || r.end != "EOF" {
		t.Fatalf("%d rows, end %s", len(r.rows), r.end)
	}
	if grew > 32<<20 {
		t.Fatalf("reading it grew the heap by %d MiB", grew>>20)
	}
}
