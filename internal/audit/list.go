package audit

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Filter selects entries for browsing. Empty fields do not filter.
type Filter struct {
	Actor      string // matches actor id or label exactly
	Action     string // prefix, e.g. "organization."
	ObjectType string
	ObjectID   string
	Region     string // prefix of the object's region code
	From, To   time.Time
	Limit      int
	Cursor     string
}

// List returns entries newest first and a cursor for the next page ("" at the end).
func List(ctx context.Context, q store.Querier, f Filter) ([]Entry, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var where []string
	var args []any
	add := func(cond string, v any) { // cond takes the placeholder at %s
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		args = append(args, f.Actor)
		n := "$" + strconv.Itoa(len(args))
		where = append(where, "(actor_id = "+n+" OR actor = "+n+")")
	}
	if f.Action != "" {
		add("action LIKE %s ESCAPE '\\'", likePrefix(f.Action))
	}
	if f.ObjectType != "" {
		add("object_type = %s", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = %s", f.ObjectID)
	}
	if f.Region != "" {
		add("region LIKE %s ESCAPE '\\'", likePrefix(f.Region))
	}
	if !f.From.IsZero() {
		add("at >= %s", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < %s", f.To.UTC())
	}
	if f.Cursor != "" {
		at, chain, seq, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		args = append(args, at, chain, seq)
		n := len(args)
		where = append(where, fmt.Sprintf("(at < $%d OR (at = $%d AND (chain > $%d OR (chain = $%d AND seq < $%d))))", n-2, n-2, n-1, n-1, n))
	}
	sqlText := `SELECT chain, seq, at, actor_id, actor, action, object_type, object_id, region, remote_addr, detail, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += fmt.Sprintf(" ORDER BY at DESC, chain, seq DESC LIMIT %d", f.Limit+1)
	out, err := store.All(ctx, q, func(r store.Scanner) (Entry, error) {
		var e Entry
		err := r.Scan(&e.Chain, &e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.Region, &e.RemoteAddr, &e.Detail, &e.PrevHash, &e.Hash)
		e.At = e.At.UTC()
		return e, err
	}, sqlText, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(last.At, last.Chain, last.Seq)
	}
	return out, next, nil
}

// likePrefix escapes LIKE wildcards in s and appends %.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

func encodeCursor(at time.Time, chain string, seq int64) string {
	raw := at.UTC().Format(time.RFC3339Nano) + "|" + chain + "|" + strconv.FormatInt(seq, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(c string) (time.Time, string, int64, error) {
	bad := errs.E(errs.Invalid, "invalid cursor")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", 0, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return time.Time{}, "", 0, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return time.Time{}, "", 0, bad
	}
	seq, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return time.Time{}, "", 0, bad
	}
	return at, parts[1], seq, nil
}
