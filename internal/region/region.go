// Package region models Indonesia's Kemendagri region hierarchy: provinces
// (provinsi), regencies and cities (kabupaten/kota), districts (kecamatan)
// and villages (desa/kelurahan).
//
// Regions are identified by their dotted Kemendagri codes: province "31",
// regency "31.71", district "31.71.01", village "31.71.01.1001". A region's
// parent is its code without the last segment. Methods of [Set] that take a
// code expect this canonical dotted form; use [Normalize] on user input
// first.
//
// A Set is loaded from an fs.FS, normally data.Regions:
//
//	regions, err := region.Load(data.Regions)
package region

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unicode"
)

// Level is the depth of a region in the hierarchy. The zero Level is not a
// valid level.
type Level int

// The four levels, from the top down.
const (
	Province Level = iota + 1 // provinsi
	Regency                   // kabupaten or kota
	District                  // kecamatan
	Village                   // desa or kelurahan
)

var levelNames = [...]string{Province: "province", Regency: "regency", District: "district", Village: "village"}

// String returns "province", "regency", "district" or "village", and
// "Level(n)" for anything else.
func (l Level) String() string {
	if l.valid() {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

func (l Level) valid() bool { return l >= Province && l <= Village }

// ParseLevel parses a level name, ignoring case and surrounding spaces. It
// accepts the names returned by [Level.String] and their Indonesian
// equivalents: "provinsi"; "kabupaten", "kota", "kabupaten/kota";
// "kecamatan"; "desa", "kelurahan", "desa/kelurahan".
func ParseLevel(s string) (Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "province", "provinsi":
		return Province, true
	case "regency", "kabupaten", "kota", "kabupaten/kota":
		return Regency, true
	case "district", "kecamatan":
		return District, true
	case "village", "desa", "kelurahan", "desa/kelurahan":
		return Village, true
	}
	return 0, false
}

// codeLen is the length of a dotted code at each level, and digits the
// number of digits in the level's own segment.
var (
	codeLen = [...]int{Province: 2, Regency: 5, District: 8, Village: 13}
	digits  = [...]int{Province: 2, Regency: 2, District: 2, Village: 4}
)

// Region is one province, regency, district or village.
type Region struct {
	Code   string // dotted Kemendagri code, e.g. "31.71.01.1001"
	Name   string // official name as given by the data, e.g. "Gambir"
	Level  Level
	Parent string // code of the parent region; "" for provinces
}

// ErrInvalidCode is wrapped by the errors [Normalize] returns.
var ErrInvalidCode = errors.New("invalid region code")

// Normalize returns code in canonical dotted form. It trims surrounding
// spaces and accepts either a dotted code ("31.71.01.1001") or a digit
// string of length 2, 4, 6 or 10 ("3171011001"). Anything else is an error
// wrapping [ErrInvalidCode]. Normalize checks the shape only, not that the
// region exists; use [Set.Get] for that.
func Normalize(code string) (string, error) {
	s := strings.TrimSpace(code)
	if strings.Contains(s, ".") {
		if _, ok := LevelOf(s); ok {
			return s, nil
		}
		return "", fmt.Errorf("%w %q: want dotted digits like 31.71.01.1001", ErrInvalidCode, code)
	}
	if !allDigits(s) {
		return "", fmt.Errorf("%w %q: want digits, optionally dotted", ErrInvalidCode, code)
	}
	var b strings.Builder
	rest := s
	for l := Province; l <= Village && rest != ""; l++ {
		n := digits[l]
		if len(rest) < n {
			break
		}
		if l > Province {
			b.WriteByte('.')
		}
		b.WriteString(rest[:n])
		rest = rest[n:]
	}
	if rest != "" {
		return "", fmt.Errorf("%w %q: want 2, 4, 6 or 10 digits", ErrInvalidCode, code)
	}
	return b.String(), nil
}

// LevelOf returns the level a well-formed dotted code belongs to, judging by
// its shape alone ("31" province, "31.71" regency, "31.71.01" district,
// "31.71.01.1001" village). It reports false for anything else, including
// undotted or space-padded codes.
func LevelOf(code string) (Level, bool) {
	for l := Province; l <= Village; l++ {
		if len(code) != codeLen[l] {
			continue
		}
		start := 0
		for m := Province; m <= l; m++ {
			end := start + digits[m]
			if !allDigits(code[start:end]) || (m < l && code[end] != '.') {
				return 0, false
			}
			start = end + 1
		}
		return l, true
	}
	return 0, false
}

// Upper returns the smallest string above every code at or below code, so that
// "col >= code AND col < Upper(code)" selects a region and all it contains as one
// index range (a LIKE with a bound pattern is a scan on SQLite). Codes hold digits
// and dots, and '~' sorts after both.
func Upper(code string) string { return code + "~" }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parentOf returns the parent code of a well-formed code, "" for provinces.
func parentOf(code string) string {
	if i := strings.LastIndexByte(code, '.'); i >= 0 {
		return code[:i]
	}
	return ""
}

// Set holds every region of the country. It is immutable once loaded and
// safe for concurrent use. Slices it returns are fresh copies owned by the
// caller.
type Set struct {
	levels [Village + 1][]Region           // per level, sorted by code
	names  [Village + 1]map[string][]int32 // per level, folded name → indices into levels
	// retired maps kecamatan codes that no longer exist (their region was split or
	// renumbered) to the code the kecamatan has now ("" when not known).
	retired map[string]string
}

// Retired reports whether code is a kecamatan code that existed in an earlier
// edition of the official codes and no longer does, and the kecamatan's code now
// ("" when unknown). A NIK or No. KK issued before the change keeps the old code.
func (s *Set) Retired(code string) (now string, ok bool) {
	now, ok = s.retired[code]
	return now, ok
}

// files maps each level to its file in the fs.FS given to Load.
var files = [...]string{
	Province: "regions/provinces.csv",
	Regency:  "regions/regencies.csv",
	District: "regions/districts.csv",
	Village:  "regions/villages.csv",
}

// MustLoad is Load for data shipped inside the binary (data.Regions), which a
// test or a start-up cannot go on without: it panics when the data is broken.
func MustLoad(fsys fs.FS) *Set {
	s, err := Load(fsys)
	if err != nil {
		panic(fmt.Sprintf("region data: %v", err))
	}
	return s
}

// Load reads regions/provinces.csv, regions/regencies.csv,
// regions/districts.csv and regions/villages.csv from fsys (normally
// data.Regions). Each file must have the header "code,name" and hold dotted
// codes of its level only. Load checks that codes are well-formed and
// unique and that every region's parent exists.
func Load(fsys fs.FS) (*Set, error) {
	s := new(Set)
	for l := Province; l <= Village; l++ {
		regions, err := readLevel(fsys, l)
		if err != nil {
			return nil, err
		}
		if l > Province {
			for _, r := range regions {
				if _, ok := find(s.levels[l-1], r.Parent); !ok {
					return nil, fmt.Errorf("region: %s: %s %s %q: parent %s %s does not exist",
						files[l], l, r.Code, r.Name, l-1, r.Parent)
				}
			}
		}
		s.levels[l] = regions
		names := make(map[string][]int32, len(regions))
		for i, r := range regions {
			k := foldName(r.Name)
			names[k] = append(names[k], int32(i))
		}
		s.names[l] = names
	}
	retired, err := readRetired(fsys)
	if err != nil {
		return nil, err
	}
	s.retired = retired
	return s, nil
}

// readRetired reads retired_districts.csv (code,name,now) when the file system has
// it: a kecamatan code of an earlier edition that the current one lacks.
func readRetired(fsys fs.FS) (map[string]string, error) {
	f, err := fsys.Open("regions/retired_districts.csv")
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("region: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("region: regions/retired_districts.csv: %w", err)
	}
	out := make(map[string]string, len(recs))
	for i, r := range recs {
		if i == 0 {
			continue // header
		}
		if len(r) != 3 {
			return nil, fmt.Errorf("region: regions/retired_districts.csv line %d: want code,name,now", i+1)
		}
		out[r[0]] = r[2]
	}
	return out, nil
}

func readLevel(fsys fs.FS, l Level) ([]Region, error) {
	name := files[l]
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("region: %w", err)
	}
	defer f.Close()

	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 2
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("region: %s: empty file", name)
		}
		return nil, fmt.Errorf("region: %s: %w", name, err)
	}
	if strings.TrimPrefix(header[0], "\ufeff") != "code" || header[1] != "name" {
		return nil, fmt.Errorf("region: %s: header is %q, want \"code,name\"", name, header)
	}

	var regions []Region
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("region: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		code, rname := rec[0], strings.TrimSpace(rec[1])
		if got, ok := LevelOf(code); !ok {
			return nil, fmt.Errorf("region: %s:%d: malformed code %q", name, line, code)
		} else if got != l {
			return nil, fmt.Errorf("region: %s:%d: code %s is a %s, want a %s", name, line, code, got, l)
		}
		if rname == "" {
			return nil, fmt.Errorf("region: %s:%d: %s has no name", name, line, code)
		}
		regions = append(regions, Region{Code: code, Name: rname, Level: l, Parent: parentOf(code)})
	}
	if len(regions) == 0 {
		return nil, fmt.Errorf("region: %s: no regions", name)
	}
	byCode := func(a, b Region) int { return strings.Compare(a.Code, b.Code) }
	if !slices.IsSortedFunc(regions, byCode) {
		slices.SortStableFunc(regions, byCode)
	}
	for i := 1; i < len(regions); i++ {
		if regions[i].Code == regions[i-1].Code {
			return nil, fmt.Errorf("region: %s: duplicate code %s", name, regions[i].Code)
		}
	}
	return slices.Clip(regions), nil
}

