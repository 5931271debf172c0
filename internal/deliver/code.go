// Package deliver takes an allocation from the collaborator's hands to the
// recipient's door: delivery runs, couriers without accounts, proof of delivery,
// failures and handover records (DESIGN.md §1, "delivery").
package deliver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// CodeDigits is the length of a recipient code: eight digits, typed on a phone's
// number pad by a courier at the door. With at most five wrong codes an hour per
// allocation, guessing one takes on the order of a million hours.
const CodeDigits = 8

// Codes gives each allocation its recipient code. A code is a keyed hash of the
// allocation's id (HMAC-SHA256 under a key of its own, vault.Subkey), so it is
// unguessable without the key, needs no row of its own (a claim of 10,000
// allocations writes nothing more for them), and is the same whenever it is asked
// for: in the recipient's message, in the office's list for the RW head, and when
// the courier types it. It is never stored and never sent to a collaborator or a
// courier.
type Codes struct{ key []byte }

// NewCodes returns the codes under key (32 bytes from vault.Subkey("recipient code v1")).
func NewCodes(key []byte) Codes {
	if len(key) < 16 {
		panic("deliver: recipient code key too short")
	}
	return Codes{key: key}
}

// For returns the allocation's code, CodeDigits decimal digits.
func (c Codes) For(allocationID string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(allocationID))
	sum := m.Sum(nil)
	// 64 bits reduced modulo 10^8: the bias is below 10^-10, far under what a guess
	// could use.
	n := binary.BigEndian.Uint64(sum[:8]) % 100_000_000
	return fmt.Sprintf("%0*d", CodeDigits, n)
}

// Check reports whether code, as a person typed it (spaces and dashes allowed), is
// the allocation's code. The comparison takes the same time wherever it differs.
func (c Codes) Check(allocationID, code string) bool {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	return hmac.Equal([]byte(code), []byte(c.For(allocationID)))
}

// Format shows a code as a person reads it aloud: "1234 5678".
func Format(code string) string {
	if len(code) != CodeDigits {
		return code
	}
	return code[:4] + " " + code[4:]
}
