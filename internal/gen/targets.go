package gen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/region"
)

// Column headers of the registry's import format.
var (
	HouseholdHeader = []string{"No KK", "NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Hubungan Keluarga",
		"Kelurahan", "RW", "RT", "Alamat KTP", "Alamat Domisili", "Telepon", "Tag"}
	PersonHeader = []string{"NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Kelurahan", "RW", "RT",
		"Alamat KTP", "Alamat Domisili", "Telepon", "Tag"}
	RWHeader          = []string{"Kelurahan", "RW", "Nama Ketua RW", "Telepon", "Jumlah KK", "Jumlah Jiwa", "Tag"}
	InstitutionHeader = []string{"Nama Lembaga", "Jenis Lembaga", "Kelurahan", "RW", "RT", "Alamat", "Narahubung",
		"Telepon", "Jumlah Penghuni", "Latitude", "Longitude", "Tag"}
)

const maxCols = 13

type row [maxCols]cell

// layout places the fields of a household or person file; -1 marks a
// column the kind does not have.
type layout struct {
	kind   string
	header []string
	widths []float64
	// column of each field
	kk, nik, name, birth, sex, rel  int
	kel, rw, rt, ktp, dom, tel, tag int

	required []int // what missing_field may blank
	meanUnit int   // rows per unit drawn, ×10
}

var householdLayout = &layout{kind: "household", header: HouseholdHeader,
	widths: []float64{19, 19, 32, 13, 8, 16, 15, 6, 6, 40, 40, 16, 20},
	kk:     0, nik: 1, name: 2, birth: 3, sex: 4, rel: 5, kel: 6, rw: 7, rt: 8, ktp: 9, dom: 10, tel: 11, tag: 12,
	required: []int{0, 2, 6}, meanUnit: 36}

var personLayout = &layout{kind: "person", header: PersonHeader,
	widths: []float64{19, 32, 13, 8, 15, 6, 6, 40, 40, 16, 20},
	kk:     -1, nik: 0, name: 1, birth: 2, sex: 3, rel: -1, kel: 4, rw: 5, rt: 6, ktp: 7, dom: 8, tel: 9, tag: 10,
	required: []int{1, 4}, meanUnit: 12}

func (l *layout) cols() int { return len(l.header) }

// place is where a row's person lives, as the file writes it.
type place struct {
	kk       string
	vil      *village
	rw, rt   int
	ktp, dom string
}

// fill writes member m of household h (living at pl) into rw.
func (g *Generator) fill(l *layout, rw *row, pl *place, m *member, phone string, upper bool) {
	name := m.name.String()
	if upper {
		name = strings.ToUpper(name)
	}
	if l.kk >= 0 {
		rw[l.kk] = code(pl.kk)
	}
	rw[l.nik] = code(m.nik)
	rw[l.name] = text(name)
	rw[l.birth] = cell{k: kDate, d: m.birth}
	rw[l.sex] = text(string(m.sex))
	if l.rel >= 0 {
		rw[l.rel] = text(m.rel)
	}
	rw[l.kel] = text(g.kelurahan(pl.vil))
	rw[l.rw] = padded(pl.rw)
	rw[l.rt] = padded(pl.rt)
	rw[l.ktp] = text(pl.ktp)
	rw[l.dom] = text(pl.dom)
	rw[l.tel] = code(phone)
	rw[l.tag] = text(m.tags)
}

// kept is a clean row remembered as a possible original for a duplicate.
type kept struct {
	line  int
	row   row
	m     member
	pl    place
	upper bool
}

// reservoir keeps a uniform sample of the rows seen so far in constant
// memory (Vitter's algorithm R), so duplicates can point anywhere back in a
// file of a million rows.
type reservoir struct {
	items []kept
	seen  int
}

const reservoirSize = 2048

func (rs *reservoir) offer(r *rng, k *kept) {
	rs.seen++
	if len(rs.items) < reservoirSize {
		rs.items = append(rs.items, *k)
		return
	}
	if j := r.intn(rs.seen); j < reservoirSize {
		rs.items[j] = *k
	}
}

// planter decides where planted rows go and makes them. Quotas are exact:
// selection sampling spreads each kind evenly through the file.
type planter struct {
	g                  *Generator
	l                  *layout
	pp                 *people
	r                  *rng
	qExact, qFuzzy, qD int
	nExact, nFuzzy, nD int
	all, adults        reservoir
	last               place // where the latest household lives
	tr                 *Truth
}

func (p *planter) owedDups() int { return p.qExact - p.nExact + p.qFuzzy - p.nFuzzy }

// dup plants a duplicate row if one is due, given remaining rows to write.
func (p *planter) dup(remaining, line int, rw *row) bool {
	oe, of := p.qExact-p.nExact, p.qFuzzy-p.nFuzzy
	owed := oe + of
	if owed == 0 || !(owed >= remaining || p.r.intn(remaining*10) < owed*p.l.meanUnit) {
		return false
	}
	exact := p.r.intn(owed) < oe
	if exact && len(p.all.items) == 0 || !exact && len(p.adults.items) == 0 {
		exact = !exact
	}
	switch {
	case exact && len(p.all.items) > 0:
		p.exact(line, rw)
	case !exact && len(p.adults.items) > 0:
		p.fuzzy(line, rw)
	default:
		return false
	}
	return true
}

