package export_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/export"
	"github.com/xuri/excelize/v2"
)

var cols = []export.Column{
	{Name: "Organisasi", Tag: "#org+impl+name", Kind: export.Text},
	{Name: "Jumlah", Tag: "#reached+hh", Kind: export.Integer},
	{Name: "Bagian", Tag: "#indicator+pct", Kind: export.Decimal},
	{Name: "Mulai", Tag: "#date+start", Kind: export.Date},
}

var dangerous = []string{`=HYPERLINK("http://x","y")`, "+1", "-2", "@SUM(A1)", "\tx", "\rx"}

func write(t *testing.T, f export.Format, rows [][]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	tb, err := export.New(&buf, f, "Data", cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := tb.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if tb.Rows() != len(rows) {
		t.Fatalf("Rows() = %d, want %d", tb.Rows(), len(rows))
	}
	return buf.Bytes()
}

func testRows() [][]any {
	var rows [][]any
	for i, d := range dangerous {
		rows = append(rows, []any{d, int64(-i), -0.25, "2026-03-0" + string(rune('1'+i))})
	}
	return append(rows, []any{"Yayasan Peduli", 7, 0.5, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, []any{"Kosong", int64(0), 0.0, ""})
}

func TestCSVHasBOMHeaderHashtagsAndNeutralisedCells(t *testing.T) {
	out := write(t, export.CSV, testRows())
	if !bytes.HasPrefix(out, []byte("\uFEFF")) {
		t.Fatal("the CSV does not begin with a UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(out[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], "|"); got != "Organisasi|Jumlah|Bagian|Mulai" {
		t.Errorf("row 1 = %s", got)
	}
	if got := strings.Join(recs[1], "|"); got != "#org+impl+name|#reached+hh|#indicator+pct|#date+start" {
		t.Errorf("row 2 = %s", got)
	}
	for i, d := range dangerous {
		r := recs[i+2]
		if r[0] != "'"+d {
			t.Errorf("cell %q written as %q, want it neutralised", d, r[0])
		}
		if want := strconv.Itoa(-i); r[1] != want {
			t.Errorf("integer %d written as %q, want %q (a number, not neutralised)", -i, r[1], want)
		}
		if r[2] != "-0.25" {
			t.Errorf("decimal written as %q", r[2])
		}
	}
	last := recs[len(recs)-2]
	if last[0] != "Yayasan Peduli" || last[1] != "7" || last[2] != "0.5" || last[3] != "2026-04-01" {
		t.Errorf("plain row = %q", last)
	}
	if empty := recs[len(recs)-1]; empty[3] != "" {
		t.Errorf("empty date written as %q", empty[3])
	}
}

func TestXLSXTypesCellsAndNeutralisesText(t *testing.T) {
	out := write(t, export.XLSX, testRows())
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetName(0); got != "Data" {
		t.Errorf("sheet = %q", got)
	}
	get := func(cell string) (string, excelize.CellType) {
		t.Helper()
		v, err := f.GetCellValue("Data", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		typ, err := f.GetCellType("Data", cell)
		if err != nil {
			t.Fatal(err)
		}
		return v, typ
	}
	if v, _ := get("A1"); v != "Organisasi" {
		t.Errorf("A1 = %q", v)
	}
	if v, _ := get("D2"); v != "#date+start" {
		t.Errorf("D2 = %q", v)
	}
	style, _ := f.GetCellStyle("Data", "A1")
	if st, err := f.GetStyle(style); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("the header is not bold: %+v %v", st, err)
	}
	for i, d := range dangerous {
		row := string(rune('3' + i))
		if v, _ := get("A" + row); v != "'"+d {
			t.Errorf("A%s = %q, want %q neutralised", row, v, d)
		}
		want := strconv.Itoa(-i)
		if v, typ := get("B" + row); v != want || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("B%s = %q (type %v), want the number %s", row, v, typ, want)
		}
	}
	if v, typ := get("C3"); v != "-0.25" || typ == excelize.CellTypeInlineString {
		t.Errorf("C3 = %q (%v), want the number -0.25", v, typ)
	}
	// 2026-03-01 is day 46082 of Excel's calendar.
	if v, _ := get("D3"); v != "46082" {
		t.Errorf("D3 = %q, want the date's serial number", v)
	}
	if shown, _ := f.GetCellValue("Data", "D3"); shown != "2026-03-01" {
		t.Errorf("D3 shows %q, want 2026-03-01", shown)
	}
	panes, err := f.GetPanes("Data")
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes = %+v, %v; want the two header rows frozen", panes, err)
	}
}

func TestRowRefusesWrongKinds(t *testing.T) {
	for _, f := range []export.Format{export.CSV, export.XLSX} {
		tb, err := export.New(&bytes.Buffer{}, f, "", cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Row("x", "1", 0.5, ""); err == nil {
			t.Errorf("%s: a string in an integer column was accepted", f)
		}
		if err := tb.Row("x", 1); err == nil {
			t.Errorf("%s: a short row was accepted", f)
		}
		if err := tb.Row("x", 1, 0.5, "1 April"); err == nil {
			t.Errorf("%s: a date that is not ISO was accepted", f)
		}
		_ = tb.Close()
	}
}

// FuzzSafeCSV writes any text through the CSV table: read back, the cell is the
// text (after taking the neutralising apostrophe off, and with CSV's folding of
// CRLF into LF), and never begins with a formula's character.
func FuzzSafeCSV(f *testing.F) {
	for _, d := range append(dangerous, "", "'", "'=1", "a,b", `"q"`, "x\r\ny", "Ñandú", "\x00") {
		f.Add(d)
	}
	one := []export.Column{{Name: "v", Kind: export.Text}}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		tb, err := export.New(&buf, export.CSV, "", one)
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Row(s); err != nil {
			t.Fatal(err)
		}
		if err := tb.Close(); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF"))))
		r.LazyQuotes = false
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("CSV of %q does not parse: %v", s, err)
		}
		var got string
		switch len(recs) {
		case 2:
			got = recs[1][0]
		case 1:
			// encoding/csv writes "" as an empty line, which readers skip.
			if s != "" {
				t.Fatalf("CSV of %q has no row", s)
			}
		default:
			t.Fatalf("CSV of %q has %d records", s, len(recs))
		}
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("cell %q begins with a formula's character", got)
		}
		back := got
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			if !strings.HasPrefix(got, "'") {
				t.Fatalf("cell %q of %q is not neutralised", got, s)
			}
			back = got[1:]
		}
		if want := strings.ReplaceAll(s, "\r\n", "\n"); back != want {
			t.Fatalf("cell %q read back as %q", want, back)
		}
	})
}
