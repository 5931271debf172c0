package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Source says where Load found the master key.
type Source string

// The key sources, in the order Load tries them.
const (
	SourceEnv       Source = "env"       // GOTONG_KEY
	SourceFile      Source = "file"      // the file named by GOTONG_KEY_FILE
	SourceDataDir   Source = "data-dir"  // KeyFile in the data folder, from an earlier run
	SourceGenerated Source = "generated" // KeyFile in the data folder, created by this call
)

// Environment variables read by Load.
const (
	EnvKey     = "GOTONG_KEY"
	EnvKeyFile = "GOTONG_KEY_FILE"
)

// KeyFile is the name of the development key in the data folder.
const KeyFile = "gotong.key"

// maxKeyText bounds what is read from a key file: a key is 64 characters at most, and a
// path set to the wrong file should fail fast, not be read whole.
const maxKeyText = 4096

// keyHint tells an operator how to make a valid key; it is appended to ErrBadKey errors.
const keyHint = "want 32 bytes as base64 or 64 hex digits (make one with: openssl rand -base64 32)"

// Load finds the master key and returns a Vault for it. getenv reads the environment
// (os.Getenv when nil). In order: GOTONG_KEY; the file named by GOTONG_KEY_FILE; the key
// file dataDir/gotong.key, which must be mode 0600 or stricter and owned by this user;
// else a new random key, written to dataDir/gotong.key with mode 0600. Processes
// starting at once on an empty data folder all end with the same key. Errors name where
// the key came from but never contain key material.
func Load(dataDir string, getenv func(string) string) (*Vault, Source, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if text := getenv(EnvKey); text != "" {
		v, err := fromText([]byte(text))
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", EnvKey, err)
		}
		return v, SourceEnv, nil
	}
	if path := getenv(EnvKeyFile); path != "" {
		// Permissions are not checked here: the operator named this file, and mounted
		// secrets (Docker, Kubernetes) are often 0444 or 0644 in a private mount.
		text, err := readKeyFile(path, false)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", EnvKeyFile, err)
		}
		v, err := fromText(text)
		if err != nil {
			return nil, "", fmt.Errorf("%s=%s: %w", EnvKeyFile, path, err)
		}
		return v, SourceFile, nil
	}
	if dataDir == "" {
		return nil, "", fmt.Errorf("no encryption key: set %s or %s, or give a data folder", EnvKey, EnvKeyFile)
	}
	path := filepath.Join(dataDir, KeyFile)
	v, err := loadKeyFile(path)
	if err == nil {
		return v, SourceDataDir, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	v, created, err := generate(dataDir, path)
	if err != nil {
		return nil, "", err
	}
	if created {
		return v, SourceGenerated, nil
	}
	return v, SourceDataDir, nil
}

// LoadExisting is Load without the last step: when no key is given and the data
// folder holds none, it fails instead of making one. A command that checks data
// against the deployment's key (gotong restore) must not invent a key, nor leave a
// new key file behind.
func LoadExisting(dataDir string, getenv func(string) string) (*Vault, Source, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv(EnvKey) == "" && getenv(EnvKeyFile) == "" {
		if _, err := os.Stat(filepath.Join(dataDir, KeyFile)); errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("no personal-data key: set %s or %s, or put the deployment's %s in %s",
				EnvKey, EnvKeyFile, KeyFile, dataDir)
		}
	}
	return Load(dataDir, getenv)
}

// loadKeyFile reads and checks the key file in the data folder.
func loadKeyFile(path string) (*Vault, error) {
	text, err := readKeyFile(path, true)
	if err != nil {
		return nil, err
	}
	v, err := fromText(text)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return v, nil
}

// readKeyFile returns the contents of a key file. With private set, it refuses a file
// that others may read or that another user owns; the check is on the open file, so the
// file checked is the file read.
func readKeyFile(path string, private bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError: names the path, keeps fs.ErrNotExist visible
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	if private {
		if err := checkPrivate(path, info); err != nil {
			return nil, err
		}
	}
	text, err := io.ReadAll(io.LimitReader(f, maxKeyText+1))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if len(text) > maxKeyText {
		return nil, fmt.Errorf("key file %s: %w: the file is over %d bytes; %s", path, ErrBadKey, maxKeyText, keyHint)
	}
	return text, nil
}

// generate writes a new random key to path, unless another process got there first, in
// which case it returns that process's key and created=false. The key is written whole
// to a private temporary file and then hard-linked into place: the link is atomic and
// fails if path exists, so a concurrent reader never sees an empty or partial key file,
// and a crash leaves at worst a stray temporary file, never a broken key file.
func generate(dataDir, path string) (v *Vault, created bool, err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create data folder for the key: %w", err)
	}
	master := make([]byte, KeySize)
	if _, err := rand.Read(master); err != nil {
		return nil, false, fmt.Errorf("generate key: %w", err)
	}
	text := base64.StdEncoding.AppendEncode(nil, master)
	text = append(text, '\n')

	// CreateTemp opens with O_CREATE|O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dataDir, "."+KeyFile+".tmp-*")
	if err != nil {
		return nil, false, fmt.Errorf("write key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, text); err != nil {
		return nil, false, fmt.Errorf("write key file %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Lost the race: the winner's file is complete, since it was linked whole.
			v, err := loadKeyFile(path)
			return v, false, err
		}
		return nil, false, fmt.Errorf("write key file: %w", err)
	}
	syncDir(dataDir)
	v, err = New(master)
	return v, true, err
}

func writeAndClose(f *os.File, text []byte) error {
	// Chmod again in case an odd umask stripped the owner's bits.
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(text)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the new directory entry durable; a failure only risks losing the key on
// a power cut before the next write, and the next start would make a new one anyway.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// fromText parses key text and returns its Vault.
func fromText(text []byte) (*Vault, error) {
	master, err := parseKey(text)
	if err != nil {
		return nil, err
	}
	return New(master)
}

// parseKey decodes 32 bytes written as 64 hex digits or as base64 (standard or URL
// alphabet, padded or not), ignoring surrounding white space. Its errors describe the
// shape of the text, never its content.
func parseKey(text []byte) ([]byte, error) {
	text = bytes.TrimSpace(text)
	if len(text) == 0 {
		return nil, fmt.Errorf("%w: it is empty; %s", ErrBadKey, keyHint)
	}
	// Hex first: 64 hex digits are also valid base64 (of 48 bytes).
	if len(text) == 2*KeySize {
		if key, err := hex.AppendDecode(nil, text); err == nil {
			return key, nil
		}
	}
	if isHex(text) && len(text)%2 == 0 && len(text) < 2*KeySize {
		// Too short to be base64 of 32 bytes anyway; say what it most likely is.
		return nil, fmt.Errorf("%w: it is %d hex digits; %s", ErrBadKey, len(text), keyHint)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.AppendDecode(nil, text)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("%w: it decodes to %d bytes; %s", ErrBadKey, len(key), keyHint)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: %d characters that are neither hex nor base64; %s", ErrBadKey, len(text), keyHint)
}

func isHex(text []byte) bool {
	for _, c := range text {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
