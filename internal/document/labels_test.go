package document_test

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/document"
)

func labelsDoc(n int) document.LabelsDoc {
	d := document.LabelsDoc{RunID: "run-7f3a", Program: "Bantuan Pangan Banjir Jatinegara 2026", IssuedAt: issued}
	for i := range n {
		d.Labels = append(d.Labels, document.Label{
			Stop: i + 1, Item: "Beras premium", Quantity: 10, Unit: "kg",
			Name:      "André Siti Nur'aini " + strconv.Itoa(i+1),
			Kelurahan: "Kampung Melayu", RW: "03", RT: strconv.Itoa(1 + i%9),
			Address: "Jl. Jatinegara Barat No. " + strconv.Itoa(i+1) + ", Gg. Haji Muhiddin, dekat Masjid Al-Ikhlas",
			URL:     url(i + 1),
		})
	}
	return d
}

func TestLabels(t *testing.T) {
	needPoppler(t)
	d := labelsDoc(10)
	path := render(t, d, document.Labels)
	ps := pages(t, path)
	if len(ps) != 2 {
		t.Fatalf("10 labels at 8 a page: got %d pages, want 2", len(ps))
	}
	if w, h := pageSize(t, path); int(w) != 595 || int(h) != 841 {
		t.Errorf("page is %gx%g pt, want A4 portrait", w, h)
	}
	all := strings.Join(ps, "\n")
	mustContain(t, "the labels", all, "Bantuan Pangan Banjir", "Beras premium · 10 kg", "André Siti Nur'aini 1",
		"Kel. Kampung Melayu", "RW 03 / RT 1", "Jl. Jatinegara Barat No. 1,", "Titik 1 dari 10", "Titik 10 dari 10",
		"Pengiriman run-7f3a", "André Siti Nur'aini 10")
	mustContain(t, "page 2", ps[1], "Titik 9 dari 10", "Titik 10 dari 10")

	t.Run("each label's QR code holds its stop's URL", func(t *testing.T) {
		// Label 1 is the top left slot of page 1, label 4 the right one of row 2.
		if got := decodeQR(t, path, 1, 8, 10, 97, 69); got != url(1) {
			t.Errorf("label 1 QR = %q, want %q", got, url(1))
		}
		if got := decodeQR(t, path, 1, 105, 79, 97, 69); got != url(4) {
			t.Errorf("label 4 QR = %q, want %q", got, url(4))
		}
		if got := decodeQR(t, path, 2, 105, 10, 97, 69); got != url(10) {
			t.Errorf("label 10 QR = %q, want %q", got, url(10))
		}
	})

	t.Run("no labels, or a label without its URL, is an error", func(t *testing.T) {
		if err := document.Labels(&bytes.Buffer{}, document.LabelsDoc{RunID: "x"}); err == nil {
			t.Error("no error")
		}
		d := labelsDoc(3)
		d.Labels[2].URL = ""
		if err := document.Labels(&bytes.Buffer{}, d); err == nil {
			t.Error("a label without its stop's URL was printed")
		}
	})
}

func TestLabelsHostileName(t *testing.T) {
	needPoppler(t)
	d := labelsDoc(2)
	d.Labels[0].Name = hostile
	d.Labels[0].Address = hostile
	d.Labels[0].Item = hostile
	path := render(t, d, document.Labels)
	text := strings.Join(pages(t, path), "\n")
	mustContain(t, "the label", text, "=cmd|' /C calc'!A0", "Ñoño", "Wolfeschlegelsteinhaus…", "Titik 1 dari 2", "Kel. Kampung Melayu", "André Siti Nur'aini 2")
	mustNotContain(t, "the label", text, "\u202E", "\u200B", "\u2066", "\x07")
	// Every word of label 1 stays inside label 1's box (8..105 mm across,
	// 10..79 mm down): the long name is cut, not run into the next label.
	n := 0
	for _, w := range words(t, path) {
		if w.page != 1 || w.xMin >= 105 || w.yMin >= 79 {
			continue
		}
		n++
		if w.xMax > 105 || w.yMax > 79.3 {
			t.Errorf("word %q at x %.1f–%.1f, y %.1f–%.1f mm leaves label 1", w.text, w.xMin, w.xMax, w.yMin, w.yMax)
		}
	}
	if n < 10 {
		t.Errorf("only %d words found on label 1", n)
	}
	if got := decodeQR(t, path, 1, 8, 10, 97, 69); got != url(1) {
		t.Errorf("QR = %q, want %q", got, url(1))
	}
}

func TestLabelsStopOnAnUnencodableURL(t *testing.T) {
	// A URL too long for any QR code fails the document at its label; the
	// encoders working ahead stop with it.
	before := runtime.NumGoroutine()
	d := labelsDoc(200)
	d.Labels[20].URL = "https://gotong.example/c/" + strings.Repeat("x", 4000)
	if err := document.Labels(io.Discard, d); err == nil || !strings.Contains(err.Error(), "QR") {
		t.Fatalf("err = %v, want a QR code error", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running after the error (%d before)", n-before, before)
	}
}
