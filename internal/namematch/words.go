package namematch

import "strings"

// canonWord returns the canonical spelling of one folded word. leading says
// whether the word comes before any other kept name word, where a bare "m"
// is Muhammad and "st" is Siti; elsewhere "m" is any initial and "st" may be
// a degree.
//
// It applies [respell] and the dictionaries [oldJ] and [variants] until
// nothing changes, so that the result is a fixed point and [Normalize] is
// idempotent even when one rule produces the input of another (Djusuf → jusuf
// → yusuf).
func canonWord(w string, leading bool) string {
	for range 16 {
		x := w
		if v, ok := oldJ[x]; ok {
			x = v
		}
		x = respell(x)
		if v, ok := variants[x]; ok {
			x = v
		}
		if x == w {
			break
		}
		w = x
	}
	if leading {
		switch w {
		case "m":
			return "muhammad"
		case "st":
			return "siti"
		}
	}
	return w
}

// oldJ lists common names spelled with the pre-1972 "j" for today's "y" that
// carry no other old-spelling marker, so that [respell] cannot tell them
// from modern names with a real "j" (Joko, Jaka, Juanda). The list is
// deliberately short: a missing entry costs a fuzzy match (Jusuf/Yusuf still
// scores as a one-letter variant), a wrong entry would merge two names.
var oldJ = map[string]string{
	"jusuf": "yusuf", "jusup": "yusup", "jahja": "yahya", "jahya": "yahya",
	"jakub": "yakub", "jakup": "yakup", "jani": "yani", "jono": "yono",
	"joga": "yoga", "jasin": "yasin", "junus": "yunus", "jazid": "yazid",
	"jasir": "yasir",
}

// variants unifies the canonical forms, after [respell], of names that are
// the same name in different transliterations. They are kept to forms whose
// identity no Indonesian reader would dispute.
var variants = map[string]string{
	// Muhammad and its abbreviations. respell has already collapsed double
	// letters (Mohammad → mohamad) and turned ch into kh (Mochamad →
	// mokhamad). A bare "m" is handled by position in canonWord.
	"muhamad": "muhammad", "mohamad": "muhammad", "mohamed": "muhammad",
	"muhamed": "muhammad", "mukhamad": "muhammad", "mokhamad": "muhammad",
	"mukhamed": "muhammad", "muhamat": "muhammad", "mohamat": "muhammad",
	"mukhamat": "muhammad", "mokhamat": "muhammad", "moh": "muhammad",
	"muh": "muhammad", "muhd": "muhammad", "mhd": "muhammad",
	"mohd": "muhammad", "mhmd": "muhammad", "mokh": "muhammad",
	"mukh": "muhammad", "mokhd": "muhammad",
	// Abdul: "Abd." is its written abbreviation; Abdoel is already abdul.
	"abd": "abdul",
	// Nur: Noor and Nuur (Arabic long vowel written double) are Nur.
	"nor": "nur", "nour": "nur",
	// binti abbreviations, so that the lineage particle is recognised.
	"bt": "binti", "bte": "binti", "binte": "binti", "bint": "binti",
}

// chToC lists word beginnings where "ch" is the English or Chinese "c"
// (Chandra, Chelsea, Cheng) rather than the old spelling of Arabic "kh"
// (Chairul, Choirul): without it Chandra would become khandra and no
// longer match Candra.
var chToC = []string{"chandr", "charl", "chel", "cher", "chint", "chind", "chik", "chyn"}

// chinese lists Chinese-Indonesian syllables written with the English "ch"
// that are whole words on their own.
var chinese = map[string]bool{
	"chen": true, "cheng": true, "chang": true, "chong": true, "chung": true,
	"chan": true, "chia": true, "chiu": true, "chow": true, "chua": true,
}

