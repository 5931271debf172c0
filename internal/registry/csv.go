package registry

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/errs"
	"golang.org/x/text/encoding/charmap"
)

// csvReader reads CSV as Excel and LibreOffice write it: a UTF-8 byte-order mark,
// ";" or "," (or tab) as separator — sniffed from the header line —, CRLF line ends,
// quoted fields with newlines inside, stray quotes, and Windows-1252 text. Encoding is
// decided per cell: a cell that is valid UTF-8 is taken as is, any other is decoded
// as Windows-1252 (the encoding Excel on Indonesian Windows saves "CSV" in).
//
// encoding/csv holds a whole record in memory however long it is, and with lazy
// quotes a quote that never closes runs to the end of the file. A csvGuard between
// the file and the csv.Reader follows the quoting byte by byte and cuts the stream
// where a record or a cell outgrows its limit or a quote is evidently broken, so
// the csv.Reader never holds more than one bounded record.
type csvReader struct {
	src   *countingReader
	guard *csvGuard
	r     *csv.Reader
	err   error // the break, once met: every later Next returns it
}

func newCSVReader(r io.Reader, lim Limits) (*csvReader, error) {
	lim = lim.orDefault()
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
	sep, fields := sniffSeparator(head)
	g := &csvGuard{r: br, comma: byte(sep), lim: lim, want: fields, line: 1, recLine: 1}
	c := csv.NewReader(g)
	c.Comma = sep
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	c.ReuseRecord = true
	return &csvReader{src: cr, guard: g, r: c}, nil
}

// sniffSeparator picks the separator that occurs most often in the first line,
// outside quotes, and says how many fields that line has with it.
func sniffSeparator(head []byte) (rune, int) {
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
	return best, n + 1
}

var win1252 = charmap.Windows1252.NewDecoder()

func (c *csvReader) Next() (int, []string, error) {
	if c.err != nil {
		return 0, nil, c.err
	}
	for {
		rec, err := c.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, nil, io.EOF
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				// Lazy quotes leave encoding/csv nothing to complain about; what is
				// left is the disk.
				e = errs.Wrap(err, "read upload").(*errs.Error)
			}
			c.err = e
			return c.guard.recLine, nil, e
		}
		line, _ := c.r.FieldPos(0)
		out := make([]string, len(rec))
		for i, cell := range rec {
			out[i] = decodeCell(cell)
		}
		if allEmpty(out) { // after decoding: a Windows-1252 no-break space is space
			continue
		}
		return line, out, nil
	}
}

// decodeCell takes a cell that is valid UTF-8 as it is and decodes any other as
// Windows-1252.
func decodeCell(cell string) string {
	if utf8.ValidString(cell) {
		return cell
	}
	if dec, err := win1252.String(cell); err == nil {
		return dec
	}
	return strings.ToValidUTF8(cell, "\uFFFD")
}

func (c *csvReader) Offset() int64 { return c.src.n }
func (c *csvReader) Close() error  { return nil }

// csvGuard passes a CSV stream through while following it as encoding/csv with
// LazyQuotes reads it — a field that starts with a quote is quoted until a quote
// followed by the separator, a line end or the end of the file; any other quote is
// taken literally — and stops it, with an error saying where, when:
//
//   - a record grows beyond RowBytes, a field beyond CellBytes, or a record has more
//     than Columns fields: nothing an office writes, and what would otherwise be
//     held in memory whole;
//   - a quoted field is still open at the end of the file;
//   - a quoted field that has already run over a line end meets a quote that neither
//     closes it nor is doubled: the quote that opened it was a stray one;
//   - a line inside a quoted field holds as many separators as a whole row: the quote
//     is swallowing rows.
//
// A quoted field may hold line breaks (Excel writes multi-line addresses so), and
// those pass. The errors name the line where the record, or the quote, began.
type csvGuard struct {
	r     io.Reader
	comma byte
	lim   Limits
	want  int // fields of the header line
	err   error

	state      guardState
	line       int // the line being read
	recLine    int // the line the current record began on
	recBytes   int
	fieldBytes int
	fields     int
	quoteLine  int  // the line the open quoted field began on
	spanned    bool // the open quoted field has run over a line end
	lineSeps   int  // separators on the current line inside the open quoted field
}

type guardState uint8

const (
	atFieldStart guardState = iota
	inField                 // an unquoted field
	inQuotes                // a quoted field
	afterQuote              // a quote inside a quoted field: closing, doubled or stray
	afterQuoteCR            // a quote then a carriage return: closing if a line feed follows
)

func (g *csvGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; {
		// Inside a field, only quotes, separators and line ends matter: take the
		// bytes in between as one run.
		if g.state == inField || g.state == inQuotes {
			j := i
			for j < n && !g.special(p[j]) {
				j++
			}
			if j > i {
				g.recBytes += j - i
				g.fieldBytes += j - i
				if e := g.overLimit(); e != nil {
					g.err = e
					return i, nil
				}
				i = j
				continue
			}
		}
		if e := g.step(p[i]); e != nil {
			// Hand over what came before the break; the error comes with the next
			// read, so encoding/csv returns every whole record before it first.
			g.err = e
			return i, nil
		}
		i++
	}
	if errors.Is(err, io.EOF) {
		if e := g.end(); e != nil {
			g.err = e
			return n, nil
		}
	}
	return n, err
}

