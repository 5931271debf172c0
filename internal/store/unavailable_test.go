package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestConnectionFailuresMapToUnavailable: a database that cannot be reached, or
// whose connection breaks, is errs.Unavailable (503 on the web), told apart from a
// request's own fault and from a bug.
func TestConnectionFailuresMapToUnavailable(t *testing.T) {
	// Nothing listens on port 1: the connect is refused, as a stopped server's is.
	_, refused := store.Open(context.Background(), "postgres://postgres@127.0.0.1:1/x?sslmode=disable")
	if refused == nil {
		t.Fatal("opening a database nothing serves succeeded")
	}
	lost := map[string]error{
		"a refused connect":                  refused,
		"a closed connection":                fmt.Errorf("query: %w", pgconn.ErrConnClosed),
		"a connection reset":                 &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		"the server shutting down (57P01)":   &pgconn.PgError{Code: "57P01"},
		"a connection failure (08006)":       &pgconn.PgError{Code: "08006"},
		"wrapped as internal by a caller":    errs.Wrap(pgconn.ErrConnClosed, "read"),
		"already mapped, then wrapped again": fmt.Errorf("x: %w", store.Map(pgconn.ErrConnClosed)),
	}
	for name, err := range lost {
		if !store.ConnectionLost(err) {
			t.Errorf("%s (%v): not seen as a lost connection", name, err)
		}
		if name != "wrapped as internal by a caller" && !errs.Is(store.Map(err), errs.Unavailable) {
			t.Errorf("%s: maps to %v, want unavailable", name, errs.KindOf(store.Map(err)))
		}
	}
	for name, err := range map[string]error{
		"a unique violation":  &pgconn.PgError{Code: "23505"},
		"no rows":             sql.ErrNoRows,
		"a cancelled request": context.Canceled,
		"a plain bug":         errors.New("nil map"),
	} {
		if store.ConnectionLost(err) || errs.Is(store.Map(err), errs.Unavailable) {
			t.Errorf("%s (%v) is taken for a lost connection", name, err)
		}
	}
}
