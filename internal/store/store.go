// Package store opens Gotong's database — embedded SQLite by default, PostgreSQL in
// production — runs its migrations, runs transactions and maps driver errors, once, to
// the project's error kinds. Capability packages write their own SQL.
//
// # Engine differences
//
// What differs below the SQL is here, each engine's side in its own file
// (engine_postgres.go, engine_sqlite.go): generated placeholder lists (InList,
// Values, Tx.Insert) and locks (Tx.Lock, Tx.Locking: SQLite's one writer needs
// none). Where a capability's algorithm differs per engine, it keeps each variant
// in its own file (allocate's claim_postgres.go and claim_sqlite.go, say), with a
// comment on why, and picks one with Choose when it is built; no capability code
// compares DB.Engine.
//
// Placeholders are written $1, $2 … on both engines: PostgreSQL requires them and
// SQLite reads $N as the N-th argument. Only the generated lists use SQLite's "?".
//
// Reads outside Write map driver errors through One, All and Each (a missing row
// is errs.NotFound; NotFound names it), as Write maps the errors of a transaction.
//
// # Reads and writes
//
// A DB has a writer pool and a read pool. Write runs a function in a write
// transaction and hands it a context that says so; inside, every read goes through
// the transaction (tx), so that it sees what the transaction wrote and locked, and
// needs no second connection. A transaction that waits for a read connection while
// it holds row locks, an advisory lock or an audit chain's head is how a burst of
// cancels once froze a PostgreSQL server whose two pools were one: every connection
// was held by a transaction waiting for one more. So:
//
//   - the read pool (R) refuses a context that is inside a write transaction of the
//     same DB: the query fails with ErrReadInWrite before it takes a connection;
//   - Write refuses a context that is already inside one (ErrNestedWrite): on
//     SQLite's one writer connection it could only wait for itself.
//
// The check follows the context, not the call site, so a service method that reads
// through R (program.Service.Get, say) fails when it is called inside a transaction
// from anywhere, and the first test that walks that path says so; a capability whose
// reads are needed inside transactions offers a variant that takes the transaction
// (program.Service.GetTx). Reads that need not agree with the transaction are made
// before it begins. The callback's context parameter is named ctx, shadowing the
// caller's, so the marked context is the only one in reach; a test of this package
// checks that every callback in the module does so and calls no R inside.
//
// And the pools are separate on both engines, so a case the check misses can slow
// a writer down but never starve a reader: under MVCC (and SQLite's WAL) a reader
// waits for no writer.
//
// # Tables and their owners
//
// Each table has one owning package: it alone writes the table, and its SQL is the
// only SQL that names it. Other packages read it through the owner's functions,
// interfaces it is handed, or SQL fragments the owner exports for a statement that
// must read the table together with its caller's own (registry.Targets says when
// and why). owners_test.go reads the table below and fails when a package's SQL
// names a table it does not own, except for the reads it lists with their reason.
//
//	table               owner     others reach it through
//	users               account   registry: account.Service.UserLabel, handed over as registry.Options.UserLabel
//	organizations       account   allocate: the allocate.Orgs interface account.Service implements (may commit, limits, row lock, names)
//	api_tokens          account   -
//	password_resets     account   -
//	user_factors        account   -
//	recovery_codes      account   -
//	sessions            web       scs's session store (no SQL of ours)
//	user_sessions       account   web: account.Service sessions (StartSession, SeeSession, Sessions, EndSession)
//	targets             registry  allocate: registry.TargetRegion, TargetName, and the fragments Targets, Eligible, People, Families, RecipientColumns
//	members             registry  allocate: registry.RecipientColumns (a household's masked NIK)
//	imports             registry  -
//	import_errors       registry  -
//	import_rows         registry  -
//	duplicates          registry  -
//	programs            program   allocate: program.Service.Get/GetTx (joins for speed are listed exceptions)
//	phases              program   allocate: program.Program.Phases (joins for speed are listed exceptions)
//	needs               allocate  program: the program.Needs interface, implemented by allocate.Needs
//	commitments         allocate  -
//	commitment_targets  allocate  -
//	allocations         allocate  -
//	notifications       allocate  -
//	recipient_reveals   allocate  -
//	org_flags           allocate  -
//	deliveries          deliver   -
//	delivery_stops      deliver   -
//	delivery_proofs     deliver   -
//	delivery_attempts   deliver   -
//	delivery_flags      deliver   -
//	audit_log           audit     -
//	audit_heads         audit     -
//	settings            store     DB.Setting, DB.InitSetting (app checks the personal-data key with them)
//	outbox              message   message.Outbox.Enqueue, in the caller's transaction (deliveries, commitments)
//	callback_samples    callback  -
//	callback_items      callback  -
//	courier_providers   deliver   -
//	webhook_receipts    deliver   -
//	document_records    deliver   - (the public verification reads it through deliver.Service.VerifyRecord)
//	counters            monitor   written by triggers on needs, allocations and callback_items (migration 00017); read through monitor.Service
//	counter_deltas      monitor   PostgreSQL: appended by the same triggers, folded by monitor.Service.Fold
//	boundaries          boundary  - (the map reads it through boundary.Service.Children)
//	warehouses          donate    -
//	stock_items         donate    -
//	donations           donate    -
//	donation_items      donate    -
//	donation_receipts   donate    -
//	donation_receipt_lines donate -
//	stock_moves         donate    -
//	stock               donate    allocate: the allocate.Stock interface donate.Service implements (Source, Settle in the commitment's transaction)
//	stock_lots          donate    -
//	stock_commitments   donate    -
//	donor_certificates  donate    -
//	challenges_spent    human     -
//	ideas               idea      -
//	idea_supports       idea      -
//	idea_comments       idea      -
//	idea_offers         idea      -
//	idea_reports        idea      -
//	pledges             pledge    -
//	help_requests       help      - (the target is found or added through registry.Service.IntakeTx, its need through program.Needs.Add)
package store

