// Package store opens Gotong's database — embedded SQLite by default, PostgreSQL in
// production — runs its migrations, runs transactions and maps driver errors, once, to
// the project's error kinds. Capability packages write their own SQL; where the two
// dialects differ they keep both statements side by side and switch on DB.Engine.
//
// Placeholders are written $1, $2 … on both engines: PostgreSQL requires them and
// SQLite reads $N as the N-th argument.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers "sqlite"
)

// Engine names a database engine.
type Engine string

// The two supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Querier is what both *sql.DB and *sql.Tx offer; read helpers take one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database: a writer pool and a read pool. On SQLite the writer pool
// holds exactly one connection, so writers queue in Go instead of fighting over the
// file lock; readers use their own pool and, under WAL, never wait for the writer. On
// PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	// Path is the SQLite file ("" on PostgreSQL).
	Path string
	// AuditKey, when set, keys the audit chain's hashes (HMAC-SHA256).
	AuditKey []byte
	write    *sql.DB
	read     *sql.DB
	retries  [2]atomic.Int64 // deadlocks, other conflicts (serialization, busy)
}

// Retries reports how many write transactions were run again because the database
// broke a deadlock, and because of other transient conflicts (a serialization
// failure, a busy SQLite file). Deadlocks are bugs in lock order: tests assert
// none happen, and /metrics exports both counts.
func (db *DB) Retries() (deadlocks, conflicts int64) {
	return db.retries[0].Load(), db.retries[1].Load()
}

// Open opens the database named by dsn: "postgres://…" / "postgresql://…", or
// "sqlite:PATH" (a plain path is taken as a SQLite file too).
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("unsupported database URL scheme in %q (use postgres:// or sqlite:PATH)", redact(dsn))
	default:
		return openSQLite(ctx, dsn)
	}
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", redact(dsn), err)
	}
	// Gotong's queries are short and many; PostgreSQL's JIT compiled the engine's
	// candidate query on every claim (about 240 ms each on a million needs) for
	// nothing. A setting in the DSN still wins.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres at %s: %w", redact(dsn), err)
	}
	return &DB{Engine: Postgres, write: db, read: db}, nil
}

// sqliteDSN builds the connection string. Pragmas go in the DSN, not in an Exec after
// opening, so that every connection the pool ever opens carries them:
//   - busy_timeout first: it must be in force before journal_mode, which itself may
//     need the lock, and it lets another process (a CLI import beside the server) wait
//     rather than fail with SQLITE_BUSY;
//   - journal_mode(WAL): readers do not block the writer nor the writer the readers;
//   - foreign_keys(1): SQLite does not enforce foreign keys unless asked, per connection;
//   - synchronous(FULL): an acknowledged write survives a power cut, not only a crash;
//   - _txlock=immediate: every BEGIN takes the write lock at once, so a transaction
//     never fails half-way when upgrading from a read lock;
//   - _time_format=sqlite: times are written as sortable "YYYY-MM-DD HH:MM:SS.fff+00:00"
//     text and read back as time.Time for TIMESTAMP columns.
func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Set("_time_format", "sqlite")
	if readOnly {
		// query_only makes an accidental write on the read pool an error instead of
		// a second writer.
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if err := makePrivate(path); err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{Engine: SQLite, Path: path, write: w, read: r}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// R is the read pool, for queries outside a write transaction.
func (db *DB) R() *sql.DB { return db.read }

// W is the writer pool, for libraries that need a *sql.DB able to write (session
// store, migrations). Application writes go through Write.
func (db *DB) W() *sql.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx is a write transaction.
type Tx struct {
	*sql.Tx
	Engine   Engine
	AuditKey []byte
}

// Write runs fn in a write transaction and commits it when fn returns nil. On
// PostgreSQL a serialization failure or deadlock (SQLSTATE 40001, 40P01) retries the
// whole function, so fn must not have effects outside the transaction. The returned
// error is already mapped to an errs kind.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	const attempts = 5
	var err error
	for i := range attempts {
		err = db.writeOnce(ctx, fn)
		if err == nil || !retryable(err) {
			break
		}
		if isDeadlock(err) {
			db.retries[0].Add(1)
		} else {
			db.retries[1].Add(1)
		}
		select {
		case <-ctx.Done():
			return errs.Wrap(ctx.Err(), "write")
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
	return Map(err)
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(&Tx{Tx: sqlTx, Engine: db.Engine, AuditKey: db.AuditKey}); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// Now is the time as stored: UTC, truncated to microseconds (PostgreSQL's precision),
// so a value reads back exactly as it was written on both engines.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// redact hides a password in a database URL so it can be logged.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
