package vault

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRotationOpensEitherKeyAndSealsWithTheNext(t *testing.T) {
	oldKey, nextKey := newKey(t), newKey(t)
	v := newVault(t, oldKey)
	ad := AD("members", "7", "nik")
	before := seal(t, v, []byte("3171014708900001"), ad)
	oldHash, oldID := v.Hash("nik", "3171014708900001"), v.KeyID()

	if err := v.BeginRotation(nextKey); err != nil {
		t.Fatal(err)
	}
	if err := v.BeginRotation(nextKey); err != nil {
		t.Fatalf("beginning the same rotation again: %v", err)
	}
	if err := v.BeginRotation(newKey(t)); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("a second, different rotation during one: %v, want ErrKeyMismatch", err)
	}
	onlyNext := newVault(t, nextKey)
	if v.KeyID() != onlyNext.KeyID() || v.KeyID() == oldID {
		t.Fatalf("KeyID during the rotation is %q, want the next key's %q", v.KeyID(), onlyNext.KeyID())
	}
	if r, ok := v.Rotating(); !ok || r != oldID {
		t.Fatalf("Rotating() = %q, %v; want %q, true", r, ok, oldID)
	}
	for _, id := range []string{oldID, onlyNext.KeyID()} {
		if err := v.Check(id); err != nil {
			t.Fatalf("Check(%q) during the rotation: %v", id, err)
		}
	}

	// Values sealed before open; new ones are sealed with the next key only.
	if got, err := v.Open(before, ad); err != nil || string(got) != "3171014708900001" {
		t.Fatalf("Open of an old value: %q, %v", got, err)
	}
	after := seal(t, v, []byte("3171014708900002"), ad)
	// Reseal moves an old value to the next key and leaves a new one as it is.
	plain, moved, err := v.Reseal(before, ad)
	if err != nil || string(plain) != "3171014708900001" || moved == before {
		t.Fatalf("Reseal of an old value: %q, %v (unchanged: %v)", plain, err, moved == before)
	}
	if got, err := onlyNext.Open(moved, ad); err != nil || string(got) != "3171014708900001" {
		t.Fatalf("a resealed value does not open with the next key alone: %v", err)
	}
	if _, same, err := v.Reseal(after, ad); err != nil || same != after {
		t.Fatalf("Reseal of a value already under the next key rewrote it (%v)", err)
	}
	if _, _, err := v.Reseal(before, AD("members", "8", "nik")); !errors.Is(err, ErrAuth) {
		t.Fatalf("Reseal with another row's associated data: %v, want ErrAuth", err)
	}
	if got, err := onlyNext.Open(after, ad); err != nil || string(got) != "3171014708900002" {
		t.Fatalf("a value sealed during the rotation does not open with the next key alone: %q, %v", got, err)
	}
	if _, err := newVault(t, oldKey).Open(after, ad); !errors.Is(err, ErrAuth) {
		t.Fatalf("a value sealed during the rotation opens with the old key: %v", err)
	}
	if _, err := v.Open(after, AD("members", "8", "nik")); !errors.Is(err, ErrAuth) {
		t.Fatalf("another row's associated data: %v, want ErrAuth under both keys", err)
	}

	// Hashes are written under the next key and looked up under both.
	newHash := onlyNext.Hash("nik", "3171014708900001")
	if got := v.Hash("nik", "3171014708900001"); got != newHash {
		t.Fatalf("Hash during the rotation is not the next key's")
	}
	if got := v.Hashes("nik", "3171014708900001"); !slices.Equal(got, []string{newHash, oldHash}) {
		t.Fatalf("Hashes = %v, want [next, old]", got)
	}

	v.FinishRotation()
	if _, ok := v.Rotating(); ok {
		t.Fatal("still rotating after FinishRotation")
	}
	if _, err := v.Open(before, ad); !errors.Is(err, ErrAuth) {
		t.Fatalf("an old value opens after the rotation finished: %v", err)
	}
	if err := v.Check(oldID); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("Check of the retired key's ID: %v, want ErrKeyMismatch", err)
	}
	if got := v.Hashes("nik", "3171014708900001"); !slices.Equal(got, []string{newHash}) {
		t.Fatalf("Hashes after the rotation = %v, want only the new hash", got)
	}
}

