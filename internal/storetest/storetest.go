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
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
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
	return postgresDatabase(tb, "")
}

// MigratedDSN returns a connection string for a fresh database on engine that
// already holds the current schema, dropped when the test ends. It is a copy of a
// template migrated once per schema (named by the migrations' digest), so that
// each test does not run every migration again: on PostgreSQL CREATE DATABASE …
// TEMPLATE, on SQLite a copy of the file.
func MigratedDSN(tb testing.TB, eng store.Engine) string {
	tb.Helper()
	if eng == store.SQLite {
		src, err := sqliteTemplate()
		if err != nil {
			tb.Fatalf("migrated template: %v", err)
		}
		dst := filepath.Join(tb.TempDir(), "gotong.db")
		if err := copyFile(src, dst); err != nil {
			tb.Fatalf("copy migrated template: %v", err)
		}
		return "sqlite:" + dst
	}
	tpl, err := postgresTemplate(server(tb))
	if err != nil {
		tb.Fatalf("migrated template: %v", err)
	}
	return postgresDatabase(tb, tpl)
}

func server(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv("GOTONG_TEST_POSTGRES")
	if server == "" {
		tb.Fatal("GOTONG_TEST_POSTGRES is not set")
	}
	return server
}

// postgresDatabase creates a database for the test (a copy of template, if one is
// named) and drops it when the test ends.
func postgresDatabase(tb testing.TB, template string) string {
	tb.Helper()
	server := server(tb)
	name := "gotong_t_" + randomHex(6)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := admin.ExecContext(ctx, create); err != nil {
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
	return withDatabase(server, name)
}

func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err) // the server's URL was already used to connect
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// The migrated templates, made at most once per test process.
var (
	sqliteOnce, postgresOnce sync.Once
	sqlitePath, postgresName string
	sqliteErr, postgresErr   error
)

// sqliteTemplate returns the path of a migrated SQLite file in the temp folder,
// named by the schema's digest and shared by every test process (a process that
// finds it missing makes it and renames it into place).
func sqliteTemplate() (string, error) {
	sqliteOnce.Do(func() {
		digest, err := store.MigrationsDigest(store.SQLite)
		if err != nil {
			sqliteErr = err
			return
		}
		path := filepath.Join(os.TempDir(), "gotong-test-schema-"+digest+".db")
		if _, err := os.Stat(path); err == nil {
			sqlitePath = path
			return
		}
		dir, err := os.MkdirTemp("", "gotong-test-schema-")
		if err != nil {
			sqliteErr = err
			return
		}
		defer os.RemoveAll(dir)
		work := filepath.Join(dir, "gotong.db")
		if err := migrate("sqlite:" + work); err != nil {
			sqliteErr = err
			return
		}
		// One self-contained file, whatever the journal left beside it.
		flat := filepath.Join(dir, "flat.db")
		db, err := sql.Open("sqlite", work)
		if err == nil {
			_, err = db.Exec("VACUUM INTO ?", flat)
			db.Close()
		}
		if err != nil {
			sqliteErr = err
			return
		}
		if sqliteErr = os.Rename(flat, path); sqliteErr == nil {
			sqlitePath = path
		}
	})
	return sqlitePath, sqliteErr
}

// postgresTemplate returns the name of a migrated database on server, named by the
// schema's digest and shared by every test process.
func postgresTemplate(server string) (string, error) {
	postgresOnce.Do(func() {
		postgresName, postgresErr = makePostgresTemplate(server)
	})
	return postgresName, postgresErr
}

func makePostgresTemplate(server string) (string, error) {
	digest, err := store.MigrationsDigest(store.Postgres)
	if err != nil {
		return "", err
	}
	name := "gotong_schema_" + digest
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var n int
	if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		return "", err
	}
	if n == 1 {
		return name, nil
	}
	// Made under a name of its own, then renamed: a database by the template's
	// name is always complete, and a process that loses the race drops its copy.
	work := name + "_" + randomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+work); err != nil {
		return "", err
	}
	if err := migrate(withDatabase(server, work)); err != nil {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+work+" WITH (FORCE)")
		return "", err
	}
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+work+" RENAME TO "+name); err != nil {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+work+" WITH (FORCE)")
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 1 {
			return "", fmt.Errorf("name the template %s: %v", name, err)
		}
	}
	return name, nil
}

func migrate(dsn string) error {
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Open returns a fresh, migrated database on engine, closed when the test ends.
func Open(tb testing.TB, eng store.Engine) *store.DB {
	tb.Helper()
	dsn := MigratedDSN(tb, eng)
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
