package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/storetest"
)

// TestPurgeCommand runs `gotong purge` as a process: bad usage exits 2 with one
// line, a purge of a closed program's households exits 0 with a one-line
// summary, leaves the audit chain and the counters verifiable, and a second run
// purges nothing.
func TestPurgeCommand(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			data := t.TempDir()
			where := []string{"--data", data, "--db", storetest.DSN(t, eng)}
			proc := func(args ...string) result {
				t.Helper()
				cmd := exec.Command(os.Args[0], append(args, where...)...)
				cmd.Env = append(os.Environ(), "GOTONG_TEST_AS_MAIN=1")
				var out, errOut strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errOut
				err := cmd.Run()
				code := 0
				if x, ok := err.(*exec.ExitError); ok {
					code = x.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return result{code, out.String(), errOut.String()}
			}
			for _, bad := range [][]string{{"purge"}, {"purge", "--closed-before", "2026-02-30"}, {"purge", "--closed-before", "kemarin"},
				{"purge", "--closed-before", "2026-01-01", "extra"}, {"purge", "--retention-days", "3"}} {
				r := proc(bad...)
				if r.code != exitUsage {
					t.Errorf("gotong %s: exit %d, want 2 (stderr %q)", strings.Join(bad, " "), r.code, r.stderr)
				}
				oneErrorLine(t, r)
			}
			if r := gotong(t, context.Background(), append([]string{"serve", "--retention-days", "-1"}, where...)...); r.code != exitUsage {
				t.Errorf("serve --retention-days -1: exit %d, want 2", r.code)
			}

			must(t, append([]string{"user", "create", "--email", "kantor@x.id", "--name", "Kantor Provinsi", "--role", "admin"}, where...)...)
			file := filepath.Join(t.TempDir(), "kk.csv")
			csv := "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n" +
				"3171020101208801,3171024502808801,Dewi Dihapus,1980-02-05,P,Kepala Keluarga,31.71.02.1001,3,2,Jl. Hapus No. 1,,081388018801,\n" +
				"3171020101208802,3171024502808802,Eka Dihapus,1980-02-05,P,Kepala Keluarga,31.71.02.1001,3,2,Jl. Hapus No. 2,,081388018802,\n"
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			must(t, append(append([]string{"import", "--as", "kantor@x.id", "--kind", "household", "--quiet"}, where...), file)...)

			cfg := app.Defaults()
			cfg.Data, cfg.DB, cfg.HoldMessages = data, where[3], true
			ctx := app.SystemContext(context.Background(), "test")
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			today := time.Now().In(time.FixedZone("WIB", 7*3600))
			p, err := a.Programs.Create(ctx, program.Input{Name: "Sembako Hapus", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
				TargetKinds: []string{"household"}, Regions: []string{"31.71.02"}, QuantityRule: program.PerTarget,
				Phases: []program.PhaseInput{{Name: "Minggu 1", Start: today.Format(time.DateOnly), End: today.AddDate(0, 0, 6).Format(time.DateOnly)}}})
			if err == nil {
				_, _, err = a.Programs.Publish(ctx, p.ID)
			}
			if err == nil {
				_, err = a.Programs.Close(ctx, p.ID)
			}
			a.Close()
			if err != nil {
				t.Fatal(err)
			}

			if r := proc("purge", "--closed-before", today.Format(time.DateOnly)); r.code != 0 || !strings.HasPrefix(r.stdout, "purged 0 programs:") {
				t.Fatalf("purge before the closing day: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
			r := proc("purge", "--closed-before", tomorrow)
			if r.code != 0 || len(lines(r.stdout)) != 1 || !strings.HasPrefix(r.stdout, "purged 1 programs: 2 targets, 2 members,") {
				t.Fatalf("purge: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			for _, check := range [][]string{{"audit", "verify"}, {"counters", "verify"}} {
				if r := proc(check...); r.code != 0 {
					t.Errorf("%s after the purge: exit %d, %q", strings.Join(check, " "), r.code, r.stderr)
				}
			}
			if r := proc("purge", "--closed-before", tomorrow); r.code != 0 || !strings.HasPrefix(r.stdout, "purged 0 programs: 0 targets") {
				t.Fatalf("second purge: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}
