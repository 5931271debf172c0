package document_test

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/document/pdftest"
)

const verifyURL = "https://gotong.example/verify/bast/run-7f3a?sig=3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// bastDoc is a run of n recipients: every 100th failed (with each reason in turn),
// the rest delivered, by code or by photo.
func bastDoc(n int) document.BASTDoc {
	d := document.BASTDoc{
		ID: "run-7f3a", Program: "Bantuan Pangan Banjir Jatinegara 2026", Phase: "Tahap 2 — pemulihan",
		Organization: "Yayasan Peduli Sesama Çipta", Item: "Beras premium", Unit: "kg",
		Courier:  document.Courier{Provider: "gosend", Name: "Budi Santoso", Plate: "B 1234 XYZ", BookingRef: "GK-998877"},
		IssuedAt: issued, VerifyURL: verifyURL, Receiver: "Lurah Kampung Melayu",
	}
	reasons := []string{"not_home", "moved", "refused", "address_not_found", "received_elsewhere", "other"}
	for i := range n {
		r := document.BASTRow{
			Name: fmt.Sprintf("Penerima Ke-%d Sitompul", i+1), NIKMasked: "3175********" + fmt.Sprintf("%04d", i%10000),
			Kelurahan: "Kampung Melayu", RW: "03", RT: fmt.Sprintf("%03d", 1+i%12), Quantity: 10,
			Status: "delivered", Proof: []string{"code", "photo"}[i%2], At: issued.Add(-time.Duration(i) * time.Minute),
		}
		if i%100 == 99 {
			r.Status, r.Reason, r.Proof = "failed", reasons[(i/100)%len(reasons)], ""
		}
		d.Rows = append(d.Rows, r)
	}
	return d
}

func TestBAST(t *testing.T) {
	needPoppler(t)
	d := bastDoc(1000)
	d.Rows[0].Name = hostile
	path := render(t, d, document.BAST)
	if w, h := pageSize(t, path); int(w) != 595 || int(h) != 841 {
		t.Errorf("page is %gx%g pt, want A4 portrait", w, h)
	}
	ps := pages(t, path)
	if len(ps) < 10 {
		t.Fatalf("1,000 recipients on %d pages", len(ps))
	}
	all := strings.Join(ps, "\n")

	mustContain(t, "page 1", ps[0], "BERITA ACARA SERAH TERIMA", "Nomor: run-7f3a",
		"Program Bantuan Pangan Banjir Jatinegara 2026", "Tahap Tahap 2 — pemulihan",
		"Organisasi Yayasan Peduli Sesama Çipta", "Barang Beras premium (kg)",
		"Kurir GoSend · Budi Santoso · B 1234 XYZ · pesanan GK-998877",
		"Waktu Kamis, 3 Desember 2026 pukul 15.30 WIB",
		"9.900 kg diterima oleh 990 penerima; 100 kg gagal diantar (10 penerima)",
		"3175********0001", "=cmd|' /C calc'!A0", "Diterima", "Kode 15.30", "Foto 15.29")
	mustContain(t, "the record", all, "Jumlah diterima 990 penerima, 9.900 kg",
		"Jumlah gagal diantar 10 penerima, 100 kg", "Jumlah seluruhnya 1.000 penerima, 10.000 kg",
		"PIHAK PERTAMA", "PIHAK KEDUA", "Yang menyerahkan,", "Lurah Kampung Melayu", "(nama jelas dan tanda tangan)")
	mustContain(t, "the last page", ps[len(ps)-1], "Keaslian berita acara ini dapat diperiksa", verifyURL)
	mustContain(t, "the record", all, "1.000 Penerima Ke-1000 Sitompul", "Gagal: Tidak di rumah", "Gagal: Sudah pindah",
		"Gagal: Alamat tidak", "Gagal: Sudah menerima", "Gagal: Menolak", "Gagal: Alasan lain", "Foto 2/12 22.53")
	mustNotContain(t, "the record", all, "\u202E", "\u200B", "{nb}")

	t.Run("every page repeats the header and says which page it is", func(t *testing.T) {
		for i, p := range ps {
			mustContain(t, fmt.Sprintf("page %d", i+1), p, fmt.Sprintf("Halaman %d dari %d", i+1, len(ps)), "Periksa keaslian: "+verifyURL)
			if strings.Contains(p, "Sitompul") {
				mustContain(t, fmt.Sprintf("page %d", i+1), p, "No Nama penerima NIK Kelurahan RW/RT Jumlah Status Bukti")
			}
			if i > 0 {
				mustContain(t, fmt.Sprintf("page %d", i+1), p, "Berita Acara Serah Terima · Bantuan Pangan")
			}
		}
	})

	t.Run("every recipient is listed once, in order", func(t *testing.T) {
		got := regexp.MustCompile(`Penerima Ke-(\d+) Sitompul`).FindAllStringSubmatch(all, -1)
		if len(got) != 999 { // row 1 is the hostile name
			t.Fatalf("%d recipients listed, want 999", len(got))
		}
		for i, m := range got {
			if want := fmt.Sprint(i + 2); m[1] != want {
				t.Fatalf("recipient %d listed as %s", i+2, m[1])
			}
		}
	})

	t.Run("the hostile name stays in its column", func(t *testing.T) {
		// The name column runs from 24 to 64 mm across.
		n := 0
		for _, w := range words(t, path) {
			if w.page == 1 && (strings.Contains(w.text, "Ñoño") || strings.Contains(w.text, "cmd")) && w.yMin > 60 {
				n++
				if w.xMin < 24 || w.xMax > 64 {
					t.Errorf("%q drawn at %.1f–%.1f mm, outside the name column", w.text, w.xMin, w.xMax)
				}
			}
		}
		if n == 0 {
			t.Error("the hostile name is not in the table")
		}
	})

	t.Run("the QR code on page 1 holds the verification URL", func(t *testing.T) {
		if got := pdftest.BASTQR(t, path); got != verifyURL {
			t.Errorf("QR = %q, want %q", got, verifyURL)
		}
	})
}

