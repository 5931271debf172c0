package gen

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// cellKind says what a cell holds, which matters in XLSX: an office's
// spreadsheet keeps NIK, No. KK, RW, RT and phone numbers as text (so that
// leading zeros and all 16 digits survive) and birth dates as real dates.
type cellKind uint8

const (
	kText   cellKind = iota // free text
	kCode                   // digits that must stay text
	kDate                   // a calendar date
	kInt                    // a count
	kDeg                    // a coordinate in micro-degrees
	kNumber                 // a number where text was meant (a damaged NIK): s in CSV, f in XLSX
)

type cell struct {
	k cellKind
	s string
	d date
	n int
	f float64
}

func text(s string) cell { return cell{k: kText, s: s} }
func code(s string) cell { return cell{k: kCode, s: s} }

// padded writes RW and RT numbers as offices do, "005".
func padded(n int) cell { return cell{k: kCode, s: string(appendPad(nil, n, 3))} }

// sink receives a table: a header, then rows.
type sink interface {
	header(cols []string) error
	row(cells []cell) error
	close() error
	abort() // releases what close would, after a failure
}

type csvSink struct {
	w      *csv.Writer
	layout string
	rec    []string
	buf    []byte
}

func newCSVSink(w io.Writer, layout string) *csvSink {
	return &csvSink{w: csv.NewWriter(w), layout: layout}
}

func (s *csvSink) header(cols []string) error { return s.w.Write(cols) }

func (s *csvSink) row(cells []cell) error {
	s.rec = s.rec[:0]
	for _, c := range cells {
		switch c.k {
		case kDate:
			y, m, d := c.d.ymd()
			s.buf = formatDate(s.buf[:0], s.layout, y, m, d)
			s.rec = append(s.rec, string(s.buf))
		case kInt:
			s.rec = append(s.rec, strconv.Itoa(c.n))
		case kDeg:
			s.rec = append(s.rec, degrees(c.n))
		default:
			s.rec = append(s.rec, c.s)
		}
	}
	return s.w.Write(s.rec)
}

func (s *csvSink) abort() {}

func (s *csvSink) close() error {
	s.w.Flush()
	return s.w.Error()
}

// degrees writes micro-degrees as a decimal with six places, with integer
// arithmetic only.
func degrees(micro int) string {
	var b []byte
	if micro < 0 {
		b = append(b, '-')
		micro = -micro
	}
	b = strconv.AppendInt(b, int64(micro/1000000), 10)
	b = append(b, '.')
	return string(appendPad(b, micro%1000000, 6))
}

// xlsxSink streams one sheet with excelize's StreamWriter, which spills rows
// to a temporary file instead of holding them in memory.
type xlsxSink struct {
	w         io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	rowNum    int
	textStyle int
	dateStyle int
	headStyle int
	vals      []any
	widths    []float64
}

func newXLSXSink(w io.Writer, dateLayout string, today time.Time, widths []float64) (*xlsxSink, error) {
	f := excelize.NewFile()
	// File.WriteTo assembles the whole zip in a bytes.Buffer before copying
	// it out; a zip writer on w itself streams it instead, so memory stays
	// flat however many rows there are. (Excelize only rewrites headers in
	// that buffer for parts over 4 GiB, which a sheet within Excel's row
	// limit never reaches.)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	s := &xlsxSink{w: w, f: f, widths: widths}
	// Fixed properties keep the file byte-identical from run to run.
	stamp := today.UTC().Format(time.RFC3339)
	err := f.SetDocProps(&excelize.DocProperties{Creator: "gotong-gen", Created: stamp, Modified: stamp,
		Title: "Data registri (fiktif)", Language: "id-ID"})
	if err != nil {
		return nil, err
	}
	if s.textStyle, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // "@": text
		return nil, err
	}
	fmtStr := excelDateFormat(dateLayout)
	if s.dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtStr}); err != nil {
		return nil, err
	}
	if s.headStyle, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if s.sw, err = f.NewStreamWriter("Sheet1"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *xlsxSink) header(cols []string) error {
	for i, w := range s.widths {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	s.vals = s.vals[:0]
	for _, c := range cols {
		s.vals = append(s.vals, excelize.Cell{StyleID: s.headStyle, Value: c})
	}
	return s.next()
}

func (s *xlsxSink) row(cells []cell) error {
	s.vals = s.vals[:0]
	for _, c := range cells {
		var v any
		switch c.k {
		case kText:
			if c.s != "" {
				v = c.s
			}
		case kCode:
			if c.s != "" {
				v = excelize.Cell{StyleID: s.textStyle, Value: c.s}
			}
		case kDate:
			v = excelize.Cell{StyleID: s.dateStyle, Value: c.d.time()}
		case kInt:
			v = c.n
		case kDeg:
			v = float64(c.n) / 1e6
		case kNumber:
			v = c.f
		}
		s.vals = append(s.vals, v)
	}
	return s.next()
}

func (s *xlsxSink) next() error {
	s.rowNum++
	ref, err := excelize.CoordinatesToCellName(1, s.rowNum)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, s.vals)
}

func (s *xlsxSink) abort() { s.f.Close() } // removes the temporary files

func (s *xlsxSink) close() error {
	if err := s.sw.Flush(); err != nil {
		s.f.Close()
		return err
	}
	if _, err := s.f.WriteTo(io.Discard); err != nil { // the zip writer above writes to s.w
		s.f.Close()
		return fmt.Errorf("gen: write xlsx: %w", err)
	}
	return s.f.Close()
}
