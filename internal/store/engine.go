package store

import "context"

// dialect is what differs between the engines below the SQL a capability writes.
type dialect interface {
	// placeholder appends the placeholder of the argument numbered k in a
	// generated list.
	placeholder(b []byte, k int) []byte
	// locks reports whether transactions take row and advisory locks.
	locks() bool
}

func dialectOf(eng Engine) dialect {
	if eng == Postgres {
		return postgresDialect{}
	}
	return sqliteDialect{}
}

// Choose returns the engine's variant of something a capability does differently
// per engine; the capability keeps each variant in its own file (claim_postgres.go,
// claim_sqlite.go …) with a comment on why they differ, and chooses once, when it
// is built.
func Choose[T any](eng Engine, postgres, sqlite T) T {
	if eng == Postgres {
		return postgres
	}
	return sqlite
}

// Lock runs a locking statement (SELECT … FOR UPDATE, pg_advisory_xact_lock …) on
// PostgreSQL, where writers run side by side; on SQLite, whose one writer is alone
// (engine_sqlite.go), it does nothing.
func (tx *Tx) Lock(ctx context.Context, query string, args ...any) error {
	if !dialectOf(tx.Engine).locks() {
		return nil
	}
	_, err := tx.ExecContext(ctx, query, args...)
	return err
}

// Locking returns clause (" FOR UPDATE", " FOR UPDATE SKIP LOCKED" …) to append to a
// query on PostgreSQL, and "" on SQLite, which has no row locks and needs none.
func (tx *Tx) Locking(clause string) string {
	if !dialectOf(tx.Engine).locks() {
		return ""
	}
	return clause
}
