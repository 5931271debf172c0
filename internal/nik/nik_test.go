package nik

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/region"
)

// testToday is fixed so that the century rule gives the same answers every year:
// 30 June 2025, 21:00 in Jakarta (14:00 UTC).
var testToday = time.Date(2025, 6, 30, 21, 0, 0, 0, time.FixedZone("WIB", 7*3600))

var loadRegions = sync.OnceValues(func() (*region.Set, error) { return region.Load(data.Regions) })

// regionExists answers from the real Kemendagri data shipped with Gotong.
func regionExists(t testing.TB) func(string) bool {
	t.Helper()
	s, err := loadRegions()
	if err != nil {
		t.Fatalf("region.Load(data.Regions): %v", err)
	}
	return func(code string) bool { _, ok := s.Get(code); return ok }
}

// meraukeSplit says that regency 91.01 (Merauke) was split off Papua: since
// 2022 it is 93.01 in Papua Selatan, but NIKs issued before keep 91.01.
func meraukeSplit(code string) bool { return code == "91.01" }

// sixteenDigits finds a whole NIK or No. KK, which no message may carry.
var sixteenDigits = regexp.MustCompile(`[0-9]{16}`)

// checkProblem checks what every problem must be: a known code with the given
// prefix, and a message in each language that differs, reads as text, and
// does not carry a whole number.
func checkProblem(t testing.TB, p *Problem, warning bool, prefixes ...string) {
	t.Helper()
	if p == nil {
		t.Fatal("problem is nil")
	}
	if p.Warning != warning {
		t.Errorf("%s: Warning = %v, want %v", p.Code, p.Warning, warning)
	}
	if !slices.ContainsFunc(prefixes, func(pre string) bool { return strings.HasPrefix(p.Code, pre) }) {
		t.Errorf("code %q does not start with any of %q", p.Code, prefixes)
	}
	if p.Msg.Key == "" {
		t.Errorf("%s: the message has no key", p.Code)
	}
	for _, m := range []string{p.Error()} {
		if !utf8.ValidString(m) {
			t.Errorf("%s: message is not valid UTF-8: %q", p.Code, m)
		}
		if sixteenDigits.MatchString(m) {
			t.Errorf("%s: message carries a whole number: %q", p.Code, m)
		}
	}
	if p.Error() != p.Msg.String() {
		t.Errorf("%s: Error() = %q, want the English message", p.Code, p.Error())
	}
}

