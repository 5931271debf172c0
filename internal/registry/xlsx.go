package registry

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

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
