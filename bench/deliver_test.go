package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The delivery benchmark (issue 11): GOTONG_BENCH_DELIVERIES deliveries recorded
// through the HTTP API of a real server by GOTONG_BENCH_CLIENTS concurrent
// couriers. Untimed, first: that many households written into the registry, a
// program published, one commitment of every household, and one run per client
// created through the API. Timed: each client, with its run's link, picks up and
// delivers its stops one after the other with the recipient's code (the courier's
// two taps per stop); then every tenth delivery is sent again, which must be a
// conflict and change nothing. Afterwards the proof: delivered allocations, delivery_proofs rows and
// allocation.deliver audit entries each equal the deliveries, one entry per
// allocation.
//
//	GOTONG_BENCH_DELIVERIES  deliveries (default 10000)
//	GOTONG_BENCH_CLIENTS     concurrent couriers (default 32)

const deliverSmokeN, deliverSmokeClients = 300, 8

// deliverResult is what one benchmark run measured.
type deliverResult struct {
	n, clients       int
	wall             time.Duration
	pickups, deliver []time.Duration // latency of each request
	repeats          int             // second deliveries sent, all refused
}

func (r deliverResult) perSecond() float64 { return float64(r.n) / r.wall.Seconds() }

// runDeliveries prepares n reserved allocations in runs for clients couriers on a
// server of engine eng, measures the couriers, and proves there was no double
// delivery.
func runDeliveries(tb testing.TB, eng store.Engine, n, clients int) deliverResult {
	tb.Helper()
	s := apptest.Start(tb, eng, func(c *app.Config) {
		c.PersonalData.OpenUnits = n + 1
		c.Messages.Poll = time.Second
	})
	ctx := s.Ctx()
	_, _, kel := jakarta()
	writeHouseholds(ctx, tb, s.App.DB, kel, n, store.Now())
	today := time.Now().UTC().Truncate(24 * time.Hour)
	p, err := s.App.Programs.Create(ctx, program.Input{Name: "Bench antar", Category: "pangan",
		Item:        program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000},
		TargetKinds: []string{"household"}, QuantityRule: program.PerTarget,
		Phases: []program.PhaseInput{{Name: "Minggu 1", Start: today.Format(time.DateOnly), End: today.AddDate(0, 0, 27).Format(time.DateOnly)}}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := s.App.Programs.Publish(ctx, p.ID); err != nil {
		tb.Fatal(err)
	}
	_, user, _ := s.Org(tb, "Yayasan Bench Antar", true)
	c, err := s.App.Allocations.Commit(ctx, allocate.Who{UserID: user.ID, OrgID: user.OrgID}, allocate.Request{ProgramID: p.ID,
		Phase: "Minggu 1", Quantity: n, Region: province, DeliverBy: today.AddDate(0, 0, 3).Format(time.DateOnly)})
	if err != nil || c.Allocated != n {
		tb.Fatalf("commit: %d of %d allocated, %v", c.Allocated, n, err)
	}
	ids, err := store.All(ctx, s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID)
	if err != nil || len(ids) != n {
		tb.Fatalf("%d allocations, %v", len(ids), err)
	}
	collab := s.As(tb, user.ID)
	type run struct {
		token string
		stops []string
	}
	runs := make([]run, 0, clients)
	for i := range clients {
		stops := ids[i*n/clients : (i+1)*n/clients]
		for lo := 0; lo < len(stops); lo += allocate.MaxStops { // a run holds at most MaxStops
			part := stops[lo:min(lo+allocate.MaxStops, len(stops))]
			var out struct {
				CourierURL string `json:"courier_url"`
			}
			r := collab.Do(tb, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": c.ID, "allocation_ids": part,
				"courier": map[string]string{"provider": "volunteer", "name": fmt.Sprintf("Kurir %d", i)}})
			if r.Status != 201 {
				tb.Fatalf("run: %d %s", r.Status, r.Body)
			}
			r.JSON(tb, &out)
			_, tok, _ := strings.Cut(out.CourierURL, "/c/")
			runs = append(runs, run{token: tok, stops: part})
		}
	}
	codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))

	res := deliverResult{n: n, clients: clients}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, len(runs))
	start := time.Now()
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := s.Client()
			var up, del []time.Duration
			post := func(path string, body any, want int) (time.Duration, error) {
				t0 := time.Now()
				resp, err := cl.Try("POST", "/api/v1/courier/"+r.token+"/stops/"+path, body)
				if err != nil {
					return 0, err
				}
				if resp.Status != want {
					return 0, fmt.Errorf("%s: %d %s, want %d", path, resp.Status, resp.Body, want)
				}
				return time.Since(t0), nil
			}
			for _, id := range r.stops {
				d, err := post(id+"/pickup", nil, http.StatusOK)
				if err != nil {
					errc <- err
					return
				}
				up = append(up, d)
				if d, err = post(id+"/deliver", map[string]string{"recipient_code": codes.For(id), "received_by": "Penerima"}, http.StatusOK); err != nil {
					errc <- err
					return
				}
				del = append(del, d)
			}
			mu.Lock()
			res.pickups, res.deliver = append(res.pickups, up...), append(res.deliver, del...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	close(errc)
	for err := range errc {
		tb.Fatal(err)
	}
	// A courier's retry of a delivery already recorded changes nothing.
	for _, r := range runs {
		for i := 0; i < len(r.stops); i += 10 {
			resp := s.Client().Do(tb, "POST", "/api/v1/courier/"+r.token+"/stops/"+r.stops[i]+"/deliver",
				map[string]string{"recipient_code": codes.For(r.stops[i]), "received_by": "Penerima"})
			if resp.Status != http.StatusConflict {
				tb.Fatalf("a second delivery: %d %s", resp.Status, resp.Body)
			}
			res.repeats++
		}
	}
	proveOnce(ctx, tb, s.App.DB, c.ID, n)
	return res
}