func asProblem(t testing.TB, err error) *Problem {
	t.Helper()
	p, ok := errors.AsType[*Problem](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *Problem", err, err)
	}
	return p
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseNIKAccepts(t *testing.T) {
	exists := regionExists(t)
	tests := []struct {
		name   string
		raw    string
		opt    NIKOptions // RegionExists and Today are filled in
		number string     // "" means raw itself
		region string     // district
		born   string
		female bool
		warns  []string
	}{
		{name: "a man registered in Gambir, Jakarta Pusat", raw: "3171011504850001", region: "31.71.01", born: "1985-04-15"},
		{name: "a woman registered in Cilandak: day 55 is the 15th", raw: "3174065508920003", region: "31.74.06", born: "1992-08-15", female: true},
		{name: "a woman born on the 31st writes day 71", raw: "3174067112880012", region: "31.74.06", born: "1988-12-31", female: true},
		{name: "a woman born on the 1st writes day 41", raw: "3171024101900004", region: "31.71.02", born: "1990-01-01", female: true},
		{name: "a man born on 29 February 2000 in Sukasari, Bandung, a leap year", raw: "3273012902000002", region: "32.73.01", born: "2000-02-29"},
		{name: "a woman born on 29 February 1996, a leap year", raw: "3273016902960001", region: "32.73.01", born: "1996-02-29", female: true},
		{name: "a child born earlier this year gets this century", raw: "3172051504250001", region: "31.72.05", born: "2025-04-15"},
		{name: "a child born today gets this century", raw: "3172053006250001", region: "31.72.05", born: "2025-06-30"},
		{name: "a birth date later in the year than today means the last century", raw: "3172051508250001", region: "31.72.05", born: "1925-08-15"},
		{name: "a birth date tomorrow means the last century", raw: "3172050107250001", region: "31.72.05", born: "1925-07-01"},
		{name: "a leading apostrophe from a spreadsheet text cell is fine", raw: "'3171011504850001", number: "3171011504850001", region: "31.71.01", born: "1985-04-15"},
		{name: "a typographic apostrophe is fine too", raw: "\u20193171011504850001", number: "3171011504850001", region: "31.71.01", born: "1985-04-15"},
		{name: "spaces, tabs and NBSP around are trimmed", raw: "\u00a0 3171011504850001\t\u00a0", number: "3171011504850001", region: "31.71.01", born: "1985-04-15"},
		{name: "a zero-width space and a byte order mark are trimmed", raw: "\ufeff3171011504850001\u200b", number: "3171011504850001", region: "31.71.01", born: "1985-04-15"},
		{name: "a serial ending in 0 is fine in a text cell", raw: "3171011504850010", region: "31.71.01", born: "1985-04-15"},
		{name: "a number cell whose last digit is not 0 was not rounded", raw: "3171011504850001", opt: NIKOptions{FromNumericCell: true}, region: "31.71.01", born: "1985-04-15"},
		{name: "float text with intact digits is read, with a warning", raw: "3171011504850001.0", number: "3171011504850001", region: "31.71.01", born: "1985-04-15", warns: []string{CodeNIKNumericText}},
		{name: "float text with a decimal comma is read, with a warning", raw: "3171011504850001,00", number: "3171011504850001", region: "31.71.01", born: "1985-04-15", warns: []string{CodeNIKNumericText}},
		{name: "Indonesian thousands separators are read, with a warning", raw: "3.171.011.504.850.001", number: "3171011504850001", region: "31.71.01", born: "1985-04-15", warns: []string{CodeNIKNumericText}},
		{name: "English thousands separators with decimals are read, with a warning", raw: "3,171,011,504,850,001.00", number: "3171011504850001", region: "31.71.01", born: "1985-04-15", warns: []string{CodeNIKNumericText}},
		{name: "Jenis Kelamin L agrees with a man's NIK", raw: "3171011504850001", opt: NIKOptions{Sex: "L"}, region: "31.71.01", born: "1985-04-15"},
		{name: "Jenis Kelamin p in lower case agrees with a woman's NIK", raw: "3174065508920003", opt: NIKOptions{Sex: " p "}, region: "31.74.06", born: "1992-08-15", female: true},
		{name: "the Tanggal Lahir column agrees with a woman's NIK", raw: "3174065508920003", opt: NIKOptions{BirthDate: day("1992-08-15")}, region: "31.74.06", born: "1992-08-15", female: true},
		{name: "the Tanggal Lahir column settles the century of a centenarian", raw: "3171011504250001", opt: NIKOptions{BirthDate: day("1925-04-15")}, region: "31.71.01", born: "1925-04-15"},
		{name: "a NIK from Merauke issued before the 2022 split is accepted with a warning", raw: "9101011504850001", opt: NIKOptions{RegionSplit: meraukeSplit}, region: "91.01.01", born: "1985-04-15", warns: []string{CodeNIKRegionSplit}},
		{name: "an intact float text from a split district carries two warnings", raw: "3171991504850001.0", number: "3171991504850001",
			opt: NIKOptions{RegionSplit: func(c string) bool { return c == "31.71.99" }}, region: "31.71.99", born: "1985-04-15", warns: []string{CodeNIKNumericText, CodeNIKRegionSplit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.RegionExists, opt.Today = exists, testToday
			n, warnings, err := ParseNIK(tt.raw, opt)
			if err != nil {
				t.Fatalf("ParseNIK(%q) = %v", tt.raw, err)
			}
			number := tt.number
			if number == "" {
				number = tt.raw
			}
			if n.Number != number {
				t.Errorf("Number = %q, want %q", n.Number, number)
			}
			if n.District != tt.region || n.Regency != tt.region[:5] || n.Province != tt.region[:2] {
				t.Errorf("regions = %q %q %q, want district %q and its parents", n.Province, n.Regency, n.District, tt.region)
			}
			if want := day(tt.born); !n.BirthDate.Equal(want) || n.BirthDate.Location() != time.UTC {
				t.Errorf("BirthDate = %v, want %v UTC", n.BirthDate, want)
			}
			if n.Female != tt.female {
				t.Errorf("Female = %v, want %v", n.Female, tt.female)
			}
			if n.Serial != number[12:] {
				t.Errorf("Serial = %q, want %q", n.Serial, number[12:])
			}
			var codes []string
			for _, w := range warnings {
				checkProblem(t, w, true, "nik_")
				codes = append(codes, w.Code)
			}
			if !slices.Equal(codes, tt.warns) {
				t.Errorf("warnings = %q, want %q", codes, tt.warns)
			}
		})
	}
}

func TestParseNIKRefuses(t *testing.T) {
	exists := regionExists(t)
	noRegions := func(o *NIKOptions) { o.RegionExists = nil }
	tests := []struct {
		name      string
		raw       string
		opt       NIKOptions // RegionExists and Today are filled in
		tweak     func(*NIKOptions)
		code      string
		mentionEN string
	}{
		{name: "an empty cell", raw: "", code: CodeNIKEmpty},
		{name: "a cell of spaces and NBSP", raw: " \u00a0 ", code: CodeNIKEmpty},
		{name: "a lone apostrophe", raw: "'", code: CodeNIKEmpty},

		{name: "Excel's scientific notation", raw: "3.17101E+15", code: CodeNIKScientific, mentionEN: "format the NIK column as Text"},
		{name: "scientific notation with a decimal comma", raw: "3,17101E+15", code: CodeNIKScientific, mentionEN: "scientific notation"},
		{name: "scientific notation in lower case without a plus", raw: "3.17101e15", code: CodeNIKScientific},
		{name: "scientific notation with many digits", raw: "3.171011504850001E+15", code: CodeNIKScientific, mentionEN: "E+15"},
		{name: "scientific notation behind an apostrophe", raw: "'3.17101E+15", code: CodeNIKScientific},

		{name: "a number cell ending in 0 lost its 16th digit", raw: "3171011504850000", opt: NIKOptions{FromNumericCell: true}, code: CodeNIKRounded, mentionEN: "15 digits"},
		{name: "a number cell ending in 10 was probably rounded too", raw: "3171011504850010", opt: NIKOptions{FromNumericCell: true}, code: CodeNIKRounded},
		{name: "float text ending in 0 went through a rounding number", raw: "3171011504850000.0", code: CodeNIKRounded},
		{name: "thousands separators ending in 0 went through Excel", raw: "3,171,011,504,850,000", code: CodeNIKRounded},
		{name: "float text above 2^53 cannot be exact", raw: "9271011504850001.0", code: CodeNIKRounded},
		{name: "a Papuan NIK with thousands separators is beyond exact floats", raw: "9.101.011.504.850.001", opt: NIKOptions{RegionSplit: meraukeSplit}, code: CodeNIKRounded},

		{name: "the letter O instead of a zero", raw: "3171O11504850001", code: CodeNIKFormat, mentionEN: "letter O"},
		{name: "the letter l instead of a one", raw: "3l71011504850001", code: CodeNIKFormat, mentionEN: "character 2"},
		{name: "digits in groups with spaces", raw: "3171 0115 0485 0001", code: CodeNIKFormat, mentionEN: "remove the spaces"},
		{name: "digits in groups with dashes", raw: "317101-150485-0001", code: CodeNIKFormat, mentionEN: "remove the spaces, dots and dashes"},
		{name: "a dotted NIK", raw: "31.71.01.150485.0001", code: CodeNIKFormat},
		{name: "a negative number", raw: "-3171011504850001", code: CodeNIKFormat},
		{name: "a fraction that is not zero", raw: "3171011504850001.5", code: CodeNIKFormat},
		{name: "two apostrophes", raw: "''3171011504850001", code: CodeNIKFormat},
		{name: "Arabic-Indic digits", raw: "٣١٧١٠١١٥٠٤٨٥٠٠٠١", code: CodeNIKFormat},
		{name: "a name in the NIK column", raw: "Siti Aminah", code: CodeNIKFormat},

		{name: "15 digits: one is missing", raw: "317101150485001", code: CodeNIKLength, mentionEN: "one digit is missing"},
		{name: "12 digits: four are missing", raw: "317101150485", code: CodeNIKLength, mentionEN: "4 digits are missing"},
		{name: "17 digits starting with 0", raw: "03171011504850001", code: CodeNIKLength, mentionEN: "remove the leading 0"},
		{name: "20 digits", raw: "31710115048500010001", code: CodeNIKLength, mentionEN: "4 digits too many"},
		{name: "a No. KK-length float text short of a digit", raw: "317101150485001.0", code: CodeNIKLength},

		{name: "a province that does not exist", raw: "9901011504850001", code: CodeNIKUnknownRegion, mentionEN: "province code 99"},
		{name: "a regency that does not exist in DKI", raw: "3199011504850001", code: CodeNIKUnknownRegion, mentionEN: "31.99"},
		{name: "a district that does not exist in Jakarta Pusat", raw: "3171991504850001", code: CodeNIKUnknownRegion, mentionEN: "district code 31.71.99"},
		{name: "Merauke's old code when no split list is given", raw: "9101011504850001", code: CodeNIKUnknownRegion, mentionEN: "91.01"},
		{name: "a split list that does not name the code", raw: "9102011504850001", opt: NIKOptions{RegionSplit: meraukeSplit}, code: CodeNIKUnknownRegion},
		{name: "a province starting with 0, without the region list", raw: "0171011504850001", tweak: noRegions, code: CodeNIKUnknownRegion, mentionEN: "province code 01"},
		{name: "regency 00, without the region list", raw: "3100011504850001", tweak: noRegions, code: CodeNIKUnknownRegion, mentionEN: "31.00"},
		{name: "district 00, without the region list", raw: "3171001504850001", tweak: noRegions, code: CodeNIKUnknownRegion, mentionEN: "31.71.00"},

		{name: "day 00", raw: "3171010004850001", code: CodeNIKBadDate, mentionEN: "are 00"},
		{name: "day 32", raw: "3171013204850001", code: CodeNIKBadDate},
		{name: "day 40, between men's and women's days", raw: "3171014004850001", code: CodeNIKBadDate},
		{name: "day 72, past a woman's 31st", raw: "3171017204850001", code: CodeNIKBadDate},
		{name: "month 00", raw: "3171011500850001", code: CodeNIKBadDate, mentionEN: "month of birth"},
		{name: "month 13", raw: "3171011513850001", code: CodeNIKBadDate},
		{name: "31 April", raw: "3171013104850001", code: CodeNIKBadDate, mentionEN: "April 1985 has only 30 days"},
		{name: "29 February in a year that is not leap", raw: "3171012902850001", code: CodeNIKBadDate, mentionEN: "not a leap year"},
		{name: "a woman's 29 February in a year that is not leap", raw: "3171016902850001", code: CodeNIKBadDate, mentionEN: "29-02-85"},
		{name: "a woman's 30 February", raw: "3171017002960001", code: CodeNIKBadDate},
		{name: "a bad date is refused even without the region list", raw: "3171013104850001", tweak: noRegions, code: CodeNIKBadDate},

		{name: "serial 0000 in a text cell", raw: "3171011504850000", code: CodeNIKSerialZero, mentionEN: "0001"},

		{name: "a man's NIK with Jenis Kelamin P", raw: "3171011504850001", opt: NIKOptions{Sex: "P"}, code: CodeNIKSexMismatch, mentionEN: "15 becomes 55"},
		{name: "a woman's NIK with Jenis Kelamin L", raw: "3174065508920003", opt: NIKOptions{Sex: "l"}, code: CodeNIKSexMismatch, mentionEN: "says female"},
		{name: "Jenis Kelamin written out is not L or P", raw: "3171011504850001", opt: NIKOptions{Sex: "Laki-laki"}, code: CodeSexFormat},

		{name: "a Tanggal Lahir one day off", raw: "3171011504850001", opt: NIKOptions{BirthDate: day("1985-04-16")}, code: CodeNIKBirthDateMismatch, mentionEN: "15-04-85"},
		{name: "a Tanggal Lahir ten years off", raw: "3171011504850001", opt: NIKOptions{BirthDate: day("1975-04-15")}, code: CodeNIKBirthDateMismatch},
		{name: "a woman's Tanggal Lahir compared with the day without the +40", raw: "3174065508920003", opt: NIKOptions{BirthDate: day("1992-08-16")}, code: CodeNIKBirthDateMismatch, mentionEN: "15-08-92"},
		{name: "a Tanggal Lahir with the month and day swapped", raw: "3171010504850001", opt: NIKOptions{BirthDate: day("1985-05-04")}, code: CodeNIKBirthDateMismatch},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.RegionExists, opt.Today = exists, testToday
			if tt.tweak != nil {
				tt.tweak(&opt)
			}
			n, warnings, err := ParseNIK(tt.raw, opt)
			if err == nil {
				t.Fatalf("ParseNIK(%q) accepted %s (born %v), want %s", tt.raw, n.Number, n.BirthDate, tt.code)
			}
			if n != (NIK{}) || warnings != nil {
				t.Errorf("a refusal returned a NIK %#v or warnings %v", n.Number, warnings)
			}
			p := asProblem(t, err)
			checkProblem(t, p, false, "nik_", "sex_")
			if p.Code != tt.code {
				t.Fatalf("code = %q, want %q (%s)", p.Code, tt.code, p)
			}
			if tt.mentionEN != "" && !strings.Contains(p.Error(), tt.mentionEN) {
				t.Errorf("English message %q does not mention %q", p, tt.mentionEN)
			}
		})
	}
}

