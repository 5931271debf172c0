package gen

import (
	"strings"
)

// RW is one rukun warga: a community unit of a kelurahan with its head.
type RW struct {
	Kelurahan string // dotted village code
	RW        int
	Head      string // Nama Ketua RW
	Phone     string
	Families  int // Jumlah KK
	People    int // Jumlah Jiwa
	Tags      []string
}

// Institution kinds (Jenis Lembaga).
const (
	KindPantiAsuhan = "panti_asuhan"
	KindPantiJompo  = "panti_jompo"
	KindPesantren   = "pesantren"
	KindPuskesmas   = "puskesmas"
	KindRumahSakit  = "rumah_sakit"
	KindLainnya     = "lainnya"
)

// Institution is a place whose residents receive aid together.
type Institution struct {
	Name      string
	Kind      string
	Kelurahan string // dotted village code
	RW, RT    int
	Address   string
	Contact   string // Narahubung
	Phone     string
	Residents int // residents, or staff for health centres
	// Lat and Lon are in micro-degrees; HasCoords is false where the office
	// left them empty.
	LatMicro, LonMicro int
	HasCoords          bool
	Tags               []string
}

// RWs returns every RW of the province, kelurahan by kelurahan.
func (g *Generator) RWs() []RW {
	pp := g.newPeople(streamRWs)
	r := pp.r
	var out []RW
	for _, v := range g.villages {
		for i, info := range v.rws {
			rw := RW{Kelurahan: v.code, RW: i + 1, Families: info.families}
			rw.People = info.families * r.between(320, 390) / 100
			sex := byte('L')
			if r.chance(150) {
				sex = 'P'
			}
			eth := g.pickEthnic(r)
			fam := ""
			if eth.family != nil {
				fam = pick(r, eth.family)
			}
			birth := pp.today - date(years(r.between(38, 70))) - date(r.intn(365))
			n := pp.name(eth, sex, birth, r.intn(100) < eth.muslim, fam, false)
			rw.Head = n.String()
			if v.upper {
				rw.Head = strings.ToUpper(rw.Head)
			}
			if r.chance(950) {
				rw.Phone = pp.phone()
			}
			flood := 100
			if v.kota == "31.72" || v.kota == "31.01" {
				flood = 300
			}
			if r.chance(flood) {
				rw.Tags = append(rw.Tags, "rawan_banjir")
			}
			if r.chance(80) {
				rw.Tags = append(rw.Tags, "kumuh")
			}
			if info.families > 450 && r.chance(500) {
				rw.Tags = append(rw.Tags, "padat")
			}
			out = append(out, rw)
		}
	}
	return out
}

// kotaCentre is the rough centre of each kab/kota, in micro-degrees.
var kotaCentre = map[string][2]int{
	"31.01": {-5745000, 106610000}, "31.71": {-6180000, 106835000}, "31.72": {-6125000, 106880000},
	"31.73": {-6165000, 106755000}, "31.74": {-6270000, 106810000}, "31.75": {-6245000, 106900000},
}

// Mainland Jakarta's bounding box, in micro-degrees.
const (
	latMin, latMax = -6370000, -6090000
	lonMin, lonMax = 106690000, 106975000
)

