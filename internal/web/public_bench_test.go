package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// crowd is how many connections the load generator holds open at once (the
// issue's figure), and how long it loads each address.
const (
	crowd     = 32
	crowdTime = 5 * time.Second
	// crowdRatio is the least share of a trivial handler's requests/s the public
	// summary must serve in the same run.
	crowdRatio = 0.3
)

// attack loads one address of the server with crowd connections, as fast as it
// answers, and returns the successful requests per second.
func attack(b *testing.B, url string) float64 {
	b.Helper()
	atk := vegeta.NewAttacker(vegeta.Workers(crowd), vegeta.MaxWorkers(crowd), vegeta.Connections(crowd),
		vegeta.MaxConnections(crowd), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	for res := range atk.Attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url}), vegeta.Rate{Freq: 0}, crowdTime, url) {
		m.Add(res)
	}
	m.Close()
	if m.Success < 1 {
		b.Fatalf("%s: %.2f%% answered 200 (%v)", url, m.Success*100, m.Errors)
	}
	b.Logf("%s: %.0f req/s, p50 %v, p99 %v, %d requests", url, m.Throughput, m.Latencies.P50, m.Latencies.P99, m.Requests)
	return m.Throughput
}

// BenchmarkPublicSummaryUnderACrowd runs the real server with public programs,
// commitments and deliveries, and loads /api/v1/public/summary and /healthz (a
// trivial handler of the same server, through the same middleware) with 32
// connections each, one after the other in the same run. It reports both rates
// and their ratio, and fails below 0.3. Run without the race detector:
//
//	go test -run '^$' -bench PublicSummaryUnderACrowd -benchtime 1x ./internal/web/
func BenchmarkPublicSummaryUnderACrowd(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			s := apptest.Start(b, eng)
			newPublicWorld(b, s)
			if r := s.Client().Do(b, "GET", "/api/v1/public/summary", nil); r.Status != http.StatusOK {
				b.Fatalf("summary: %d %s", r.Status, r.Body)
			}
			b.ResetTimer()
			for range b.N {
				trivial := attack(b, s.URL+"/healthz")
				summary := attack(b, s.URL+"/api/v1/public/summary")
				b.ReportMetric(trivial, "healthz-req/s")
				b.ReportMetric(summary, "summary-req/s")
				b.ReportMetric(summary/trivial, "ratio")
				if summary/trivial < crowdRatio {
					b.Errorf("the summary serves %.0f req/s, %.2f× /healthz's %.0f; want at least %.1f×", summary, summary/trivial, trivial, crowdRatio)
				}
			}
		})
	}
}
