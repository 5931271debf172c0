package store

import "strconv"

// PostgreSQL's side of what the engines do differently (dialect, in engine.go;
// engine_sqlite.go has SQLite's): numbered placeholders, which PostgreSQL requires,
// and row and advisory locks, since several writer connections run at once and
// serialise on the rows they share.
type postgresDialect struct{}

func (postgresDialect) placeholder(b []byte, k int) []byte {
	return strconv.AppendInt(append(b, '$'), int64(k), 10)
}

func (postgresDialect) locks() bool { return true }
