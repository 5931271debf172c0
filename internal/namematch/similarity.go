package namematch

import (
	"strings"

	"github.com/xrash/smetrics"
)

// Decision thresholds for [Similarity] and [Compare], tuned on the labelled
// pairs in testdata/pairs.csv. TestLabelledPairs prints what they reach; on
// 478 pairs (284 same) "Same or Review" has precision 0.986 and recall
// 0.972, and "Same" precision 1.0 with recall 0.71. (Before the rules for
// Muhammad/Siti prefixes, the other readings of old spellings and gentler
// slips in five- to seven-letter words, 0.993 and 0.965: the rules trade a
// few more reviews of rhyming names for re-entries found.) The rules were tuned on
// the same pairs, so these figures flatter; 37 pairs written afterwards
// scored 36 right.
const (
	// Same is the score at and above which two names in one block
	// (same kelurahan, same birth date) are taken to be the same person and
	// the records may be merged. Pairs that rest on a guess never reach it
	// (see unsureCap): only equal names, known spelling variants, reordered
	// names and dropped name parts do.
	Same = 0.90
	// Review is the score at and above which, below Same, the pair goes to
	// the duplicate review queue.
	Review = 0.80
)

// Similarity scores how alike the names a and b are as names of one person,
// in [0, 1]; higher is more alike. It is a score to hold against [Same]
// and [Review], not a calibrated probability. Both names are normalised
// first; the result is 1 exactly when their normalised forms are equal, and
// Similarity(a, b) == Similarity(b, a). To compare one name against many,
// normalise once and call [Compare].
func Similarity(a, b string) float64 {
	return Compare(Normalize(a), Normalize(b))
}

// Scoring constants. See [Compare] and [tokenSim] for what each weighs.
const (
	// jwWeight is how far Jaro-Winkler on the whole strings can pull the
	// token score down: the final score is token × (1 − jwWeight × (1 −
	// JW)).
	jwWeight = 0.2
	// maxUnequal caps the score of two different normalised names, so that
	// 1 means equal.
	maxUnequal = 0.99
	// dropWeight is how much a token present in only one name costs,
	// relative to its length, when the other name has no unmatched token:
	// a dropped middle name is a weaker sign of a different person than a
	// replaced one.
	dropWeight = 0.5
	// minPair is the lowest token similarity that still pairs two tokens;
	// below it they count as unmatched.
	minPair = 0.5
	// orderFactor scales the token score when paired tokens appear in a
	// different order (Aminah Siti for Siti Aminah).
	orderFactor = 0.96
	// genderFactor scales the score when one name carries a male particle
	// (bin; Balinese I) and the other a female one (binti; Ni).
	genderFactor = 0.5
	// unsureCap is the highest score of two names whose pairing rests on a
	// guess: an initial, a typing slip, a token two edits away. Such pairs
	// go to review, never straight to a merge; it lies below Same.
	unsureCap = 0.89
	// lineageDrop further scales the cost of a father's name (after bin or
	// binti) that the other name leaves out: it is often omitted.
	lineageDrop = 0.5
	// joinedFactor scales the comparison of the names with their spaces
	// removed, used when they have a different number of tokens
	// (Nurhayati / Nur Hayati).
	joinedFactor = 0.97
	// prefixFactor scales the score of two names compared without a leading
	// Muhammad or Siti that only one of them has (see prefixScore).
	prefixFactor = 0.95
)

// Bounds on the work per comparison, so that a whole address pasted into a
// name cell cannot stall a block. No Indonesian name comes near them.
const (
	// maxTok is the number of tokens of each name that Compare considers.
	maxTok = 12
	// maxTokLen is the number of bytes of each token that Compare
	// considers.
	maxTokLen = 40
	// maxWhole is the number of bytes of each whole name that Jaro-Winkler
	// considers.
	maxWhole = 160
)

