package nik

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gotong/gotong/internal/msg"
)

// DateOptions bounds the dates ParseDate accepts. A zero bound is no bound.
// Bounds are compared by calendar day (in their own location), so a Max of
// time.Now() accepts today.
type DateOptions struct {
	Min, Max time.Time
}

// BirthDates returns the bounds for a birth date: 1 January 1900 to today.
func BirthDates(today time.Time) DateOptions {
	return DateOptions{Min: date(1900, 1, 1), Max: today}
}

// formats names the accepted forms, at the end of a message about a date.
var formats = msg.New("accepted formats: 1985-04-15, 15-04-1985, 15/04/1985 or 15/4/1985 (a 4-digit year, the day before the month)")

// excelMaxSerial is 31 December 9999, the last date Excel knows.
const excelMaxSerial = 2958465

// ParseDate reads a date as written in a form or a spreadsheet and returns it as
// midnight UTC. The error, when not nil, is a *Problem.
//
// It accepts year first, 1985-04-15 (also with / or . between the parts, and
// followed by a time of day, which is ignored, as exported spreadsheets write
// 1985-04-15 00:00:00), and day first, 15-04-1985, 15/04/1985, 15/4/1985,
// 15.04.1985 — never month first. It also accepts the number a spreadsheet
// stores for a date (31778 or 31778.0, 1 January 1987) in Excel's 1900 date
// system, where 1 is 1 January 1900 and 60 is a 29 February 1900 that never
// existed (refused); a fraction (the time of day) is ignored. Four-digit
// numbers from 1900 to 2100 are refused as a year alone rather than read as a
// day in 1905, and two-digit years are refused rather than guessed.
//
// Surrounding spaces and a leading apostrophe are ignored. Dates that do not
// exist (31-02-1985) and dates outside opt.Min … opt.Max are refused.
func ParseDate(raw string, opt DateOptions) (time.Time, error) {
	s := clean(raw)
	if s == "" {
		return time.Time{}, refuse(CodeDateEmpty, msg.New("The date is empty; %s", formats))
	}
	t, p := parseSerial(s)
	if p == nil && t.IsZero() {
		t, p = parseText(s)
	}
	if p != nil {
		return time.Time{}, p
	}
	if p := inRange(t, opt); p != nil {
		return time.Time{}, p
	}
	return t, nil
}

// parseSerial reads a spreadsheet date number. It returns the zero time and no
// problem when s is not a number at all.
func parseSerial(s string) (time.Time, *Problem) {
	ip, fp, hasFraction := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if !allDigits(ip) || (hasFraction && !allDigits(fp)) {
		return time.Time{}, nil
	}
	zeroFraction := strings.Trim(fp, "0") == ""
	if len(ip) == 4 && zeroFraction && ip >= "1900" && ip <= "2100" {
		return time.Time{}, refuse(CodeDateYearOnly,
			msg.New("The date %s is a year only; write the whole date, for example 15-04-%s", show(s), ip))
	}
	trimmed := strings.TrimLeft(ip, "0")
	if len(trimmed) > 7 {
		return time.Time{}, notADate(s)
	}
	n, _ := strconv.Atoi(trimmed) // "" (all zeros) gives 0
	switch {
	case n == 0:
		return time.Time{}, refuse(CodeDateInvalid,
			msg.New("The date number %s is not a date (Excel date numbers start at 1, 1 January 1900); %s", show(s), formats))
	case n == 60:
		return time.Time{}, refuse(CodeDateInvalid,
			msg.New("Date number 60 is Excel's 29 February 1900, a date that never existed (an old Excel bug); type the right date again, for example 28-02-1900 or 01-03-1900"))
	case n > excelMaxSerial:
		return time.Time{}, notADate(s)
	case n < 60:
		// Excel counts 1900 as a leap year: before its phantom 29 February,
		// serial 1 is 1 January 1900.
		return date(1899, 12, 31+n), nil
	default:
		return date(1899, 12, 30+n), nil
	}
}

func notADate(s string) *Problem {
	hint := msg.New("")
	switch {
	case allDigits(s):
		hint = msg.New("separate the day, month and year; ")
	case strings.IndexFunc(s, unicode.IsLetter) >= 0 && strings.IndexFunc(s, unicode.IsDigit) >= 0:
		hint = msg.New("write the month as a number; ")
	}
	return refuse(CodeDateFormat, msg.New("The date %s is not understood; %s%s", show(s), hint, formats))
}

