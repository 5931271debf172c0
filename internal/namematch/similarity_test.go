package namematch

import (
	"strings"
	"testing"
	"time"
)

// decision names the band a score falls in.
func decision(s float64) string {
	switch {
	case s >= Same:
		return "same"
	case s >= Review:
		return "review"
	}
	return "distinct"
}

func TestSimilarityDecisions(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       string // same, review or distinct
	}{
		{"titles and degrees do not matter", "Drs. H. Mulyadi, M.Si.", "Mulyadi", "same"},
		{"old spelling matches new", "Soejono Prawiro", "Suyono Prawiro", "same"},
		{"Muhammad forms match", "Moch. Ilham", "Muhammad Ilham", "same"},
		{"M. for Muhammad matches", "M. Rizki", "Muhammad Rizki", "same"},
		{"a spelling variant is merged", "Arif Rahman", "Arip Rahman", "same"},
		{"a Batak surname written first is merged", "Simanjuntak Hotman", "Hotman Simanjuntak", "same"},
		{"a dropped middle name is merged", "Agus Budi Santoso", "Agus Santoso", "same"},
		{"a dropped father's name is merged", "Siti Aminah binti Hasan", "Siti Aminah", "same"},
		{"names split differently are merged", "Nurhayati", "Nur Hayati", "same"},
		{"a typo in a long name is reviewed", "Bambang Pamungkas", "Bambang Pamungas", "review"},
		{"a transposition is reviewed", "Agus Setiawan", "Agus Setiawna", "review"},
		{"an initial is reviewed", "A. Rizki Ramadhan", "Ahmad Rizki Ramadhan", "review"},
		{"a dropped middle name after Muhammad is reviewed", "Muhammad Rizki Pratama", "Muhammad Pratama", "review"},
		{"siblings with a rhyming first letter are distinct", "Budi Hartono", "Rudi Hartono", "distinct"},
		{"siblings two letters apart are distinct", "Dewi Lestari", "Dewi Lestiani", "distinct"},
		{"Santoso and Susanto are distinct", "Agus Santoso", "Agus Susanto", "distinct"},
		{"gendered twins are distinct", "Putra Pratama", "Putri Pratama", "distinct"},
		{"-wan and -wati are distinct", "Dian Kurniawan", "Dian Kurniawati", "distinct"},
		{"Hidayat and Hidayah are distinct", "Nur Hidayat", "Nur Hidayah", "distinct"},
		{"a short name one vowel apart is distinct", "Tuti Alawiyah", "Titi Alawiyah", "distinct"},
		{"father and son by bin are distinct", "Ahmad bin Yusuf", "Yusuf bin Ahmad", "distinct"},
		{"brother and sister by I and Ni are distinct", "I Made Suarta", "Ni Made Suarta", "distinct"},
		{"sharing Muhammad alone is distinct", "Muhammad Rizki", "Muhammad Fajar", "distinct"},
		{"a lone Muhammad is distinct", "Muhammad Rizki", "Muhammad", "distinct"},
		// Rules for the variants a registry re-entry shows (issue 3's recall).
		{"Muhammad added in front of a short name is reviewed", "Muhammad Ali", "Ali", "review"},
		{"M. added in front of a name is reviewed", "M. Sukirno", "Sukirno", "review"},
		{"Siti added in front of a name is reviewed", "Siti Ayu", "Ayu", "review"},
		{"Siti dropped before a two-word name is reviewed", "Siti Zahra Amalia", "Zahra Amalia", "review"},
		{"Muhammad dropped does not rescue another name", "Muhammad Ali", "Ari", "distinct"},
		{"Siti dropped does not pair a sister", "Siti Ayu", "Ayi", "distinct"},
		{"a doubled letter in Chandra is still Chandra", "Kevin Channdra", "Kevin Chandra", "same"},
		{"old tj read as t + y is reviewed", "Aditja Rahman", "Aditya Rahman", "review"},
		{"old dj read as d + y is reviewed", "Widjaningsih", "Widyaningsih", "review"},
		{"old j for y without a marker is reviewed", "Jojoh", "Yoyoh", "review"},
		{"a transposition in a five-letter name is reviewed", "Ziadn Hakim", "Zidan Hakim", "review"},
		{"a vowel heard as e in a long name is reviewed", "Muhammad Hemdan", "Muhammad Hamdan", "review"},
		{"a dropped consonant in a six-letter name is reviewed", "Henra Wijaya", "Hendra Wijaya", "review"},
		{"a vowel heard as e in a short name is distinct", "Rendi", "Randi", "distinct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Similarity(tt.a, tt.b)
			if got := decision(s); got != tt.want {
				t.Errorf("Similarity(%q, %q) = %.3f (%s), want %s", tt.a, tt.b, s, got, tt.want)
			}
		})
	}
}

