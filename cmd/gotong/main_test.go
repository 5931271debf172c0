package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// cleanEnv removes every GOTONG_* variable but the test harness's own for the rest of
// the test, so that the machine running the tests cannot change what run sees.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GOTONG_") && !strings.HasPrefix(name, "GOTONG_TEST_") {
			unsetenv(t, name)
		}
	}
}

// unsetenv removes name for the rest of the test; t.Setenv restores it afterwards.
func unsetenv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	os.Unsetenv(name)
}

// result is what one run of the command line gave.
type result struct {
	code           int
	stdout, stderr string
}

// lines splits s into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// gotong runs the command line with args.
func gotong(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// must runs the command line and fails the test unless it exits 0.
func must(t *testing.T, args ...string) result {
	t.Helper()
	r := gotong(t, context.Background(), args...)
	if r.code != exitOK {
		t.Fatalf("gotong %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// oneErrorLine fails the test unless stderr is exactly one "gotong: …" line holding
// every one of want.
func oneErrorLine(t *testing.T, r result, want ...string) {
	t.Helper()
	ls := lines(r.stderr)
	if len(ls) != 1 || !strings.HasPrefix(ls[0], "gotong: ") {
		t.Fatalf("stderr is not one error line: %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(ls[0], w) {
			t.Fatalf("error line %q does not mention %q", ls[0], w)
		}
	}
}

func TestBadUsageExitsTwoWithOneLine(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-file")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("a-fine-password-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A cancelled context: should a case wrongly get past its checks, serve stops at
	// once (and the test fails on the exit status) instead of serving forever.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		// usage is true when the usage text may precede the error line.
		usage bool
		want  []string
	}{
		{name: "no command", args: nil, usage: true, want: []string{"no command"}},
		{name: "an unknown command", args: []string{"frobnicate"}, usage: true, want: []string{`"frobnicate"`}},
		{name: "an unknown sub-command", args: []string{"user", "frobnicate"}, usage: true, want: []string{"user frobnicate"}},
		{name: "an undefined flag", args: []string{"migrate", "--data", dir, "--bogus"}, usage: true, want: []string{"bogus"}},
		{name: "a flag with a bad value", args: []string{"serve", "--data", dir, "--session-idle", "banana"}, usage: true, want: []string{"session-idle"}},
		{name: "no instance", args: []string{"serve", "--data", dir, "--instances", "0"}, usage: true, want: []string{"--instances must be at least 1"}},
		{name: "a stray argument", args: []string{"audit", "verify", "--data", dir, "extra"}, want: []string{`"extra"`}},
		{name: "a bad duration in the environment", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			env: map[string]string{"GOTONG_SESSION_IDLE": "banana"}, want: []string{"GOTONG_SESSION_IDLE", "banana"}},
		{name: "a bad boolean in the environment", args: []string{"migrate", "--data", dir},
			env: map[string]string{"GOTONG_MIGRATE": "maybe"}, want: []string{"GOTONG_MIGRATE"}},
		{name: "a missing database URL file", args: []string{"migrate", "--data", dir},
			env: map[string]string{"GOTONG_DB_FILE": missing}, want: []string{"GOTONG_DB_FILE"}},
		{name: "idle longer than the session lifetime", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0",
			"--session-idle", "2h", "--session-lifetime", "1h"}, want: []string{"--session-idle"}},
		{name: "a bad listen address", args: []string{"serve", "--data", dir, "--addr", "nowhere"}, want: []string{"--addr"}},
		{name: "a trusted proxy that is no address", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0",
			"--trusted-proxies", "10.0.0.0/8,lb.example"}, want: []string{"--trusted-proxies", "lb.example"}},
		{name: "a trusted proxy range that is no range, from the environment", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			env: map[string]string{"GOTONG_TRUSTED_PROXIES": "10.0.0.0/40"}, want: []string{"--trusted-proxies", "10.0.0.0/40"}},
		{name: "a bad log level", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-level", "loud"}, want: []string{"--log-level"}},
		{name: "a role that does not exist", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--role", "boss"}, want: []string{"--role", "boss"}},
		{name: "demo data on a web process, from the environment", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--demo"},
			env: map[string]string{"GOTONG_ROLE": "web"}, want: []string{"--demo", "--role all"}},
		{name: "a province that does not exist, for serve", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--province", "99"},
			want: []string{"--province", "99"}},
		{name: "a kota given as the province", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--province", "31.71"},
			want: []string{"--province"}},
		{name: "a province that does not exist, for user create", args: []string{"user", "create", "--data", dir, "--province", "99",
			"--email", "x@example.org", "--name", "X Y", "--role", "admin", "--password-file", pw}, want: []string{"--province"}},
		{name: "an unsupported database, for migrate", args: []string{"migrate", "--db", "mysql://x"}, want: []string{"mysql"}},
		{name: "an SMS body template that is not JSON", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0",
			"--sms-url", "http://127.0.0.1:1/sms", "--sms-body", `{"to":"{{.To}}"}`}, want: []string{"--sms-*", "JSON"}},
		{name: "a recipient channel that does not exist, from the environment", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			env: map[string]string{"GOTONG_RECIPIENT_CHANNEL": "pigeon"}, want: []string{"--recipient-channel"}},
		{name: "an SMTP TLS policy that does not exist", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0",
			"--smtp-host", "127.0.0.1", "--smtp-from", "a@b.id", "--smtp-tls", "maybe"}, want: []string{"--smtp-*", "maybe"}},
		{name: "an unsupported database, for serve", args: []string{"serve", "--db", "mysql://x", "--addr", "127.0.0.1:0"}, want: []string{"mysql"}},
		{name: "an unsupported database, for audit verify", args: []string{"audit", "verify", "--db", "mysql://x"}, want: []string{"mysql"}},
		{name: "an unsupported database from the environment", args: []string{"migrate"},
			env: map[string]string{"GOTONG_DB": "mysql://x"}, want: []string{"mysql"}},
		{name: "a negative read pool", args: []string{"migrate", "--data", dir, "--db-read-conns", "-1"}, want: []string{"--db-read-conns", "-1"}},
		{name: "SQLite with more than one writer, from the environment", args: []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			env: map[string]string{"GOTONG_DB_WRITE_CONNS": "4"}, want: []string{"--db-write-conns", "SQLite"}},
		{name: "user create without its required flags", args: []string{"user", "create", "--data", dir, "--email", "x@example.org"},
			want: []string{"--name", "--role"}},
		{name: "user create with an unreadable password file", args: []string{"user", "create", "--data", dir,
			"--email", "x@example.org", "--name", "X Y", "--role", "admin", "--password-file", missing}, want: []string{"--password-file"}},
		{name: "token create without an email", args: []string{"token", "create", "--data", dir}, want: []string{"--email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := gotong(t, ctx, tt.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, exitUsage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if tt.usage {
				// Usage text may come first; the error itself is still the last line, alone.
				ls := lines(r.stderr)
				r.stderr = ls[len(ls)-1]
			}
			oneErrorLine(t, r, tt.want...)
		})
	}
	t.Run("help is not an error", func(t *testing.T) {
		r := gotong(t, ctx, "help")
		if r.code != exitOK || !strings.Contains(r.stdout, "audit verify") {
			t.Fatalf("help: exit %d, stdout %q", r.code, r.stdout)
		}
	})
	if entries, err := os.ReadDir("."); err == nil {
		for _, e := range entries {
			if e.Name() == "gotong-data" {
				t.Error("a usage error created ./gotong-data")
			}
		}
	}
}

