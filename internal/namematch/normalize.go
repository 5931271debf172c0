// Package namematch turns Indonesian personal names into a canonical,
// comparable form and scores how likely two names denote the same person.
//
// The registry de-duplicates people in two steps: exactly by NIK, and
// fuzzily by name inside a block of records that share a kelurahan and a
// birth date. Inside such a block the realistic confusions are few and
// specific: the same person written with or without titles, in the pre-1972
// spelling, with "M." for Muhammad, with a typo, with a middle name dropped;
// against that, twins and siblings whose names differ by one gendered
// suffix (Putra/Putri, Yanto/Yanti, Kurniawan/Kurniawati), by a rhyming
// first letter (Budi/Rudi) or by the bin/binti lineage. [Normalize] removes
// the first kind of difference; [Similarity] scores what is left, and the
// thresholds [Same] and [Review] turn the score into a decision.
//
// Every rule below is a trade: it unifies real variants at the price of
// possibly unifying two different names. Each one says why it is worth it.
package namematch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the canonical comparable form of a personal name: lower
// case ASCII where the input had Latin letters, single spaces between
// tokens, no punctuation, no titles, and the spelling variants listed below
// folded together. It is idempotent (Normalize(Normalize(x)) ==
// Normalize(x)), always returns valid UTF-8, and returns "" only when the
// input holds no letter or digit at all.
//
// The steps, in order:
//
//  1. Unicode folding: NFKD decomposition, combining marks dropped (é → e,
//     fullwidth and ligature forms → ASCII), lower case, and a few letters
//     without a decomposition transliterated (ø → o, ß → ss, æ → ae).
//     Invisible format characters (Unicode Cf: zero-width spaces and
//     joiners, soft hyphens, bidi marks, overrides and isolates) are dropped
//     without a trace, so "Bu\u200bdi" is budi: they arrive unseen from copy
//     and paste, or are put there to make two names look alike, and are never
//     part of the name.
//  2. Punctuation: apostrophes join (Nur'aini → nuraini, Ma'ruf → maruf:
//     the apostrophe stands for a glottal stop that is as often omitted);
//     a hyphen after an Arabic article joins (Az-Zahra as Azzahra); other
//     hyphens, slashes, brackets and symbols separate (Siti-Aminah → siti
//     aminah). Dots and commas are kept until titles are removed,
//     because they tell abbreviations and trailing degrees apart from names.
//  3. Titles: see [isHonorific] and [isDegree]. Honorifics (H., Hj., Dr.,
//     Bapak, Ibu, Alm. …) are dropped wherever they stand; the bare letter
//     "H" only before the first name word, because later in a name it is
//     more likely an initial (Agus H. Santoso). Academic degrees (S.E.,
//     M.M., S.Kom. …) are dropped after the first name word when they carry
//     dots or follow a comma ("Budi Santoso, S.E., M.M." → "budi santoso"),
//     and three-letter-or-longer degrees also when written bare at the end of
//     a name of at least two further words ("Agus Salim SKom"). A degree in
//     first position is kept: "St. Aminah" is Siti Aminah, not a Sarjana
//     Teknik. If nothing but honorifics is left ("Pak Haji"), they are kept
//     so that the name is not lost.
//  4. Spelling, per word: see [canonWord].
func Normalize(name string) string {
	folded := fold(name)
	chunks := splitChunks(folded)

	out := make([]string, 0, 6)
	raws := make([]string, 0, 6)
	var titles []string
	seen := false // a name word has been kept
	for i := 0; i < len(chunks); i++ {
		c := chunks[i]
		if seen && (c.dotted || c.afterComma) {
			if isDegree(c.key) {
				continue
			}
			// "S. E." and "M. Si." written with a space inside.
			if i+1 < len(chunks) && c.dotted && chunks[i+1].dotted &&
				len(c.key) <= 2 && len(chunks[i+1].key) <= 3 &&
				isDegree(c.key+chunks[i+1].key) {
				i++
				continue
			}
		}
		c.words(func(w string) {
			m := canonWord(w, !seen)
			if isHonorific(w) || isHonorific(m) || (!seen && (w == "h" || m == "h")) {
				titles = append(titles, w)
				return
			}
			out = append(out, m)
			raws = append(raws, w)
			seen = true
		})
	}
	for len(out) >= 3 && (isBareDegree(raws[len(raws)-1]) || isBareDegree(out[len(out)-1])) {
		out, raws = out[:len(out)-1], raws[:len(raws)-1]
	}
	if len(out) == 0 {
		out = titles
	}
	return strings.Join(out, " ")
}