func TestRotationKeepsTheRootKey(t *testing.T) {
	oldKey := newKey(t)
	v := newVault(t, oldKey)
	audit, codes := v.AuditKey(), v.Subkey("recipient code v1")
	if err := v.BeginRotation(newKey(t)); err != nil {
		t.Fatal(err)
	}
	v.FinishRotation()
	if !bytes.Equal(v.AuditKey(), audit) || !bytes.Equal(v.Subkey("recipient code v1"), codes) {
		t.Fatal("a data key rotation changed the audit key or a subkey")
	}
	// The key file of the rotated vault gives the same vault back.
	again, err := fromText(v.DataKeyText())
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID() != v.KeyID() || !bytes.Equal(again.AuditKey(), audit) {
		t.Fatal("the rotated key file does not load as the same vault")
	}
	if strings.Count(string(v.DataKeyText()), "\n") != 2 || !strings.Contains(string(v.DataKeyText()), "\nroot ") {
		t.Fatal("the rotated key file lacks its root line")
	}
	if fmt := newVault(t, oldKey).DataKeyText(); strings.Contains(string(fmt), "root") {
		t.Fatal("a first key's file has a root line")
	}
}

func TestNextKeyFileLoadAndRetire(t *testing.T) {
	dir := t.TempDir()
	v, _ := load(t, dir, noEnv) // generates gotong.key
	oldID := v.KeyID()
	id, err := NewNextKey(v, dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := NewNextKey(v, dir)
	if err != nil || again != id {
		t.Fatalf("a resumed rotation made another next key: %q, %v; want %q", again, err, id)
	}
	info, err := os.Stat(filepath.Join(dir, NextKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("next key file: %v, %v", info, err)
	}

	// A second server of the deployment picks the rotation up.
	other, _ := load(t, dir, noEnv)
	if err := LoadNext(other, dir, "0123456789abcdef", noEnv); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("LoadNext with another expected ID: %v, want ErrKeyMismatch", err)
	}
	if err := LoadNext(other, dir, id, noEnv); err != nil {
		t.Fatal(err)
	}
	if other.KeyID() != id {
		t.Fatalf("after LoadNext KeyID is %q, want %q", other.KeyID(), id)
	}
	if err := LoadNext(newVault(t, newKey(t)), dir, id, noEnv); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("LoadNext into another deployment's vault: %v, want ErrKeyMismatch", err)
	}
	if err := LoadNext(other, t.TempDir(), id, noEnv); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadNext without a next key: %v, want fs.ErrNotExist", err)
	}

	retired, err := RetireKeyFile(dir, "2026-12-05")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(retired) != "gotong.key.retired-2026-12-05" {
		t.Fatalf("retired as %s", retired)
	}
	if _, err := os.Stat(filepath.Join(dir, NextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the next key file is still there: %v", err)
	}
	now, src := load(t, dir, noEnv)
	if src != SourceDataDir || now.KeyID() != id {
		t.Fatalf("after retiring, gotong.key is key %q (%s), want %q", now.KeyID(), src, id)
	}
	if !bytes.Equal(now.AuditKey(), v.AuditKey()) {
		t.Fatal("the new key file has another root key")
	}
	old, err := loadKeyFile(retired)
	if err != nil || old.KeyID() != oldID {
		t.Fatalf("the retired file is not the old key: %v", err)
	}
}

func TestBlockedVaultRefusesToSealUntilTheRotationReachesIt(t *testing.T) {
	v := newVault(t, newKey(t))
	ad := AD("members", "1", "nik")
	old := seal(t, v, []byte("x"), ad)
	blocked := errors.New("a rotation is under way and this server lacks its next key")
	v.Block(blocked)
	if _, err := v.Seal([]byte("y"), ad); !errors.Is(err, blocked) {
		t.Fatalf("Seal of a blocked vault: %v", err)
	}
	if got, err := v.Open(old, ad); err != nil || string(got) != "x" {
		t.Fatalf("Open of a blocked vault: %v", err)
	}
	next := newKey(t)
	if err := v.BeginRotation(next); err != nil {
		t.Fatal(err)
	}
	s, err := v.Seal([]byte("y"), ad)
	if err != nil {
		t.Fatalf("Seal once the rotation reached the vault: %v", err)
	}
	if got, err := newVault(t, next).Open(s, ad); err != nil || string(got) != "y" {
		t.Fatalf("not sealed with the next key: %v", err)
	}
}