import (
	"cmp"
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
	"github.com/jackc/pgx/v5/pgconn"
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
// PostgreSQL they are two pools on the same server, so that readers, who under MVCC
// wait for no writer, never wait for a writer's connection either.
type DB struct {
	Engine Engine
	// Path is the SQLite file ("" on PostgreSQL).
	Path string
	// AuditKey, when set, keys the audit chain's hashes (HMAC-SHA256).
	AuditKey []byte
	write    *sql.DB
	read     *sql.DB
	replica  *sql.DB // nil without a read replica
	reader   *Reader
	retries  [2]atomic.Int64 // deadlocks, other conflicts (serialization, busy)
}

func newDB(eng Engine, path string, write, read *sql.DB) *DB {
	db := &DB{Engine: eng, Path: path, write: write, read: read}
	db.reader = &Reader{db: db}
	return db
}

// Retries reports how many write transactions were run again because the database
// broke a deadlock, and because of other transient conflicts (a serialization
// failure, a busy SQLite file). Deadlocks are bugs in lock order: tests assert
// none happen, and /metrics exports both counts.
func (db *DB) Retries() (deadlocks, conflicts int64) {
	return db.retries[0].Load(), db.retries[1].Load()
}

// Options sizes the pools; zero values take the engine's defaults.
type Options struct {
	// ReadConns bounds the read pool: PostgreSQL DefaultReadConns, SQLite
	// max(4, 2 × CPUs).
	ReadConns int
	// WriteConns bounds the write pool on PostgreSQL (DefaultWriteConns). SQLite
	// has one writer connection: 0 or 1.
	WriteConns int
	// Replica is the URL of a PostgreSQL read replica for the reads marked
	// FromReplica ("": none). Its pool has ReadConns connections.
	Replica string
}

// The PostgreSQL pool sizes, together the 32 connections one shared pool had.
// Writers contend for the rows, fill locks and audit heads they share, so more of
// them at once mostly wait inside PostgreSQL, holding a connection (and maybe
// locks); beyond the write pool they wait in Go, holding nothing. Readers take
// no locks a writer waits for and keep their own half, so no burst of writes can
// leave a read (/readyz, a report) without a connection.
const (
	DefaultWriteConns = 16
	DefaultReadConns  = 16
)

// DefaultConnectTimeout bounds a new PostgreSQL connection's connect and
// handshake when the DSN sets no connect_timeout.
const DefaultConnectTimeout = 2 * time.Second

// MaxConns bounds either pool size in Options.
const MaxConns = 1000

// ErrPoolSize is an Options value the engine cannot use.
var ErrPoolSize = errors.New("bad database pool size")

// Open opens the database named by dsn with the default pool sizes.
func Open(ctx context.Context, dsn string) (*DB, error) { return OpenWith(ctx, dsn, Options{}) }

// OpenWith opens the database named by dsn: "postgres://…" / "postgresql://…", or
// "sqlite:PATH" (a plain path is taken as a SQLite file too).
func OpenWith(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.ReadConns < 0 || opt.ReadConns > MaxConns || opt.WriteConns < 0 || opt.WriteConns > MaxConns {
		return nil, fmt.Errorf("%w: pools of %d read and %d write connections (0 for the default, at most %d)",
			ErrPoolSize, opt.ReadConns, opt.WriteConns, MaxConns)
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, opt)
	case opt.Replica != "":
		return nil, errors.New("a read replica needs PostgreSQL: SQLite has no replicas")
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opt)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("unsupported database URL scheme in %q (use postgres:// or sqlite:PATH)", redact(dsn))
	default:
		return openSQLite(ctx, dsn, opt)
	}
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*DB, error) {
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
	// A database host that does not answer must not hold a request for the
	// operating system's minutes-long connect timeout: the request fails fast with
	// 503 and the next one tries again. connect_timeout in the DSN still wins.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	w := pool(stdlib.OpenDB(*cfg), cmp.Or(opt.WriteConns, DefaultWriteConns))
	// The read pool's connections are read-only, as SQLite's are (query_only): an
	// accidental write through R is an error, not a writer outside Write.
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	if targetSessionAttrs(dsn) == "read-write" {
		// A URL listing a primary and its standbys asks for the one that takes
		// writes; pgx checks that with transaction_read_only, which our own
		// read-only setting turns on. The read pool asks for the primary instead:
		// reads follow the writes they come after.
		rcfg.ValidateConnect = pgconn.ValidateConnectTargetSessionAttrsPrimary
	}
	r := pool(stdlib.OpenDB(*rcfg), cmp.Or(opt.ReadConns, DefaultReadConns))
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, p := range []*sql.DB{w, r} {
		if err := p.PingContext(pctx); err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("connect to postgres at %s: %w", redact(dsn), err)
		}
	}
	db := newDB(Postgres, "", w, r)
	if opt.Replica != "" {
		if db.replica, err = openReplica(ctx, opt.Replica, opt); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// targetSessionAttrs reads target_session_attrs from a PostgreSQL URL or
// keyword/value connection string ("" when it is not there).
func targetSessionAttrs(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Get("target_session_attrs")
	}
	for _, kv := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(kv, "target_session_attrs="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

// pool bounds a PostgreSQL pool to n connections, keeping half of them open when
// idle (each costs the server a process) and closing those idle for long.
func pool(db *sql.DB, n int) *sql.DB {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(max(1, n/2))
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db
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
	return "file:" + uriPath.Replace(path) + "?" + v.Encode()
}

// uriPath escapes what a "file:" URI would otherwise read as its query, its
// fragment or an escape: a data folder named "Data #2" must open "Data #2", not "Data ".
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	if opt.WriteConns > 1 {
		return nil, fmt.Errorf("%w: a SQLite database has one writer connection, not %d (the write pool size is for PostgreSQL)",
			ErrPoolSize, opt.WriteConns)
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
	n := cmp.Or(opt.ReadConns, max(4, runtime.NumCPU()*2))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return newDB(SQLite, path, w, r), nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := errors.Join(db.write.Close(), db.read.Close())
	if db.replica != nil {
		err = errors.Join(err, db.replica.Close())
	}
	return err
}

// PoolStats reports the read and the write pool's use, for /metrics: how often and
// how long callers waited for a connection.
func (db *DB) PoolStats() (read, write sql.DBStats) { return db.read.Stats(), db.write.Stats() }

// R is the read pool, for queries outside a write transaction (see Reads and
// writes in the package documentation).
func (db *DB) R() *Reader { return db.reader }

// W is the writer pool, for libraries that need a *sql.DB able to write (session
// store, migrations). Application writes go through Write.
func (db *DB) W() *sql.DB { return db.write }

// Ping checks that the database answers, through the read pool: it waits for no
// writer.
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

// Write runs fn in a write transaction and commits it when fn returns nil. fn gets a
// context marked as inside the transaction: name it ctx, so that it shadows the
// caller's, and read through tx (see Reads and writes in the package
// documentation). On PostgreSQL a serialization failure or deadlock (SQLSTATE
// 40001, 40P01) retries the whole function, so fn must not have effects outside the
// transaction. The returned error is already mapped to an errs kind.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.inWrite(ctx) {
		return Map(ErrNestedWrite)
	}
	ctx = context.WithValue(ctx, writeKey{}, db)
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

func (db *DB) writeOnce(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
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
	if err = fn(ctx, &Tx{Tx: sqlTx, Engine: db.Engine, AuditKey: db.AuditKey}); err != nil {
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