// Compare is [Similarity] for names that are already normalised (the output
// of [Normalize]); it does not normalise again, which makes it the one to
// use in a loop over candidates. On other input its result is still in
// [0, 1] and symmetric, but titles and spelling variants are not removed.
//
// The score combines:
//
//   - a token score: each token of one name is paired with at most one
//     token of the other, best pairs first ([tokenSim]), regardless of
//     order. The score is the weighted mean of the pair similarities, with
//     each token weighted by its length (common name parts such as
//     Muhammad, Siti or Nur weigh less: sharing them says little), and
//     unmatched tokens counted as zeros — at half weight when only one name
//     has them (a dropped middle name), in full when both do (a different
//     name). Pairs out of order cost a little ([orderFactor]); when both
//     names carry bin/binti, tokens pair only on the same side of it, so
//     that "Ahmad bin Yusuf" (Ahmad, son of Yusuf) does not match "Yusuf
//     bin Ahmad" (his father); opposite gender particles halve the score.
//   - when the token counts differ, the same token comparison on the names
//     with spaces removed, for names split or joined differently
//     (Abdulrahman / Abdul Rahman).
//   - Jaro-Winkler on the whole normalised strings, as a damper
//     ([jwWeight]): it lowers the score of names that agree token by token
//     but not in order or in detail. On its own it is a poor judge here:
//     its prefix bonus and lenient matching window give "Dewi Lestari" and
//     "Dewi Lestiani", or "Agus Santoso" and "Agus Susanto", 0.93, so it
//     never raises a score.
//
// A score that rests on a guess (an initial, a typing slip, a token two
// edits away) is capped at [unsureCap], below [Same]: such pairs are
// reviewed, never merged unseen. Only the first maxTok tokens of maxTokLen
// bytes, and maxWhole bytes of the whole name, are compared.
func Compare(a, b string) float64 {
	if a == b {
		return 1
	}
	if a == "" || b == "" {
		return 0
	}
	// One fixed order makes every step below symmetric by construction,
	// including tie-breaks in the pairing.
	if a > b {
		a, b = b, a
	}
	var bufA, bufB [maxTok]string
	ta := fields(a, bufA[:0])
	tb := fields(b, bufB[:0])
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	s, sure := tokenScore(ta, tb)
	if len(ta) != len(tb) {
		if j, jsure := joinedScore(ta, tb); j > s {
			s, sure = j, jsure
		}
	}
	if gender(ta)*gender(tb) < 0 {
		s *= genderFactor
	}
	s *= 1 - jwWeight*(1-smetrics.JaroWinkler(a[:min(len(a), maxWhole)], b[:min(len(b), maxWhole)], 0.7, 4))
	// A sure match at Same or above stands: the prefix rule only rescues
	// names the token score left short.
	if !sure || s < Same {
		if p := max(prefixScore(ta, tb, b), prefixScore(tb, ta, a)); p > s {
			s, sure = p, false
		}
	}
	if !sure && s > unsureCap {
		s = unsureCap
	}
	if s > maxUnequal {
		s = maxUnequal
	}
	if s < 0 {
		s = 0
	}
	return s
}

// prefixes are the name parts written or left out in front of a name at will:
// Muhammad (M., Moh., Mochamad … after Normalize) before a man's name and Siti
// before a woman's. Records of one person often differ by exactly that ("M.
// Sukirno" on the KTP, "Sukirno" on a list), and the weighted token score
// alone leaves "Muhammad Ali" and "Ali" just under Review because Ali is short.
var prefixes = map[string]bool{"muhammad": true, "siti": true}

// prefixScore scores ta against tb (whose whole name is b) with ta's leading
// prefix dropped, when tb does not carry that prefix anywhere; it returns 0
// otherwise. The result is prefixFactor times the score of the rest, and the
// caller treats it as a guess (capped below Same): "Muhammad Ali" and "Ali"
// are reviewed, not merged.
func prefixScore(ta, tb []string, b string) float64 {
	if len(ta) < 2 || !prefixes[ta[0]] {
		return 0
	}
	for _, t := range tb {
		if t == ta[0] {
			return 0
		}
	}
	rest := strings.Join(ta[1:], " ")
	return prefixFactor * Compare(rest, b)
}

// fields splits s at spaces into dst, keeping at most cap(dst) tokens of at
// most maxTokLen bytes each.
func fields(s string, dst []string) []string {
	for len(s) > 0 && len(dst) < cap(dst) {
		i := strings.IndexByte(s, ' ')
		var t string
		if i < 0 {
			t, s = s, ""
		} else {
			t, s = s[:i], s[i+1:]
		}
		if len(t) > maxTokLen {
			t = t[:maxTokLen]
		}
		if t != "" {
			dst = append(dst, t)
		}
	}
	return dst
}

// common name parts carry little evidence when shared and little loss when
// dropped: they are given to a large share of people (Muhammad, Siti, Nur,
// Sri) or mark birth order and rank rather than the person (Balinese Wayan,
// Made, Nyoman, Ketut, Putu, Gede; Acehnese Teuku, Cut; Javanese Raden).
// Andi, a Bugis rank, is left out: in Java it is a given name.
var common = map[string]bool{
	"muhammad": true, "ahmad": true, "siti": true, "nur": true, "nurul": true,
	"abdul": true, "sri": true, "made": true, "wayan": true, "nyoman": true,
	"ketut": true, "putu": true, "gede": true, "kadek": true, "komang": true,
	"luh": true, "teuku": true, "tengku": true, "cut": true,
	"raden": true,
}

