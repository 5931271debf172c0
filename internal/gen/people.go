package gen

import (
	"strings"
)

// Hubungan Keluarga values.
const (
	relHead       = "Kepala Keluarga"
	relWife       = "Istri"
	relHusband    = "Suami"
	relChild      = "Anak"
	relInLaw      = "Menantu"
	relGrandchild = "Cucu"
	relParent     = "Orang Tua"
	relParentLaw  = "Mertua"
	relRelative   = "Famili Lain"
	relOther      = "Lainnya"
)

// householdSizes weights sizes 1–8 (per mille); the mean is about 3.6, as
// in Jakarta's census.
var householdSizes = []int{100, 260, 480, 720, 870, 950, 980, 1000}

type nameParts struct{ prefix, core, suffix string }

func (n nameParts) String() string { return n.prefix + n.core + n.suffix }

type member struct {
	name   nameParts
	sex    byte // 'L' or 'P'
	birth  date
	rel    string
	dist   int // district of the NIK (where the person was registered)
	serial int
	nik    string
	phone  string
	tags   string
	eth    *ethnic
	fam    string
	muslim bool
}

type household struct {
	kk       string
	kkDist   int
	vil      *village
	rw, rt   int
	ktp, dom string
	members  []member
}

// people draws households. It carries the serial counters that keep NIKs
// and KK numbers unique within one generated file.
type people struct {
	g     *Generator
	r     *rng
	today date
	niks  *serials
	kks   *serials
	h     household // reused between calls
}

var (
	nikBase = mkdate(1920, 1, 1)
	kkBase  = mkdate(2000, 1, 1)
)

func (g *Generator) newPeople(stream uint64) *people {
	today := dateOf(g.Today)
	return &people{g: g, r: newRNG(g.seed, stream), today: today,
		niks: newSerials(g.districts, nikBase, today+1),
		kks:  newSerials(g.districts, kkBase, today+1)}
}

// serials hands out the four-digit serials of NIK and KK numbers: one
// counter per (district, date), so numbers are unique and, as in real data,
// mostly small. Jakarta's districts get dense tables (constant memory);
// the few people registered elsewhere go in a map.
type serials struct {
	base  date
	days  int
	dense [][]uint16
	local []bool
	other map[uint64]uint16
}

func newSerials(ds []*district, base, end date) *serials {
	s := &serials{base: base, days: int(end - base), dense: make([][]uint16, len(ds)),
		local: make([]bool, len(ds)), other: map[uint64]uint16{}}
	for i, d := range ds {
		s.local[i] = d.local
	}
	return s
}

// next returns the next serial for dist and day, or 0 when the day's 9999
// serials are used up or the day is out of range.
func (s *serials) next(dist int, day date) int {
	i := int(day - s.base)
	if i < 0 || i >= s.days {
		return 0
	}
	if s.local[dist] {
		if s.dense[dist] == nil {
			s.dense[dist] = make([]uint16, s.days)
		}
		c := s.dense[dist][i]
		if c >= 9999 {
			return 0
		}
		s.dense[dist][i] = c + 1
		return int(c) + 1
	}
	k := uint64(dist)<<32 | uint64(i)
	c := s.other[k]
	if c >= 9999 {
		return 0
	}
	s.other[k] = c + 1
	return int(c) + 1
}

// idNumber writes a NIK or KK number: district, DDMMYY (day + 40 for a
// woman's NIK), serial.
func idNumber(d *district, day date, female bool, serial int) string {
	b := make([]byte, 0, 16)
	b = append(b, d.digits...)
	y, m, dd := day.ymd()
	if female {
		dd += 40
	}
	b = appendPad(b, dd, 2)
	b = appendPad(b, m, 2)
	b = appendPad(b, y%100, 2)
	b = appendPad(b, serial, 4)
	return string(b)
}

// assignNIK gives m a unique NIK for its district and birth date. Should a
// day's 9999 serials run out (they never do in practice), the birth date moves
// by a day, back in time for the newborn.
func (p *people) assignNIK(m *member) {
	step := date(1)
	if m.birth >= p.today-1 {
		step = -1
	}
	for {
		if s := p.niks.next(m.dist, m.birth); s > 0 {
			m.serial = s
			m.nik = idNumber(p.g.districts[m.dist], m.birth, m.sex == 'P', s)
			return
		}
		m.birth += step
	}
}

