package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/gotong/gotong/internal/gen"
	"github.com/xuri/excelize/v2"
)

// benchRows is the size of the benchmark files: 20,000 household rows with the
// generator's damage, as CSV (about 2.7 MB) and XLSX.
const benchRows = 20000

func benchFile(b *testing.B, xlsx bool) []byte {
	b.Helper()
	var buf bytes.Buffer
	g := gen.New(9, testRegions, "31")
	opt := gen.Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.08}
	var err error
	if xlsx {
		_, err = g.WriteHouseholdsXLSX(&buf, benchRows, opt)
	} else {
		_, err = g.WriteHouseholdsCSV(&buf, benchRows, opt)
	}
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func drain(b *testing.B, rr rowReader) int {
	n := 0
	for {
		_, _, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReadXLSX reads every row of a workbook: the registry's bounded reader
// against excelize's stream reader with raw values, which it replaced.
func BenchmarkReadXLSX(b *testing.B) {
	file := benchFile(b, true)
	b.Run("registry", func(b *testing.B) { benchXLSX(b, file) })
	// Excel keeps a sheet's text in the shared-string table, which the generator
	// (writing inline strings, as excelize's stream writer does) does not: the same
	// rows, rewritten by excelize's ordinary writer.
	shared := sharedStringsCopy(b, file)
	b.Run("registry-shared-strings", func(b *testing.B) { benchXLSX(b, shared) })
	b.Run("excelize", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		for b.Loop() {
			f, err := excelize.OpenReader(bytes.NewReader(file), excelize.Options{RawCellValue: true})
			if err != nil {
				b.Fatal(err)
			}
			rows, err := f.Rows(f.GetSheetList()[0])
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			f.Close()
			if n != benchRows+1 {
				b.Fatalf("%d rows", n)
			}
		}
	})
}

// benchXLSX reads every row of file with the registry's reader.
func benchXLSX(b *testing.B, file []byte) {
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		x, err := newXLSXReader(bytes.NewReader(file), int64(len(file)), Limits{}, false)
		if err != nil {
			b.Fatal(err)
		}
		if n := drain(b, x); n != benchRows+1 {
			b.Fatalf("%d rows", n)
		}
		x.Close()
	}
}

// sharedStringsCopy is file's rows written again with excelize's ordinary writer,
// which keeps text in the shared-string table as Excel does.
func sharedStringsCopy(b *testing.B, file []byte) []byte {
	b.Helper()
	x, err := newXLSXReader(bytes.NewReader(file), int64(len(file)), Limits{}, false)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	f := excelize.NewFile()
	defer f.Close()
	for {
		n, cells, err := x.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		row := make([]any, len(cells))
		for i, c := range cells {
			row[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			b.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkReadCSV reads every row of a CSV: the registry's reader (the guard, the
// per-cell decoding) against encoding/csv alone.
func BenchmarkReadCSV(b *testing.B) {
	file := benchFile(b, false)
	b.Run("registry", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		for b.Loop() {
			rr, err := newCSVReader(bytes.NewReader(file), Limits{})
			if err != nil {
				b.Fatal(err)
			}
			if n := drain(b, rr); n != benchRows+1 {
				b.Fatalf("%d rows", n)
			}
		}
	})
	b.Run("encoding/csv", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(file))
			r.LazyQuotes, r.FieldsPerRecord, r.ReuseRecord = true, -1, true
			n := 0
			for {
				if _, err := r.Read(); err != nil {
					break
				}
				n++
			}
			if n != benchRows+1 {
				b.Fatalf("%d rows", n)
			}
		}
	})
}