func (g *csvGuard) step(b byte) error {
	g.recBytes++
	g.fieldBytes++
	if b == '\n' {
		g.line++
	}
	switch g.state {
	case atFieldStart:
		switch b {
		case '"':
			g.state, g.quoteLine, g.spanned, g.lineSeps = inQuotes, g.line, false, 0
		case g.comma:
			if err := g.endField(); err != nil {
				return err
			}
		case '\n':
			g.endRecord()
		default:
			g.state = inField
		}
	case inField:
		switch b {
		case g.comma:
			if err := g.endField(); err != nil {
				return err
			}
		case '\n':
			g.endRecord()
		}
	case inQuotes:
		if err := g.quoted(b); err != nil {
			return err
		}
	case afterQuote:
		switch b {
		case '"': // a doubled quote: a quote in the text
			g.state = inQuotes
		case g.comma:
			if err := g.closeQuote(); err != nil {
				return err
			}
			if err := g.endField(); err != nil {
				return err
			}
		case '\n':
			if err := g.closeQuote(); err != nil {
				return err
			}
			g.endRecord()
		case '\r':
			g.state = afterQuoteCR
		default:
			if err := g.strayQuote(); err != nil {
				return err
			}
			if err := g.quoted(b); err != nil {
				return err
			}
		}
	case afterQuoteCR:
		if b == '\n' {
			if err := g.closeQuote(); err != nil {
				return err
			}
			g.endRecord()
			break
		}
		if err := g.strayQuote(); err != nil {
			return err
		}
		if err := g.quoted(b); err != nil {
			return err
		}
	}
	return g.overLimit()
}

// special: the bytes that can change the state inside a field.
func (g *csvGuard) special(b byte) bool { return b == '"' || b == '\n' || b == '\r' || b == g.comma }

// overLimit fails when the field or the record has outgrown its bound; an open
// quoted field that does is a quote that never closed.
func (g *csvGuard) overLimit() error {
	switch {
	case g.state >= inQuotes && (g.fieldBytes > g.lim.CellBytes || g.recBytes > g.lim.RowBytes):
		return g.brokenQuote()
	case g.fieldBytes > g.lim.CellBytes:
		return errs.E(errs.Invalid, "the file cannot be read from line %d on: a cell is longer than %d KiB", g.recLine, g.lim.CellBytes>>10)
	case g.recBytes > g.lim.RowBytes:
		return errs.E(errs.Invalid, "the file cannot be read from line %d on: a row is longer than %d KiB", g.recLine, g.lim.RowBytes>>10)
	}
	return nil
}

// quoted takes byte b inside a quoted field.
func (g *csvGuard) quoted(b byte) error {
	g.state = inQuotes
	switch b {
	case '"':
		g.state = afterQuote
	case '\n':
		if err := g.lineOfRow(); err != nil {
			return err
		}
		g.spanned, g.lineSeps = true, 0
	case g.comma:
		g.lineSeps++
	}
	return nil
}

// closeQuote: the open quoted field ends here.
func (g *csvGuard) closeQuote() error {
	if err := g.lineOfRow(); err != nil {
		return err
	}
	g.state = atFieldStart
	return nil
}

// lineOfRow fails when the line a quoted field has run onto holds as many
// separators as a whole row.
func (g *csvGuard) lineOfRow() error {
	if g.spanned && g.want > 2 && g.lineSeps >= g.want-1 {
		return g.brokenQuote()
	}
	return nil
}

// strayQuote: a quote inside a quoted field that neither closes it nor is doubled.
// On the field's first line it is taken literally, as encoding/csv does; once the
// field has run over a line end it means the opening quote was never meant to open.
func (g *csvGuard) strayQuote() error {
	if g.spanned {
		return g.brokenQuote()
	}
	return nil
}

func (g *csvGuard) brokenQuote() error {
	return errs.E(errs.Invalid, "the file cannot be read from line %d on: a quote opened there is never closed", g.quoteLine)
}

func (g *csvGuard) endField() error {
	g.state, g.fieldBytes = atFieldStart, 0
	if g.fields++; g.fields >= g.lim.Columns {
		return errs.E(errs.Invalid, "the file cannot be read from line %d on: a row has more than %d columns", g.recLine, g.lim.Columns)
	}
	return nil
}

func (g *csvGuard) endRecord() {
	g.state, g.fieldBytes, g.recBytes, g.fields, g.recLine = atFieldStart, 0, 0, 0, g.line
}

// end is the end of the file: a quoted field still open there was never closed.
func (g *csvGuard) end() error {
	if g.state == inQuotes {
		return g.brokenQuote()
	}
	return nil
}
