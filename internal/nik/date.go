package nik

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
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

const (
	formatsID = "format yang diterima: 1985-04-15, 15-04-1985, 15/04/1985 atau 15/4/1985 (tahun 4 digit, hari sebelum bulan)"
	formatsEN = "accepted formats: 1985-04-15, 15-04-1985, 15/04/1985 or 15/4/1985 (a 4-digit year, the day before the month)"
)

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
		return time.Time{}, refuse(CodeDateEmpty, "Tanggal kosong; "+formatsID, "The date is empty; "+formatsEN)
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
			fmt.Sprintf("Tanggal %s hanya berisi tahun; tulis tanggal lengkap, misalnya 15-04-%s", show(s), ip),
			fmt.Sprintf("The date %s is a year only; write the whole date, for example 15-04-%s", show(s), ip))
	}
	trimmed := strings.TrimLeft(ip, "0")
	if len(trimmed) > 7 {
		return time.Time{}, notADate(s)
	}
	n, _ := strconv.Atoi(trimmed) // "" (all zeros) gives 0
	switch {
	case n == 0:
		return time.Time{}, refuse(CodeDateInvalid,
			fmt.Sprintf("Angka tanggal %s bukan tanggal (angka tanggal Excel dimulai dari 1, yaitu 1 Januari 1900); %s", show(s), formatsID),
			fmt.Sprintf("The date number %s is not a date (Excel date numbers start at 1, 1 January 1900); %s", show(s), formatsEN))
	case n == 60:
		return time.Time{}, refuse(CodeDateInvalid,
			"Angka tanggal 60 berarti 29 Februari 1900 di Excel, tanggal yang tidak pernah ada (kesalahan lama Excel); ketik ulang tanggal yang benar, misalnya 28-02-1900 atau 01-03-1900",
			"Date number 60 is Excel's 29 February 1900, a date that never existed (an old Excel bug); type the right date again, for example 28-02-1900 or 01-03-1900")
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
	hintID, hintEN := "", ""
	switch {
	case allDigits(s):
		hintID, hintEN = "tulis dengan pemisah antara hari, bulan dan tahun; ", "separate the day, month and year; "
	case strings.IndexFunc(s, unicode.IsLetter) >= 0 && strings.IndexFunc(s, unicode.IsDigit) >= 0:
		hintID, hintEN = "tulis bulan dengan angka; ", "write the month as a number; "
	}
	return refuse(CodeDateFormat,
		fmt.Sprintf("Tanggal %s tidak dikenali; %s%s", show(s), hintID, formatsID),
		fmt.Sprintf("The date %s is not understood; %s%s", show(s), hintEN, formatsEN))
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
			fmt.Sprintf("Tahun pada tanggal %s hanya 2 digit, sehingga abadnya tidak jelas (19%s atau 20%s?); tulis tahun lengkap 4 digit, misalnya %s-%s-19%s", show(s), parts[2], parts[2], parts[0], parts[1], parts[2]),
			fmt.Sprintf("The year in the date %s has only 2 digits, so the century is unclear (19%s or 20%s?); write all 4 digits of the year, for example %s-%s-19%s", show(s), parts[2], parts[2], parts[0], parts[1], parts[2]))
	default:
		return time.Time{}, notADate(s)
	}
	if m < 1 || m > 12 {
		hintID, hintEN := "", ""
		if dayFirst && d >= 1 && d <= 12 && m <= 31 {
			hintID = fmt.Sprintf(" (apakah bulan ditulis lebih dulu? tulis hari dulu: %02d-%02d-%04d)", m, d, y)
			hintEN = fmt.Sprintf(" (was the month written first? write the day first: %02d-%02d-%04d)", m, d, y)
		}
		return time.Time{}, refuse(CodeDateInvalid,
			fmt.Sprintf("Tanggal %s tidak ada: bulan %d tidak ada, bulan harus 1–12%s", show(s), m, hintID),
			fmt.Sprintf("The date %s does not exist: there is no month %d, the month must be 1–12%s", show(s), m, hintEN))
	}
	if y < 1 || d < 1 || !validDate(y, m, d) {
		why, whyEN := monthLimitID(y, m), monthLimitEN(y, m)
		switch {
		case y < 1:
			why, whyEN = "tahun 0000 tidak ada", "there is no year 0000"
		case d < 1:
			why, whyEN = "tanggal 0 tidak ada", "there is no day 0"
		}
		return time.Time{}, refuse(CodeDateInvalid,
			fmt.Sprintf("Tanggal %s tidak ada di kalender: %s", show(s), why),
			fmt.Sprintf("The date %s does not exist: %s", show(s), whyEN))
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
	var rangeID, rangeEN string
	switch {
	case lo.IsZero():
		rangeID, rangeEN = "paling akhir "+dayID(hi), "no later than "+dayEN(hi)
	case hi.IsZero():
		rangeID, rangeEN = "paling awal "+dayID(lo), "no earlier than "+dayEN(lo)
	default:
		rangeID, rangeEN = dayID(lo)+" sampai "+dayID(hi), dayEN(lo)+" to "+dayEN(hi)
	}
	return refuse(CodeDateRange,
		fmt.Sprintf("Tanggal %s di luar rentang yang diterima (%s); periksa tanggalnya", dayID(t), rangeID),
		fmt.Sprintf("The date %s is outside the accepted range (%s); check the date", dayEN(t), rangeEN))
}

var monthsID = [...]string{"", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

func dayID(t time.Time) string {
	y, m, d := t.Date()
	return fmt.Sprintf("%d %s %04d", d, monthsID[m], y)
}

func dayEN(t time.Time) string { return t.Format("2 January 2006") }

// monthLimitID explains, for a valid month, why a day is past its end.
func monthLimitID(y, m int) string {
	s := fmt.Sprintf("%s %04d hanya sampai tanggal %d", monthsID[m], y, daysIn(y, m))
	if m == 2 && daysIn(y, m) == 28 {
		s += fmt.Sprintf(" (%04d bukan tahun kabisat)", y)
	}
	return s
}

func monthLimitEN(y, m int) string {
	s := fmt.Sprintf("%s %04d has only %d days", time.Month(m), y, daysIn(y, m))
	if m == 2 && daysIn(y, m) == 28 {
		s += fmt.Sprintf(" (%04d is not a leap year)", y)
	}
	return s
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
