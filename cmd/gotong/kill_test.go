package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The test binary doubles as the gotong binary: with GOTONG_TEST_AS_MAIN set it runs
// the command line in os.Args and exits, so a test can start it as a real process and
// kill it.
func TestMain(m *testing.M) {
	if os.Getenv("GOTONG_TEST_AS_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestKilledImportIsMendedByARerun runs `gotong import` as a process, kills it with
// SIGKILL once some batches are committed, and lets a second process finish the job:
// the end state must be exactly that of an uninterrupted import — every row counted
// once, no member twice.
func TestKilledImportIsMendedByARerun(t *testing.T) {
	regions, err := region.Load(data.Regions)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "warga.csv")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 12000 // six batches of 2,000: the kill lands after the first
	if _, err := gen.New(7, regions, "31").WriteHouseholdsCSV(f, rows, gen.Damage{Damaged: 0.01}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			t.Setenv("GOTONG_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
			data := t.TempDir()
			where := []string{"--data", data, "--db", storetest.DSN(t, eng), "--import-lease", "1s"}
			must(t, append([]string{"user", "create", "--email", "kantor@x.id", "--name", "Kantor Provinsi", "--role", "admin"}, where...)...)

			cmd := exec.Command(os.Args[0], append([]string{"import", "--as", "kantor@x.id", "--kind", "household", "--quiet"}, append(where, file)...)...)
			cmd.Env = append(os.Environ(), "GOTONG_TEST_AS_MAIN=1")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(context.Background(), where[3])
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Kill it once at least one batch is committed but before the end.
			deadline := time.Now().Add(60 * time.Second)
			var done int
			for time.Now().Before(deadline) {
				_ = db.R().QueryRowContext(context.Background(), `SELECT COALESCE(MAX(rows_done), 0) FROM imports`).Scan(&done)
				if done > 0 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			var status string
			_ = db.R().QueryRowContext(context.Background(), `SELECT status FROM imports`).Scan(&status)
			if done == 0 || done >= rows || status != "running" {
				if os.Getenv("GOTONG_TEST_STRICT") != "" {
					t.Fatalf("the kill did not land mid-import (rows done %d, status %s)", done, status)
				}
				t.Skipf("the kill did not land mid-import (rows done %d, status %s); nothing to check this time", done, status)
			}
			time.Sleep(1100 * time.Millisecond) // let the dead process's lease lapse
			// A second process (here: the import command again, which resumes what is
			// left before importing its own file) finishes the first import.
			r := must(t, append([]string{"import", "--as", "kantor@x.id", "--kind", "household", "--quiet"}, append(where, file)...)...)
			var second registry.Import
			if err := json.Unmarshal([]byte(r.stdout), &second); err != nil {
				t.Fatalf("second import's report %q: %v", r.stdout, err)
			}
			var first registry.Import
			var total, accepted, rejected int
			if err := db.R().QueryRowContext(context.Background(), `SELECT status, rows_done, accepted, rejected FROM imports WHERE id <> $1`, second.ID).
				Scan(&first.Status, &total, &accepted, &rejected); err != nil {
				t.Fatal(err)
			}
			if first.Status != "done" || total != rows {
				t.Fatalf("the killed import after the rerun: status %s, %d of %d rows", first.Status, total, rows)
			}
			var members, distinct int
			_ = db.R().QueryRowContext(context.Background(), `SELECT COUNT(nik_hash), COUNT(DISTINCT nik_hash) FROM members`).Scan(&members, &distinct)
			if members != distinct || members == 0 {
				t.Fatalf("%d members for %d NIKs: something was written twice", members, distinct)
			}
			var errRows int
			_ = db.R().QueryRowContext(context.Background(), `SELECT COUNT(DISTINCT line) FROM import_errors WHERE import_id <> $1`, second.ID).Scan(&errRows)
			if errRows != rejected {
				t.Fatalf("%d rejected rows but %d rows in the error file", rejected, errRows)
			}
			// The second import of the same file finds everything already there.
			if second.Accepted != 0 || second.Merged+second.Review+second.Rejected != rows {
				t.Fatalf("re-import after the mend: %+v", second)
			}
			if strings.Contains(r.stderr, "panic") {
				t.Fatal(r.stderr)
			}
		})
	}
}
