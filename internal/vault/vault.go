// Package vault protects personal identifiers (NIK, No. KK) at rest: it seals them with
// AES-256-GCM for storage and gives a keyed hash for exact-match indexes, both from one
// master key (DESIGN.md §2.3, §6). The master key is never stored in a Vault, never
// formatted by it and never put in an error.
package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"sync/atomic"
)

// KeySize is the length in bytes of the master key.
const KeySize = 32

// The HKDF info strings: one subkey seals, the other hashes, so learning one (say, from a
// leaked index of hashes) tells nothing about the other.
const (
	infoEncryption = "gotong nik encryption v1"
	infoMatch      = "gotong nik match v1"
	infoAudit      = "gotong audit chain v1"
)

// sealPrefix starts every sealed value; a future format gets a new prefix so old rows
// stay readable during a migration.
const sealPrefix = "v1:"

// Errors returned by the package; test with errors.Is.
var (
	// ErrBadKey: the key material is not 32 bytes in base64 or hex.
	ErrBadKey = errors.New("malformed encryption key")
	// ErrInsecureKeyFile: the key file in the data folder is readable by others or not ours.
	ErrInsecureKeyFile = errors.New("insecure key file")
	// ErrUnknownVersion: a sealed value has a format this build does not know.
	ErrUnknownVersion = errors.New("unknown sealed value format")
	// ErrMalformed: a sealed value is not valid base64url or is too short.
	ErrMalformed = errors.New("malformed sealed value")
	// ErrAuth: a sealed value failed authentication: a wrong key, associated data of another
	// row or column, or tampering.
	ErrAuth = errors.New("sealed value failed authentication (wrong key, wrong row, or tampered)")
	// ErrKeyMismatch: the key ID stored beside the data is not this key's.
	ErrKeyMismatch = errors.New("encryption key does not match the data")
)

// b64 is the text encoding of sealed values: URL-safe, unpadded and strict, so each
// ciphertext has exactly one text form.
var b64 = base64.RawURLEncoding.Strict()

// Vault seals and hashes personal identifiers. It is safe for concurrent use.
//
// A Vault holds two kinds of key. The data key seals and hashes personal data (Seal,
// Open, Hash, KeyID); it can be rotated (BeginRotation, FinishRotation), and during a
// rotation the Vault holds two data keys: it seals and hashes with the next one and
// opens and looks up with both. The root key makes the audit chain's key and the
// subkeys (recipient codes, courier links, record signatures …); it is never rotated,
// because what it keys lives outside the database or in its history: codes already
// sent to recipients, links in couriers' phones, signatures on printed records, the
// audit chain's past entries. A first key is both the root and the data key.
type Vault struct {
	keys   atomic.Pointer[ring]
	audit  []byte
	master []byte // the root key, only for Subkey; never formatted
}

// ring is the Vault's data keys: write seals and hashes; old, during a rotation, is
// the key being retired, still used to open and to look up.
type ring struct {
	write, old *dataKey
	blocked    error // set by Block: Seal fails with it
}

// dataKey is one data key's derived keys.
type dataKey struct {
	aead cipher.AEAD
	macs sync.Pool // of *mac keyed with the match key
	id   string
	raw  []byte // the data key itself, kept only to write the key file of a rotation
}

// New returns a Vault for a 32-byte master key, which is both its root and its data
// key. Most callers want Load.
func New(master []byte) (*Vault, error) { return NewWithRoot(master, master) }

// NewWithRoot returns a Vault whose data key differs from its root key: a deployment
// after a key rotation.
func NewWithRoot(data, root []byte) (*Vault, error) {
	if len(root) != KeySize {
		return nil, fmt.Errorf("%w: root key: want %d bytes, got %d", ErrBadKey, KeySize, len(root))
	}
	dk, err := newDataKey(data)
	if err != nil {
		return nil, err
	}
	auditKey, err := hkdf.Key(sha256.New, root, nil, infoAudit, KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive audit key: %w", err)
	}
	v := &Vault{audit: auditKey, master: bytes.Clone(root)}
	v.keys.Store(&ring{write: dk})
	return v, nil
}

