package nik

import (
	"strings"
	"testing"
	"time"
)

func TestParseDateAccepts(t *testing.T) {
	tests := []struct {
		name, raw, want string
		opt             DateOptions
	}{
		{name: "year first", raw: "1985-04-15", want: "1985-04-15"},
		{name: "year first with slashes", raw: "1985/04/15", want: "1985-04-15"},
		{name: "year first with one-digit month and day", raw: "1985-4-5", want: "1985-04-05"},
		{name: "day first with dashes", raw: "15-04-1985", want: "1985-04-15"},
		{name: "day first with slashes", raw: "15/04/1985", want: "1985-04-15"},
		{name: "day first with one-digit day and month", raw: "5/4/1985", want: "1985-04-05"},
		{name: "day first with dots", raw: "15.04.1985", want: "1985-04-15"},
		{name: "a spreadsheet export with midnight", raw: "1985-04-15 00:00:00", want: "1985-04-15"},
		{name: "an ISO timestamp", raw: "1985-04-15T00:00:00Z", want: "1985-04-15"},
		{name: "a timestamp with milliseconds", raw: "1985-04-15 00:00:00.000", want: "1985-04-15"},
		{name: "day first with a short time", raw: "15/04/1985 0:00", want: "1985-04-15"},
		{name: "a leading apostrophe, spaces and NBSP", raw: " \u00a0'15-04-1985 ", want: "1985-04-15"},

		{name: "Excel serial 1 as 1 January 1900", raw: "1", want: "1900-01-01"},
		{name: "Excel serial 59 as 28 February 1900", raw: "59", want: "1900-02-28"},
		{name: "Excel serial 61 as 1 March 1900, after the phantom 29 February", raw: "61", want: "1900-03-01"},
		{name: "Excel serial 25569 as the Unix epoch", raw: "25569", want: "1970-01-01"},
		{name: "Excel serial 31778 as 1 January 1987", raw: "31778", want: "1987-01-01"},
		{name: "Excel serial written as a float", raw: "31778.0", want: "1987-01-01"},
		{name: "Excel serial with a decimal comma", raw: "31778,0", want: "1987-01-01"},
		{name: "Excel serial with a time of day", raw: "31778.75", want: "1987-01-01"},
		{name: "Excel serial 36526 as 1 January 2000", raw: "36526", want: "2000-01-01"},
		{name: "Excel serial 45838 as 30 June 2025", raw: "45838", want: "2025-06-30"},
		{name: "Excel serial with leading zeros", raw: "0031778", want: "1987-01-01"},
		{name: "Excel's last date", raw: "2958465", want: "9999-12-31"},
		{name: "a four-digit serial outside the years 1900-2100", raw: "1899", want: "1905-03-13"},

		{name: "29 February 2000, a leap year though a century", raw: "29-02-2000", want: "2000-02-29"},
		{name: "29 February 2024, a leap year", raw: "29/2/2024", want: "2024-02-29"},
		{name: "29 February 1996, a leap year", raw: "1996-02-29", want: "1996-02-29"},
		{name: "31 December", raw: "31-12-1999", want: "1999-12-31"},

		{name: "a birth date of 1 January 1900, the first one accepted", raw: "01-01-1900", want: "1900-01-01", opt: BirthDates(testToday)},
		{name: "a birth date of today", raw: "30-06-2025", want: "2025-06-30", opt: BirthDates(testToday)},
		{name: "a birth date given as Excel serial 1", raw: "1", want: "1900-01-01", opt: BirthDates(testToday)},
		{name: "a date on the lower bound only", raw: "2000-01-01", want: "2000-01-01", opt: DateOptions{Min: day("2000-01-01")}},
		{name: "a date on the upper bound only", raw: "2000-01-01", want: "2000-01-01", opt: DateOptions{Max: day("2000-01-01")}},
	}
	for _, tt := range tests {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.raw, tt.opt)
			if err != nil {
				t.Fatalf("ParseDate(%q) = %v", tt.raw, err)
			}
			if want := day(tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("ParseDate(%q) = %v, want %v UTC", tt.raw, got, want)
			}
		})
	}
}

