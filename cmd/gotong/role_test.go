//go:build unix

package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	gotongdata "github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// adminEmail and adminPassword are the first admin of a deployment.
const adminEmail, adminPassword = "kantor@example.org", "kantor-password-1"

// deployment readies a database and a data folder for several serve processes to
// share, with a known first admin, and returns the flags naming them (the data
// folder second) and the database's URL.
func deployment(t *testing.T, eng store.Engine) (args []string, dsn string) {
	t.Helper()
	cleanEnv(t)
	t.Setenv("GOTONG_ADMIN_EMAIL", adminEmail)
	t.Setenv("GOTONG_ADMIN_PASSWORD", adminPassword)
	dsn = storetest.MigratedDSN(t, eng)
	return []string{"--data", filepath.Join(t.TempDir(), "data"), "--db", dsn}, dsn
}

// TestWebAndWorkerProcessesShareTheWork: `serve --role web` serves the pages and the
// API but runs no background work, `serve --role worker` runs it and answers only
// its checks. An import sent to the web process waits, untouched, until a worker
// process on the same database takes it up and finishes it.
func TestWebAndWorkerProcessesShareTheWork(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			args, dsn := deployment(t, eng)
			web := serve(t, append(args, "--role", "web")...)
			uploadTemplate(t, web.url, adminEmail, adminPassword)

			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// status is the newest import's.
			status := func() (string, int) {
				t.Helper()
				var s string
				var done int
				if err := db.R().QueryRowContext(context.Background(), `SELECT status, rows_done FROM imports
					ORDER BY created_at DESC LIMIT 1`).Scan(&s, &done); err != nil {
					t.Fatal(err)
				}
				return s, done
			}
			finished := func(who string) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for {
					s, done := status()
					if s == "done" && done > 0 {
						return
					}
					if s == "failed" || time.Now().After(deadline) {
						t.Fatalf("%s left the import %s after %d rows", who, s, done)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			// The web process alone never takes it up: a worker in it would have
			// within its 2 s look for waiting imports.
			time.Sleep(3 * time.Second)
			if s, done := status(); s != "queued" || done != 0 {
				t.Fatalf("with only a web process the import is %s after %d rows; it must wait for a worker", s, done)
			}

			worker := serve(t, append(args, "--role", "worker")...)
			for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200,
				"/login": 404, "/api/v1/regions": 404, "/": 404} {
				res, err := http.Get(worker.url + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != want {
					t.Errorf("the worker answers %s with %d, want %d", path, res.StatusCode, want)
				}
			}
			finished("the worker, at its start,")
			// A worker already running takes up what a web process queues later.
			uploadTemplate(t, web.url, adminEmail, adminPassword)
			finished("the running worker")
			// The web process did none of it: it logs no import work, and it still
			// serves.
			if res, err := http.Get(web.url + "/readyz"); err != nil || res.StatusCode != 200 {
				t.Fatalf("the web process after the import: %v", err)
			}
			web.stop(t)
			worker.stop(t)
		})
	}
}

// TestServersStartingAtOnceOnAnEmptyDatabase: several processes started together
// (a deployment of a web and a worker process, or three servers behind a load
// balancer) on an empty PostgreSQL database all come up: one migrates it while the
// others wait, and none takes the half-made schema for a stale one.
func TestServersStartingAtOnceOnAnEmptyDatabase(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		if eng != store.Postgres {
			continue // one file, one writer: SQLite's migrations queue by themselves
		}
		cleanEnv(t)
		t.Setenv("GOTONG_ADMIN_EMAIL", "admin@example.org")
		t.Setenv("GOTONG_ADMIN_PASSWORD", "admin-password-1")
		data := t.TempDir()
		dsn := storetest.DSN(t, eng)
		var wg sync.WaitGroup
		for _, role := range []string{"web", "worker", "web"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(t, "--data", data, "--db", dsn, "--role", role)
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		must(t, "audit", "verify", "--data", data, "--db", dsn)
	}
}

// TestAWorkerKilledMidImportIsTakenOverByAnother: a worker process killed with
// SIGKILL in the middle of an import leaves it to the other worker already
// running, once its lease lapses, with no restart: the import ends with every row
// counted once and no member twice.
func TestAWorkerKilledMidImportIsTakenOverByAnother(t *testing.T) {
	regions, err := region.Load(gotongdata.Regions)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 20000 // ten batches: the kill lands well before the end, while the other worker starts
	var file bytes.Buffer
	if _, err := gen.New(11, regions, "31").WriteHouseholdsCSV(&file, rows, gen.Damage{}); err != nil {
		t.Fatal(err)
	}
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			args, dsn := deployment(t, eng)
			data := args[1]
			args = append(args, "--import-lease", "1s", "--import-batch", "2000")
			web := serve(t, append(args, "--role", "web")...)

			// The worker to be killed is a process of its own.
			doomed := exec.Command(os.Args[0], append([]string{"serve", "--addr", freeAddr(t), "--role", "worker"}, args...)...)
			doomed.Env = append(os.Environ(), "GOTONG_TEST_AS_MAIN=1")
			if err := doomed.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = doomed.Process.Kill(); _ = doomed.Wait() })
			uploadCSV(t, signedIn(t, web.url, adminEmail, adminPassword), web.url, file.Bytes())

			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			state := func() (status string, done int) {
				_ = db.R().QueryRowContext(context.Background(), `SELECT status, rows_done FROM imports`).Scan(&status, &done)
				return
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, done := state(); done > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			// The other worker is up before the first dies: it sees the lease and
			// leaves the import alone until the lease lapses.
			other := serve(t, append(args, "--role", "worker")...)
			_ = doomed.Process.Signal(syscall.SIGKILL)
			_ = doomed.Wait()
			status, done := state()
			if done == 0 || done >= rows || status != "running" {
				t.Fatalf("the kill did not land mid-import (rows done %d, status %s)", done, status)
			}
			deadline = time.Now().Add(90 * time.Second)
			for {
				status, done = state()
				if status == "done" || status == "failed" || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if status != "done" || done != rows {
				t.Fatalf("after the kill the other worker left the import %s at %d of %d rows; its log %q", status, done, rows, other.stderr.String())
			}
			var members, distinct int
			_ = db.R().QueryRowContext(context.Background(), `SELECT COUNT(nik_hash), COUNT(DISTINCT nik_hash) FROM members`).Scan(&members, &distinct)
			if members != distinct || members == 0 {
				t.Fatalf("%d members for %d NIKs: something was written twice", members, distinct)
			}
			must(t, "audit", "verify", "--data", data, "--db", dsn)
			must(t, "counters", "verify", "--data", data, "--db", dsn)
		})
	}
}
