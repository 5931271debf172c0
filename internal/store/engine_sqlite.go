package store

// SQLite's side of what the engines do differently. Every write transaction runs
// on the one writer connection (and BEGIN IMMEDIATE takes the file's write lock), so
// a transaction is alone with the data: it needs no row lock, and SQLite has none
// (FOR UPDATE and SKIP LOCKED are syntax errors there). Placeholders in long
// generated lists are "?": SQLite takes "$N" for a named parameter and finds each
// name by a linear search of a list, so a statement of n of them costs O(n²) to
// prepare and bind (docs/PERFORMANCE.md has the sweep).
type sqliteDialect struct{}

func (sqliteDialect) placeholder(b []byte, _ int) []byte { return append(b, '?') }

func (sqliteDialect) locks() bool { return false }
