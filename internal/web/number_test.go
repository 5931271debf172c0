package web

import (
	"strconv"
	"testing"
)

func TestParseWhole(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"50000", 50000, true},
		{"50.000", 50000, true},
		{"Rp200.000", 200000, true},
		{"Rp 200.000", 200000, true},
		{"rp. 200.000,-", 200000, true},
		{"Rp200.000,00", 200000, true},
		{"1.250", 1250, true},
		{"1.000.000", 1000000, true},
		{" 7 ", 7, true},
		{"0", 0, true},
		{"-3", -3, true},
		{"", 0, false},
		{"Rp", 0, false},
		{"1.25", 0, false},
		{"1,250", 0, false},
		{"1.2500", 0, false},
		{"1000.000", 0, false},
		{".500", 0, false},
		{"500.", 0, false},
		{"12a", 0, false},
		{"+5", 0, false},
		{"99999999999999999999", 0, false},
	} {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			got, err := parseWhole(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Fatalf("parseWhole(%q) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
			}
		})
	}
}

// FuzzParseWhole checks that whatever parseWhole accepts, it reads back from the
// Indonesian way of writing the number, and that it never panics.
func FuzzParseWhole(f *testing.F) {
	for _, s := range []string{"50.000", "Rp200.000,-", "1.25", "-0", "Rp 1.000.000,00", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseWhole(s)
		if err != nil {
			return
		}
		v := view{Lang: "id"}
		again, err := parseWhole(v.N(n))
		if err != nil || again != n {
			t.Fatalf("parseWhole(%q) = %d, but its Indonesian form %q reads as %d, %v", s, n, v.N(n), again, err)
		}
	})
}
