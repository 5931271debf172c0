//go:build linux

package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
)

// TestAFullDiskIsRefusedClearlyAndRecovers runs a SQLite deployment on a small
// filesystem of its own (tmpfs, mounted by the test: it needs root) and fills the
// filesystem. Writes are then refused with 503 and words saying the disk is full,
// nothing is half-written (integrity_check, the audit chain), and once space is
// freed the same server writes again.
func TestAFullDiskIsRefusedClearlyAndRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("GOTONG_TEST_STRICT") != "" {
			t.Fatal("GOTONG_TEST_STRICT is set but the test is not root: it cannot mount the small filesystem it fills")
		}
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s := apptest.Start(t, store.SQLite, func(c *app.Config) {
		c.Data, c.DB = dir, "sqlite:"+filepath.Join(dir, "gotong.db")
	})
	admin, _ := s.User(t, account.Admin, "", "")
	adm := s.As(t, admin.ID)
	create := func(i int) apptest.Response {
		return adm.Do(t, "POST", "/api/v1/users", map[string]any{"email": fmt.Sprintf("petugas%d@disk.test", i),
			"name": strings.Repeat("Petugas Kota ", 9), "role": "office", "region": "31.71", "password": "kata-sandi-yang-panjang-1"})
	}
	if r := create(0); r.Status != http.StatusCreated {
		t.Fatalf("a write with space left: %d %s", r.Status, r.Body)
	}

	// Fill the filesystem to the last byte.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for size := len(chunk) / 2; size > 0; size /= 2 {
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
	f.Close()

	var refused apptest.Response
	created := 1
	for i := 1; i < 200; i++ {
		r := create(i)
		if r.Status == http.StatusCreated {
			created++
			continue
		}
		refused = r
		break
	}
	if refused.Status != http.StatusServiceUnavailable || refused.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(refused.Body), "disk is full") {
		t.Fatalf("a write on a full disk: %d (Retry-After %q) %s; want 503 saying the disk is full", refused.Status,
			refused.Header.Get("Retry-After"), refused.Body)
	}
	t.Logf("%d writes fitted in the last bytes; then: %s", created-1, refused.Body)
	// A file on the full disk (an import's upload) is refused the same way.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("kind", "household")
	fw, _ := mw.CreateFormFile("file", "warga.csv")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 256<<10))
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/imports", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+adm.Token)
	req.Header.Set("Accept-Language", "en")
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "disk is full") {
			t.Errorf("an upload on a full disk: %d %s; want 503 saying the disk is full", res.StatusCode, body)
		}
	}
	// Reads go on.
	if r := adm.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
		t.Errorf("a read on a full disk: %d", r.Status)
	}

	// Space returns: the same server writes again, and nothing was half-written.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if r := create(1000); r.Status != http.StatusCreated {
		t.Fatalf("a write once space is back: %d %s", r.Status, r.Body)
	}
	var users int
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM users WHERE email LIKE '%@disk.test'`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != created+1 {
		t.Errorf("%d users on disk, want the %d acknowledged", users, created+1)
	}
	var ok string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check after the full disk: %q %v", ok, err)
	}
	if p, _, err := audit.Verify(s.Ctx(), s.App.DB.R(), s.App.DB.AuditKey); err != nil || p != nil {
		t.Errorf("the audit chain after the full disk: %+v %v", p, err)
	}
}
