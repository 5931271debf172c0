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
	"strings"
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

// NextKeyFile is the key a rotation moves the data to, beside KeyFile while the
// rotation runs; EnvKeyNext and EnvKeyNextFile give it where the key does not live in
// the data folder.
const (
	NextKeyFile    = KeyFile + ".next"
	EnvKeyNext     = "GOTONG_KEY_NEXT"
	EnvKeyNextFile = "GOTONG_KEY_NEXT_FILE"
)

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

// rootPrefix starts the second line of a key file whose data key has been rotated:
// "root " and the root key, which makes the audit key and the subkeys and is never
// rotated (see Vault).
const rootPrefix = "root "

// fromText parses key text and returns its Vault.
func fromText(text []byte) (*Vault, error) {
	data, root, err := parseKeys(text)
	if err != nil {
		return nil, err
	}
	return NewWithRoot(data, root)
}

// parseKeys reads key text: one key, which is both the data and the root key, or a
// data key followed by "root" and the root key (on a second line, or after white
// space where an environment variable has no lines).
func parseKeys(text []byte) (data, root []byte, err error) {
	f := bytes.Fields(text)
	if len(f) == 3 && string(f[1]) == strings.TrimSpace(rootPrefix) {
		if data, err = parseKey(f[0]); err != nil {
			return nil, nil, fmt.Errorf("data key: %w", err)
		}
		if root, err = parseKey(f[2]); err != nil {
			return nil, nil, fmt.Errorf("root key: %w", err)
		}
		return data, root, nil
	}
	data, err = parseKey(text)
	return data, data, err
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

// LoadNext finds the next key of a rotation under way (GOTONG_KEY_NEXT, the file named
// by GOTONG_KEY_NEXT_FILE, or gotong.key.next in the data folder) and makes it v's
// data key for sealing and hashing (BeginRotation). It fails with fs.ErrNotExist when
// there is none, and with ErrKeyMismatch when its ID is not want (the ID the database
// recorded when the rotation began) or its root key is not v's.
func LoadNext(v *Vault, dataDir, want string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	var text []byte
	var err error
	switch {
	case getenv(EnvKeyNext) != "":
		text = []byte(getenv(EnvKeyNext))
	case getenv(EnvKeyNextFile) != "":
		text, err = readKeyFile(getenv(EnvKeyNextFile), false)
	case dataDir != "":
		text, err = readKeyFile(filepath.Join(dataDir, NextKeyFile), true)
	default:
		err = fmt.Errorf("next key: %w", fs.ErrNotExist)
	}
	if err != nil {
		return err
	}
	data, root, err := parseKeys(text)
	if err != nil {
		return fmt.Errorf("next key: %w", err)
	}
	if !bytes.Equal(root, v.master) {
		return fmt.Errorf("%w: the next key's root key is not this deployment's", ErrKeyMismatch)
	}
	nk, err := newDataKey(data)
	if err != nil {
		return err
	}
	if nk.id != want {
		return fmt.Errorf("%w: the next key is %q but the rotation under way is to %q", ErrKeyMismatch, nk.id, want)
	}
	return v.BeginRotation(data)
}

// NewNextKey makes a random data key for a rotation of v and writes it, with v's root
// key, to dataDir/gotong.key.next (mode 0600), unless that file is there already, as
// when a rotation is resumed: then it is read back. It returns the next key's ID.
func NewNextKey(v *Vault, dataDir string) (string, error) {
	path := filepath.Join(dataDir, NextKeyFile)
	if text, err := readKeyFile(path, true); err == nil {
		data, root, err := parseKeys(text)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if !bytes.Equal(root, v.master) {
			return "", fmt.Errorf("%w: %s belongs to another deployment", ErrKeyMismatch, path)
		}
		nk, err := newDataKey(data)
		if err != nil {
			return "", err
		}
		return nk.id, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	data := make([]byte, KeySize)
	if _, err := rand.Read(data); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	if err := writeKeyFile(dataDir, path, keyFileText(data, v.master)); err != nil {
		return "", err
	}
	nk, err := newDataKey(data)
	if err != nil {
		return "", err
	}
	return nk.id, nil
}

// writeKeyFile writes text to path whole (a private temporary file hard-linked into
// place), failing if path exists.
func writeKeyFile(dataDir, path string, text []byte) error {
	tmp, err := os.CreateTemp(dataDir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, text); err != nil {
		return fmt.Errorf("write key file %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	syncDir(dataDir)
	return nil
}

// RetireKeyFile ends a rotation in the data folder: gotong.key is kept as
// gotong.key.retired-<day> (for the operator to delete once a backup made after the
// rotation is safe) and gotong.key.next replaces gotong.key. The old file is linked
// to its new name first and then replaced by a rename, so there is no moment without
// a gotong.key (Load would make a new one); run again after a crash, it goes on.
func RetireKeyFile(dataDir, day string) (retired string, err error) {
	cur, next := filepath.Join(dataDir, KeyFile), filepath.Join(dataDir, NextKeyFile)
	retired = filepath.Join(dataDir, KeyFile+".retired-"+day)
	if _, err := os.Stat(next); err != nil {
		return "", fmt.Errorf("finish key rotation: %w", err)
	}
	ci, err := os.Stat(cur)
	if err != nil {
		return "", fmt.Errorf("finish key rotation: %w", err)
	}
	if ri, err := os.Stat(retired); err == nil && !os.SameFile(ci, ri) {
		return "", fmt.Errorf("finish key rotation: %s exists already; move it away first", retired)
	} else if err != nil {
		if err := os.Link(cur, retired); err != nil {
			return "", fmt.Errorf("finish key rotation: %w", err)
		}
	}
	if err := os.Rename(next, cur); err != nil {
		return "", fmt.Errorf("finish key rotation: %w", err)
	}
	syncDir(dataDir)
	return retired, nil
}
