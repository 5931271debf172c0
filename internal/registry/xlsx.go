package registry

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
)

// xlsxReader streams the first sheet of a workbook, reading raw cell values as
// excelize's RawCellValue does: dates arrive as serial numbers (not as text formatted
// by the cell's style), formulas as their cached results, shared and inline strings
// as their text.
//
// It reads the zip and the XML itself rather than through excelize, because a
// workbook comes from outside and excelize cannot be bounded (v2.11.1): OpenReader
// reads the whole file into memory; opening inflates every sheet larger than
// UnzipXMLSizeLimit into a temporary file (3.2 GB for the 3 MB bomb, left behind
// when the process dies) and every other part into memory, limited only in total by
// UnzipSizeLimit, which is checked against the sizes the archive declares; the rows
// iterator hands encoding/xml a whole cell, however large, as one token; and it
// ignores the decoder's errors (rows.Next and rows.Columns drop them, rows.Error
// only reports a row number past Excel's limit, Close only the temporary file), so a
// sheet whose XML breaks simply ends, and the rows after the break are lost without
// a word. Here nothing is written to disk, every part is streamed from the archive
// through a reader that bounds the bytes it inflates and the bytes of any single XML
// token, and every way the stream can end early is an error naming the row.
type xlsxReader struct {
	lim       Limits
	sheetFile *zip.File
	sheet     io.ReadCloser
	part      string // the sheet's name in the archive, for messages
	toks      *partTokens
	depth     int
	data      bool // inside sheetData

	// The scanner reads sheet data in place of encoding/xml (see sheetScanner)
	// while fast; when it gives up, fast is cleared for good and the sheet read
	// again from its start, passing over the rows nextRow has already returned.
	fast    bool
	scanSST bool // the scanner reads the shared strings too
	// sstGaveUp: the scanner gave up on the shared strings (for tests).
	sstGaveUp bool
	rows      int // nextRow's returns

	v     []byte // the cell's v
	is    textCollector
	line  []byte     // the row's values not in the shared strings
	spans []cellSpan // where each value is
	last  []int      // cutRow's: the last span of each column

	sst     *sharedStrings
	sstFile *zip.File
	// lazy: only the header is wanted, so shared strings are read when a row
	// needs them, and then only the ones it needs.
	lazy    bool
	pending []pendingString

	row     int   // the number of the row being read, or of the last one read
	done    int   // the number of the last row read whole
	scanned int   // row elements met, empty ones included
	cells   int64 // cells with a value
	err     error // sticky: the sheet cannot be read past here
}

// pendingString is a cell that refers to a shared string not read yet.
type pendingString struct{ col, index int }

// newXLSXReader opens the workbook in r. With header set only the first rows are
// wanted: the sizes of the sheet and shared strings are left to the worker, and
// shared strings are read only as far as the header needs them.
func newXLSXReader(r io.ReaderAt, size int64, lim Limits, header bool) (*xlsxReader, error) {
	return openXLSX(r, size, lim, header, true)
}

// openXLSX is newXLSXReader; without scan, encoding/xml reads every part (the
// tests compare the two).
func openXLSX(r io.ReaderAt, size int64, lim Limits, header, scan bool) (*xlsxReader, error) {
	lim = lim.orDefault()
	dir := &readBudget{r: r, left: 128<<10 + int64(lim.Parts)*512}
	zr, err := zip.NewReader(dir, size)
	if errors.Is(err, errBudget) || err == nil && len(zr.File) > lim.Parts {
		return nil, errs.E(errs.Invalid, "the workbook cannot be read: it holds more than %d files", lim.Parts)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "the file is not a readable XLSX workbook")
	}
	dir.left = -1 // the directory is read; the parts are bounded as they are read
	// The header check reads a row or two, with shared strings read lazily;
	// encoding/xml reads those.
	x := &xlsxReader{lim: lim, lazy: header, fast: scan && !header, scanSST: scan}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := files[name]; !dup {
			files[name] = f
		}
	}
	sheet, shared, err := x.findSheet(files)
	if err != nil {
		return nil, err
	}
	x.part, x.sstFile, x.sheetFile = sheet.Name, shared, sheet
	if !header {
		if n := sheet.UncompressedSize64; n > uint64(lim.SheetBytes) {
			return nil, errs.E(errs.Invalid, "the workbook cannot be read: its sheet unpacks to %d MiB, more than the %d MiB allowed", n>>20, lim.SheetBytes>>20)
		}
		if shared != nil && shared.UncompressedSize64 > uint64(lim.SheetBytes) {
			return nil, errs.E(errs.Invalid, "the workbook cannot be read: its shared strings unpack to %d MiB, more than the %d MiB allowed",
				shared.UncompressedSize64>>20, lim.SheetBytes>>20)
		}
		if x.sst, err = x.readSharedStrings(nil); err != nil {
			return nil, err
		}
	}
	if err := x.open(); err != nil {
		return nil, err
	}
	return x, nil
}

