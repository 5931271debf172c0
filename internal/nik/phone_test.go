package nik

import (
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	good := map[string]string{
		"081234567890":       "+6281234567890",
		"0812-3456-7890":     "+6281234567890",
		"+62 812 3456 7890":  "+6281234567890",
		"6281234567890":      "+6281234567890",
		"'081234567890":      "+6281234567890",
		"(021) 3822-255":     "+62213822255",
		" 0812.3456.789 ":    "+628123456789",
		"+62 (21) 5555 1234": "+622155551234",
	}
	for in, want := range good {
		t.Run("accepts "+in, func(t *testing.T) {
			got, err := Phone(in)
			if err != nil || got != want {
				t.Fatalf("Phone(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
	bad := []string{"", "12345", "+1 555 123 4567", "0812345", "08123456789012345", "0812abc4567", "00812345678", "+", "0812+34567890", "620"}
	for _, in := range bad {
		t.Run("refuses "+in, func(t *testing.T) {
			if got, err := Phone(in); err == nil {
				t.Fatalf("Phone(%q) = %q, want an error", in, got)
			}
		})
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"081234567890", "+62 812 3456 7890", "'0812", "62", "+", "(021) 555"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Phone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "+62") || len(got) < 11 || len(got) > 16 {
			t.Fatalf("Phone(%q) = %q: not +62 followed by 8-13 digits", s, got)
		}
		again, err := Phone(got)
		if err != nil || again != got {
			t.Fatalf("Phone is not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
