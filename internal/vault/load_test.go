package vault

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// childEnv, when set, makes the test binary act as a helper process for
// TestConcurrentFirstLoadsInSeveralProcessesAgree: it waits for a line on stdin, loads
// the vault from the named folder with a few goroutines, prints "keyID source" per
// goroutine and exits.
const childEnv = "GOTONG_VAULT_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(childMain(dir))
	}
	os.Exit(m.Run())
}

func childMain(dir string) int {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "wait for start:", err)
		return 2
	}
	lines := loadConcurrently(dir, 4)
	for _, l := range lines {
		fmt.Println(l)
	}
	return 0
}

// loadConcurrently runs n Loads on dir at once and returns "keyID source" or "error: …"
// for each.
func loadConcurrently(dir string, n int) []string {
	out := make([]string, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			v, src, err := Load(dir, noEnv)
			if err != nil {
				out[i] = "error: " + err.Error()
				return
			}
			out[i] = v.KeyID() + " " + string(src)
		})
	}
	start.Done()
	done.Wait()
	return out
}

// noEnv is a getenv with nothing set.
func noEnv(string) string { return "" }

// env returns a getenv that answers from m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes text to dir/name with mode perm (chmod'ed, so the umask does not
// interfere) and returns the path.
func writeFile(t *testing.T, dir, name, text string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

// load calls Load and fails the test on error.
func load(t *testing.T, dir string, getenv func(string) string) (*Vault, Source) {
	t.Helper()
	v, src, err := Load(dir, getenv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return v, src
}

func TestLoadPrecedence(t *testing.T) {
	envKey, fileKey, dirKey := newKey(t), newKey(t), newKey(t)
	tests := []struct {
		name    string
		env     bool // set GOTONG_KEY
		file    bool // set GOTONG_KEY_FILE
		dirFile bool // put gotong.key in the data folder
		want    Source
		wantKey []byte // nil: a new key
	}{
		{"GOTONG_KEY wins over everything", true, true, true, SourceEnv, envKey},
		{"GOTONG_KEY_FILE wins over the data folder", false, true, true, SourceFile, fileKey},
		{"the data folder key is used when no env is set", false, false, true, SourceDataDir, dirKey},
		{"a key is generated when there is none", false, false, false, SourceGenerated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := map[string]string{}
			if tt.env {
				m[EnvKey] = base64.StdEncoding.EncodeToString(envKey)
			}
			if tt.file {
				m[EnvKeyFile] = writeFile(t, t.TempDir(), "secret", hex.EncodeToString(fileKey)+"\n", 0o600)
			}
			if tt.dirFile {
				writeFile(t, dir, KeyFile, base64.StdEncoding.EncodeToString(dirKey)+"\n", 0o600)
			}
			v, src := load(t, dir, env(m))
			if src != tt.want {
				t.Fatalf("source = %q, want %q", src, tt.want)
			}
			if tt.wantKey != nil {
				if want := newVault(t, tt.wantKey).KeyID(); v.KeyID() != want {
					t.Fatalf("KeyID = %s, want %s (the %s key)", v.KeyID(), want, tt.want)
				}
				return
			}
			for _, k := range [][]byte{envKey, fileKey, dirKey} {
				if v.KeyID() == newVault(t, k).KeyID() {
					t.Fatal("the generated key is one of the test's keys")
				}
			}
		})
	}
}

func TestLoadReadsTheProcessEnvironmentByDefault(t *testing.T) {
	key := newKey(t)
	t.Setenv(EnvKey, hex.EncodeToString(key))
	t.Setenv(EnvKeyFile, "")
	dir := t.TempDir()
	v, src := load(t, dir, nil)
	if src != SourceEnv || v.KeyID() != newVault(t, key).KeyID() {
		t.Fatalf("Load(nil getenv) = %s from %q, want the GOTONG_KEY key from env", v.KeyID(), src)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a key file was written although GOTONG_KEY is set: %v", err)
	}
}

func TestLoadAcceptsKeyEncodings(t *testing.T) {
	key := newKey(t)
	want := newVault(t, key).KeyID()
	tests := []struct {
		name string
		text string
	}{
		{"lower-case hex", hex.EncodeToString(key)},
		{"upper-case hex", strings.ToUpper(hex.EncodeToString(key))},
		{"padded standard base64", base64.StdEncoding.EncodeToString(key)},
		{"unpadded standard base64", base64.RawStdEncoding.EncodeToString(key)},
		{"padded URL base64", base64.URLEncoding.EncodeToString(key)},
		{"unpadded URL base64", base64.RawURLEncoding.EncodeToString(key)},
		{"base64 with a trailing newline", base64.StdEncoding.EncodeToString(key) + "\n"},
		{"hex with surrounding spaces", "  " + hex.EncodeToString(key) + " \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is accepted from env and from a file", func(t *testing.T) {
			v, _ := load(t, t.TempDir(), env(map[string]string{EnvKey: tt.text}))
			if v.KeyID() != want {
				t.Fatalf("env: KeyID = %s, want %s", v.KeyID(), want)
			}
			path := writeFile(t, t.TempDir(), "key", tt.text, 0o600)
			v, _ = load(t, t.TempDir(), env(map[string]string{EnvKeyFile: path}))
			if v.KeyID() != want {
				t.Fatalf("file: KeyID = %s, want %s", v.KeyID(), want)
			}
		})
	}
}

func TestLoadRefusesAMalformedKeyWithoutShowingIt(t *testing.T) {
	short := newKey(t)[:31]
	long := append(newKey(t), 0x5a)
	tests := []struct {
		name string
		text string
	}{
		{"31 bytes of base64", base64.StdEncoding.EncodeToString(short)},
		{"33 bytes of base64", base64.StdEncoding.EncodeToString(long)},
		{"31 bytes of hex", hex.EncodeToString(short)},
		{"64 characters that are not hex", "zz" + hex.EncodeToString(short)[2:] + "qq"},
		{"a passphrase", "correct horse battery staple, my secret phrase!"},
		{"a base64 key with a stray character", "#" + base64.StdEncoding.EncodeToString(newKey(t))},
		{"white space only", " \n\t "},
		{"48 bytes of base64 (an openssl rand -base64 48)", base64.StdEncoding.EncodeToString(append(newKey(t), newKey(t)[:16]...))},
	}
	for _, tt := range tests {
		for _, via := range []string{"GOTONG_KEY", "GOTONG_KEY_FILE", "the data folder"} {
			t.Run(tt.name+" in "+via+" is refused", func(t *testing.T) {
				dir := t.TempDir()
				m := map[string]string{}
				switch via {
				case "GOTONG_KEY":
					m[EnvKey] = tt.text
				case "GOTONG_KEY_FILE":
					m[EnvKeyFile] = writeFile(t, t.TempDir(), "key", tt.text, 0o600)
				default:
					writeFile(t, dir, KeyFile, tt.text, 0o600)
				}
				v, src, err := Load(dir, env(m))
				if !errors.Is(err, ErrBadKey) {
					t.Fatalf("Load = %v, %q, %v; want ErrBadKey", v, src, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, via) && !strings.Contains(msg, KeyFile) {
					t.Errorf("error %q does not say where the key came from", msg)
				}
				if secret := strings.TrimSpace(tt.text); secret != "" {
					// No run of 8 characters of the key text may appear in the error.
					for i := 0; i+8 <= len(secret); i++ {
						if strings.Contains(msg, secret[i:i+8]) {
							t.Fatalf("error %q contains key text %q", msg, secret[i:i+8])
						}
					}
				}
			})
		}
	}
}

func TestLoadGeneratesAPrivateKeyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	v1, src := load(t, dir, noEnv)
	if src != SourceGenerated {
		t.Fatalf("first Load: source = %q, want generated", src)
	}
	path := filepath.Join(dir, KeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("generated key file has mode %04o, want 0600", perm)
	}
	if d, err := os.Stat(dir); err != nil || d.Mode().Perm()&0o077 != 0 {
		t.Fatalf("created data folder: %v, mode %v; want no group/other access", err, d.Mode())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := parseKey(text)
	if err != nil {
		t.Fatalf("generated key file does not parse: %v", err)
	}
	if newVault(t, key).KeyID() != v1.KeyID() {
		t.Fatal("the key file holds another key than the one returned")
	}

	v2, src := load(t, dir, noEnv)
	if src != SourceDataDir || v2.KeyID() != v1.KeyID() {
		t.Fatalf("second Load = %s from %q, want %s from data-dir", v2.KeyID(), src, v1.KeyID())
	}
	sealed := seal(t, v1, []byte("3171014708900001"), AD("t", "1", "nik"))
	if got, err := v2.Open(sealed, AD("t", "1", "nik")); err != nil || string(got) != "3171014708900001" {
		t.Fatalf("the reloaded vault cannot open the first one's seal: %q, %v", got, err)
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(text) {
		t.Fatalf("the key file changed on the second Load (%v)", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data folder holds %d entries, want only %s (no temporary files)", len(entries), KeyFile)
	}
}

func TestLoadChecksTheDataFolderKeyFileMode(t *testing.T) {
	if os.PathSeparator != '/' {
		t.Skip("Unix permissions only")
	}
	tests := []struct {
		perm os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o644, false},
		{0o640, false},
		{0o604, false},
		{0o660, false},
		{0o666, false},
	}
	for _, tt := range tests {
		verdict := "refused"
		if tt.ok {
			verdict = "accepted"
		}
		t.Run(fmt.Sprintf("mode %04o is %s", tt.perm, verdict), func(t *testing.T) {
			dir := t.TempDir()
			key := newKey(t)
			path := writeFile(t, dir, KeyFile, hex.EncodeToString(key), tt.perm)
			v, src, err := Load(dir, noEnv)
			if tt.ok {
				if err != nil || src != SourceDataDir || v.KeyID() != newVault(t, key).KeyID() {
					t.Fatalf("Load = %v, %q, %v; want the file's key", v, src, err)
				}
				return
			}
			if !errors.Is(err, ErrInsecureKeyFile) {
				t.Fatalf("Load = %v, %q, %v; want ErrInsecureKeyFile", v, src, err)
			}
			for _, want := range []string{path, "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if strings.Contains(err.Error(), hex.EncodeToString(key)) {
				t.Errorf("error %q contains the key", err)
			}
			if after, _ := os.ReadFile(path); string(after) != hex.EncodeToString(key) {
				t.Error("the refused key file was replaced")
			}
		})
	}
}

func TestLoadRefusesADataFolderKeyOwnedByAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	dir := t.TempDir()
	path := writeFile(t, dir, KeyFile, hex.EncodeToString(newKey(t)), 0o600)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skip("cannot chown:", err)
	}
	_, _, err := Load(dir, noEnv)
	if !errors.Is(err, ErrInsecureKeyFile) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load = %v, want ErrInsecureKeyFile naming %s", err, path)
	}
}

