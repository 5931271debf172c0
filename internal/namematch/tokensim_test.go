package namematch

import (
	"math/rand/v2"
	"testing"
)

// osaDistance is the plain optimal string alignment distance, as a
// reference for the banded osaAtMost2.
func osaDistance(x, y string) int {
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

func TestOSAAtMost2MatchesTheFullDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = "abdeiknrstu"[r.IntN(11)]
		}
		return string(b)
	}
	// Random words over a small alphabet, and each one with a few random
	// edits, so that distances 0 to 4 all occur.
	for range 20000 {
		x := word()
		y := []byte(x)
		for range r.IntN(4) {
			switch p := r.IntN(len(y) + 1); r.IntN(4) {
			case 0:
				y = append(y[:p], append([]byte{"abdeiknrstu"[r.IntN(11)]}, y[p:]...)...)
			case 1:
				if p < len(y) {
					y = append(y[:p], y[p+1:]...)
				}
			case 2:
				if p < len(y) {
					y[p] = "abdeiknrstu"[r.IntN(11)]
				}
			case 3:
				if p+1 < len(y) {
					y[p], y[p+1] = y[p+1], y[p]
				}
			}
		}
		for _, pair := range [][2]string{{x, string(y)}, {x, word()}} {
			want := osaDistance(pair[0], pair[1]) <= 2
			if got := osaAtMost2(pair[0], pair[1]); got != want {
				t.Fatalf("osaAtMost2(%q, %q) = %v, distance %d", pair[0], pair[1], got, osaDistance(pair[0], pair[1]))
			}
		}
	}
}

func TestOneEditClassifiesTheEdit(t *testing.T) {
	tests := []struct {
		name, x, y string
		kind       editKind
		ok         bool
	}{
		{"a final devoiced consonant is a variant", "rahmad", "rahmat", variant, true},
		{"an h dropped is a variant", "fatimah", "fatima", variant, true},
		{"a glide is a variant", "kurnia", "kurniya", variant, true},
		{"a neighbouring key is a slip", "gunawan", "gunawam", slip, true},
		{"a swapped pair is a slip", "setiawan", "setiawna", slip, true},
		{"a first letter is a slip", "budi", "rudi", slip, true},
		{"two edits are not one", "lestari", "lestiani", slip, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, kind, ok := oneEdit(tt.x, tt.y)
			if ok != tt.ok || (ok && kind != tt.kind) {
				t.Errorf("oneEdit(%q, %q) = kind %v, ok %v; want %v, %v", tt.x, tt.y, kind, ok, tt.kind, tt.ok)
			}
		})
	}
}

func TestAdjacentKeys(t *testing.T) {
	tests := []struct {
		a, b byte
		want bool
	}{
		{'n', 'm', true}, {'u', 'j', true}, {'u', 'i', true}, {'d', 's', true},
		{'a', 'z', true}, {'j', 'y', false}, {'a', 'l', false}, {'q', 'p', false},
		{'n', 'b', true}, {'i', '9', false},
	}
	for _, tt := range tests {
		if got := adjacentKeys(tt.a, tt.b); got != tt.want {
			t.Errorf("adjacentKeys(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := adjacentKeys(tt.b, tt.a); got != tt.want {
			t.Errorf("adjacentKeys(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