// respell maps one word from old and variant spellings to a single one, in
// a left-to-right scan. The rules and why:
//
//   - oe → u, dj → j, tj → c, sj → sy: the Van Ophuijsen/Soewandi spelling
//     used until 1972 and still carried by many older people's documents
//     (Soekarno, Djoko, Tjipto, Sjahrir). These letter pairs do not occur in
//     modern Indonesian spelling, so the rule is safe everywhere.
//   - nj → ny at the start of a word (Njoman → nyoman), and anywhere in a
//     word that carries one of the markers above (Soenjoto → sunyoto).
//     Elsewhere "nj" is modern n + j (Panji, Anjani) and is kept.
//   - a bare j → y only in a word that carries an old-spelling marker
//     (Soejono → suyono, Tjahjo → cahyo, Djojo → joyo), or through the
//     curated list [oldJ] (Jusuf → yusuf). A word with no marker keeps its
//     j, so the modern Joko is not turned into Yoko. The j that dj becomes
//     is a modern j and stays.
//   - ch and kh: the old spelling wrote Arabic kh as ch (Chairul =
//     Khairul). Between a vowel and a consonant both are usually spoken and
//     often written h (Achmad, Akhmad → ahmad; Rachmat → rahmat; Fachri →
//     fahri), so there they become h. At the start of a word before a
//     consonant "ch" is the Greek/English k (Christina → kristina).
//     Elsewhere both become kh (Chotimah → khotimah). Exceptions: [chToC]
//     and [chinese].
//   - dz → z, dh → d, th → t, ph → f, q → k: optional Arabic and Greek
//     digraphs (Dzikri/Zikri, Ramadhan/Ramadan, Yanthi/Yanti,
//     Stephanus/Stefanus, Taufiq/Taufik). None of them distinguishes two
//     Indonesian names.
//   - x → ks: Indonesian spelling writes the sound ks (Feliks, Aleksander)
//     and many names keep the foreign x (Felix, Alexander).
//   - ae → ai: Zaenal/Zainal, Chaerul/Khairul, Saefudin/Saifudin are the
//     same names in Javanese and Arabic-derived spelling.
//   - ie → i in words of up to four letters: the Dutch-era spelling of
//     Chinese-Indonesian syllables (Liem → lim, Lie → li, Tjie → ci). Longer
//     words keep it (Daniel, Gabriel).
//   - double letters collapse (Hassan → hasan, Sitti → siti, Abdullah →
//     abdulah, Muhammad → muhamad before [variants]): gemination is written
//     or not at will in Indonesian names and never separates two names.
//   - a final y after a consonant → i (Rizky → rizki, Andy → andi, Hendry
//     → hendri): the same sound spelled two ways; after a vowel y stays
//     (Ray).
//
// Non-ASCII bytes pass through untouched.
func respell(w string) string {
	if chinese[w] {
		return "c" + w[2:]
	}
	// The prefixes are matched with doubled letters collapsed, as the rest of
	// the word will be: a slip such as "Channdra" still reads as Chandra.
	collapsed := collapseDoubles(w)
	for _, p := range chToC {
		if strings.HasPrefix(collapsed, p) {
			w = "c" + w[2:]
			break
		}
	}
	old := strings.Contains(w, "oe") || strings.Contains(w, "dj") ||
		strings.Contains(w, "tj") || strings.Contains(w, "sj") ||
		strings.HasPrefix(w, "nj")

	var o speller
	o.b = o.buf[:0]
	emit := o.emit
	for i := 0; i < len(w); i++ {
		c := w[i]
		var n byte
		if i+1 < len(w) {
			n = w[i+1]
		}
		switch {
		case c == 'o' && n == 'e':
			emit('u')
			i++
		case c == 'd' && n == 'j':
			emit('j')
			i++
		case c == 't' && n == 'j':
			emit('c')
			i++
		case c == 's' && n == 'j':
			emit('s')
			emit('y')
			i++
		case c == 'n' && n == 'j' && (i == 0 || old):
			emit('n')
			emit('y')
			i++
		case c == 'j' && old:
			emit('y')
		case (c == 'c' || c == 'k') && n == 'h':
			var next byte
			if i+2 < len(w) {
				next = w[i+2]
			}
			switch {
			case len(o.b) > 0 && isVowel(o.b[len(o.b)-1]) && isConsonant(next):
				emit('h')
			case len(o.b) == 0 && isConsonant(next):
				emit('k')
			default:
				emit('k')
				emit('h')
			}
			i++
		case c == 'd' && n == 'z':
			emit('z')
			i++
		case (c == 'd' || c == 't') && n == 'h':
			emit(c)
			i++
		case c == 'p' && n == 'h':
			emit('f')
			i++
		case c == 'q':
			emit('k')
		case c == 'x':
			emit('k')
			emit('s')
		case c == 'a' && n == 'e':
			emit('a')
			emit('i')
			i++
		case c == 'i' && n == 'e' && len(w) <= 4:
			emit('i')
			i++
		default:
			emit(c)
		}
	}
	out := o.b
	if k := len(out); k >= 2 && out[k-1] == 'y' && isConsonant(out[k-2]) {
		out[k-1] = 'i'
	}
	if string(out) == w {
		return w
	}
	return string(out)
}

// collapseDoubles returns w with runs of one ASCII letter shortened to one, or
// w itself when it has none.
func collapseDoubles(w string) string {
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] && isASCIILetter(w[i]) {
			var o speller
			o.b = o.buf[:0]
			for j := 0; j < len(w); j++ {
				o.emit(w[j])
			}
			return string(o.b)
		}
	}
	return w
}