func TestLoadFailsClearly(t *testing.T) {
	dirWithKeyDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dirWithKeyDir, KeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-key")
	tests := []struct {
		name    string
		dir     string
		env     map[string]string
		is      error
		mention string
	}{
		{"a missing GOTONG_KEY_FILE names the file", t.TempDir(), map[string]string{EnvKeyFile: missing}, fs.ErrNotExist, missing},
		{"a GOTONG_KEY_FILE that is a folder is refused", t.TempDir(), map[string]string{EnvKeyFile: t.TempDir()}, nil, EnvKeyFile},
		{"a key path in the data folder that is a folder is refused", dirWithKeyDir, nil, nil, KeyFile},
		{"no env and no data folder says what to set", "", nil, nil, EnvKey},
		{"an oversized key file is refused", t.TempDir(), map[string]string{EnvKeyFile: writeFile(t, t.TempDir(), "big", strings.Repeat("a", 5000), 0o600)}, ErrBadKey, "big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, src, err := Load(tt.dir, env(tt.env))
			if err == nil {
				t.Fatalf("Load = %v, %q, nil; want an error", v, src)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Load error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Load error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

// TestLoadAcceptsAMountedSecretFile: GOTONG_KEY_FILE is named by the operator and is
// typically a Docker or Kubernetes secret mounted 0444/0644, so its mode is not checked.
func TestLoadAcceptsAMountedSecretFile(t *testing.T) {
	key := newKey(t)
	path := writeFile(t, t.TempDir(), "gotong_key", base64.StdEncoding.EncodeToString(key), 0o444)
	v, src := load(t, t.TempDir(), env(map[string]string{EnvKeyFile: path}))
	if src != SourceFile || v.KeyID() != newVault(t, key).KeyID() {
		t.Fatalf("Load = %s from %q, want the mounted key", v.KeyID(), src)
	}
}

// checkOneKey asserts that results ("keyID source" lines) all name one key and that
// exactly one of them generated it.
func checkOneKey(t *testing.T, dir string, results []string) {
	t.Helper()
	ids := map[string]bool{}
	generated := 0
	for _, r := range results {
		id, src, ok := strings.Cut(r, " ")
		if !ok || strings.HasPrefix(r, "error:") {
			t.Fatalf("a Load failed: %s", r)
		}
		ids[id] = true
		switch Source(src) {
		case SourceGenerated:
			generated++
		case SourceDataDir:
		default:
			t.Fatalf("unexpected source in %q", r)
		}
	}
	if len(ids) != 1 || generated != 1 {
		t.Fatalf("concurrent first Loads gave key IDs %v with %d generators; want one key, one generator", ids, generated)
	}
	v, src := load(t, dir, noEnv)
	if src != SourceDataDir || !ids[v.KeyID()] {
		t.Fatalf("a later Load gives %s from %q, not the agreed key", v.KeyID(), src)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data folder holds %d entries, want only %s", len(entries), KeyFile)
	}
}

func TestConcurrentFirstLoadsAgreeOnOneKey(t *testing.T) {
	for round := range 20 {
		t.Run(fmt.Sprintf("round %d: 8 goroutines end with one key", round), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			checkOneKey(t, dir, loadConcurrently(dir, 8))
		})
	}
}

func TestConcurrentFirstLoadsInSeveralProcessesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	const procs = 4
	for round := range 2 {
		t.Run(fmt.Sprintf("round %d: %d processes of 4 goroutines end with one key", round, procs), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			type child struct {
				cmd *exec.Cmd
				out strings.Builder
				in  interface{ Close() error }
			}
			children := make([]*child, procs)
			starts := make([]func() error, procs)
			for i := range children {
				c := &child{cmd: exec.Command(exe)}
				c.cmd.Env = append(os.Environ(), childEnv+"="+dir)
				c.cmd.Stdout = &c.out
				c.cmd.Stderr = os.Stderr
				in, err := c.cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				c.in = in
				if err := c.cmd.Start(); err != nil {
					t.Fatal(err)
				}
				starts[i] = func() error { _, err := in.Write([]byte("go\n")); return err }
				children[i] = c
			}
			// Release them together: every child is up and waiting on stdin.
			for _, start := range starts {
				if err := start(); err != nil {
					t.Fatal(err)
				}
			}
			var results []string
			for _, c := range children {
				c.in.Close()
				if err := c.cmd.Wait(); err != nil {
					t.Fatalf("child: %v", err)
				}
				results = append(results, strings.Split(strings.TrimSpace(c.out.String()), "\n")...)
			}
			if len(results) != procs*4 {
				t.Fatalf("got %d results, want %d: %q", len(results), procs*4, results)
			}
			checkOneKey(t, dir, results)
		})
	}
}
