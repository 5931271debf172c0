// Package gen generates a realistic, entirely fictitious registry of a
// Jakarta-like province: households (Kartu Keluarga with their members),
// persons, RWs and institutions, in the registry's import format (CSV or
// XLSX, Indonesian headers). It feeds `gotong serve --demo` and the import
// benchmarks.
//
// Output is deterministic: the same seed, region data and options give
// byte-identical files on any machine. Every random choice is drawn from a
// math/rand/v2 PCG source through integer arithmetic only (no floating
// point decisions, no map iteration), and the reference date is fixed, not
// the clock.
//
// Files can carry planted trouble for benchmarks and tests (see [Damage]):
// exact and fuzzy duplicates and damaged rows, each recorded with its line
// number in a [Truth].
package gen

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/region"
)

// DefaultToday is the reference date ages are counted from unless
// Generator.Today is changed: fixed so that output does not depend on the day
// it is generated.
var DefaultToday = time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC)

// KelurahanForm says how the Kelurahan column is written.
type KelurahanForm int

// The ways offices write a kelurahan.
const (
	KelurahanCode   KelurahanForm = iota // dotted code, "31.71.01.1001"
	KelurahanDigits                      // ten digits, "3171011001"
	KelurahanName                        // the name, "Gambir"
)

// Generator makes registry data for one province. Create it with [New]; set
// its exported fields, if at all, before the first Write call. A Generator
// holds no state between calls: each Write method starts from the seed
// again, so writing twice gives the same bytes. Its methods may be called
// from several goroutines at once.
type Generator struct {
	// Today is the reference date for ages, tags and issue dates.
	Today time.Time
	// DateLayout is the Go layout of dates in CSV files; XLSX files hold
	// real dates shown in the matching format. Tokens 2006, 06, 01, 1, 02
	// and 2 are understood. Default "02/01/2006", as Indonesian offices write.
	DateLayout string
	// KelurahanForm says how the Kelurahan column is written.
	KelurahanForm KelurahanForm

	seed     int64
	regions  *region.Set
	province string

	villages   []*village
	villageCum []int // cumulative weights of villages
	districts  []*district
	local      []int // indices of the province's districts
	// outside lists, per ethnic group (same order as ethnics), the districts
	// migrants of that group come from; outsideAny pools them all.
	outside    [][]int
	outsideAny []int
	ethCum     []int
	distIdx    map[string]int // code → index into districts; only while New runs
}

type district struct {
	code     string // dotted, "31.71.01"
	digits   string // six digits, "317101"
	name     string
	regency  string // regency name as addresses write it, "Jakarta Pusat"
	villages []string
	local    bool
}

type village struct {
	idx     int
	code    string // dotted
	digits  string // ten digits
	name    string
	dist    int // index into Generator.districts
	kota    string
	weight  int
	upper   bool // this office writes names in capitals, as on the KK
	rws     []rwInfo
	rwCum   []int
	streets []string
}

type rwInfo struct {
	rts      int
	families int
	street   int
}

// regencyPeople is the population of DKI Jakarta's kab/kota in thousands
// (BPS 2020, rounded): it weights where households live.
var regencyPeople = map[string]int{
	"31.01": 28, "31.71": 1100, "31.72": 1800, "31.73": 2450, "31.74": 2250, "31.75": 3050,
}

