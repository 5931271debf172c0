package gen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Damage says how much trouble to plant in a household or person file, as
// fractions of its data rows. Exact and fuzzy duplicates are extra rows;
// damaged rows are generated rows spoilt in one field.
type Damage struct {
	// ExactDup plants the same NIK again: half of them as a verbatim copy of
	// an earlier row (same KK: the import should merge it), half as the same
	// person listed under another household's KK or address (review).
	ExactDup float64
	// FuzzyDup plants the same person re-entered: a variant name (old
	// spelling, a title added or dropped, a typo, another spelling of
	// Muhammad, swapped name order), the same birth date, sex and
	// kelurahan, and a different or missing NIK (review).
	FuzzyDup float64
	// Damaged spoils rows the way spreadsheets and hurried typing do; see
	// the Problem constants. Most must be rejected; unpadded RW/RT and a
	// leading apostrophe on the NIK must be accepted.
	Damaged float64
}

func (d Damage) validate() error {
	for _, f := range []float64{d.ExactDup, d.FuzzyDup, d.Damaged} {
		if math.IsNaN(f) || f < 0 || f > 1 {
			return fmt.Errorf("gen: damage fractions must lie in [0, 1], got %+v", d)
		}
	}
	if d.ExactDup+d.FuzzyDup+d.Damaged > 0.9 {
		return fmt.Errorf("gen: damage fractions add up to more than 0.9: %+v", d)
	}
	return nil
}

// Problems planted in damaged rows. Codes that internal/nik also reports
// carry its names.
const (
	// ProblemNIKScientific: the NIK as a spreadsheet shows a long number,
	// "3.17101E+15" (in XLSX: a number cell); the digits are lost.
	ProblemNIKScientific = "nik_scientific"
	// ProblemNIKRounded: the NIK rounded to 15 significant digits, so its
	// last digit became 0; planted only where the serial becomes 0000,
	// which no valid NIK has (so a parser that cannot know the value went
	// through a number reports nik_serial_zero).
	ProblemNIKRounded = "nik_rounded"
	// ProblemBadDate: a birth date that does not exist, such as 31/02/1980.
	ProblemBadDate = "date_invalid"
	// ProblemUnknownKelurahan: a kelurahan code or name that is not in the
	// region data.
	ProblemUnknownKelurahan = "unknown_kelurahan"
	// ProblemMissingField: a required field (Plant.Column) left empty.
	ProblemMissingField = "missing_field"
	// ProblemBadPhone: a phone number that is not one.
	ProblemBadPhone = "bad_phone"
	// ProblemUnpaddedRWRT: RW and RT written without leading zeros ("5"
	// for "005"). Valid: the row must be accepted.
	ProblemUnpaddedRWRT = "rw_rt_unpadded"
	// ProblemNIKApostrophe: the NIK with the leading apostrophe a
	// spreadsheet user types to keep it text. Valid: the row must be
	// accepted.
	ProblemNIKApostrophe = "nik_apostrophe"
)

var problems = []string{ProblemNIKScientific, ProblemNIKRounded, ProblemBadDate, ProblemUnknownKelurahan,
	ProblemMissingField, ProblemBadPhone, ProblemUnpaddedRWRT, ProblemNIKApostrophe}

// Planted row types.
const (
	TypeExactDup = "exact_dup"
	TypeFuzzyDup = "fuzzy_dup"
	TypeDamaged  = "damaged"
)

// Expected import outcomes of planted rows.
const (
	ExpectMerged   = "merged"
	ExpectReview   = "review"
	ExpectRejected = "rejected"
	ExpectAccepted = "accepted"
)

