package region

import (
	"errors"
	"testing"
)

func TestLabelNamesTheParents(t *testing.T) {
	s := regions(t)
	for code, want := range map[string]string{
		"31.71.01.1002": "Cideng — Gambir, Kota Administrasi Jakarta Pusat",
		"31.71.01":      "Gambir — Kota Administrasi Jakarta Pusat",
		"31.71":         "Kota Administrasi Jakarta Pusat — Daerah Khusus Ibukota Jakarta",
		"31":            "Daerah Khusus Ibukota Jakarta",
		"99.99":         "99.99",
	} {
		if got := s.Label(code); got != want {
			t.Errorf("Label(%s) = %q, want %q", code, got, want)
		}
	}
}

func TestSearchByNameAndCode(t *testing.T) {
	s := regions(t)
	codes := func(rs []Region) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Code)
		}
		return out
	}
	t.Run("a name finds the kelurahan, whatever its case", func(t *testing.T) {
		got := codes(s.Search("CIDENG", "31", 10))
		if len(got) != 1 || got[0] != "31.71.01.1002" {
			t.Fatalf("Search(CIDENG) = %v", got)
		}
	})
	t.Run("a beginning finds the kecamatan before the kelurahan of the same name", func(t *testing.T) {
		got := codes(s.Search("gamb", "31", 10))
		if len(got) < 2 || got[0] != "31.71.01" || got[1] != "31.71.01.1001" {
			t.Fatalf("Search(gamb) = %v", got)
		}
	})
	t.Run("a later word matches: Jakarta Pusat is the kota", func(t *testing.T) {
		got := codes(s.Search("jakarta pusat", "31", 10))
		if len(got) != 1 || got[0] != "31.71" {
			t.Fatalf("Search(jakarta pusat) = %v", got)
		}
	})
	t.Run("a code prefix lists regions by code", func(t *testing.T) {
		got := codes(s.Search("31.71.01.100", "", 3))
		if len(got) != 3 || got[0] != "31.71.01.1001" || got[2] != "31.71.01.1003" {
			t.Fatalf("Search(31.71.01.100) = %v", got)
		}
	})
	t.Run("outside within nothing is found", func(t *testing.T) {
		if got := s.Search("cideng", "32", 10); len(got) != 0 {
			t.Fatalf("Search(cideng, 32) = %v", got)
		}
	})
	t.Run("one letter is too little to search", func(t *testing.T) {
		if got := s.Search("c", "", 10); len(got) != 0 {
			t.Fatalf("Search(c) = %d regions", len(got))
		}
	})
}

func TestResolveReadsCodesNamesAndParents(t *testing.T) {
	s := regions(t)
	for _, c := range []struct{ text, want string }{
		{"31.71.01.1002", "31.71.01.1002"},
		{"3171011002", "31.71.01.1002"},
		{"Cideng", "31.71.01.1002"},
		{"cideng — gambir", "31.71.01.1002"},
		{"Cideng - Gambir, Jakarta Pusat", "31.71.01.1002"},
		{"Jakarta Pusat", "31.71"},
		{"Kota Administrasi Jakarta Pusat", "31.71"},
		{"Gambir — Gambir", "31.71.01.1001"},
		{"Gambir — Kota Administrasi Jakarta Pusat", "31.71.01"},
	} {
		r, err := s.Resolve(c.text, "31")
		if err != nil || r.Code != c.want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", c.text, r.Code, err, c.want)
		}
	}
	t.Run("a name of a kecamatan and its kelurahan is ambiguous and lists both", func(t *testing.T) {
		_, err := s.Resolve("Gambir", "31")
		var amb *AmbiguousError
		if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
			t.Fatalf("Resolve(Gambir) = %v", err)
		}
	})
	t.Run("unknown names and codes outside within are unknown", func(t *testing.T) {
		for _, text := range []string{"Atlantis", "32.01", "31.99", ""} {
			var unk *UnknownError
			if _, err := s.Resolve(text, "31"); !errors.As(err, &unk) {
				t.Errorf("Resolve(%q) = %v, want UnknownError", text, err)
			}
		}
	})
}

// BenchmarkSearch is one keystroke of the picker: every name of the country is
// compared, since a name can match at any word.
func BenchmarkSearch(b *testing.B) {
	s := regions(b)
	for b.Loop() {
		s.Search("ciden", "31", 20)
	}
}