// New returns a Generator for province (a province code such as "31")
// seeded with seed. It panics when province has no villages in regions, which
// is a programming error.
func New(seed int64, regions *region.Set, province string) *Generator {
	g := &Generator{Today: DefaultToday, DateLayout: "02/01/2006", seed: seed, regions: regions, province: province}
	r := newRNG(seed, streamLayout)
	g.distIdx = map[string]int{}
	for _, kota := range regions.Children(province) {
		people := regencyPeople[kota.Code]
		if people == 0 {
			people = 1000
		}
		var kotaVillages []region.Region
		for _, kec := range regions.Children(kota.Code) {
			d := g.addDistrict(kec, true)
			for _, v := range regions.Children(kec.Code) {
				kotaVillages = append(kotaVillages, v)
				g.districts[d].villages = append(g.districts[d].villages, v.Name)
			}
		}
		for _, v := range kotaVillages {
			g.addVillage(r, v, people*1000/len(kotaVillages))
		}
	}
	if len(g.villages) == 0 {
		panic(fmt.Sprintf("gen: province %q has no villages", province))
	}
	for _, e := range ethnics {
		var ds []int
		for _, code := range e.origin {
			if strings.HasPrefix(code, province+".") {
				continue
			}
			for _, kec := range regions.Children(code) {
				ds = append(ds, g.addDistrict(kec, false))
			}
		}
		g.outside = append(g.outside, ds)
		g.outsideAny = append(g.outsideAny, ds...)
	}
	total := 0
	for _, e := range ethnics {
		total += e.weight
		g.ethCum = append(g.ethCum, total)
	}
	g.distIdx = nil
	return g
}

func (g *Generator) addDistrict(kec region.Region, local bool) int {
	if i, ok := g.distIdx[kec.Code]; ok {
		return i
	}
	reg, _ := g.regions.Get(kec.Parent)
	d := &district{code: kec.Code, digits: strings.ReplaceAll(kec.Code, ".", ""), name: kec.Name,
		regency: shortRegency(reg.Name), local: local}
	if !local {
		for _, v := range g.regions.Children(kec.Code) {
			d.villages = append(d.villages, v.Name)
		}
	}
	g.districts = append(g.districts, d)
	i := len(g.districts) - 1
	g.distIdx[kec.Code] = i
	if local {
		g.local = append(g.local, i)
	}
	return i
}

// shortRegency turns "Kota Administrasi Jakarta Pusat" into "Jakarta Pusat"
// and "Kabupaten Brebes" into "Kab. Brebes", as addresses are written.
func shortRegency(name string) string {
	for _, p := range []string{"Kota Administrasi ", "Kabupaten Administrasi "} {
		if s, ok := strings.CutPrefix(name, p); ok {
			return s
		}
	}
	if s, ok := strings.CutPrefix(name, "Kabupaten "); ok {
		return "Kab. " + s
	}
	return name
}

func (g *Generator) addVillage(r *rng, v region.Region, mean int) {
	dist := g.distIdx[v.Parent]
	vil := &village{idx: len(g.villages), code: v.Code, digits: strings.ReplaceAll(v.Code, ".", ""),
		name: v.Name, dist: dist, kota: v.Code[:5]}
	// People per kelurahan vary about twofold around the kab/kota mean.
	vil.weight = mean * r.between(50, 160) / 100
	vil.upper = r.chance(350)
	nRW := min(max((vil.weight+1750)/3500, 3), 30)
	nStreets := nRW/2 + 2
	for i := range nStreets {
		vil.streets = append(vil.streets, g.streetName(r, vil, i))
	}
	total := 0
	for i := range nRW {
		fam := r.between(100, 350) + r.between(0, 250) // 100–600, most near 300
		rw := rwInfo{families: fam, rts: min(max(fam/35, 3), 16), street: i * nStreets / nRW}
		vil.rws = append(vil.rws, rw)
		total += fam
		vil.rwCum = append(vil.rwCum, total)
	}
	g.villages = append(g.villages, vil)
	prev := 0
	if n := len(g.villageCum); n > 0 {
		prev = g.villageCum[n-1]
	}
	g.villageCum = append(g.villageCum, prev+vil.weight)
}

func (g *Generator) streetName(r *rng, v *village, i int) string {
	if i == 0 || r.chance(250) {
		// Streets named after the kelurahan itself: "Jl. Cideng Barat II".
		return v.name + pick(r, streetSuffix)
	}
	return pick(r, streetNames) + pick(r, streetSuffix)
}

// pickVillage draws a kelurahan, weighted by its people.
func (g *Generator) pickVillage(r *rng) *village {
	return g.villages[pickCum(r, g.villageCum)]
}