// find returns the index of code in regions, sorted by code.
func find(regions []Region, code string) (int, bool) {
	return slices.BinarySearchFunc(regions, code, func(r Region, c string) int { return cmp.Compare(r.Code, c) })
}

// below returns the index range of regions (sorted by code) whose codes lie
// strictly below ancestor.
func below(regions []Region, ancestor string) (lo, hi int) {
	lo, _ = find(regions, ancestor+".")
	hi, _ = find(regions, ancestor+"/") // '/' follows '.'
	return lo, hi
}

// Get returns the region with the given dotted code.
func (s *Set) Get(code string) (Region, bool) {
	l, ok := LevelOf(code)
	if !ok {
		return Region{}, false
	}
	i, ok := find(s.levels[l], code)
	if !ok {
		return Region{}, false
	}
	return s.levels[l][i], true
}

// Children returns the regions directly below code, sorted by code. Code ""
// yields the provinces. It returns nil for villages and for unknown codes.
func (s *Set) Children(code string) []Region {
	if code == "" {
		return slices.Clone(s.levels[Province])
	}
	r, ok := s.Get(code)
	if !ok || r.Level == Village {
		return nil
	}
	children := s.levels[r.Level+1]
	lo, hi := below(children, code)
	if lo == hi {
		return nil
	}
	return slices.Clone(children[lo:hi])
}

