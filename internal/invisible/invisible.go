// Package invisible finds the characters in text that people cannot see: Unicode
// format characters (category Cf), such as zero-width spaces and joiners, soft
// hyphens, byte order marks and the bidirectional controls. It imports nothing of
// Gotong's, like nik and region.
//
// Text from people is cleaned with [Clean], which treats the two kinds differently:
//
//   - Zero-width and other format characters are stripped. They arrive unseen from
//     copy and paste (word processors, chat apps, web pages put them in), carry no
//     meaning in the Latin-script names and addresses Gotong holds, and the sender
//     cannot see what to fix: refusing them would reject a row for a reason nobody
//     can find. Stripped, the text is what its sender sees. Left in, "Bu\u200bdi"
//     would neither be found by a search for Budi nor be matched as his duplicate.
//   - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) are refused. They reorder how the text around them is shown,
//     so what is displayed is not what is stored: the spoof of the "Trojan Source"
//     kind, a name or an address shown backwards. Stripping them would silently show
//     something else than the sender saw; refusing says what is wrong.
//
// Identifiers (email addresses, codes, tags, phone numbers, NIKs) are checked against
// allow-lists where they are parsed, and passwords are left as they are: a password
// is compared, never shown, and changing or refusing it would lock its owner out.
package invisible

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsBidiControl reports whether r is a bidirectional embedding, override or isolate
// control (U+202A–U+202E, U+2066–U+2069): the characters that reorder what is
// around them. The bidi marks (LRM, RLM, ALM) only act as an invisible letter of a
// direction and are not counted here.
func IsBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// IsFormat reports whether r is an invisible format character (Unicode Cf).
func IsFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// Clean returns s without its format characters, and ok false, with s unchanged, when
// s holds a bidirectional control (see the package documentation for why). Every
// other byte is kept as it is, invalid UTF-8 included, for the caller to judge.
func Clean(s string) (cleaned string, ok bool) {
	if strings.IndexFunc(s, IsBidiControl) >= 0 {
		return s, false
	}
	if strings.IndexFunc(s, IsFormat) < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if !IsFormat(r) {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String(), true
}
