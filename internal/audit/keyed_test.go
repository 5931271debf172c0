package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestKeyedChainResistsRecomputation plays an attacker who can write the database
// but does not hold the audit key: they alter an entry, recompute every hash after
// it — from the first entry on — with plain SHA-256 (the best they can do) and fix the head. Verify with the key
// names the altered entry; verify with another key fails at the first entry.
func TestKeyedChainResistsRecomputation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		db.AuditKey = []byte("0123456789abcdef0123456789abcdef")
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u1", Label: "a@b.id", RemoteAddr: "test"})
		for i := range 4 {
			if err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
				return audit.Record(ctx, tx, audit.Change{Action: "test.step", ObjectType: "thing", ObjectID: string(rune('a' + i))})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if p, n, err := audit.Verify(ctx, db.R(), db.AuditKey); p != nil || err != nil || n != 4 {
			t.Fatalf("intact keyed chain: %v, %d, %v", p, n, err)
		}
		if p, _, _ := audit.Verify(ctx, db.R(), []byte("another key of thirty-two bytes!")); p == nil || p.Seq != 1 {
			t.Fatalf("verify with another key: %v, want a problem at entry 1", p)
		}
		disable := `DROP TRIGGER audit_log_no_update`
		if db.Engine == store.Postgres {
			disable = `ALTER TABLE audit_log DISABLE TRIGGER USER`
		}
		if _, err := db.W().ExecContext(ctx, disable); err != nil {
			t.Fatal(err)
		}
		rows, err := db.R().QueryContext(ctx, `SELECT seq, at, actor_id, actor, action, object_type, object_id, region, remote_addr, detail
			FROM audit_log WHERE chain = 'main' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		type rec struct {
			seq                                                            int64
			at                                                             time.Time
			actorID, actor, action, objType, objID, region, remote, detail string
		}
		var all []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.seq, &r.at, &r.actorID, &r.actor, &r.action, &r.objType, &r.objID, &r.region, &r.remote, &r.detail); err != nil {
				t.Fatal(err)
			}
			all = append(all, r)
		}
		rows.Close()
		all[1].actor = "someone-else@b.id" // the forgery
		prev := ""
		for _, r := range all {
			b, _ := json.Marshal([]any{"main", r.seq, r.at.UTC().Format(time.RFC3339Nano), r.actorID, r.actor, r.action, r.objType, r.objID, r.region, r.remote, r.detail, prev})
			sum := sha256.Sum256(b)
			h := hex.EncodeToString(sum[:])
			if _, err := db.W().ExecContext(ctx, `UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE chain = 'main' AND seq = $4`, r.actor, prev, h, r.seq); err != nil {
				t.Fatal(err)
			}
			prev = h
		}
		if _, err := db.W().ExecContext(ctx, `UPDATE audit_heads SET hash = $1 WHERE chain = 'main'`, prev); err != nil {
			t.Fatal(err)
		}
		p, _, err := audit.Verify(ctx, db.R(), db.AuditKey)
		if err != nil || p == nil || p.Seq != 1 {
			t.Fatalf("recomputed chain: %v, %v; want a problem at entry 1, the first one rewritten without the key", p, err)
		}
		// Without the key the same forgery would have passed: this is what the key buys.
		if p, _, _ := audit.Verify(ctx, db.R(), nil); p != nil {
			t.Fatalf("the forged chain does not verify as an unkeyed chain (%v): the test forged it wrongly", p)
		}
	})
}
