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
// A Back cursor asks for the page that ends just before the position, so a
// "previous" link pages back without counting offsets.
type Cursor struct {
	At   time.Time
	ID   string
	Back bool
}

// backMark starts an encoded Back cursor; no RFC 3339 time starts with it, so
// cursors made before Back existed still decode as forward ones.
const backMark = "<"

// Encode returns the cursor as an opaque URL-safe string.
func (c Cursor) Encode() string {
	raw := c.At.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	if c.Back {
		raw = backMark + raw
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// Keyset is the condition and order of a page of a list ordered by (at, id),
// newest first when desc: the rows after c, or before it for a Back cursor
// (fetched in reverse, closest first, for PageAround to turn back). The zero
// cursor selects from the start; otherwise arg adds c's At and ID to the query's
// arguments and returns their placeholders.
func (c Cursor) Keyset(atCol, idCol string, desc bool, arg func(any) string) (cond, order string) {
	cmp, dir := ">", "ASC"
	if desc != c.Back {
		cmp, dir = "<", "DESC"
	}
	order = ` ORDER BY ` + atCol + ` ` + dir + `, ` + idCol + ` ` + dir
	if c.ID == "" {
		return "", order
	}
	at, id := arg(c.At), arg(c.ID)
	return ` AND (` + atCol + ` ` + cmp + ` ` + at + ` OR (` + atCol + ` = ` + at + ` AND ` + idCol + ` ` + cmp + ` ` + id + `))`, order
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
	text, back := strings.CutPrefix(string(raw), backMark)
	at, id, ok := strings.Cut(text, "|")
	// Only Encode makes cursors, and ids are text: NUL or invalid UTF-8 is forged.
	if !ok || !utf8.Valid(raw) || strings.IndexByte(id, 0) >= 0 {
		return Cursor{}, errs.E(errs.Invalid, "invalid cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Cursor{}, errs.E(errs.Invalid, "invalid cursor")
	}
	return Cursor{At: t, ID: id, Back: back}, nil
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

// PageAround is Page for a query that honours a Back cursor (Keyset): a page
// fetched backwards is turned back into the list's order, and its next cursor
// continues after its last row, where the page the reader came from starts.
func PageAround[T any](items []T, limit int, cur Cursor, key func(T) Cursor) ([]T, string) {
	if !cur.Back {
		return Page(items, limit, key)
	}
	if len(items) > limit {
		items = items[:limit]
	}
	out := make([]T, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	if len(out) == 0 {
		return out, ""
	}
	return out, key(out[len(out)-1]).Encode()
}

// Before is the cursor of the page that ends just before c's row.
func (c Cursor) Before() Cursor {
	return Cursor{At: c.At, ID: c.ID, Back: true}
}
