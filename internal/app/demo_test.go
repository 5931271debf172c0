package app_test

import (
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/storetest"
)

// The demo builds a registry, KSBB-like programs and commitments in progress through
// the same services users go through, and leaves a consistent database behind.
func TestDemoSeedsProgramsAndCommitmentsInProgress(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.Demo, c.DemoRows = true, 3000 })
			ctx := s.Ctx()
			progs, _, err := s.App.Programs.List(ctx, program.Filter{Drafts: true})
			if err != nil {
				t.Fatal(err)
			}
			status := map[string]int{}
			for _, p := range progs {
				status[p.Status]++
			}
			// Published: the 4th is help requests' (demo/help.go). Drafts: the
			// demo's own and the two the forum's adopted ideas became.
			if status[program.Published] != 4 || status[program.Draft] != 1+2 {
				t.Fatalf("programs by status %v, want 4 published and 3 drafts", status)
			}
			cs, _, err := s.App.Allocations.List(ctx, allocate.Who{Role: account.Admin}, allocate.ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			allocated := 0
			for _, c := range cs {
				allocated += c.Allocated
				// The demo's failed deliveries gave their units back.
				if c.Allocated+c.Waitlisted+c.Released != c.Requested {
					t.Errorf("commitment %s: %d allocated + %d waiting + %d released != %d requested", c.ID, c.Allocated, c.Waitlisted, c.Released, c.Requested)
				}
			}
			if len(cs) != 7 || allocated == 0 {
				t.Fatalf("%d commitments with %d units allocated, want 7 (one the task force's, one the aggregator's) with some allocated", len(cs), allocated)
			}
			var over int
			if err := s.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM needs WHERE allocated > quantity`).Scan(&over); err != nil || over != 0 {
				t.Fatalf("over-allocated needs: %d (%v)", over, err)
			}
			// Deliveries: runs in every state, proofs by code and photo, failures with
			// their reasons and the flag, a call-back sample answered, messages.
			for _, c := range []struct {
				what, q string
				min     int
			}{
				{"assigned runs", `SELECT COUNT(*) FROM deliveries WHERE status = 'assigned'`, 1},
				{"runs in progress", `SELECT COUNT(*) FROM deliveries WHERE status = 'in_progress'`, 1},
				{"done runs", `SELECT COUNT(*) FROM deliveries WHERE status = 'done'`, 1},
				{"revoked runs", `SELECT COUNT(*) FROM deliveries WHERE status = 'revoked'`, 1},
				{"proofs by code", `SELECT COUNT(*) FROM delivery_proofs WHERE kind = 'code'`, 3},
				{"proofs by photo", `SELECT COUNT(*) FROM delivery_proofs WHERE kind = 'photo' AND photo <> ''`, 1},
				{"allocations delivered", `SELECT COUNT(*) FROM allocations WHERE status = 'delivered'`, 5},
				{"allocations on the way", `SELECT COUNT(*) FROM allocations WHERE status = 'dispatched'`, 1},
				{"failed as received elsewhere", `SELECT COUNT(*) FROM allocations WHERE status = 'failed' AND reason = 'received_elsewhere'`, 1},
				{"failed for another reason", `SELECT COUNT(*) FROM allocations WHERE status = 'failed' AND reason <> 'received_elsewhere'`, 2},
				{"possible overlap flags", `SELECT COUNT(*) FROM delivery_flags WHERE kind = 'possible_overlap'`, 1},
				{"call-back answers", `SELECT COUNT(*) FROM callback_items WHERE answer IN ('yes','no')`, 3},
				{"recipient code messages", `SELECT COUNT(*) FROM outbox WHERE kind = 'recipient_code'`, 10}, // recipients with a phone
				{"failure messages", `SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed'`, 1},
				{"handover records", `SELECT COUNT(*) FROM document_records WHERE kind = 'bast'`, 2},
				// Donations to the task force (issue 13): a gudang per kota and a
				// posko, offers in every state, receipts with expiry dates and a
				// damaged line, and stock reserved for a commitment.
				{"gudang", `SELECT COUNT(*) FROM warehouses WHERE kind = 'gudang'`, 6},
				{"posko", `SELECT COUNT(*) FROM warehouses WHERE kind = 'posko'`, 1},
				{"offers offered", `SELECT COUNT(*) FROM donations WHERE status = 'offered'`, 1},
				{"offers accepted", `SELECT COUNT(*) FROM donations WHERE status = 'accepted'`, 1},
				{"offers declined", `SELECT COUNT(*) FROM donations WHERE status = 'declined'`, 1},
				{"offers withdrawn", `SELECT COUNT(*) FROM donations WHERE status = 'withdrawn'`, 1},
				{"offers closed", `SELECT COUNT(*) FROM donations WHERE status = 'closed'`, 1},
				{"offers received in full", `SELECT COUNT(*) FROM donations d WHERE d.status = 'received'
					AND NOT EXISTS (SELECT 1 FROM donation_items di WHERE di.donation_id = d.id AND di.received < di.quantity)`, 1},
				{"offers partly received", `SELECT COUNT(*) FROM donations d WHERE d.status = 'received'
					AND EXISTS (SELECT 1 FROM donation_items di WHERE di.donation_id = d.id AND di.received < di.quantity)`, 1},
				{"offers received in several deliveries", `SELECT COUNT(*) FROM (SELECT donation_id FROM donation_receipts
					GROUP BY donation_id HAVING COUNT(*) > 1) x`, 1},
				{"damaged lines", `SELECT COUNT(*) FROM donation_receipt_lines WHERE condition = 'damaged'`, 1},
				{"lots with expiry dates", `SELECT COUNT(*) FROM stock_lots WHERE expires_on <> '' AND on_hand > 0`, 2},
				{"stock reserved for a commitment", `SELECT COUNT(*) FROM stock_commitments sc JOIN commitments c ON c.id = sc.commitment_id
					WHERE sc.reserved > 0 AND c.warehouse_id = sc.warehouse_id`, 1},
				{"task force allocations", `SELECT COUNT(*) FROM allocations a JOIN commitments c ON c.id = a.commitment_id
					WHERE c.warehouse_id <> ''`, 1},
				// The co-creation forum (issue 14): ideas in every status with
				// supporters, comments and offers; the adopted ones are draft programs.
				{"ideas proposed, reviewed, adopted, done, declined", `SELECT COUNT(DISTINCT status) FROM ideas`, 5},
				{"supported ideas", `SELECT COUNT(*) FROM ideas WHERE supports > 1`, 3},
				{"offers to ideas", `SELECT COUNT(DISTINCT org_id) FROM idea_offers`, 2},
				{"comments on ideas", `SELECT COUNT(*) FROM idea_comments`, 3},
				{"ideas adopted as draft programs", `SELECT COUNT(*) FROM ideas i JOIN programs p ON p.id = i.program_id AND p.status = 'draft'`, 2},
				{"hidden ideas", `SELECT COUNT(*) FROM ideas WHERE hidden = TRUE AND reports > 0`, 1},
				// Citizens who give (issue 14): two citizens, a verified individual
				// collaborator, and an aggregator's pledges, some linked.
				{"citizens", `SELECT COUNT(*) FROM users WHERE role = 'citizen'`, 2},
				{"verified individuals", `SELECT COUNT(*) FROM organizations WHERE kind = 'individual' AND status = 'verified'`, 1},
				{"linked pledges", `SELECT COUNT(*) FROM pledges p JOIN commitments c ON c.id = p.commitment_id AND c.org_id = p.org_id`, 2},
				{"pledges waiting", `SELECT COUNT(*) FROM pledges WHERE commitment_id IS NULL`, 1},
				{"pledge messages", `SELECT COUNT(*) FROM outbox WHERE kind = 'pledge_linked'`, 2},
			} {
				var n int
				if err := s.App.DB.R().QueryRowContext(ctx, c.q).Scan(&n); err != nil || n < c.min {
					t.Errorf("%s: %d, want at least %d (%v)", c.what, n, c.min, err)
				}
			}
			if p, _, err := audit.Verify(ctx, s.App.DB.R(), s.App.DB.AuditKey); err != nil || p != nil {
				t.Fatalf("audit chain after the demo: %v %v", p, err)
			}
		})
	}
}

// Targets written by another process (`gotong import` on the command line) reach the
// published programs within one engine tick.
func TestEngineTickFollowsRegistryChangesFromElsewhere(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.EngineTick = 50 * time.Millisecond })
			ctx := s.Ctx()
			today := time.Now().UTC()
			p, err := s.App.Programs.Create(ctx, program.Input{Name: "Sembako Tik", Category: "pangan",
				Item: program.Item{Name: "Sembako", Unit: "paket"}, TargetKinds: []string{"household"}, QuantityRule: program.PerTarget,
				Phases: []program.PhaseInput{{Name: "Minggu 1", Start: today.Format(time.DateOnly), End: today.AddDate(0, 0, 6).Format(time.DateOnly)}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.App.Programs.Publish(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.DB.W().ExecContext(ctx, `INSERT INTO targets (id, kind, region, name, name_norm, size, created_at, updated_at)
				VALUES ('tik-1', 'household', '31.71.01.1001', 'Keluarga Tik', 'keluarga tik', 3, $1, $1)`, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int
				if err := s.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM needs WHERE target_id = 'tik-1'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 1 {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the new target has %d needs 10 s later, want 1 within a tick", n)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
