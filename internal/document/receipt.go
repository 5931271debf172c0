package document

import (
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// ReceiptDoc is the receipt (tanda terima) of one intake of donated goods at a
// warehouse or post: what arrived, in which condition, who took it, and what the
// good units are worth. The donations package gathers it and signs it; nothing
// here is checked against a database.
type ReceiptDoc struct {
	ID           string // the receipt's number
	Issuer       string // the letterhead, e.g. "Gugus Tugas … Provinsi DKI Jakarta"
	DonationID   string // the offer it belongs to
	Warehouse    string
	Address      string // the warehouse's address
	Organization string // the donor
	Receiver     string // who took the goods at the door
	ReceivedAt   time.Time
	Lines        []ReceiptDocLine
	Value        int64 // rupiah of the good units, at the offer's unit values
	VerifyURL    string
}

// ReceiptDocLine is one item of the intake (with one expiry date) and how many of
// its units arrived in each condition.
type ReceiptDocLine struct {
	Item, Unit             string
	Good, Damaged, Expired int
	ExpiresOn              string // YYYY-MM-DD, or "" for goods that do not expire
}

// Totals are the units of every line in each condition.
func (d ReceiptDoc) Totals() (good, damaged, expired int) {
	for _, l := range d.Lines {
		good += l.Good
		damaged += l.Damaged
		expired += l.Expired
	}
	return
}

// The receipt's table: column titles and widths (they add up to bastWidth).
// The item's name wraps to a second line.
var receiptCols = []column{
	{"No", 9, "R", false}, {"Barang", 55, "L", true}, {"Satuan", 20, "L", false}, {"Baik", 20, "R", false},
	{"Rusak", 20, "R", false}, {"Kedaluwarsa", 26, "R", false}, {"Tgl. kedaluwarsa", 30, "L", false},
}

// Receipt writes the receipt as an A4 portrait PDF to w.
func Receipt(w io.Writer, d ReceiptDoc) error {
	if d.VerifyURL == "" {
		return errNoVerifyURL
	}
	pdf := newPDF("P", "Tanda Terima "+clean(d.ID), d.ReceivedAt)
	pdf.SetMargins(bastMargin, bastMargin, bastMargin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetFont(family, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(bastMargin, 297-12)
		pdf.CellFormat(bastWidth-25, 4, fit(pdf, "Tanda terima "+clean(d.ID)+" · periksa keaslian: "+d.VerifyURL, bastWidth-27), "", 0, "L", false, 0, "")
		pdf.CellFormat(25, 4, "Halaman "+FormatNumber(pdf.PageNo())+" dari {nb}", "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	letterhead(pdf, d.Issuer)
	const qrW = 34.0
	top := pdf.GetY() + 2
	pdf.SetFont(family, "B", 15)
	pdf.SetXY(bastMargin, top)
	pdf.CellFormat(bastWidth-qrW-4, 8, "TANDA TERIMA BARANG DONASI", "", 2, "L", false, 0, "")
	pdf.SetFont(family, "", 10)
	pdf.CellFormat(bastWidth-qrW-4, 5, fit(pdf, "Nomor: "+clean(d.ID), bastWidth-qrW-4), "", 2, "L", false, 0, "")
	qr(pdf, d.VerifyURL, bastMargin+bastWidth-qrW, top, qrW)
	pdf.SetFont(family, "", 6.5)
	pdf.SetXY(bastMargin+bastWidth-qrW, top+qrW)
	pdf.CellFormat(qrW, 3, "Pindai untuk memeriksa keaslian", "", 0, "C", false, 0, "")

	wh := clean(d.Warehouse)
	if a := clean(d.Address); a != "" {
		wh += ", " + a
	}
	receiver := clean(d.Receiver)
	if receiver == "" {
		receiver = "-"
	}
	fields := [][2]string{
		{"Waktu", FormatWeekday(d.ReceivedAt) + ", " + FormatDateTime(d.ReceivedAt)},
		{"Gudang/posko", wh},
		{"Donatur", d.Organization},
		{"Penerima", receiver},
		{"Nomor donasi", d.DonationID},
	}
	y := top + 16
	const keyW = 28.0
	valW := bastWidth - qrW - 4 - keyW
	for _, f := range fields {
		pdf.SetFont(family, "B", 9)
		pdf.SetXY(bastMargin, y)
		pdf.CellFormat(keyW, 4.5, f[0], "", 0, "L", false, 0, "")
		pdf.SetFont(family, "", 9)
		ls := lines(pdf, f[1], valW, 2)
		for i, s := range ls {
			pdf.SetXY(bastMargin+keyW, y+float64(i)*4.5)
			pdf.CellFormat(valW, 4.5, s, "", 0, "L", false, 0, "")
		}
		y += 4.5 * float64(max(1, len(ls)))
	}
	y = max(y, top+qrW+5) + 3
	pdf.SetXY(bastMargin, y)
	pdf.SetFont(family, "", 9)
	pdf.MultiCell(bastWidth, 4.5, "Telah diterima dari "+fit(pdf, d.Organization, 90)+" barang donasi berikut, dengan keadaan sebagai tercatat:", "", "L", false)
	pdf.SetY(pdf.GetY() + 2)

	receiptTable(pdf, d)
	receiptTotals(pdf, d)
	receiptSignatures(pdf, d)
	return pdf.Output(w)
}

// letterhead writes the issuer's name over a rule, at the top of the page.
func letterhead(pdf *fpdf.Fpdf, issuer string) {
	if issuer = clean(issuer); issuer == "" {
		issuer = "Gotong"
	}
	pdf.SetFont(family, "B", 11)
	pdf.SetXY(bastMargin, bastMargin)
	pdf.CellFormat(bastWidth, 5, fit(pdf, issuer, bastWidth), "", 2, "C", false, 0, "")
	pdf.SetFont(family, "", 8)
	pdf.CellFormat(bastWidth, 4, "Penerimaan donasi barang", "", 2, "C", false, 0, "")
	pdf.SetLineWidth(0.5)
	pdf.Line(bastMargin, bastMargin+10.5, bastMargin+bastWidth, bastMargin+10.5)
	pdf.SetLineWidth(0.2)
	pdf.SetY(bastMargin + 12)
}

func receiptTable(pdf *fpdf.Fpdf, d ReceiptDoc) {
	rows := make([][]string, len(d.Lines))
	for i, l := range d.Lines {
		rows[i] = []string{FormatNumber(i + 1), l.Item, l.Unit, FormatNumber(l.Good), FormatNumber(l.Damaged),
			FormatNumber(l.Expired), expiryText(l.ExpiresOn)}
	}
	table(pdf, receiptCols, 8, 8, rows)
}

func receiptTotals(pdf *fpdf.Fpdf, d ReceiptDoc) {
	good, damaged, expired := d.Totals()
	if pdf.GetY()+26 > bastBottom {
		pdf.AddPage()
	}
	pdf.SetY(pdf.GetY() + 3)
	for _, t := range [][2]string{
		{"Jumlah baik (masuk stok)", FormatNumber(good) + " unit"},
		{"Jumlah rusak", FormatNumber(damaged) + " unit"},
		{"Jumlah kedaluwarsa", FormatNumber(expired) + " unit"},
		{"Nilai barang baik", FormatRupiah(d.Value)},
	} {
		pdf.SetX(bastMargin)
		pdf.SetFont(family, "B", 9)
		pdf.CellFormat(50, 5, t[0], "", 0, "L", false, 0, "")
		pdf.SetFont(family, "", 9)
		pdf.CellFormat(bastWidth-50, 5, t[1], "", 1, "L", false, 0, "")
	}
}

func receiptSignatures(pdf *fpdf.Fpdf, d ReceiptDoc) {
	const need = 62.0
	if pdf.GetY()+need > bastBottom {
		pdf.AddPage()
	}
	y := pdf.GetY() + 6
	colW := bastWidth / 2
	party := func(x float64, title, name, org string) {
		pdf.SetFont(family, "B", 9)
		pdf.SetXY(x, y)
		pdf.CellFormat(colW, 5, title, "", 2, "C", false, 0, "")
		pdf.Line(x+12, y+28, x+colW-12, y+28)
		pdf.SetFont(family, "", 9)
		pdf.SetXY(x, y+29)
		if name = clean(name); name == "" {
			name = "(nama jelas dan tanda tangan)"
		}
		pdf.CellFormat(colW, 5, fit(pdf, name, colW-10), "", 2, "C", false, 0, "")
		pdf.CellFormat(colW, 5, fit(pdf, org, colW-10), "", 2, "C", false, 0, "")
	}
	party(bastMargin, "Yang menyerahkan,", "", d.Organization)
	party(bastMargin+colW, "Yang menerima,", d.Receiver, d.Warehouse)

	pdf.SetXY(bastMargin, y+42)
	pdf.SetFont(family, "", 8)
	pdf.CellFormat(bastWidth, 4, "Keaslian tanda terima ini dapat diperiksa dengan memindai kode QR atau membuka:", "", 2, "L", false, 0, "")
	for _, s := range lines(pdf, d.VerifyURL, bastWidth, 3) {
		pdf.CellFormat(bastWidth, 4, s, "", 2, "L", false, 0, "")
	}
}

// expiryText writes an ISO date as Indonesian writes it ("31 Desember 2026"), "-"
// for none, and anything else as it is.
func expiryText(iso string) string {
	if iso == "" {
		return "-"
	}
	t, err := time.ParseInLocation("2006-01-02", iso, WIB)
	if err != nil {
		return iso
	}
	return FormatDate(t)
}

// FormatRupiah writes an amount of rupiah as Indonesian writes it: "Rp1.250.000".
func FormatRupiah(v int64) string {
	s := FormatNumber(int(v))
	if v < 0 {
		return "-Rp" + s[1:]
	}
	return "Rp" + s
}