// Plant describes one planted row.
type Plant struct {
	Line int    `json:"line"` // line in the file; the header is line 1
	Type string `json:"type"` // exact_dup, fuzzy_dup or damaged
	// ExactDupOf and FuzzyDupOf give the line of the original row.
	ExactDupOf int `json:"exact_dup_of,omitempty"`
	FuzzyDupOf int `json:"fuzzy_dup_of,omitempty"`
	// Damaged is the problem code of a damaged row, Column the column spoilt.
	Damaged string `json:"damaged,omitempty"`
	Column  string `json:"column,omitempty"`
	// Variant says how a duplicate differs: same_kk or other_kk (exact,
	// households), same_address or other_address (exact, persons);
	// old_spelling, title, typo, muhammad or swap (fuzzy), with "+nik_missing"
	// or "+nik_other" appended.
	Variant string `json:"variant,omitempty"`
	// Expect is the outcome a correct import gives the row: merged, review,
	// rejected or accepted.
	Expect string `json:"expect"`
}

// Truth records what a generated file holds, so that a benchmark can
// compute recall and precision of duplicate detection and validation.
type Truth struct {
	Kind      string  `json:"kind"`
	Seed      int64   `json:"seed"`
	Rows      int     `json:"rows"` // data rows, header excluded
	ExactDups int     `json:"exact_dups"`
	FuzzyDups int     `json:"fuzzy_dups"`
	Damaged   int     `json:"damaged"`
	Planted   []Plant `json:"planted"`
}

func (t *Truth) add(p Plant) {
	switch p.Type {
	case TypeExactDup:
		t.ExactDups++
	case TypeFuzzyDup:
		t.FuzzyDups++
	case TypeDamaged:
		t.Damaged++
	}
	t.Planted = append(t.Planted, p)
}

// ---- fuzzy name variants ----

// oldSpellings pairs today's spelling with the pre-1972 one (Ejaan Van
// Ophuijsen / Soewandi) that many older records keep.
var oldSpellings = [][2]string{{"kh", "ch"}, {"sy", "sj"}, {"c", "tj"}, {"j", "dj"}, {"y", "j"}, {"u", "oe"}}

// fuzzName returns a variant of n (title-case parts) that a person could be
// re-entered under, and the kind of variant. It never returns a name equal
// to n when case is ignored.
func fuzzName(r *rng, n nameParts, male, muslim bool, ageYears int) (nameParts, string) {
	kinds := []string{"old_spelling", "title", "typo", "muhammad", "swap"}
	start := r.intn(len(kinds))
	for i := range kinds {
		kind := kinds[(start+i)%len(kinds)]
		v, ok := n, false
		switch kind {
		case "old_spelling":
			v.core, ok = respell(r, n.core)
		case "title":
			v, ok = retitle(r, n, male, muslim, ageYears)
		case "typo":
			v.core, ok = typo(r, n.core)
		case "muhammad":
			v.core, ok = remuhammad(r, n.core, male, muslim)
		case "swap":
			v.core, ok = swapOrder(n.core)
		}
		if ok && !strings.EqualFold(v.String(), n.String()) {
			return v, kind
		}
	}
	// Every name has a letter to double.
	v := n
	v.core = n.core + string(n.core[len(n.core)-1])
	return v, "typo"
}

