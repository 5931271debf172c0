package registry

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// dieAfterBatch runs import id on e's service as a process would that dies after
// its first committed batch: the worker stops without a word, the import is left
// running with its lease, as a kill (or the kernel's OOM killer) leaves it.
func dieAfterBatch(t *testing.T, e *env, id string) {
	t.Helper()
	ctx, kill := context.WithCancel(e.ctx)
	e.s.afterBatch = kill
	if err := e.s.run(ctx, id); err == nil {
		t.Fatal("the dying run reported success")
	}
	e.s.afterBatch = nil
	time.Sleep(2 * e.s.lease) // until the dead process's lease has lapsed
}

// Finding 2: a workbook that killed the server killed it again after every restart,
// because every start resumed it. An import whose worker died twice is not resumed a
// third time: it fails, saying so, and keeps the rows it committed.
func TestImportWhoseWorkerDiedTwiceFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := testVault(t)
		first, im := queuedWithoutWorker(t, db, v, 2)
		dieAfterBatch(t, first, im.ID)
		dieAfterBatch(t, first, im.ID)
		second := newEnvWith(t, db, v, 2) // Start picks the import up again
		ctx, cancel := context.WithTimeout(second.ctx, time.Minute)
		defer cancel()
		done, err := second.s.Wait(ctx, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != StatusFailed || !strings.Contains(done.Error, "stopped 2 times") || !strings.Contains(done.Error, "row 5") {
			t.Fatalf("after two deaths: %s %q (%s), want failed saying it stopped twice, after row 5", done.Status, done.Error, counters(done))
		}
		if done.RowsDone != 4 || done.Accepted != 4 {
			t.Errorf("the rows committed before: %s, want 4 rows, 4 accepted", counters(done))
		}
		if left, _ := filepath.Glob(filepath.Join(second.s.uploads, "*")); len(left) != 0 {
			t.Errorf("the failed import's file is still there: %v", left)
		}
	})
}

// A server that is stopped (not killed) lets its import go: that is no death, and
// the import resumes as often as it takes.
func TestStoppedImportIsNotCountedAsDied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := testVault(t)
		var id string
		for i := range 3 {
			stopped := make(chan struct{})
			e := newEnvVault(t, db, v, Options{Batch: 1}, func(s *Service) {
				// Stop the server after a batch, as a shutdown would.
				var once sync.Once
				s.afterBatch = func() { once.Do(func() { go func() { s.Close(); close(stopped) }() }) }
			})
			if i == 0 {
				im, err := e.s.CreateImport(e.ctx, e.who, Household, "warga.csv", bytes.NewReader(householdFile()), 0)
				if err != nil {
					t.Fatal(err)
				}
				id = im.ID
			}
			<-stopped
		}
		e := newEnvWith(t, db, v, 100)
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		done, err := e.s.Wait(ctx, id)
		if err != nil || done.Status != StatusDone || done.RowsDone != 6 {
			t.Fatalf("after three stops: %s %q (%s), %v; want done with 6 rows", done.Status, done.Error, counters(done), err)
		}
	})
}

// A panic while an import runs fails that import and leaves the worker running:
// before, it took the whole server down, and the import with it at every start.
func TestPanicInTheWorkerFailsOnlyItsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2)
		e.s.afterBatch = func() { panic("a reader bug") }
		im := e.finish(Household, "warga.csv", bytes.NewReader(householdFile()))
		if im.Status != StatusFailed || im.Error != "internal error" {
			t.Fatalf("the import that panicked: %s %q", im.Status, im.Error)
		}
		e.s.afterBatch = nil
		if again := e.finish(Household, "warga.csv", bytes.NewReader(householdFile())); again.Status != StatusDone {
			t.Fatalf("the next import: %s %q", again.Status, again.Error)
		}
	})
}

// Uploads hold NIKs in clear. Whatever a dead process left in the uploads folder —
// a half-written upload, the file of an import that ended — is removed at start;
// the files of imports still to run, and uploads being written now, stay.
func TestStartRemovesWhatDeadProcessesLeft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := testVault(t)
		data := t.TempDir()
		first := newEnvVault(t, db, v, Options{DataDir: data})
		first.s.Close()
		queued, err := first.s.CreateImport(first.ctx, first.who, Household, "antre.csv", bytes.NewReader(householdFile()), 0)
		if err != nil {
			t.Fatal(err)
		}
		ended, err := first.s.CreateImport(first.ctx, first.who, Household, "gagal.csv", bytes.NewReader(householdFile()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.W().ExecContext(first.ctx, `UPDATE imports SET status = 'failed' WHERE id = $1`, ended.ID); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		put := func(name string, at time.Time) string {
			p := filepath.Join(first.s.uploads, name)
			if err := os.WriteFile(p, []byte("NIK 3171010101800001"), 0o600); err != nil {
				t.Fatal(err)
			}
			_ = os.Chtimes(p, at, at)
			return p
		}
		halfOld := put("upload-111", old)
		halfNow := put("upload-222", time.Now())
		stray := put("0190f0aa-0000-7000-8000-000000000000.xlsx", old)
		endedFile := filepath.Join(first.s.uploads, ended.ID+".csv")
		second := newEnvVault(t, db, v, Options{DataDir: data})
		for _, p := range []string{halfOld, stray, endedFile} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s is still there (%v)", filepath.Base(p), err)
			}
		}
		if _, err := os.Stat(halfNow); err != nil {
			t.Errorf("an upload being written now was removed: %v", err)
		}
		ctx, cancel := context.WithTimeout(second.ctx, time.Minute)
		defer cancel()
		if done, err := second.s.Wait(ctx, queued.ID); err != nil || done.Status != StatusDone {
			t.Fatalf("the queued import: %+v %v", done, err)
		}
	})
}
