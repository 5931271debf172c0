// Package pdftest reads PDFs back for tests, as a person's PDF reader would: their
// text with poppler-utils' pdftotext, and a QR code drawn on a page (rendered with
// pdftoppm, decoded with gozxing); and it measures the heap a document's rendering
// holds at its peak, for the benchmarks. Without poppler-utils a test skips, unless
// GOTONG_TEST_STRICT (set by scripts/test.sh, hence CI) asks for every test to run.
package pdftest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// NeedPoppler skips t, or fails it under GOTONG_TEST_STRICT, without poppler-utils.
func NeedPoppler(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("GOTONG_TEST_STRICT") != "" {
				t.Fatalf("GOTONG_TEST_STRICT is set but %s is missing: install poppler-utils", tool)
			}
			t.Skipf("%s not found (install poppler-utils); skipping", tool)
		}
	}
}

// Run runs a poppler tool and returns its output.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

// QR renders a page at 150 dpi and reads the QR code found in the box (in
// millimetres from the top left).
func QR(t testing.TB, path string, page int, x, y, w, h float64) string {
	t.Helper()
	NeedPoppler(t)
	// A QR code that a phone reads can still defeat one rendering: at 150 dpi with
	// anti-aliasing, a few in a hundred random URLs lose a module at the edge of a
	// pixel (a Reed-Solomon error). Each rendering below is tried in turn; a code
	// that is really missing or broken fails them all.
	var last error
	for _, r := range []struct {
		dpi int
		aa  string
	}{{150, "yes"}, {300, "no"}, {600, "no"}} {
		text, err := decodeQR(t, path, page, r.dpi, r.aa, x, y, w, h)
		if err == nil {
			return text
		}
		last = err
	}
	t.Fatalf("no QR code on page %d in (%g,%g %gx%g mm) at 150, 300 or 600 dpi: %v", page, x, y, w, h, last)
	return ""
}

// BASTQR reads the QR code of a BAST (document.BAST): 34 mm square at 161 mm
// across and 15 down on page 1, its quiet zone included. The box leaves out the
// header's text column, which ends at 157 mm: when it began at 155 mm, a line whose
// last glyphs fell inside it made the detector give up (CI met one; with text
// right-aligned to 157 mm, 1 URL in 100 failed at every resolution, 0 in 200 with
// this box).
func BASTQR(t testing.TB, path string) string {
	t.Helper()
	return QR(t, path, 1, 159, 10, 41, 45)
}

// decodeQR renders one page at dpi (anti-aliased or not) and decodes the QR code
// in the box.
func decodeQR(t testing.TB, path string, page, dpi int, aa string, x, y, w, h float64) (string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page")
	p := strconv.Itoa(page)
	Run(t, "pdftoppm", "-png", "-r", strconv.Itoa(dpi), "-aa", aa, "-aaVector", aa, "-f", p, "-l", p, "-singlefile", path, out)
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	px := func(mm float64) int { return int(mm / 25.4 * float64(dpi)) }
	crop := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(px(x), px(y), px(x+w), px(y+h)))
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// PeakHeap runs render once while sampling the live heap every millisecond, and
// returns the most it grew above where it started, in MiB: what one document of
// that size holds at once.
func PeakHeap(tb testing.TB, render func() error) float64 {
	tb.Helper()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	done := make(chan uint64)
	stop := make(chan struct{})
	go func() {
		peak := base
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			peak = max(peak, s.HeapAlloc)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := render()
	close(stop)
	peak := <-done
	if err != nil {
		tb.Fatal(err)
	}
	return float64(peak-base) / (1 << 20)
}
