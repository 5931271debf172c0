package invisible

import "testing"

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain text stays", "Budi Santoso", "Budi Santoso", true},
		{"non-Latin text stays", "Yayasan Ümit 慈善 🙏", "Yayasan Ümit 慈善 🙏", true},
		{"a zero-width space is stripped", "Bu\u200bdi", "Budi", true},
		{"joiners, word joiner, soft hyphen and BOM are stripped", "\ufeffSu\u00adpar\u200dman\u2060 \u200cSiti", "Suparman Siti", true},
		{"bidi marks are stripped", "Budi\u200e \u200fSantoso\u061c", "Budi Santoso", true},
		{"tag characters are stripped", "Budi\U000E0041", "Budi", true},
		{"a right-to-left override is refused", "Budi \u202eosotnaS", "Budi \u202eosotnaS", false},
		{"an embedding is refused", "\u202aBudi\u202c", "\u202aBudi\u202c", false},
		{"invalid UTF-8 is kept for the caller to judge", "Bu\u200bdi\xff", "Budi\xff", true},
		{"an isolate is refused", "Budi \u2067Santoso\u2069", "Budi \u2067Santoso\u2069", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Clean(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Clean(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
