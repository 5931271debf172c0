package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// newKey returns a fresh random master key.
func newKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

// newVault returns a Vault for master.
func newVault(t testing.TB, master []byte) *Vault {
	t.Helper()
	v, err := New(master)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// seal seals plaintext or fails the test.
func seal(t testing.TB, v *Vault, plaintext, ad []byte) string {
	t.Helper()
	s, err := v.Seal(plaintext, ad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	v := newVault(t, newKey(t))
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"a NIK bound to its row opens again", []byte("3171014708900001"), AD("targets", "42", "nik")},
		{"a No. KK with no associated data opens again", []byte("3171010101200003"), nil},
		{"an empty value opens again", []byte{}, AD("targets", "1", "nik")},
		{"a long binary value opens again", bytes.Repeat([]byte{0, 0xff, 7}, 1000), []byte("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed := seal(t, v, tt.plaintext, tt.ad)
			if !strings.HasPrefix(sealed, "v1:") {
				t.Fatalf("sealed %q lacks the v1: prefix", sealed)
			}
			if strings.Contains(sealed, string(tt.plaintext)) && len(tt.plaintext) > 0 {
				t.Fatalf("sealed value contains the plaintext")
			}
			if _, err := base64.RawURLEncoding.DecodeString(sealed[3:]); err != nil {
				t.Fatalf("sealed body is not unpadded base64url: %v", err)
			}
			got, err := v.Open(sealed, tt.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
			// 3 prefix characters + base64 of 12 nonce + n + 16 tag bytes.
			if want := 3 + base64.RawURLEncoding.EncodedLen(12+len(tt.plaintext)+16); len(sealed) != want {
				t.Errorf("len(sealed) = %d, want %d", len(sealed), want)
			}
		})
	}
}

func TestSealUsesAFreshNonceEachTime(t *testing.T) {
	v := newVault(t, newKey(t))
	ad := AD("targets", "7", "nik")
	seen := map[string]bool{}
	nonces := map[string]bool{}
	for range 1000 {
		s := seal(t, v, []byte("3171014708900001"), ad)
		if seen[s] {
			t.Fatalf("two seals of the same plaintext gave the same text %q", s)
		}
		seen[s] = true
		raw, _ := base64.RawURLEncoding.DecodeString(s[3:])
		nonce := string(raw[:12])
		if nonces[nonce] {
			t.Fatalf("nonce %x repeated", nonce)
		}
		nonces[nonce] = true
	}
}

func TestOpenRefuses(t *testing.T) {
	v := newVault(t, newKey(t))
	other := newVault(t, newKey(t))
	plaintext := []byte("3171014708900001")
	ad := AD("targets", "42", "nik")
	sealed := seal(t, v, plaintext, ad)
	raw, err := base64.RawURLEncoding.DecodeString(sealed[3:])
	if err != nil {
		t.Fatal(err)
	}
	// flip returns sealed with bit 0 of raw byte i flipped.
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return "v1:" + base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name   string
		vault  *Vault
		sealed string
		ad     []byte
		want   error
	}{
		{"a flipped nonce bit", v, flip(0), ad, ErrAuth},
		{"a flipped last nonce bit", v, flip(11), ad, ErrAuth},
		{"a flipped ciphertext bit", v, flip(12), ad, ErrAuth},
		{"a flipped tag bit", v, flip(len(raw) - 1), ad, ErrAuth},
		{"a truncated tag", v, "v1:" + base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), ad, ErrAuth},
		{"an extra byte", v, "v1:" + base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0)), ad, ErrAuth},
		{"a value copied to another row", v, sealed, AD("targets", "43", "nik"), ErrAuth},
		{"a value copied to another column", v, sealed, AD("targets", "42", "kk"), ErrAuth},
		{"a value opened without its associated data", v, sealed, nil, ErrAuth},
		{"a value opened with the wrong key", other, sealed, ad, ErrAuth},
		{"an unknown version", v, "v2:" + sealed[3:], ad, ErrUnknownVersion},
		{"a missing version", v, sealed[3:], ad, ErrUnknownVersion},
		{"an empty string", v, "", ad, ErrUnknownVersion},
		{"padded base64", v, "v1:" + base64.URLEncoding.EncodeToString(raw[:len(raw)-1]), ad, ErrMalformed},
		{"standard-alphabet base64", v, "v1:+/+/" + sealed[7:], ad, ErrMalformed},
		{"a body shorter than nonce and tag", v, "v1:" + base64.RawURLEncoding.EncodeToString(raw[:27]), ad, ErrMalformed},
		{"an empty body", v, "v1:", ad, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name+" does not open", func(t *testing.T) {
			got, err := tt.vault.Open(tt.sealed, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %q, %v; want %v", got, err, tt.want)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
			if msg := err.Error(); strings.Contains(msg, string(plaintext)) || (len(tt.sealed) > 8 && strings.Contains(msg, tt.sealed[3:])) {
				t.Errorf("error %q leaks the value", msg)
			}
		})
	}
}

