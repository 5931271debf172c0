package registry

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system time so far: on a shared machine it
// says more than the wall clock.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadXLSXFile reads the workbook GOTONG_XLSX_FILE names (a large one
// made by gotong-gen, say) with the reader alone, end to end, once, and reports the
// time and rows: the measure of docs/PERFORMANCE.md's million-row figure; a name
// ending in .csv is read by the CSV reader, for comparison. A benchmark, not a
// test: the test command does not run it, and it needs a file it is given.
func BenchmarkReadXLSXFile(b *testing.B) {
	name := os.Getenv("GOTONG_XLSX_FILE")
	if name == "" {
		b.Skip("GOTONG_XLSX_FILE is not set")
	}
	var t testing.TB = b
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	start, cpu := time.Now(), cpuTime(t)
	var x rowReader
	if strings.HasSuffix(name, ".csv") {
		x, err = newCSVReader(f, Limits{})
	} else {
		x, err = newXLSXReader(f, st.Size(), Limits{}, false)
	}
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
	took, used := time.Since(start), cpuTime(t)-cpu
	n := float64(rows + rejected)
	t.Logf("%d rows (%d rejected) in %v (%.2f µs/row), CPU %v (%.2f µs/row)", rows, rejected,
		took.Round(time.Millisecond), float64(took.Microseconds())/n, used.Round(time.Millisecond), float64(used.Microseconds())/n)
}
