package document_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/document"
)

// receiptURL is as long as a real one: a UUIDv7 without dashes and 32 bytes of signature.
const receiptURL = "https://gotong.example/verify/receipt/01a2411b2d1b72cb9d0b8e21d620cb04?sig=FMY7TekMHGcfpFB2zBeA7mm2GRX2GUPgCQ7rZN7_sh0"

func receiptDoc() document.ReceiptDoc {
	return document.ReceiptDoc{
		ID: "0190abcd", Issuer: "Gugus Tugas Percepatan Penanganan COVID-19 Provinsi DKI Jakarta", DonationID: "0190d0n4",
		Warehouse: "Gudang Kemayoran", Address: "Jl. Benyamin Sueb No. 1", Organization: "PT Sehat Sentosa Çipta",
		Receiver: "Siti Penerima", ReceivedAt: issued, Value: 1_250_000 + 3_000_000,
		Lines: []document.ReceiptDocLine{
			{Item: "Masker", Unit: "pcs", Good: 500, Damaged: 20},
			{Item: "Hand sanitizer", Unit: "botol", Good: 120, Expired: 6, ExpiresOn: "2027-03-31"},
			{Item: "Paket sembako", Unit: "paket", Good: 15, Damaged: 1, Expired: 2, ExpiresOn: "2026-12-31"},
		},
		VerifyURL: receiptURL,
	}
}

func TestReceipt(t *testing.T) {
	needPoppler(t)
	d := receiptDoc()
	path := render(t, d, document.Receipt)
	if w, h := pageSize(t, path); int(w) != 595 || int(h) != 841 {
		t.Errorf("page is %gx%g pt, want A4 portrait", w, h)
	}
	ps := pages(t, path)
	if len(ps) != 1 {
		t.Fatalf("%d pages, want 1", len(ps))
	}
	mustContain(t, "the receipt", ps[0], "Gugus Tugas Percepatan Penanganan COVID-19 Provinsi DKI Jakarta",
		"TANDA TERIMA BARANG DONASI", "Nomor: 0190abcd", "Waktu Kamis, 3 Desember 2026 pukul 15.30 WIB",
		"Gudang/posko Gudang Kemayoran, Jl. Benyamin Sueb No. 1", "Donatur PT Sehat Sentosa Çipta", "Penerima Siti Penerima",
		"Nomor donasi 0190d0n4",
		"No Barang Satuan Baik Rusak Kedaluwarsa Tgl. kedaluwarsa",
		"1 Masker pcs 500 20 0 -",
		"2 Hand sanitizer botol 120 0 6 31 Maret 2027",
		"3 Paket sembako paket 15 1 2 31 Desember 2026",
		"Jumlah baik (masuk stok) 635 unit", "Jumlah rusak 21 unit", "Jumlah kedaluwarsa 8 unit",
		"Nilai barang baik Rp4.250.000", "Yang menyerahkan,", "Yang menerima,", "Halaman 1 dari 1")
	// A URL as long as a real one wraps: it is printed whole over its lines.
	if flat := strings.Join(strings.Fields(ps[0]), ""); !strings.Contains(flat, receiptURL) {
		t.Errorf("the receipt does not print %q whole", receiptURL)
	}
	mustNotContain(t, "the receipt", ps[0], "{nb}")
	if got := decodeQR(t, path, 1, 150, 25, 50, 50); got != receiptURL {
		t.Errorf("QR = %q, want %q", got, receiptURL)
	}

	t.Run("a long intake runs over pages, every line once", func(t *testing.T) {
		d := receiptDoc()
		d.Lines = nil
		for i := range 120 {
			d.Lines = append(d.Lines, document.ReceiptDocLine{Item: fmt.Sprintf("Barang ke-%d", i+1), Unit: "pcs", Good: i + 1})
		}
		d.Lines[0].Item = hostile
		ps := pages(t, render(t, d, document.Receipt))
		if len(ps) < 2 {
			t.Fatalf("120 lines on %d page", len(ps))
		}
		all := strings.Join(ps, "\n")
		for i := 2; i <= 120; i++ {
			if n := strings.Count(all, fmt.Sprintf("Barang ke-%d ", i)); n != 1 {
				t.Errorf("line %d listed %d times", i, n)
			}
		}
		mustContain(t, "the receipt", all, "Jumlah baik (masuk stok) 7.260 unit")
		mustNotContain(t, "the receipt", all, "\u202E", "\u200B")
	})
}

