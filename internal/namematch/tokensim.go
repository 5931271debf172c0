package namematch

import (
	"strings"

	"github.com/xrash/smetrics"
)

// Token similarity. The idea: a difference that is a known spelling
// variant (a dropped h, d for t, Sundanese p for f, a glide written or not)
// scores high whatever the length of the token; a slip of the hand (a
// neighbouring key, a swapped pair, a dropped letter) scores high only in a
// long token, because in a short one the same slip usually makes another
// real name (Tuti/Titi, Adi/Ari, Doni/Dani), and inside a block the other
// person is then a twin or a sibling with a rhyming name.
const (
	// initialSim scores an initial against a name starting with it
	// ("A." for Ahmad): likely, not certain.
	initialSim = 0.85
	// genderedSim scores two tokens that differ only in a gendered ending
	// (Putra/Putri, Yanto/Yanti, Kurniawan/Kurniawati, Hidayat/Hidayah,
	// Wahyudi/Wahyuni): the commonest way twins are named.
	genderedSim = 0.3

	// Spelling variants, scaled by variantLength.
	subPhonetic      = 0.9  // t/d, p/b, f/p, k/g, s/z, j/y …: Rahmad/Rahmat, Arif/Arip
	subFirstPhonetic = 0.75 // f/p, f/v, z/j, z/s, c/k, j/y first: Fitri/Pitri, Zakaria/Jakaria
	subFinalAO       = 0.9  // final o for a, the Javanese spelling: Santoso/Santosa, Bimo/Bima
	indelH           = 0.9  // h or kh for h: Fatimah/Fatima, Shinta/Sinta, Khasanah/Hasanah
	indelGlide       = 0.9  // y beside i or s, w beside u: Kurnia/Kurniya, Saiful/Syaiful
	oldSpellingSim   = 0.9  // the other reading of an old tj, dj or j: Aditja/Aditya (see oldSpellingKey)

	// Slips, scaled by slipLength.
	subAdjacentKey  = 0.9  // neighbouring key on a QWERTY keyboard
	subVowelVariant = 0.9  // a/o, o/u, e/i inside: Rohmat/Rahmat, Mohtar/Muhtar
	subOther        = 0.6  // any other letter: Rizki/Rifki are two names
	subFirst        = 0.5  // first letter replaced: Budi/Rudi, Dani/Rani
	swapFirst       = 0.6  // the first two letters swapped
	swapOther       = 0.95 // two neighbouring letters swapped: Aminha
	indelFirst      = 0.5  // a letter added in front: Andri/Randri
	indelFinalVowel = 0.6  // a vowel appended: Dian/Diana, Yuli/Yulia (often another name)
	indelVowel      = 0.9  // a vowel dropped inside: Lestri for Lestari
	indelConsonant  = 0.85 // a consonant dropped inside: Pamungas for Pamungkas

	// farFactor2 scales Jaro-Winkler (and slipLength) for tokens two edits
	// apart; Jaro-Winkler alone gives Lestari/Lestiani 0.89. Tokens three
	// or more edits apart score 0.
	farFactor2 = 0.65
)

// editKind says how a one-edit difference is to be scaled by length.
type editKind int

const (
	variant      editKind = iota // a spelling variant: see variantLength
	firstVariant                 // a variant in the first letter: scaled as one, but a guess
	slip                         // a typing or hearing slip: see slipLength
)

// tokenSim scores two tokens of normalised names in [0, 1]. sure is false
// when the score rests on a guess (an initial, a slip, two or more edits)
// rather than on equality or a known spelling variant; Compare keeps such
// pairs below Same.
func tokenSim(x, y string) (sim float64, sure bool) {
	if x == y {
		return 1, true
	}
	lx, ly := len(x), len(y)
	if lx == 1 || ly == 1 {
		if (lx == 1 && ly > 1 && y[0] == x[0]) || (ly == 1 && lx > 1 && x[0] == y[0]) {
			return initialSim, false
		}
		return 0, false
	}
	if isLineage(x) || isLineage(y) {
		return 0, false
	}
	if gendered(x, y) {
		return genderedSim, false
	}
	n := max(lx, ly)
	// The other reading of an old spelling, unless one edit already makes a
	// sure variant of it (Hidajat/Hidayat).
	var old float64
	if oldSpellingKey(x) == oldSpellingKey(y) {
		old = oldSpellingSim * variantLength(n)
	}
	if s, kind, ok := oneEdit(x, y); ok {
		switch kind {
		case variant:
			return s * variantLength(n), true
		case firstVariant:
			return max(s*variantLength(n), old), false
		}
		return max(s*slipLength(n), old), false
	}
	if old > 0 {
		return old, false
	}
	if !osaAtMost2(x, y) {
		// Three or more edits: unrelated for pairing (farFactor3 times
		// Jaro-Winkler would stay below minPair anyway).
		return 0, false
	}
	return smetrics.JaroWinkler(x, y, 0.7, 4) * slipLength(n) * farFactor2, false
}

