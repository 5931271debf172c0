package registry

import (
	"errors"
	"io"
	"strings"

	"github.com/gotong/gotong/internal/msg"
)

// rowReader yields the rows of an uploaded file one at a time, never holding the
// whole file: the header first, then data rows. Row numbers are the file's: the line
// a CSV record starts on, the row number of a spreadsheet (the header is row 1), which
// is what the office sees when it opens the file.
//
// Next returns a *rowError for a row that cannot be taken but leaves the rest of the
// file readable; any other error means the file cannot be read past that point (an
// *errs.Error saying where and why, for the import's failure), and every later call
// returns it again.
type rowReader interface {
	// Next returns the next non-empty row and its row number; io.EOF at the end.
	Next() (row int, cells []string, err error)
	// Offset is how far into the file reading has got, for progress.
	Offset() int64
	Close() error
}

// Limits bound what reading one uploaded file may hold in memory or make the worker
// do. Files come from outside: a hostile one (a zip bomb, a line that never ends, a
// quote that never closes) must end as a failed import with a reason, never as a
// server that runs out of memory. The defaults are far above what an office's file
// needs (a household row is about 13 cells of at most 300 characters) and far below
// what would hurt a server.
type Limits struct {
	// RowBytes bounds one row as read: a CSV record, quotes and all; the XML of a
	// spreadsheet row.
	RowBytes int
	// CellBytes bounds one cell's text, and any single piece of a workbook's XML.
	CellBytes int
	// Columns bounds the cells of a row (the widest template has 13).
	Columns int
	// Rows bounds the rows of a workbook scanned, empty ones included: Excel's
	// own limit. (A CSV, bounded record by record, is bounded as a whole by the
	// upload limit: systems export more rows than Excel opens.)
	Rows int
	// Cells bounds the cells with a value read from one workbook.
	Cells int64
	// SheetBytes bounds what a workbook's sheet (and its shared strings) may
	// unpack to; a sheet that declares more is refused before it is opened.
	SheetBytes int64
	// PartBytes bounds the small parts of a workbook read to find the sheet
	// (relationships, the workbook part).
	PartBytes int64
	// Parts bounds the files inside a workbook.
	Parts int
	// SharedStrings and SharedStringBytes bound the shared-string table held in
	// memory while a workbook is read: how many strings, and their text.
	SharedStrings     int
	SharedStringBytes int
	// Depth bounds how deep a workbook's XML may nest.
	Depth int
}

// DefaultLimits are the limits of every import unless Options say otherwise.
var DefaultLimits = Limits{
	RowBytes:          1 << 20,
	CellBytes:         64 << 10,
	Columns:           256,
	Rows:              1 << 20,
	Cells:             1 << 25,
	SheetBytes:        1 << 30,
	PartBytes:         16 << 20,
	Parts:             1000,
	SharedStrings:     1 << 22,
	SharedStringBytes: 64 << 20,
	Depth:             64,
}

// orDefault fills the limits left at zero with the defaults.
func (l Limits) orDefault() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.RowBytes, d.RowBytes)
	pick(&l.CellBytes, d.CellBytes)
	pick(&l.Columns, d.Columns)
	pick(&l.Rows, d.Rows)
	pick(&l.Parts, d.Parts)
	pick(&l.SharedStrings, d.SharedStrings)
	pick(&l.SharedStringBytes, d.SharedStringBytes)
	pick(&l.Depth, d.Depth)
	if l.Cells <= 0 {
		l.Cells = d.Cells
	}
	if l.SheetBytes <= 0 {
		l.SheetBytes = d.SheetBytes
	}
	if l.PartBytes <= 0 {
		l.PartBytes = d.PartBytes
	}
	return l
}

// rowError is a row a reader cannot take while the rest of the file stays readable;
// reason says why, for the error file the office fixes.
type rowError struct{ reason msg.Message }

func (e *rowError) Error() string { return e.reason.String() }

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

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

var errEmptyFile = errors.New("the file is empty")