// Villages returns the villages within code (code itself when it is a village),
// sorted by code. It returns nil for unknown codes.
func (s *Set) Villages(code string) []Region {
	r, ok := s.Get(code)
	if !ok {
		return nil
	}
	if r.Level == Village {
		return []Region{r}
	}
	lo, hi := below(s.levels[Village], code)
	return slices.Clone(s.levels[Village][lo:hi])
}

// Ancestors returns the chain of regions from the province down to and
// including code; e.g. for a village: province, regency, district, village.
// It returns nil for unknown codes.
func (s *Set) Ancestors(code string) []Region {
	r, ok := s.Get(code)
	if !ok {
		return nil
	}
	chain := make([]Region, r.Level)
	chain[r.Level-1] = r
	for l := r.Level - 1; l >= Province; l-- {
		chain[l-1], _ = s.Get(code[:codeLen[l]])
	}
	return chain
}

// Count returns the number of regions of the given level within the region
// within: those equal to it or below it. Within "" means the whole country.
// For example Count(Village, "31") is the number of villages in DKI
// Jakarta. Count returns 0 for an invalid level or an unknown or malformed
// within.
func (s *Set) Count(level Level, within string) int {
	if !level.valid() {
		return 0
	}
	regions := s.levels[level]
	if within == "" {
		return len(regions)
	}
	wl, ok := LevelOf(within)
	switch {
	case !ok || wl > level:
		return 0
	case wl == level:
		if _, found := find(regions, within); found {
			return 1
		}
		return 0
	}
	lo, hi := below(regions, within)
	return hi - lo
}