func TestParseNIKWithoutToday(t *testing.T) {
	// The zero Today means now: a NIK born on 1 January of the current year
	// belongs to this century, whatever year the test runs in.
	now := time.Now()
	raw := fmt.Sprintf("3171010101%02d0001", now.Year()%100)
	n, _, err := ParseNIK(raw, NIKOptions{})
	if err != nil {
		t.Fatalf("ParseNIK(%q) = %v", raw, err)
	}
	if n.BirthDate.Year() != now.Year() {
		t.Fatalf("BirthDate = %v, want 1 January %d", n.BirthDate, now.Year())
	}
}

func TestParseNIKAsksRegionsFromTheDistrictUp(t *testing.T) {
	tests := []struct {
		name         string
		known        []string
		wantExists   []string
		wantSplit    []string
		splitAnswers string // the code RegionSplit says yes to
		wantCode     string // "" means accepted
	}{
		{name: "a known district is asked about all three levels", known: []string{"31", "31.71", "31.71.01"},
			wantExists: []string{"31", "31.71", "31.71.01"}},
		{name: "an unknown district asks the split list about the district only", known: []string{"31", "31.71"},
			wantExists: []string{"31", "31.71", "31.71.01"}, wantSplit: []string{"31.71.01"}, wantCode: CodeNIKUnknownRegion},
		{name: "an unknown regency asks the split list about the district and the regency", known: []string{"31"},
			wantExists: []string{"31", "31.71"}, wantSplit: []string{"31.71.01", "31.71"}, wantCode: CodeNIKUnknownRegion},
		{name: "an unknown province asks the split list about every level", known: nil,
			wantExists: []string{"31"}, wantSplit: []string{"31.71.01", "31.71", "31"}, wantCode: CodeNIKUnknownRegion},
		{name: "a split district stops the questions at once", known: []string{"31"}, splitAnswers: "31.71.01",
			wantExists: []string{"31", "31.71"}, wantSplit: []string{"31.71.01"}},
		{name: "a split regency is found after the district", known: []string{"31"}, splitAnswers: "31.71",
			wantExists: []string{"31", "31.71"}, wantSplit: []string{"31.71.01", "31.71"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked, askedSplit []string
			opt := NIKOptions{
				Today: testToday,
				RegionExists: func(c string) bool {
					asked = append(asked, c)
					return slices.Contains(tt.known, c)
				},
				RegionSplit: func(c string) bool {
					askedSplit = append(askedSplit, c)
					return c == tt.splitAnswers
				},
			}
			_, _, err := ParseNIK("3171011504850001", opt)
			if CodeOf(err) != tt.wantCode {
				t.Errorf("error = %v, want code %q", err, tt.wantCode)
			}
			if !slices.Equal(asked, tt.wantExists) || !slices.Equal(askedSplit, tt.wantSplit) {
				t.Errorf("asked RegionExists %q and RegionSplit %q, want %q and %q", asked, askedSplit, tt.wantExists, tt.wantSplit)
			}
		})
	}
}