// kelurahan writes a village as the Generator's KelurahanForm says.
func (g *Generator) kelurahan(v *village) string {
	switch g.KelurahanForm {
	case KelurahanDigits:
		return v.digits
	case KelurahanName:
		return v.name
	}
	return v.code
}

// ---- randomness ----

// Streams separate the independent sequences one seed gives, so that adding a
// draw to one kind of output does not change the others.
const (
	streamLayout uint64 = iota + 1
	streamHouseholds
	streamPlant
	streamPersons
	streamRWs
	streamInstitutions
)

// rng draws from a PCG source with integer arithmetic only, so that results
// do not depend on math/rand/v2's helper algorithms or on floating point.
type rng struct{ src *rand.PCG }

func newRNG(seed int64, stream uint64) *rng {
	return &rng{rand.NewPCG(uint64(seed), stream*0x9e3779b97f4a7c15+0x2545f4914f6cdd1d)}
}

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.src.Uint64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance is true with probability perMille/1000.
func (r *rng) chance(perMille int) bool { return r.intn(1000) < perMille }

func pick[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

// pickCum draws an index from cumulative integer weights.
func pickCum(r *rng, cum []int) int {
	x := r.intn(cum[len(cum)-1])
	i, _ := slices.BinarySearch(cum, x+1)
	return i
}

// ---- calendar dates as day numbers ----

// date counts days since 1970-01-01; plain integers keep the generator fast
// and exact.
type date int32

func mkdate(y, m, d int) date {
	// Howard Hinnant's days_from_civil.
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return date(era*146097 + doe - 719468)
}

func (dt date) ymd() (y, m, d int) {
	z := int(dt) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return mkdate(y, int(m), d)
}

func (dt date) time() time.Time {
	y, m, d := dt.ymd()
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
}

// yearsBefore returns the same calendar day n years earlier (28 February for
// 29 February).
func (dt date) yearsBefore(n int) date {
	y, m, d := dt.ymd()
	if m == 2 && d == 29 {
		d = 28
	}
	return mkdate(y-n, m, d)
}

// age is the number of whole years between birth and today.
func age(birth, today date) int {
	by, bm, bd := birth.ymd()
	ty, tm, td := today.ymd()
	a := ty - by
	if tm < bm || tm == bm && td < bd {
		a--
	}
	return a
}

// years converts years to an approximate number of days.
func years(n int) int { return n * 36525 / 100 }

// formatDate writes y-m-d with a Go-style layout. It writes impossible dates
// such as 31/02 as readily as real ones, which the damaged rows need.
func formatDate(b []byte, layout string, y, m, d int) []byte {
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006"):
			b = appendPad(b, y, 4)
			i += 4
		case strings.HasPrefix(layout[i:], "06"):
			b = appendPad(b, y%100, 2)
			i += 2
		case strings.HasPrefix(layout[i:], "01"):
			b = appendPad(b, m, 2)
			i += 2
		case strings.HasPrefix(layout[i:], "02"):
			b = appendPad(b, d, 2)
			i += 2
		case layout[i] == '1':
			b = appendPad(b, m, 1)
			i++
		case layout[i] == '2':
			b = appendPad(b, d, 1)
			i++
		default:
			b = append(b, layout[i])
			i++
		}
	}
	return b
}

// appendPad appends n in decimal, zero-padded to width digits.
func appendPad(b []byte, n, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + n)
	return append(b, tmp[i:]...)
}

// excelDateFormat turns a Go date layout into the number format a
// spreadsheet shows it with.
func excelDateFormat(layout string) string {
	var b strings.Builder
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006"):
			b.WriteString("yyyy")
			i += 4
		case strings.HasPrefix(layout[i:], "06"):
			b.WriteString("yy")
			i += 2
		case strings.HasPrefix(layout[i:], "01"):
			b.WriteString("mm")
			i += 2
		case strings.HasPrefix(layout[i:], "02"):
			b.WriteString("dd")
			i += 2
		case layout[i] == '1':
			b.WriteString("m")
			i++
		case layout[i] == '2':
			b.WriteString("d")
			i++
		default:
			b.WriteByte(layout[i])
			i++
		}
	}
	return b.String()
}