func (g *Generator) pickEthnic(r *rng) *ethnic { return ethnics[pickCum(r, g.ethCum)] }

// household draws the next household, with at most maxSize members.
func (p *people) household(maxSize int) *household {
	r, g, t := p.r, p.g, p.today
	h := &p.h
	h.members = h.members[:0]
	v := g.pickVillage(r)
	h.vil = v
	rwi := pickCum(r, v.rwCum)
	h.rw, h.rt = rwi+1, r.between(1, v.rws[rwi].rts)

	size := min(pickCum(r, householdSizes)+1, max(maxSize, 1))
	eth := g.pickEthnic(r)
	muslim := r.intn(100) < eth.muslim
	fam := ""
	if eth.family != nil {
		fam = pick(r, eth.family)
		if eth == &batak {
			muslim = mandailing[fam] && r.chance(900) || !mandailing[fam] && r.chance(50)
		}
	}
	andi := eth == &bugis && r.chance(150)
	p.compose(size)

	// Names: children take their father's family name and usually his
	// group's names; spouses and in-laws bring their own.
	father, mother := -1, -1
	for i := range h.members {
		switch m := &h.members[i]; {
		case m.sex == 'L' && (m.rel == relHead || m.rel == relHusband):
			father = i
		case m.sex == 'P' && (m.rel == relHead || m.rel == relWife):
			mother = i
		}
	}
	for i := range h.members {
		m := &h.members[i]
		m.eth, m.muslim = eth, muslim
		switch m.rel {
		case relHead, relParent:
			m.fam = fam
		case relWife, relHusband, relInLaw, relParentLaw, relOther:
			if r.chance(150) {
				m.eth = g.pickEthnic(r)
			}
			m.fam = ""
			if m.eth.family != nil {
				m.fam = pick(r, m.eth.family)
			}
			if m.rel == relOther {
				m.eth = pick(r, []*ethnic{&javanese, &sundanese, &betawi})
				m.fam = ""
			}
		case relChild:
			m.fam = fam
			if father >= 0 {
				m.fam = h.members[father].fam
				m.eth = h.members[father].eth
			}
			if mother >= 0 && (father < 0 || r.chance(400)) {
				m.eth = h.members[mother].eth // the given names of her tradition
			}
		case relGrandchild:
			// The grandchild's father is the married child (the eldest Anak)
			// if a son, or else the daughter's husband, the Menantu.
			dad := -1
			for j := range h.members {
				if c := h.members[j]; c.rel == relChild && dad < 0 && c.sex == 'L' || c.rel == relInLaw && c.sex == 'L' {
					dad = j
					break
				} else if c.rel == relChild {
					dad = len(h.members) // the daughter: look for her husband
				}
			}
			if dad >= 0 && dad < len(h.members) {
				m.fam, m.eth = h.members[dad].fam, h.members[dad].eth
			}
		case relRelative:
			if m.eth.family != nil {
				m.fam = pick(r, m.eth.family)
			}
		}
		m.name = p.name(m.eth, m.sex, m.birth, m.muslim, m.fam,
			andi && (m.rel == relHead || m.rel == relChild || m.rel == relParent || m.rel == relGrandchild))
	}

	// Where they are registered: mostly the district they live in.
	reg := v.dist
	switch x := r.intn(1000); {
	case x < 22:
		reg = pick(r, g.local)
	case x < 40 && len(g.outsideAny) > 0:
		reg = p.origin(eth)
	}
	h.kkDist = reg
	youngest := h.members[0].birth
	for i := range h.members {
		m := &h.members[i]
		youngest = max(youngest, m.birth)
		m.dist = reg
		switch m.rel {
		case relHead, relWife, relHusband, relParent, relParentLaw, relInLaw, relOther:
			if r.chance(30) && len(g.outsideAny) > 0 {
				m.dist = p.origin(m.eth)
			}
		}
		p.assignNIK(m)
		youngest = max(youngest, m.birth)
		m.tags = p.tags(h, m)
	}
	if a := age(h.members[0].birth, t); a < 70 && r.chance(870) || a >= 70 && r.chance(500) {
		h.members[0].phone = p.phone()
	}

	h.kk = p.kk(reg, youngest)
	local := p.localAddress(v, rwi)
	switch {
	case reg != v.dist:
		h.ktp, h.dom = p.remoteAddress(reg), local
	default:
		h.ktp, h.dom = local, ""
		if r.chance(40) {
			// Moved within the kelurahan without changing the KK.
			if ktp := p.localAddress(v, r.intn(len(v.rws))); ktp != local {
				h.ktp, h.dom = ktp, local
			}
		}
	}
	return h
}

