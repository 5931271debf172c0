package document

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  André \t Nur'aini\n":        "André Nur'aini",
		"e\u200B\u0301":                "é", // composed once the zero-width space is gone
		"a\u202Eb\u200Bc\u2066d\u2069": "abcd",
		"=cmd|' /C calc'!A0":           "=cmd|' /C calc'!A0",
		"Ñoño \xff":                    "Ñoño ?",
		"مرحبا":                        "?????",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzClean: whatever people type, what is set on the page is valid UTF-8, on one
// line, free of control and format characters, bounded, and drawable by the font.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "André Nur'aini", "=cmd|' /C calc'!A0", "a\u202Eb\u200Bc\u2066d", "مرحبا", "\xff\xfe",
		"e\u0301", "e\u200B\u0301", "tab\tnew\nline\r\x00", "😀 emoji", "\uFEFFbom"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := clean(in)
		if !utf8.ValidString(out) {
			t.Fatalf("clean(%q) = %q is not UTF-8", in, out)
		}
		if n := utf8.RuneCountInString(out); n > maxRunes {
			t.Fatalf("clean(%q) has %d runes", in, n)
		}
		var buf sfnt.Buffer
		for _, r := range out {
			if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("clean(%q) = %q keeps %U", in, out, r)
			}
			if g, err := glyphs().GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Fatalf("clean(%q) = %q keeps %U, which the font cannot draw", in, out, r)
			}
		}
		if clean(out) != out {
			t.Fatalf("clean is not idempotent on %q", in)
		}
	})
}
