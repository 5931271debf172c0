//go:build unix

package main

import (
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/pquerna/otp/totp"
)

// TestServeKeepsItsFilesPrivate: the data folder holds the personal data (the SQLite
// file and its -wal and -shm), the key that decrypts it, and the files offices
// upload. Only the user running Gotong may read any of it, whatever the umask; a data
// folder left loose by an earlier version is tightened.
func TestServeKeepsItsFilesPrivate(t *testing.T) {
	// No umask to lean on: every mode below must be set by Gotong itself. (The umask
	// is the process's; the tests of this package do not run in parallel.)
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			cleanEnv(t)
			const email, password = "rahasia@example.org", "rahasia-password-1"
			t.Setenv("GOTONG_ADMIN_EMAIL", email)
			t.Setenv("GOTONG_ADMIN_PASSWORD", password)
			data := filepath.Join(t.TempDir(), "data")
			args := []string{"--data", data}
			if eng == store.Postgres {
				args = append(args, "--db", storetest.DSN(t, eng))
			}
			private := map[string]fs.FileMode{data: 0o700, filepath.Join(data, "gotong.key"): 0o600}
			if eng == store.SQLite {
				for _, f := range []string{"gotong.db", "gotong.db-wal", "gotong.db-shm"} {
					private[filepath.Join(data, f)] = 0o600
				}
			}
			uploads := filepath.Join(data, "uploads")

			// serveAndUpload starts serve, checks the modes, uploads a file, checks
			// the uploads folder and stops.
			serveAndUpload := func(t *testing.T, when string) {
				s := serve(t, args...)
				checkModes(t, when, private)
				uploadTemplate(t, s.url, email, password)
				checkModes(t, "after an upload", map[string]fs.FileMode{uploads: 0o700})
				checkFilesIn(t, uploads, 0o600)
				s.stop(t)
			}
			serveAndUpload(t, "after serve starts")

			t.Run("a data folder left readable by others is tightened", func(t *testing.T) {
				loose := map[string]fs.FileMode{uploads: 0o755}
				for p := range private {
					if p != data && filepath.Base(p) != "gotong.key" { // a loose key is refused, not fixed: see vault
						loose[p] = 0o644
					}
				}
				for p, mode := range loose {
					if _, err := os.Stat(p); os.IsNotExist(err) {
						// SQLite removes -wal and -shm at a clean close; leave empty
						// ones, as a crash would.
						if err := os.WriteFile(p, nil, mode); err != nil {
							t.Fatal(err)
						}
					}
					if err := os.Chmod(p, mode); err != nil {
						t.Fatal(err)
					}
				}
				serveAndUpload(t, "after a restart")
			})
		})
	}
}

func checkModes(t *testing.T, when string, want map[string]fs.FileMode) {
	t.Helper()
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", when, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: %s has mode %04o, want %04o", when, filepath.Base(p), got, mode)
		}
	}
}

func checkFilesIn(t *testing.T, dir string, mode fs.FileMode) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err == nil && fi.Mode().Perm() != mode {
			t.Errorf("uploaded file %s has mode %04o, want %04o", e.Name(), fi.Mode().Perm(), mode)
		}
	}
}

// uploadTemplate signs in and uploads the household template as an import, as an
// office does from its browser.
func uploadTemplate(t *testing.T, base, email, password string) {
	t.Helper()
	c := signedIn(t, base, email, password)
	res, err := c.Get(base + "/api/v1/imports/template?kind=household&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(res.Body)
	res.Body.Close()
	uploadCSV(t, c, base, csv)
}

// signedIn is a client signed in through the login form.
func signedIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	passFactor(t, c, base, email)
	return c
}

// uploadCSV sends csv as a household import through the API.
func uploadCSV(t *testing.T, c *http.Client, base string, csv []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "household")
	fw, _ := mw.CreateFormFile("file", "warga.csv")
	_, _ = fw.Write(csv)
	mw.Close()
	res, err := c.Post(base+"/api/v1/imports", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, b)
	}
}

// factors are the TOTP secrets and last steps used of the users signed in by
// passFactor (the tests of this package do not run in parallel).
var factors = map[string]*struct {
	secret string
	step   int64
}{}

// passFactor passes an office's or admin's second factor after its password, as
// a person does: the first time it reads the key off the page and sets the factor
// up; later it types a code. A user signed in again within the same 30 s uses the
// next step's code (one step of skew is allowed), since a code works once.
func passFactor(t *testing.T, c *http.Client, base, email string) {
	t.Helper()
	res, err := c.Get(base + "/login/factor")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	action, want := "/login/factor", http.StatusSeeOther
	if m := regexp.MustCompile(`id="factor-secret"[^>]*>([A-Z2-7 ]+)<`).FindSubmatch(page); m != nil {
		factors[email] = &struct {
			secret string
			step   int64
		}{secret: strings.ReplaceAll(string(m[1]), " ", "")}
		action, want = "/login/factor/enrol", http.StatusOK
	}
	f := factors[email]
	if f == nil {
		t.Fatalf("%s has a second factor these tests did not set up", email)
	}
	step := max(time.Now().Unix()/30, f.step+1)
	for step > time.Now().Unix()/30+1 {
		time.Sleep(time.Second)
	}
	f.step = step
	code, err := totp.GenerateCode(f.secret, time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.PostForm(base+action, url.Values{"code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("second factor of %s: POST %s: %d, want %d", email, action, res.StatusCode, want)
	}
}
