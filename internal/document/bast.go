package document

import (
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// BASTDoc is a delivery run's handover record (berita acara serah terima): what the
// organisation handed to whom, signed on paper by both parties and provable by its
// QR code. NIKs arrive masked; nothing here is checked against a database.
type BASTDoc struct {
	ID           string // the record's number (the run's id)
	Program      string
	Phase        string
	Organization string
	Item         string
	Unit         string
	Courier      Courier
	IssuedAt     time.Time
	Rows         []BASTRow
	Giver        string // who signs for the organisation; empty leaves a line to write on
	Receiver     string // who signs as receiving or witnessing party; likewise
	VerifyURL    string // the public verification page, signature included
}

// Courier is who carried the run.
type Courier struct {
	Provider   string // gosend, grabexpress, maxim, volunteer, other
	Name       string
	Plate      string
	BookingRef string
}

// BASTRow is one recipient of the run.
type BASTRow struct {
	Name      string
	NIKMasked string
	Kelurahan string
	RW, RT    string
	Quantity  int
	Status    string    // delivered, failed (or, mid-run, dispatched, reserved)
	Reason    string    // a failure's reason code (allocate.FailReasons)
	Proof     string    // code or photo, for a delivered row
	At        time.Time // when delivered or failed; zero if neither
}

// Record is what the document states, for Sign: its counts are the ones printed.
func (d BASTDoc) Record() Record {
	r := Record{Kind: KindBAST, ID: d.ID, Program: d.Program, Organization: d.Organization, IssuedAt: d.IssuedAt}
	for _, row := range d.Rows {
		switch row.Status {
		case "delivered":
			r.Delivered++
		case "failed":
			r.Failed++
		}
	}
	return r
}

// Page geometry of the record, millimetres (A4 portrait).
const (
	bastMargin = 15.0
	bastWidth  = 210 - 2*bastMargin
	bastBottom = 297 - 18.0 // rows stop here; the footer is below
	lineH      = 3.6
)

// The recipients' table: column titles and widths (they add up to bastWidth).
// Names, places and outcomes wrap to a second line.
var bastCols = []column{
	{"No", 10, "R", false}, {"Nama penerima", 40, "L", true}, {"NIK", 25, "L", false}, {"Kelurahan", 24, "L", true},
	{"RW/RT", 13, "L", false}, {"Jumlah", 12, "R", false}, {"Status", 36, "L", true}, {"Bukti", 20, "L", true},
}

// BAST writes the handover record as a PDF to w.
func BAST(w io.Writer, d BASTDoc) error {
	if d.VerifyURL == "" {
		return errNoVerifyURL
	}
	pdf := newPDF("P", "Berita Acara Serah Terima "+clean(d.ID), d.IssuedAt)
	pdf.SetMargins(bastMargin, bastMargin, bastMargin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() == 1 {
			return
		}
		pdf.SetFont(family, "", 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(bastMargin, 8)
		pdf.CellFormat(bastWidth, 4, fit(pdf, "Berita Acara Serah Terima · "+clean(d.Program)+" · "+clean(d.Organization)+" · Nomor "+clean(d.ID), bastWidth), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetY(bastMargin)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetFont(family, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(bastMargin, 297-12)
		page := "Halaman " + FormatNumber(pdf.PageNo()) + " dari {nb}"
		pdf.CellFormat(bastWidth-25, 4, fit(pdf, "Periksa keaslian: "+d.VerifyURL, bastWidth-27), "", 0, "L", false, 0, "")
		pdf.CellFormat(25, 4, page, "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	bastHead(pdf, d)
	bastTable(pdf, d)
	bastTotals(pdf, d)
	bastSignatures(pdf, d)
	return pdf.Output(w)
}

func bastHead(pdf *fpdf.Fpdf, d BASTDoc) {
	const qrW = 34.0
	pdf.SetFont(family, "B", 16)
	pdf.SetXY(bastMargin, bastMargin)
	pdf.CellFormat(bastWidth-qrW-4, 8, "BERITA ACARA SERAH TERIMA", "", 2, "L", false, 0, "")
	pdf.SetFont(family, "", 10)
	pdf.CellFormat(bastWidth-qrW-4, 5, "Penyaluran bantuan kepada penerima", "", 2, "L", false, 0, "")
	pdf.CellFormat(bastWidth-qrW-4, 5, fit(pdf, "Nomor: "+clean(d.ID), bastWidth-qrW-4), "", 2, "L", false, 0, "")

	qr(pdf, d.VerifyURL, bastMargin+bastWidth-qrW, bastMargin, qrW)
	pdf.SetFont(family, "", 6.5)
	pdf.SetXY(bastMargin+bastWidth-qrW, bastMargin+qrW)
	pdf.CellFormat(qrW, 3, "Pindai untuk memeriksa keaslian", "", 0, "C", false, 0, "")

	r := d.Record()
	var qDone, qFail int
	for _, row := range d.Rows {
		switch row.Status {
		case "delivered":
			qDone += row.Quantity
		case "failed":
			qFail += row.Quantity
		}
	}
	item := clean(d.Item)
	if u := clean(d.Unit); u != "" {
		item += " (" + u + ")"
	}
	fields := [][2]string{
		{"Program", d.Program},
		{"Tahap", d.Phase},
		{"Organisasi", d.Organization},
		{"Barang", item},
		{"Jumlah", quantity(qDone, d.Unit) + " diterima oleh " + FormatNumber(r.Delivered) + " penerima; " +
			quantity(qFail, d.Unit) + " gagal diantar (" + FormatNumber(r.Failed) + " penerima)"},
		{"Kurir", courierText(d.Courier)},
		{"Waktu", FormatWeekday(d.IssuedAt) + ", " + FormatDateTime(d.IssuedAt)},
	}
	y := bastMargin + 22
	const keyW = 24.0
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
	y = max(y, bastMargin+qrW+5) + 3
	pdf.SetXY(bastMargin, y)
	pdf.MultiCell(bastWidth, 4.5, "Pada hari dan waktu tersebut di atas, Pihak Pertama ("+fit(pdf, d.Organization, 80)+
		") menyerahkan bantuan kepada para penerima berikut, dengan hasil sebagai tercatat:", "", "L", false)
	pdf.SetY(pdf.GetY() + 2)
}

func bastTable(pdf *fpdf.Fpdf, d BASTDoc) {
	rows := make([][]string, len(d.Rows))
	for i, row := range d.Rows {
		rows[i] = []string{
			FormatNumber(i + 1), row.Name, row.NIKMasked, row.Kelurahan, rwrtShort(row.RW, row.RT),
			FormatNumber(row.Quantity), statusText(row), proofText(row, d.IssuedAt),
		}
	}
	pdf.SetDrawColor(120, 120, 120)
	pdf.SetLineWidth(0.15)
	table(pdf, bastCols, 7.5, 7, rows)
}

func bastTotals(pdf *fpdf.Fpdf, d BASTDoc) {
	r := d.Record()
	var qDone, qFail, qAll int
	for _, row := range d.Rows {
		qAll += row.Quantity
		switch row.Status {
		case "delivered":
			qDone += row.Quantity
		case "failed":
			qFail += row.Quantity
		}
	}
	if pdf.GetY()+22 > bastBottom {
		pdf.AddPage()
	}
	pdf.SetY(pdf.GetY() + 3)
	for _, t := range [][2]string{
		{"Jumlah diterima", FormatNumber(r.Delivered) + " penerima, " + quantity(qDone, d.Unit)},
		{"Jumlah gagal diantar", FormatNumber(r.Failed) + " penerima, " + quantity(qFail, d.Unit)},
		{"Jumlah seluruhnya", FormatNumber(len(d.Rows)) + " penerima, " + quantity(qAll, d.Unit)},
	} {
		pdf.SetX(bastMargin)
		pdf.SetFont(family, "B", 9)
		pdf.CellFormat(45, 5, t[0], "", 0, "L", false, 0, "")
		pdf.SetFont(family, "", 9)
		pdf.CellFormat(bastWidth-45, 5, fit(pdf, t[1], bastWidth-45), "", 1, "L", false, 0, "")
	}
}

func bastSignatures(pdf *fpdf.Fpdf, d BASTDoc) {
	const need = 62.0
	if pdf.GetY()+need > bastBottom {
		pdf.AddPage()
	}
	y := pdf.GetY() + 6
	colW := bastWidth / 2
	party := func(x float64, title, role, name, org string) {
		pdf.SetFont(family, "B", 9)
		pdf.SetXY(x, y)
		pdf.CellFormat(colW, 5, title, "", 2, "C", false, 0, "")
		pdf.SetFont(family, "", 9)
		pdf.CellFormat(colW, 5, role, "", 2, "C", false, 0, "")
		pdf.Line(x+12, y+32, x+colW-12, y+32)
		pdf.SetXY(x, y+33)
		if name = clean(name); name == "" {
			name = "(nama jelas dan tanda tangan)"
		}
		pdf.CellFormat(colW, 5, fit(pdf, name, colW-10), "", 2, "C", false, 0, "")
		pdf.CellFormat(colW, 5, fit(pdf, org, colW-10), "", 2, "C", false, 0, "")
	}
	party(bastMargin, "PIHAK PERTAMA", "Yang menyerahkan,", d.Giver, d.Organization)
	party(bastMargin+colW, "PIHAK KEDUA", "Yang menerima / mengetahui,", d.Receiver, "")

	pdf.SetXY(bastMargin, y+46)
	pdf.SetFont(family, "", 8)
	pdf.CellFormat(bastWidth, 4, "Keaslian berita acara ini dapat diperiksa dengan memindai kode QR atau membuka:", "", 2, "L", false, 0, "")
	for _, s := range lines(pdf, d.VerifyURL, bastWidth, 3) {
		pdf.CellFormat(bastWidth, 4, s, "", 2, "L", false, 0, "")
	}
}

// statusText is a row's outcome in Indonesian.
func statusText(r BASTRow) string {
	switch r.Status {
	case "delivered":
		return "Diterima"
	case "failed":
		return "Gagal: " + FailReasonText(r.Reason)
	case "dispatched":
		return "Dalam pengantaran"
	case "reserved":
		return "Belum diantar"
	}
	return r.Status
}

// proofText is a row's proof and time, the date left out when it is the record's
// own day: "Foto 15.04", "Kode 2/12 09.30".
func proofText(r BASTRow, issued time.Time) string {
	s := ""
	if r.Status == "delivered" {
		s = map[string]string{"code": "Kode", "photo": "Foto"}[r.Proof]
	}
	if r.At.IsZero() {
		return s
	}
	at := r.At.In(WIB)
	when := at.Format("15.04")
	if y, m, dd := at.Date(); y != issued.In(WIB).Year() || m != issued.In(WIB).Month() || dd != issued.In(WIB).Day() {
		when = at.Format("2/1 15.04")
	}
	if s == "" {
		return when
	}
	return s + " " + when
}

// rwrtShort writes "03/007" for the table's narrow column.
func rwrtShort(rw, rt string) string {
	rw, rt = clean(rw), clean(rt)
	if rt == "" {
		return rw
	}
	return rw + "/" + rt
}

var providers = map[string]string{
	"gosend": "GoSend", "grabexpress": "GrabExpress", "maxim": "Maxim", "volunteer": "Relawan", "other": "Lainnya",
}

// courierText writes "GoSend · Budi · B 1234 XYZ · pesanan GS-1".
func courierText(c Courier) string {
	var parts []string
	if p, ok := providers[c.Provider]; ok {
		parts = append(parts, p)
	} else if c.Provider != "" {
		parts = append(parts, clean(c.Provider))
	}
	for _, s := range []string{c.Name, c.Plate} {
		if s = clean(s); s != "" {
			parts = append(parts, s)
		}
	}
	if s := clean(c.BookingRef); s != "" {
		parts = append(parts, "pesanan "+s)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " · ")
}
