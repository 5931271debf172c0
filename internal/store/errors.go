package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/gotong/gotong/internal/errs"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Map translates a driver error into the project's error kinds. It is the only place
// that looks at driver error codes; capability code checks errs kinds instead.
// Errors that are already *errs.Error pass through unchanged.
func Map(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &errs.Error{Kind: errs.NotFound, Format: "not found", Err: err}
	}
	if ConnectionLost(err) {
		return &errs.Error{Kind: errs.Unavailable, Format: "the database is not answering; try again in a moment", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &errs.Error{Kind: errs.Internal, Format: "request cancelled", Err: err}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505": // unique_violation
			return &errs.Error{Kind: errs.Conflict, Format: "already exists", Err: err}
		case "23514", "23P01": // check_violation, exclusion_violation
			return &errs.Error{Kind: errs.Conflict, Format: "conflicts with the current state", Err: err}
		case "23503", "23502", "22P02", "22001", "22021", "22P05": // foreign key, not null, bad text repr, too long, NUL or bad UTF-8
			return &errs.Error{Kind: errs.Invalid, Format: "invalid reference or value", Err: err}
		}
	}
	if DiskFull(err) {
		return &errs.Error{Kind: errs.Unavailable, Format: "the database's disk is full; nothing was saved: try again once an administrator has freed space", Err: err}
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &errs.Error{Kind: errs.Conflict, Format: "already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return &errs.Error{Kind: errs.Conflict, Format: "conflicts with the current state", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &errs.Error{Kind: errs.Invalid, Format: "invalid reference or value", Err: err}
		}
	}
	return &errs.Error{Kind: errs.Internal, Format: "internal error", Err: err}
}

// ConnectionLost reports whether err (raw, mapped or wrapped) says that the
// database could not be reached or the connection to it broke: a refused or failed
// connect, a connection closed or reset under a query, the server shutting down.
// Such a failure is no fault of the request, and a transaction it cut off was
// rolled back by the server.
func ConnectionLost(err error) bool {
	if err == nil {
		return false
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Unavailable {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01-57P03: the server is shutting
		// down, crashed, or not yet accepting connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var connect *pgconn.ConnectError
	var netErr *net.OpError
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// DiskFull reports whether err says the database's disk is full (SQLite's
// SQLITE_FULL, PostgreSQL's disk_full): the write was rolled back, and works again
// once there is space.
func DiskFull(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "53100"
	}
	var lite *sqlite.Error
	return errors.As(err, &lite) && lite.Code()&0xff == sqlite3.SQLITE_FULL
}

// retryable reports whether a failed transaction may simply be run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		c := lite.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

func isDeadlock(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "40P01"
}

// IsConstraint reports whether err (raw or mapped) is a constraint violation of kind
// conflict — a unique or check constraint.
func IsConflict(err error) bool { return errs.Is(Map(err), errs.Conflict) }
