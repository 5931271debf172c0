package audit_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var (
	alice = audit.Actor{ID: "u-alice", Label: "alice@example.org", RemoteAddr: "10.0.0.1"}
	bob   = audit.Actor{ID: "u-bob", Label: "bob@example.org", RemoteAddr: "10.0.0.2"}
)

func as(a audit.Actor) context.Context { return audit.WithActor(context.Background(), a) }

// record appends one entry per change, each in its own transaction, and fails the
// test on error.
func record(t *testing.T, db *store.DB, ctx context.Context, changes ...audit.Change) {
	t.Helper()
	for _, c := range changes {
		if err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error { return audit.Record(ctx, tx, c) }); err != nil {
			t.Fatalf("record %s: %v", c.Action, err)
		}
	}
}

// entries records n simple entries on the main chain.
func entries(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		record(t, db, as(alice), audit.Change{Action: "thing.touch", ObjectType: "thing",
			ObjectID: fmt.Sprintf("t%d", i), Region: "31.71", Detail: map[string]int{"i": i}})
	}
}

// exec runs raw SQL on the writer pool, as someone with database access would.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.W().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// mustVerify fails the test unless the log is intact with want entries.
func mustVerify(t *testing.T, db *store.DB, want int64) {
	t.Helper()
	p, n, err := audit.Verify(context.Background(), db.R(), db.AuditKey)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if p != nil {
		t.Fatalf("verify found a problem in an untouched log: %v", p)
	}
	if n != want {
		t.Fatalf("verify checked %d entries, want %d", n, want)
	}
}

// seqs returns the sequence numbers of the main chain in order.
func seqs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	rows, err := db.R().QueryContext(context.Background(), `SELECT seq FROM audit_log WHERE chain = 'main' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func hashOf(t *testing.T, db *store.DB, seq int64) string {
	t.Helper()
	var h string
	if err := db.R().QueryRowContext(context.Background(),
		`SELECT hash FROM audit_log WHERE chain = 'main' AND seq = $1`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// unprotect checks that the database itself refuses to change or remove audit rows,
// then takes that protection away as an attacker with database access would, so the
// test can tamper and see the hash chain catch it.
func unprotect(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	refused := []string{
		`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 1`,
	}
	if db.Engine == store.Postgres {
		refused = append(refused, `TRUNCATE audit_log`)
	}
	for _, q := range refused {
		if _, err := db.W().ExecContext(ctx, q); err == nil {
			t.Fatalf("the database accepted %q on the append-only audit log", q)
		} else if !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%q failed, but not because of the append-only trigger: %v", q, err)
		}
	}
	if db.Engine == store.Postgres {
		exec(t, db, `ALTER TABLE audit_log DISABLE TRIGGER USER`)
	} else {
		exec(t, db, `DROP TRIGGER audit_log_no_update`)
		exec(t, db, `DROP TRIGGER audit_log_no_delete`)
	}
}

func TestRecordWithoutActorFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctxs := map[string]context.Context{
			"a context with no actor":   context.Background(),
			"an actor with an empty id": audit.WithActor(context.Background(), audit.Actor{Label: "nobody"}),
		}
		for name, ctx := range ctxs {
			t.Run(name, func(t *testing.T) {
				err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
					return audit.Record(ctx, tx, audit.Change{Action: "thing.touch", ObjectType: "thing", ObjectID: "t1"})
				})
				if !errors.Is(err, audit.ErrNoActor) {
					t.Fatalf("Record without an actor: %v, want ErrNoActor", err)
				}
			})
		}
		if n := count(t, db); n != 0 {
			t.Fatalf("%d entries written without an actor", n)
		}
	})
}

func TestRolledBackRecordsLeaveNoEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := as(alice)
		entries(t, db, 2)
		boom := errors.New("the change failed")
		for range 3 {
			err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
				if err := audit.Record(ctx, tx, audit.Change{Action: "thing.lost", ObjectType: "thing", ObjectID: "x"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("write: %v, want the function's error", err)
			}
		}
		var lost int
		if err := db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'thing.lost'`).Scan(&lost); err != nil {
			t.Fatal(err)
		}
		if lost != 0 {
			t.Fatalf("%d entries of rolled-back transactions remain", lost)
		}
		mustVerify(t, db, 2)
		entries(t, db, 1)
		if got := seqs(t, db); !slices.Equal(got, []int64{1, 2, 3}) {
			t.Fatalf("after rollbacks the chain is %v, want [1 2 3]", got)
		}
		mustVerify(t, db, 3)
	})
}

