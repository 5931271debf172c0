package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// The personal-data keys of the backup tests: a deployment's, and another one.
const (
	backupKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	otherKey  = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

// TestBackupWhileWritingRestoresWhatWasCommitted backs up a SQLite deployment
// while a collaborator commits unit after unit through the API, restores the copy
// into a fresh folder, and checks the copy: the audit chain and the counters verify,
// and its commitments are exactly the first ones committed — all those answered
// before the backup started, none after the one in flight when it ended.
func TestBackupWhileWritingRestoresWhatWasCommitted(t *testing.T) {
	cleanEnv(t)
	t.Setenv("GOTONG_KEY", backupKey)
	s := apptest.Start(t, store.SQLite, func(c *app.Config) { c.Demo, c.DemoRows = true, 300 })
	ctx := s.Ctx()
	var programID, phase, region, deliverBy string
	if err := s.App.DB.R().QueryRowContext(ctx, `SELECT n.program_id, ph.name, n.region, ph.ends FROM needs n
		JOIN programs p ON p.id = n.program_id JOIN phases ph ON ph.id = n.phase_id
		WHERE p.status = 'published' AND n.allocated < n.quantity ORDER BY n.region LIMIT 1`).
		Scan(&programID, &phase, &region, &deliverBy); err != nil {
		t.Fatalf("no open need in the demo: %v", err)
	}
	org, u, _ := s.Org(t, "Dapur Umum Backup", true)
	cl := s.As(t, u.ID)

	var (
		mu        sync.Mutex
		committed []string // commitment ids, in the order their 201 came back
	)
	answered := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(committed)
	}
	stop := make(chan struct{})
	burst := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				burst <- nil
				return
			default:
			}
			res, err := cl.Try("POST", "/api/v1/commitments", map[string]any{"program_id": programID, "phase": phase,
				"quantity": 1, "region": region, "deliver_by": deliverBy})
			if err != nil || res.Status != http.StatusCreated {
				burst <- fmt.Errorf("commitment %d: %v %d %s", i, err, res.Status, res.Body)
				return
			}
			var c struct{ ID string }
			res.JSON(t, &c)
			mu.Lock()
			committed = append(committed, c.ID)
			mu.Unlock()
		}
	}()
	for len(answered()) < 10 {
		select {
		case err := <-burst:
			t.Fatal(err)
		case <-time.After(5 * time.Millisecond):
		}
	}

	file := filepath.Join(t.TempDir(), "backups", "gotong-backup.db")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	before := len(answered())
	r := must(t, "backup", "--db", s.App.Cfg.DB, file)
	after := len(answered())
	for len(answered()) < after+5 { // writes go on after the backup, and are not in it
		select {
		case err := <-burst:
			t.Fatal(err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(stop)
	if err := <-burst; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.stdout, "backup written to "+file) {
		t.Fatalf("backup printed %q", r.stdout)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, mode %v; want 0600 (it holds personal data)", err, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(left) != 0 {
		t.Fatalf("the backup left temporary files: %v", left)
	}

	// A fresh data folder, not yet made: restore makes it.
	fresh := filepath.Join(t.TempDir(), "restored")
	r = must(t, "restore", "--data", fresh, file)
	if !strings.Contains(r.stdout, "audit chain intact") || strings.Contains(r.stdout, "replaced") {
		t.Fatalf("restore into a fresh folder printed %q", r.stdout)
	}
	must(t, "audit", "verify", "--data", fresh)
	must(t, "counters", "verify", "--data", fresh)

	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(fresh, "gotong.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := store.All(ctx, db.R(), func(r store.Scanner) (id string, err error) { return id, r.Scan(&id) },
		`SELECT id FROM commitments WHERE org_id = $1`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	all := answered()
	// One client, one request at a time: the copy's snapshot holds a prefix of
	// the commitments, at least those answered before the backup began and at
	// most one more than those answered when it ended (the one in flight).
	k := len(got)
	if k < before || k > after+1 || k > len(all) {
		t.Fatalf("the copy holds %d of this burst's commitments; answered before the backup %d, after it %d (of %d)", k, before, after, len(all))
	}
	slices.Sort(got)
	want := slices.Clone(all[:k])
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the copy's commitments are not the first %d committed", k)
	}
	t.Logf("%d commitments answered before the backup, %d after it, %d in the copy, %d in all", before, after, k, len(all))
}

// TestRestoreRefusals tries every copy restore must refuse, and a backup over an
// existing file, and checks that each is refused naming what failed and leaves
// the target as it was.
func TestRestoreRefusals(t *testing.T) {
	cleanEnv(t)
	t.Setenv("GOTONG_KEY", backupKey)
	dir := t.TempDir()
	// Two deployments: the one whose backup is restored, and another made with
	// another key.
	src := apptest.Start(t, store.SQLite)
	src.User(t, "office", "31.71", "")
	good := filepath.Join(dir, "good.db")
	must(t, "backup", "--db", src.App.Cfg.DB, good)
	t.Setenv("GOTONG_KEY", otherKey)
	other := apptest.Start(t, store.SQLite)
	otherCopy := filepath.Join(dir, "other-key.db")
	must(t, "backup", "--db", other.App.Cfg.DB, otherCopy)
	t.Setenv("GOTONG_KEY", backupKey)

	// The target: a deployment with a user the good copy does not have.
	target := filepath.Join(dir, "target")
	must(t, "migrate", "--data", target)
	must(t, "user", "create", "--data", target, "--email", "only-here@example.org", "--name", "Hanya Di Sini", "--role", "admin",
		"--password-file", writeTemp(t, "a-fine-password-1"))

	corrupt := filepath.Join(dir, "corrupt.db")
	copyTo(t, good, corrupt)
	for p := 1; flipPage(t, corrupt, p, 0, 16); p++ { // every b-tree page's header
	}
	// A subtler one: a few bytes of the rows at the end of a page past the schema,
	// where the file still opens and only SQLite's integrity check finds the damage.
	flipped := filepath.Join(dir, "flipped.db")
	copyTo(t, good, flipped)
	flipPage(t, flipped, pageOf(t, flipped, "users")-1, 0, 8)
	newer := filepath.Join(dir, "newer.db")
	copyTo(t, good, newer)
	sqlExec(t, newer, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)`)

	refusals := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want []string
	}{
		{"a corrupted copy", []string{"restore", "--data", target, corrupt}, nil, exitFail, []string{"integrity check"}},
		{"a copy with rows' bytes flipped", []string{"restore", "--data", target, flipped}, nil, exitFail, []string{"integrity check failed"}},
		{"a copy made with another key", []string{"restore", "--data", target, otherCopy}, nil, exitFail, []string{"personal-data key", "written with key"}},
		{"a copy of a newer schema", []string{"restore", "--data", target, newer}, nil, exitFail, []string{"schema version", "99999", "newer"}},
		{"a file that is not there", []string{"restore", "--data", target, filepath.Join(dir, "missing.db")}, nil, exitFail, []string{"missing.db"}},
		{"a backup over an existing file", []string{"backup", "--data", target, good}, nil, exitFail, []string{good, "--force"}},
		{"a backup over the database itself", []string{"backup", "--force", "--data", target, filepath.Join(target, "gotong.db")}, nil, exitFail,
			[]string{"the database itself"}},
		{"a backup without a file", []string{"backup", "--data", target}, nil, exitUsage, []string{"usage: gotong backup"}},
		{"a restore of two files", []string{"restore", "--data", target, good, otherCopy}, nil, exitUsage, []string{"unexpected argument"}},
		{"a backup of PostgreSQL", []string{"backup", "--db", "postgres://gotong@127.0.0.1:1/gotong", filepath.Join(dir, "pg.db")}, nil, exitUsage,
			[]string{"PostgreSQL", "pg_dump", "Backups"}},
		{"a restore to PostgreSQL", []string{"restore", "--db", "postgres://gotong@127.0.0.1:1/gotong", good}, nil, exitUsage,
			[]string{"PostgreSQL", "pg_restore"}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			was, goodWas := snapshot(t, target), hashFile(t, good)
			r := gotong(t, context.Background(), tt.args...)
			if r.code != tt.code || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q; want %d and nothing; stderr %q", r.code, r.stdout, tt.code, r.stderr)
			}
			oneErrorLine(t, r, tt.want...)
			if now := snapshot(t, target); !maps.Equal(now, was) {
				t.Fatalf("the refusal changed the target folder:\nwas %v\nnow %v", was, now)
			}
			if hashFile(t, good) != goodWas {
				t.Fatal("the refusal changed the existing backup file")
			}
			if _, err := os.Stat(filepath.Join(dir, "pg.db")); err == nil {
				t.Fatal("a refused backup made its file")
			}
		})
	}

	t.Run("a fresh folder without the key is refused and not made", func(t *testing.T) {
		unsetenv(t, "GOTONG_KEY")
		fresh := filepath.Join(dir, "fresh-no-key")
		r := gotong(t, context.Background(), "restore", "--data", fresh, good)
		if r.code != exitFail {
			t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
		}
		oneErrorLine(t, r, "personal-data key", "GOTONG_KEY")
		if _, err := os.Stat(fresh); err == nil {
			t.Fatal("the refused restore made the data folder")
		}
	})

	t.Run("a restore while a server has the database open is refused", func(t *testing.T) {
		s := apptest.Start(t, store.SQLite, func(c *app.Config) { c.Data, c.DB = target, "" })
		names := func() []string {
			es, _ := os.ReadDir(target)
			var out []string
			for _, e := range es {
				out = append(out, e.Name())
			}
			return out
		}
		was := names()
		r := gotong(t, context.Background(), "restore", "--data", target, good)
		if r.code != exitFail {
			t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
		}
		oneErrorLine(t, r, "in use", "stop the servers")
		if now := names(); !slices.Equal(now, was) {
			t.Fatalf("the refusal changed the target folder: was %v, now %v", was, now)
		}
		// The server goes on with its own database.
		if _, err := s.App.Accounts.UserByEmail(context.Background(), "only-here@example.org"); err != nil {
			t.Fatalf("the server lost its database: %v", err)
		}
	})

	t.Run("a good copy replaces the database and the replaced one is kept", func(t *testing.T) {
		r := must(t, "restore", "--data", target, good)
		if !strings.Contains(r.stdout, "gotong.db.before-restore-") {
			t.Fatalf("restore printed %q", r.stdout)
		}
		kept, _ := filepath.Glob(filepath.Join(target, "gotong.db.before-restore-*"))
		if len(kept) != 1 {
			t.Fatalf("kept files %v, want one", kept)
		}
		has := func(path string) bool {
			db, err := store.Open(context.Background(), "sqlite:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users WHERE email = 'only-here@example.org'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 1
		}
		if has(filepath.Join(target, "gotong.db")) || !has(kept[0]) {
			t.Fatal("the restored database is not the copy, or the kept one is not the replaced database")
		}
		must(t, "audit", "verify", "--data", target)
		if left, _ := filepath.Glob(filepath.Join(target, ".*")); len(left) != 0 {
			t.Fatalf("the restore left temporary files: %v", left)
		}
	})

	t.Run("a restore while a server process has the database open is refused", func(t *testing.T) {
		// Another process: SQLite's locks are then the file system's, not those it
		// keeps among the connections of one process.
		cmd := exec.Command(os.Args[0], "serve", "--data", target, "--addr", freeAddr(t))
		cmd.Env = append(os.Environ(), "GOTONG_TEST_AS_MAIN=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(target, "gotong.db-shm")); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the server process did not open the database")
			}
			time.Sleep(10 * time.Millisecond)
		}
		was := hashFile(t, filepath.Join(target, "gotong.db"))
		r := gotong(t, context.Background(), "restore", "--data", target, good)
		if r.code != exitFail {
			t.Fatalf("exit %d; stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
		oneErrorLine(t, r, "in use")
		if kept, _ := filepath.Glob(filepath.Join(target, "gotong.db.before-restore-*")); len(kept) != 1 ||
			hashFile(t, filepath.Join(target, "gotong.db")) != was {
			t.Fatalf("the refusal changed the target: kept %v", kept)
		}
	})

	t.Run("a copy of an older schema is restored, and migrate brings it up to date", func(t *testing.T) {
		older := filepath.Join(dir, "older.db")
		copyTo(t, good, older)
		db, err := store.Open(context.Background(), "sqlite:"+older)
		if err != nil {
			t.Fatal(err)
		}
		_, want, err := db.SchemaVersions(context.Background())
		if err == nil {
			err = db.MigrateDownTo(context.Background(), want-1)
		}
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		fresh := filepath.Join(dir, "from-older")
		r := must(t, "restore", "--data", fresh, older)
		if !strings.Contains(r.stdout, "run gotong migrate") {
			t.Fatalf("restore of an older schema printed %q", r.stdout)
		}
		if r := gotong(t, context.Background(), "audit", "verify", "--data", fresh); r.code != exitFail {
			t.Fatalf("a command on the restored older schema: exit %d, want 1 (stale schema)", r.code)
		}
		must(t, "migrate", "--data", fresh)
		must(t, "audit", "verify", "--data", fresh)
	})

	t.Run("backup --force replaces an existing file", func(t *testing.T) {
		was := hashFile(t, good)
		must(t, "backup", "--force", "--data", target, good)
		if hashFile(t, good) == was {
			t.Fatal("--force left the old file")
		}
	})
}

// snapshot maps each file of dir to the hash of its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		out[e.Name()] = hashFile(t, filepath.Join(dir, e.Name()))
	}
	return out
}

func hashFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeTemp(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "text")
	if err := os.WriteFile(f, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// flipPage inverts n bytes from offset at of a SQLite file's page (counted from 0;
// negative offsets count from the end of the file or of the page) and reports
// whether the page was there.
func flipPage(t *testing.T, path string, page, at, n int) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int(binary.BigEndian.Uint16(b[16:18]))
	if size == 1 {
		size = 65536
	}
	if len(b) < 3*size {
		t.Fatalf("the copy has %d bytes, pages of %d: too small to corrupt", len(b), size)
	}
	if page < 0 {
		page += len(b) / size
	}
	if at < 0 {
		at += size
	}
	if (page+1)*size > len(b) {
		return false
	}
	for i := page*size + at; i < page*size+at+n; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return true
}

// pageOf is the number (from 1) of the first leaf page of a table in a SQLite file.
func pageOf(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT MIN(pageno) FROM dbstat WHERE name = $1 AND pagetype = 'leaf'`, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sqlExec runs one statement on a SQLite file, without Gotong's store.
func sqlExec(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
