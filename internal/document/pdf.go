package document

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// errNoVerifyURL refuses a record nobody could check: its QR code and printed URL
// are what make a paper copy worth trusting.
var errNoVerifyURL = errors.New("document: the verification URL is missing")

// The font family every document uses; "B" is its bold face.
const family = "Go"

// newPDF starts an A4 document in millimetres with the Go fonts and the metadata
// fixed by the document's own time, so the same input gives the same bytes.
func newPDF(orientation, title string, at time.Time) *fpdf.Fpdf {
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	pdf.SetTitle(title, true)
	pdf.SetCreator("Gotong", true)
	pdf.SetProducer("Gotong", true)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	return pdf
}

// maxRunes bounds what a field may hold before it is measured: nothing printed on
// these documents needs more, and measuring a megabyte name costs time for nothing.
const maxRunes = 300

// glyphs answers whether the Go fonts can draw a rune.
var glyphs = sync.OnceValue(func() *sfnt.Font {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		panic(fmt.Sprintf("document: the embedded Go font does not parse: %v", err))
	}
	return f
})

// clean makes text from people safe to set: on one line, without control or
// format characters (zero-width spaces, bidirectional overrides: they reorder or
// hide text), composed (NFC, so "e" + U+0301 prints as "é" — after the format
// characters are gone, so none can keep the two apart), with characters the font
// cannot draw shown as "?", and at most maxRunes long.
func clean(s string) string {
	if len(s) > 4*maxRunes {
		s = s[:4*maxRunes]
	}
	s = norm.NFC.String(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
			return -1
		}
		return r
	}, s))
	var b strings.Builder
	var buf sfnt.Buffer
	n, space := 0, false
	for _, r := range s {
		if r == ' ' {
			space = b.Len() > 0
			continue
		}
		if r == utf8.RuneError {
			r = '?'
		} else if r >= utf8.RuneSelf {
			if g, err := glyphs().GlyphIndex(&buf, r); err != nil || g == 0 {
				r = '?'
			}
		}
		if space {
			b.WriteByte(' ')
			space = false
			n++
		}
		b.WriteRune(r)
		if n++; n >= maxRunes {
			break
		}
	}
	return b.String()
}

// fit returns s cleaned and cut with "…" to fit width w in the current font.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	s = clean(s)
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	return cut(pdf, s, w)
}

// cut returns the longest start of s that fits width w with "…" after it.
func cut(pdf *fpdf.Fpdf, s string, w float64) string {
	rs := []rune(s)
	lo, hi := 0, len(rs) // the longest prefix that fits is rs[:lo]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if pdf.GetStringWidth(string(rs[:mid])+"…") <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(rs[:lo]), " ") + "…"
}

// lines wraps s, cleaned, to width w in the current font, at most max lines, the
// last cut with "…" when text is left over.
func lines(pdf *fpdf.Fpdf, s string, w float64, max int) []string {
	s = clean(s)
	if s == "" {
		return nil
	}
	ls := pdf.SplitText(s, w)
	if len(ls) > max {
		ls = ls[:max]
		ls[max-1] = cut(pdf, ls[max-1], w)
	}
	return ls
}

// qr draws a QR code holding text as a w-millimetre square at x, y.
func qr(pdf *fpdf.Fpdf, text string, x, y, w float64) {
	bits, err := qrBits(text)
	drawQR(pdf, bits, err, x, y, w)
}

// qrBits encodes text as a QR code's modules, quiet zone included.
func qrBits(text string) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("document: QR code: %w", err)
	}
	return q.Bitmap(), nil
}

// drawQR draws modules made by qrBits as vector squares, one filled path of a
// rectangle per run of dark modules in a row. Vectors print sharp at any size,
// where a viewer smooths a scaled-up image into grey edges; and they cost no
// image to encode, which was a third of a labels PDF's time.
func drawQR(pdf *fpdf.Fpdf, bits [][]bool, err error, x, y, w float64) {
	if pdf.Err() {
		return
	}
	if err != nil {
		pdf.SetError(err)
		return
	}
	const k = 72 / 25.4 // points per millimetre
	_, pageH := pdf.GetPageSize()
	m := w / float64(len(bits))
	b := make([]byte, 0, 16<<10)
	b = append(b, "q 0 g\n"...)
	num := func(v float64) { b = strconv.AppendFloat(b, v*k, 'f', 2, 64); b = append(b, ' ') }
	for i, row := range bits {
		for j := 0; j < len(row); {
			if !row[j] {
				j++
				continue
			}
			start := j
			for j < len(row) && row[j] {
				j++
			}
			num(x + float64(start)*m)
			num(pageH - y - float64(i+1)*m)
			num(float64(j-start) * m)
			num(m)
			b = append(b, "re\n"...)
		}
	}
	b = append(b, "f Q\n"...)
	pdf.RawWriteBuf(bytes.NewReader(b))
}

// qrAhead encodes the QR codes of texts in order on a few goroutines, ahead of
// the page being drawn: a QR code takes about a millisecond to encode (eight masks
// scored), most of a labels PDF's time. At most qrWindow codes wait at once, so
// memory does not grow with the run. The caller must call stop when done.
func qrAhead(texts []string) (next func() ([][]bool, error), stop func()) {
	type result struct {
		bits [][]bool
		err  error
	}
	results := make([]chan result, len(texts))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	window := make(chan struct{}, qrWindow)
	done := make(chan struct{})
	go func() {
		defer close(jobs)
		for i := range texts {
			select {
			case window <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for range min(qrWorkers, len(texts)) {
		go func() {
			for i := range jobs {
				bits, err := qrBits(texts[i])
				results[i] <- result{bits, err}
			}
		}()
	}
	i := 0
	next = func() ([][]bool, error) {
		r := <-results[i]
		i++
		<-window
		return r.bits, r.err
	}
	var once sync.Once
	return next, func() { once.Do(func() { close(done) }) }
}

// qrWorkers encode QR codes side by side: two, so that one labels PDF uses at most
// the two cores this runs on and leaves the rest of the server alone on bigger ones.
const (
	qrWorkers = 2
	qrWindow  = 16
)

// quantity writes "2.000 kg".
func quantity(n int, unit string) string {
	if unit = clean(unit); unit == "" {
		return FormatNumber(n)
	}
	return FormatNumber(n) + " " + unit
}
