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
type Vault struct {
	aead   cipher.AEAD
	macs   sync.Pool // of *mac keyed with the match key
	keyID  string
	audit  []byte
	master []byte // only for Subkey; never formatted
}

// New returns a Vault for a 32-byte master key. Most callers want Load.
func New(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("%w: want %d bytes, got %d", ErrBadKey, KeySize, len(master))
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, infoEncryption, KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive encryption key: %w", err)
	}
	matchKey, err := hkdf.Key(sha256.New, master, nil, infoMatch, KeySize)
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
	auditKey, err := hkdf.Key(sha256.New, master, nil, infoAudit, KeySize)
	if err != nil {
		return nil, fmt.Errorf("vault: derive audit key: %w", err)
	}
	sum := sha256.Sum256(matchKey)
	v := &Vault{aead: aead, keyID: hex.EncodeToString(sum[:8]), audit: auditKey, master: bytes.Clone(master)}
	// HMAC keying hashes the key into two pad states; pooling keeps that off the path of
	// an import that hashes millions of identifiers.
	v.macs.New = func() any {
		return &mac{h: hmac.New(sha256.New, matchKey), buf: make([]byte, 0, 64), sum: make([]byte, 0, sha256.Size)}
	}
	return v, nil
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
	raw := v.aead.Seal(nil, nil, plaintext, associatedData)
	text := make([]byte, 0, len(sealPrefix)+b64.EncodedLen(len(raw)))
	text = append(text, sealPrefix...)
	return string(b64.AppendEncode(text, raw)), nil
}

// Open reverses Seal. It fails with ErrUnknownVersion, ErrMalformed or ErrAuth; the
// error never includes the sealed value or the plaintext.
func (v *Vault) Open(sealed string, associatedData []byte) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: want prefix %q", ErrUnknownVersion, sealPrefix)
	}
	raw, err := b64.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
	}
	if len(raw) < v.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrMalformed, len(raw), v.aead.Overhead())
	}
	plain, err := v.aead.Open(nil, nil, raw, associatedData)
	if err != nil {
		return nil, ErrAuth
	}
	return plain, nil
}

// Hash returns the keyed hash (HMAC-SHA256 with the match key, 64 hex digits) of value
// as an identifier of the given kind, such as "nik" or "kk", for exact-match indexes.
// It is deterministic for one key, and the same value under two kinds gives unrelated
// hashes. value is hashed as given: normalise it first.
func (v *Vault) Hash(kind, value string) string {
	m := v.macs.Get().(*mac)
	m.h.Reset()
	// Length-prefix the kind so no (kind, value) pair can be spelled as another.
	m.buf = binary.BigEndian.AppendUint32(m.buf[:0], uint32(len(kind)))
	m.buf = append(m.buf, kind...)
	m.buf = append(m.buf, value...)
	m.h.Write(m.buf)
	hex.Encode(m.hex[:], m.h.Sum(m.sum[:0]))
	out := string(m.hex[:])
	if cap(m.buf) <= 1024 { // do not keep a buffer grown by an unusually long value
		v.macs.Put(m)
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
// up later as NIKs that never match.
func (v *Vault) KeyID() string { return v.keyID }

// Check returns nil when stored is this key's ID and an ErrKeyMismatch otherwise, an
// empty stored ID included: a caller writing data for the first time stores KeyID
// instead of calling Check.
func (v *Vault) Check(stored string) error {
	if stored == v.keyID {
		return nil
	}
	if stored == "" {
		return fmt.Errorf("%w: no key ID is stored", ErrKeyMismatch)
	}
	return fmt.Errorf("%w: the data was written with key %q but this key is %q; start with the key the data was written with (%s, %s or %s in the data folder)",
		ErrKeyMismatch, stored, v.keyID, EnvKey, EnvKeyFile, KeyFile)
}

// String describes the vault by its key ID only, so logging a Vault by mistake prints
// nothing secret.
func (v *Vault) String() string { return "vault(key " + v.keyID + ")" }

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
