package store

import (
	"database/sql"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/errs"
)

// Cursor is a keyset position in a list ordered by (time, id): opaque to clients.
type Cursor struct {
	At time.Time
	ID string
}

// Encode returns the cursor as an opaque URL-safe string.
func (c Cursor) Encode() string {
	raw := c.At.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor made by Encode; "" gives the zero cursor.
func DecodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errs.E(errs.Invalid, "invalid cursor")
	}
	at, id, ok := strings.Cut(string(raw), "|")
	// Only Encode makes cursors, and ids are text: NUL or invalid UTF-8 is forged.
	if !ok || !utf8.Valid(raw) || strings.IndexByte(id, 0) >= 0 {
		return Cursor{}, errs.E(errs.Invalid, "invalid cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Cursor{}, errs.E(errs.Invalid, "invalid cursor")
	}
	return Cursor{At: t, ID: id}, nil
}

// Limit clamps a requested page size to API.md's default 50 and maximum 500.
func Limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// Collect scans every row with scan, mapping errors once.
func Collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, Map(err)
		}
		out = append(out, v)
	}
	return out, Map(rows.Err())
}

// String scans a row of one text column, for Collect.
func String(r interface{ Scan(...any) error }) (string, error) {
	var v string
	return v, r.Scan(&v)
}

// Page trims the one extra row a list query fetched to know whether a next page
// exists, and returns the cursor of that next page ("" at the end). Lists are never
// nil, so they encode as [].
func Page[T any](items []T, limit int, key func(T) Cursor) ([]T, string) {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[len(items)-1]).Encode()
}
