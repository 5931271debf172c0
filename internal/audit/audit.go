// Package audit keeps Gotong's append-only, hash-chained audit log (DESIGN.md §2.4).
//
// Every state change calls Record inside the transaction that makes the change, so the
// entry exists if and only if the change does. Entries form chains; each entry's hash
// covers every one of its fields and the previous entry's hash, and audit_heads holds
// each chain's last (seq, hash), so Verify detects an edited, inserted, removed or
// truncated entry. Chains exist so that, later, regions can append without waiting on
// one global lock; today every entry goes to the "main" chain unless told otherwise.
//
// Tables: the package owns audit_log and audit_heads; other packages write entries
// only through Record.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// MainChain is the default chain.
const MainChain = "main"

// maxDetail bounds the JSON detail of one entry; the log says what changed, briefly.
const maxDetail = 4096

// Actor is who acts, and from where.
type Actor struct {
	ID         string // user id, or "system"
	Label      string // email or a description such as "cli"
	RemoteAddr string
}

type actorKey struct{}

// WithActor returns ctx carrying the acting party; the web layer sets it per request
// and the command line sets a system actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Entry is one audit record.
type Entry struct {
	Chain      string    `json:"chain"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Region     string    `json:"region"`
	RemoteAddr string    `json:"remote_addr"`
	Detail     string    `json:"detail"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Change describes a state change to record.
type Change struct {
	Action     string // e.g. "organization.verify"
	ObjectType string // e.g. "organization"
	ObjectID   string
	Region     string // the region the object belongs to, "" if none
	Detail     any    // marshalled to JSON; keep it short
	Chain      string // "" means MainChain
}

// ErrNoActor is returned when Record is called without an actor in the context: a
// state change must always say who made it.
var ErrNoActor = errors.New("audit: no actor in context")

// Record appends an entry for c inside tx.
func Record(ctx context.Context, tx *store.Tx, c Change) error {
	a, ok := ActorFrom(ctx)
	if !ok || a.ID == "" {
		return ErrNoActor
	}
	detail := "{}"
	if c.Detail != nil {
		b, err := json.Marshal(c.Detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		if len(b) > maxDetail {
			b, _ = json.Marshal(map[string]any{"truncated": true, "bytes": len(b)})
		}
		detail = string(b)
	}
	chain := c.Chain
	if chain == "" {
		chain = MainChain
	}
	// Make sure the head row exists, then lock it: on PostgreSQL FOR UPDATE serialises
	// appends to one chain; on SQLite the single writer already does.
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, '') ON CONFLICT (chain) DO NOTHING`, chain); err != nil {
		return err
	}
	q := `SELECT seq, hash FROM audit_heads WHERE chain = $1` + tx.Locking(` FOR UPDATE`)
	var prevSeq int64
	var prevHash string
	if err := tx.QueryRowContext(ctx, q, chain).Scan(&prevSeq, &prevHash); err != nil {
		return err
	}
	e := Entry{
		Chain: chain, Seq: prevSeq + 1, At: store.Now(),
		ActorID: a.ID, Actor: a.Label, RemoteAddr: a.RemoteAddr,
		Action: c.Action, ObjectType: c.ObjectType, ObjectID: c.ObjectID, Region: c.Region,
		Detail: detail, PrevHash: prevHash,
	}
	e.Hash = e.computeHash(tx.AuditKey)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(chain, seq, at, actor_id, actor, action, object_type, object_id, region, remote_addr, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.Chain, e.Seq, e.At, e.ActorID, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Region,
		e.RemoteAddr, e.Detail, e.PrevHash, e.Hash); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3`, e.Seq, e.Hash, chain)
	return err
}

// LockChains takes the heads of chains, in one order (sorted), before a transaction
// appends to several of them: on PostgreSQL each append holds its chain's head until
// commit, and two transactions appending to the same chains in different orders
// would wait on each other. Appending later to a chain locked here waits for no one.
// On SQLite, where the one writer is alone, it only makes sure the heads exist.
func LockChains(ctx context.Context, tx *store.Tx, chains []string) error {
	cs := make([]string, 0, len(chains))
	for _, c := range chains {
		if c == "" {
			c = MainChain
		}
		cs = append(cs, c)
	}
	slices.Sort(cs)
	for _, c := range slices.Compact(cs) {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, '') ON CONFLICT (chain) DO NOTHING`, c); err != nil {
			return err
		}
		if err := tx.Lock(ctx, `SELECT seq FROM audit_heads WHERE chain = $1 FOR UPDATE`, c); err != nil {
			return err
		}
	}
	return nil
}

// computeHash hashes every field of the entry but the hash itself. The encoding is a
// JSON array, which is unambiguous (no field can run into the next) and stable. With
// a key (the deployment's audit key) it is an HMAC, so the chain cannot be recomputed
// by someone who can write the database but does not hold the key.
func (e *Entry) computeHash(key []byte) string {
	b, _ := json.Marshal([]any{
		e.Chain, e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Actor, e.Action,
		e.ObjectType, e.ObjectID, e.Region, e.RemoteAddr, e.Detail, e.PrevHash,
	})
	if key != nil {
		m := hmac.New(sha256.New, key)
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