func TestDocumentsNeedAVerificationURL(t *testing.T) {
	// A record nobody can check is not printed: the QR code and URL are what make
	// a paper copy worth trusting.
	d := bastDoc(3)
	d.VerifyURL = ""
	if err := document.BAST(io.Discard, d); err == nil {
		t.Error("a BAST without a verification URL was written")
	}
	if err := document.Certificate(io.Discard, document.CertificateDoc{Organization: "x", IssuedAt: issued}); err == nil {
		t.Error("a certificate without a verification URL was written")
	}
}

func TestBASTRecordCountsWhatItPrints(t *testing.T) {
	r := bastDoc(250).Record()
	want := document.Record{Kind: "bast", ID: "run-7f3a", Program: "Bantuan Pangan Banjir Jatinegara 2026",
		Organization: "Yayasan Peduli Sesama Çipta", Delivered: 248, Failed: 2, IssuedAt: issued}
	if r != want {
		t.Errorf("Record() = %+v, want %+v", r, want)
	}
}

func TestCertificate(t *testing.T) {
	needPoppler(t)
	d := document.CertificateDoc{
		ID: "commit-42", Organization: "Aksi Cepat Tanggap — Cabang Jakarta Timur", Program: "Bantuan Pangan Banjir Jatinegara 2026",
		Item: "beras", Unit: "kg", Quantity: 12500, Recipients: 1250, Failed: 3,
		Area: "Kelurahan Kampung Melayu, Jatinegara, Jakarta Timur", Issuer: "Dinas Sosial Provinsi DKI Jakarta",
		IssuedAt: issued, VerifyURL: "https://gotong.example/verify/certificate/commit-42?sig=abc",
	}
	path := render(t, d, document.Certificate)
	if w, h := pageSize(t, path); int(w) != 841 || int(h) != 595 {
		t.Errorf("page is %gx%g pt, want A4 landscape", w, h)
	}
	ps := pages(t, path)
	if len(ps) != 1 {
		t.Fatalf("%d pages, want 1", len(ps))
	}
	mustContain(t, "the certificate", ps[0], "PIAGAM PENGHARGAAN", "Sertifikat Terima Kasih", "diberikan kepada",
		"Aksi Cepat Tanggap — Cabang Jakarta Timur", "12.500 kg beras", "1.250 penerima",
		"Kelurahan Kampung Melayu, Jatinegara", "Bantuan Pangan Banjir", "Jakarta, 3 Desember 2026",
		"Dinas Sosial Provinsi DKI Jakarta", "Nomor commit-42", d.VerifyURL)
	if got := decodeQR(t, path, 1, 210, 135, 55, 50); got != d.VerifyURL {
		t.Errorf("QR = %q, want %q", got, d.VerifyURL)
	}
	if r := d.Record(); r.Kind != "certificate" || r.Delivered != 1250 || r.Failed != 3 || r.Organization != d.Organization {
		t.Errorf("Record() = %+v", r)
	}

	t.Run("a hostile organisation name is cut, not spread over the page", func(t *testing.T) {
		d.Organization = hostile
		path := render(t, d, document.Certificate)
		if ps := pages(t, path); len(ps) != 1 {
			t.Fatalf("%d pages", len(ps))
		}
		for _, w := range words(t, path) {
			if w.xMin < 14 || w.xMax > 297-14 || w.yMax > 210-14 {
				t.Errorf("%q drawn at %.1f–%.1f mm across, outside the border", w.text, w.xMin, w.xMax)
			}
		}
	})
}