func TestSimilarityOrdering(t *testing.T) {
	tests := []struct {
		name          string
		better, worse [2]string
	}{
		{"an exact match beats a dropped middle name",
			[2]string{"Muhammad Rizki Pratama", "Muhammad Rizki Pratama"},
			[2]string{"Muhammad Rizki Pratama", "Muhammad Pratama"}},
		{"one typo beats two",
			[2]string{"Dewi Lestari", "Dewi Lestri"},
			[2]string{"Dewi Lestari", "Dewi Lestiani"}},
		{"a long token forgives a slip more than a short one",
			[2]string{"Agus Setiawan", "Agus Setiawna"},
			[2]string{"Agus Setiawan", "Agsu Setiawan"}},
		{"the same order beats a swapped one",
			[2]string{"Siti Aminah", "Siti Aminah"},
			[2]string{"Siti Aminah", "Aminah Siti"}},
		{"a matching initial beats a different one",
			[2]string{"A. Rizki", "Ahmad Rizki"},
			[2]string{"B. Rizki", "Ahmad Rizki"}},
		{"a dropped common name costs less than a dropped rare one",
			[2]string{"Muhammad Rizki Pratama", "Rizki Pratama"},
			[2]string{"Muhammad Rizki Pratama", "Muhammad Rizki"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Similarity(tt.better[0], tt.better[1])
			w := Similarity(tt.worse[0], tt.worse[1])
			if !(b > w) {
				t.Errorf("Similarity%q = %.3f, want more than Similarity%q = %.3f", tt.better, b, tt.worse, w)
			}
		})
	}
}

func TestSimilarityProperties(t *testing.T) {
	pairs := loadPairs(t)
	t.Run("it is symmetric on every labelled pair", func(t *testing.T) {
		for _, p := range pairs {
			if ab, ba := Similarity(p.a, p.b), Similarity(p.b, p.a); ab != ba {
				t.Errorf("Similarity(%q, %q) = %v, reversed %v", p.a, p.b, ab, ba)
			}
		}
	})
	t.Run("it is 1 exactly when the normalised names are equal", func(t *testing.T) {
		for _, p := range pairs {
			s := Similarity(p.a, p.b)
			if equal := Normalize(p.a) == Normalize(p.b); (s == 1) != equal {
				t.Errorf("Similarity(%q, %q) = %v; normalised %q, %q", p.a, p.b, s, Normalize(p.a), Normalize(p.b))
			}
			if s < 0 || s > 1 {
				t.Errorf("Similarity(%q, %q) = %v, outside [0, 1]", p.a, p.b, s)
			}
		}
	})
	t.Run("Compare on normalised names equals Similarity", func(t *testing.T) {
		for _, p := range pairs {
			if s, c := Similarity(p.a, p.b), Compare(Normalize(p.a), Normalize(p.b)); s != c {
				t.Errorf("Similarity(%q, %q) = %v but Compare = %v", p.a, p.b, s, c)
			}
		}
	})
	t.Run("an empty name matches nothing but another empty name", func(t *testing.T) {
		if s := Similarity("", "Budi"); s != 0 {
			t.Errorf("Similarity(\"\", Budi) = %v, want 0", s)
		}
		if s := Similarity("--", ""); s != 1 {
			t.Errorf("Similarity(--, \"\") = %v, want 1 (both normalise to \"\")", s)
		}
	})
	t.Run("a huge input is compared in bounded time", func(t *testing.T) {
		// A whole address pasted into a name cell: Compare looks at a
		// bounded prefix, so it stays far below a second even under -race.
		long := Normalize(strings.Repeat("Budi Santoso ", 20000))
		other := Normalize(strings.Repeat("Budi Susanto ", 20000))
		start := time.Now()
		s := Compare(long, other)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Compare of two %d-byte names took %v", len(long), d)
		}
		if s < 0 || s >= 1 {
			t.Errorf("Compare of two long different names = %v, want in [0, 1)", s)
		}
	})
}