// findSheet finds the first sheet of the workbook, as Excel lists them, and the
// shared-string table, through the package's relationships.
func (x *xlsxReader) findSheet(files map[string]*zip.File) (sheet, shared *zip.File, err error) {
	book := "xl/workbook.xml"
	if rels := files["_rels/.rels"]; rels != nil {
		targets, err := x.readRels(rels, "")
		if err != nil {
			return nil, nil, err
		}
		for _, t := range targets {
			if strings.HasSuffix(t.kind, "/officeDocument") {
				book = t.target
				break
			}
		}
	}
	bookFile := files[strings.ToLower(book)]
	if bookFile == nil {
		return nil, nil, errs.E(errs.Invalid, "the file is not a readable XLSX workbook")
	}
	first, err := x.firstSheetID(bookFile)
	if err != nil {
		return nil, nil, err
	}
	var targets []relTarget
	relsName := path.Join(path.Dir(book), "_rels", path.Base(book)+".rels")
	if rels := files[strings.ToLower(relsName)]; rels != nil {
		if targets, err = x.readRels(rels, path.Dir(book)); err != nil {
			return nil, nil, err
		}
	}
	for _, t := range targets {
		switch {
		case t.id == first && first != "":
			sheet = files[strings.ToLower(t.target)]
		case strings.HasSuffix(t.kind, "/sharedStrings") && shared == nil:
			shared = files[strings.ToLower(t.target)]
		}
	}
	if shared == nil {
		shared = files["xl/sharedstrings.xml"]
	}
	if sheet == nil {
		return nil, nil, errs.E(errs.Invalid, "the workbook has no worksheet")
	}
	return sheet, shared, nil
}

type relTarget struct{ id, kind, target string }

// readRels reads a relationships part; targets are made absolute from dir.
func (x *xlsxReader) readRels(f *zip.File, dir string) ([]relTarget, error) {
	var out []relTarget
	err := x.walkPart(f, func(t xml.StartElement, depth int) error {
		if t.Name.Local != "Relationship" || depth != 2 {
			return nil
		}
		var r relTarget
		for _, a := range t.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.kind = a.Value
			case "Target":
				r.target = a.Value
			}
		}
		if strings.HasPrefix(r.target, "/") {
			r.target = strings.TrimPrefix(r.target, "/")
		} else {
			r.target = path.Join(dir, r.target)
		}
		if len(out) < x.lim.Parts {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// firstSheetID is the relationship id of the workbook's first sheet.
func (x *xlsxReader) firstSheetID(f *zip.File) (string, error) {
	id := ""
	err := x.walkPart(f, func(t xml.StartElement, depth int) error {
		if t.Name.Local != "sheet" || id != "" {
			return nil
		}
		for _, a := range t.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" {
				id = a.Value
				return errStop
			}
		}
		return nil
	})
	return id, err
}

var errStop = errors.New("stop")

// walkPart streams the start elements of part f to fn, bounded like the sheet.
func (x *xlsxReader) walkPart(f *zip.File, fn func(t xml.StartElement, depth int) error) error {
	rc, err := f.Open()
	if err != nil {
		return errs.E(errs.Invalid, "the file is not a readable XLSX workbook")
	}
	defer rc.Close()
	src := newXMLSource(rc, x.lim.PartBytes, int64(2*x.lim.CellBytes))
	dec := xml.NewDecoder(src)
	depth := 0
	for {
		tok, err := dec.Token()
		src.mark()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errs.E(errs.Invalid, "the workbook cannot be read: its part %s is damaged", f.Name)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > x.lim.Depth {
				return errs.E(errs.Invalid, "the workbook cannot be read: its part %s is damaged", f.Name)
			}
			if err := fn(t, depth); errors.Is(err, errStop) {
				return nil
			} else if err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return errDTD()
		}
	}
}

