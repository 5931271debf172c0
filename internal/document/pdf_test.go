package document_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/document/pdftest"
)

// The tests read the PDFs back with poppler-utils (pdftotext, pdftoppm), as a
// person's PDF reader would. Without them the tests skip, unless
// GOTONG_TEST_STRICT (set by scripts/test.sh, hence CI) asks for every test to run.
func needPoppler(t testing.TB) { pdftest.NeedPoppler(t) }

// render writes doc's PDF into the test's temp dir and returns its path.
func render[D any](t *testing.T, doc D, write func(io.Writer, D) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	pdf := buf.Bytes()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	return pdftest.Run(t, name, args...)
}

// pages returns the text of each page, in reading order (-layout keeps a table's
// row on one line).
func pages(t *testing.T, path string) []string {
	t.Helper()
	ps := strings.Split(run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-"), "\f")
	if n := len(ps); n > 0 && strings.TrimSpace(ps[n-1]) == "" {
		ps = ps[:n-1]
	}
	return ps
}

// pageSize returns the first page's size in points.
func pageSize(t *testing.T, path string) (w, h float64) {
	t.Helper()
	m := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(run(t, "pdfinfo", path))
	if m == nil {
		t.Fatal("pdfinfo gave no page size")
	}
	w, _ = strconv.ParseFloat(m[1], 64)
	h, _ = strconv.ParseFloat(m[2], 64)
	return w, h
}

// word is one word pdftotext found, with its box in millimetres.
type word struct {
	text                   string
	page                   int
	xMin, yMin, xMax, yMax float64
}

var (
	pageRe = regexp.MustCompile(`<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// words returns every word of the PDF with where it is drawn.
func words(t *testing.T, path string) []word {
	t.Helper()
	var ws []word
	page := 0
	for _, m := range pageRe.FindAllStringSubmatch(run(t, "pdftotext", "-bbox", "-enc", "UTF-8", path, "-"), -1) {
		if m[1] == "" {
			page++
			continue
		}
		mm := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f * 25.4 / 72 }
		text := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'").Replace(m[5])
		ws = append(ws, word{text, page, mm(m[1]), mm(m[2]), mm(m[3]), mm(m[4])})
	}
	return ws
}

// decodeQR renders a page at 150 dpi and reads the QR code found in the box (in
// millimetres from the top left).
func decodeQR(t *testing.T, path string, page int, x, y, w, h float64) string {
	t.Helper()
	return pdftest.QR(t, path, page, x, y, w, h)
}

// squash folds runs of spaces, so a check does not depend on -layout's columns.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func mustContain(t *testing.T, what, text string, want ...string) {
	t.Helper()
	flat := squash(text)
	for _, w := range want {
		if !strings.Contains(flat, squash(w)) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Errorf("%s contains %q", what, b)
		}
	}
}

// A hostile name: long, a spreadsheet formula, right-to-left override, zero-width
// characters, a script the font lacks, and a control character.
var hostile = "=cmd|' /C calc'!A0 " + strings.Repeat("Ñoño Wolfeschlegelsteinhausenbergerdorff ", 6) +
	"\u202Eevil\u202C zero\u200Bwidth\u2066 مرحبا \x07bell"

var issued = time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC) // 15.30 WIB, a Thursday

func url(i int) string { return fmt.Sprintf("https://gotong.example/c/tok3n-%d#stop-%d", i, i) }
