package store

import (
	"context"
	"database/sql"
	"errors"
)

// ErrReadInWrite is the read pool refusing a query made inside a write transaction:
// read through the transaction instead (see Reads and writes in the package
// documentation).
var ErrReadInWrite = errors.New("store: read pool used inside a write transaction; read through the transaction")

// ErrNestedWrite is Write refusing to begin a transaction inside another one.
var ErrNestedWrite = errors.New("store: write transaction begun inside another one")

// writeKey marks a context as inside a write transaction; the value is the DB.
type writeKey struct{}

// inWrite reports whether ctx is inside a write transaction of db.
func (db *DB) inWrite(ctx context.Context) bool {
	w, _ := ctx.Value(writeKey{}).(*DB)
	return w == db
}

// Reader is the read pool. It is a Querier like a transaction, and refuses a
// context inside a write transaction of its DB.
type Reader struct{ db *DB }

// QueryContext runs a query on the read pool (or the replica: FromReplica).
func (r *Reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.db.readPool(ctx).QueryContext(r.db.readable(ctx), query, args...)
}

// QueryRowContext runs a query that returns at most one row on the read pool.
func (r *Reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.db.readPool(ctx).QueryRowContext(r.db.readable(ctx), query, args...)
}

// ExecContext runs a statement on the read pool (on SQLite the read pool is
// query_only, so only statements that write nothing succeed).
func (r *Reader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.db.readPool(ctx).ExecContext(r.db.readable(ctx), query, args...)
}

// PrepareContext prepares a statement on the read pool (the guard looks at the
// context it is prepared with; the statement runs on the read pool).
func (r *Reader) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return r.db.readPool(ctx).PrepareContext(r.db.readable(ctx), query)
}

// readable returns ctx, or, when ctx is inside a write transaction of db, a context
// that is already done with ErrReadInWrite. database/sql checks the context before
// it takes a connection, so the query fails at once, with that error, on every
// method (a *sql.Row cannot be made to carry an error any other way), and nothing
// waits for a connection.
func (db *DB) readable(ctx context.Context) context.Context {
	if db.inWrite(ctx) {
		return refused{ctx}
	}
	return ctx
}

// refused is a context that is done, with ErrReadInWrite as its reason. (A done
// context's Err is Canceled or DeadlineExceeded by convention; database/sql only
// returns it, and the reason is what the caller needs to read.)
type refused struct{ context.Context }

var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func (refused) Done() <-chan struct{} { return closed }
func (refused) Err() error            { return ErrReadInWrite }

// Snapshot runs fn with a read-only transaction of the read pool, so that every
// query fn makes sees the database as of one moment (PostgreSQL: REPEATABLE READ;
// SQLite: a deferred transaction, whose WAL snapshot holds from its first read).
// Writers go on meanwhile.
func (r *Reader) Snapshot(ctx context.Context, fn func(q Querier) error) error {
	opt := &sql.TxOptions{ReadOnly: true}
	if r.db.Engine == Postgres {
		opt.Isolation = sql.LevelRepeatableRead
	}
	tx, err := r.db.readPool(ctx).BeginTx(r.db.readable(ctx), opt)
	if err != nil {
		return Map(err)
	}
	defer tx.Rollback()
	return fn(tx)
}
