package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// TestKeyRotateWhileServing runs gotong key rotate against a deployment whose server
// is running: stopped after a few batches (SIGINT cancels the command's context), the
// command says so and leaves the rotation recorded; run again it finishes, keeps the
// old key file aside, and the audit chain verifies. The running server follows the
// rotation and goes on answering; a command given the old key refuses, one given the
// new key works.
func TestKeyRotateWhileServing(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			s := apptest.Start(t, eng, func(c *app.Config) {
				c.Demo, c.DemoRows = true, 60
				c.KeyWatch = 20 * time.Millisecond
			})
			ctx, db, dir := s.Ctx(), s.App.DB, s.App.Cfg.Data
			args := []string{"--data", dir, "--db", s.App.Cfg.DB}
			oldText, err := os.ReadFile(filepath.Join(dir, vault.KeyFile))
			if err != nil {
				t.Fatal(err)
			}
			oldID := s.App.Vault.KeyID()
			batches := func() int {
				var n int
				if err := db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'key.rotate.batch'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			// Stopped after three batches.
			kctx, cancel := context.WithCancel(context.Background())
			go func() {
				for batches() < 3 && kctx.Err() == nil {
					time.Sleep(2 * time.Millisecond)
				}
				cancel()
			}()
			r := gotong(t, kctx, append([]string{"key", "rotate", "--batch", "1", "--grace", "100ms"}, args...)...)
			cancel()
			if r.code != exitFail {
				t.Fatalf("a stopped rotation exited %d (stdout %q), want %d", r.code, r.stdout, exitFail)
			}
			oneErrorLine(t, r, "context canceled")
			next, err := db.Setting(ctx, keyrot.SettingNextID)
			if err != nil || next == oldID {
				t.Fatalf("the stopped rotation is not recorded: %q %v", next, err)
			}
			stopped := batches()
			if stopped < 3 {
				t.Fatalf("%d batches before the stop, want at least 3", stopped)
			}
			if res, err := http.Get(s.URL + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("the server during the rotation: %v %v", res, err)
			}

			r = must(t, append([]string{"key", "rotate", "--batch", "7", "--grace", "0s"}, args...)...)
			for _, want := range []string{"targets: ", "members: ", "help_requests: ", "rotated from " + oldID + " to " + next, ".retired-"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			if got, _ := db.Setting(ctx, keyrot.SettingKeyID); got != next {
				t.Fatalf("key_id %q after the rotation, want %q", got, next)
			}
			retired := filepath.Join(dir, vault.KeyFile+".retired-"+time.Now().UTC().Format(time.DateOnly))
			if text, err := os.ReadFile(retired); err != nil || string(text) != string(oldText) {
				t.Fatalf("the retired key file: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, vault.NextKeyFile)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the next key file is left: %v", err)
			}
			must(t, append([]string{"audit", "verify"}, args...)...)
			if p, _, err := audit.Verify(ctx, db.R(), s.App.Vault.AuditKey()); p != nil || err != nil {
				t.Fatalf("the server's audit key no longer verifies the chain: %v %v", p, err)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, rotating := s.App.Vault.Rotating(); !rotating && s.App.Vault.KeyID() == next {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the running server did not follow the rotation")
				}
			}
			if res, err := http.Get(s.URL + "/"); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("the public page after the rotation: %v %v", res, err)
			}

			// The old key is refused with the usual message.
			t.Setenv(vault.EnvKey, strings.TrimSpace(string(oldText)))
			r = gotong(t, context.Background(), append([]string{"audit", "verify"}, args...)...)
			if r.code != exitFail {
				t.Fatalf("audit verify with the old key exited %d", r.code)
			}
			oneErrorLine(t, r, "does not match")
			unsetenv(t, vault.EnvKey)
		})
	}
}