func newDataKey(data []byte) (*dataKey, error) {
	if len(data) != KeySize {
		return nil, fmt.Errorf("%w: want %d bytes, got %d", ErrBadKey, KeySize, len(data))
	}
	encKey, err := hkdf.Key(sha256.New, data, nil, infoEncryption, KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive encryption key: %w", err)
	}
	matchKey, err := hkdf.Key(sha256.New, data, nil, infoMatch, KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive match key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	// Random 96-bit nonces, prepended by Seal. The limit is 2^32 seals per key; a city
	// registry is some ten million people, re-imports included, far below it.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	sum := sha256.Sum256(matchKey)
	k := &dataKey{aead: aead, id: hex.EncodeToString(sum[:8]), raw: bytes.Clone(data)}
	// HMAC keying hashes the key into two pad states; pooling keeps that off the path of
	// an import that hashes millions of identifiers.
	k.macs.New = func() any {
		return &mac{h: hmac.New(sha256.New, matchKey), buf: make([]byte, 0, 64), sum: make([]byte, 0, sha256.Size)}
	}
	return k, nil
}

// BeginRotation makes next the data key that seals and hashes, and keeps the current
// one for opening and lookups until FinishRotation. Calling it again with the same
// next key changes nothing; with another next key during a rotation it fails, since
// values sealed with the first next key would no longer open.
func (v *Vault) BeginRotation(next []byte) error {
	nk, err := newDataKey(next)
	if err != nil {
		return err
	}
	for {
		cur := v.keys.Load()
		if cur.write.id == nk.id {
			if cur.blocked != nil && !v.keys.CompareAndSwap(cur, &ring{write: cur.write, old: cur.old}) {
				continue
			}
			return nil
		}
		if cur.old != nil {
			return fmt.Errorf("%w: a rotation to key %q is under way, not to %q", ErrKeyMismatch, cur.write.id, nk.id)
		}
		if v.keys.CompareAndSwap(cur, &ring{write: nk, old: cur.write}) {
			return nil
		}
	}
}

// Block makes Seal fail with err until a rotation begins in this vault (BeginRotation): a server that learns of a rotation but cannot load its next key must not
// seal with the old key what the rotation may already have passed, since it would not
// open after the rotation. Opening and hashing go on.
func (v *Vault) Block(err error) {
	for {
		cur := v.keys.Load()
		if v.keys.CompareAndSwap(cur, &ring{write: cur.write, old: cur.old, blocked: err}) {
			return
		}
	}
}

// FinishRotation forgets the retired data key: from now on only the new one opens.
func (v *Vault) FinishRotation() {
	for {
		cur := v.keys.Load()
		if cur.old == nil || v.keys.CompareAndSwap(cur, &ring{write: cur.write}) {
			return
		}
	}
}

// Rotating reports whether a rotation is under way and, if so, the retiring key's ID.
func (v *Vault) Rotating() (retiring string, ok bool) {
	r := v.keys.Load()
	if r.old == nil {
		return "", false
	}
	return r.old.id, true
}

// DataKeyText returns the data key and the root key as the text of a key file. Only
// a key rotation calls it, to write the next key file; it is never logged.
func (v *Vault) DataKeyText() []byte { return keyFileText(v.keys.Load().write.raw, v.master) }

// keyFileText is a key file: the data key in base64 and, when it differs from the
// root key, a second line "root " + the root key in base64.
func keyFileText(data, root []byte) []byte {
	text := base64.StdEncoding.AppendEncode(nil, data)
	text = append(text, '\n')
	if !bytes.Equal(data, root) {
		text = append(text, rootPrefix...)
		text = base64.StdEncoding.AppendEncode(text, root)
		text = append(text, '\n')
	}
	return text
}

// AuditKey returns the key that makes the audit log's hash chain an HMAC chain, so
// that someone who can write the database but does not hold the key cannot rewrite
// entries and recompute the chain. It is independent of the other subkeys.
func (v *Vault) AuditKey() []byte { return append([]byte(nil), v.audit...) }

// Subkey returns a 32-byte key for one purpose (courier links, recipient codes,
// handover-record signatures …), derived from the master key with HKDF under
// "gotong " + purpose. Keys of different purposes are independent, and independent of
// the keys that seal, hash and chain, so a key leaked for one purpose opens nothing
// else. purpose must be a fixed string of the caller, never outside input.
func (v *Vault) Subkey(purpose string) []byte {
	info := "gotong " + purpose
	if info == infoEncryption || info == infoMatch || info == infoAudit {
		panic("vault: subkey purpose " + purpose + " is reserved")
	}
	k, err := hkdf.Key(sha256.New, v.master, nil, info, KeySize)
	if err != nil {
		panic("vault: derive subkey: " + err.Error()) // only for a bad hash or length, fixed here
	}
	return k
}

// Seal encrypts plaintext and returns a compact text form for a TEXT column:
// "v1:" + base64url(nonce || ciphertext || tag). associatedData is authenticated but
// not stored: pass what the value belongs to (see AD), so a sealed value copied to
// another row or column does not open. The error is part of the contract for future
// formats; this one fails only if the system's random source does, which crashes the
// process instead (crypto/rand).
func (v *Vault) Seal(plaintext, associatedData []byte) (string, error) {
	r := v.keys.Load()
	if r.blocked != nil {
		return "", r.blocked
	}
	return r.write.seal(plaintext, associatedData), nil
}

func (k *dataKey) seal(plaintext, associatedData []byte) string {
	raw := k.aead.Seal(nil, nil, plaintext, associatedData)
	text := make([]byte, 0, len(sealPrefix)+b64.EncodedLen(len(raw)))
	text = append(text, sealPrefix...)
	return string(b64.AppendEncode(text, raw))
}

// Open reverses Seal. It fails with ErrUnknownVersion, ErrMalformed or ErrAuth; the
// error never includes the sealed value or the plaintext. During a rotation it opens
// values sealed with either data key: the format does not say which key sealed a
// value, so it tries the next key first (which seals everything new) and then the
// retiring one; a wrong key fails GCM's tag check at once, so a value costs at most
// two checks, and only during a rotation.
func (v *Vault) Open(sealed string, associatedData []byte) ([]byte, error) {
	r := v.keys.Load()
	plain, err := r.write.open(sealed, associatedData)
	if errors.Is(err, ErrAuth) && r.old != nil {
		return r.old.open(sealed, associatedData)
	}
	return plain, err
}

// Reseal opens sealed and returns its plaintext and the value sealed with the key
// that seals now: sealed itself when that key sealed it already (a value written
// during a rotation, or one a rotation has reached), else a new sealing under the next
// key. A key rotation calls it for every sealed value, and writes only what changed.
func (v *Vault) Reseal(sealed string, associatedData []byte) (plain []byte, resealed string, err error) {
	r := v.keys.Load()
	plain, err = r.write.open(sealed, associatedData)
	if err == nil {
		return plain, sealed, nil
	}
	if !errors.Is(err, ErrAuth) || r.old == nil {
		return nil, "", err
	}
	if plain, err = r.old.open(sealed, associatedData); err != nil {
		return nil, "", err
	}
	return plain, r.write.seal(plain, associatedData), nil
}

func (k *dataKey) open(sealed string, associatedData []byte) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: want prefix %q", ErrUnknownVersion, sealPrefix)
	}
	raw, err := b64.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
	}
	if len(raw) < k.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrMalformed, len(raw), k.aead.Overhead())
	}
	plain, err := k.aead.Open(nil, nil, raw, associatedData)
	if err != nil {
		return nil, ErrAuth
	}
	return plain, nil
}

