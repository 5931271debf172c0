package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A read replica (Options.Replica, PostgreSQL only) serves the reads that may lag
// behind the writes by a little: the public pages and the dashboards mark their
// request's context with FromReplica, and the Reader sends that context's queries
// to the replica. Everything else — what a user reads right after writing it,
// sign-in, the checks before a write — reads the primary.

type replicaKey struct{}

// FromReplica marks ctx: reads through R may be answered by the read replica, when
// the database has one, and may then be a little behind the latest writes.
func FromReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

// readPool is the pool a read under ctx goes to.
func (db *DB) readPool(ctx context.Context) *sql.DB {
	if db.replica != nil && ctx.Value(replicaKey{}) != nil {
		return db.replica
	}
	return db.read
}

// HasReplica reports whether marked reads go to a read replica.
func (db *DB) HasReplica() bool { return db.replica != nil }

// ReplicaLag reports how far the read replica's data is behind the primary's: zero
// when it has replayed everything it received, else the time since the last
// transaction it replayed committed on the primary.
func (db *DB) ReplicaLag(ctx context.Context) (time.Duration, error) {
	if db.replica == nil {
		return 0, nil
	}
	var secs float64
	err := db.replica.QueryRowContext(ctx, `SELECT CASE
		WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
		ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END`).Scan(&secs)
	if err != nil {
		return 0, Map(err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// openReplica opens the read replica's pool, read-only as the read pool is.
func openReplica(ctx context.Context, dsn string, opt Options) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open the read replica %s: %w", redact(dsn), err)
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	p := pool(stdlib.OpenDB(*cfg), cmp.Or(opt.ReadConns, DefaultReadConns))
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to the read replica at %s: %w", redact(dsn), err)
	}
	return p, nil
}
