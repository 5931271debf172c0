package namematch

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are awkward inputs beside the names of the labelled set.
var fuzzSeeds = []string{
	"", " ", ".", ",", "-", "'", "H.", "Hj. ", "Pak Haji", "Ny.", "M.", "M. H.",
	"S.E.", "Budi, S.E., M.M.", "Budi S. E. Santoso", "Djdj", "ddj", "Tjhin",
	"oeoe", "Chch", "kh", "ae", "Ｍｕｈａｍｍａｄ", "İbrahim", "ǅemal",
	"Nur\u00b4aini", "Az-Zahra", "al-", "-al", "\xff\xfe", "a\u0301\u0301",
	"李明", "Ахмад", "ß", "ﬁtri", "x", "Xx", "Yy", "st", "St. St.",
	"bin binti bin", "I Ni", "Ni", "m m m m m m m m m m m m m m",
	"Bu\u200bdi", "\u202eBudi\u202c", "Su\u00adparman", "\ufeffSiti", "Az\u200d-Zahra",
	"Nur\u200b'aini", "H\u2060. Ahmad", "a\u200b\u0301", "\u2067\u2069",
}

// invisibles are format characters (Unicode Cf) that FuzzNormalize slips into names.
var invisibles = []rune{'\u200b', '\u200c', '\u200d', '\u200e', '\u00ad', '\u2060', '\ufeff',
	'\u202a', '\u202e', '\u2066', '\u2069', '\u061c', '\U000E0020'}

func addSeeds(f *testing.F, pairs bool) {
	for _, s := range fuzzSeeds {
		if pairs {
			f.Add(s, "Muhammad Rizki")
		} else {
			f.Add(s)
		}
	}
}

// FuzzNormalize checks that Normalize never panics, returns valid UTF-8
// without leading, trailing or double spaces or format characters, is
// idempotent, and does not see an invisible character slipped in anywhere.
func FuzzNormalize(f *testing.F) {
	addSeeds(f, false)
	for _, n := range benchNames {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if i := strings.IndexFunc(n, func(r rune) bool { return unicode.Is(unicode.Cf, r) }); i >= 0 {
			t.Fatalf("Normalize(%q) = %q: keeps a format character", s, n)
		}
		// One invisible character at one rune boundary, both chosen by the input.
		var cuts []int
		for i := range s {
			cuts = append(cuts, i)
		}
		cuts = append(cuts, len(s))
		at := cuts[len(s)%len(cuts)]
		r := invisibles[len(s)%len(invisibles)]
		if with := s[:at] + string(r) + s[at:]; Normalize(with) != n {
			t.Fatalf("Normalize(%q) = %q but Normalize(%q) = %q", s, n, with, Normalize(with))
		}
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: not valid UTF-8", s, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: stray spaces", s, n)
		}
		if nn := Normalize(n); nn != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, nn)
		}
	})
}

// FuzzSimilarity checks that Similarity is symmetric, in [0, 1], 1 for
// identical input, and 1 only when the normalised names are equal.
func FuzzSimilarity(f *testing.F) {
	addSeeds(f, true)
	for i := 0; i+1 < len(benchNames); i += 2 {
		f.Add(benchNames[i], benchNames[i+1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := Similarity(a, b), Similarity(b, a)
		if ab != ba {
			t.Fatalf("Similarity(%q, %q) = %v but reversed %v", a, b, ab, ba)
		}
		if !(ab >= 0 && ab <= 1) {
			t.Fatalf("Similarity(%q, %q) = %v, outside [0, 1]", a, b, ab)
		}
		if s := Similarity(a, a); s != 1 {
			t.Fatalf("Similarity(%q, itself) = %v, want 1", a, s)
		}
		if equal := Normalize(a) == Normalize(b); (ab == 1) != equal {
			t.Fatalf("Similarity(%q, %q) = %v; normalised %q and %q", a, b, ab, Normalize(a), Normalize(b))
		}
	})
}
