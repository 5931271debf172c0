package nik

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/msg"
)

// Problem is what the parsers of this package report when a value is refused (an
// error) or accepted with a remark (a warning, Warning set). Code is stable and
// meant for programs (tests, import reports, API error codes); Msg says it for the
// office worker who must fix the row, naming what is wrong and what to do about it,
// as a catalogue key and arguments that the web layer renders in Indonesian or
// English (see package msg).
//
// Messages never contain a whole NIK or No. KK, so an error may be logged without
// leaking the number; they do quote dates and region codes, which the person
// fixing the row needs.
type Problem struct {
	Code    string      // e.g. "nik_scientific"; see the Code… constants
	Msg     msg.Message // what is wrong and what to do
	Warning bool        // the value was accepted; the message is advice
}

// Error returns the English message.
func (p *Problem) Error() string { return p.Msg.String() }

// CodeOf returns the Code of the *Problem in err's chain, or "" when there is none.
func CodeOf(err error) string {
	if p, ok := errors.AsType[*Problem](err); ok {
		return p.Code
	}
	return ""
}

// Problem codes. Those marked "warning" come back in the warnings of an accepted
// value; the others are errors. The kk_ codes mean the same as their nik_ twins,
// for a No. KK.
const (
	CodeNIKEmpty             = "nik_empty"              // nothing written
	CodeNIKFormat            = "nik_format"             // something other than digits
	CodeNIKLength            = "nik_length"             // not 16 digits
	CodeNIKScientific        = "nik_scientific"         // 3.17101E+15: the spreadsheet lost the last digits
	CodeNIKRounded           = "nik_rounded"            // went through a number that keeps 15 digits: last digit unreliable
	CodeNIKNumericText       = "nik_numeric_text"       // warning: written as a number (such as .0 or thousands separators) but intact
	CodeNIKUnknownRegion     = "nik_unknown_region"     // digits 1–6 name no known province, regency or district
	CodeNIKRegionSplit       = "nik_region_split"       // warning: digits 1–6 name a region that has since been split
	CodeNIKBadDate           = "nik_bad_date"           // digits 7–12 are not a birth date
	CodeNIKSerialZero        = "nik_serial_zero"        // digits 13–16 are 0000
	CodeNIKSexMismatch       = "nik_sex_mismatch"       // the NIK and the Jenis Kelamin column disagree
	CodeNIKBirthDateMismatch = "nik_birthdate_mismatch" // the NIK and the Tanggal Lahir column disagree
	CodeSexFormat            = "sex_format"             // Jenis Kelamin is neither L nor P

	CodeKKEmpty         = "kk_empty"
	CodeKKFormat        = "kk_format"
	CodeKKLength        = "kk_length"
	CodeKKScientific    = "kk_scientific"
	CodeKKRounded       = "kk_rounded"
	CodeKKUnknownRegion = "kk_unknown_region"
	CodeKKSerialZero    = "kk_serial_zero"

	CodeDateEmpty        = "date_empty"
	CodeDateFormat       = "date_format"         // not one of the accepted forms
	CodeDateTwoDigitYear = "date_two_digit_year" // 15-04-85: the century is a guess
	CodeDateYearOnly     = "date_year_only"      // 1985: a year, not a date
	CodeDateInvalid      = "date_invalid"        // 31-02-1985, or Excel's 29 Feb 1900
	CodeDateRange        = "date_range"          // outside DateOptions.Min … Max
)

func refuse(code string, m msg.Message) *Problem { return &Problem{Code: code, Msg: m} }

func warn(code string, m msg.Message) *Problem {
	return &Problem{Code: code, Msg: m, Warning: true}
}

// clean trims what spreadsheets and copy-paste leave around a value: spaces of
// every kind (NBSP included), zero-width characters and byte order marks, and one
// leading apostrophe, which spreadsheets use to mark a cell as text.
func clean(s string) string {
	s = strings.TrimFunc(s, blank)
	for _, q := range []string{"'", "\u2019", "\u2018"} {
		if t, ok := strings.CutPrefix(s, q); ok {
			return strings.TrimFunc(t, blank)
		}
	}
	return s
}

func blank(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff'
}

// show quotes user input for a message: at most 24 characters, anything
// unprintable replaced, and every run of more than 8 digits masked like a NIK
// (first and last 4 kept), so a message stays readable whatever the input and
// never carries a whole NIK, even one pasted into the wrong column.
func show(s string) string {
	const max = 24
	rs := []rune(s)
	var b strings.Builder
	n := 0
	for i := 0; i < len(rs) && n < max; {
		j := i
		for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
			j++
		}
		for k := i + 4; k < j-4; k++ {
			rs[k] = '*'
		}
		if j > i {
			for ; i < j && n < max; i, n = i+1, n+1 {
				b.WriteRune(rs[i])
			}
			continue
		}
		r := rs[i]
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '\ufffd'
		}
		b.WriteRune(r)
		i, n = i+1, n+1
	}
	if n == max && len(rs) > max {
		b.WriteString("…")
	}
	return "\u201c" + b.String() + "\u201d"
}

// showRune names one character for a message: the character itself in quotes, or
// "a space" and the like for the invisible ones.
func showRune(r rune) any {
	switch {
	case r == ' ' || unicode.IsSpace(r):
		return msg.New("a space")
	case r == utf8.RuneError || !unicode.IsPrint(r):
		return msg.New("an invisible character")
	}
	return "\u201c" + string(r) + "\u201d"
}
