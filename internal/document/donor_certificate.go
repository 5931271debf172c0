package document

import (
	"io"
	"time"
)

// DonorCertificateDoc is the thank-you certificate (piagam penghargaan) of an
// organisation that gave goods to the task force: what the task force received of
// it in good condition, item by item, and their worth.
type DonorCertificateDoc struct {
	ID           string // the certificate's number
	Organization string
	Issuer       string // who thanks it, e.g. "Gugus Tugas … Provinsi DKI Jakarta"
	Lines        []DonorLine
	Value        int64 // rupiah of the good units received
	IssuedAt     time.Time
	VerifyURL    string
}

// DonorLine is one item the donor gave and how many good units of it arrived.
type DonorLine struct {
	Item string `json:"item"`
	Unit string `json:"unit"`
	Good int    `json:"good"`
}

// donorMaxLines is how many items the certificate lists by name; the rest are
// counted in one line, so the page stays one page.
const donorMaxLines = 8

// DonorCertificate writes the certificate as a one-page A4 landscape PDF to w.
func DonorCertificate(w io.Writer, d DonorCertificateDoc) error {
	if d.VerifyURL == "" {
		return errNoVerifyURL
	}
	const pageW, pageH, textW = 297.0, 210.0, 297.0 - 2*40
	pdf := newPDF("L", "Piagam Penghargaan "+clean(d.Organization), d.IssuedAt)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(40, 20, 40)
	pdf.AddPage()

	pdf.SetDrawColor(22, 101, 52)
	pdf.SetLineWidth(1.6)
	pdf.Rect(10, 10, pageW-20, pageH-20, "D")
	pdf.SetLineWidth(0.4)
	pdf.Rect(14, 14, pageW-28, pageH-28, "D")

	center := func(y float64, style string, size float64, h float64, s string) {
		pdf.SetFont(family, style, size)
		pdf.SetXY(40, y)
		pdf.CellFormat(textW, h, fit(pdf, s, textW), "", 0, "C", false, 0, "")
	}
	issuer := clean(d.Issuer)
	if issuer == "" {
		issuer = "Gotong"
	}
	pdf.SetTextColor(60, 60, 60)
	center(20, "", 10, 5, issuer)
	pdf.SetTextColor(22, 101, 52)
	center(27, "B", 28, 13, "PIAGAM PENGHARGAAN")
	pdf.SetTextColor(60, 60, 60)
	center(40, "", 12, 6, "Sertifikat Terima Kasih atas Donasi Barang")
	pdf.SetTextColor(0, 0, 0)
	center(51, "", 11, 6, "diberikan kepada")
	center(58, "B", 22, 11, d.Organization)
	center(71, "", 11, 6, "atas donasi barang yang telah diterima dalam keadaan baik:")

	// The items, two columns of four.
	pdf.SetFont(family, "", 10)
	shown := d.Lines
	if len(shown) > donorMaxLines {
		shown = shown[:donorMaxLines-1]
	}
	colW := textW / 2
	for i, l := range shown {
		x := 40 + float64(i%2)*colW
		y := 79 + float64(i/2)*5.5
		pdf.SetXY(x, y)
		pdf.CellFormat(colW, 5.5, fit(pdf, "• "+clean(l.Item)+": "+quantity(l.Good, l.Unit), colW-4), "", 0, "L", false, 0, "")
	}
	if rest := len(d.Lines) - len(shown); rest > 0 {
		good := 0
		for _, l := range d.Lines[len(shown):] {
			good += l.Good
		}
		i := len(shown)
		pdf.SetXY(40+float64(i%2)*colW, 79+float64(i/2)*5.5)
		pdf.CellFormat(colW, 5.5, "• "+FormatNumber(rest)+" barang lainnya: "+FormatNumber(good)+" unit", "", 0, "L", false, 0, "")
	}
	center(103, "B", 12, 6, "Nilai seluruhnya "+FormatRupiah(d.Value))
	center(110, "", 11, 6, "Terima kasih atas kepedulian dan kebersamaannya bagi sesama.")

	pdf.SetFont(family, "", 11)
	pdf.SetXY(40, 146)
	pdf.CellFormat(120, 6, "Jakarta, "+FormatDate(d.IssuedAt), "", 2, "L", false, 0, "")
	pdf.SetFont(family, "B", 11)
	pdf.CellFormat(120, 6, fit(pdf, issuer, 120), "", 2, "L", false, 0, "")
	pdf.SetFont(family, "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(40, 170)
	pdf.CellFormat(150, 4, fit(pdf, "Nomor "+clean(d.ID), 150), "", 2, "L", false, 0, "")
	pdf.CellFormat(150, 4, "Periksa keaslian:", "", 2, "L", false, 0, "")
	// The URL on lines of its own: a long one is wrapped whole, never cut.
	for _, s := range lines(pdf, d.VerifyURL, 150, 3) {
		pdf.CellFormat(150, 4, s, "", 2, "L", false, 0, "")
	}
	const qrW = 36.0
	qr(pdf, d.VerifyURL, pageW-40-qrW, 142, qrW)
	pdf.SetFont(family, "", 6.5)
	pdf.SetXY(pageW-40-qrW, 142+qrW)
	pdf.CellFormat(qrW, 3, "Pindai untuk memeriksa keaslian", "", 0, "C", false, 0, "")
	return pdf.Output(w)
}