// oldSpellingKey folds the readings of the old spelling that Normalize cannot
// choose between. The old "tj" is today's c (Tjipto → Cipto), but also t + y
// (Aditja → Aditya, Setjowati → Setyowati); "dj" is j (Djoko → Joko) but also
// d + y (Widjaningsih → Widyaningsih); and a bare old j is y (Jojoh → Yoyoh,
// Aju → Ayu) in words with no other marker, where it cannot be told from a
// modern j (Joko, Juli). Normalize takes the commoner reading; tokenSim
// accepts the other one, as a guess (oldSpellingSim).
func oldSpellingKey(w string) string {
	if !strings.ContainsAny(w, "jcy") {
		return w
	}
	w = strings.ReplaceAll(w, "ty", "c")
	w = strings.ReplaceAll(w, "dy", "j")
	return strings.ReplaceAll(w, "j", "y")
}

// variantLength shrinks spelling-variant scores only for very short tokens
// (Li/Lie, Oei/Oey), where any change is a large part of the name.
func variantLength(n int) float64 {
	switch {
	case n <= 2:
		return 0.5
	case n == 3:
		return 0.75
	case n == 4:
		return 0.9
	}
	return 1
}

// slipLength shrinks slip scores by the length n of the longer token: one
// letter of four makes another name more often than a typo (Tuti/Titi),
// one of nine rarely does.
func slipLength(n int) float64 {
	switch {
	case n <= 4:
		return 0.4
	case n == 5:
		return 0.7
	case n == 6:
		return 0.85
	case n == 7:
		return 0.92
	}
	return 1
}

// gendered reports whether x and y differ only by a gendered ending:
// a final i against a final a or o (Putra/Putri, Yanto/Yanti, Rina/Rini),
// or the suffix pairs -wan/-wati, -t/-h (Hidayat/Hidayah, Rahmat/Rahmah)
// and -di/-ni (Wahyudi/Wahyuni, Mulyadi/Mulyani). A final a against o is
// not gendered: it is the Javanese and Sundanese spelling of one name
// (Santoso/Santosa, Sutrisno/Sutrisna).
func gendered(x, y string) bool {
	// Every rule needs a shared stem of at least two letters.
	if len(x) < 3 || len(y) < 3 || x[0] != y[0] || x[1] != y[1] {
		return false
	}
	if len(x) == len(y) && len(x) >= 3 && x[:len(x)-1] == y[:len(y)-1] {
		a, b := x[len(x)-1], y[len(y)-1]
		if (a == 'i' && (b == 'a' || b == 'o')) || (b == 'i' && (a == 'a' || a == 'o')) {
			return true
		}
	}
	return suffixPair(x, y, "wan", "wati") || suffixPair(x, y, "t", "h") ||
		suffixPair(x, y, "di", "ni")
}

// suffixPair reports whether x and y are one stem (at least three letters)
// with the endings m and f, in either order.
func suffixPair(x, y, m, f string) bool {
	match := func(a, b string) bool {
		if len(a) < len(m)+3 || len(b) < len(f)+3 {
			return false
		}
		return a[len(a)-len(m):] == m && b[len(b)-len(f):] == f &&
			a[:len(a)-len(m)] == b[:len(b)-len(f)]
	}
	return match(x, y) || match(y, x)
}

// oneEdit scores x and y when they are exactly one edit apart (a
// substitution, an adjacent transposition, an insertion or a deletion) and
// reports whether they are.
func oneEdit(x, y string) (float64, editKind, bool) {
	lx, ly := len(x), len(y)
	switch {
	case lx == ly:
		p := 0
		for p < lx && x[p] == y[p] {
			p++
		}
		if x[p+1:] == y[p+1:] {
			s, kind := substitution(x[p], y[p], p, p == lx-1, lx >= 6)
			return s, kind, true
		}
		if p+1 < lx && x[p] == y[p+1] && x[p+1] == y[p] && x[p+2:] == y[p+2:] {
			if p == 0 {
				return swapFirst, slip, true
			}
			return swapOther, slip, true
		}
	case lx == ly+1:
		return indel(x, y)
	case ly == lx+1:
		return indel(y, x)
	}
	return 0, slip, false
}

func substitution(a, b byte, p int, last, long bool) (float64, editKind) {
	switch {
	case p == 0 && pairIn(a, b, "fp", "fv", "vp", "zj", "zs", "ck", "jy"):
		// Only spelling habits reach the first letter: Sundanese p for f,
		// Arabic z, old j. Devoicing (t/d, p/b) is a word-final habit, and
		// Dedi/Tedi are two names.
		return subFirstPhonetic, firstVariant
	case p == 0:
		return subFirst, slip
	case phonetic(a, b):
		return subPhonetic, variant
	case last && pairIn(a, b, "ao"):
		return subFinalAO, variant
	case adjacentKeys(a, b):
		return subAdjacentKey, slip
	case vowelVariant(a, b), long && pairIn(a, b, "ae"):
		// a/e only in a long word: in a short one it makes another name
		// (Rendi/Randi, Dani/Deni), in a long one it is a slip or the
		// schwa written either way (Hamdan/Hemdan, Mulyani/Mulyeni).
		return subVowelVariant, slip
	}
	return subOther, slip
}