func TestConcurrentWritersKeepOneGapFreeChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const writers, each = 16, 6
		var wg sync.WaitGroup
		errc := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				ctx := as(audit.Actor{ID: fmt.Sprintf("u%d", w), Label: "writer"})
				for i := range each {
					errc <- db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
						return audit.Record(ctx, tx, audit.Change{Action: "thing.touch", ObjectType: "thing",
							ObjectID: fmt.Sprintf("w%d-%d", w, i)})
					})
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("concurrent write: %v", err)
			}
		}
		got := seqs(t, db)
		want := make([]int64, writers*each)
		for i := range want {
			want[i] = int64(i + 1)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("sequence numbers %v, want 1..%d without gaps", got, writers*each)
		}
		mustVerify(t, db, writers*each)
	})
}

func TestVerifyCountsEveryChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		mustVerify(t, db, 0)
		entries(t, db, 4)
		record(t, db, as(bob), audit.Change{Chain: "31.71", Action: "thing.touch", ObjectType: "thing", ObjectID: "k"},
			audit.Change{Chain: "31.71", Action: "thing.touch", ObjectType: "thing", ObjectID: "k"})
		mustVerify(t, db, 6)
	})
}

func TestVerifyNamesTheFirstBadEntry(t *testing.T) {
	const n = 6 // entries written before tampering; the middle one is 3
	type tamper struct {
		name    string
		do      func(t *testing.T, db *store.DB)
		chain   string
		seq     int64
		because string // a word the reason must contain
	}
	cases := []tamper{
		{"a middle entry removed", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE chain = 'main' AND seq = 3`)
		}, "main", 3, "missing"},
		{"the newest entries removed", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE chain = 'main' AND seq >= 5`)
		}, "main", 5, "missing"},
		{"a middle entry replaced by a forged one", func(t *testing.T, db *store.DB) {
			prev := hashOf(t, db, 2)
			exec(t, db, `DELETE FROM audit_log WHERE chain = 'main' AND seq = 3`)
			forge(t, db, "main", 3, prev, strings.Repeat("ab", 32))
		}, "main", 3, "altered"},
		{"a forged entry appended after the head", func(t *testing.T, db *store.DB) {
			forge(t, db, "main", n+1, hashOf(t, db, n), strings.Repeat("cd", 32))
		}, "main", n + 1, "past the chain head"},
		{"a genuine-looking entry appended behind the head's back", func(t *testing.T, db *store.DB) {
			seq, hash := int64(n), hashOf(t, db, n)
			entries(t, db, 1)
			exec(t, db, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = 'main'`, seq, hash)
		}, "main", n + 1, "head"},
		{"entries in a chain that has no head", func(t *testing.T, db *store.DB) {
			forge(t, db, "shadow", 1, "", strings.Repeat("ef", 32))
		}, "shadow", 1, "no head"},
		{"the previous-hash of a middle entry replaced by another real hash", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET prev_hash = $1 WHERE chain = 'main' AND seq = 3`, hashOf(t, db, 1))
		}, "main", 3, "previous-hash"},
		{"the hash of a middle entry replaced", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET hash = $1 WHERE chain = 'main' AND seq = 3`, strings.Repeat("0", 64))
		}, "main", 3, "altered"},
	}
	// Each field the hash must cover, changed in the middle entry.
	fields := map[string]any{
		"at":          time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		"actor_id":    "u-mallory",
		"actor":       "mallory@example.org",
		"action":      "thing.delete",
		"object_type": "other",
		"object_id":   "t99",
		"region":      "31.72",
		"remote_addr": "192.0.2.9",
		"detail":      `{"i":99}`,
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		cases = append(cases, tamper{"the " + f + " of a middle entry changed", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET `+f+` = $1 WHERE chain = 'main' AND seq = 3`, fields[f])
		}, "main", 3, "altered"})
	}
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel() // each case has its own database
					db := storetest.Open(t, eng)
					entries(t, db, n)
					mustVerify(t, db, n)
					unprotect(t, db)
					c.do(t, db)
					p, _, err := audit.Verify(context.Background(), db.R(), db.AuditKey)
					if err != nil {
						t.Fatalf("verify: %v", err)
					}
					if p == nil {
						t.Fatal("verify found nothing wrong")
					}
					if p.Chain != c.chain || p.Seq != c.seq || !strings.Contains(p.Reason, c.because) {
						t.Fatalf("verify named chain %q entry %d (%s), want chain %q entry %d (%q)",
							p.Chain, p.Seq, p.Reason, c.chain, c.seq, c.because)
					}
					if msg := p.Error(); !strings.Contains(msg, fmt.Sprintf("%q", c.chain)) || !strings.Contains(msg, fmt.Sprint(c.seq)) {
						t.Fatalf("problem message %q does not name the chain and entry", msg)
					}
				})
			}
		})
	}
}

