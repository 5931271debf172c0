package registry

import (
	"encoding/csv"
	"io"

	"github.com/gotong/gotong/internal/errs"
	"github.com/xuri/excelize/v2"
)

// WriteTemplate writes the import template of kind: a header row in Indonesian and
// one example row; the XLSX also has a "Panduan" (guide) sheet explaining each
// column, and text-formatted NIK and No. KK columns so Excel does not round them.
func WriteTemplate(w io.Writer, kind Kind, format string) error {
	cols, ok := templates[kind]
	if !ok {
		return errs.E(errs.Invalid, "kind must be household, person, rw or institution")
	}
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		header := make([]string, len(cols))
		example := make([]string, len(cols))
		for i, c := range cols {
			header[i], example[i] = c.header, c.example
		}
		_ = cw.Write(header)
		_ = cw.Write(example)
		cw.Flush()
		return cw.Error()
	case "xlsx":
		return writeTemplateXLSX(w, cols)
	}
	return errs.E(errs.Invalid, "format must be csv or xlsx")
}

func writeTemplateXLSX(w io.Writer, cols []column) error {
	f := excelize.NewFile()
	defer f.Close()
	const data = "Data"
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	for i, c := range cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		// Every column is text: codes keep their leading zeros and NIKs all 16
		// digits; dates typed as text are parsed by the importer.
		if err := f.SetColStyle(data, col, text); err != nil {
			return err
		}
		_ = f.SetColWidth(data, col, col, float64(max(12, len(c.header)+4)))
		_ = f.SetCellStr(data, col+"1", c.header)
		_ = f.SetCellStyle(data, col+"1", col+"1", bold)
		_ = f.SetCellStr(data, col+"2", c.example)
	}
	_ = f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	const guide = "Panduan"
	if _, err := f.NewSheet(guide); err != nil {
		return err
	}
	_ = f.SetCellStr(guide, "A1", "Kolom")
	_ = f.SetCellStr(guide, "B1", "Wajib")
	_ = f.SetCellStr(guide, "C1", "Keterangan")
	for _, cell := range []string{"A1", "B1", "C1"} {
		_ = f.SetCellStyle(guide, cell, cell, bold)
	}
	for i, c := range cols {
		row := i + 2
		req := "tidak"
		if c.required {
			req = "ya"
		}
		a, _ := excelize.CoordinatesToCellName(1, row)
		b, _ := excelize.CoordinatesToCellName(2, row)
		cc, _ := excelize.CoordinatesToCellName(3, row)
		_ = f.SetCellStr(guide, a, c.header)
		_ = f.SetCellStr(guide, b, req)
		_ = f.SetCellStr(guide, cc, c.help)
	}
	n := len(cols) + 3
	notes := []string{
		"Isi satu baris per orang (rumah tangga: satu baris per anggota; baris dengan No KK yang sama menjadi satu rumah tangga).",
		"Hapus baris contoh sebelum mengirim. Impor ulang berkas yang sama aman: baris yang tidak berubah tidak mengubah apa pun.",
		"Baris yang ditolak dapat diunduh di halaman impor (\"Unduh baris yang perlu diperbaiki\"): berkas itu berisi baris-baris aslinya dengan judul kolom yang sama, ditambah kolom Alasan dan Baris asal.",
		"Perbaiki baris di berkas itu lalu unggah lagi berkas yang sama: kolom Alasan dan Baris asal diabaikan, baris yang sudah benar diterima, dan baris yang masih salah ditolak lagi dengan alasannya.",
		"Rumah tangga: bila satu anggota ditolak, semua anggota dengan No KK yang sama ikut dikembalikan agar keluarga dikirim utuh; anggota yang sudah diterima tidak menjadi ganda.",
	}
	for i, s := range notes {
		cell, _ := excelize.CoordinatesToCellName(1, n+i)
		_ = f.SetCellStr(guide, cell, s)
	}
	_ = f.SetColWidth(guide, "A", "A", 22)
	_ = f.SetColWidth(guide, "C", "C", 100)
	return f.Write(w)
}