// TestFormat recomputes the documented formats with the standard library alone, so a
// change that would orphan stored ciphertexts and hashes fails here.
func TestFormat(t *testing.T) {
	master := newKey(t)
	v := newVault(t, master)
	encKey, _ := hkdf.Key(sha256.New, master, nil, "gotong nik encryption v1", 32)
	matchKey, _ := hkdf.Key(sha256.New, master, nil, "gotong nik match v1", 32)
	if bytes.Equal(encKey, matchKey) {
		t.Fatal("the two subkeys are equal")
	}

	t.Run("a value sealed by hand with the encryption subkey opens", func(t *testing.T) {
		block, _ := aes.NewCipher(encKey)
		gcm, _ := cipher.NewGCM(block)
		nonce := newKey(t)[:12]
		ad := AD("targets", "9", "nik")
		raw := gcm.Seal(bytes.Clone(nonce), nonce, []byte("3171010101200003"), ad)
		got, err := v.Open("v1:"+base64.RawURLEncoding.EncodeToString(raw), ad)
		if err != nil || string(got) != "3171010101200003" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})
	t.Run("Hash is HMAC-SHA256 with the match subkey over a length-prefixed kind", func(t *testing.T) {
		m := hmac.New(sha256.New, matchKey)
		m.Write([]byte{0, 0, 0, 3})
		m.Write([]byte("nik3171014708900001"))
		if got, want := v.Hash("nik", "3171014708900001"), hex.EncodeToString(m.Sum(nil)); got != want {
			t.Fatalf("Hash = %s, want %s", got, want)
		}
	})
	t.Run("KeyID is the first 8 bytes of SHA-256 of the match subkey", func(t *testing.T) {
		sum := sha256.Sum256(matchKey)
		if got, want := v.KeyID(), hex.EncodeToString(sum[:8]); got != want {
			t.Fatalf("KeyID = %s, want %s", got, want)
		}
	})
}

func TestHash(t *testing.T) {
	master := newKey(t)
	v := newVault(t, master)
	again := newVault(t, master)
	other := newVault(t, newKey(t))
	const nik = "3171014708900001"

	t.Run("is deterministic across calls and vaults of one key", func(t *testing.T) {
		h := v.Hash("nik", nik)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("Hash = %q, want 64 lower-case hex digits", h)
		}
		for range 3 {
			if got := v.Hash("nik", nik); got != h {
				t.Fatalf("Hash changed from %s to %s", h, got)
			}
		}
		if got := again.Hash("nik", nik); got != h {
			t.Fatalf("another vault of the same key: Hash = %s, want %s", got, h)
		}
	})
	t.Run("differs between kinds for the same value", func(t *testing.T) {
		if v.Hash("nik", nik) == v.Hash("kk", nik) {
			t.Fatal("nik and kk hashes of one value are equal")
		}
	})
	t.Run("does not let kind and value run into each other", func(t *testing.T) {
		if v.Hash("ni", "k"+nik) == v.Hash("nik", nik) {
			t.Fatal(`Hash("ni", "k…") == Hash("nik", "…")`)
		}
	})
	t.Run("differs between values", func(t *testing.T) {
		if v.Hash("nik", nik) == v.Hash("nik", "3171014708900002") {
			t.Fatal("two NIKs hash alike")
		}
	})
	t.Run("differs between keys", func(t *testing.T) {
		if v.Hash("nik", nik) == other.Hash("nik", nik) {
			t.Fatal("two keys hash a NIK alike")
		}
	})
	t.Run("is not disturbed by an earlier long value", func(t *testing.T) {
		want := v.Hash("nik", nik)
		long := strings.Repeat("9", 5000)
		if v.Hash("nik", long) == want {
			t.Fatal("a long value hashes like the NIK")
		}
		if got := v.Hash("nik", nik); got != want {
			t.Fatalf("after a long value, Hash = %s, want %s", got, want)
		}
	})
	t.Run("is safe for concurrent use", func(t *testing.T) {
		want := v.Hash("kk", nik)
		errc := make(chan error, 8)
		for range 8 {
			go func() {
				for range 200 {
					if got := v.Hash("kk", nik); got != want {
						errc <- fmt.Errorf("Hash = %s, want %s", got, want)
						return
					}
				}
				errc <- nil
			}()
		}
		for range 8 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestKeyIDAndCheck(t *testing.T) {
	master := newKey(t)
	v := newVault(t, master)
	other := newVault(t, newKey(t))
	if id := v.KeyID(); len(id) != 16 {
		t.Fatalf("KeyID = %q, want 16 hex digits", id)
	}
	if v.KeyID() != newVault(t, master).KeyID() {
		t.Fatal("one key gave two key IDs")
	}
	if v.KeyID() == other.KeyID() {
		t.Fatal("two keys gave one key ID")
	}
	if strings.Contains(hex.EncodeToString(master), v.KeyID()) {
		t.Fatal("KeyID is part of the key")
	}
	tests := []struct {
		name   string
		stored string
		ok     bool
	}{
		{"accepts its own key ID", v.KeyID(), true},
		{"refuses another key's ID", other.KeyID(), false},
		{"refuses an empty ID", "", false},
		{"refuses an upper-case spelling", strings.ToUpper(v.KeyID()), strings.ToUpper(v.KeyID()) == v.KeyID()},
		{"refuses a prefix", v.KeyID()[:8], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Check(tt.stored)
			if tt.ok != (err == nil) {
				t.Fatalf("Check(%q) = %v, want ok=%v", tt.stored, err, tt.ok)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("Check(%q) = %v, want ErrKeyMismatch", tt.stored, err)
			}
			if tt.stored != "" && (!strings.Contains(err.Error(), tt.stored) || !strings.Contains(err.Error(), v.KeyID())) {
				t.Errorf("Check error %q does not name both key IDs", err)
			}
		})
	}
}

func TestNewRefusesAKeyOfTheWrongLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		t.Run(fmt.Sprintf("%d bytes are refused", n), func(t *testing.T) {
			if _, err := New(make([]byte, n)); !errors.Is(err, ErrBadKey) {
				t.Fatalf("New(%d bytes) = %v, want ErrBadKey", n, err)
			}
		})
	}
}

