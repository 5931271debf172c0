package nik

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/msg"
)

// NIK is a parsed Nomor Induk Kependudukan. Its parts come from the 16 digits
// PP KK CC DDMMYY SSSS: the province, regency and district where the person was
// registered, the birth date (day + 40 for women) and a serial number.
//
// A NIK prints masked (3171********0001) with every fmt verb, so that logging one
// never writes the whole number; use Number where the whole number is meant.
type NIK struct {
	Number    string    // the 16 digits, e.g. "3171011504850001"
	Province  string    // dotted province code, e.g. "31"
	Regency   string    // dotted regency (kabupaten/kota) code, e.g. "31.71"
	District  string    // dotted district (kecamatan) code, e.g. "31.71.01"
	BirthDate time.Time // midnight UTC
	Female    bool      // the day was written + 40
	Serial    string    // the last four digits, e.g. "0001"
}

// String returns the masked number.
func (n NIK) String() string { return Mask(n.Number) }

// Format writes the masked number whatever the verb, so %v, %+v, %#v, %s, %q and
// %d all keep the NIK hidden.
func (n NIK) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", n.String())
		return
	}
	f.Write([]byte(n.String()))
}

// NIKOptions says what ParseNIK may check besides the NIK's own shape.
type NIKOptions struct {
	// RegionExists reports whether a dotted region code ("31", "31.71",
	// "31.71.01") is a current region. Nil skips the check (digits 1–6 are
	// then only checked for shape).
	RegionExists func(code string) bool
	// RegionSplit reports whether a dotted code unknown to RegionExists belonged
	// to a region that has since been split or renumbered (a NIK keeps the
	// code it was issued under). It is asked about the district, then about
	// each higher level that RegionExists does not know. Such a NIK is accepted
	// with a warning. Nil: an unknown code is refused.
	RegionSplit func(code string) bool
	// Sex is the Jenis Kelamin written beside the NIK: "L" (laki-laki) or "P"
	// (perempuan), in either case; "" skips the check.
	Sex string
	// BirthDate is the Tanggal Lahir written beside the NIK; the zero time
	// skips the check. When it agrees with the NIK it also settles the
	// century, which the NIK alone can only guess.
	BirthDate time.Time
	// Today decides the century of the NIK's two-digit birth year: 20YY unless
	// that date is after Today, else 19YY. The zero time means time.Now().
	Today time.Time
	// FromNumericCell says the value came from a spreadsheet cell that held a
	// number, not text. Spreadsheets keep 15 significant digits, so a 16-digit
	// number from such a cell ending in 0 has most likely lost its last digit.
	FromNumericCell bool
}

// KKOptions says what ParseKK may check besides the No. KK's own shape.
// RegionExists, RegionSplit and FromNumericCell mean what they mean in
// NIKOptions, except that a split region is accepted silently.
type KKOptions struct {
	RegionExists    func(code string) bool
	RegionSplit     func(code string) bool
	FromNumericCell bool
}

// kind holds the words that differ between messages about a NIK and about a
// No. KK.
type kind struct {
	prefix string      // code prefix: "nik" or "kk"
	name   string      // how the number is called: "NIK", "No. KK"
	col    string      // the import column: "NIK", "No KK"
	src    msg.Message // where to read the number again
}

var (
	nikKind = kind{"nik", "NIK", "NIK", msg.New("the KTP or the family card (KK)")}
	kkKind  = kind{"kk", "No. KK", "No KK", msg.New("the family card (KK)")}
)

