package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// Hardening at the edge of the server: what reaches the metrics, the cross-origin
// refusal's shape, and input no database should see.

// routeLabels reads /metrics and returns, per route label of
// gotong_http_requests_total, the sum of its counts.
func routeLabels(t *testing.T, s *apptest.Server) map[string]int {
	t.Helper()
	r, err := send(s, "GET", "/metrics", nil, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", r.Status, err)
	}
	line := regexp.MustCompile(`^gotong_http_requests_total\{code="\d+",route="([^"]*)"\} (\d+)$`)
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			var n int
			fmt.Sscan(m[2], &n)
			out[m[1]] += n
		}
	}
	return out
}

func TestMetricsLabelRequestsByRoutePattern(t *testing.T) {
	s := apptest.Start(t, store.SQLite) // the label does not depend on the engine
	hits := []struct{ path, pattern string }{
		{"/api/v1/regions", "GET /api/v1/regions"},
		{"/api/v1/regions/31.71", "GET /api/v1/regions/{code}"},
		{"/regions/31.71", "GET /regions/{code}"},
		{"/healthz", "GET /healthz"},
	}
	for _, h := range hits {
		for range 3 {
			if r, err := send(s, "GET", h.path, nil, nil); err != nil || r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %v", h.path, r.Status, err)
			}
		}
	}
	before := routeLabels(t, s)
	for _, h := range hits {
		if before[h.pattern] < 3 {
			t.Errorf("route %q counted %d times, want at least 3; labels %v", h.pattern, before[h.pattern], before)
		}
	}

	const unknown = 60
	for i := range unknown {
		for _, p := range []string{"/no-such-page-%d", "/api/v1/no-such-endpoint-%d", "/api/v1/regions/%d/x", "/static/missing-%d.css"} {
			if _, err := send(s, "GET", fmt.Sprintf(p, i), nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := routeLabels(t, s)
	for label := range after {
		if regexp.MustCompile(`no-such|missing-|/\d+/x`).MatchString(label) {
			t.Errorf("a raw path became a route label: %q", label)
		}
	}
	if grew := len(after) - len(before); grew > 4 {
		t.Errorf("%d unknown paths added %d route labels; want a bounded few (the catch-all patterns)", 4*unknown, grew)
	}
}