func weight(t string) float64 {
	switch {
	case len(t) == 1 || isLineage(t) || t == "ni":
		return 1
	case common[t]:
		return 3
	}
	return float64(len(t))
}

// isLineage reports whether t is the Arabic patronymic particle "bin" (son
// of) or "binti" (daughter of).
func isLineage(t string) bool { return t == "bin" || t == "binti" }

// side places token i relative to the lineage particle at index lin:
// 0 before it (the person's own name), 1 the particle, 2 after it (the
// father's name).
func side(i, lin int) int {
	switch {
	case i < lin:
		return 0
	case i == lin:
		return 1
	}
	return 2
}

func lineageAt(t []string) int {
	for i, x := range t {
		if isLineage(x) {
			return i
		}
	}
	return -1
}

// gender returns +1 for a name marked male (bin; Balinese "I" first),
// -1 for one marked female (binti; Balinese "Ni" first), 0 otherwise.
func gender(t []string) int {
	switch {
	case t[0] == "i" && len(t) > 1:
		return 1
	case t[0] == "ni" && len(t) > 1:
		return -1
	}
	for _, x := range t {
		switch x {
		case "bin":
			return 1
		case "binti":
			return -1
		}
	}
	return 0
}

// tokenScore pairs the tokens and returns the weighted score and whether
// every pair is sure (see tokenSim).
func tokenScore(ta, tb []string) (float64, bool) {
	n, m := len(ta), len(tb)
	// Typical names fit the stack buffers; zeroing a maxTok² array on
	// every call would cost more than the comparison.
	var simBuf [36]float64
	var sureBuf [36]bool
	var sims []float64
	var sures []bool
	if n*m <= len(simBuf) {
		sims, sures = simBuf[:n*m], sureBuf[:n*m]
	} else {
		sims, sures = make([]float64, n*m), make([]bool, n*m)
	}
	linA, linB := lineageAt(ta), lineageAt(tb)
	split := linA >= 0 && linB >= 0
	for i := range n {
		for j := range m {
			if split && side(i, linA) != side(j, linB) {
				sims[i*m+j] = 0
				continue
			}
			sims[i*m+j], sures[i*m+j] = tokenSim(ta[i], tb[j])
		}
	}

	var pairBufA, pairBufB [maxTok]int
	// pairA[i] is the index in tb paired with ta[i], or -1; pairB likewise.
	pairA, pairB := pairBufA[:n], pairBufB[:m]
	for i := range pairA {
		pairA[i] = -1
	}
	for j := range pairB {
		pairB[j] = -1
	}
	for {
		bi, bj, best := -1, -1, minPair
		for i := range n {
			if pairA[i] >= 0 {
				continue
			}
			for j := range m {
				if pairB[j] >= 0 {
					continue
				}
				s := sims[i*m+j]
				if s > best || (s == best && (bi < 0 || absInt(i-j) < absInt(bi-bj))) {
					bi, bj, best = i, j, s
				}
			}
		}
		if bi < 0 {
			break
		}
		pairA[bi], pairB[bj] = bj, bi
	}

	var num, den, unA, unB float64
	inverted, sure := false, true
	lastJ := -1
	for i := range n {
		j := pairA[i]
		if j < 0 {
			unA += dropCost(ta, i, linA, linB)
			continue
		}
		w := weight(ta[i]) + weight(tb[j])
		num += w * sims[i*m+j]
		den += w
		sure = sure && sures[i*m+j]
		if j < lastJ {
			inverted = true
		}
		lastJ = j
	}
	for j := range m {
		if pairB[j] < 0 {
			unB += dropCost(tb, j, linB, linA)
		}
	}
	if unA > 0 && unB > 0 {
		den += unA + unB
	} else {
		den += dropWeight * (unA + unB)
	}
	if den == 0 {
		return 0, false
	}
	s := num / den
	if inverted {
		s *= orderFactor
	}
	return s, sure
}

// dropCost is the weight of the unmatched token t[i]: its weight, scaled by
// lineageDrop when it belongs to a lineage (bin/binti and the father's name
// at index lin and after) that the other name, with lineage index other,
// does not have.
func dropCost(t []string, i, lin, other int) float64 {
	w := weight(t[i])
	if lin >= 0 && i >= lin && other < 0 {
		w *= lineageDrop
	}
	return w
}

// joinedScore compares the names with their spaces removed.
func joinedScore(ta, tb []string) (float64, bool) {
	ja, jb := strings.Join(ta, ""), strings.Join(tb, "")
	if ja == jb {
		return joinedFactor, true
	}
	s, sure := tokenSim(ja, jb)
	return joinedFactor * s, sure
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
