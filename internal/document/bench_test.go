package document_test

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/document"
)

// peakHeap runs render once while sampling the live heap every millisecond, and
// returns the most it grew above where it started, in MiB: what one document of
// that size holds at once.
func peakHeap(b *testing.B, render func() error) float64 {
	b.Helper()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	done := make(chan uint64)
	stop := make(chan struct{})
	go func() {
		peak := base
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			peak = max(peak, s.HeapAlloc)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := render()
	close(stop)
	peak := <-done
	if err != nil {
		b.Fatal(err)
	}
	return float64(peak-base) / (1 << 20)
}

// benchDoc measures writing doc: time and allocations per document, and the
// peak heap of one.
func benchDoc[D any](b *testing.B, doc D, write func(io.Writer, D) error) {
	peak := peakHeap(b, func() error { return write(io.Discard, doc) })
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