// Institutions returns the province's institutions: a puskesmas in every
// kecamatan and most kelurahan, hospitals, orphanages, homes for the
// elderly, pesantren and others.
func (g *Generator) Institutions() []Institution {
	pp := g.newPeople(streamInstitutions)
	r := pp.r
	var out []Institution
	used := map[string]bool{}
	add := func(v *village, kind, name string, residents int) {
		if used[v.code+name] {
			for i := 2; ; i++ {
				if n := name + " " + string(appendPad(nil, i, 1)); !used[v.code+n] {
					name = n
					break
				}
			}
		}
		used[v.code+name] = true
		in := Institution{Name: name, Kind: kind, Kelurahan: v.code, Residents: residents}
		rwi := r.intn(len(v.rws))
		in.RW, in.RT = rwi+1, r.between(1, v.rws[rwi].rts)
		in.Address = "Jl. " + v.streets[v.rws[rwi].street] + " No. " + string(appendPad(nil, r.between(1, 200), 1))
		eth := g.pickEthnic(r)
		sex := byte('L')
		if r.chance(450) {
			sex = 'P'
		}
		birth := pp.today - date(years(r.between(30, 65))) - date(r.intn(365))
		muslim := r.intn(100) < eth.muslim
		fam := ""
		if eth.family != nil {
			fam = pick(r, eth.family)
		}
		contact := pp.name(eth, sex, birth, muslim, fam, false)
		switch {
		case kind == KindPuskesmas || kind == KindRumahSakit:
			contact.prefix, contact.suffix = "dr. ", ""
		case kind == KindPesantren && muslim && sex == 'L' && r.chance(500):
			contact.prefix = "K.H. "
		case kind == KindPesantren && muslim && sex == 'P' && r.chance(500):
			contact.prefix = "Ustazah "
		}
		in.Contact = contact.String()
		if r.chance(550) {
			in.Phone = "021-" + string(appendPad(nil, r.between(20000000, 89999999), 8))
		} else if r.chance(850) {
			in.Phone = pp.phone()
		}
		if c, ok := kotaCentre[v.kota]; ok && r.chance(750) {
			// Kelurahan of one kecamatan cluster around a point of their own.
			d := g.districts[v.dist]
			off := int(d.digits[4]-'0')*10 + int(d.digits[5]-'0')
			lat := c[0] + (off%4-2)*9000 + r.between(-12000, 12000)
			lon := c[1] + (off/4%4-2)*9000 + r.between(-12000, 12000)
			if v.kota != "31.01" {
				lat, lon = min(max(lat, latMin), latMax), min(max(lon, lonMin), lonMax)
			}
			in.LatMicro, in.LonMicro, in.HasCoords = lat, lon, true
		}
		switch kind {
		case KindPantiAsuhan:
			in.Tags = []string{"anak"}
		case KindPantiJompo:
			in.Tags = []string{"lansia"}
		}
		if v.kota == "31.72" && r.chance(200) {
			in.Tags = append(in.Tags, "rawan_banjir")
		}
		out = append(out, in)
	}
	for _, d := range g.local {
		dist := g.districts[d]
		var vs []*village
		for _, v := range g.villages {
			if v.dist == d {
				vs = append(vs, v)
			}
		}
		add(vs[r.intn(len(vs))], KindPuskesmas, "Puskesmas Kecamatan "+dist.name, r.between(40, 120))
		if r.chance(400) {
			add(vs[r.intn(len(vs))], KindRumahSakit, "RSUD Kecamatan "+dist.name, r.between(60, 250))
		}
		for range r.intn(3) {
			add(vs[r.intn(len(vs))], KindRumahSakit, pick(r, hospitalNames)+" "+dist.name, r.between(50, 400))
		}
		for _, v := range vs {
			if r.chance(850) {
				add(v, KindPuskesmas, "Puskesmas Kelurahan "+v.name, r.between(8, 25))
			}
			for range upTo2(r, 650, 900) {
				add(v, KindPantiAsuhan, "Panti Asuhan "+pick(r, pantiAsuhanNames), r.between(15, 120))
			}
			if r.chance(120) {
				add(v, KindPantiJompo, "Panti "+pick(r, pantiJompoNames), r.between(20, 150))
			}
			for range upTo2(r, 700, 950) {
				add(v, KindPesantren, "Pondok Pesantren "+pick(r, pesantrenNames), r.between(40, 600))
			}
			if r.chance(150) {
				add(v, KindLainnya, pick(r, otherNames)+" "+v.name, r.between(10, 80))
			}
		}
	}
	return out
}

// upTo2 returns 0 with probability zero/1000, 1 up to one/1000, else 2.
func upTo2(r *rng, zero, one int) int {
	switch x := r.intn(1000); {
	case x < zero:
		return 0
	case x < one:
		return 1
	}
	return 2
}