func TestFormatRupiah(t *testing.T) {
	for v, want := range map[int64]string{0: "Rp0", 999: "Rp999", 1250000: "Rp1.250.000", 10_000_000_000: "Rp10.000.000.000", -5000: "-Rp5.000"} {
		if got := document.FormatRupiah(v); got != want {
			t.Errorf("FormatRupiah(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestDonorCertificate(t *testing.T) {
	needPoppler(t)
	url := "https://gotong.example/verify/donor-certificate/01a2411b76227edc9584b90930636a80?sig=LS8tbK86fA_uz7uhdhDUmLWnQ9wxn3aVyNOOna69lSqk"
	d := document.DonorCertificateDoc{ID: "0190cafe", Organization: "PT Sehat Sentosa Çipta",
		Issuer: "Gugus Tugas Percepatan Penanganan COVID-19 Provinsi DKI Jakarta", Value: 12_345_000, IssuedAt: issued, VerifyURL: url,
		Lines: []document.DonorLine{{Item: "Masker", Unit: "pcs", Good: 12500}, {Item: "Hazmat", Unit: "set", Good: 300}}}
	path := render(t, d, document.DonorCertificate)
	if w, h := pageSize(t, path); int(w) != 841 || int(h) != 595 {
		t.Errorf("page is %gx%g pt, want A4 landscape", w, h)
	}
	ps := pages(t, path)
	if len(ps) != 1 {
		t.Fatalf("%d pages, want 1", len(ps))
	}
	mustContain(t, "the certificate", ps[0], "PIAGAM PENGHARGAAN", "diberikan kepada", "PT Sehat Sentosa Çipta",
		"Masker: 12.500 pcs", "Hazmat: 300 set", "Nilai seluruhnya Rp12.345.000", "Jakarta, 3 Desember 2026",
		"Gugus Tugas Percepatan Penanganan COVID-19 Provinsi DKI Jakarta", "Nomor 0190cafe")
	// The URL is printed whole, on lines of its own beside the QR code's caption.
	flat := strings.ReplaceAll(strings.ReplaceAll(ps[0], "Pindai untuk memeriksa keaslian", ""), " ", "")
	flat = strings.ReplaceAll(flat, "\n", "")
	if !strings.Contains(flat, url) {
		t.Errorf("the certificate does not print %q whole", url)
	}
	if got := decodeQR(t, path, 1, 210, 135, 55, 50); got != url {
		t.Errorf("QR = %q, want %q", got, url)
	}

	t.Run("many items stay on one page, the rest counted", func(t *testing.T) {
		d := d
		d.Lines = nil
		for i := range 12 {
			d.Lines = append(d.Lines, document.DonorLine{Item: fmt.Sprintf("Barang %d", i+1), Unit: "pcs", Good: 10})
		}
		ps := pages(t, render(t, d, document.DonorCertificate))
		if len(ps) != 1 {
			t.Fatalf("%d pages", len(ps))
		}
		mustContain(t, "the certificate", ps[0], "Barang 7: 10 pcs", "5 barang lainnya: 50 unit")
		mustNotContain(t, "the certificate", ps[0], "Barang 8:")
	})

	t.Run("no verification URL, no certificate", func(t *testing.T) {
		d := d
		d.VerifyURL = ""
		if err := document.DonorCertificate(io.Discard, d); err == nil {
			t.Error("a certificate without a verification URL was written")
		}
		if err := document.Receipt(io.Discard, document.ReceiptDoc{ID: "x"}); err == nil {
			t.Error("a receipt without a verification URL was written")
		}
	})
}