func TestParseKK(t *testing.T) {
	exists := regionExists(t)
	accept := []struct {
		name, raw, want string
		opt             KKOptions
	}{
		{name: "a card from Gambir issued on 20 March 2015", raw: "3171012003150007", want: "3171012003150007"},
		{name: "a card from Sukasari, Bandung", raw: "3273010101100021", want: "3273010101100021"},
		{name: "an issue date that is not a calendar date is not checked", raw: "3171019913000001", want: "3171019913000001"},
		{name: "a leading apostrophe and NBSP", raw: "\u00a0'3171012003150007 ", want: "3171012003150007"},
		{name: "float text with intact digits", raw: "3171012003150007.0", want: "3171012003150007"},
		{name: "a number cell whose last digit is not 0", raw: "3171012003150007", opt: KKOptions{FromNumericCell: true}, want: "3171012003150007"},
		{name: "a card from Merauke issued before the split", raw: "9101012003150007", opt: KKOptions{RegionSplit: meraukeSplit}, want: "9101012003150007"},
	}
	for _, tt := range accept {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.RegionExists = exists
			got, err := ParseKK(tt.raw, opt)
			if err != nil || got != tt.want {
				t.Fatalf("ParseKK(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
	refuse := []struct {
		name, raw, code string
		opt             KKOptions
	}{
		{name: "an empty cell", raw: " ", code: CodeKKEmpty},
		{name: "scientific notation", raw: "3.17101E+15", code: CodeKKScientific},
		{name: "a number cell ending in 0", raw: "3171012003150010", opt: KKOptions{FromNumericCell: true}, code: CodeKKRounded},
		{name: "float text ending in 0", raw: "3171012003150000.0", code: CodeKKRounded},
		{name: "15 digits", raw: "317101200315007", code: CodeKKLength},
		{name: "a letter", raw: "31710120031500O7", code: CodeKKFormat},
		{name: "an unknown district", raw: "3171992003150007", code: CodeKKUnknownRegion},
		{name: "Merauke's old code without a split list", raw: "9101012003150007", code: CodeKKUnknownRegion},
		{name: "serial 0000", raw: "3171012003150000", code: CodeKKSerialZero},
	}
	for _, tt := range refuse {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.RegionExists = exists
			got, err := ParseKK(tt.raw, opt)
			if err == nil {
				t.Fatalf("ParseKK(%q) = %q, want %s", tt.raw, got, tt.code)
			}
			p := asProblem(t, err)
			checkProblem(t, p, false, "kk_")
			if p.Code != tt.code {
				t.Fatalf("code = %q, want %q (%s)", p.Code, tt.code, p)
			}
			if strings.Contains(p.Error(), "NIK") {
				t.Errorf("a message about a No. KK speaks of a NIK: %q", p)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3171011504850001", "3171********0001"},
		{"3173016502910123", "3173********0123"},
		{"317101150485001", ""},
		{"31710115048500011", ""},
		{"3171 0115 0485 01", ""},
		{"'317101150485001", ""},
		{"317101150485000a", ""},
		{"", ""},
		{"٣١٧١٠١١٥٠٤٨٥٠٠٠١", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("masks %q as %q", tt.in, tt.want), func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Fatalf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNIKPrintsMasked(t *testing.T) {
	n, _, err := ParseNIK("3171011504850001", NIKOptions{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q", "%20v"} {
		got := fmt.Sprintf(verb, n)
		if strings.Contains(got, n.Number) || !strings.Contains(got, "3171********0001") {
			t.Errorf("Sprintf(%q, nik) = %q: want it masked", verb, got)
		}
	}
	if got := fmt.Sprint([]NIK{n}); strings.Contains(got, n.Number) {
		t.Errorf("a slice of NIKs prints %q", got)
	}
}

func TestProblemHelpers(t *testing.T) {
	_, _, err := ParseNIK("3.17101E+15", NIKOptions{})
	wrapped := fmt.Errorf("row 12: %w", err)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a problem", err, CodeNIKScientific},
		{"a wrapped problem", wrapped, CodeNIKScientific},
		{"another error", errors.New("disk full"), ""},
		{"no error", nil, ""},
	}
	for _, tt := range tests {
		t.Run("CodeOf finds the code in "+tt.name, func(t *testing.T) {
			if got := CodeOf(tt.err); got != tt.want {
				t.Fatalf("CodeOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShowMasksLongNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3.17101E+15", "“3.17101E+15”"},
		{"31/12/1985", "“31/12/1985”"},
		{"3171011504850001", "“3171********0001”"},
		{"123456789", "“1234*6789”"},
		{"12345678", "“12345678”"},
		{"x3171011504850001x", "“x3171********0001x”"},
		{"abcdefghijklmnopqrstuvwxyz", "“abcdefghijklmnopqrstuvwx…”"},
		{"a\x00b\xffc", "“a\ufffdb\ufffdc”"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("shows %q as %s", tt.in, tt.want), func(t *testing.T) {
			if got := show(tt.in); got != tt.want {
				t.Fatalf("show(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// nikSeeds are inputs for the fuzz targets: every shape the tables above use.
var nikSeeds = []string{
	"3171011504850001", "3174065508920003", "3273012902000002", "'3171011504850001", "\u00a03171011504850001 ",
	"3.17101E+15", "3,17101E+15", "3.17101e15", "3171011504850000", "3171011504850001.0", "3.171.011.504.850.001",
	"3,171,011,504,850,000.00", "3171O11504850001", "3171 0115 0485 0001", "317101150485001", "03171011504850001",
	"9901011504850001", "9101011504850001", "3171013104850001", "3171016902850001", "3171017204850001", "", "'", "E", ".0", "1.E",
}

func FuzzParseNIK(f *testing.F) {
	for i, s := range nikSeeds {
		f.Add(s, i%3 == 0, []string{"", "L", "P", "x"}[i%4], int64(i*1e4))
	}
	exists := regionExists(f)
	f.Fuzz(func(t *testing.T, raw string, numeric bool, sex string, bornOffset int64) {
		opt := NIKOptions{RegionExists: exists, RegionSplit: meraukeSplit, Sex: sex, Today: testToday, FromNumericCell: numeric}
		if bornOffset%2 != 0 {
			// A birth date around the 20th century, sometimes agreeing with the NIK.
			opt.BirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(bornOffset%(60000*24)) * time.Hour)
		}
		n, warnings, err := ParseNIK(raw, opt)
		if err != nil {
			p := asProblem(t, err)
			checkProblem(t, p, false, "nik_", "sex_")
			if n != (NIK{}) || warnings != nil {
				t.Fatalf("a refusal also returned %q and %d warnings", n.Number, len(warnings))
			}
			return
		}
		for _, w := range warnings {
			checkProblem(t, w, true, "nik_")
		}
		checkNIK(t, n)
		if n.Female != (n.Number[6] >= '4') || !opt.BirthDate.IsZero() && !n.BirthDate.Equal(opt.BirthDate.Truncate(24*time.Hour)) {
			t.Fatalf("%q: Female %v, BirthDate %v do not match the NIK and the options", raw, n.Female, n.BirthDate)
		}
		// The canonical form parses to the same NIK, whether typed bare or as text.
		for _, again := range []string{n.Number, "'" + n.Number} {
			m, w, err := ParseNIK(again, opt)
			if err != nil || m != n {
				t.Fatalf("%q parsed to %s but %q then gives %s, %v", raw, n.Number, again, m.Number, err)
			}
			for _, p := range w {
				if p.Code != CodeNIKRegionSplit {
					t.Fatalf("the canonical form %q draws warning %s", again, p.Code)
				}
			}
		}
	})
}

// checkNIK checks that the parts of an accepted NIK are those of its number.
func checkNIK(t *testing.T, n NIK) {
	t.Helper()
	d := n.Number
	if len(d) != 16 || !allDigits(d) {
		t.Fatalf("accepted Number %q is not 16 digits", d)
	}
	if n.Province != d[:2] || n.Regency != d[:2]+"."+d[2:4] || n.District != n.Regency+"."+d[4:6] || n.Serial != d[12:] || n.Serial == "0000" {
		t.Fatalf("parts %q %q %q %q do not match %s", n.Province, n.Regency, n.District, n.Serial, d)
	}
	wantDay := atoi(d[6:8])
	if n.Female {
		wantDay -= 40
	}
	if n.BirthDate.Day() != wantDay || int(n.BirthDate.Month()) != atoi(d[8:10]) || n.BirthDate.Year()%100 != atoi(d[10:12]) ||
		n.BirthDate.Location() != time.UTC || n.BirthDate.Hour() != 0 {
		t.Fatalf("BirthDate %v does not match digits %s", n.BirthDate, d[6:12])
	}
	if m := Mask(d); m[:4] != d[:4] || m[12:] != d[12:] || m[4:12] != "********" {
		t.Fatalf("Mask(%s) = %q", d, m)
	}
}

func FuzzParseKK(f *testing.F) {
	for i, s := range append(nikSeeds, "3171012003150007", "3171019913000001") {
		f.Add(s, i%3 == 0)
	}
	exists := regionExists(f)
	f.Fuzz(func(t *testing.T, raw string, numeric bool) {
		opt := KKOptions{RegionExists: exists, RegionSplit: meraukeSplit, FromNumericCell: numeric}
		kk, err := ParseKK(raw, opt)
		if err != nil {
			checkProblem(t, asProblem(t, err), false, "kk_")
			if kk != "" {
				t.Fatalf("a refusal also returned %q", kk)
			}
			return
		}
		if len(kk) != 16 || !allDigits(kk) || kk[12:] == "0000" || Mask(kk) == "" {
			t.Fatalf("ParseKK(%q) accepted %q", raw, kk)
		}
		if again, err := ParseKK(kk, opt); err != nil || again != kk {
			t.Fatalf("%q parsed to %s but that gives %q, %v", raw, kk, again, err)
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range nikSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		if len(s) != 16 || !allDigits(s) {
			if m != "" {
				t.Fatalf("Mask(%q) = %q, want \"\"", s, m)
			}
			return
		}
		if len(m) != 16 || m[:4] != s[:4] || m[12:] != s[12:] || m[4:12] != "********" {
			t.Fatalf("Mask(%q) = %q, want the first and last 4 digits around 8 asterisks", s, m)
		}
	})
}
