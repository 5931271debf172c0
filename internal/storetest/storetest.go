// Package storetest gives tests real databases: a SQLite file in a temp dir always,
// and a fresh PostgreSQL database per test when GOTONG_TEST_POSTGRES names a server.
// Under GOTONG_TEST_STRICT (set by scripts/test.sh, hence CI) a missing PostgreSQL is
// a failure, never a skip.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// Engines lists the engines tests must run on.
func Engines(tb testing.TB) []store.Engine {
	tb.Helper()
	engines := []store.Engine{store.SQLite}
	if os.Getenv("GOTONG_TEST_POSTGRES") != "" {
		engines = append(engines, store.Postgres)
	} else if os.Getenv("GOTONG_TEST_STRICT") != "" {
		tb.Fatal("GOTONG_TEST_STRICT is set but GOTONG_TEST_POSTGRES is not: PostgreSQL tests cannot run")
	}
	return engines
}

// Each runs fn as a subtest on every engine, each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, eng := range Engines(t) {
		t.Run(string(eng), func(t *testing.T) { fn(t, Open(t, eng)) })
	}
}

// DSN returns a connection string for a fresh, empty database on engine, dropped when
// the test ends.
func DSN(tb testing.TB, eng store.Engine) string {
	tb.Helper()
	if eng == store.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "gotong.db")
	}
	server := os.Getenv("GOTONG_TEST_POSTGRES")
	if server == "" {
		tb.Fatal("GOTONG_TEST_POSTGRES is not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gotong_t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a fresh, migrated database on engine, closed when the test ends.
func Open(tb testing.TB, eng store.Engine) *store.DB {
	tb.Helper()
	dsn := DSN(tb, eng)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}
