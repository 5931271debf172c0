// Package export writes tables for people and their spreadsheets: CSV and XLSX,
// row by row, with typed columns and an optional row of HXL hashtags under the
// column names, so that OCHA/HDX tools (libhxl, the HXL Proxy) read a file as is.
//
// # Formula injection
//
// A spreadsheet runs a cell that begins with =, +, - or @ as a formula (and some
// read a leading tab or carriage return the same way), so a name typed by a
// stranger could run =HYPERLINK(…) or worse in an official's spreadsheet. Every
// text cell of both formats goes through SafeCell, which puts an apostrophe in
// front of such a cell; the apostrophe stays part of the value in XLSX too, so
// that a sheet saved again as CSV stays safe. Numbers and dates are written as
// numbers (typed XLSX cells; plain digits in CSV), never as text, so a negative
// number stays a number and never needs neutralising.
//
// # CSV
//
// UTF-8 with a byte-order mark: Excel reads a CSV without one in the machine's
// legacy code page and garbles every name with an accent; with it, Excel,
// LibreOffice and Google Sheets all read UTF-8. HXL tools look for the hashtag
// row among the first rows, not at the first cell, so the mark in front of the
// first column name does not hide anything from them. Dates are ISO 8601
// (2006-01-02), the form HXL's #date expects.
//
// # XLSX
//
// Written here as SpreadsheetML straight into a streaming zip (xlsx.go) rather
// than through excelize: excelize's StreamWriter builds the whole zip in memory
// before it writes it, and took 7.6 CPU-seconds and a 32 MiB heap for the
// province's 3W (160,200 rows), where this writer takes 4.5 and 12 MiB, and the
// CSV 2.2 (BenchmarkExport3W in package web). Column names bold, hashtags under
// them, both rows frozen; integers and decimals are numeric cells, dates are date
// cells with a yyyy-mm-dd format; text cells are inline strings. The tests read
// the files back with excelize.
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/document"
)

// Kind is the type of a column's cells.
type Kind int

// Kinds of column.
const (
	Text    Kind = iota // string
	Integer             // int64 (or int)
	Decimal             // float64
	Date                // time.Time, or a "2006-01-02" string ("" leaves the cell empty)
	// LongDate is a Date that a CSV writes for people to read, as Indonesian
	// writes it ("3 Desember 2026"), not for HXL tools; XLSX has typed date cells
	// and shows both kinds alike.
	LongDate
)

// Column is one column: its name (row 1), its HXL hashtag (row 2 when any
// column has one) and the type of its cells.
type Column struct {
	Name string
	Tag  string
	Kind Kind
}

// Format is a file format: CSV or XLSX.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ContentType is the media type of f.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// SafeCell neutralises a cell that a spreadsheet would evaluate as a formula (=,
// +, -, @, tab or carriage return at the start) by prefixing an apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Table writes rows of the columns it was made with.
type Table struct {
	cols []Column
	rows int
	row  func(vals []any) error
	end  func() error
}

// bom is UTF-8's byte-order mark (see the package doc).
const bom = "\uFEFF"

// dateLayout is how dates are written in CSV, and read from strings.
const dateLayout = "2006-01-02"

// New starts a table in format f on w: it writes the column names and, when any
// column has a hashtag, the hashtags. sheet names the XLSX worksheet. Call Row
// for each row and Close at the end (XLSX writes the file to w only then).
func New(w io.Writer, f Format, sheet string, cols []Column) (*Table, error) {
	t := &Table{cols: cols}
	names := make([]string, len(cols))
	var tags []string
	for i, c := range cols {
		names[i] = c.Name
		if c.Tag != "" {
			tags = make([]string, len(cols))
		}
	}
	if tags != nil {
		for i, c := range cols {
			tags[i] = c.Tag
		}
	}
	switch f {
	case CSV:
		return t, t.startCSV(w, names, tags)
	case XLSX:
		return t, t.startXLSX(w, sheet, names, tags)
	}
	return nil, fmt.Errorf("export: unknown format %q", f)
}

