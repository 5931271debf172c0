package document

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
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

// clean makes text from people safe to set: composed (NFC, so "e" + U+0301 prints
// as "é"), on one line, without control or format characters (zero-width spaces,
// bidirectional overrides: they reorder or hide text), with characters the font
// cannot draw shown as "?", and at most maxRunes long.
func clean(s string) string {
	if len(s) > 4*maxRunes {
		s = s[:4*maxRunes]
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	var buf sfnt.Buffer
	n, space := 0, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
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

// qrModule is the size of one QR module in image pixels. Viewers smooth an image
// they scale up; at several pixels a module the edges stay sharp enough to scan
// from paper, and the 1-bit PNG stays about a kilobyte.
const qrModule = 4

// qrPNG encodes the QR images. It keeps its zlib writers for reuse: a new one costs
// over a megabyte, and a labels PDF draws a QR code per package. The images are
// grey, not paletted: fpdf compresses a palette with a new zlib writer per image.
var qrPNG = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: new(pngPool)}

type pngPool sync.Pool

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := (*sync.Pool)(p).Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { (*sync.Pool)(p).Put(b) }

// qr draws a QR code holding text as a w-millimetre square at x, y. name must be
// unique in the document (fpdf keeps images by name).
func qr(pdf *fpdf.Fpdf, name, text string, x, y, w float64) {
	img, err := qrImage(text)
	placeQR(pdf, name, img, err, x, y, w)
}

// placeQR draws a QR image made by qrImage.
func placeQR(pdf *fpdf.Fpdf, name string, img []byte, err error, x, y, w float64) {
	if pdf.Err() {
		return
	}
	if err != nil {
		pdf.SetError(err)
		return
	}
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(img))
	pdf.ImageOptions(name, x, y, w, w, false, opt, 0, "")
}

// qrImage returns a PNG of a QR code holding text, with its quiet zone.
func qrImage(text string) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("document: QR code: %w", err)
	}
	bits := q.Bitmap()
	n := len(bits)
	img := image.NewGray(image.Rect(0, 0, n*qrModule, n*qrModule))
	for i, row := range bits {
		for j, dark := range row {
			if dark {
				continue
			}
			for dy := range qrModule {
				off := img.PixOffset(j*qrModule, i*qrModule+dy)
				for dx := range qrModule {
					img.Pix[off+dx] = 0xff
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := qrPNG.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// qrAhead makes the QR images of texts in order on a few goroutines, ahead of
// the page being drawn: a QR code takes about a millisecond to encode (eight masks
// scored), most of a labels PDF's time. At most qrWindow images wait at once, so
// memory does not grow with the run. The caller must call stop when done.
func qrAhead(texts []string) (next func() ([]byte, error), stop func()) {
	type result struct {
		img []byte
		err error
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
				img, err := qrImage(texts[i])
				results[i] <- result{img, err}
			}
		}()
	}
	i := 0
	next = func() ([]byte, error) {
		r := <-results[i]
		i++
		<-window
		return r.img, r.err
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