// ParseNIK checks a NIK as written in a form or a spreadsheet cell and returns
// its parts, with warnings about a value accepted with a remark. The error, when
// not nil, is a *Problem whose Code names the first fault found.
//
// Surrounding spaces (NBSP included) and a leading apostrophe are ignored. The
// damage spreadsheets do to long numbers is named as such: scientific notation
// (3.17101E+15), a last digit lost to 15-digit rounding (see
// NIKOptions.FromNumericCell, and text such as 3171011504850000.0), thousands
// separators. Then the NIK must have 16 digits; digits 1–6 must name a district
// (checked through opt.RegionExists); digits 7–12 a real birth date, the day
// being 01–31 for men and 41–71 for women; digits 13–16 must not be 0000; and the
// NIK must agree with opt.Sex and opt.BirthDate when they are given.
func ParseNIK(raw string, opt NIKOptions) (NIK, []*Problem, error) {
	d, warning, p := digits16(raw, nikKind, opt.FromNumericCell)
	if p != nil {
		return NIK{}, nil, p
	}
	var warnings []*Problem
	if warning != nil {
		warnings = append(warnings, warning)
	}
	n := NIK{
		Number:   d,
		Province: d[0:2],
		Regency:  d[0:2] + "." + d[2:4],
		District: d[0:2] + "." + d[2:4] + "." + d[4:6],
		Serial:   d[12:16],
	}
	split, p := checkRegion(n.District, nikKind, opt.RegionExists, opt.RegionSplit)
	if p != nil {
		return NIK{}, nil, p
	}
	if split {
		warnings = append(warnings, warn(CodeNIKRegionSplit,
			msg.New("The region code %s in the NIK belongs to a region that has since been split or renumbered; the NIK is accepted, but make sure the Kelurahan column names the current place of residence", n.District)))
	}

	dd, mm, yy := atoi(d[6:8]), atoi(d[8:10]), atoi(d[10:12])
	day := dd
	switch {
	case dd >= 1 && dd <= 31:
	case dd >= 41 && dd <= 71:
		day, n.Female = dd-40, true
	default:
		return NIK{}, nil, refuse(CodeNIKBadDate,
			msg.New("Digits 7–8 of the NIK (day of birth) are %s: they must be 01–31 for a man or 41–71 for a woman (day of birth + 40); check the NIK against %s", d[6:8], nikKind.src))
	}
	if mm < 1 || mm > 12 {
		return NIK{}, nil, refuse(CodeNIKBadDate,
			msg.New("Digits 9–10 of the NIK (month of birth) are %s: they must be 01–12; check the NIK against %s", d[8:10], nikKind.src))
	}
	year := 2000 + yy
	if date(year, mm, day).After(dateOf(today(opt.Today))) {
		year -= 100
	}
	if !validDate(year, mm, day) {
		return NIK{}, nil, refuse(CodeNIKBadDate,
			msg.New("The birth date in the NIK (digits 7–12: %02d-%02d-%02d) does not exist: %s; check the NIK against %s", day, mm, yy, monthLimit(year, mm), nikKind.src))
	}
	n.BirthDate = date(year, mm, day)

	if n.Serial == "0000" {
		return NIK{}, nil, serialZero(nikKind)
	}

	switch sex := strings.ToUpper(strings.TrimSpace(opt.Sex)); {
	case sex == "":
	case sex != "L" && sex != "P":
		return NIK{}, nil, refuse(CodeSexFormat,
			msg.New("Jenis Kelamin (sex) %s is not understood: write L (male, laki-laki) or P (female, perempuan)", show(opt.Sex)))
	case sex == "L" && n.Female:
		return NIK{}, nil, refuse(CodeNIKSexMismatch,
			msg.New("The NIK says female (digits 7–8 are %s, that is day of birth %d + 40) but Jenis Kelamin (sex) says L (male); check both against %s", d[6:8], day, nikKind.src))
	case sex == "P" && !n.Female:
		return NIK{}, nil, refuse(CodeNIKSexMismatch,
			msg.New("The NIK says male (digits 7–8 are %s) but Jenis Kelamin (sex) says P (female); a woman's NIK has the day of birth + 40 (%s becomes %d); check both against %s", d[6:8], d[6:8], dd+40, nikKind.src))
	}

	if !opt.BirthDate.IsZero() {
		by, bm, bd := opt.BirthDate.Date()
		if bd != day || int(bm) != mm || by%100 != yy || by < 0 {
			return NIK{}, nil, refuse(CodeNIKBirthDateMismatch,
				msg.New("The birth date in the NIK (%02d-%02d-%02d, digits 7–12) differs from the Tanggal Lahir (birth date) column (%02d-%02d-%04d); check both against %s", day, mm, yy, bd, int(bm), by, nikKind.src))
		}
		n.BirthDate = date(by, int(bm), bd)
	}
	return n, warnings, nil
}