// Row writes one row: a value per column, of the column's kind.
func (t *Table) Row(vals ...any) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("export: %d values for %d columns", len(vals), len(t.cols))
	}
	t.rows++
	return t.row(vals)
}

// Rows is the number of rows written (without the header rows).
func (t *Table) Rows() int { return t.rows }

// Close ends the table; for XLSX it writes the file.
func (t *Table) Close() error { return t.end() }

func (t *Table) startCSV(w io.Writer, names, tags []string) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	rec := make([]string, len(t.cols))
	for i := range names {
		rec[i] = SafeCell(names[i])
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	if tags != nil {
		// Hashtags begin with #, never with a formula's character.
		if err := cw.Write(tags); err != nil {
			return err
		}
	}
	t.row = func(vals []any) error {
		for i, v := range vals {
			s, err := csvCell(t.cols[i], v)
			if err != nil {
				return err
			}
			rec[i] = s
		}
		return cw.Write(rec)
	}
	t.end = func() error {
		cw.Flush()
		return cw.Error()
	}
	return nil
}

// csvCell formats v as column c's cell.
func csvCell(c Column, v any) (string, error) {
	switch c.Kind {
	case Integer:
		n, err := integer(c, v)
		return strconv.FormatInt(n, 10), err
	case Decimal:
		x, err := decimal(c, v)
		return strconv.FormatFloat(x, 'f', -1, 64), err
	case Date, LongDate:
		d, ok, err := date(c, v)
		if err != nil || !ok {
			return "", err
		}
		if c.Kind == LongDate {
			return document.FormatDate(d), nil
		}
		return d.Format(dateLayout), nil
	}
	s, err := text(c, v)
	return SafeCell(s), err
}

func text(c Column, v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("export: column %q is text, got %T", c.Name, v)
}

func integer(c Column, v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	}
	return 0, fmt.Errorf("export: column %q is an integer, got %T", c.Name, v)
}

func decimal(c Column, v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("export: column %q is a decimal, got %T", c.Name, v)
}

// date reads a date cell's value; ok is false for an empty one.
func date(c Column, v any) (time.Time, bool, error) {
	switch d := v.(type) {
	case time.Time:
		return d, !d.IsZero(), nil
	case string:
		if d == "" {
			return time.Time{}, false, nil
		}
		t, err := time.Parse(dateLayout, d)
		if err != nil {
			return t, false, fmt.Errorf("export: column %q: %w", c.Name, err)
		}
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("export: column %q is a date, got %T", c.Name, v)
}

// File is a table built into a temporary file, to be sent once it is whole: a
// failure half-way answers an error instead of a truncated file, and the export
// is recorded in the audit log, with its number of rows, before a byte leaves.
// Memory stays bounded: rows go to disk as they come.
type File struct {
	f    *os.File
	rows int
	size int64
}

// Build writes a table in format f into a temporary file in dir ("" the system's),
// calling fill to write its rows.
func Build(dir string, f Format, sheet string, cols []Column, fill func(*Table) error) (*File, error) {
	tmp, err := os.CreateTemp(dir, "gotong-export-*")
	if err != nil {
		return nil, err
	}
	out := &File{f: tmp}
	err = func() error {
		bw := bufio.NewWriterSize(tmp, 64<<10)
		t, err := New(bw, f, sheet, cols)
		if err != nil {
			return err
		}
		if err := fill(t); err != nil {
			return err
		}
		if err := t.Close(); err != nil {
			return err
		}
		out.rows = t.Rows()
		return bw.Flush()
	}()
	if err == nil {
		out.size, err = tmp.Seek(0, io.SeekCurrent)
	}
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = out.Close()
		return nil, err
	}
	return out, nil
}

// Rows is the number of rows of the table (without its header rows).
func (b *File) Rows() int { return b.rows }

// Size is the file's length in bytes.
func (b *File) Size() int64 { return b.size }

// WriteTo sends the file.
func (b *File) WriteTo(w io.Writer) (int64, error) { return io.Copy(w, b.f) }

// Close removes the temporary file.
func (b *File) Close() error {
	err := b.f.Close()
	if rerr := os.Remove(b.f.Name()); err == nil {
		err = rerr
	}
	return err
}
