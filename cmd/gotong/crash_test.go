//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestAServerKilledMidBurstLosesAndDoublesNothing: collaborators commit through
// a server process that is killed with SIGKILL in the middle of the burst. A new
// process on the same database answers the requests the clients send again with
// the same Idempotency-Key. Every commitment acknowledged before the kill is
// there, every key made exactly one commitment, no need was given twice, and the
// audit chain, the counters and (on SQLite) the file's integrity all check.
func TestAServerKilledMidBurstLosesAndDoublesNothing(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			args, dsn := deployment(t, eng)
			data := args[1]
			programID, tokens := burstFixture(t, data, dsn, 4, 400)

			addr := freeAddr(t)
			start := func() *exec.Cmd {
				cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
				cmd.Env = append(os.Environ(), "GOTONG_TEST_AS_MAIN=1")
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				waitHealthy(t, "http://"+addr)
				return cmd
			}
			first := start()

			type attempt struct {
				key, token, id string
			}
			var mu sync.Mutex
			var acked, pending []attempt
			commit := func(a *attempt) bool {
				body, _ := json.Marshal(map[string]any{"program_id": programID, "phase": "Minggu 1", "quantity": 3,
					"region": "31.71.01.1001", "deliver_by": time.Now().AddDate(0, 0, 3).Format(time.DateOnly), "accept_statement": true})
				req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/commitments", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+a.token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", a.key)
				res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
				if err != nil {
					return false
				}
				defer res.Body.Close()
				var v struct{ ID string }
				if res.StatusCode != http.StatusCreated || json.NewDecoder(res.Body).Decode(&v) != nil || v.ID == "" {
					return false
				}
				a.id = v.ID
				return true
			}
			killAt := 12
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w, token := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						a := attempt{key: fmt.Sprintf("burst-%d-%d", w, i), token: token}
						ok := commit(&a)
						mu.Lock()
						if ok {
							acked = append(acked, a)
						} else {
							pending = append(pending, a)
						}
						n := len(acked)
						mu.Unlock()
						if !ok && n >= killAt {
							return // the server is gone
						}
					}
				}()
			}
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= killAt {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d commitments acknowledged in 2 minutes", n)
				}
			}
			_ = first.Process.Signal(syscall.SIGKILL)
			_ = first.Wait()
			close(stop)
			wg.Wait()
			t.Logf("killed after %d acknowledged commitments; %d requests without an answer", len(acked), len(pending))

			// The clients send what got no answer again, to a new process.
			start()
			for i := range pending {
				if !commit(&pending[i]) {
					t.Fatalf("a commitment sent again after the restart was refused (key %s)", pending[i].key)
				}
			}

			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			count := func(q string, args ...any) int {
				var n int
				if err := db.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			ids := map[string]string{}
			for _, a := range append(acked, pending...) {
				if other, ok := ids[a.id]; ok {
					t.Errorf("keys %s and %s answered the same commitment %s", other, a.key, a.id)
				}
				ids[a.id] = a.key
				if count(`SELECT COUNT(*) FROM commitments WHERE id = $1`, a.id) != 1 {
					t.Errorf("commitment %s (key %s), acknowledged, is not there", a.id, a.key)
				}
			}
			if n := count(`SELECT COUNT(*) FROM commitments`); n != len(ids) {
				t.Errorf("%d commitments for %d keys sent", n, len(ids))
			}
			if n := count(`SELECT COUNT(*) FROM (SELECT need_id FROM allocations
				WHERE status NOT IN ('cancelled', 'expired', 'failed') GROUP BY need_id HAVING COUNT(*) > 1) d`); n != 0 {
				t.Errorf("%d needs given twice", n)
			}
			must(t, "audit", "verify", "--data", data, "--db", dsn)
			must(t, "counters", "verify", "--data", data, "--db", dsn)
			if eng == store.SQLite {
				var ok string
				if err := db.R().QueryRowContext(context.Background(), `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
					t.Errorf("integrity_check after the kill: %q (%v)", ok, err)
				}
			}
		})
	}
}

// burstFixture readies a deployment for a burst of commitments: households in one
// kelurahan, a published program for them, and orgs verified collaborator
// organisations with an API token each. The app is closed again before it returns.
func burstFixture(t *testing.T, data, dsn string, orgs, households int) (programID string, tokens []string) {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data, cfg.DB = data, dsn
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	cfg.PasswordMemoryKiB = 1024
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := app.SystemContext(context.Background(), "test")
	if err := a.Bootstrap(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range households {
		if _, err := a.DB.W().ExecContext(ctx, `INSERT INTO targets (id, kind, region, name, name_norm, size, created_at, updated_at)
			VALUES ($1, 'household', '31.71.01.1001', $2, $3, 3, $4, $4)`,
			fmt.Sprintf("burst-%04d", i), fmt.Sprintf("Keluarga %d", i), fmt.Sprintf("keluarga %d", i), now); err != nil {
			t.Fatal(err)
		}
	}
	p, err := a.Programs.Create(ctx, program.Input{Name: "Sembako Ledakan", Category: "pangan",
		Item: program.Item{Name: "Sembako", Unit: "paket"}, TargetKinds: []string{"household"}, QuantityRule: program.PerTarget,
		Phases: []program.PhaseInput{{Name: "Minggu 1", Start: now.Format(time.DateOnly), End: now.AddDate(0, 0, 6).Format(time.DateOnly)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Programs.Publish(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	for i := range orgs {
		var in account.Registration
		in.Name, in.Kind, in.ContactName, in.ContactPhone = fmt.Sprintf("Yayasan Ledakan %d", i), "ngo", "Kontak", "081234567890"
		in.ContactEmail = fmt.Sprintf("kontak%d@ledakan.test", i)
		in.User.Email, in.User.Password = fmt.Sprintf("relawan%d@ledakan.test", i), "relawan-password-1"
		o, u, err := a.Accounts.Register(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Accounts.DecideOrg(ctx, o.ID, account.OrgVerified, ""); err != nil {
			t.Fatal(err)
		}
		secret, _, err := a.Accounts.CreateToken(ctx, u.ID, "burst")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, secret)
	}
	return p.ID, tokens
}

// waitHealthy waits until base answers /readyz with 200.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not become ready within 60 s")
		}
	}
}