// origin draws a district from a group's home region, where migrants keep
// their registration.
func (p *people) origin(eth *ethnic) int {
	for i, e := range ethnics {
		if e == eth && len(p.g.outside[i]) > 0 {
			return pick(p.r, p.g.outside[i])
		}
	}
	return pick(p.r, p.g.outsideAny)
}

// kk numbers a family card issued in district dist after its youngest
// member's birth: most were re-issued in recent years.
func (p *people) kk(dist int, youngest date) string {
	r, t := p.r, p.today
	lo := max(youngest+14, mkdate(2005, 1, 1))
	if r.chance(600) {
		lo = max(lo, t-date(years(5)))
	}
	hi := t - 1
	if lo > hi {
		lo = hi
	}
	day := lo + date(r.intn(int(hi-lo)+1))
	for {
		if s := p.kks.next(dist, day); s > 0 {
			return idNumber(p.g.districts[dist], day, false, s)
		}
		day--
	}
}

// compose fills p.h.members with relations, sexes and birth dates.
func (p *people) compose(size int) {
	r, t := p.r, p.today
	h := &p.h
	add := func(rel string, sex byte, birth date) {
		h.members = append(h.members, member{rel: rel, sex: sex, birth: max(birth, t-date(years(97)))})
	}
	sexOf := func(malePerMille int) byte {
		if r.chance(malePerMille) {
			return 'L'
		}
		return 'P'
	}
	// bornAged returns a birth date for an age in [lo, hi] years.
	bornAged := func(lo, hi int) date {
		return t - date(years(lo)) - date(r.intn(years(hi-lo+1)))
	}

	if size == 1 {
		if r.chance(450) {
			add(relHead, sexOf(650), bornAged(19, 38))
		} else {
			add(relHead, sexOf(300), bornAged(58, 92))
		}
		return
	}

	if size >= 4 && r.chance(140) {
		// Three generations: grandparents, a married child with spouse and
		// their children, and the grandparents' younger children.
		mother := bornAged(48, 74)
		father := p.husbandOf(mother)
		switch {
		case !r.chance(250):
			add(relHead, 'L', father)
			add(relWife, 'P', mother)
		case r.chance(750):
			add(relHead, 'P', mother)
		default:
			add(relHead, 'L', father)
		}
		rest := size - len(h.members) - 2
		nCucu := 0
		if rest > 0 {
			nCucu = 1 + r.intn(rest)
		}
		kids := p.childBirths(mother, 1+rest-nCucu, t-date(years(23)))
		married := sexOf(450)
		add(relChild, married, kids[0])
		for _, b := range kids[1:] {
			add(relChild, sexOf(500), b)
		}
		var inLaw, cucuMother date
		if married == 'P' {
			inLaw = kids[0] - date(years(r.between(0, 6))) - date(r.intn(365))
			add(relInLaw, 'L', inLaw)
			cucuMother = kids[0]
		} else {
			inLaw = min(kids[0]+date(years(r.between(0, 5))+r.intn(365)), t-date(years(20)))
			add(relInLaw, 'P', inLaw)
			cucuMother = inLaw
		}
		nCucu = min(nCucu, 1+(age(cucuMother, t)-20)/2)
		for _, b := range p.childBirths(cucuMother, nCucu, t) {
			add(relGrandchild, sexOf(500), b)
		}
		return
	}

	withElder := size >= 3 && r.chance(110)
	n := size
	if withElder {
		n--
	}
	spouse := !r.chance(100)
	kids := n - 1
	if spouse {
		kids = n - 2
	}
	var motherAge int
	switch minM := 20 + 2*max(kids-1, 0); {
	case kids == 0:
		motherAge = r.between(20, 75)
	case r.chance(550):
		motherAge = r.between(minM+3, max(minM+3, 50))
	default:
		motherAge = r.between(minM, max(minM, 64))
	}
	mother := t - date(years(motherAge)) - date(r.intn(365))
	father := p.husbandOf(mother)
	switch {
	case spouse && r.chance(30):
		add(relHead, 'P', mother)
		add(relHusband, 'L', father)
	case spouse:
		add(relHead, 'L', father)
		add(relWife, 'P', mother)
	case r.chance(780):
		add(relHead, 'P', mother)
	default:
		add(relHead, 'L', father)
	}
	births := p.childBirths(mother, kids, t)
	for i, b := range births {
		switch last := i == len(births)-1; {
		case last && kids >= 3 && r.chance(20):
			add(relOther, 'P', bornAged(18, 55)) // a live-in helper
		case last && kids >= 2 && r.chance(40):
			add(relRelative, sexOf(500), bornAged(6, 30))
		default:
			add(relChild, sexOf(510), b)
		}
	}
	if withElder {
		// A parent of the head (Orang Tua) or of the spouse (Mertua), at
		// least 18 years older and at most 96 years old.
		of, rel := h.members[0].birth, relParent
		if spouse && r.chance(500) {
			of, rel = h.members[1].birth, relParentLaw
		}
		elder := max(of-date(years(r.between(20, 36))+r.intn(365)), t-date(years(96)))
		if of-elder >= date(years(18)) {
			add(rel, sexOf(300), elder)
		}
	}
}

