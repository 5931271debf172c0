package store

import (
	"context"
	"database/sql"

	"github.com/gotong/gotong/internal/errs"
)

// Scanner is a row being read: *sql.Row, *sql.Rows or a Row.
type Scanner = interface{ Scan(dest ...any) error }

// Row is the result of One: its Scan maps driver errors as Write does, so a
// missing row is an errs.NotFound that still wraps sql.ErrNoRows.
type Row struct{ row *sql.Row }

// Scan copies the row's columns into dest.
func (r Row) Scan(dest ...any) error { return Map(r.row.Scan(dest...)) }

// One runs a query that returns at most one row, through q (a Reader or a Tx).
func One(ctx context.Context, q Querier, query string, args ...any) Row {
	return Row{q.QueryRowContext(ctx, query, args...)}
}

// All runs a query through q and scans every row with scan, mapping errors as
// Write does.
func All[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, Map(err)
	}
	return Collect(rows, scan)
}

// Each runs a query through q and calls fn for every row, in order, mapping errors
// as Write does; it stops at the first error fn returns.
func Each(ctx context.Context, q Querier, fn func(Scanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return Map(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return Map(err)
		}
	}
	return Map(rows.Err())
}

// NotFound names a missing row: when err is of kind not_found it returns a
// not_found error with the message (format, args); any other error comes back
// mapped.
func NotFound(err error, format string, args ...any) error {
	err = Map(err)
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, format, args...)
	}
	return err
}