func errDTD() error {
	return errs.E(errs.Invalid, "the workbook cannot be read: it declares a DTD (<!DOCTYPE>), which spreadsheets never do")
}

// sharedStrings is the workbook's table of shared strings, held compactly: the text
// of all of them in one buffer and where each ends.
type sharedStrings struct {
	text []byte
	ends []uint32
	// only, when set, is the set of indexes kept (the rest are read past).
	only map[int]int
}

func (s *sharedStrings) get(i int) ([]byte, bool) {
	from, to, ok := s.span(i)
	return s.text[from:to], ok
}

// span is where string i lies in s.text.
func (s *sharedStrings) span(i int) (from, to int, ok bool) {
	if s.only != nil {
		j, ok := s.only[i]
		if !ok {
			return 0, 0, false
		}
		i = j
	}
	if i < 0 || i >= len(s.ends) {
		return 0, 0, false
	}
	if i > 0 {
		from = int(s.ends[i-1])
	}
	return from, int(s.ends[i]), true
}

// readSharedStrings reads the shared-string table; with only set, just those
// indexes, stopping after the highest. The scanner reads it when it can; when it
// gives up, encoding/xml reads the table again from its start.
func (x *xlsxReader) readSharedStrings(only map[int]bool) (*sharedStrings, error) {
	s, err := x.readSST(only, x.scanSST)
	if errors.Is(err, errFallback) {
		x.sstGaveUp = true
		return x.readSST(only, false)
	}
	return s, err
}

func (x *xlsxReader) readSST(only map[int]bool, scan bool) (*sharedStrings, error) {
	s := &sharedStrings{}
	if x.sstFile == nil {
		return s, nil
	}
	last := -1
	if only != nil {
		s.only = map[int]int{}
		for i := range only {
			last = max(last, i)
		}
	}
	rc, err := x.sstFile.Open()
	if err != nil {
		return nil, errs.E(errs.Invalid, "the file is not a readable XLSX workbook")
	}
	defer rc.Close()
	toks := newPartTokens(rc, x.lim.SheetBytes, int64(2*x.lim.CellBytes), scan)
	var t textCollector
	index, depth := 0, 0
	for {
		tk, err := toks.next()
		switch {
		case errors.Is(err, io.EOF):
			return s, nil
		case errors.Is(err, errFallback):
			return nil, err
		case errors.Is(err, errDirective):
			return nil, errDTD()
		case errors.Is(err, errLongToken):
			return nil, errs.E(errs.Invalid, "the workbook cannot be read: its shared strings hold a piece of text longer than %d KiB", x.lim.CellBytes>>10)
		case err != nil:
			return nil, errs.E(errs.Invalid, "the workbook cannot be read: its part %s is damaged", x.sstFile.Name)
		}
		switch tk.kind {
		case tokStart:
			if depth++; depth > x.lim.Depth {
				return nil, errs.E(errs.Invalid, "the workbook cannot be read: its part %s is damaged", x.sstFile.Name)
			}
			if depth == 1 {
				toks.handoff()
			}
			if depth == 2 && tk.name == "si" {
				t.start(depth)
			} else {
				t.open(tk.name, depth)
			}
		case tokText:
			if !t.add(tk.text, x.lim.CellBytes) {
				return nil, errs.E(errs.Invalid, "the workbook cannot be read: its shared strings hold a piece of text longer than %d KiB", x.lim.CellBytes>>10)
			}
		case tokEnd:
			t.close(depth)
			if depth == 2 && tk.name == "si" {
				if index >= x.lim.SharedStrings {
					return nil, errs.E(errs.Invalid, "the workbook cannot be read: its shared strings hold more than %d entries", x.lim.SharedStrings)
				}
				if only == nil || only[index] {
					if s.only != nil {
						s.only[index] = len(s.ends)
					}
					s.text = append(s.text, t.value()...)
					if len(s.text) > x.lim.SharedStringBytes {
						return nil, errs.E(errs.Invalid, "the workbook cannot be read: its shared strings hold more than %d MiB of text", x.lim.SharedStringBytes>>20)
					}
					s.ends = append(s.ends, uint32(len(s.text)))
				}
				if index++; only != nil && index > last {
					return s, nil
				}
			}
			depth--
		}
	}
}