// proveOnce fails unless the commitment's n allocations are each delivered once:
// n delivered, n proofs, n allocation.deliver audit entries, none twice.
func proveOnce(ctx context.Context, tb testing.TB, db *store.DB, commitment string, n int) {
	tb.Helper()
	for _, c := range []struct{ what, q string }{
		{"delivered allocations", `SELECT COUNT(*) FROM allocations WHERE commitment_id = $1 AND status = 'delivered'`},
		{"delivery_proofs rows", `SELECT COUNT(*) FROM delivery_proofs p JOIN allocations a ON a.id = p.allocation_id WHERE a.commitment_id = $1`},
		{"allocation.deliver audit entries", `SELECT COUNT(*) FROM audit_log l JOIN allocations a ON a.id = l.object_id
			WHERE l.action = 'allocation.deliver' AND a.commitment_id = $1`},
		{"allocations with more than one allocation.deliver entry", `SELECT COUNT(*) FROM (SELECT l.object_id FROM audit_log l
			JOIN allocations a ON a.id = l.object_id WHERE l.action = 'allocation.deliver' AND a.commitment_id = $1
			GROUP BY l.object_id HAVING COUNT(*) > 1) x`},
	} {
		want := n
		if strings.HasPrefix(c.what, "allocations with more") {
			want = 0
		}
		var got int
		if err := db.R().QueryRowContext(ctx, c.q, commitment).Scan(&got); err != nil || got != want {
			tb.Fatalf("%s: %d, want %d (%v)", c.what, got, want, err)
		}
	}
}

func (r deliverResult) String() string {
	return fmt.Sprintf("%d deliveries by %d couriers in %v: %.0f deliveries/s; deliver p50 %v p90 %v max %v; pickup p50 %v p90 %v; %d repeated deliveries refused, 0 double",
		r.n, r.clients, r.wall.Round(time.Millisecond), r.perSecond(), percentile(r.deliver, 0.5), percentile(r.deliver, 0.9), slices.Max(r.deliver),
		percentile(r.pickups, 0.5), percentile(r.pickups, 0.9), r.repeats)
}

// TestDeliverSmoke runs the delivery benchmark small, on every engine.
func TestDeliverSmoke(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			r := runDeliveries(t, eng, deliverSmokeN, deliverSmokeClients)
			if len(r.deliver) != deliverSmokeN || len(r.pickups) != deliverSmokeN {
				t.Fatalf("%d deliveries and %d pickups measured, want %d", len(r.deliver), len(r.pickups), deliverSmokeN)
			}
			t.Log(r)
		})
	}
}

// BenchmarkDeliver records GOTONG_BENCH_DELIVERIES deliveries through the API on
// every engine. Run it once: -benchtime 1x.
func BenchmarkDeliver(b *testing.B) {
	n, clients := envInt("GOTONG_BENCH_DELIVERIES", 10_000), envInt("GOTONG_BENCH_CLIENTS", 32)
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			for range b.N {
				l0 := load1()
				r := runDeliveries(b, eng, n, clients)
				b.ReportMetric(r.perSecond(), "deliveries/s")
				b.ReportMetric(float64(percentile(r.deliver, 0.5).Microseconds())/1000, "p50_ms")
				b.ReportMetric(float64(percentile(r.deliver, 0.9).Microseconds())/1000, "p90_ms")
				b.Logf("%s; load %.2f→%.2f", r, l0, load1())
			}
		})
	}
}
