package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotSQLite is an operation only a SQLite database supports (a file copy, a
// file lock); PostgreSQL has its own tools for them (pg_dump, pg_restore).
var ErrNotSQLite = errors.New("only a SQLite database can be copied or replaced as a file")

// ErrInUse means another connection (a running server, a command) has the SQLite
// file open, so it cannot be locked for replacing.
var ErrInUse = errors.New("the database is in use")

// CopySQLite writes a consistent copy of the SQLite database at src to dst, which
// must not exist or be empty, with VACUUM INTO. It opens a connection of its own,
// and never creates src: mode=rw fails on a missing file. Under WAL the copy reads
// one snapshot, so a server's writers go on while it runs and the copy holds every
// transaction committed before it started, none after. A read-pool connection
// cannot do it: query_only counts VACUUM INTO as a write though the file it writes
// is another.
func CopySQLite(ctx context.Context, src, dst string) error {
	c, err := sql.Open("sqlite", sqliteDSN(src, false)+"&mode=rw")
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO $1`, dst); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns an error naming
// the first problems it found, nil when it answers "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.Engine != SQLite {
		return ErrNotSQLite
	}
	rows, err := db.read.QueryContext(ctx, `PRAGMA integrity_check(10)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return errors.New(strings.Join(found, "; "))
}

// SchemaVersions reports the schema version the database is at and the one this
// program's migrations lead to. Unlike SchemaState, it sees a database made by a
// newer program: its version is above want.
func (db *DB) SchemaVersions(ctx context.Context) (have, want int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	if have, want, err = p.GetVersions(ctx); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return have, want, nil
}

// Lock is the sole connection to a SQLite file, held while the file is replaced.
type Lock struct{ conn *sql.DB }

// LockSQLite takes an exclusive lock on the SQLite file at path, or returns
// ErrInUse when any other connection has it open: under WAL every open connection
// keeps a shared lock on the file (SQLite's unix VFS also counts the connections of
// this process, so a server in the same process counts too). Holding the lock, it
// folds the WAL into the file and leaves WAL mode, so that the file is whole by
// itself and no -wal file is left for the next database at this path to pick up;
// whoever opens it next turns WAL on again (the DSN asks for it).
func LockSQLite(ctx context.Context, path string) (*Lock, error) {
	// busy_timeout 0: a server's lock is not about to go away, so fail at once.
	dsn := "file:" + uriPath.Replace(path) + "?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)"
	c, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	fail := func(err error) (*Lock, error) {
		c.Close()
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
			return nil, fmt.Errorf("%w: %s is open in another process or connection", ErrInUse, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// BEGIN EXCLUSIVE takes the file's exclusive lock, and locking_mode keeps it
	// after COMMIT until the connection closes.
	for _, q := range []string{`BEGIN EXCLUSIVE`, `COMMIT`, `PRAGMA wal_checkpoint(TRUNCATE)`, `PRAGMA journal_mode=DELETE`} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fail(err)
		}
	}
	return &Lock{conn: c}, nil
}

// Close releases the lock.
func (l *Lock) Close() error { return l.conn.Close() }
