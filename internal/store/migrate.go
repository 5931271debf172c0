package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// ErrStale means the schema is older than this binary; run `gotong migrate` or start
// with --migrate.
var ErrStale = errors.New("database schema is older than this program: run `gotong migrate` (or serve with --migrate)")

func (db *DB) provider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if db.Engine == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.write, sub)
}

// MigrationsDigest names the schema that Migrate makes on engine: a hash of its
// migration files. Tests key a migrated template database by it.
func MigrationsDigest(eng Engine) (string, error) {
	dir := "migrations/sqlite"
	if eng == Postgres {
		dir = "migrations/postgres"
	}
	h := sha256.New()
	err := fs.WalkDir(migrations, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// SchemaState reports the applied schema version and how many migrations are pending.
func (db *DB) SchemaState(ctx context.Context) (version int64, pending int, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema status: %w", err)
	}
	for _, s := range st {
		if s.State == goose.StatePending {
			pending++
		} else if s.Source.Version > version {
			version = s.Source.Version
		}
	}
	return version, pending, nil
}

// Migrate applies every pending migration, each in its own transaction, and returns
// how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// MigrateTo applies the pending migrations up to version; tests use it to make a
// database as an older release left it, then migrate it as an upgrade would.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	return nil
}

// MigrateDownTo rolls the migrations above version back; tests use it to take a
// database made and filled by the current release back to an older schema, then
// migrate it up as an upgrade would.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down to %d: %w", version, err)
	}
	return nil
}

// prepareLock is the advisory lock key that serialises Prepare across processes
// ("gotong" in ASCII, then 1; monitor folds under "gotong").
const prepareLock int64 = 0x676f746f6e6701

// Prepare migrates an empty database and refuses a stale one unless migrate is true.
func (db *DB) Prepare(ctx context.Context, migrate bool) error {
	// Processes started together on one PostgreSQL database (web and worker
	// processes, servers behind a load balancer) take turns: one migrates while the
	// others wait, then finds nothing pending. Without the lock two would run the
	// same migration at once and one would fail, or one would take the other's
	// half-made schema for a stale one.
	q := Querier(db.read)
	if db.Engine == Postgres {
		conn, err := db.read.Conn(ctx)
		if err != nil {
			return fmt.Errorf("read schema state: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, prepareLock); err != nil {
			return fmt.Errorf("wait for another process's migration: %w", err)
		}
		defer func() {
			// A failed unlock is no harm: the lock is the session's, and a pooled
			// session that keeps it is closed below only if it broke.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, prepareLock)
		}()
		q = conn
	}
	fresh, err := db.isFresh(ctx, q)
	if err != nil {
		return err
	}
	_, pending, err := db.SchemaState(ctx)
	if err != nil {
		return err
	}
	if pending == 0 {
		return nil
	}
	if !fresh && !migrate {
		return ErrStale
	}
	_, err = db.Migrate(ctx)
	return err
}

// isFresh reports whether the database holds no table of ours yet (the migration
// library's own version table does not count).
func (db *DB) isFresh(ctx context.Context, q Querier) (bool, error) {
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
		AND name <> 'goose_db_version' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if db.Engine == Postgres {
		query = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'goose_db_version'`
	}
	var n int
	if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return false, fmt.Errorf("read schema state: %w", err)
	}
	return n == 0, nil
}
