package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/memtest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// BenchmarkExport3W times the province's 3W through the handler, as CSV and
// XLSX, and measures the heap's growth while one is built and sent. The kept counters are
// written directly (what a province of about 1M needs leaves behind): an
// organisation row per organisation, program and kelurahan, 200 organisations in
// each of DKI's 267 kelurahan, in GOTONG_BENCH_PROGRAMS programs (default 3):
// 160,200 rows of the 3W.
//
//	go test -run '^$' -bench Export3W -benchtime 3x ./internal/web/
func BenchmarkExport3W(b *testing.B) {
	programs := 3
	if v, err := strconv.Atoi(os.Getenv("GOTONG_BENCH_PROGRAMS")); err == nil && v > 0 {
		programs = v
	}
	const orgs = 200
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			s := apptest.Start(b, eng)
			ctx := s.Ctx()
			var progIDs []string
			for i := range programs {
				p, _ := publishProgram(b, s, program.Input{Name: fmt.Sprintf("Program Ekspor %d", i), Category: "pangan",
					Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 150000}, TargetKinds: []string{"household"},
					Regions: []string{"31.71.01.1001"}, Phases: weeks(2), QuantityRule: program.PerTarget})
				progIDs = append(progIDs, p.ID)
			}
			villages := s.App.Regions.Villages("31")
			var orgRows, counterRows [][]any
			now := time.Now()
			for o := range orgs {
				orgRows = append(orgRows, []any{fmt.Sprintf("bench-org-%03d", o), fmt.Sprintf("Yayasan Bangku %03d", o), now})
			}
			for _, pid := range progIDs {
				for o := range orgs {
					for _, v := range villages {
						counterRows = append(counterRows, []any{pid, v.Code, "bench-phase", fmt.Sprintf("bench-org-%03d", o),
							int64(10 + o%7), int64(4 + o%3), int64(40 + o%5), int64(20 + o%4)})
					}
				}
			}
			err := s.App.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
				if _, err := tx.Insert(ctx, `INSERT INTO organizations (id, name, created_at, kind, contact_name, contact_email, contact_phone, status) VALUES `,
					"", orgRows, "ngo", "Kontak Bangku", "kontak@bangku.example", "+6281200000000", "verified"); err != nil {
					return err
				}
				_, err := tx.Insert(ctx, `INSERT INTO counters (program_id, region, phase_id, org_id, needs, reached, allocated, delivered, rw, day) VALUES `,
					"", counterRows, -1, "")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
			if err != nil {
				b.Fatal(err)
			}
			c := s.As(b, admin.ID)
			for _, format := range []string{"csv", "xlsx"} {
				b.Run(format, func(b *testing.B) {
					var size int64
					cpu0 := cpuTime()
					for b.Loop() {
						size = fetch(b, c, "/api/v1/exports/3w."+format)
					}
					// The process's CPU time per export (server and client): what the
					// export costs whatever else the machine runs meanwhile.
					b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
					// Once more, untimed: memtest runs the collector often, which
					// would count in the time.
					peak := memtest.HeapPeak(func() { fetch(b, c, "/api/v1/exports/3w."+format) })
					b.ReportMetric(float64(len(counterRows)), "rows")
					b.ReportMetric(float64(size)/(1<<20), "file-MiB")
					b.ReportMetric(float64(peak)/(1<<20), "heap-peak-MiB")
				})
			}
		})
	}
}

// fetch asks for path and reads the answer away, returning its length.
func fetch(b *testing.B, c *apptest.Client, path string) int64 {
	req, err := http.NewRequest("GET", c.S.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := *c.HTTP
	hc.Timeout = 5 * time.Minute
	res, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("GET %s: %d, %v", path, res.StatusCode, err)
	}
	return n
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
