package gen

import (
	"bytes"
	"encoding/csv"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
)

var (
	regionsOnce sync.Once
	regionSet   *region.Set
	regionsErr  error
)

func testRegions(t testing.TB) *region.Set {
	t.Helper()
	regionsOnce.Do(func() { regionSet, regionsErr = region.Load(data.Regions) })
	if regionsErr != nil {
		t.Fatal(regionsErr)
	}
	return regionSet
}

func newGen(t testing.TB, seed int64) *Generator {
	t.Helper()
	return New(seed, testRegions(t), "31")
}

// readCSV parses a generated file and checks its header.
func readCSV(t *testing.T, b []byte, header []string) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(b))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("generated CSV does not parse: %v", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("header is %q, want %q", recs[0], header)
	}
	return recs
}

func households(t *testing.T, seed int64, n int, opt Damage) ([]byte, Truth) {
	t.Helper()
	var b bytes.Buffer
	tr, err := newGen(t, seed).WriteHouseholdsCSV(&b, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), tr
}

// birthFromNIK returns the birth date and sex a NIK encodes.
func birthFromNIK(n string) (day, month, yy int, female bool) {
	day, _ = strconv.Atoi(n[6:8])
	month, _ = strconv.Atoi(n[8:10])
	yy, _ = strconv.Atoi(n[10:12])
	if day > 40 {
		day -= 40
		female = true
	}
	return day, month, yy, female
}

func ageOn(birth, today time.Time) int {
	a := today.Year() - birth.Year()
	if today.Month() < birth.Month() || today.Month() == birth.Month() && today.Day() < birth.Day() {
		a--
	}
	return a
}

var sixteenDigits = regexp.MustCompile(`^[0-9]{16}$`)

func TestOutputIsDeterministic(t *testing.T) {
	opt := Damage{ExactDup: 0.03, FuzzyDup: 0.03, Damaged: 0.03}
	writers := []struct {
		name  string
		write func(g *Generator, b *bytes.Buffer) error
	}{
		{"household CSV", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteHouseholdsCSV(b, 3000, opt); return err }},
		{"household XLSX", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteHouseholdsXLSX(b, 600, opt); return err }},
		{"person CSV", func(g *Generator, b *bytes.Buffer) error { _, err := g.WritePersonsCSV(b, 2000, opt); return err }},
		{"person XLSX", func(g *Generator, b *bytes.Buffer) error { _, err := g.WritePersonsXLSX(b, 300, opt); return err }},
		{"RW CSV", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteRWsCSV(b); return err }},
		{"RW XLSX", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteRWsXLSX(b); return err }},
		{"institution CSV", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteInstitutionsCSV(b); return err }},
		{"institution XLSX", func(g *Generator, b *bytes.Buffer) error { _, err := g.WriteInstitutionsXLSX(b); return err }},
	}
	// One Generator serves the parallel subtests at once: it must be safe for
	// concurrent use.
	g := newGen(t, 7)
	for _, w := range writers {
		t.Run(w.name+" is byte-identical for one seed and differs for another", func(t *testing.T) {
			t.Parallel()
			var a, b, c bytes.Buffer
			if err := w.write(g, &a); err != nil {
				t.Fatal(err)
			}
			// A second Generator and a second call on the first agree.
			if err := w.write(newGen(t, 7), &b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two runs with seed 7 differ")
			}
			b.Reset()
			if err := w.write(g, &b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("writing twice with one Generator differs")
			}
			if err := w.write(newGen(t, 8), &c); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Fatal("seeds 7 and 8 give the same output")
			}
		})
	}
}