// ParseKK checks a Nomor Kartu Keluarga as written in a form or a spreadsheet
// cell and returns its 16 digits. The error, when not nil, is a *Problem.
//
// It cleans the input and names spreadsheet damage like ParseNIK. Digits 1–6 must
// name a district (through opt.RegionExists; a split region is accepted) and
// digits 13–16 must not be 0000. Digits 7–12 are the issue date: they are not
// checked, as old cards carry all sorts of values there.
func ParseKK(raw string, opt KKOptions) (string, error) {
	d, _, p := digits16(raw, kkKind, opt.FromNumericCell)
	if p != nil {
		return "", p
	}
	district := d[0:2] + "." + d[2:4] + "." + d[4:6]
	if _, p := checkRegion(district, kkKind, opt.RegionExists, opt.RegionSplit); p != nil {
		return "", p
	}
	if d[12:16] == "0000" {
		return "", serialZero(kkKind)
	}
	return d, nil
}

// Mask hides the middle of a NIK or No. KK for people who may see that a number
// exists but not what it is: 3171********0001. It returns "" for anything that is
// not exactly 16 digits.
func Mask(number string) string {
	if len(number) != 16 || !allDigits(number) {
		return ""
	}
	return number[:4] + "********" + number[12:]
}

// maxExact is 2^53: integers up to it survive a trip through a float64 exactly.
const maxExact = "9007199254740992"

// digits16 cleans raw and returns its 16 digits, with a warning when the value
// was written as a number but survived intact, or the problem that stops it.
func digits16(raw string, k kind, numeric bool) (d string, warning, p *Problem) {
	s := clean(raw)
	if s == "" {
		return "", nil, refuse(k.prefix+"_empty",
			msg.New("%s is empty: enter its 16 digits as written on %s", k.name, k.src))
	}
	if scientific(s) {
		return "", nil, refuse(k.prefix+"_scientific",
			msg.New("%s is written in scientific notation (%s): Excel converted it and its last digits are lost; format the %s column as Text and type the %s again from %s", k.name, show(s), k.col, k.name, k.src))
	}
	rounded := func() *Problem {
		return refuse(k.prefix+"_rounded",
			msg.New("%s was stored as a number and ends in 0: Excel keeps only 15 digits of a number, so the 16th digit was most likely lost; format the %s column as Text and type the %s again from %s (also if it really ends in 0)", k.name, k.col, k.name, k.src))
	}
	if n, ok := numberText(s); ok {
		if len(n) == 16 {
			if n[15] == '0' || n > maxExact {
				return "", nil, rounded()
			}
			warning = warn(k.prefix+"_numeric_text",
				msg.New("%s was written as a number (%s), but its digits are intact and were read; format the %s column as Text so it does not get damaged later", k.name, show(s), k.col))
		}
		s = n
	}
	if !allDigits(s) {
		return "", nil, notDigits(s, k)
	}
	if len(s) != 16 {
		return "", nil, badLength(s, k)
	}
	if numeric && s[15] == '0' {
		return "", nil, rounded()
	}
	return s, warning, nil
}

// scientific reports whether s is a number in scientific notation as
// spreadsheets write it: 3.17101E+15, 3,17101E+15, 3.17101e15.
func scientific(s string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E")
	if !ok {
		return false
	}
	exp = strings.TrimPrefix(exp, "+")
	ip, fp, _ := strings.Cut(strings.Replace(mant, ",", ".", 1), ".")
	return allDigits(exp) && allDigits(ip) && (fp == "" || allDigits(fp))
}

// numberText recognises the text a number cell turns into when exported or
// copied: a decimal with a zero fraction ("3171011504850001.0", ",00") or
// thousands separators ("3.171.011.504.850.001", "3,171,011,504,850,001.00").
// It returns the integer digits.
func numberText(s string) (string, bool) {
	if g, ok := grouped(s, 0); ok {
		return g, true
	}
	// The fraction, after the last separator, must be all zeros.
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && strings.Trim(s[i+1:], "0") == "" && s[i+1:] != "" {
		if allDigits(s[:i]) {
			return s[:i], true
		}
		return grouped(s[:i], s[i])
	}
	return "", false
}

