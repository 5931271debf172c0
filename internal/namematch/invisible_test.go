package namematch

import "testing"

// TestNormalizeIgnoresInvisibleCharacters: zero-width and other format characters
// (Unicode Cf) arrive unseen from copy and paste; bidi controls are used to spoof how
// a name is shown. Neither is part of the name: "Bu\u200bdi" is Budi, not "bu di"
// with the "bu" dropped as the title Ibu.
func TestNormalizeIgnoresInvisibleCharacters(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a zero-width space inside a word", "Bu\u200bdi Santoso", "budi santoso"},
		{"a zero-width joiner and non-joiner", "Bu\u200ddi San\u200ctoso", "budi santoso"},
		{"a word joiner", "Si\u2060ti Aminah", "siti aminah"},
		{"a soft hyphen", "Su\u00adparman", "suparman"},
		{"a byte order mark in the middle", "Budi\ufeffSantoso", "budisantoso"},
		{"left-to-right and right-to-left marks", "Bu\u200edi San\u200ftoso", "budi santoso"},
		{"a right-to-left override", "Bu\u202edi Santoso\u202c", "budi santoso"},
		{"bidi isolates", "Bu\u2067di\u2069 San\u2066toso\u2069", "budi santoso"},
		{"a Mongolian vowel separator", "Bu\u180edi", "budi"},
		{"a tag character", "Bu\U000E0041di", "budi"},
		{"only invisible characters", "\u200b\u200d\u202e", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if s := Similarity("Bu\u200bdi Santoso", "Budi Santoso"); s != 1 {
		t.Errorf("Similarity with a zero-width space = %v, want 1", s)
	}
}
