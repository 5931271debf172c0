package document

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Record is what a printed handover record or certificate states and what its
// verification page confirms: the deliver package stores it, prints Sign's
// signature into the document's verification URL, and answers
// GET /api/v1/verify/bast/ID?sig=S with Verify. It holds no personal data, so the
// public page can show all of it.
type Record struct {
	Kind         string // "bast" or "certificate"
	ID           string
	Program      string
	Organization string
	Delivered    int // allocations (recipients) delivered
	Failed       int // allocations (recipients) that failed
	IssuedAt     time.Time
}

// Record kinds.
const (
	KindBAST        = "bast"
	KindCertificate = "certificate"
)

// signDomain starts every signed message, so a signature made for a record can
// never be taken for one made by another use of the same key.
const signDomain = "gotong document record v1"

// Sign returns the record's signature: HMAC-SHA256 under key (vault.Subkey, at least
// 16 bytes) over a canonical encoding of the record, base64url without padding.
//
// Every field is written with its length in front, so no two different records
// encode alike (Program "ab" with Organization "c" is not Program "a" with "bc").
// IssuedAt counts in whole seconds, UTC: PostgreSQL keeps microseconds and SQLite
// keeps text, and the record must verify whatever database stored it.
func Sign(key []byte, r Record) string {
	return base64.RawURLEncoding.EncodeToString(mac(key, r))
}

// Verify reports whether sig is the record's signature under key. The comparison
// takes the same time wherever the signatures differ.
func Verify(key []byte, r Record, sig string) bool {
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(key, r))
}

func mac(key []byte, r Record) []byte {
	if len(key) < 16 {
		panic("document: signing key too short")
	}
	m := hmac.New(sha256.New, key)
	var b []byte
	str := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	str(signDomain)
	str(r.Kind)
	str(r.ID)
	str(r.Program)
	str(r.Organization)
	num(int64(r.Delivered))
	num(int64(r.Failed))
	num(r.IssuedAt.Unix())
	m.Write(b)
	return m.Sum(nil)
}