// respell turns one word to the old spelling, or an old-spelt word back.
func respell(r *rng, core string) (string, bool) {
	words := strings.Fields(core)
	type cand struct {
		w        int
		from, to string
	}
	var cands []cand
	for i, w := range words {
		lw := strings.ToLower(w)
		for _, p := range oldSpellings {
			switch {
			case strings.Contains(lw, p[1]) && p[1] != "j":
				cands = append(cands, cand{i, p[1], p[0]})
			case strings.Contains(lw, p[0]):
				cands = append(cands, cand{i, p[0], p[1]})
			}
		}
	}
	if len(cands) == 0 {
		return core, false
	}
	c := cands[r.intn(len(cands))]
	lw := strings.ReplaceAll(strings.ToLower(words[c.w]), c.from, c.to)
	words[c.w] = capitalize(lw)
	return strings.Join(words, " "), true
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// retitle drops a title the name has, or adds one it could have.
func retitle(r *rng, n nameParts, male, muslim bool, ageYears int) (nameParts, bool) {
	switch {
	case n.suffix != "":
		n.suffix = ""
	case n.prefix != "":
		n.prefix = ""
	case muslim && ageYears >= 35 && male:
		n.prefix = "H. "
	case muslim && ageYears >= 35:
		n.prefix = "Hj. "
	case ageYears >= 23 && male:
		n.suffix = ", " + pick(r, degreesMale)
	case ageYears >= 23:
		n.suffix = ", " + pick(r, degreesFemale)
	default:
		return n, false
	}
	return n, true
}

// typo makes one slip of the keyboard in a word of four letters or more,
// never in its first letter.
func typo(r *rng, core string) (string, bool) {
	words := strings.Fields(core)
	var long []int
	for i, w := range words {
		if len(w) >= 4 && isASCIIWord(w) {
			long = append(long, i)
		}
	}
	if len(long) == 0 {
		return core, false
	}
	wi := long[r.intn(len(long))]
	w := []byte(words[wi])
	i := 1 + r.intn(len(w)-2)
	switch r.intn(4) {
	case 0: // swap two letters
		if w[i] == w[i+1] {
			w = append(w[:i+1], w[i:]...)
		} else {
			w[i], w[i+1] = w[i+1], w[i]
		}
	case 1: // drop a letter
		w = append(w[:i], w[i+1:]...)
	case 2: // double a letter
		w = append(w[:i+1], w[i:]...)
	default: // a vowel heard differently
		swap := map[byte]byte{'a': 'e', 'e': 'i', 'i': 'e', 'o': 'u', 'u': 'o'}
		if s, ok := swap[w[i]]; ok {
			w[i] = s
		} else {
			w = append(w[:i+1], w[i:]...)
		}
	}
	words[wi] = string(w)
	return strings.Join(words, " "), true
}

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// remuhammad spells Muhammad differently, adds it, or drops it; for women
// it adds or drops Siti.
func remuhammad(r *rng, core string, male, muslim bool) (string, bool) {
	if !muslim {
		return core, false
	}
	if !male {
		if s, ok := strings.CutPrefix(core, "Siti "); ok {
			return s, true
		}
		return "Siti " + core, true
	}
	for _, f := range muhammadForms {
		if rest, ok := strings.CutPrefix(core, f.s+" "); ok {
			if r.chance(250) {
				return rest, true
			}
			for {
				if g := muhammad(r); g != f.s {
					return g + " " + rest, true
				}
			}
		}
	}
	return muhammad(r) + " " + core, true
}

// swapOrder moves the last word to the front: "Agus Setiawan" becomes
// "Setiawan Agus".
func swapOrder(core string) (string, bool) {
	words := strings.Fields(core)
	if len(words) < 2 {
		return core, false
	}
	out := append([]string{words[len(words)-1]}, words[:len(words)-1]...)
	return strings.Join(out, " "), true
}

// ---- damaged values ----

// scientific writes a NIK as a spreadsheet shows a long number in a
// General cell: six significant digits, "3.17101E+15".
func scientific(nik string) (string, float64) {
	v, _ := strconv.ParseFloat(nik, 64)
	s := strconv.FormatFloat(v/1e15, 'f', 5, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "E+15", round15(nik)
}

// round15 is the number a spreadsheet keeps of a 16-digit NIK: 15
// significant digits.
func round15(nik string) float64 {
	n, _ := strconv.ParseInt(nik, 10, 64)
	return float64((n + 5) / 10 * 10)
}

// badDate returns a date that does not exist, in year y.
func badDate(r *rng, layout string, y int) string {
	type dm struct{ d, m int }
	choices := []dm{{31, 2}, {30, 2}, {31, 4}, {31, 6}, {31, 9}, {31, 11}, {0, 5}, {15, 13}, {32, 1}}
	if y%4 != 0 {
		choices = append(choices, dm{29, 2})
	}
	c := choices[r.intn(len(choices))]
	return string(formatDate(nil, layout, y, c.m, c.d))
}

var badPhones = []string{"08l2-3456-789O", "12345", "-", "tidak ada", "0812345678901234567", "+1 555 0100",
	"0000000000", "62", "0812 xxxx xxxx", "081-2"}