// TestCommands runs the one-shot commands against one database per engine, then
// checks what they made through a server sharing that database.
func TestCommands(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			// Every process on one database must use the same personal-data key; a
			// deployment gives it to all of them through GOTONG_KEY.
			t.Setenv("GOTONG_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
			dir := t.TempDir()
			// On SQLite the commands find the database through --data, as an operator
			// would use them; on PostgreSQL through --db.
			dsn, where := "sqlite:"+filepath.Join(dir, "gotong.db"), []string{"--data", dir}
			if eng == store.Postgres {
				dsn = storetest.DSN(t, eng)
				where = []string{"--data", dir, "--db", dsn}
			}
			with := func(args ...string) []string { return append(args, where...) }
			pwFile := filepath.Join(t.TempDir(), "password")
			const password = "office-password-42"
			if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}

			t.Run("migrate brings a fresh database up to date, then has nothing to do", func(t *testing.T) {
				r := must(t, with("migrate")...)
				m := regexp.MustCompile(`^schema at version (\d+) \((\d+) migrations applied now\)\n$`).FindStringSubmatch(r.stdout)
				if m == nil || m[1] == "0" || m[2] == "0" {
					t.Fatalf("first migrate printed %q", r.stdout)
				}
				r = must(t, with("migrate")...)
				if !strings.Contains(r.stdout, "(0 migrations applied now)") {
					t.Fatalf("second migrate printed %q", r.stdout)
				}
			})

			var officeID, genID, genPassword string
			t.Run("user create prints only the new user's id", func(t *testing.T) {
				r := must(t, with("user", "create", "--email", "Office@Example.org", "--name", "Kantor Pusat",
					"--role", "office", "--region", "31.71", "--password-file", pwFile)...)
				ls := lines(r.stdout)
				if len(ls) != 1 || r.stdout != ls[0]+"\n" {
					t.Fatalf("stdout %q, want one line holding the id", r.stdout)
				}
				officeID = ls[0]
				if r.stderr != "" {
					t.Errorf("stderr %q, want nothing when the password comes from a file", r.stderr)
				}
				if _, err := strconv.ParseInt(officeID, 10, 64); err == nil || len(officeID) < 16 {
					t.Fatalf("user id %q looks like a sequential number", officeID)
				}
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var email, role, region string
				if err := db.R().QueryRowContext(context.Background(), `SELECT email, role, region FROM users WHERE id = $1`,
					officeID).Scan(&email, &role, &region); err != nil {
					t.Fatalf("the printed id names no user: %v", err)
				}
				if email != "office@example.org" || role != "office" || region != "31.71" {
					t.Fatalf("user stored as %s %s %s", email, role, region)
				}
			})
			t.Run("user create without a password file prints a generated password on stderr", func(t *testing.T) {
				r := must(t, with("user", "create", "--email", "second@example.org", "--name", "Kantor Dua",
					"--role", "office", "--region", "31.72")...)
				ls := lines(r.stdout)
				if len(ls) != 1 {
					t.Fatalf("stdout %q, want one line holding the id", r.stdout)
				}
				genID = ls[0]
				if genID == officeID {
					t.Fatal("two users got the same id")
				}
				a, _ := strconv.ParseInt(officeID, 10, 64)
				b, _ := strconv.ParseInt(genID, 10, 64)
				if a != 0 && b == a+1 {
					t.Fatalf("ids %s then %s are sequential", officeID, genID)
				}
				m := regexp.MustCompile(`^password for second@example\.org \(shown only this once\): (\S{12,})\n$`).FindStringSubmatch(r.stderr)
				if m == nil {
					t.Fatalf("stderr %q does not give the generated password on one line", r.stderr)
				}
				genPassword = m[1]
				if strings.Contains(r.stdout, genPassword) {
					t.Fatal("the generated password went to stdout")
				}
			})
			t.Run("user create refuses bad input with one line", func(t *testing.T) {
				bad := []struct {
					name string
					args []string
					want string
				}{
					{"an unknown role", []string{"--email", "x@example.org", "--name", "X Y", "--role", "king"}, "role"},
					{"an email already in use", []string{"--email", "office@example.org", "--name", "X Y", "--role", "admin"}, "exists"},
					{"an office outside the province", []string{"--email", "y@example.org", "--name", "X Y", "--role", "office", "--region", "32.73"}, "region"},
				}
				for _, b := range bad {
					t.Run(b.name, func(t *testing.T) {
						r := gotong(t, context.Background(), with(append([]string{"user", "create", "--password-file", pwFile}, b.args...)...)...)
						if r.code != exitFail && r.code != exitUsage {
							t.Fatalf("exit %d, want 1 or 2; stderr %q", r.code, r.stderr)
						}
						if r.stdout != "" {
							t.Errorf("stdout %q, want nothing", r.stdout)
						}
						oneErrorLine(t, r, b.want)
					})
				}
			})

			var token string
			t.Run("token create prints one token alone on its line", func(t *testing.T) {
				r := must(t, with("token", "create", "--email", "office@example.org", "--label", "script")...)
				if !regexp.MustCompile(`^gtg_\S{20,}\n$`).MatchString(r.stdout) {
					t.Fatalf("stdout %q, want one gtg_ token line", r.stdout)
				}
				token = strings.TrimSpace(r.stdout)
			})
			t.Run("token create for an unknown user fails with one line", func(t *testing.T) {
				r := gotong(t, context.Background(), with("token", "create", "--email", "ghost@example.org")...)
				if r.code != exitFail || r.stdout != "" {
					t.Fatalf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
				}
				oneErrorLine(t, r, "ghost@example.org")
			})
			var fileToken string
			t.Run("GOTONG_DB_FILE names a file holding the database URL", func(t *testing.T) {
				f := filepath.Join(t.TempDir(), "db-url")
				if err := os.WriteFile(f, []byte(dsn+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("GOTONG_DB_FILE", f)
				t.Setenv("GOTONG_DATA", filepath.Join(t.TempDir(), "elsewhere"))
				r := must(t, "token", "create", "--email", "second@example.org")
				fileToken = strings.TrimSpace(r.stdout)
				if !strings.HasPrefix(fileToken, "gtg_") {
					t.Fatalf("stdout %q", r.stdout)
				}
			})

			s := apptest.Start(t, eng, func(c *app.Config) { c.DB = dsn })
			t.Run("the users and tokens work against a server on the same database", func(t *testing.T) {
				for _, c := range []struct{ token, id string }{{token, officeID}, {fileToken, genID}} {
					if c.token == "" {
						t.Fatal("an earlier step made no token")
					}
					cl := s.Client()
					cl.Token = c.token
					res := cl.Do(t, "GET", "/api/v1/me", nil)
					var me struct{ ID, Role, Region string }
					if res.Status != http.StatusOK {
						t.Fatalf("GET /api/v1/me with a CLI token: %d %s", res.Status, res.Body)
					}
					res.JSON(t, &me)
					if me.ID != c.id || me.Role != "office" {
						t.Fatalf("the token acts as %+v, want user %s", me, c.id)
					}
				}
				s.Client().Login(t, "office@example.org", password)
				s.Client().Login(t, "second@example.org", genPassword)
			})

			t.Run("audit verify passes on an intact log", func(t *testing.T) {
				r := must(t, with("audit", "verify")...)
				m := regexp.MustCompile(`^audit chain intact: (\d+) entries checked`).FindStringSubmatch(r.stdout)
				if m == nil {
					t.Fatalf("stdout %q", r.stdout)
				}
				var n int64
				if err := s.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				// Two users, two tokens and the server's first admin at least.
				if m[1] != strconv.FormatInt(n, 10) || n < 5 {
					t.Fatalf("verify checked %s entries, the log holds %d", m[1], n)
				}
			})
			t.Run("audit verify names the first tampered entry", func(t *testing.T) {
				db := s.App.DB
				ctx := context.Background()
				if _, err := db.W().ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE chain = 'main' AND seq = 2`); err == nil {
					t.Fatal("the database let an audit entry be updated")
				}
				disable := []string{`DROP TRIGGER audit_log_no_update`}
				if eng == store.Postgres {
					disable = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
				}
				for _, q := range append(disable, `UPDATE audit_log SET actor = 'mallory' WHERE chain = 'main' AND seq = 2`) {
					if _, err := db.W().ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				r := gotong(t, context.Background(), with("audit", "verify")...)
				if r.code != exitFail {
					t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code, r.stdout, r.stderr)
				}
				oneErrorLine(t, r, `"main"`, "entry 2")
			})
			t.Run("counters verify passes, and names a counter that differs from a recount", func(t *testing.T) {
				r := must(t, with("counters", "verify")...)
				if !regexp.MustCompile(`^counters equal a recount: \d+ rows checked`).MatchString(r.stdout) {
					t.Fatalf("stdout %q", r.stdout)
				}
				if _, err := s.App.DB.W().ExecContext(context.Background(), `INSERT INTO counters (program_id, phase_id, region, rw, needed)
					VALUES ('p-tampered', 'ph-1', '31.71.01.1001', 5, 3)`); err != nil {
					t.Fatal(err)
				}
				r = gotong(t, context.Background(), with("counters", "verify")...)
				if r.code != exitFail {
					t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code, r.stdout, r.stderr)
				}
				oneErrorLine(t, r, "p-tampered", "RW 005", "needed kept 3, counted 0")
			})
		})
	}
}

// syncBuffer is a bytes.Buffer safe to write from the server's goroutine while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a `gotong serve` running in a goroutine.
type server struct {
	url            string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// freeAddr returns a loopback address with a port nothing listens on just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serve starts `gotong serve` with args and waits until /healthz answers.
func serve(t *testing.T, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{url: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case code := <-s.done:
			t.Fatalf("serve exited %d before answering; stderr %q", code, s.stderr.String())
		default:
		}
		res, err := http.Get(s.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200 in time (last: %v); stderr %q", err, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels serve's context, as SIGINT does, and checks it shuts down cleanly and
// promptly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		if code != exitOK {
			t.Fatalf("serve exited %d after cancellation; stderr %q", code, s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		// With nothing in flight shutdown is immediate; 10s leaves room for a loaded
		// machine yet stays under the 15s grace given to requests in flight.
		t.Fatal("serve did not return within 10s of cancellation")
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Fatal("the server still answers after stopping")
	}
}

// login posts the login form and returns the status.
func login(t *testing.T, base, email, password string) int {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// dbArgs are the arguments that give serve a fresh database on eng.
func dbArgs(t *testing.T, eng store.Engine) []string {
	t.Helper()
	args := []string{"--data", t.TempDir()}
	if eng == store.Postgres {
		args = append(args, "--db", storetest.DSN(t, eng))
	}
	return args
}

func TestServe(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			t.Run("prints generated admin credentials once and stops on cancellation", func(t *testing.T) {
				cleanEnv(t)
				args := dbArgs(t, eng)
				s := serve(t, args...)
				m := regexp.MustCompile(`(?m)^\s*email:\s+(\S+)\n\s*password:\s+(\S+)$`).FindStringSubmatch(s.stdout.String())
				if m == nil {
					t.Fatalf("stdout %q does not give the first admin's email and password", s.stdout.String())
				}
				if st := login(t, s.url, m[1], m[2]); st != http.StatusSeeOther {
					t.Fatalf("login with the printed credentials: %d, want 303", st)
				}
				if st := login(t, s.url, m[1], m[2]+"x"); st != http.StatusUnauthorized {
					t.Fatalf("login with a wrong password: %d, want 401", st)
				}
				s.stop(t)

				again := serve(t, args...)
				if out := again.stdout.String(); strings.Contains(out, m[2]) || strings.Contains(out, "password") {
					t.Fatalf("a second start printed credentials again: %q", out)
				}
				if st := login(t, again.url, m[1], m[2]); st != http.StatusSeeOther {
					t.Fatalf("the first admin cannot log in after a restart: %d", st)
				}
				again.stop(t)
			})
			t.Run("a port in use fails before the database and the first admin are made", func(t *testing.T) {
				cleanEnv(t)
				busy, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer busy.Close()
				args := dbArgs(t, eng)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				r := gotong(t, ctx, append([]string{"serve", "--addr", busy.Addr().String()}, args...)...)
				if r.code != 1 || r.stdout != "" {
					t.Fatalf("serve on a busy port: exit %d, stdout %q; want 1 and nothing printed", r.code, r.stdout)
				}
				oneErrorLine(t, r, busy.Addr().String(), "--addr")
				if _, err := os.Stat(filepath.Join(args[1], "gotong.db")); eng == store.SQLite && !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("serve on a busy port made the database: %v", err)
				}
				// The next start, on a free port, is the first: it prints the admin.
				s := serve(t, args...)
				if !strings.Contains(s.stdout.String(), "password:") {
					t.Fatalf("the start after a failed bind printed no first admin: %q", s.stdout.String())
				}
				s.stop(t)
			})
			t.Run("creates the admin named by GOTONG_ADMIN_EMAIL and GOTONG_ADMIN_PASSWORD", func(t *testing.T) {
				cleanEnv(t)
				const email, password = "boss@example.org", "boss-password-77"
				t.Setenv("GOTONG_ADMIN_EMAIL", email)
				t.Setenv("GOTONG_ADMIN_PASSWORD", password)
				s := serve(t, dbArgs(t, eng)...)
				out := s.stdout.String()
				if !strings.Contains(out, email) || strings.Contains(out, password) {
					t.Fatalf("stdout %q: want the admin's email and never the password it was given", out)
				}
				if st := login(t, s.url, email, password); st != http.StatusSeeOther {
					t.Fatalf("login as the env admin: %d, want 303", st)
				}
				if st := login(t, s.url, "admin@gotong.local", password); st != http.StatusUnauthorized {
					t.Fatalf("a default admin exists beside the env one: login %d", st)
				}
				s.stop(t)
			})
			t.Run("reads the admin password from GOTONG_ADMIN_PASSWORD_FILE", func(t *testing.T) {
				cleanEnv(t)
				const email, password = "chief@example.org", "chief-password-88"
				f := filepath.Join(t.TempDir(), "admin-pw")
				if err := os.WriteFile(f, []byte(password+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("GOTONG_ADMIN_EMAIL", email)
				t.Setenv("GOTONG_ADMIN_PASSWORD_FILE", f)
				s := serve(t, dbArgs(t, eng)...)
				if st := login(t, s.url, email, password); st != http.StatusSeeOther {
					t.Fatalf("login as the file admin: %d, want 303", st)
				}
				s.stop(t)
			})
		})
	}
}