// fold performs steps 1 and 2 of [Normalize]: the result holds only lower
// case letters and digits, single spaces, dots and commas.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		// Apostrophe look-alikes go before decomposition: NFKD turns the
		// acute accent U+00B4 into a space plus a combining mark.
		s = strings.Map(func(r rune) rune {
			if isApostrophe(r) {
				return -1
			}
			return r
		}, s)
		s = norm.NFKD.String(s)
	}
	f := folder{space: true}
	f.b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				f.put(c + 'a' - 'A')
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == ',':
				f.put(c)
			case c == '\'' || c == '`':
			case c == '-' && arabicArticle(f.b.String()[f.word:]):
			default:
				f.put(' ')
			}
			continue
		}
		if unicode.IsMark(r) || isApostrophe(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		r = unicode.ToLower(r)
		if t, ok := translit[r]; ok {
			for i := 0; i < len(t); i++ {
				f.put(t[i])
			}
			continue
		}
		if r < utf8.RuneSelf {
			// A non-ASCII capital whose lower case is ASCII.
			f.put(byte(r))
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			f.b.WriteRune(r)
			f.space = false
			continue
		}
		f.put(' ')
	}
	return strings.TrimRight(f.b.String(), " ")
}

// folder accumulates fold's output.
type folder struct {
	b     strings.Builder
	space bool // the last byte written is a space, or nothing is written
	word  int  // where the current word starts in b
}

func (f *folder) put(c byte) {
	switch c {
	case ' ':
		if !f.space {
			f.b.WriteByte(' ')
		}
		f.space = true
		f.word = f.b.Len()
		return
	case '.', ',':
		f.b.WriteByte(c)
		f.word = f.b.Len()
	default:
		f.b.WriteByte(c)
	}
	f.space = false
}

// arabicArticle reports whether word is an Arabic article, so that a hyphen
// after it joins: Az-Zahra → azzahra, Al-Fatih → alfatih, as the names are
// just as often written without it. Any other hyphen separates.
func arabicArticle(word string) bool {
	switch word {
	case "al", "el", "an", "ar", "as", "asy", "at", "az", "ad", "adz", "ash", "ats":
		return true
	}
	return false
}

// translit covers lower-case letters that NFKD leaves alone but that have an
// obvious Latin reading, so that a name typed on a foreign keyboard still
// compares.
var translit = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'æ': "ae",
	'œ': "oe", 'ß': "ss", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŀ': "l",
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u00b4', '\u2018', '\u2019', '\u201b', '\u02b9', '\u02bb',
		'\u02bc', '\u02bd', '\u2032', '\uff07':
		return true
	}
	return false
}

// chunk is a run of the folded name between spaces and commas, such as
// "s.kom." or "budi".
type chunk struct {
	text       string // the chunk as folded: "s.kom."
	key        string // the chunk without dots: "skom"
	dotted     bool   // the chunk contains a dot
	afterComma bool   // a comma came before the chunk
}

// words calls fn for each part of the chunk between dots: "s", "kom".
func (c chunk) words(fn func(string)) {
	if !c.dotted {
		fn(c.text)
		return
	}
	for _, w := range strings.Split(c.text, ".") {
		if w != "" {
			fn(w)
		}
	}
}

func splitChunks(s string) []chunk {
	chunks := make([]chunk, 0, 8)
	comma := false
	for len(s) > 0 {
		i := strings.IndexAny(s, " ,")
		var part string
		if i < 0 {
			part, s = s, ""
		} else {
			part, s = s[:i], s[i:]
		}
		if part != "" {
			c := chunk{text: part, key: part, afterComma: comma}
			if strings.IndexByte(part, '.') >= 0 {
				c.dotted = true
				c.key = strings.ReplaceAll(part, ".", "")
			}
			if c.key != "" {
				chunks = append(chunks, c)
			}
		}
		if len(s) > 0 {
			if s[0] == ',' {
				comma = true
			}
			s = s[1:]
		}
	}
	return chunks
}
