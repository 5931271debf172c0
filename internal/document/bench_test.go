package document_test

import (
	"io"
	"testing"

	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/document/pdftest"
)

// benchDoc measures writing doc: time and allocations per document, and the
// peak heap of one.
func benchDoc[D any](b *testing.B, doc D, write func(io.Writer, D) error) {
	peak := pdftest.PeakHeap(b, func() error { return write(io.Discard, doc) })
	b.ReportAllocs()
	for b.Loop() {
		if err := write(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peak, "peak-MiB")
}

func BenchmarkBAST1000(b *testing.B)   { benchDoc(b, bastDoc(1000), document.BAST) }
func BenchmarkLabels1000(b *testing.B) { benchDoc(b, labelsDoc(1000), document.Labels) }

func BenchmarkCertificate(b *testing.B) {
	benchDoc(b, document.CertificateDoc{ID: "commit-42", Organization: "Aksi Cepat Tanggap", Program: "Bantuan Pangan",
		Item: "beras", Unit: "kg", Quantity: 12500, Recipients: 1250, IssuedAt: issued, VerifyURL: verifyURL}, document.Certificate)
}