// indel scores long, which is short with one letter inserted, or reports
// false.
func indel(long, short string) (float64, editKind, bool) {
	p := 0
	for p < len(short) && long[p] == short[p] {
		p++
	}
	if long[p+1:] != short[p:] {
		return 0, slip, false
	}
	c := long[p]
	var before, after byte
	if p > 0 {
		before = long[p-1]
	}
	if p+1 < len(long) {
		after = long[p+1]
	}
	switch {
	case c == 'h', c == 'k' && after == 'h':
		return indelH, variant, true
	case c == 'y' && (before == 'i' || before == 's' || after == 'i'),
		c == 'i' && (before == 'y' || after == 'y'),
		c == 'w' && (before == 'u' || after == 'u'),
		c == 'u' && (before == 'w' || after == 'w'):
		return indelGlide, variant, true
	case p == 0:
		return indelFirst, slip, true
	case p == len(long)-1 && isVowel(c):
		return indelFinalVowel, slip, true
	case isVowel(c):
		return indelVowel, slip, true
	}
	return indelConsonant, slip, true
}

func vowelVariant(a, b byte) bool {
	return pairIn(a, b, "ao", "ou", "ei")
}

// phonetic pairs are letters that Indonesian names write interchangeably:
// final devoicing (Rahmad/Rahmat, Ayub/Ayup), Sundanese p for f
// (Arif/Arip), old j for y (Hidajat/Hidayat), Arabic z written j or s
// (Zakaria/Jakaria), y for i (Yanti/Ianti is rare, Dayat/Daiat not;
// kept because both spellings appear in old records).
func phonetic(a, b byte) bool {
	return pairIn(a, b, "td", "pb", "fp", "fv", "vp", "kg", "sz", "jz", "jy", "yi", "ck")
}

func pairIn(a, b byte, pairs ...string) bool {
	for _, p := range pairs {
		if (a == p[0] && b == p[1]) || (a == p[1] && b == p[0]) {
			return true
		}
	}
	return false
}

// keyboard rows of a QWERTY keyboard, each shifted against the one above as
// on a real keyboard (by a quarter and three quarters of a key).
var keyboard = [3]struct {
	keys  string
	shift float64
}{{"qwertyuiop", 0}, {"asdfghjkl", 0.25}, {"zxcvbnm", 0.75}}

func keyPos(c byte) (row int, x float64, ok bool) {
	for r, k := range keyboard {
		for i := 0; i < len(k.keys); i++ {
			if k.keys[i] == c {
				return r, float64(i) + k.shift, true
			}
		}
	}
	return 0, 0, false
}

// adjacentKeys reports whether a and b touch on a QWERTY keyboard.
func adjacentKeys(a, b byte) bool {
	ra, xa, oka := keyPos(a)
	rb, xb, okb := keyPos(b)
	if !oka || !okb {
		return false
	}
	dx := xa - xb
	if dx < 0 {
		dx = -dx
	}
	switch ra - rb {
	case 0:
		return dx == 1
	case 1, -1:
		return dx < 1
	}
	return false
}

// osaAtMost2 reports whether x and y are at most two edits apart in the
// optimal string alignment distance (Levenshtein with adjacent
// transpositions). Only the band of cells within two of the diagonal can
// hold a distance of two or less, so only it is computed, with distances
// capped at 3, and the scan stops when a whole band row exceeds two.
func osaAtMost2(x, y string) bool {
	if d := len(x) - len(y); d > 2 || d < -2 {
		return false
	}
	const far = 3
	const stack = maxTokLen + 1
	var b0, b1, b2 [stack]uint8
	var prev2, prev, cur []uint8
	if len(y) < stack {
		prev2, prev, cur = b0[:len(y)+1], b1[:len(y)+1], b2[:len(y)+1]
	} else {
		prev2, prev, cur = make([]uint8, len(y)+1), make([]uint8, len(y)+1), make([]uint8, len(y)+1)
	}
	for j := range prev {
		prev[j] = uint8(min(j, far))
		prev2[j], cur[j] = far, far
	}
	for i := 1; i <= len(x); i++ {
		lo, hi := max(1, i-2), min(len(y), i+2)
		cur[0] = uint8(min(i, far))
		if lo > 1 {
			cur[lo-1] = far // stale from the row three back
		}
		rowMin := uint8(far)
		if lo == 1 {
			rowMin = cur[0]
		}
		for j := lo; j <= hi; j++ {
			var cost uint8 = 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			v = min(v, far)
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if hi < len(y) {
			cur[hi+1] = far // stale from the row three back
		}
		if rowMin > 2 {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)] <= 2
}