// grouped strips thousands separators from "3.171.011.504.850.001": the first
// group has 1–3 digits, every later one 3, all separated by the same '.' or ','
// which must not be decimal (the separator of the fraction, if any).
func grouped(s string, decimal byte) (string, bool) {
	i := strings.IndexAny(s, ".,")
	if i < 1 || i > 3 || s[i] == decimal {
		return "", false
	}
	groups := strings.Split(s, s[i:i+1])
	for j, g := range groups {
		if !allDigits(g) || (j > 0 && len(g) != 3) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func notDigits(s string, k kind) *Problem {
	var bad rune
	pos, count := 0, 0
	for i, r := range []rune(s) {
		if r >= '0' && r <= '9' {
			count++
		} else if bad == 0 {
			bad, pos = r, i+1
		}
	}
	hint := msg.New("")
	switch {
	case bad == 'O' || bad == 'o':
		hint = msg.New(" (the letter O instead of the digit 0?)")
	case bad == 'I' || bad == 'l' || bad == 'i':
		hint = msg.New(" (the letter I or l instead of the digit 1?)")
	case count == 16 && strings.Trim(s, "0123456789 .-") == "":
		hint = msg.New("; remove the spaces, dots and dashes between the digits")
	}
	if utf8.RuneCountInString(s) > 40 {
		hint = msg.New("%s; the cell is far too long for a %s", hint, k.name)
	}
	return refuse(k.prefix+"_format",
		msg.New("%s may contain digits only, but character %d is %s%s; check the %s against %s", k.name, pos, showRune(bad), hint, k.name, k.src))
}

func badLength(s string, k kind) *Problem {
	n := len(s)
	var hint msg.Message
	switch {
	case n == 15:
		hint = msg.New("one digit is missing")
	case n < 15:
		hint = msg.New("%d digits are missing", 16-n)
	case n == 17 && s[0] == '0':
		hint = msg.New("remove the leading 0")
	default:
		hint = msg.New("there are %d digits too many", n-16)
	}
	return refuse(k.prefix+"_length",
		msg.New("%s must have 16 digits but %d are written: %s; check it again against %s", k.name, n, hint, k.src))
}

// checkRegion checks the district code in digits 1–6. Without exists it checks
// the shape only: no province starts with 0 and no regency or district is 00.
// It reports split when the code is unknown but split says it was split.
func checkRegion(district string, k kind, exists, split func(string) bool) (wasSplit bool, p *Problem) {
	codes := [3]string{district[:2], district[:5], district}
	levels := [3]msg.Message{msg.New("province"), msg.New("regency or city"), msg.New("district")}
	digits := [3]msg.Message{msg.New("first 2 digits"), msg.New("first 4 digits"), msg.New("first 6 digits")}
	unknown, malformed := -1, false // the highest level that does not exist
	for l, c := range codes {
		seg := c[len(c)-2:]
		malformed = (l == 0 && seg[0] == '0') || seg == "00"
		if malformed || (exists != nil && !exists(c)) {
			unknown = l
			break
		}
	}
	if unknown < 0 {
		return false, nil
	}
	if split != nil && !malformed {
		for l := 2; l >= unknown; l-- {
			if split(codes[l]) {
				return true, nil
			}
		}
	}
	c := codes[unknown]
	return false, refuse(k.prefix+"_unknown_region",
		msg.New("The %s code %s in the %s (its %s) is not in the Kemendagri list of regions; check the %s against %s", levels[unknown], c, k.name, digits[unknown], k.name, k.src))
}

func serialZero(k kind) *Problem {
	return refuse(k.prefix+"_serial_zero",
		msg.New("The last 4 digits of the %s (the serial number) are 0000, but serial numbers start at 0001; check the %s against %s", k.name, k.name, k.src))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func today(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
