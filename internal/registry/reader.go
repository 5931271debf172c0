package registry

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// rowReader yields the rows of an uploaded file one at a time, never holding the
// whole file: the header first, then data rows. Row numbers are the spreadsheet's
// (the header is row 1), which is what the office sees when it opens the file.
type rowReader interface {
	// Next returns the next non-empty row and its row number; io.EOF at the end.
	Next() (row int, cells []string, err error)
	// Offset is how far into the file reading has got, for progress.
	Offset() int64
	Close() error
}

// countingReader counts bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// csvReader reads CSV as Excel and LibreOffice write it: a UTF-8 byte-order mark,
// ";" or "," (or tab) as separator — sniffed from the header line —, CRLF line ends,
// quoted fields with newlines inside, stray quotes, and Windows-1252 text. Encoding is
// decided per cell: a cell that is valid UTF-8 is taken as is, any other is decoded
// as Windows-1252 (the encoding Excel on Indonesian Windows saves "CSV" in).
type csvReader struct {
	src  *countingReader
	r    *csv.Reader
	row  int
	base int64
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	// Strip a UTF-8 BOM.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(br.Buffered())
	if len(head) == 0 {
		if _, err := br.Peek(1); err != nil {
			return nil, errEmptyFile
		}
		head, _ = br.Peek(br.Buffered())
	}
	c := csv.NewReader(br)
	c.Comma = sniffSeparator(head)
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	c.ReuseRecord = true
	return &csvReader{src: cr, r: c}, nil
}

// sniffSeparator picks the separator that occurs most often in the first line,
// outside quotes.
func sniffSeparator(head []byte) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, b := range head {
		switch {
		case b == '"':
			inQuote = !inQuote
		case inQuote:
		case b == '\n' || b == '\r':
			goto done
		case b == ';' || b == ',' || b == '\t':
			counts[rune(b)]++
		}
	}
done:
	best, n := ',', 0
	for _, sep := range []rune{',', ';', '\t'} {
		if counts[sep] > n {
			best, n = sep, counts[sep]
		}
	}
	return best
}

var win1252 = charmap.Windows1252.NewDecoder()

func (c *csvReader) Next() (int, []string, error) {
	for {
		rec, err := c.r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return c.row + 1, nil, fmt.Errorf("row %d: %w", c.row+1, pe.Err)
			}
			return 0, nil, err
		}
		c.row++
		if allEmpty(rec) {
			continue
		}
		out := make([]string, len(rec))
		for i, cell := range rec {
			if !utf8.ValidString(cell) {
				if dec, err := win1252.String(cell); err == nil {
					cell = dec
				} else {
					cell = strings.ToValidUTF8(cell, "\uFFFD")
				}
			}
			out[i] = cell
		}
		return c.row, out, nil
	}
}

func (c *csvReader) Offset() int64 { return c.src.n }
func (c *csvReader) Close() error  { return nil }

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// xlsxReader streams the first sheet of a workbook with excelize's row iterator,
// reading raw cell values: dates arrive as serial numbers (not as text formatted by
// the cell's style) and formulas as their cached results.
type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	src  *countingReader
	size int64
	row  int
}

func newXLSXReader(r io.ReaderAt, size int64) (*xlsxReader, error) {
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, errNotSpreadsheet
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errEmptyFile
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, errNotSpreadsheet
	}
	return &xlsxReader{f: f, rows: rows, size: size}, nil
}

func (x *xlsxReader) Next() (int, []string, error) {
	for x.rows.Next() {
		x.row++
		cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return x.row, nil, fmt.Errorf("row %d: %w", x.row, err)
		}
		if allEmpty(cells) {
			continue
		}
		return x.row, cells, nil
	}
	if err := x.rows.Error(); err != nil {
		return 0, nil, err
	}
	return 0, nil, io.EOF
}

// Offset for a workbook is not byte-exact (it is unzipped); report rows as a share
// of nothing better: the caller shows rows done for workbooks.
func (x *xlsxReader) Offset() int64 { return 0 }

func (x *xlsxReader) Close() error {
	err := x.rows.Close()
	return errors.Join(err, x.f.Close())
}

var (
	errEmptyFile      = errors.New("the file is empty")
	errNotSpreadsheet = errors.New("the file is not a readable XLSX workbook")
)
