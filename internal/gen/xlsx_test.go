package gen

import (
	"bytes"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestXLSXHouseholds opens a generated workbook with excelize and compares
// it cell by cell with the CSV the same seed gives.
func TestXLSXHouseholds(t *testing.T) {
	const n = 1500
	opt := Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.08}
	g := newGen(t, 11)
	var xb, cb bytes.Buffer
	xt, err := g.WriteHouseholdsXLSX(&xb, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := g.WriteHouseholdsCSV(&cb, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(xt.Planted, ct.Planted) {
		t.Fatal("XLSX and CSV plant different rows")
	}
	csvRows := readCSV(t, cb.Bytes(), HouseholdHeader)

	f, err := excelize.OpenReader(bytes.NewReader(xb.Bytes()))
	if err != nil {
		t.Fatalf("excelize cannot open the file: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || !slices.Equal(rows[0], HouseholdHeader) {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	planted := map[int]Plant{}
	for _, p := range xt.Planted {
		planted[p.Line] = p
	}

	styleFmt := func(t *testing.T, cell string) (int, string) {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		custom := ""
		if st.CustomNumFmt != nil {
			custom = *st.CustomNumFmt
		}
		return st.NumFmt, custom
	}

	t.Run("NIK and No KK are text cells formatted as text", func(t *testing.T) {
		for line := 2; line <= 200; line++ {
			if _, ok := planted[line]; ok {
				continue
			}
			for _, col := range []string{"A", "B"} {
				ref := col + strconv.Itoa(line)
				typ, err := f.GetCellType(sheet, ref)
				if err != nil {
					t.Fatal(err)
				}
				if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
					t.Fatalf("%s is of type %v, want a string", ref, typ)
				}
				if nf, _ := styleFmt(t, ref); nf != 49 {
					t.Fatalf("%s has number format %d, want 49 (text)", ref, nf)
				}
			}
		}
	})

	t.Run("birth dates are date cells with a date format", func(t *testing.T) {
		for line := 2; line <= 200; line++ {
			if planted[line].Damaged == ProblemBadDate {
				continue
			}
			ref := "D" + strconv.Itoa(line)
			if _, custom := styleFmt(t, ref); custom != "dd/mm/yyyy" {
				t.Fatalf("%s has format %q, want dd/mm/yyyy", ref, custom)
			}
			v, err := f.GetCellValue(sheet, ref) // formatted as the office sees it
			if err != nil {
				t.Fatal(err)
			}
			if v != csvRows[line-1][3] {
				t.Fatalf("%s shows %q, the CSV has %q", ref, v, csvRows[line-1][3])
			}
		}
	})

	t.Run("every cell holds what the CSV holds", func(t *testing.T) {
		for i := 1; i < len(rows); i++ {
			x, c := rows[i], csvRows[i]
			for len(x) < len(c) {
				x = append(x, "")
			}
			for j := range c {
				got := x[j]
				switch {
				case j == 3 && planted[i+1].Damaged != ProblemBadDate:
					serial, err := strconv.ParseFloat(got, 64)
					if err != nil {
						t.Fatalf("row %d: date cell %q is not a number", i+1, got)
					}
					d, err := excelize.ExcelDateToTime(serial, false)
					if err != nil {
						t.Fatal(err)
					}
					got = d.Format("02/01/2006")
				case j == 1 && planted[i+1].Damaged == ProblemNIKScientific:
					// A number cell: the spreadsheet kept 15 significant digits.
					v, err := strconv.ParseFloat(got, 64)
					if err != nil || v < 1e15 || int64(v)%10 != 0 {
						t.Fatalf("row %d: damaged NIK cell %q is not a rounded number", i+1, got)
					}
					continue
				}
				if got != c[j] {
					t.Fatalf("row %d column %s: XLSX %q, CSV %q", i+1, HouseholdHeader[j], got, c[j])
				}
			}
		}
	})

	t.Run("the workbook carries fixed properties", func(t *testing.T) {
		p, err := f.GetDocProps()
		if err != nil {
			t.Fatal(err)
		}
		if p.Creator != "gotong-gen" || p.Created != DefaultToday.Format(time.RFC3339) {
			t.Errorf("properties %+v", p)
		}
	})
}
