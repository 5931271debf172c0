//go:build unix

package main

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestWebAndWorkerProcessesShareTheWork: `serve --role web` serves the pages and the
// API but runs no background work, `serve --role worker` runs it and answers only
// its checks. An import sent to the web process waits, untouched, until a worker
// process on the same database takes it up and finishes it.
func TestWebAndWorkerProcessesShareTheWork(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			const email, password = "kantor@example.org", "kantor-password-1"
			t.Setenv("GOTONG_ADMIN_EMAIL", email)
			t.Setenv("GOTONG_ADMIN_PASSWORD", password)
			data := filepath.Join(t.TempDir(), "data")
			dsn := storetest.MigratedDSN(t, eng)
			args := []string{"--data", data, "--db", dsn}
			web := serve(t, append(args, "--role", "web")...)
			uploadTemplate(t, web.url, email, password)

			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			status := func() (string, int) {
				t.Helper()
				var s string
				var done int
				if err := db.R().QueryRowContext(context.Background(), `SELECT status, rows_done FROM imports`).Scan(&s, &done); err != nil {
					t.Fatal(err)
				}
				return s, done
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
			deadline := time.Now().Add(30 * time.Second)
			for {
				s, done := status()
				if s == "done" && done > 0 {
					break
				}
				if s == "failed" || time.Now().After(deadline) {
					t.Fatalf("the worker left the import %s after %d rows; worker log %q", s, done, worker.stderr.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
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