// husbandOf returns a husband's birth date for a wife born on mother: most
// husbands are a few years older.
func (p *people) husbandOf(mother date) date {
	r := p.r
	f := mother - date(years(r.between(-2, 4)+r.between(0, 6))) + date(r.between(-180, 180))
	return min(f, p.today-date(years(19)))
}

// childBirths returns k birth dates, eldest first, for a mother born on
// mother: the first when she is 19 to 33 (and not after firstMax), then
// 15 months to five years apart, none after she is 42 nor in the future.
func (p *people) childBirths(mother date, k int, firstMax date) []date {
	if k <= 0 {
		return nil
	}
	r := p.r
	earliest := mother + date(years(19))
	latest := min(mother+date(years(42)), p.today-30)
	hi := min(firstMax, latest-date(300*(k-1)), earliest+date(years(14)))
	if hi < earliest {
		hi = earliest
	}
	first := earliest + date(r.intn(int(hi-earliest)+1))
	gaps := make([]int, k-1)
	sum := 0
	for i := range gaps {
		gaps[i] = 450 + r.intn(1400)
		sum += gaps[i]
	}
	if avail := int(latest - first); sum > avail && k > 1 {
		extra := max(avail-300*(k-1), 0)
		for i := range gaps {
			gaps[i] = 300 + (gaps[i]-300)*extra/(sum-300*(k-1))
		}
	}
	out := make([]date, k)
	out[0] = first
	for i, gp := range gaps {
		out[i+1] = out[i] + date(gp)
	}
	return out
}

// tags returns the comma-separated tags of a household member.
func (p *people) tags(h *household, m *member) string {
	r := p.r
	a := age(m.birth, p.today)
	var t []string
	if a >= 60 {
		t = append(t, "lansia")
	}
	if a < 18 {
		t = append(t, "anak")
	}
	if a >= 60 && r.chance(50) || a < 60 && r.chance(15) {
		t = append(t, "disabilitas")
	}
	if m.sex == 'P' && a >= 18 && a <= 42 && (m.rel == relWife || m.rel == relInLaw ||
		m.rel == relHead && len(h.members) > 1 && h.members[1].rel == relHusband) && r.chance(45) {
		t = append(t, "ibu_hamil")
	}
	if r.chance(5) {
		t = append(t, "isoman")
	}
	switch {
	case m.rel == relHead && a >= 18 && a < 60 && r.chance(50):
		t = append(t, "pekerja_harian")
	case m.rel == relHead && m.sex == 'L' && a >= 20 && a < 50 && r.chance(20):
		t = append(t, "ojol")
	case m.rel == relChild && a < 18 && h.members[0].sex == 'P' && h.members[0].rel == relHead &&
		(len(h.members) == 1 || h.members[1].rel != relHusband) && r.chance(250):
		t = append(t, "yatim")
	}
	return strings.Join(t, ",")
}