func TestFormattingAVaultShowsNoKeyMaterial(t *testing.T) {
	master := newKey(t)
	v := newVault(t, master)
	secrets := []string{
		hex.EncodeToString(master),
		base64.StdEncoding.EncodeToString(master),
		string(master),
		fmt.Sprint(master),
	}
	encKey, _ := hkdf.Key(sha256.New, master, nil, "gotong nik encryption v1", 32)
	matchKey, _ := hkdf.Key(sha256.New, master, nil, "gotong nik match v1", 32)
	secrets = append(secrets, hex.EncodeToString(encKey), hex.EncodeToString(matchKey), fmt.Sprint(encKey), fmt.Sprint(matchKey))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		t.Run(verb+" shows only the key ID", func(t *testing.T) {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("%s of a Vault leaks key material: %q", verb, out)
				}
			}
			if verb != "%x" && !strings.Contains(out, v.KeyID()) {
				t.Errorf("%s = %q, want the key ID", verb, out)
			}
		})
	}
}

func TestAD(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
	}{
		{"moving a boundary changes the data", []string{"a", "bc"}, []string{"ab", "c"}},
		{"an empty part counts", []string{"a", ""}, []string{"a"}},
		{"order counts", []string{"1", "nik"}, []string{"nik", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(AD(tt.a...), AD(tt.b...)) {
				t.Fatalf("AD(%q) == AD(%q)", tt.a, tt.b)
			}
		})
	}
	t.Run("equal parts give equal data", func(t *testing.T) {
		if !bytes.Equal(AD("targets", "1", "nik"), AD("targets", "1", "nik")) {
			t.Fatal("AD is not deterministic")
		}
	})
}

// FuzzOpen checks that no string makes Open panic, and that anything Open accepts is
// a genuine seal of the one plaintext sealed under this key.
func FuzzOpen(f *testing.F) {
	v := newVault(f, newKey(f))
	ad := AD("targets", "1", "nik")
	const plaintext = "3171014708900001"
	good := seal(f, v, []byte(plaintext), ad)
	for _, s := range []string{good, good[:len(good)-1], "v1:", "v1", "", "v2:" + good[3:], "v1:====", "v1:" + strings.Repeat("A", 37), "v1:\n" + good[3:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := v.Open(s, ad)
		if err != nil {
			if got != nil {
				t.Fatalf("Open(%q) returned plaintext with error %v", s, err)
			}
			if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownVersion) {
				t.Fatalf("Open(%q) = %v, not one of the documented errors", s, err)
			}
			return
		}
		if string(got) != plaintext {
			t.Fatalf("Open(%q) = %q, which was never sealed", s, got)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	v := newVault(b, newKey(b))
	nik := []byte("3171014708900001")
	ad := AD("targets", "0192f3a4-5b6c-7d8e-9f01-23456789abcd", "nik")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Seal(nik, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	v := newVault(b, newKey(b))
	ad := AD("targets", "0192f3a4-5b6c-7d8e-9f01-23456789abcd", "nik")
	sealed := seal(b, v, []byte("3171014708900001"), ad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Open(sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	v := newVault(b, newKey(b))
	b.ReportAllocs()
	for b.Loop() {
		v.Hash("nik", "3171014708900001")
	}
}

func BenchmarkHashParallel(b *testing.B) {
	v := newVault(b, newKey(b))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v.Hash("nik", "3171014708900001")
		}
	})
}

func TestSubkeysAreIndependentPerPurposeAndStable(t *testing.T) {
	master := bytes.Repeat([]byte{7}, KeySize)
	v, err := New(master)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := New(master)
	a, b := v.Subkey("courier link v1"), v.Subkey("recipient code v1")
	if len(a) != KeySize || bytes.Equal(a, b) || bytes.Equal(a, v.AuditKey()) || bytes.Equal(a, master) {
		t.Fatalf("subkeys are not distinct 32-byte keys")
	}
	if !bytes.Equal(a, w.Subkey("courier link v1")) {
		t.Fatalf("a subkey changes between vaults of one master key")
	}
	defer func() {
		if recover() == nil {
			t.Fatalf("the audit chain's info string was accepted as a purpose")
		}
	}()
	v.Subkey("audit chain v1")
}
