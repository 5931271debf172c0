package web_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/storetest"
)

// TestClientsThatHangUpAreNotServerErrors cuts off many requests that read the
// registry at random moments (a phone losing its signal, a closed tab), then asks
// again: every later request is answered normally, on both engines, and none of
// the cut-off ones was counted as a server error (500) — they count as 499.
func TestClientsThatHangUpAreNotServerErrors(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			regions := s.App.Regions
			var file bytes.Buffer
			if _, err := gen.New(11, regions, "31").WriteHouseholdsCSV(&file, 1500, gen.Damage{}); err != nil {
				t.Fatal(err)
			}
			importAs(t, s, importer(admin), "hangup.csv", file.String())

			c := s.As(t, admin.ID)
			paths := []string{"/api/v1/targets?limit=500", "/registry", "/api/v1/audit?limit=500", "/dashboard"}
			cutRe := regexp.MustCompile(`gotong_http_requests_total\{code="499",route="[^"]*"\} \d+`)
			// Rounds of 120 requests, each cut at a random moment within a window
			// that doubles each round, until some were cut while being served: how
			// long serving takes depends on the machine and the race detector.
			for window := 8 * time.Millisecond; ; window *= 2 {
				var wg sync.WaitGroup
				for i := range 120 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.Int64N(int64(window))))
						defer cancel()
						req, err := http.NewRequestWithContext(ctx, "GET", s.URL+paths[i%len(paths)], nil)
						if err != nil {
							return
						}
						req.Header.Set("Authorization", "Bearer "+c.Token)
						if res, err := http.DefaultClient.Do(req); err == nil {
							_, _ = io.Copy(io.Discard, res.Body)
							res.Body.Close()
						}
					}()
				}
				wg.Wait()
				if cutRe.Match(s.Client().Do(t, "GET", "/metrics", nil).Body) {
					break
				}
				if window > 2*time.Second {
					t.Fatal("no request was cut off while served, even with cuts up to 2 s: the test did not test anything")
				}
			}
			for _, p := range paths {
				for range 5 {
					if r := c.Do(t, "GET", p, nil); r.Status != http.StatusOK {
						t.Fatalf("GET %s after the hang-ups: %d %s", p, r.Status, r.Body)
					}
				}
			}
			m := s.Client().Do(t, "GET", "/metrics", nil)
			cut := cutRe.FindAllString(string(m.Body), -1)
			t.Logf("cut off while served: %s", strings.Join(cut, "; "))
			if errors := regexp.MustCompile(`gotong_http_requests_total\{code="5\d\d",route="[^"]*"\} [1-9]`).FindAllString(string(m.Body), -1); len(errors) > 0 {
				t.Fatalf("requests cut off by their clients were counted as server errors: %s", strings.Join(errors, "; "))
			}
		})
	}
}