var phonePrefixes = []string{"0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814",
	"0815", "0816", "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878",
	"0831", "0832", "0833", "0838", "0895", "0896", "0897", "0898", "0899", "0881", "0882", "0887",
	"0888", "0889"}

// phone returns an Indonesian mobile number written as people write it:
// 081234567890, 0812-3456-7890 or 0812 3456 7890.
func (p *people) phone() string {
	r := p.r
	b := make([]byte, 0, 16)
	b = append(b, pick(r, phonePrefixes)...)
	n := r.between(6, 8)
	sep := byte(0)
	switch x := r.intn(100); {
	case x >= 90:
		sep = ' '
	case x >= 75:
		sep = '-'
	}
	group := 4 // 0812-3456-7890; six digits go 0812-345-678
	if n == 6 {
		group = 3
	}
	for i := range n {
		if sep != 0 && (i == 0 || i == group) {
			b = append(b, sep)
		}
		b = append(b, byte('0'+r.intn(10)))
	}
	return string(b)
}

// localAddress writes a street address in village v near RW rwi:
// "Jl. Kebon Sirih Gg. 3 No. 12".
func (p *people) localAddress(v *village, rwi int) string {
	r := p.r
	b := make([]byte, 0, 48)
	switch x := r.intn(1000); {
	case x < 30:
		b = append(b, "Rusun "...)
		b = append(b, v.name...)
		b = append(b, " Blok "...)
		b = append(b, byte('A'+r.intn(6)))
		b = append(b, " Lt. "...)
		fl := r.between(1, 5)
		b = appendPad(b, fl, 1)
		b = append(b, " No. "...)
		b = appendPad(b, fl*100+r.between(1, 20), 1)
		return string(b)
	case x < 90:
		b = append(b, "Komp. "...)
		b = append(b, pick(r, streetNames)...)
		b = append(b, " Blok "...)
		b = append(b, byte('A'+r.intn(8)))
		b = appendPad(b, r.between(1, 20), 1)
		b = append(b, " No. "...)
		b = appendPad(b, r.between(1, 40), 1)
		return string(b)
	}
	st := v.streets[(v.rws[rwi].street+r.intn(2))%len(v.streets)]
	b = append(b, "Jl. "...)
	b = append(b, st...)
	if r.chance(550) {
		b = append(b, " Gg. "...)
		if r.chance(600) {
			b = appendPad(b, r.between(1, 12), 1)
		} else {
			b = append(b, pick(r, gangNames)...)
		}
	}
	b = append(b, " No. "...)
	b = appendPad(b, r.between(1, 180), 1)
	if r.chance(50) {
		b = append(b, byte('A'+r.intn(3)))
	}
	return string(b)
}

// remoteAddress writes a KTP address in district d, elsewhere in Jakarta or
// in the home region.
func (p *people) remoteAddress(dist int) string {
	r := p.r
	d := p.g.districts[dist]
	b := make([]byte, 0, 96)
	if d.local {
		b = append(b, "Jl. "...)
		b = append(b, pick(r, streetNames)...)
		b = append(b, " No. "...)
		b = appendPad(b, r.between(1, 150), 1)
		b = append(b, ", Kel. "...)
	} else {
		b = append(b, "Kp. "...)
		b = append(b, pick(r, remoteHamlets)...)
		b = append(b, " RT "...)
		b = appendPad(b, r.between(1, 12), 3)
		b = append(b, "/RW "...)
		b = appendPad(b, r.between(1, 8), 3)
		b = append(b, ", Desa "...)
	}
	b = append(b, pick(r, d.villages)...)
	b = append(b, ", Kec. "...)
	b = append(b, d.name...)
	b = append(b, ", "...)
	b = append(b, d.regency...)
	return string(b)
}

