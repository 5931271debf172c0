package allocate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestAreaCommitmentServesPriorityFirstThenWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var plain, prio []string
		for range 6 {
			plain = append(plain, f.target("household", kelA, 4, 0))
		}
		for range 2 {
			prio = append(prio, f.target("household", kelA, 3, 0, "lansia"))
		}
		f.target("household", kelC, 4, 0) // outside the area
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		who := f.org(true)
		c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: "31.71"})
		if c.Allocated != 3 || c.Waitlisted != 0 || c.Status != allocate.StatusAllocated {
			t.Fatalf("got %+v, want 3 allocated", c)
		}
		items, _, err := f.alloc.Allocations(f.ctx, who, c.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range items {
			got[a.Target.ID] = true
			if a.Target.Name == "" || a.Target.Phone == "" || a.Target.NIKMasked == "" {
				t.Errorf("active allocation hides delivery fields: %+v", a.Target)
			}
		}
		if !got[prio[0]] || !got[prio[1]] || !got[plain[0]] {
			t.Fatalf("want both priority households and the longest-waiting other one, got %v", got)
		}
		c2 := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 10, Region: "31.71.01"})
		if c2.Allocated != 5 || c2.Waitlisted != 5 || c2.Status != allocate.StatusPartial {
			t.Fatalf("second commitment: %+v, want 5 allocated and 5 waiting", c2)
		}
		f.invariants()
		// Cancelling the first gives 3 back, and the waiting one takes them at once.
		if _, err := f.alloc.Cancel(f.ctx, who, c.ID); err != nil {
			t.Fatal(err)
		}
		c2, err = f.alloc.Get(f.ctx, allocate.Who{Role: account.Admin}, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Allocated != 8 || c2.Waitlisted != 2 {
			t.Fatalf("after cancel: %+v, want 8 allocated, 2 waiting", c2)
		}
		f.invariants()
		// The cancelled commitment's recipients are no longer visible.
		items, _, err = f.alloc.Allocations(f.ctx, who, c.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range items {
			if a.Status != allocate.Cancelled || a.Target.Name != "" || a.Target.Phone != "" {
				t.Fatalf("ended allocation still shows personal data: %+v", a)
			}
		}
	})
}

// A commitment sent several times with one idempotency key — a double tap, a retry
// on a bad connection, all at once — is made once, and every answer is that one.
func TestResentCommitmentIsMadeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 10 {
			f.target("household", kelA, 3, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		who := f.org(true)
		req := allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA, DeliverBy: "2026-05-09", ClientRef: "form-7f3a"}
		const n = 8
		ids := make(chan string, n)
		errc := make(chan error, n)
		for range n {
			go func() {
				c, err := f.alloc.Commit(f.ctx, who, req)
				errc <- err
				ids <- c.ID
			}()
		}
		seen := map[string]bool{}
		for range n {
			if err := <-errc; err != nil {
				t.Fatalf("resent commitment: %v", err)
			}
			seen[<-ids] = true
		}
		var count, allocated int
		if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(allocated), 0) FROM commitments`).Scan(&count, &allocated); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || count != 1 || allocated != 2 {
			t.Fatalf("%d answers, %d commitments, %d units allocated; want one commitment of 2 units", len(seen), count, allocated)
		}
		// Another organisation may use the same key for its own commitment.
		if c := f.commit(f.org(true), req); seen[c.ID] {
			t.Fatal("another organisation's key returned the first organisation's commitment")
		}
		f.invariants()
	})
}

// Every allocation is in the audit log: the entry of the commitment that made them
// binds the exact set (id, need, quantity) by its SHA-256, so an allocation added,
// removed or changed afterwards no longer matches its entry.
func TestCommitmentAuditBindsItsAllocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 5 {
			f.target("household", kelA, 2, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		c := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 3, Region: kelA})
		digest := func() string {
			t.Helper()
			rows, err := db.R().QueryContext(context.Background(), `SELECT id, need_id, quantity FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			h := sha256.New()
			for rows.Next() {
				var id, need string
				var q int
				if err := rows.Scan(&id, &need, &q); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(h, "%s|%s|%d\n", id, need, q)
			}
			return hex.EncodeToString(h.Sum(nil))
		}
		var detail string
		if err := db.R().QueryRowContext(context.Background(), `SELECT detail FROM audit_log WHERE action = 'commitment.create' AND object_id = $1`, c.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		var d struct {
			Allocations int    `json:"allocations"`
			SHA         string `json:"allocations_sha256"`
		}
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			t.Fatal(err)
		}
		if d.Allocations != 3 || d.SHA != digest() {
			t.Fatalf("audit entry %s does not bind the 3 allocations (%s)", detail, digest())
		}
		// Tampering with an allocation breaks the binding.
		f.exec(`UPDATE allocations SET quantity = 2 WHERE id = (SELECT MIN(id) FROM allocations WHERE commitment_id = $1)`, c.ID)
		if d.SHA == digest() {
			t.Fatal("a changed allocation still matches its audit entry")
		}
	})
}

// An area commitment over many kelurahan takes exactly the first free households in
// the engine's order (priority, then the longest waiting) across all of them, however
// unevenly they are spread: the engine reads each kelurahan a page at a time and
// merges, and the expected set here comes from one plain sorted query instead.
func TestAreaCommitmentMergesKelurahanInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for i := range 300 {
			kel := kelA // most of the longest waiting are in one kelurahan
			switch {
			case i%7 == 3:
				kel = kelB
			case i%11 == 5 || i > 240:
				kel = kelC
			}
			if i%37 == 36 {
				f.target("household", kel, 2, 0, "lansia")
			} else {
				f.target("household", kel, 2, 0)
			}
		}
		// With priority tags, and without (publishing must then order by waiting
		// time alone); in separate stack groups, so they do not block each other.
		for _, p := range []program.Program{
			f.program(program.Input{TargetKinds: []string{"household"}, PriorityTags: []string{"lansia"}, StackGroup: "a"}),
			f.program(program.Input{TargetKinds: []string{"household"}, PriorityTags: []string{}, StackGroup: "b"}),
		} {
			phase := p.Phases[0].ID
			for _, take := range []struct {
				area  string
				units int
			}{{"31", 150}, {"31.71", 60}, {"31", 70}} {
				var want []string
				rows, err := db.R().QueryContext(context.Background(), `SELECT target_id FROM needs n WHERE n.phase_id = $1 AND n.allocated = 0
				AND n.region >= $2 AND n.region < $3 ORDER BY n.priority DESC, n.since, n.id LIMIT $4`,
					phase, take.area, take.area+"~", take.units)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						t.Fatal(err)
					}
					want = append(want, id)
				}
				rows.Close()
				who := f.org(true)
				c := f.commit(who, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: take.units, Region: take.area})
				if c.Allocated != take.units {
					t.Fatalf("%s: %d of %d allocated", take.area, c.Allocated, take.units)
				}
				got := map[string]bool{}
				for _, a := range f.allocations(who, c.ID) {
					got[a.Target.ID] = true
				}
				for i, id := range want {
					if !got[id] {
						t.Fatalf("%s: household %d in order (%s) was passed over", take.area, i, id)
					}
				}
				f.invariants()
			}
		}
	})
}
