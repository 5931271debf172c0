package store

import (
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
)

// The registry's keyed hashes (targets.id_hash, members.nik_hash) are stored as their
// 32 bytes (SQLite BLOB, PostgreSQL bytea), NULL when there is none, while the code
// handles them as the vault gives them: 64 hex digits (vault.Hash). Half the width
// in the row and in every index on the column, and a byte comparison instead of a
// collated text one. HashArg and HashText convert at the query's edge.

// HashArg is a keyed hash as a query argument: its bytes, or NULL for "" (no hash).
// Text that is not a hash fails the query instead of matching nothing.
func HashArg(h string) any {
	if h == "" {
		return nil
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != hashLen {
		return badHash(len(h))
	}
	return b
}

// HashArgs is HashArg of each hash, for an IN list.
func HashArgs(hs []string) []any {
	out := make([]any, len(hs))
	for i, h := range hs {
		out[i] = HashArg(h)
	}
	return out
}

const hashLen = 32

// badHash makes the driver refuse the statement it is an argument of.
type badHash int

func (b badHash) Value() (driver.Value, error) {
	return nil, fmt.Errorf("store: a keyed hash is 64 hex digits, not %d characters", int(b))
}

// HashText scans a stored keyed hash into *dst as hex digits ("" for NULL).
func HashText(dst *string) sql.Scanner { return hashText{dst} }

type hashText struct{ dst *string }

func (h hashText) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*h.dst = ""
	case []byte:
		*h.dst = hex.EncodeToString(v)
	case string: // a driver handing a BLOB over as text
		*h.dst = hex.EncodeToString([]byte(v))
	default:
		return fmt.Errorf("store: a keyed hash cannot be read from %T", v)
	}
	return nil
}