// TestCleanHouseholdFile checks the promises of a file without damage, row
// by row and in aggregate.
func TestCleanHouseholdFile(t *testing.T) {
	const n = 30000
	b, tr := households(t, 1, n, Damage{})
	recs := readCSV(t, b, HouseholdHeader)
	rows := recs[1:]
	regions := testRegions(t)
	today := DefaultToday
	if len(rows) != n || tr.Rows != n || len(tr.Planted) != 0 {
		t.Fatalf("got %d rows, truth %d rows and %d planted; want %d and none planted", len(rows), tr.Rows, len(tr.Planted), n)
	}
	const (
		cKK = iota
		cNIK
		cName
		cBirth
		cSex
		cRel
		cKel
		cRW
		cRT
		cKTP
		cDom
		cTel
		cTag
	)
	births := make([]time.Time, len(rows))
	for i, r := range rows {
		bt, err := time.Parse("02/01/2006", r[cBirth])
		if err != nil {
			t.Fatalf("line %d: birth date %q: %v", i+2, r[cBirth], err)
		}
		births[i] = bt
	}

	t.Run("every NIK is 16 digits, unique, from a real district and matches birth date and sex", func(t *testing.T) {
		seen := map[string]int{}
		elsewhere, outside := 0, 0
		for i, r := range rows {
			id := r[cNIK]
			if !sixteenDigits.MatchString(id) {
				t.Fatalf("line %d: NIK %q is not 16 digits", i+2, id)
			}
			if prev, dup := seen[id]; dup {
				t.Fatalf("line %d: NIK %s already on line %d", i+2, id, prev)
			}
			seen[id] = i + 2
			dist := id[0:2] + "." + id[2:4] + "." + id[4:6]
			if d, ok := regions.Get(dist); !ok || d.Level != region.District {
				t.Fatalf("line %d: NIK %s: district %s does not exist", i+2, id, dist)
			}
			day, month, yy, female := birthFromNIK(id)
			if bt := births[i]; day != bt.Day() || month != int(bt.Month()) || yy != bt.Year()%100 {
				t.Fatalf("line %d: NIK %s does not encode birth date %s", i+2, id, r[cBirth])
			}
			if female != (r[cSex] == "P") {
				t.Fatalf("line %d: NIK %s day part disagrees with sex %s", i+2, id, r[cSex])
			}
			if id[12:] == "0000" {
				t.Fatalf("line %d: NIK %s has serial 0000", i+2, id)
			}
			if id[:6] != strings.ReplaceAll(r[cKel], ".", "")[:6] {
				elsewhere++
			}
			if id[:2] != "31" {
				outside++
			}
		}
		// About 5% are registered in another district; some of them outside Jakarta.
		if share := float64(elsewhere) / float64(len(rows)); share < 0.02 || share > 0.10 {
			t.Errorf("%.1f%% of NIKs are from another district, want about 5%%", share*100)
		}
		if outside == 0 {
			t.Error("no NIK from outside Jakarta")
		}
	})

	// Households are the runs of rows sharing a KK.
	type hh struct{ first, last int }
	var hhs []hh
	for i := range rows {
		if i == 0 || rows[i][cKK] != rows[i-1][cKK] {
			hhs = append(hhs, hh{i, i})
		}
		hhs[len(hhs)-1].last = i
	}

	t.Run("every household has one Kepala Keluarga first, a unique KK and one address", func(t *testing.T) {
		seenKK := map[string]bool{}
		for _, h := range hhs {
			kk := rows[h.first][cKK]
			if seenKK[kk] {
				t.Fatalf("line %d: KK %s appears in two places", h.first+2, kk)
			}
			seenKK[kk] = true
			if !sixteenDigits.MatchString(kk) {
				t.Fatalf("line %d: KK %q is not 16 digits", h.first+2, kk)
			}
			if _, ok := regions.Get(kk[0:2] + "." + kk[2:4] + "." + kk[4:6]); !ok {
				t.Fatalf("line %d: KK %s: unknown district", h.first+2, kk)
			}
			issued, err := time.Parse("020106", kk[6:12])
			if err != nil || issued.After(today) {
				t.Fatalf("line %d: KK %s: issue date %s invalid or in the future", h.first+2, kk, kk[6:12])
			}
			heads := 0
			for i := h.first; i <= h.last; i++ {
				if rows[i][cRel] == relHead {
					heads++
				}
				for _, c := range []int{cKel, cRW, cRT, cKTP, cDom} {
					if rows[i][c] != rows[h.first][c] {
						t.Fatalf("line %d: %s %q differs from the household's %q", i+2, HouseholdHeader[c], rows[i][c], rows[h.first][c])
					}
				}
			}
			if heads != 1 || rows[h.first][cRel] != relHead {
				t.Fatalf("line %d: household %s has %d Kepala Keluarga (want 1, first)", h.first+2, kk, heads)
			}
		}
	})

	t.Run("household sizes are 1 to 8 with a mean near 3.6", func(t *testing.T) {
		total := 0
		for _, h := range hhs {
			size := h.last - h.first + 1
			if size > 8 {
				t.Fatalf("line %d: household of %d", h.first+2, size)
			}
			total += size
		}
		if mean := float64(total) / float64(len(hhs)); mean < 3.3 || mean > 3.9 {
			t.Errorf("mean household size %.2f, want about 3.6", mean)
		}
	})

	t.Run("sex agrees with relation and generations are plausibly apart", func(t *testing.T) {
		for _, h := range hhs {
			var head, spouse, married, inLaw int = h.first, -1, -1, -1
			for i := h.first; i <= h.last; i++ {
				switch r := rows[i]; r[cRel] {
				case relWife:
					spouse = i
					if r[cSex] != "P" || rows[head][cSex] != "L" {
						t.Fatalf("line %d: Istri is %s, head %s", i+2, r[cSex], rows[head][cSex])
					}
				case relHusband:
					spouse = i
					if r[cSex] != "L" || rows[head][cSex] != "P" {
						t.Fatalf("line %d: Suami is %s, head %s", i+2, r[cSex], rows[head][cSex])
					}
				case relInLaw:
					inLaw = i
				case relChild:
					if married < 0 {
						married = i
					}
				}
			}
			older := func(parent, child int, years int) {
				t.Helper()
				if !births[parent].AddDate(years, 0, 0).Before(births[child].AddDate(0, 0, 1)) {
					t.Fatalf("line %d (%s, %s) is not %d years older than line %d (%s, %s)", parent+2,
						rows[parent][cRel], rows[parent][cBirth], years, child+2, rows[child][cRel], rows[child][cBirth])
				}
			}
			for i := h.first; i <= h.last; i++ {
				switch rows[i][cRel] {
				case relChild:
					older(head, i, 15)
					if spouse >= 0 {
						older(spouse, i, 15)
					}
				case relGrandchild:
					older(married, i, 15)
					older(inLaw, i, 15)
				case relParent:
					older(i, head, 15)
				case relParentLaw:
					older(i, spouse, 15)
				}
				if births[i].After(today) || ageOn(births[i], today) > 100 {
					t.Fatalf("line %d: implausible birth date %s", i+2, rows[i][cBirth])
				}
			}
		}
	})

	t.Run("kelurahan, RW and RT are valid and within DKI Jakarta", func(t *testing.T) {
		for i, r := range rows {
			v, ok := regions.Get(r[cKel])
			if !ok || v.Level != region.Village || !regions.Within(v.Code, "31") {
				t.Fatalf("line %d: kelurahan %q is not a village of province 31", i+2, r[cKel])
			}
			for _, c := range []int{cRW, cRT} {
				x, err := strconv.Atoi(r[c])
				if err != nil || x < 1 || x > 999 || len(r[c]) != 3 {
					t.Fatalf("line %d: %s %q, want 001 to 999", i+2, HouseholdHeader[c], r[c])
				}
			}
		}
	})

	t.Run("households spread like Jakarta's people", func(t *testing.T) {
		perKota := map[string]int{}
		for _, r := range rows {
			perKota[r[cKel][:5]]++
		}
		if perKota["31.75"] <= perKota["31.71"] || perKota["31.73"] <= perKota["31.71"] {
			t.Errorf("Jakarta Timur %d and Barat %d should outnumber Pusat %d", perKota["31.75"], perKota["31.73"], perKota["31.71"])
		}
		if perKota["31.01"] == 0 || perKota["31.01"] > len(rows)/100 {
			t.Errorf("Kepulauan Seribu has %d of %d rows, want a few but under 1%%", perKota["31.01"], len(rows))
		}
	})

	t.Run("tags follow age, phones are on heads' rows and valid, Domisili only when different", func(t *testing.T) {
		withPhone := 0
		for i, r := range rows {
			tags := strings.Split(r[cTag], ",")
			a := ageOn(births[i], today)
			if slices.Contains(tags, "lansia") != (a >= 60) {
				t.Fatalf("line %d: age %d with tags %q", i+2, a, r[cTag])
			}
			if slices.Contains(tags, "anak") != (a < 18) {
				t.Fatalf("line %d: age %d with tags %q", i+2, a, r[cTag])
			}
			if r[cTel] != "" {
				if r[cRel] != relHead {
					t.Fatalf("line %d: phone on a %s row", i+2, r[cRel])
				}
				if !strings.HasPrefix(r[cTel], "08") {
					t.Fatalf("line %d: phone %q does not start with 08", i+2, r[cTel])
				}
				if _, err := nik.Phone(r[cTel]); err != nil {
					t.Fatalf("line %d: phone %q: %v", i+2, r[cTel], err)
				}
				withPhone++
			}
			if r[cDom] != "" && r[cDom] == r[cKTP] {
				t.Fatalf("line %d: Alamat Domisili repeats Alamat KTP", i+2)
			}
			if r[cName] == "" || r[cKTP] == "" {
				t.Fatalf("line %d: empty name or address", i+2)
			}
		}
		if share := float64(withPhone) / float64(len(hhs)); share < 0.7 || share > 0.95 {
			t.Errorf("%.0f%% of households have a phone, want most but not all", share*100)
		}
	})

	t.Run("names mix one-word names, titles and spellings of Muhammad", func(t *testing.T) {
		one, titled := 0, 0
		forms := map[string]bool{}
		for _, r := range rows {
			name := strings.ToUpper(r[cName])
			if !strings.ContainsAny(strings.TrimSpace(name), " ") {
				one++
			}
			if strings.HasPrefix(name, "H. ") || strings.HasPrefix(name, "HJ. ") || strings.Contains(name, ", S.") {
				titled++
			}
			for _, f := range muhammadForms {
				if strings.HasPrefix(name, strings.ToUpper(f.s)+" ") {
					forms[f.s] = true
				}
			}
		}
		if share := float64(one) / float64(len(rows)); share < 0.05 || share > 0.4 {
			t.Errorf("%.0f%% have one name, want many but not most", share*100)
		}
		if titled < len(rows)/200 {
			t.Errorf("only %d titled names", titled)
		}
		if len(forms) < 5 {
			t.Errorf("only %d spellings of Muhammad: %v", len(forms), forms)
		}
	})
}