func (p *planter) exact(line int, rw *row) {
	l, r := p.l, p.r
	o := &p.all.items[r.intn(len(p.all.items))]
	*rw = o.row
	pl := Plant{Line: line, Type: TypeExactDup, ExactDupOf: o.line, Expect: ExpectMerged, Variant: "same_kk"}
	if l.kk < 0 {
		pl.Variant = "same_address"
	}
	moved := p.last.ktp != o.pl.ktp || p.last.vil != o.pl.vil || p.last.rw != o.pl.rw || p.last.rt != o.pl.rt
	if l.kk >= 0 {
		moved = p.last.kk != o.pl.kk
	}
	if moved && r.chance(500) {
		// Listed again elsewhere: on a relative's KK, or at a new address.
		pl.Variant, pl.Expect = "other_kk", ExpectReview
		if l.kk < 0 {
			pl.Variant = "other_address"
		}
		if l.kk >= 0 {
			rw[l.kk] = code(p.last.kk)
			rw[l.rel] = text(relRelative)
			rw[l.tel] = code("")
		}
		rw[l.kel] = text(p.g.kelurahan(p.last.vil))
		rw[l.rw], rw[l.rt] = padded(p.last.rw), padded(p.last.rt)
		rw[l.ktp], rw[l.dom] = text(p.last.ktp), text(p.last.dom)
	}
	p.nExact++
	p.tr.add(pl)
}

func (p *planter) fuzzy(line int, rw *row) {
	l, r, pp := p.l, p.r, p.pp
	o := &p.adults.items[r.intn(len(p.adults.items))]
	m := o.m
	name, kind := fuzzName(r, m.name, m.sex == 'L', m.muslim, age(m.birth, pp.today))
	m.name = name
	pl := Plant{Line: line, Type: TypeFuzzyDup, FuzzyDupOf: o.line, Expect: ExpectReview}
	if r.chance(500) {
		m.nik = ""
		pl.Variant = kind + "+nik_missing"
	} else {
		pp.assignNIK(&m) // a fresh serial: a different, still unique NIK
		m.birth = o.m.birth
		pl.Variant = kind + "+nik_other"
	}
	at := o.pl
	at.kk = pp.kk(o.pl.vil.dist, m.birth)
	if r.chance(400) {
		at.rt = r.between(1, at.vil.rws[at.rw-1].rts)
		at.ktp, at.dom = pp.localAddress(at.vil, at.rw-1), ""
	}
	phone := o.row[l.tel].s
	if phone == "" && r.chance(500) || phone != "" && r.chance(600) {
		phone = pp.phone()
	}
	m.rel = relHead
	p.g.fill(l, rw, &at, &m, phone, r.chance(500))
	p.nFuzzy++
	p.tr.add(pl)
}

// damage spoils rw if a damaged row is due; slots is the number of ordinary
// rows still to come, this one included.
func (p *planter) damage(slots, line int, rw *row, m *member) bool {
	owed := p.qD - p.nD
	if owed <= 0 || owed < slots && p.r.intn(slots) >= owed {
		return false
	}
	l, r, g := p.l, p.r, p.g
	pl := Plant{Line: line, Type: TypeDamaged, Expect: ExpectRejected}
	prob := pick(r, problems)
	if prob == ProblemNIKRounded && m.serial > 4 {
		prob = ProblemNIKScientific
	}
	pl.Damaged = prob
	switch prob {
	case ProblemNIKScientific:
		s, f := scientific(m.nik)
		rw[l.nik] = cell{k: kNumber, s: s, f: f}
		pl.Column = l.header[l.nik]
	case ProblemNIKRounded:
		rw[l.nik] = code(m.nik[:12] + "0000")
		pl.Column = l.header[l.nik]
	case ProblemBadDate:
		y, _, _ := m.birth.ymd()
		rw[l.birth] = text(badDate(r, g.DateLayout, y))
		pl.Column = l.header[l.birth]
	case ProblemUnknownKelurahan:
		rw[l.kel] = text(g.fakeKelurahan(r, p.last.vil))
		pl.Column = l.header[l.kel]
	case ProblemMissingField:
		c := pick(r, l.required)
		rw[c] = text("")
		pl.Column = l.header[c]
	case ProblemBadPhone:
		rw[l.tel] = text(pick(r, badPhones))
		pl.Column = l.header[l.tel]
	case ProblemUnpaddedRWRT:
		rw[l.rw] = cell{k: kInt, n: p.last.rw}
		rw[l.rt] = cell{k: kInt, n: p.last.rt}
		pl.Column = l.header[l.rw] + "," + l.header[l.rt]
		pl.Expect = ExpectAccepted
	case ProblemNIKApostrophe:
		rw[l.nik] = code("'" + m.nik)
		pl.Column = l.header[l.nik]
		pl.Expect = ExpectAccepted
	}
	p.nD++
	p.tr.add(pl)
	return true
}

