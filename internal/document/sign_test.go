package document_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/document"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func record() document.Record {
	return document.Record{Kind: "bast", ID: "run-7f3a", Program: "Bantuan Pangan", Organization: "Yayasan Çipta",
		Delivered: 990, Failed: 10, IssuedAt: issued}
}

func TestSignVerify(t *testing.T) {
	r := record()
	sig := document.Sign(key, r)
	if !document.Verify(key, r, sig) {
		t.Fatal("a record's own signature is refused")
	}
	if strings.ContainsAny(sig, "+/=") || len(sig) != 43 {
		t.Errorf("signature %q is not 32 bytes of unpadded base64url", sig)
	}

	changed := map[string]func(*document.Record){
		"kind":         func(r *document.Record) { r.Kind = "certificate" },
		"id":           func(r *document.Record) { r.ID = "run-7f3b" },
		"program":      func(r *document.Record) { r.Program += " " },
		"organization": func(r *document.Record) { r.Organization = "Yayasan Cipta" },
		"delivered":    func(r *document.Record) { r.Delivered++ },
		"failed":       func(r *document.Record) { r.Failed-- },
		"issued at":    func(r *document.Record) { r.IssuedAt = r.IssuedAt.Add(time.Second) },
	}
	for field, change := range changed {
		t.Run("a changed "+field+" is refused", func(t *testing.T) {
			c := record()
			change(&c)
			if document.Verify(key, c, sig) {
				t.Errorf("record with changed %s verifies", field)
			}
		})
	}

	t.Run("a changed or malformed signature is refused", func(t *testing.T) {
		// Each character is swapped for its neighbour in the alphabet (the lowest of
		// its six bits flipped): in the last character that bit is padding, which a
		// lax decoder would ignore.
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		b := []byte(sig)
		for i := range b {
			c := slices.Clone(b)
			c[i] = alphabet[strings.IndexByte(alphabet, c[i])^1]
			if document.Verify(key, r, string(c)) {
				t.Fatalf("signature changed at %d verifies", i)
			}
		}
		for _, bad := range []string{"", sig[:42], sig + "A", sig + "==", "!" + sig[1:], strings.ToUpper(sig)} {
			if document.Verify(key, r, bad) {
				t.Errorf("signature %q verifies", bad)
			}
		}
	})

	t.Run("another key's signature is refused", func(t *testing.T) {
		other := []byte("fedcba9876543210fedcba9876543210")
		if document.Verify(other, r, sig) {
			t.Error("verifies under another key")
		}
	})

	t.Run("fields cannot be shifted into each other", func(t *testing.T) {
		a, b := record(), record()
		a.Program, a.Organization = "ab", "c"
		b.Program, b.Organization = "a", "bc"
		if document.Sign(key, a) == document.Sign(key, b) {
			t.Error(`Program "ab" + Organization "c" signs like "a" + "bc"`)
		}
		a, b = record(), record()
		a.ID, a.Program = "", "x"
		b.ID, b.Program = "x", ""
		if document.Sign(key, a) == document.Sign(key, b) {
			t.Error("an empty field signs like its neighbour")
		}
	})

	t.Run("the time counts in seconds, whatever zone or precision the database returns", func(t *testing.T) {
		c := record()
		c.IssuedAt = issued.Add(123456789 * time.Nanosecond).In(document.WIB)
		if !document.Verify(key, c, sig) {
			t.Error("the same second in WIB with nanoseconds does not verify")
		}
	})

	t.Run("a short key is refused", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Sign took an 8-byte key")
			}
		}()
		document.Sign([]byte("short!!!"), r)
	})
}

func TestIndonesian(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{document.FormatDate(issued), "3 Desember 2026"},
		{document.FormatDate(time.Date(2026, 1, 31, 18, 0, 0, 0, time.UTC)), "1 Februari 2026"}, // 01.00 WIB the next day
		{document.FormatDateTime(issued), "3 Desember 2026 pukul 15.30 WIB"},
		{document.FormatTime(time.Date(2026, 8, 17, 2, 5, 0, 0, time.UTC)), "09.05 WIB"},
		{document.FormatNumber(0), "0"},
		{document.FormatNumber(999), "999"},
		{document.FormatNumber(1000), "1.000"},
		{document.FormatNumber(1234567), "1.234.567"},
		{document.FormatNumber(-12500), "-12.500"},
		{document.ProofText("photo"), "Foto"},
		{document.FormatWeekday(issued), "Kamis"},
		{document.FormatWeekday(time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)), "Minggu"}, // 00.00 WIB on the 6th
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, reason := range allocate.FailReasons {
		if got := document.FailReasonText(reason); got == reason || got == "" {
			t.Errorf("failure reason %q has no Indonesian text", reason)
		}
	}
}

// The deliver package signs what the record states, prints the signature in the
// verification URL, and checks a URL's signature against the stored record.
func ExampleSign() {
	key := []byte("a 32-byte key from vault.Subkey!")
	doc := document.BASTDoc{ID: "run-1", Program: "Bantuan Pangan", Organization: "Yayasan Peduli",
		IssuedAt: time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC),
		Rows:     []document.BASTRow{{Status: "delivered"}, {Status: "delivered"}, {Status: "failed"}}}
	rec := doc.Record()
	sig := document.Sign(key, rec)
	doc.VerifyURL = "https://gotong.example/verify/bast/" + rec.ID + "?sig=" + sig
	// … document.BAST(w, doc); store rec; later, GET /api/v1/verify/bast/run-1?sig=…:
	fmt.Println(document.Verify(key, rec, sig), rec.Delivered, rec.Failed)
	rec.Delivered = 3
	fmt.Println(document.Verify(key, rec, sig))
	// Output:
	// true 2 1
	// false
}