func TestParseDateRefuses(t *testing.T) {
	birth := BirthDates(testToday)
	tests := []struct {
		name, raw, code string
		opt             DateOptions
		mentionEN       string
	}{
		{name: "an empty cell", raw: "", code: CodeDateEmpty, mentionEN: "1985-04-15, 15-04-1985"},
		{name: "a cell of NBSP", raw: "\u00a0", code: CodeDateEmpty},

		{name: "a month name", raw: "15 April 1985", code: CodeDateFormat, mentionEN: "write the month as a number"},
		{name: "mixed separators", raw: "15-04/1985", code: CodeDateFormat},
		{name: "digits without separators, day first", raw: "15041985", code: CodeDateFormat, mentionEN: "separate the day, month and year"},
		{name: "digits without separators, year first", raw: "19850415", code: CodeDateFormat},
		{name: "words", raw: "kemarin", code: CodeDateFormat},
		{name: "an empty part", raw: "15--1985", code: CodeDateFormat},
		{name: "four parts", raw: "1.15.04.1985", code: CodeDateFormat},
		{name: "a three-digit year", raw: "15-04-985", code: CodeDateFormat},
		{name: "a US time of day", raw: "4/15/1985 12:00:00 AM", code: CodeDateFormat},
		{name: "a time that is not a time", raw: "1985-04-15 25:00", code: CodeDateFormat},
		{name: "a negative serial", raw: "-1", code: CodeDateFormat},
		{name: "a serial past Excel's last date", raw: "2958466", code: CodeDateFormat},
		{name: "a NIK pasted into the date column", raw: "3171011504850001", code: CodeDateFormat, mentionEN: "3171********0001"},

		{name: "a two-digit year", raw: "15-04-85", code: CodeDateTwoDigitYear, mentionEN: "1985 or 2085"},
		{name: "a two-digit year with slashes", raw: "5/4/85", code: CodeDateTwoDigitYear},

		{name: "a year alone", raw: "1985", code: CodeDateYearOnly, mentionEN: "15-04-1985"},
		{name: "a year alone as a float", raw: "2024.0", code: CodeDateYearOnly},

		{name: "31 February", raw: "31-02-1985", code: CodeDateInvalid},
		{name: "29 February 1900, not a leap year", raw: "29-02-1900", code: CodeDateInvalid, mentionEN: "1900 is not a leap year"},
		{name: "29 February 2023", raw: "2023-02-29", code: CodeDateInvalid},
		{name: "31 April", raw: "31/4/2020", code: CodeDateInvalid, mentionEN: "April 2020 has only 30 days"},
		{name: "day 0", raw: "00-01-1985", code: CodeDateInvalid, mentionEN: "no day 0"},
		{name: "day 32", raw: "32-01-1985", code: CodeDateInvalid},
		{name: "month 13", raw: "15-13-1985", code: CodeDateInvalid, mentionEN: "no month 13"},
		{name: "the month written first", raw: "04/15/1985", code: CodeDateInvalid, mentionEN: "month written first"},
		{name: "year 0", raw: "0000-01-01", code: CodeDateInvalid, mentionEN: "no year 0000"},
		{name: "Excel's phantom 29 February 1900", raw: "60", code: CodeDateInvalid, mentionEN: "never existed"},
		{name: "Excel serial 0", raw: "0", code: CodeDateInvalid, mentionEN: "start at 1"},

		{name: "a birth date before 1900", raw: "31-12-1899", opt: birth, code: CodeDateRange, mentionEN: "1 January 1900 to 30 June 2025"},
		{name: "a birth date tomorrow", raw: "2025-07-01", opt: birth, code: CodeDateRange, mentionEN: "1 July 2025"},
		{name: "a birth date as a serial of tomorrow", raw: "45839", opt: birth, code: CodeDateRange},
		{name: "a date before the lower bound only", raw: "1999-12-31", opt: DateOptions{Min: day("2000-01-01")}, code: CodeDateRange, mentionEN: "no earlier than 1 January 2000"},
		{name: "a date after the upper bound only", raw: "2000-01-02", opt: DateOptions{Max: day("2000-01-01")}, code: CodeDateRange},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.raw, tt.opt)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want %s", tt.raw, got, tt.code)
			}
			if !got.IsZero() {
				t.Errorf("a refusal also returned %v", got)
			}
			p := asProblem(t, err)
			checkProblem(t, p, false, "date_")
			if p.Code != tt.code {
				t.Fatalf("code = %q, want %q (%s)", p.Code, tt.code, p)
			}
			if !strings.Contains(p.Error(), tt.mentionEN) {
				t.Errorf("English message %q does not mention %q", p, tt.mentionEN)
			}
		})
	}
}

func TestBirthDatesBoundsByCalendarDay(t *testing.T) {
	// Late evening in Jakarta is still the afternoon in UTC: the bound is
	// Jakarta's day, not the UTC one.
	evening := time.Date(2025, 7, 1, 1, 0, 0, 0, time.FixedZone("WIB", 7*3600)) // 30 June 18:00 UTC
	if _, err := ParseDate("2025-07-01", BirthDates(evening)); err != nil {
		t.Fatalf("a birth date of today in Jakarta was refused: %v", err)
	}
	if _, err := ParseDate("2025-07-02", BirthDates(evening)); CodeOf(err) != CodeDateRange {
		t.Fatalf("a birth date of tomorrow in Jakarta gave %v, want %s", err, CodeDateRange)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1985-04-15", "15/4/1985", "15.04.1985", "31778", "31778.0", "31778,5", "60", "0", "1985",
		"15-04-85", "29-02-1900", "04/15/1985", "1985-04-15 00:00:00", "1985-04-15T00:00:00Z", "'15-04-1985", "", "2958465", "0000-01-01"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, bounded bool) {
		var opt DateOptions
		if bounded {
			opt = BirthDates(testToday)
		}
		d, err := ParseDate(raw, opt)
		if err != nil {
			checkProblem(t, asProblem(t, err), false, "date_")
			return
		}
		if d.Location() != time.UTC || !d.Equal(d.Truncate(24*time.Hour)) || d.Year() < 1 || d.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %v: not a midnight UTC in years 1-9999", raw, d)
		}
		if bounded && (d.Before(day("1900-01-01")) || d.After(day("2025-06-30"))) {
			t.Fatalf("ParseDate(%q) = %v: outside the birth date range", raw, d)
		}
		for _, layout := range []string{"2006-01-02", "02-01-2006", "2/1/2006"} {
			again, err := ParseDate(d.Format(layout), opt)
			if err != nil || !again.Equal(d) {
				t.Fatalf("%q parsed to %v but its %s form %q gives %v, %v", raw, d, layout, d.Format(layout), again, err)
			}
		}
	})
}