// name draws a person's name in their group's tradition and generation,
// with the titles offices write.
func (p *people) name(eth *ethnic, sex byte, birth date, muslim bool, fam string, andi bool) nameParts {
	r := p.r
	y, _, _ := birth.ymd()
	era := 0
	switch {
	case y >= 1995:
		era = 2
	case y >= 1978:
		era = 1
	}
	male := sex == 'L'
	old, young, modern, islamic, second := eth.femaleOld, eth.femaleYoung, modernFemale, islamicFemale, eth.femaleSecond
	modernSecond := modernFemaleSecond
	if male {
		old, young, modern, islamic, second = eth.maleOld, eth.maleYoung, modernMale, islamicMale, eth.maleSecond
		modernSecond = modernMaleSecond
	}
	if !muslim {
		modern, islamic = young, young
	}
	var first string
	x := r.intn(100)
	switch era {
	case 0:
		if x < 80 {
			first = pick(r, old)
		} else {
			first = pick(r, islamic)
		}
	case 1:
		switch {
		case x < 40:
			first = pick(r, old)
		case x < 60:
			first = pick(r, young)
		case x < 85:
			first = pick(r, modern)
		default:
			first = pick(r, islamic)
		}
	default:
		switch {
		case x < 55:
			first = pick(r, modern)
		case x < 82:
			first = pick(r, young)
		case x < 98:
			first = pick(r, islamic)
		default:
			first = pick(r, old)
		}
	}

	if eth == &chinese && y < 1966 && r.chance(250) {
		// The old three-part name, kept by some of the pre-1966 generation.
		core := pick(r, hokkienFamily) + " " + pick(r, hokkienSyllable) + " " + pick(r, hokkienSyllable)
		return nameParts{core: core}
	}
	core := first
	if muslim && male && !hasMuhammad(first) && !strings.HasPrefix(first, "Ahmad") && !strings.HasPrefix(first, "Abdul") {
		if r.chance([]int{60, 120, 180}[era]) {
			core = muhammad(r) + " " + core
		}
	}
	if muslim && !male && (eth == &javanese || eth == &betawi || eth == &sundanese) &&
		!strings.HasPrefix(first, "Siti") && !strings.HasPrefix(first, "Nur") && r.chance([]int{120, 40, 40}[era]) {
		core = "Siti " + core
	}
	switch {
	case fam != "":
		if eth == &batak && !male && r.chance(200) {
			core += " Br. " + fam
		} else {
			core += " " + fam
		}
	default:
		two := []int{(100 - eth.single) * 10, 650, 850}[era]
		if strings.Contains(first, " ") {
			two = 350
		}
		if r.chance(two) {
			list := second
			if era == 2 && muslim || len(list) == 0 {
				list = modernSecond
			}
			if s := pick(r, list); !strings.HasSuffix(core, s) {
				core += " " + s
			}
		}
	}
	if eth == &arab && !male && sayyid[fam] && r.chance(400) {
		core = "Syarifah " + core
	}
	if andi {
		core = "Andi " + core
	}

	a := age(birth, p.today)
	var n nameParts
	n.core = core
	switch {
	case y >= 1940 && y <= 1972 && r.chance(20):
		n.prefix = "Drs. "
		if !male {
			n.prefix = "Dra. "
		}
	case male && y >= 1945 && y <= 1978 && r.chance(8):
		n.prefix = "Ir. "
	}
	if muslim && a >= 45 && r.chance(70) {
		if male {
			n.prefix += "H. "
		} else {
			n.prefix += "Hj. "
		}
	}
	if a >= 23 && !strings.HasPrefix(n.prefix, "Dr") && !strings.HasPrefix(n.prefix, "Ir") {
		if r.chance(30 + 30*min(era, 1)) {
			if male {
				n.suffix = ", " + pick(r, degreesMale)
			} else {
				n.suffix = ", " + pick(r, degreesFemale)
			}
		}
	}
	return n
}

func muhammad(r *rng) string {
	x := r.intn(1000)
	for _, f := range muhammadForms {
		if x < f.w {
			return f.s
		}
		x -= f.w
	}
	return "Muhammad"
}

// hasMuhammad reports whether name starts with a spelling of Muhammad.
func hasMuhammad(name string) bool {
	for _, f := range muhammadForms {
		if strings.HasPrefix(name, f.s+" ") {
			return true
		}
	}
	return false
}