func TestNameListsAreLargeEnough(t *testing.T) {
	for _, tc := range []struct {
		sex   string
		lists func(e *ethnic) [][]string
		extra [][]string
	}{
		{"male", func(e *ethnic) [][]string { return [][]string{e.maleOld, e.maleYoung} }, [][]string{islamicMale, modernMale}},
		{"female", func(e *ethnic) [][]string { return [][]string{e.femaleOld, e.femaleYoung} }, [][]string{islamicFemale, modernFemale}},
	} {
		t.Run(tc.sex+" given names number at least 150", func(t *testing.T) {
			names := map[string]bool{}
			lists := tc.extra
			for _, e := range ethnics {
				lists = append(lists, tc.lists(e)...)
			}
			for _, l := range lists {
				for _, n := range l {
					names[n] = true
				}
			}
			if len(names) < 150 {
				t.Errorf("%d distinct %s given names, want at least 150", len(names), tc.sex)
			}
		})
	}
	t.Run("ethnic weights add up to 1000 per mille", func(t *testing.T) {
		sum := 0
		for _, e := range ethnics {
			sum += e.weight
		}
		if sum != 1000 {
			t.Errorf("weights add up to %d", sum)
		}
	})
}

// TestPlantedRows checks every planted row against the file, and that the
// rows not planted hold none of the planted trouble, so that a benchmark's
// precision is measured against a complete truth.
func TestPlantedRows(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		header []string
		write  func(g *Generator, b *bytes.Buffer, n int, opt Damage) (Truth, error)
	}{
		{"household", HouseholdHeader, func(g *Generator, b *bytes.Buffer, n int, opt Damage) (Truth, error) {
			return g.WriteHouseholdsCSV(b, n, opt)
		}},
		{"person", PersonHeader, func(g *Generator, b *bytes.Buffer, n int, opt Damage) (Truth, error) {
			return g.WritePersonsCSV(b, n, opt)
		}},
	} {
		t.Run(tc.kind+" file: the truth matches every planted line", func(t *testing.T) {
			const n = 20000
			opt := Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.02}
			var b bytes.Buffer
			g := newGen(t, 3)
			tr, err := tc.write(g, &b, n, opt)
			if err != nil {
				t.Fatal(err)
			}
			recs := readCSV(t, b.Bytes(), tc.header)
			checkTruth(t, recs, tc.header, tr, n, opt)
		})
	}
}

