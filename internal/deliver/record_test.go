package deliver_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// count reads one number.
func (rb *runBench) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := rb.s.App.DB.R().QueryRowContext(rb.s.Ctx(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLastDeliveriesAtOnceCompleteTheCommitmentOnce delivers the last two packages
// of a commitment at the same instant, several times over: the commitment is
// complete once, with one certificate and one commitment_complete message, never
// none (each transaction seeing the other's package still on its way) and never two.
func TestLastDeliveriesAtOnceCompleteTheCommitmentOnce(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			rb := newRunBench(t, eng, 2)
			codes := deliver.NewCodes(rb.s.App.Vault.Subkey("recipient code v1"))
			ctx := rb.s.Ctx()
			for round := range 6 {
				c := rb.c
				if round > 0 {
					cm, err := rb.s.App.Allocations.Commit(ctx, rb.who, rb.quantity(2))
					if err != nil || cm.Allocated != 2 {
						t.Fatalf("commit: %+v, %v", cm, err)
					}
					c = cm.ID
				}
				ids, err := store.All(ctx, rb.s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1`, c)
				if err != nil || len(ids) != 2 {
					t.Fatalf("%d allocations, %v", len(ids), err)
				}
				out, err := rb.s.App.Deliveries.Create(ctx, rb.who, deliver.CreateInput{CommitmentID: c, AllocationIDs: ids,
					Courier: deliver.Courier{Provider: "volunteer", Name: "Relawan"}})
				if err != nil {
					t.Fatal(err)
				}
				tok := out.CourierURL[strings.LastIndex(out.CourierURL, "/")+1:]
				for _, id := range ids {
					if _, err := rb.s.App.Deliveries.Pickup(ctx, tok, id); err != nil {
						t.Fatal(err)
					}
				}
				var wg sync.WaitGroup
				start := make(chan struct{})
				errs := make([]error, len(ids))
				for i, id := range ids {
					wg.Go(func() {
						<-start
						_, errs[i] = rb.s.App.Deliveries.CourierDeliver(ctx, tok, id, deliver.Proof{Code: codes.For(id)})
					})
				}
				close(start)
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if n := rb.count(t, `SELECT COUNT(*) FROM document_records WHERE kind = 'certificate' AND commitment_id = $1`, c); n != 1 {
					t.Errorf("round %d: %d certificates, want 1", round, n)
				}
				if n := rb.count(t, `SELECT COUNT(*) FROM outbox WHERE kind = 'commitment_complete' AND ref = $1`, c); n != 1 {
					t.Errorf("round %d: %d commitment_complete messages, want 1", round, n)
				}
			}
		})
	}
}

// TestARecordAlteredInTheDatabaseNoLongerVerifies: the check recomputes the
// signature from the stored row, so changing a count, the organisation or the time
// in the database breaks it, as a changed signature does.
func TestARecordAlteredInTheDatabaseNoLongerVerifies(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			rb := newRunBench(t, eng, 3)
			ctx := rb.s.Ctx()
			run := rb.create(t)
			if err := rb.s.App.Deliveries.WriteBAST(ctx, rb.who, run.ID, io.Discard); err != nil {
				t.Fatal(err)
			}
			var id, sig string
			if err := rb.s.App.DB.R().QueryRowContext(ctx, `SELECT id, sig FROM document_records WHERE delivery_id = $1`, run.ID).Scan(&id, &sig); err != nil {
				t.Fatal(err)
			}
			check := func() bool {
				t.Helper()
				v, err := rb.s.App.Deliveries.VerifyRecord(ctx, document.KindBAST, id, sig)
				if err != nil {
					t.Fatal(err)
				}
				return v.Valid
			}
			if !check() {
				t.Fatal("the record as issued does not verify")
			}
			for _, change := range []string{`organization = organization || 'x'`, `failed = failed + 1`, `delivered = delivered + 1`} {
				err := rb.s.App.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE document_records SET `+change+` WHERE id = $1`, id)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if check() {
					t.Errorf("the record verifies after %s", change)
				}
			}
		})
	}
}