// Hash returns the keyed hash (HMAC-SHA256 with the match key, 64 hex digits) of value
// as an identifier of the given kind, such as "nik" or "kk", for exact-match indexes.
// It is deterministic for one key, and the same value under two kinds gives unrelated
// hashes. value is hashed as given: normalise it first. During a rotation it hashes
// with the next key, which is what is written; a lookup asks Hashes.
func (v *Vault) Hash(kind, value string) string { return v.keys.Load().write.hash(kind, value) }

// Hashes returns the keyed hashes to look value up by: the one Hash gives and, during a
// rotation, the one under the retiring key, for rows the rotation has not reached yet.
func (v *Vault) Hashes(kind, value string) []string {
	r := v.keys.Load()
	if r.old == nil {
		return []string{r.write.hash(kind, value)}
	}
	return []string{r.write.hash(kind, value), r.old.hash(kind, value)}
}

func (k *dataKey) hash(kind, value string) string {
	m := k.macs.Get().(*mac)
	m.h.Reset()
	// Length-prefix the kind so no (kind, value) pair can be spelled as another.
	m.buf = binary.BigEndian.AppendUint32(m.buf[:0], uint32(len(kind)))
	m.buf = append(m.buf, kind...)
	m.buf = append(m.buf, value...)
	m.h.Write(m.buf)
	hex.Encode(m.hex[:], m.h.Sum(m.sum[:0]))
	out := string(m.hex[:])
	if cap(m.buf) <= 1024 { // do not keep a buffer grown by an unusually long value
		k.macs.Put(m)
	}
	return out
}

// mac is a keyed HMAC with scratch space, reused through Vault.macs.
type mac struct {
	h   hash.Hash
	buf []byte
	sum []byte
	hex [2 * sha256.Size]byte
}

// KeyID is a short, non-secret fingerprint of the key (16 hex digits). Store it beside
// sealed data, so that starting with another key is caught by Check rather than showing
// up later as NIKs that never match. It is the data key's fingerprint (of the next
// key during a rotation); the root key has none of its own.
func (v *Vault) KeyID() string { return v.keys.Load().write.id }

// Check returns nil when stored is this key's ID and an ErrKeyMismatch otherwise, an
// empty stored ID included: a caller writing data for the first time stores KeyID
// instead of calling Check. During a rotation the retiring key's ID passes too.
func (v *Vault) Check(stored string) error {
	r := v.keys.Load()
	if stored == r.write.id || r.old != nil && stored == r.old.id {
		return nil
	}
	if stored == "" {
		return fmt.Errorf("%w: no key ID is stored", ErrKeyMismatch)
	}
	return fmt.Errorf("%w: the data was written with key %q but this key is %q; start with the key the data was written with (%s, %s or %s in the data folder)",
		ErrKeyMismatch, stored, r.write.id, EnvKey, EnvKeyFile, KeyFile)
}

// String describes the vault by its key ID only, so logging a Vault by mistake prints
// nothing secret.
func (v *Vault) String() string { return "vault(key " + v.KeyID() + ")" }

// GoString keeps %#v as safe as %v.
func (v *Vault) GoString() string { return v.String() }

// AD builds associated data from parts, such as a table, a row ID and a column:
// AD("targets", id, "nik"). Each part is length-prefixed, so ("a", "bc") and ("ab", "c")
// differ.
func AD(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += 4 + len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}
