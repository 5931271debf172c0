package document

import (
	"errors"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// LabelsDoc is a delivery run's package labels: one label per package, eight to an
// A4 page (2 × 4, cut along the dashed lines).
type LabelsDoc struct {
	RunID    string
	Program  string
	Stops    int       // the run's number of stops; 0 means len(Labels)
	IssuedAt time.Time // when printed; the PDF's date
	Labels   []Label
}

// Label is one package's label. It has no field for the recipient code on
// purpose: labels are handled by couriers, and the code proves the recipient saw
// the package.
type Label struct {
	Stop      int // the stop's number in the run, from 1
	Item      string
	Quantity  int
	Unit      string
	Name      string
	Kelurahan string
	RW, RT    string
	Address   string
	URL       string // the stop's page, held by the label's QR code
}

// Label sheet geometry, millimetres.
const (
	sheetMarginX = 8.0
	sheetMarginY = 10.0
	labelCols    = 2
	labelRows    = 4
	labelW       = (210 - 2*sheetMarginX) / labelCols
	labelH       = (297 - 2*sheetMarginY) / labelRows
	labelPad     = 4.0
	labelQR      = 28.0
)

// Labels writes the run's labels as a PDF to w.
func Labels(w io.Writer, d LabelsDoc) error {
	if len(d.Labels) == 0 {
		return errors.New("document: a labels PDF needs at least one label")
	}
	stops := d.Stops
	if stops == 0 {
		stops = len(d.Labels)
	}
	pdf := newPDF("P", "Label paket "+clean(d.RunID), d.IssuedAt)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	urls := make([]string, len(d.Labels))
	for i, l := range d.Labels {
		if l.URL == "" {
			return fmt.Errorf("document: label %d has no stop URL for its QR code", i+1)
		}
		urls[i] = l.URL
	}
	nextQR, stop := qrAhead(urls)
	defer stop()
	for i, l := range d.Labels {
		slot := i % (labelCols * labelRows)
		if slot == 0 {
			pdf.AddPage()
		}
		x := sheetMarginX + float64(slot%labelCols)*labelW
		y := sheetMarginY + float64(slot/labelCols)*labelH
		bits, err := nextQR()
		label(pdf, d, l, stops, x, y, bits, err)
		if pdf.Err() {
			break
		}
	}
	return pdf.Output(w)
}

func label(pdf *fpdf.Fpdf, d LabelsDoc, l Label, stops int, x, y float64, qrBits [][]bool, qrErr error) {
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.2)
	pdf.SetDashPattern([]float64{1.5, 1.5}, 0)
	pdf.Rect(x, y, labelW, labelH, "D")
	pdf.SetDashPattern(nil, 0)

	left, top := x+labelPad, y+labelPad
	textW := labelW - 2*labelPad - labelQR - 3
	fullW := labelW - 2*labelPad
	at := func(y float64) { pdf.SetXY(left, y) }

	drawQR(pdf, qrBits, qrErr, x+labelW-labelPad-labelQR, top, labelQR)
	pdf.SetFont(family, "", 6)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(x+labelW-labelPad-labelQR, top+labelQR)
	pdf.CellFormat(labelQR, 3, "Pindai untuk membuka titik ini", "", 0, "C", false, 0, "")

	pdf.SetFont(family, "", 8)
	at(top)
	pdf.CellFormat(textW, 4, fit(pdf, d.Program, textW), "", 0, "L", false, 0, "")

	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont(family, "B", 10)
	at(top + 5)
	item := clean(l.Item) + " · " + quantity(l.Quantity, l.Unit)
	pdf.CellFormat(textW, 5, fit(pdf, item, textW), "", 0, "L", false, 0, "")

	pdf.SetFont(family, "B", 13)
	yy := top + 12
	for _, s := range lines(pdf, l.Name, textW, 2) {
		at(yy)
		pdf.CellFormat(textW, 6, s, "", 0, "L", false, 0, "")
		yy += 6
	}

	pdf.SetFont(family, "", 9)
	at(top + 24.5)
	pdf.CellFormat(textW, 4.5, fit(pdf, "Kel. "+clean(l.Kelurahan), textW), "", 0, "L", false, 0, "")
	pdf.SetFont(family, "B", 10)
	at(top + 29.5)
	pdf.CellFormat(textW, 5, fit(pdf, rwrt(l.RW, l.RT), textW), "", 0, "L", false, 0, "")

	pdf.SetFont(family, "", 9)
	yy = top + 36
	for _, s := range lines(pdf, l.Address, fullW, 3) {
		at(yy)
		pdf.CellFormat(fullW, 4.5, s, "", 0, "L", false, 0, "")
		yy += 4.5
	}

	bottom := y + labelH - labelPad - 5
	pdf.SetFont(family, "B", 11)
	at(bottom)
	stop := "Titik " + FormatNumber(l.Stop) + " dari " + FormatNumber(stops)
	pdf.CellFormat(fullW/2, 5, stop, "", 0, "L", false, 0, "")
	pdf.SetFont(family, "", 7)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(left+fullW/2, bottom)
	pdf.CellFormat(fullW/2, 5, fit(pdf, "Pengiriman "+clean(d.RunID), fullW/2), "", 0, "R", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

// rwrt writes "RW 03 / RT 007", leaving out a part that is empty.
func rwrt(rw, rt string) string {
	rw, rt = clean(rw), clean(rt)
	switch {
	case rw != "" && rt != "":
		return "RW " + rw + " / RT " + rt
	case rw != "":
		return "RW " + rw
	case rt != "":
		return "RT " + rt
	}
	return ""
}