// textCollector gathers the text of a string item (a shared string's si, a cell's
// is): its t, and the t of its runs (r), but not of its phonetic hints (rPh).
type textCollector struct {
	on    bool
	base  int // depth of the item
	in    int // depth of the t being read, 0 outside one
	skip  int // depth of an rPh being skipped, 0 outside one
	runs  bool
	buf   []byte
	found bool
}

func (t *textCollector) start(depth int) { *t = textCollector{on: true, base: depth, buf: t.buf[:0]} }

func (t *textCollector) open(name string, depth int) {
	switch {
	case !t.on || t.skip != 0 || t.in != 0:
	case name == "rPh" && depth == t.base+1:
		t.skip = depth
	case name == "t" && (depth == t.base+1 || depth == t.base+2 && t.runs):
		t.in, t.found = depth, true
	case name == "r" && depth == t.base+1:
		t.runs = true
	}
}

func (t *textCollector) close(depth int) {
	switch {
	case depth == t.skip:
		t.skip = 0
	case depth == t.in:
		t.in = 0
	case depth == t.base+1:
		t.runs = false
	case depth == t.base:
		t.on = false
	}
}

// add takes text; false when the item outgrows limit.
func (t *textCollector) add(b []byte, limit int) bool {
	if t.on && t.in != 0 && t.skip == 0 {
		t.buf = append(t.buf, b...)
	}
	return len(t.buf) <= limit
}

// value is the item's text, with the _xHHHH_ escapes of OOXML undone.
func (t *textCollector) value() []byte { return unescapeXString(t.buf) }