func checkTruth(t *testing.T, recs [][]string, header []string, tr Truth, n int, opt Damage) {
	t.Helper()
	regions := testRegions(t)
	col := func(name string) int { return slices.Index(header, name) }
	cKK, cNIK, cName, cBirth, cSex, cKel := col("No KK"), col("NIK"), col("Nama"), col("Tanggal Lahir"), col("Jenis Kelamin"), col("Kelurahan")
	cRW, cRT, cTel := col("RW"), col("RT"), col("Telepon")
	line := func(l int) []string { return recs[l-1] }

	if len(recs)-1 != n || tr.Rows != n {
		t.Fatalf("file has %d rows, truth says %d, want %d", len(recs)-1, tr.Rows, n)
	}
	for _, q := range []struct {
		name      string
		got, want int
	}{
		{"exact duplicates", tr.ExactDups, int(math.Round(opt.ExactDup * float64(n)))},
		{"fuzzy duplicates", tr.FuzzyDups, int(math.Round(opt.FuzzyDup * float64(n)))},
		{"damaged rows", tr.Damaged, int(math.Round(opt.Damaged * float64(n)))},
	} {
		if q.got != q.want {
			t.Errorf("%d %s planted, want %d", q.got, q.name, q.want)
		}
	}
	if len(tr.Planted) != tr.ExactDups+tr.FuzzyDups+tr.Damaged {
		t.Fatalf("%d planted entries for %d+%d+%d", len(tr.Planted), tr.ExactDups, tr.FuzzyDups, tr.Damaged)
	}

	planted := map[int]Plant{}
	problemsSeen := map[string]int{}
	variants := map[string]bool{}
	for _, p := range tr.Planted {
		if p.Line < 2 || p.Line > n+1 {
			t.Fatalf("planted line %d outside the file", p.Line)
		}
		if _, dup := planted[p.Line]; dup {
			t.Fatalf("line %d planted twice", p.Line)
		}
		planted[p.Line] = p
	}
	for _, p := range tr.Planted {
		r := line(p.Line)
		switch p.Type {
		case TypeExactDup:
			o := line(p.ExactDupOf)
			if _, isPlanted := planted[p.ExactDupOf]; isPlanted || p.ExactDupOf >= p.Line {
				t.Fatalf("line %d: exact duplicate of line %d, which is planted or not earlier", p.Line, p.ExactDupOf)
			}
			for _, c := range []int{cNIK, cName, cBirth, cSex} {
				if r[c] != o[c] {
					t.Fatalf("line %d: exact duplicate of line %d differs in %s: %q vs %q", p.Line, p.ExactDupOf, header[c], r[c], o[c])
				}
			}
			switch p.Variant {
			case "same_kk", "same_address":
				if !slices.Equal(r, o) || p.Expect != ExpectMerged {
					t.Fatalf("line %d: %s copy of line %d is not verbatim or not expected merged", p.Line, p.Variant, p.ExactDupOf)
				}
			case "other_kk":
				if r[cKK] == o[cKK] || p.Expect != ExpectReview {
					t.Fatalf("line %d: other_kk duplicate keeps KK %s of line %d", p.Line, r[cKK], p.ExactDupOf)
				}
			case "other_address":
				if p.Expect != ExpectReview {
					t.Fatalf("line %d: other_address duplicate not expected in review", p.Line)
				}
			default:
				t.Fatalf("line %d: unknown exact variant %q", p.Line, p.Variant)
			}
			variants[p.Variant] = true
		case TypeFuzzyDup:
			o := line(p.FuzzyDupOf)
			if _, isPlanted := planted[p.FuzzyDupOf]; isPlanted || p.FuzzyDupOf >= p.Line {
				t.Fatalf("line %d: fuzzy duplicate of line %d, which is planted or not earlier", p.Line, p.FuzzyDupOf)
			}
			for _, c := range []int{cBirth, cSex, cKel} {
				if r[c] != o[c] {
					t.Fatalf("line %d: fuzzy duplicate of line %d differs in %s", p.Line, p.FuzzyDupOf, header[c])
				}
			}
			if strings.EqualFold(r[cName], o[cName]) {
				t.Fatalf("line %d: fuzzy duplicate has the same name %q as line %d", p.Line, r[cName], p.FuzzyDupOf)
			}
			kind, nikPart, _ := strings.Cut(p.Variant, "+")
			switch nikPart {
			case "nik_missing":
				if r[cNIK] != "" {
					t.Fatalf("line %d: NIK %q should be missing", p.Line, r[cNIK])
				}
			case "nik_other":
				if r[cNIK] == o[cNIK] || !sixteenDigits.MatchString(r[cNIK]) || r[cNIK][:12] != o[cNIK][:12] {
					t.Fatalf("line %d: NIK %q should be another valid NIK for the same district and birth date as %q", p.Line, r[cNIK], o[cNIK])
				}
			default:
				t.Fatalf("line %d: variant %q says nothing of the NIK", p.Line, p.Variant)
			}
			if cKK >= 0 && r[cKK] == o[cKK] {
				t.Fatalf("line %d: fuzzy duplicate shares KK with line %d", p.Line, p.FuzzyDupOf)
			}
			if p.Expect != ExpectReview {
				t.Fatalf("line %d: fuzzy duplicate expected %q", p.Line, p.Expect)
			}
			variants[kind] = true
		case TypeDamaged:
			problemsSeen[p.Damaged]++
			checkDamage(t, regions, header, r, p)
		default:
			t.Fatalf("line %d: unknown type %q", p.Line, p.Type)
		}
	}
	for _, prob := range problems {
		if problemsSeen[prob] == 0 {
			t.Errorf("no row damaged with %s", prob)
		}
	}
	for _, v := range []string{"old_spelling", "title", "typo", "muhammad", "swap"} {
		if !variants[v] {
			t.Errorf("no fuzzy duplicate of kind %s", v)
		}
	}

	// Rows not planted are clean: valid and unique NIKs, real dates and
	// kelurahan, valid phones, padded RW/RT.
	seen := map[string]int{}
	for l := 2; l <= n+1; l++ {
		if _, ok := planted[l]; ok {
			continue
		}
		r := line(l)
		if !sixteenDigits.MatchString(r[cNIK]) || r[cNIK][12:] == "0000" {
			t.Fatalf("line %d (not planted): NIK %q", l, r[cNIK])
		}
		if prev, dup := seen[r[cNIK]]; dup {
			t.Fatalf("line %d (not planted) repeats the NIK of line %d", l, prev)
		}
		seen[r[cNIK]] = l
		if _, err := time.Parse("02/01/2006", r[cBirth]); err != nil {
			t.Fatalf("line %d (not planted): birth date %q", l, r[cBirth])
		}
		if _, ok := regions.Get(r[cKel]); !ok {
			t.Fatalf("line %d (not planted): kelurahan %q", l, r[cKel])
		}
		if r[cTel] != "" {
			if _, err := nik.Phone(r[cTel]); err != nil {
				t.Fatalf("line %d (not planted): phone %q", l, r[cTel])
			}
		}
		if len(r[cRW]) != 3 || len(r[cRT]) != 3 || r[cName] == "" || cKK >= 0 && r[cKK] == "" {
			t.Fatalf("line %d (not planted): RW %q RT %q name %q", l, r[cRW], r[cRT], r[cName])
		}
	}
}

