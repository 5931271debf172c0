package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/memtest"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// finish uploads body as an import and waits until it is done or failed, whichever.
func (e *env) finish(kind Kind, name string, body io.Reader) Import {
	e.t.Helper()
	im, err := e.s.CreateImport(e.ctx, e.who, kind, name, body, 0)
	if err != nil {
		e.t.Fatalf("create import: %v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
	defer cancel()
	done, err := e.s.Wait(ctx, im.ID)
	if err != nil {
		e.t.Fatalf("wait: %v", err)
	}
	return done
}

// errorsCSV is the import's errors.csv, its reasons in English (the catalogue is
// the web layer's).
func (e *env) errorsCSV(id string) string {
	e.t.Helper()
	var buf bytes.Buffer
	if err := e.s.WriteErrors(e.ctx, id, &buf, msg.Message.String); err != nil {
		e.t.Fatal(err)
	}
	return buf.String()
}

// reasonText is a pair's reasons in English, one after the other.
func reasonText(ms []msg.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.String() + " ")
	}
	return b.String()
}

// goodRows are n valid household rows, each its own household in Gambir, born on
// different days (so no two are possible duplicates).
func goodRows(from, n int) string {
	var b strings.Builder
	for i := range n {
		k := from + i
		birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 37*k).Format("2006-01-02")
		b.WriteString(hhRow(kkOf(k), nikOf("317101", birth, false, k), "Warga Nomor", birth, "L", "Kepala Keluarga",
			"31.71.01.1001", "1", "1", "Jl. Kebon Sirih No. 1", "", ""))
	}
	return b.String()
}

// kkOf is a valid No. KK of Gambir with a serial.
func kkOf(serial int) string { return fmt.Sprintf("317101010120%04d", serial) }

// repeatReader yields n bytes of c, without holding them.
type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	for i := range k {
		p[i] = r.c
	}
	r.n -= k
	return int(k), nil
}

// Finding 6: a CSV whose row never ends took the server to 1.8 GB. A row is bounded
// while it is read: the rows before it are committed and counted, the import fails
// naming the line, and reading it costs a few MiB, not the size of the row.
func TestOneLineCSVFailsWithoutHoldingTheLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		const huge = 64 << 20
		var im Import
		n := memtest.HeapPeak(func() {
			body := io.MultiReader(strings.NewReader(householdHeader+goodRows(1, 3)+"3171010101209999,"), &repeatReader{'x', huge})
			im = e.finish(Household, "satu-baris.csv", body)
		})
		if im.Status != StatusFailed {
			t.Fatalf("status %s (%s), want failed", im.Status, counters(im))
		}
		if !strings.Contains(im.Error, "line 5") {
			t.Errorf("the reason does not name line 5: %q", im.Error)
		}
		if im.Accepted != 3 || im.RowsDone != 3 || im.Rejected != 0 {
			t.Errorf("the rows before the long one: %s, want 3 accepted", counters(im))
		}
		if n > 24<<20 {
			t.Errorf("reading a %d MiB row grew the heap by %d MiB", huge>>20, n>>20)
		}
	})
}

// The header check runs while the upload is answered: a file that is one endless
// line is refused at once, naming line 1, without reading it all into memory.
func TestOneLineCSVWithoutAnyNewlineIsRefusedAtOnce(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, 100)
	const huge = 64 << 20
	var err error
	n := memtest.HeapPeak(func() {
		_, err = e.s.CreateImport(e.ctx, e.who, Household, "satu-baris.csv", &repeatReader{'x', huge}, 0)
	})
	if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a file that is one endless line: %v, want invalid naming line 1", err)
	}
	if n > 24<<20 {
		t.Errorf("refusing a %d MiB line grew the heap by %d MiB", huge>>20, n>>20)
	}
	if c := e.count(`SELECT COUNT(*) FROM imports`); c != 0 {
		t.Fatalf("the refused file was queued")
	}
}

// Finding 8: a quote opened and never closed swallowed the six rows after it into one
// rejected cell. The import stops there, naming the line where the quote opened; the
// rows before it are committed, and the swallowed rows are not reported as one row.
func TestUnclosedQuoteFailsNamingTheLineItOpened(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		broken := strings.Replace(goodRows(4, 1), "Jl. Kebon Sirih No. 1", `"Jl. Kebon Sirih No. 1`, 1)
		file := householdHeader + goodRows(1, 3) + broken + goodRows(5, 6)
		im := e.finish(Household, "kutip.csv", strings.NewReader(file))
		if im.Status != StatusFailed {
			t.Fatalf("status %s (%s), want failed; errors.csv:\n%s", im.Status, counters(im), e.errorsCSV(im.ID))
		}
		if !strings.Contains(im.Error, "line 5") || !strings.Contains(im.Error, "quote") {
			t.Errorf("the reason does not name the quote on line 5: %q", im.Error)
		}
		if im.Accepted != 3 || im.RowsDone != 3 {
			t.Errorf("the rows before the quote: %s, want 3 accepted", counters(im))
		}
		if got := e.errorsCSV(im.ID); strings.Count(got, "\n") != 1 {
			t.Errorf("errors.csv claims rows after the break:\n%s", got)
		}
	})
}

// A quote that opens in one row and "closes" in a later one, at a quoted cell of that
// row, swallowed the rows between: the import stops at the line the quote opened.
func TestQuoteClosedRowsLaterFailsNamingTheLineItOpened(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		broken := strings.Replace(goodRows(3, 1), "Jl. Kebon Sirih No. 1", `"Jl. Kebon Sirih No. 1`, 1)
		tagged := strings.Replace(goodRows(4, 2), `""`, `"lansia"`, -1)
		file := householdHeader + goodRows(1, 2) + broken + tagged + goodRows(6, 2)
		im := e.finish(Household, "kutip.csv", strings.NewReader(file))
		if im.Status != StatusFailed || !strings.Contains(im.Error, "line 4") {
			t.Fatalf("status %s %q (%s), want failed naming line 4", im.Status, im.Error, counters(im))
		}
		if im.Accepted != 2 {
			t.Errorf("the rows before the quote: %s, want 2 accepted", counters(im))
		}
	})
}

// A quoted cell may hold a line break (Excel writes addresses so): that is no break.
func TestQuotedLineBreaksStillRead(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, 100)
	multi := strings.Replace(goodRows(2, 1), "Jl. Kebon Sirih No. 1", "\"Jl. Kebon Sirih\nNo. 1, RT 1, RW 1\"", 1)
	file := householdHeader + goodRows(1, 1) + multi + goodRows(3, 1)
	im := e.finish(Household, "alamat.csv", strings.NewReader(file))
	if im.Status != StatusDone || im.Accepted != 3 {
		t.Fatalf("%s %q (%s)\n%s", im.Status, im.Error, counters(im), e.errorsCSV(im.ID))
	}
}
