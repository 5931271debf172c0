package document

import (
	"io"
	"time"
)

// CertificateDoc is the thank-you certificate (piagam penghargaan) an organisation
// receives once its commitment is complete.
type CertificateDoc struct {
	ID           string // the certificate's number (the commitment's id)
	Organization string
	Program      string
	Item         string
	Unit         string
	Quantity     int    // how much it delivered, in Unit
	Recipients   int    // to how many recipients
	Failed       int    // allocations that could not be delivered (not printed; signed)
	Area         string // where, e.g. "Kelurahan Kampung Melayu, Jatinegara, Jakarta Timur"
	Issuer       string // who thanks it, e.g. "Dinas Sosial Provinsi DKI Jakarta"
	IssuedAt     time.Time
	VerifyURL    string
}

// Record is what the certificate states, for Sign.
func (d CertificateDoc) Record() Record {
	return Record{Kind: KindCertificate, ID: d.ID, Program: d.Program, Organization: d.Organization,
		Delivered: d.Recipients, Failed: d.Failed, IssuedAt: d.IssuedAt}
}

// Certificate writes the certificate as a one-page A4 landscape PDF to w.
func Certificate(w io.Writer, d CertificateDoc) error {
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
	pdf.SetTextColor(22, 101, 52)
	center(28, "B", 30, 14, "PIAGAM PENGHARGAAN")
	pdf.SetTextColor(60, 60, 60)
	center(43, "", 13, 7, "Sertifikat Terima Kasih")
	pdf.SetTextColor(0, 0, 0)
	center(60, "", 12, 6, "diberikan kepada")
	center(70, "B", 24, 12, d.Organization)

	pdf.SetFont(family, "", 12)
	what := "atas penyaluran " + quantity(d.Quantity, d.Unit)
	if item := clean(d.Item); item != "" {
		what += " " + item
	}
	what += " kepada " + FormatNumber(d.Recipients) + " penerima"
	if area := clean(d.Area); area != "" {
		what += " di " + area
	}
	what += " dalam program " + clean(d.Program) + "."
	y := 90.0
	for _, s := range lines(pdf, what, textW, 3) {
		pdf.SetXY(40, y)
		pdf.CellFormat(textW, 7, s, "", 0, "C", false, 0, "")
		y += 7
	}
	center(y+3, "", 11, 6, "Terima kasih atas kepedulian dan kerja kerasnya bagi sesama.")

	// Date and issuer on the left, the verification QR on the right.
	pdf.SetFont(family, "", 11)
	pdf.SetXY(40, 146)
	pdf.CellFormat(120, 6, "Jakarta, "+FormatDate(d.IssuedAt), "", 2, "L", false, 0, "")
	issuer := clean(d.Issuer)
	if issuer == "" {
		issuer = "Gotong"
	}
	pdf.SetFont(family, "B", 11)
	pdf.CellFormat(120, 6, fit(pdf, issuer, 120), "", 2, "L", false, 0, "")
	pdf.SetFont(family, "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(40, 170)
	pdf.CellFormat(150, 4, fit(pdf, "Nomor "+clean(d.ID), 150), "", 2, "L", false, 0, "")
	for _, s := range lines(pdf, "Periksa keaslian: "+d.VerifyURL, 150, 2) {
		pdf.CellFormat(150, 4, s, "", 2, "L", false, 0, "")
	}
	const qrW = 36.0
	qr(pdf, d.VerifyURL, pageW-40-qrW, 142, qrW)
	pdf.SetFont(family, "", 6.5)
	pdf.SetXY(pageW-40-qrW, 142+qrW)
	pdf.CellFormat(qrW, 3, "Pindai untuk memeriksa keaslian", "", 0, "C", false, 0, "")
	return pdf.Output(w)
}