// Within reports whether code equals ancestor or lies below it in the
// hierarchy. Both must be dotted codes of regions in s, except that
// ancestor "" stands for the whole country and contains every known region.
// Codes are compared on segment boundaries, so "31.7" is never an ancestor
// of "31.71". Within returns false for unknown or malformed codes.
func (s *Set) Within(code, ancestor string) bool {
	if _, ok := s.Get(code); !ok {
		return false
	}
	if ancestor == "" {
		return true
	}
	if _, ok := s.Get(ancestor); !ok {
		return false
	}
	return inside(code, ancestor)
}

// Common returns the deepest code that contains both a and b (either one itself
// when it contains the other), "" when they share no province. Codes are compared
// on segment boundaries; both must be well-formed.
func Common(a, b string) string {
	for a != "" && !inside(b, a) {
		a = parentOf(a)
	}
	return a
}

// inside is Within for codes already known to be well-formed.
func inside(code, ancestor string) bool {
	return code == ancestor ||
		len(code) > len(ancestor) && code[len(ancestor)] == '.' && strings.HasPrefix(code, ancestor)
}

// FindByName returns the regions of the given level whose name matches name
// and that lie within the region within ("" for the whole country), sorted
// by code. Names match ignoring case, punctuation and spacing: runs of
// spaces, ".", "-", "," and other punctuation separate words like a single
// space, and apostrophes and quotes are dropped. So "kota administrasi
// jakarta-pusat." finds "Kota Administrasi Jakarta Pusat", and "Ra'as" and
// "Raas" find "Ra\"as"; abbreviations such as "Kota Adm." are not expanded.
// Several regions can share a name even within one district (a kelurahan
// and a desa, say), so callers must handle more than one result.
// FindByName returns nil when nothing matches, when name has no letters or
// digits, or when within is unknown.
func (s *Set) FindByName(level Level, name, within string) []Region {
	if !level.valid() {
		return nil
	}
	if within != "" {
		if _, ok := s.Get(within); !ok {
			return nil
		}
	}
	key := foldName(name)
	if key == "" {
		return nil
	}
	var out []Region
	for _, i := range s.names[level][key] {
		r := s.levels[level][i]
		if within == "" || inside(r.Code, within) {
			out = append(out, r)
		}
	}
	return out
}

// foldName reduces a region name to the key FindByName compares: letters and
// digits lower-cased, apostrophes, quotes and combining marks dropped,
// every other run of characters (spaces, punctuation, symbols) turned into
// a single space, no leading or trailing space.
func foldName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	gap := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(unicode.ToLower(r))
		case isQuote(r) || unicode.Is(unicode.Mn, r):
			// dropped: "Ra'as", "Ra\"as" and "Raas" agree
		default:
			gap = true
		}
	}
	return b.String()
}

func isQuote(r rune) bool {
	switch r {
	case '\'', '"', '`', '\u00b4', '\u02bc', '\u2018', '\u2019', '\u201c', '\u201d':
		return true
	}
	return false
}