// forge inserts an entry directly, with whatever hashes the forger chose.
func forge(t *testing.T, db *store.DB, chain string, seq int64, prevHash, hash string) {
	t.Helper()
	exec(t, db, `INSERT INTO audit_log
		(chain, seq, at, actor_id, actor, action, object_type, object_id, region, remote_addr, detail, prev_hash, hash)
		VALUES ($1, $2, $3, 'u-mallory', 'mallory', 'thing.touch', 'thing', 'forged', '31.71', 'local', '{}', $4, $5)`,
		chain, seq, store.Now(), prevHash, hash)
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Batch one, then a pause so that "from" and "to" can fall between batches.
		record(t, db, as(alice),
			audit.Change{Action: "organization.verify", ObjectType: "organization", ObjectID: "o1", Region: "31.71"},    // 1
			audit.Change{Action: "organization.reject", ObjectType: "organization", ObjectID: "o2", Region: "31.71.01"}, // 2
			audit.Change{Action: "user.create", ObjectType: "user", ObjectID: "u9", Region: ""},                         // 3
		)
		time.Sleep(5 * time.Millisecond)
		mid := store.Now()
		time.Sleep(5 * time.Millisecond)
		record(t, db, as(bob),
			audit.Change{Action: "organization.verify", ObjectType: "organization", ObjectID: "o1", Region: "31.72"}, // 4
			audit.Change{Action: "user_x.create", ObjectType: "user", ObjectID: "u8", Region: "31.71.03"},            // 5
			audit.Change{Action: "user.delete", ObjectType: "user", ObjectID: "u9", Region: "31.71.02"},              // 6
		)
		time.Sleep(5 * time.Millisecond)
		end := store.Now()
		fourth, _, err := audit.List(ctx, db.R(), audit.Filter{Actor: bob.ID, ObjectID: "o1"})
		if err != nil || len(fourth) != 1 {
			t.Fatalf("find entry 4: %v, %d entries", err, len(fourth))
		}
		at4 := fourth[0].At
		tests := []struct {
			name string
			f    audit.Filter
			want []int64 // newest first
		}{
			{"no filter returns everything newest first", audit.Filter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"an actor id selects that actor's entries", audit.Filter{Actor: bob.ID}, []int64{6, 5, 4}},
			{"an actor label selects that actor's entries", audit.Filter{Actor: alice.Label}, []int64{3, 2, 1}},
			{"an unknown actor selects nothing", audit.Filter{Actor: "u-nobody"}, nil},
			{"an action prefix selects the actions under it", audit.Filter{Action: "organization."}, []int64{4, 2, 1}},
			{"an underscore in an action prefix is not a wildcard", audit.Filter{Action: "user_"}, []int64{5}},
			{"a full action selects that action", audit.Filter{Action: "user.create"}, []int64{3}},
			{"an object type and id select one object's history", audit.Filter{ObjectType: "user", ObjectID: "u9"}, []int64{6, 3}},
			{"an object id alone selects every entry about it", audit.Filter{ObjectID: "o1"}, []int64{4, 1}},
			{"a region prefix selects the region and everything within it", audit.Filter{Region: "31.71"}, []int64{6, 5, 2, 1}},
			{"a kelurahan region selects only that kelurahan", audit.Filter{Region: "31.71.01"}, []int64{2}},
			{"from keeps entries at or after the instant", audit.Filter{From: mid}, []int64{6, 5, 4}},
			{"to keeps entries before the instant", audit.Filter{To: mid}, []int64{3, 2, 1}},
			{"from is inclusive", audit.Filter{From: at4}, []int64{6, 5, 4}},
			{"to is exclusive", audit.Filter{To: at4}, []int64{3, 2, 1}},
			{"from and to together bound a window", audit.Filter{From: mid, To: end}, []int64{6, 5, 4}},
			{"a window before everything is empty", audit.Filter{To: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
			{"filters combine with and", audit.Filter{Actor: alice.ID, Action: "organization.", Region: "31.71.01"}, []int64{2}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, next, err := audit.List(ctx, db.R(), tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if next != "" {
					t.Errorf("a short list returned a next cursor %q", next)
				}
				var gotSeqs []int64
				for _, e := range got {
					gotSeqs = append(gotSeqs, e.Seq)
				}
				if !slices.Equal(gotSeqs, tt.want) {
					t.Fatalf("entries %v, want %v", gotSeqs, tt.want)
				}
			})
		}
		t.Run("an entry comes back with every field as recorded", func(t *testing.T) {
			got, _, err := audit.List(ctx, db.R(), audit.Filter{ObjectID: "u8"})
			if err != nil || len(got) != 1 {
				t.Fatalf("list: %v, %d entries", err, len(got))
			}
			e := got[0]
			if e.Chain != audit.MainChain || e.ActorID != bob.ID || e.Actor != bob.Label || e.RemoteAddr != bob.RemoteAddr ||
				e.Action != "user_x.create" || e.ObjectType != "user" || e.Region != "31.71.03" || e.Detail != "{}" ||
				e.Hash == "" || e.PrevHash == "" || e.At.Before(mid) || e.At.After(end) || e.At.Location() != time.UTC {
				t.Fatalf("entry read back as %+v", e)
			}
		})
		t.Run("a malformed cursor is refused", func(t *testing.T) {
			if _, _, err := audit.List(ctx, db.R(), audit.Filter{Cursor: "not a cursor!"}); err == nil {
				t.Fatal("a malformed cursor was accepted")
			}
		})
	})
}

func TestListPagesReturnEveryEntryOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		entries(t, db, 11)
		// Entries that share one instant, across chains, so pages must break ties by
		// chain and sequence; written directly because Record always takes the clock.
		same := store.Now().Add(time.Hour)
		for i, chain := range []string{"b", "a", "b", "a", "c", "b", "a"} {
			exec(t, db, `INSERT INTO audit_log
				(chain, seq, at, actor_id, actor, action, object_type, object_id, region, remote_addr, detail, prev_hash, hash)
				VALUES ($1, $2, $3, 'u', 'u', 'thing.tie', 'thing', 'tie', '', '', '{}', '', '')`, chain, int64(100+i), same)
		}
		all, next, err := audit.List(ctx, db.R(), audit.Filter{Limit: 500})
		if err != nil || next != "" {
			t.Fatalf("list all: %v, next %q", err, next)
		}
		if len(all) != 18 {
			t.Fatalf("list all returned %d entries, want 18", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].At.After(all[i-1].At) {
				t.Fatalf("entry %d (%s) is newer than the one before it (%s)", i, all[i].At, all[i-1].At)
			}
		}
		key := func(e audit.Entry) string { return fmt.Sprintf("%s/%d", e.Chain, e.Seq) }
		for _, limit := range []int{1, 2, 3, 5, 17} {
			t.Run(fmt.Sprintf("pages of %d", limit), func(t *testing.T) {
				var got []audit.Entry
				cursor := ""
				for pages := 0; ; pages++ {
					if pages > 20 {
						t.Fatal("pagination does not end")
					}
					page, next, err := audit.List(ctx, db.R(), audit.Filter{Limit: limit, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > limit {
						t.Fatalf("page of %d entries with limit %d", len(page), limit)
					}
					got = append(got, page...)
					if next == "" {
						break
					}
					cursor = next
				}
				gotKeys := make([]string, len(got))
				wantKeys := make([]string, len(all))
				for i := range got {
					gotKeys[i] = key(got[i])
				}
				for i := range all {
					wantKeys[i] = key(all[i])
				}
				if !slices.Equal(gotKeys, wantKeys) {
					t.Fatalf("paged entries %v, want %v", gotKeys, wantKeys)
				}
			})
		}
		t.Run("filters hold across pages", func(t *testing.T) {
			var n int
			cursor := ""
			for {
				page, next, err := audit.List(ctx, db.R(), audit.Filter{Action: "thing.tie", Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page {
					if e.Action != "thing.tie" {
						t.Fatalf("page holds %s", e.Action)
					}
				}
				n += len(page)
				if next == "" {
					break
				}
				cursor = next
			}
			if n != 7 {
				t.Fatalf("filtered pages held %d entries, want 7", n)
			}
		})
	})
}

// TestVerifyWhileEntriesAreAppended verifies the chain again and again while
// another connection appends to it, as `gotong audit verify` does beside a
// running server: no run may report a break, on both engines.
func TestVerifyWhileEntriesAreAppended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		entries(t, db, 3)
		done := make(chan error, 1)
		go func() {
			for i := range 60 {
				err := db.Write(as(alice), func(ctx context.Context, tx *store.Tx) error {
					return audit.Record(ctx, tx, audit.Change{Action: "thing.touch", ObjectType: "thing",
						ObjectID: fmt.Sprintf("c%d", i), Region: "31.71"})
				})
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for runs := 0; ; runs++ {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				if p, _, err := audit.Verify(context.Background(), db.R(), db.AuditKey); err != nil || p != nil {
					t.Fatalf("after the appends: %v %v", p, err)
				}
				t.Logf("%d verifications during the appends", runs)
				return
			default:
			}
			if p, _, err := audit.Verify(context.Background(), db.R(), db.AuditKey); err != nil || p != nil {
				t.Fatalf("verification %d during the appends reports %v %v", runs, p, err)
			}
		}
	})
}