// speller accumulates respell's output, collapsing doubled letters.
type speller struct {
	buf [48]byte
	b   []byte
}

func (o *speller) emit(c byte) {
	if isASCIILetter(c) && len(o.b) > 0 && o.b[len(o.b)-1] == c {
		return
	}
	o.b = append(o.b, c)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' }

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// isConsonant reports whether c is an ASCII consonant letter; y counts as a
// consonant (it is one in Indonesian spelling).
func isConsonant(c byte) bool { return isASCIILetter(c) && !isVowel(c) }

// honorifics are forms of address, religious and professional titles that
// precede a name and are not part of it. Old spellings and the forms
// canonWord produces are listed too (hadji → haji, ustadz → ustaz), so that
// the set is closed under canonWord, which idempotence needs.
var honorifics = map[string]bool{
	"hj": true, "hjh": true, "haji": true, "hajah": true, "hadji": true, "hadjah": true,
	"dr": true, "drg": true, "dra": true, "drs": true, "ir": true, "prof": true,
	"bp": true, "bpk": true, "bapak": true, "pak": true, "ibu": true, "bu": true,
	"sdr": true, "sdri": true, "sdra": true, "saudara": true, "saudari": true,
	"ny": true, "nyonya": true, "nn": true, "nona": true, "tn": true, "tuan": true,
	"alm": true, "almh": true, "almarhum": true, "almarhumah": true,
	"kh": true, "kyai": true, "kiai": true,
	"ust": true, "ustad": true, "ustaz": true, "ustadz": true,
	"ustazah": true, "ustadzah": true, "ustadah": true,
}

// isHonorific reports whether a folded word is a title to drop wherever it
// stands. None of these words is an Indonesian given name.
func isHonorific(w string) bool { return honorifics[w] }

// degrees are academic and professional degrees as written after a name
// (Sarjana Ekonomi "S.E.", Magister Manajemen "M.M." …), keyed without
// their dots.
var degrees = map[string]bool{
	"se": true, "sh": true, "st": true, "sp": true, "ssi": true, "ssos": true,
	"spd": true, "spdi": true, "skom": true, "sked": true, "sag": true,
	"shi": true, "sthi": true, "sth": true, "sip": true, "sikom": true,
	"skm": true, "sfarm": true, "sst": true, "sstp": true, "shum": true,
	"ssn": true, "sds": true, "sars": true, "sei": true, "stp": true,
	"spsi": true, "spt": true, "ak": true, "amd": true, "amk": true,
	"mm": true, "msi": true, "mkom": true, "mpd": true, "mt": true, "mh": true,
	"mag": true, "mhum": true, "mkes": true, "mkn": true, "msc": true,
	"ma": true, "mba": true, "me": true, "mth": true, "mpdi": true,
	"bsc": true, "ba": true, "phd": true, "lc": true, "ked": true, "apt": true,
	"ners": true, "cpa": true, "spa": true, "sppd": true, "spog": true,
	"spb": true, "sps": true, "spm": true, "spkk": true, "spjp": true,
	"skep": true, "ns": true, "amdkeb": true, "amdkep": true, "amkeb": true,
	"amkep": true, "skg": true, "sgz": true, "str": true, "sterkeb": true,
	"mkep": true, "mars": true, "mtr": true, "dipl": true,
}

// isDegree reports whether a chunk key (a chunk without its dots) is a
// degree. It is consulted only after a name word and for dotted or
// comma-separated chunks: "Budi Santoso, S.E." but not "St. Aminah".
func isDegree(key string) bool { return degrees[key] }

// bareDegrees are the degrees recognised without dots or a comma, at the end
// of a name of at least two further words ("Agus Salim SKom"). Two-letter
// degrees (SE, ST, MA …) and those that double as Chinese syllables (Shi,
// Sei) are left out: bare and at the end they may be a name part.
var bareDegrees = map[string]bool{
	"skom": true, "spd": true, "spdi": true, "ssos": true, "ssi": true,
	"sked": true, "sag": true, "sthi": true, "sikom": true, "skm": true,
	"sfarm": true, "sst": true, "sstp": true, "shum": true, "amd": true,
	"mkom": true, "msi": true, "mpd": true, "mpdi": true, "mhum": true,
	"mkes": true, "mkn": true, "msc": true, "mba": true, "phd": true,
	"sppd": true, "spog": true, "skep": true, "amdkeb": true, "amdkep": true,
}

func isBareDegree(w string) bool { return bareDegrees[w] }