var sciNIK = regexp.MustCompile(`^[0-9]\.[0-9]{1,5}E\+15$`)

func checkDamage(t *testing.T, regions *region.Set, header, r []string, p Plant) {
	t.Helper()
	c := slices.Index(header, p.Column)
	bad := func(why string) {
		t.Helper()
		t.Fatalf("line %d: %s: %s (row %q)", p.Line, p.Damaged, why, r)
	}
	wantExpect := ExpectRejected
	switch p.Damaged {
	case ProblemNIKScientific:
		if !sciNIK.MatchString(r[c]) {
			bad("NIK " + r[c] + " is not in scientific notation")
		}
	case ProblemNIKRounded:
		if !sixteenDigits.MatchString(r[c]) || r[c][12:] != "0000" {
			bad("NIK " + r[c] + " is not rounded to serial 0000")
		}
	case ProblemBadDate:
		if _, err := time.Parse("02/01/2006", r[c]); err == nil {
			bad("date " + r[c] + " parses")
		}
	case ProblemUnknownKelurahan:
		code, err := region.Normalize(r[c])
		if _, ok := regions.Get(code); err == nil && ok {
			bad("kelurahan " + r[c] + " exists")
		}
	case ProblemMissingField:
		if c < 0 || r[c] != "" {
			bad("column " + p.Column + " is not empty")
		}
	case ProblemBadPhone:
		if _, err := nik.Phone(r[c]); err == nil {
			bad("phone " + r[c] + " is valid")
		}
	case ProblemUnpaddedRWRT:
		wantExpect = ExpectAccepted
		for _, name := range []string{"RW", "RT"} {
			v := r[slices.Index(header, name)]
			if x, err := strconv.Atoi(v); err != nil || x < 1 || strings.HasPrefix(v, "0") {
				bad(name + " " + v + " is not an unpadded number")
			}
		}
	case ProblemNIKApostrophe:
		wantExpect = ExpectAccepted
		if !strings.HasPrefix(r[c], "'") || !sixteenDigits.MatchString(r[c][1:]) {
			bad("NIK " + r[c] + " is not an apostrophe and 16 digits")
		}
	default:
		bad("unknown problem")
	}
	if p.Expect != wantExpect {
		bad("expected " + p.Expect + ", want " + wantExpect)
	}
}