var fakeVillageSuffix = []string{"Indah", "Permai", "Asri", "Baru Raya", "Jaya Makmur", "Sentosa"}

// fakeKelurahan returns a kelurahan near v, in the Generator's form, that the
// region data does not know.
func (g *Generator) fakeKelurahan(r *rng, v *village) string {
	if g.KelurahanForm == KelurahanName {
		for {
			name := v.name + " " + pick(r, fakeVillageSuffix)
			if len(g.regions.FindByName(region.Village, name, "")) == 0 {
				return name
			}
		}
	}
	for {
		c := v.code[:9] + strconv.Itoa(r.between(1100, 1999))
		if _, ok := g.regions.Get(c); !ok {
			if g.KelurahanForm == KelurahanDigits {
				return strings.ReplaceAll(c, ".", "")
			}
			return c
		}
	}
}

// unit is what one draw gives: a household's members, or the persons a
// person list takes from a household.
type unit struct {
	pl      place
	members []member
	phones  []string
	upper   bool
}

// writeTargets writes n rows of a household or person file with planted
// trouble, and returns what it planted.
func (g *Generator) writeTargets(sk sink, l *layout, n int, opt Damage, draw func(pp *people, room int) unit) (Truth, error) {
	tr := Truth{Kind: l.kind, Seed: g.seed, Planted: []Plant{}}
	if err := opt.validate(); err != nil {
		sk.abort()
		return tr, err
	}
	if n < 0 {
		sk.abort()
		return tr, fmt.Errorf("gen: negative row count %d", n)
	}
	stream := streamHouseholds
	if l.kind == "person" {
		stream = streamPersons
	}
	pp := g.newPeople(stream)
	p := &planter{g: g, l: l, pp: pp, r: newRNG(g.seed, streamPlant), tr: &tr,
		qExact: quota(opt.ExactDup, n), qFuzzy: quota(opt.FuzzyDup, n), qD: quota(opt.Damaged, n)}
	finished := false
	defer func() {
		if !finished {
			sk.abort()
		}
	}()
	if err := sk.header(l.header); err != nil {
		return tr, err
	}
	var rw row
	cells := l.cols()
	written := 0
	emit := func() error {
		written++
		return sk.row(rw[:cells])
	}
	for written < n {
		remaining := n - written
		if p.dup(remaining, written+2, &rw) {
			if err := emit(); err != nil {
				return tr, err
			}
			continue
		}
		u := draw(pp, max(remaining-p.owedDups(), 1))
		p.last = u.pl
		for i := range u.members {
			m := &u.members[i]
			g.fill(l, &rw, &u.pl, m, u.phones[i], u.upper)
			line := written + 2
			if !p.damage(max(n-written-p.owedDups(), 1), line, &rw, m) {
				k := kept{line: line, row: rw, m: *m, pl: u.pl, upper: u.upper}
				p.all.offer(p.r, &k)
				if age(m.birth, pp.today) >= 19 {
					p.adults.offer(p.r, &k)
				}
			}
			if err := emit(); err != nil {
				return tr, err
			}
		}
	}
	tr.Rows = written
	finished = true
	return tr, sk.close()
}

// quota is the whole number of rows a fraction of n asks for. The explicit
// conversion rounds the product, so no machine fuses it with the addition.
func quota(f float64, n int) int { return int(float64(f*float64(n)) + 0.5) }

// drawHousehold takes every member of the next household.
func drawHousehold(pp *people, room int) unit {
	h := pp.household(room)
	u := unit{pl: place{kk: h.kk, vil: h.vil, rw: h.rw, rt: h.rt, ktp: h.ktp, dom: h.dom},
		members: h.members, upper: h.vil.upper}
	u.phones = make([]string, len(h.members))
	for i := range h.members {
		u.phones[i] = h.members[i].phone
	}
	return u
}

// drawPersons takes one person from the next household, sometimes two,
// leaning towards the people aid lists name: the elderly, the disabled, the
// head of the family.
func drawPersons(pp *people, room int) unit {
	r := pp.r
	h := pp.household(8)
	u := unit{pl: place{vil: h.vil, rw: h.rw, rt: h.rt, ktp: h.ktp, dom: h.dom}, upper: h.vil.upper}
	want := 1
	if room > 1 && len(h.members) > 1 && r.chance(200) {
		want = 2
	}
	var picked []int
	for i := range h.members {
		if t := h.members[i].tags; strings.Contains(t, "lansia") || strings.Contains(t, "disabilitas") {
			picked = append(picked, i)
		}
	}
	if len(picked) == 0 || r.chance(400) {
		picked = append([]int{0}, picked...)
	}
	for len(picked) < want {
		picked = append(picked, r.intn(len(h.members)))
	}
	seen := map[int]bool{}
	for _, i := range picked {
		if len(u.members) == want || seen[i] {
			continue
		}
		seen[i] = true
		m := h.members[i]
		ph := m.phone
		if ph == "" && age(m.birth, pp.today) >= 17 && r.chance(600) {
			ph = pp.phone()
		}
		u.members = append(u.members, m)
		u.phones = append(u.phones, ph)
	}
	return u
}