// unescapeXString undoes the escapes OOXML writes for characters XML cannot hold
// (_x000D_ for a carriage return, _x005F_ for a literal underscore), as excelize does.
func unescapeXString(b []byte) []byte {
	if !strings.Contains(string(b), "_x") {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32); err == nil {
				if r := rune(v); utf8.ValidRune(r) {
					out = utf8.AppendRune(out, r)
				}
				i += 7
				continue
			}
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func (x *xlsxReader) Next() (int, []string, error) {
	for {
		if x.err != nil {
			return 0, nil, x.err
		}
		row, cells, err := x.nextRow()
		if errors.Is(err, errFallback) {
			if err := x.restart(); err != nil {
				x.err = err
			}
			continue
		}
		x.rows++
		var bad *rowError
		if err != nil && !errors.As(err, &bad) {
			x.err = err
			continue
		}
		if len(x.pending) > 0 && err == nil {
			if err := x.resolvePending(cells); err != nil {
				x.err = err
				continue
			}
		}
		if err == nil && allEmpty(cells) {
			continue
		}
		return row, cells, err
	}
}

// restart reads the sheet again from its start with encoding/xml alone, after the
// scanner gave up, and passes over the row elements already read: encoding/xml says
// what the scanner would not, and reads the rest.
func (x *xlsxReader) restart() error {
	rows := x.rows
	x.sheet.Close()
	x.fast = false
	if err := x.open(); err != nil {
		return err
	}
	x.depth, x.data, x.row, x.done, x.scanned, x.cells, x.rows = 0, false, 0, 0, 0, 0, 0
	for ; x.rows < rows; x.rows++ {
		var bad *rowError
		if _, _, err := x.nextRow(); err != nil && !errors.As(err, &bad) {
			return err
		}
	}
	return nil
}

// open opens the sheet from its start.
func (x *xlsxReader) open() error {
	var err error
	if x.sheet, err = x.sheetFile.Open(); err != nil {
		return errs.E(errs.Invalid, "the file is not a readable XLSX workbook")
	}
	x.toks = newPartTokens(x.sheet, x.lim.SheetBytes, int64(2*x.lim.CellBytes), x.fast)
	return nil
}

// resolvePending fills in the shared strings a row refers to, reading the table
// only as far as it needs (the header check reads no more of a workbook than that).
func (x *xlsxReader) resolvePending(cells []string) error {
	if x.sst == nil {
		only := map[int]bool{}
		for _, p := range x.pending {
			only[p.index] = true
		}
		sst, err := x.readSharedStrings(only)
		if err != nil {
			return err
		}
		x.sst = sst
	}
	for _, p := range x.pending {
		if v, ok := x.sst.get(p.index); ok {
			cells[p.col] = string(v)
		}
	}
	x.pending = x.pending[:0]
	// A second row needing shared strings reads the whole table.
	if x.sst.only != nil {
		x.sst, x.lazy = nil, false
	}
	return nil
}

// token is the sheet's next token; the bytes of one token are bounded from here.
func (x *xlsxReader) token() (*sheetTok, error) {
	tok, err := x.toks.next()
	if err != nil {
		switch {
		case errors.Is(err, errFallback):
			return nil, err
		case errors.Is(err, errDirective):
			return nil, errDTD()
		}
		return nil, x.broken(err)
	}
	switch tok.kind {
	case tokStart:
		if x.depth++; x.depth > x.lim.Depth {
			return nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: its XML nests deeper than %d levels", x.at(), x.lim.Depth)
		}
	case tokEnd:
		x.depth--
	}
	return tok, nil
}

// at is the row the sheet cannot be read from: the one being read, or the next.
func (x *xlsxReader) at() int {
	if x.row > x.done {
		return x.row
	}
	return x.done + 1
}

// broken says why and where the sheet's stream ended before its end.
func (x *xlsxReader) broken(err error) error {
	var syntax *xml.SyntaxError
	switch {
	case errors.Is(err, errLongToken):
		return errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it holds a piece of text longer than %d KiB", x.at(), x.lim.CellBytes>>10)
	case errors.Is(err, errPartTooBig):
		return errs.E(errs.Invalid, "the workbook cannot be read from row %d on: the sheet unpacks to more than %d MiB", x.at(), x.lim.SheetBytes>>20)
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "the workbook cannot be read from row %d on: its XML breaks at line %d of %s", x.at(), syntax.Line, x.part)
	}
	// The end of the part before the end of the sheet's data, a damaged archive.
	return errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it is damaged", x.at())
}

// nextRow reads up to the next row element and returns its cells, or io.EOF at the
// end of the sheet's data.
func (x *xlsxReader) nextRow() (int, []string, error) {
	for {
		t, err := x.token()
		if err != nil {
			return 0, nil, err
		}
		switch t.kind {
		case tokStart:
			switch {
			case t.name == "sheetData" && !x.data:
				x.data = true
				if x.fast {
					x.toks.handoff()
				}
			case t.name == "row" && x.data:
				return x.readRow(t)
			}
		case tokEnd:
			if t.name == "sheetData" && x.data {
				return 0, nil, io.EOF
			}
		}
	}
}

// readRow reads the row element that starts with start, through its end.
func (x *xlsxReader) readRow(start *sheetTok) (int, []string, error) {
	if x.scanned++; x.scanned > x.lim.Rows {
		x.row++
		return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it has more than %d rows", x.at(), x.lim.Rows)
	}
	num := x.row + 1
	if r := start.ref; len(r) > 0 {
		n, err := strconv.Atoi(string(r))
		if err != nil || n <= x.row {
			x.row = num
			return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: row numbers go backwards", x.at())
		}
		num = n
	}
	x.row = num
	if num > x.lim.Rows {
		return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it has more than %d rows", x.at(), x.lim.Rows)
	}
	from, depth := x.toks.pos(), x.depth
	// The cells' values go into one buffer, which becomes one string the cells
	// are cut from, as encoding/csv does with a record.
	x.line, x.spans = x.line[:0], x.spans[:0]
	width := 0
	var bad error
	col := 0
	for {
		t, err := x.token()
		if err != nil {
			return 0, nil, err
		}
		if x.toks.pos()-from > int64(x.lim.RowBytes) {
			return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: a row is longer than %d KiB", x.at(), x.lim.RowBytes>>10)
		}
		switch t.kind {
		case tokStart:
			if t.name != "c" || x.depth != depth+1 {
				continue
			}
			start := len(x.line)
			var span cellSpan
			var has bool
			if span, has, err = x.readCell(t, col); err != nil {
				x.line = x.line[:start]
				var re *rowError
				if !errors.As(err, &re) {
					return 0, nil, err
				}
				col, bad = span.col+1, err
				continue
			}
			if col = span.col + 1; !has {
				x.line = x.line[:start]
				continue
			}
			if col > x.lim.Columns {
				return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: a row has more than %d columns", x.at(), x.lim.Columns)
			}
			if x.cells++; x.cells > x.lim.Cells {
				return 0, nil, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it has more than %d cells", x.at(), x.lim.Cells)
			}
			width = max(width, col)
			x.spans = append(x.spans, span)
		case tokEnd:
			if x.depth < depth {
				x.done = num
				if bad != nil {
					x.pending = x.pending[:0]
				}
				return num, x.cutRow(width), bad
			}
		}
	}
}