func TestDamageOptionsAreValidated(t *testing.T) {
	g := newGen(t, 1)
	for _, tc := range []struct {
		name string
		opt  Damage
	}{
		{"a negative fraction", Damage{ExactDup: -0.1}},
		{"a fraction above one", Damage{Damaged: 1.5}},
		{"NaN", Damage{FuzzyDup: math.NaN()}},
		{"fractions adding up to almost everything", Damage{ExactDup: 0.5, FuzzyDup: 0.3, Damaged: 0.2}},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			var b bytes.Buffer
			if _, err := g.WriteHouseholdsCSV(&b, 100, tc.opt); err == nil {
				t.Error("no error")
			}
		})
	}
	t.Run("a negative row count is refused", func(t *testing.T) {
		var b bytes.Buffer
		if _, err := g.WritePersonsCSV(&b, -1, Damage{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("zero rows give just the header", func(t *testing.T) {
		var b bytes.Buffer
		if _, err := g.WriteHouseholdsCSV(&b, 0, Damage{ExactDup: 0.1}); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != strings.Join(HouseholdHeader, ",")+"\n" {
			t.Errorf("got %q", got)
		}
	})
}

func TestHouseholdsIteratorMatchesTheFile(t *testing.T) {
	const n = 2000
	b, _ := households(t, 5, n, Damage{})
	recs := readCSV(t, b, HouseholdHeader)[1:]
	i := 0
	for h := range newGen(t, 5).Households(n) {
		for _, m := range h.Members {
			r := recs[i]
			if r[0] != h.KK || r[1] != m.NIK || r[2] != m.Name || r[3] != m.Birth.Format("02/01/2006") ||
				r[5] != m.Relation || r[6] != h.Kelurahan || r[11] != m.Phone || r[12] != strings.Join(m.Tags, ",") {
				t.Fatalf("row %d: file %q, iterator %+v %+v", i+2, r, h, m)
			}
			i++
		}
	}
	if i != n {
		t.Fatalf("iterator gave %d members, want %d", i, n)
	}
	t.Run("persons iterator gives the requested count with valid NIKs", func(t *testing.T) {
		count := 0
		for p := range newGen(t, 5).Persons(500) {
			if !sixteenDigits.MatchString(p.NIK) || p.Kelurahan == "" || p.Relation != "" {
				t.Fatalf("person %+v", p)
			}
			count++
		}
		if count != 500 {
			t.Fatalf("got %d persons", count)
		}
	})
}

func TestRWs(t *testing.T) {
	g := newGen(t, 1)
	regions := testRegions(t)
	var b bytes.Buffer
	n, err := g.WriteRWsCSV(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes(), RWHeader)[1:]
	if n != len(rows) {
		t.Fatalf("reported %d rows, wrote %d", n, len(rows))
	}
	t.Run("every kelurahan has RWs numbered from 001 without gaps", func(t *testing.T) {
		next := map[string]int{}
		for i, r := range rows {
			if _, ok := regions.Get(r[0]); !ok {
				t.Fatalf("line %d: unknown kelurahan %q", i+2, r[0])
			}
			rw, _ := strconv.Atoi(r[1])
			if len(r[1]) != 3 || rw != next[r[0]]+1 {
				t.Fatalf("line %d: RW %q after %d", i+2, r[1], next[r[0]])
			}
			next[r[0]] = rw
		}
		if len(next) != regions.Count(region.Village, "31") {
			t.Errorf("%d kelurahan have RWs, want all %d", len(next), regions.Count(region.Village, "31"))
		}
	})
	t.Run("families are 100 to 600 and people about 3.5 times as many", func(t *testing.T) {
		for i, r := range rows {
			kk, _ := strconv.Atoi(r[4])
			jiwa, _ := strconv.Atoi(r[5])
			if kk < 100 || kk > 600 || jiwa < kk*3 || jiwa > kk*4 {
				t.Fatalf("line %d: %d KK, %d jiwa", i+2, kk, jiwa)
			}
			if r[2] == "" {
				t.Fatalf("line %d: no RW head", i+2)
			}
			if r[3] != "" {
				if _, err := nik.Phone(r[3]); err != nil {
					t.Fatalf("line %d: phone %q: %v", i+2, r[3], err)
				}
			}
		}
	})
}

func TestInstitutions(t *testing.T) {
	g := newGen(t, 1)
	regions := testRegions(t)
	var b bytes.Buffer
	if _, err := g.WriteInstitutionsCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes(), InstitutionHeader)[1:]
	kinds := []string{KindPantiAsuhan, KindPantiJompo, KindPesantren, KindPuskesmas, KindRumahSakit, KindLainnya}
	t.Run("every kecamatan has a puskesmas kecamatan", func(t *testing.T) {
		have := map[string]bool{}
		for _, r := range rows {
			if r[1] == KindPuskesmas && strings.HasPrefix(r[0], "Puskesmas Kecamatan ") {
				have[r[2][:8]] = true
			}
		}
		if want := regions.Count(region.District, "31"); len(have) != want {
			t.Errorf("%d kecamatan have a puskesmas kecamatan, want %d", len(have), want)
		}
	})
	t.Run("rows are valid, names unique per kelurahan, coordinates inside Jakarta", func(t *testing.T) {
		seen := map[string]bool{}
		count := map[string]int{}
		for i, r := range rows {
			if !slices.Contains(kinds, r[1]) {
				t.Fatalf("line %d: kind %q", i+2, r[1])
			}
			count[r[1]]++
			if _, ok := regions.Get(r[2]); !ok {
				t.Fatalf("line %d: kelurahan %q", i+2, r[2])
			}
			if seen[r[2]+r[0]] {
				t.Fatalf("line %d: %q twice in %s", i+2, r[0], r[2])
			}
			seen[r[2]+r[0]] = true
			if res, err := strconv.Atoi(r[8]); err != nil || res < 1 {
				t.Fatalf("line %d: residents %q", i+2, r[8])
			}
			if r[7] != "" {
				if _, err := nik.Phone(r[7]); err != nil {
					t.Fatalf("line %d: phone %q: %v", i+2, r[7], err)
				}
			}
			if (r[9] == "") != (r[10] == "") {
				t.Fatalf("line %d: half a coordinate", i+2)
			}
			if r[9] == "" {
				continue
			}
			lat, _ := strconv.ParseFloat(r[9], 64)
			lon, _ := strconv.ParseFloat(r[10], 64)
			latLo, latHi, lonLo, lonHi := -6.37, -6.08, 106.68, 106.98
			if strings.HasPrefix(r[2], "31.01") { // the islands lie north
				latLo, latHi, lonLo, lonHi = -5.9, -5.4, 106.4, 106.8
			}
			if lat < latLo || lat > latHi || lon < lonLo || lon > lonHi {
				t.Fatalf("line %d: %s at %v,%v is outside its box", i+2, r[2], lat, lon)
			}
		}
		for _, k := range kinds {
			if count[k] == 0 {
				t.Errorf("no institution of kind %s", k)
			}
		}
	})
}

func TestFuzzyNameVariants(t *testing.T) {
	r := newRNG(1, 99)
	t.Run("old spelling turns modern to old and back", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{"Soeharto", "Suharto"}, {"Joko", "Djoko"}, {"Cecep", "Tjetjep"}, {"Budi", "Boedi"}, {"Khairil", "Chairil"},
		} {
			if got, ok := respell(r, tc.in); !ok || got != tc.want {
				t.Errorf("respell(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		}
	})
	t.Run("swapping moves the last name first", func(t *testing.T) {
		if got, ok := swapOrder("Agus Setiawan"); !ok || got != "Setiawan Agus" {
			t.Errorf("got %q", got)
		}
		if _, ok := swapOrder("Sutrisno"); ok {
			t.Error("a one-word name was swapped")
		}
	})
	t.Run("Muhammad is respelt or dropped, never kept", func(t *testing.T) {
		for range 50 {
			got, ok := remuhammad(r, "Muhammad Rizky", true, true)
			if !ok || strings.HasPrefix(got, "Muhammad ") || !strings.HasSuffix(got, "Rizky") {
				t.Fatalf("got %q", got)
			}
		}
	})
	t.Run("every variant differs from the name", func(t *testing.T) {
		names := []nameParts{{core: "Sutrisno"}, {prefix: "H. ", core: "Ahmad Fauzi", suffix: ", S.E."},
			{core: "Ai"}, {core: "Lim Swie Hong"}, {core: "Siti Aminah"}, {core: "Rosmawati Br. Siregar"}}
		for _, n := range names {
			for range 40 {
				v, kind := fuzzName(r, n, r.chance(500), r.chance(500), r.between(5, 80))
				if strings.EqualFold(v.String(), n.String()) || kind == "" {
					t.Fatalf("%q gave %q (%s)", n, v, kind)
				}
			}
		}
	})
}

func TestDates(t *testing.T) {
	t.Run("day numbers round-trip through the calendar", func(t *testing.T) {
		for d := mkdate(1900, 1, 1); d < mkdate(2100, 1, 1); d += 17 {
			y, m, dd := d.ymd()
			if mkdate(y, m, dd) != d || d.time().Unix() != int64(d)*86400 {
				t.Fatalf("day %d: %d-%d-%d", d, y, m, dd)
			}
		}
	})
	t.Run("layouts write real and impossible dates", func(t *testing.T) {
		for _, tc := range []struct {
			layout  string
			y, m, d int
			want    string
		}{
			{"02/01/2006", 1980, 2, 31, "31/02/1980"},
			{"2006-01-02", 2024, 7, 5, "2024-07-05"},
			{"2/1/06", 2001, 3, 4, "4/3/01"},
		} {
			if got := string(formatDate(nil, tc.layout, tc.y, tc.m, tc.d)); got != tc.want {
				t.Errorf("formatDate(%q) = %q, want %q", tc.layout, got, tc.want)
			}
		}
		if got := excelDateFormat("02/01/2006"); got != "dd/mm/yyyy" {
			t.Errorf("excel format %q", got)
		}
	})
}

func BenchmarkHouseholdsCSV(b *testing.B) {
	g := newGen(b, 1)
	const n = 50000
	opt := Damage{ExactDup: 0.02, FuzzyDup: 0.02, Damaged: 0.01}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if _, err := g.WriteHouseholdsCSV(&buf, n, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(int64(buf.Len()))
}

func TestKelurahanFormsAndDateLayouts(t *testing.T) {
	regions := testRegions(t)
	resolve := func(s string) (region.Region, bool) {
		if code, err := region.Normalize(s); err == nil {
			return regions.Get(code)
		}
		if vs := regions.FindByName(region.Village, s, "31"); len(vs) == 1 {
			return vs[0], true
		}
		return region.Region{}, false
	}
	for _, tc := range []struct {
		name   string
		form   KelurahanForm
		layout string
		shape  *regexp.Regexp
	}{
		{"dotted codes and DD/MM/YYYY", KelurahanCode, "02/01/2006", regexp.MustCompile(`^31\.\d\d\.\d\d\.\d{4}$`)},
		{"ten digits and ISO dates", KelurahanDigits, "2006-01-02", regexp.MustCompile(`^31\d{8}$`)},
		{"names and D-M-YYYY", KelurahanName, "2-1-2006", regexp.MustCompile(`^[A-Za-z' .()-]+$`)},
	} {
		t.Run(tc.name+" resolve, and planted unknown kelurahan and bad dates do not", func(t *testing.T) {
			g := newGen(t, 4)
			g.KelurahanForm, g.DateLayout = tc.form, tc.layout
			var b bytes.Buffer
			tr, err := g.WriteHouseholdsCSV(&b, 4000, Damage{Damaged: 0.1})
			if err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, b.Bytes(), HouseholdHeader)
			planted := map[int]string{}
			for _, p := range tr.Planted {
				planted[p.Line] = p.Damaged
			}
			for l := 2; l < len(rows)+1; l++ {
				kel, birth := rows[l-1][6], rows[l-1][3]
				_, ok := resolve(kel)
				_, dateErr := time.Parse(tc.layout, birth)
				switch planted[l] {
				case ProblemUnknownKelurahan:
					if ok {
						t.Fatalf("line %d: planted unknown kelurahan %q resolves", l, kel)
					}
					continue
				case ProblemBadDate:
					if dateErr == nil {
						t.Fatalf("line %d: planted bad date %q parses", l, birth)
					}
					continue
				case "":
				default:
					continue // damaged elsewhere
				}
				if !ok || !tc.shape.MatchString(kel) {
					t.Fatalf("line %d: kelurahan %q does not resolve or has the wrong shape", l, kel)
				}
				if dateErr != nil {
					t.Fatalf("line %d: date %q: %v", l, birth, dateErr)
				}
			}
		})
	}
}
