package registry

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// TestReadXLSXFile reads the workbook GOTONG_XLSX_FILE names (a large one made by
// gotong-gen, say) with the reader alone, end to end, and reports the time and
// rows: the measure of docs/PERFORMANCE.md's million-row figure. Skipped unless set.
func TestReadXLSXFile(t *testing.T) {
	name := os.Getenv("GOTONG_XLSX_FILE")
	if name == "" {
		t.Skip("GOTONG_XLSX_FILE is not set")
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	x, err := newXLSXReader(f, st.Size(), Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, rejected := 0, 0
	for {
		_, _, err := x.Next()
		var bad *rowError
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &bad) {
			rejected++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
	}
	took := time.Since(start)
	t.Logf("%d rows (%d rejected) in %v: %.2f µs/row", rows, rejected, took.Round(time.Millisecond), float64(took.Microseconds())/float64(rows+rejected))
}