// cellSpan is where a cell's value lies: in the row's buffer, or in the shared
// strings.
type cellSpan struct {
	col, from, to int
	shared        bool
}

// cutRow makes the row's cells, width of them, as one string the cells are cut
// from, as encoding/csv does with a record. A later cell of the same column wins,
// as when cells were set one by one; the values it replaced are not copied (a row
// may name a column again and again, each time with a long shared string).
func (x *xlsxReader) cutRow(width int) []string {
	if width == 0 {
		return nil
	}
	last := x.last[:0]
	for range width {
		last = append(last, -1)
	}
	x.last = last
	for i, sp := range x.spans {
		last[sp.col] = i
	}
	size := 0
	for _, i := range last {
		if i >= 0 {
			size += x.spans[i].to - x.spans[i].from
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, i := range last {
		if i >= 0 {
			b.Write(x.value(x.spans[i]))
		}
	}
	line := b.String()
	cells := make([]string, width)
	at := 0
	for col, i := range last {
		if i >= 0 {
			n := x.spans[i].to - x.spans[i].from
			cells[col] = line[at : at+n]
			at += n
		}
	}
	return cells
}

func (x *xlsxReader) value(sp cellSpan) []byte {
	if sp.shared {
		return x.sst.text[sp.from:sp.to]
	}
	return x.line[sp.from:sp.to]
}

// The cell types the reader tells apart (t="s", t="inlineStr"); any other cell's
// value is its v.
const (
	cellOther = iota
	cellShared
	cellInline
)

func cellType(t []byte) int {
	switch string(t) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	}
	return cellOther
}

// readCell reads the cell element that starts with start, through its end: its
// column (from its reference, or the one after prev) and where its raw value is.
func (x *xlsxReader) readCell(start *sheetTok, prev int) (span cellSpan, has bool, err error) {
	col := prev + 1
	var bad error
	if ref := start.ref; len(ref) > 0 {
		if c, ok := refColumn(ref); ok {
			col = c
		} else {
			bad = &rowError{msg.New("Cell reference %q is not valid.", truncate(string(ref), 20))}
		}
	}
	span.col = col - 1
	kind := cellType(start.typ)
	depth := x.depth
	is := &x.is
	*is = textCollector{buf: is.buf[:0]}
	x.v = x.v[:0]
	inV, formula := false, false
	for {
		t, err := x.token()
		if err != nil {
			return span, false, err
		}
		switch t.kind {
		case tokStart:
			switch {
			case x.depth == depth+1 && t.name == "v":
				inV = true
			case x.depth == depth+1 && t.name == "f":
				formula = true
			case x.depth == depth+1 && t.name == "is":
				is.start(x.depth)
			default:
				is.open(t.name, x.depth)
			}
		case tokText:
			if inV {
				x.v = append(x.v, t.text...)
			}
			if len(x.v) > x.lim.CellBytes || !is.add(t.text, x.lim.CellBytes) {
				return span, false, errs.E(errs.Invalid, "the workbook cannot be read from row %d on: it holds a piece of text longer than %d KiB", x.at(), x.lim.CellBytes>>10)
			}
		case tokEnd:
			if x.depth < depth {
				if bad != nil {
					return span, false, bad
				}
				err := x.cellValue(&span, kind, x.v, is)
				return span, span.to > span.from || formula || x.pendingAt(col), err
			}
			is.close(x.depth + 1)
			if x.depth == depth && t.name == "v" {
				inV = false
			}
		}
	}
}

// cellValue finds a cell's raw value, by its type: in the shared strings, or
// appended to x.line.
func (x *xlsxReader) cellValue(span *cellSpan, kind int, v []byte, is *textCollector) error {
	col := span.col + 1
	span.from = len(x.line)
	span.to = span.from
	switch kind {
	case cellShared:
		if len(v) == 0 {
			return nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil || i < 0 {
			return &rowError{msg.New("The cell in column %d refers to shared text %q that does not exist.", col, truncate(string(v), 20))}
		}
		if x.sst == nil && x.lazy {
			x.pending = append(x.pending, pendingString{col - 1, i})
			return nil
		}
		if x.sst == nil {
			sst, err := x.readSharedStrings(nil)
			if err != nil {
				return err
			}
			x.sst = sst
		}
		from, to, ok := x.sst.span(i)
		if !ok {
			return &rowError{msg.New("The cell in column %d refers to shared text number %d that does not exist.", col, i)}
		}
		span.from, span.to, span.shared = from, to, true
		return nil
	case cellInline:
		if is.found {
			x.line = append(x.line, is.value()...)
			span.to = len(x.line)
			return nil
		}
	}
	x.line = append(x.line, v...)
	span.to = len(x.line)
	return nil
}

// pendingAt: the cell in column col waits for its shared string.
func (x *xlsxReader) pendingAt(col int) bool {
	return len(x.pending) > 0 && x.pending[len(x.pending)-1].col == col-1
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// refColumn is the column (1-based) of a cell reference such as "AB12".
func refColumn(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || i == len(ref) || col > 16384 {
		return 0, false
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return col, true
}

// Offset for a workbook is not byte-exact (it is unzipped): the caller shows rows
// done for workbooks.
func (x *xlsxReader) Offset() int64 { return 0 }

func (x *xlsxReader) Close() error { return x.sheet.Close() }

// xmlSource is what an xml.Decoder reads a workbook part through: it stops the
// part when it has inflated more than limit bytes, and when a single token (a
// cell's text, a run of whitespace, a tag with its attributes) outgrows token
// bytes, since the decoder holds a token whole. The decoder reads through
// ReadByte, so bytes are counted as it consumes them.
type xmlSource struct {
	r     *bufio.Reader
	n     int64 // bytes consumed
	at    int64 // n when the current token began
	limit int64
	token int64
	// rec: keep the bytes of the current token in raw (the handoff wants
	// sheetData's tag as written).
	rec bool
	raw []byte
}

var (
	errLongToken  = errors.New("an XML token is longer than the limit")
	errPartTooBig = errors.New("the part unpacks to more than the limit")
)

func newXMLSource(r io.Reader, limit, token int64) *xmlSource {
	return &xmlSource{r: bufio.NewReaderSize(r, 32<<10), limit: limit, token: token}
}

func (s *xmlSource) ReadByte() (byte, error) {
	if s.n-s.at >= s.token {
		return 0, errLongToken
	}
	if s.n >= s.limit {
		return 0, errPartTooBig
	}
	b, err := s.r.ReadByte()
	if err == nil {
		s.n++
		if s.rec {
			s.raw = append(s.raw, b)
		}
	}
	return b, err
}

// Read is never used by the decoder (it takes ReadByte), but makes an io.Reader.
func (s *xmlSource) Read(p []byte) (int, error) {
	for i := range p {
		b, err := s.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

// mark: a token ended; the next one begins.
func (s *xmlSource) mark() { s.at = s.n }

// readBudget is an io.ReaderAt that fails once it has read more than left bytes
// (left < 0: no limit). archive/zip reads a zip's whole directory when it opens
// it, holding a record per file: the budget bounds that.
type readBudget struct {
	r    io.ReaderAt
	left int64
}

var errBudget = errors.New("read budget exhausted")

func (b *readBudget) ReadAt(p []byte, off int64) (int, error) {
	if b.left >= 0 {
		if int64(len(p)) > b.left {
			return 0, errBudget
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}