// parseText reads a written date: year first or day first.
func parseText(s string) (time.Time, *Problem) {
	head := s
	if i := strings.IndexAny(s, " T"); i >= 0 && clock(strings.TrimSpace(s[i+1:])) {
		head = s[:i]
	}
	i := strings.IndexFunc(head, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 || !strings.ContainsRune("-/.", rune(head[i])) {
		return time.Time{}, notADate(s)
	}
	parts := strings.Split(head, head[i:i+1])
	if len(parts) != 3 {
		return time.Time{}, notADate(s)
	}
	for _, p := range parts {
		if !allDigits(p) {
			return time.Time{}, notADate(s)
		}
	}
	short := func(p string) bool { return len(p) <= 2 }
	var y, m, d int
	dayFirst := false
	switch {
	case len(parts[0]) == 4 && short(parts[1]) && short(parts[2]):
		y, m, d = atoi(parts[0]), atoi(parts[1]), atoi(parts[2])
	case len(parts[2]) == 4 && short(parts[0]) && short(parts[1]):
		d, m, y = atoi(parts[0]), atoi(parts[1]), atoi(parts[2])
		dayFirst = true
	case len(parts[2]) == 2 && short(parts[0]) && short(parts[1]):
		return time.Time{}, refuse(CodeDateTwoDigitYear,
			msg.New("The year in the date %s has only 2 digits, so the century is unclear (19%s or 20%s?); write all 4 digits of the year, for example %s-%s-19%s", show(s), parts[2], parts[2], parts[0], parts[1], parts[2]))
	default:
		return time.Time{}, notADate(s)
	}
	if m < 1 || m > 12 {
		hint := msg.New("")
		if dayFirst && d >= 1 && d <= 12 && m <= 31 {
			hint = msg.New(" (was the month written first? write the day first: %02d-%02d-%04d)", m, d, y)
		}
		return time.Time{}, refuse(CodeDateInvalid,
			msg.New("The date %s does not exist: there is no month %d, the month must be 1–12%s", show(s), m, hint))
	}
	if y < 1 || d < 1 || !validDate(y, m, d) {
		why := monthLimit(y, m)
		switch {
		case y < 1:
			why = msg.New("there is no year 0000")
		case d < 1:
			why = msg.New("there is no day 0")
		}
		return time.Time{}, refuse(CodeDateInvalid, msg.New("The date %s does not exist: %s", show(s), why))
	}
	return date(y, m, d), nil
}

// clock reports whether s is a time of day as spreadsheets export it: 00:00,
// 00:00:00, 00:00:00.000, optionally followed by Z.
func clock(s string) bool {
	s = strings.TrimSuffix(s, "Z")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	if len(parts) == 3 {
		sec, frac, ok := strings.Cut(parts[2], ".")
		if ok && !allDigits(frac) {
			return false
		}
		parts[2] = sec
	}
	for i, p := range parts {
		if !allDigits(p) || len(p) > 2 || (i > 0 && len(p) != 2) || atoi(p) > [3]int{23, 59, 60}[i] {
			return false
		}
	}
	return true
}

func inRange(t time.Time, opt DateOptions) *Problem {
	lo, hi := opt.Min, opt.Max
	if !lo.IsZero() {
		lo = dateOf(lo)
	}
	if !hi.IsZero() {
		hi = dateOf(hi)
	}
	if (lo.IsZero() || !t.Before(lo)) && (hi.IsZero() || !t.After(hi)) {
		return nil
	}
	var within msg.Message
	switch {
	case lo.IsZero():
		within = msg.New("no later than %s", calendarDay(hi))
	case hi.IsZero():
		within = msg.New("no earlier than %s", calendarDay(lo))
	default:
		within = msg.New("%s to %s", calendarDay(lo), calendarDay(hi))
	}
	return refuse(CodeDateRange, msg.New("The date %s is outside the accepted range (%s); check the date", calendarDay(t), within))
}

// calendarDay is a calendar day for a message, 1 January 1900, its month a catalogue key.
func calendarDay(t time.Time) msg.Message {
	y, m, d := t.Date()
	return msg.New("%d %s %04d", d, msg.New(m.String()), y)
}

// monthLimit explains, for a valid month, why a day is past its end.
func monthLimit(y, m int) msg.Message {
	month := msg.New(time.Month(m).String())
	if m == 2 && daysIn(y, m) == 28 {
		return msg.New("%s %04d has only %d days (%04d is not a leap year)", month, y, daysIn(y, m), y)
	}
	return msg.New("%s %04d has only %d days", month, y, daysIn(y, m))
}

func daysIn(y, m int) int { return date(y, m+1, 0).Day() }

func validDate(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// date returns midnight UTC of the given day; out-of-range days and months
// roll over as in time.Date.
func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// dateOf returns midnight UTC of t's calendar day in t's own location.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return date(y, int(m), d)
}

func atoi(s string) int {
	v, _ := strconv.Atoi(s)
	return v
}
