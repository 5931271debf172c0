package audit

import (
	"context"
	"fmt"

	"github.com/gotong/gotong/internal/store"
)

// Problem names the first entry at which a chain stops being intact.
type Problem struct {
	Chain  string
	Seq    int64
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit chain %q broken at entry %d: %s", p.Chain, p.Seq, p.Reason)
}

// Verify walks every chain in order and returns the first Problem found (nil when all
// chains are intact) and the number of entries checked. key is the audit key the
// chain was written with (nil for an unkeyed chain). A non-nil error means the check
// itself could not run.
func Verify(ctx context.Context, q store.Querier, key []byte) (*Problem, int64, error) {
	heads := map[string]Entry{}
	rows, err := q.QueryContext(ctx, `SELECT chain, seq, hash FROM audit_heads ORDER BY chain`)
	if err != nil {
		return nil, 0, err
	}
	var chains []string
	for rows.Next() {
		var h Entry
		if err := rows.Scan(&h.Chain, &h.Seq, &h.Hash); err != nil {
			rows.Close()
			return nil, 0, err
		}
		heads[h.Chain] = h
		chains = append(chains, h.Chain)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	// Entries in a chain the heads table does not know are a problem too.
	var orphan string
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MIN(chain), '') FROM audit_log
		WHERE chain NOT IN (SELECT chain FROM audit_heads)`).Scan(&orphan); err != nil {
		return nil, 0, err
	}
	if orphan != "" {
		return &Problem{Chain: orphan, Seq: 1, Reason: "entries exist for a chain with no head record"}, 0, nil
	}
	var checked int64
	for _, chain := range chains {
		p, n, err := verifyChain(ctx, q, heads[chain], key)
		checked += n
		if err != nil || p != nil {
			return p, checked, err
		}
	}
	return nil, checked, nil
}

func verifyChain(ctx context.Context, q store.Querier, head Entry, key []byte) (*Problem, int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT chain, seq, at, actor_id, actor, action, object_type, object_id,
		region, remote_addr, detail, prev_hash, hash FROM audit_log WHERE chain = $1 AND seq <= $2 ORDER BY seq`, head.Chain, head.Seq)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var n int64
	prev := Entry{Chain: head.Chain}
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Chain, &e.Seq, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.Region, &e.RemoteAddr, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, n, err
		}
		n++
		switch {
		case e.Seq != prev.Seq+1:
			return &Problem{head.Chain, prev.Seq + 1, fmt.Sprintf("entry missing (next entry found is %d)", e.Seq)}, n, nil
		case e.PrevHash != prev.Hash:
			return &Problem{head.Chain, e.Seq, "previous-hash link does not match the entry before it"}, n, nil
		case e.computeHash(key) != e.Hash:
			return &Problem{head.Chain, e.Seq, "contents do not match the entry's hash (altered, or checked with another key)"}, n, nil
		}
		prev = e
	}
	if err := rows.Err(); err != nil {
		return nil, n, err
	}
	if prev.Seq != head.Seq || prev.Hash != head.Hash {
		if prev.Seq < head.Seq {
			return &Problem{head.Chain, prev.Seq + 1, fmt.Sprintf("entries %d to %d are missing", prev.Seq+1, head.Seq)}, n, nil
		}
		return &Problem{head.Chain, prev.Seq, "last entry does not match the chain head"}, n, nil
	}
	// A running server appends while this reads: entries after the head read
	// above are checked by the next run. But entries past the chain's head as it
	// is now would be rows written around the chain. The newest entry is read
	// before the head, and an entry and its head change in one transaction, so an
	// append in between leaves the head ahead, never behind.
	var last, now int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE chain = $1`, head.Chain).Scan(&last); err != nil {
		return nil, n, err
	}
	if err := q.QueryRowContext(ctx, `SELECT seq FROM audit_heads WHERE chain = $1`, head.Chain).Scan(&now); err != nil {
		return nil, n, err
	}
	if last > now {
		return &Problem{head.Chain, now + 1, fmt.Sprintf("entries %d to %d lie past the chain head", now+1, last)}, n, nil
	}
	return nil, n, nil
}
