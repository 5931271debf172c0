package gen

import (
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
)

// MaxXLSXRows is the most data rows a spreadsheet sheet holds: Excel's
// 1,048,576 rows less the header.
const MaxXLSXRows = 1<<20 - 1

// Member is one person on a family card.
type Member struct {
	NIK      string
	Name     string
	Birth    time.Time
	Sex      string // "L" or "P"
	Relation string // Hubungan Keluarga
	Phone    string
	Tags     []string
}

// Household is one family card (Kartu Keluarga) and where its members live.
type Household struct {
	KK              string
	Kelurahan       string // dotted village code
	RW, RT          int
	AddressKTP      string
	AddressDomicile string // "" when the same as AddressKTP
	Members         []Member
}

// Person is one person of a person list.
type Person struct {
	Member
	Kelurahan       string
	RW, RT          int
	AddressKTP      string
	AddressDomicile string
}

func exportMember(m *member, phone string, upper bool) Member {
	name := m.name.String()
	if upper {
		name = strings.ToUpper(name)
	}
	out := Member{NIK: m.nik, Name: name, Birth: m.birth.time(), Sex: string(m.sex), Relation: m.rel, Phone: phone}
	if m.tags != "" {
		out.Tags = strings.Split(m.tags, ",")
	}
	return out
}

// Households yields households with rows members in all, the same ones
// WriteHouseholdsCSV writes without damage.
func (g *Generator) Households(rows int) iter.Seq[Household] {
	return func(yield func(Household) bool) {
		pp := g.newPeople(streamHouseholds)
		for done := 0; done < rows; {
			u := drawHousehold(pp, rows-done)
			h := Household{KK: u.pl.kk, Kelurahan: u.pl.vil.code, RW: u.pl.rw, RT: u.pl.rt,
				AddressKTP: u.pl.ktp, AddressDomicile: u.pl.dom}
			for i := range u.members {
				h.Members = append(h.Members, exportMember(&u.members[i], u.phones[i], u.upper))
			}
			done += len(h.Members)
			if !yield(h) {
				return
			}
		}
	}
}

// Persons yields rows persons, the same ones WritePersonsCSV writes without
// damage.
func (g *Generator) Persons(rows int) iter.Seq[Person] {
	return func(yield func(Person) bool) {
		pp := g.newPeople(streamPersons)
		for done := 0; done < rows; {
			u := drawPersons(pp, rows-done)
			for i := range u.members {
				p := Person{Member: exportMember(&u.members[i], u.phones[i], u.upper), Kelurahan: u.pl.vil.code,
					RW: u.pl.rw, RT: u.pl.rt, AddressKTP: u.pl.ktp, AddressDomicile: u.pl.dom}
				p.Relation = ""
				done++
				if !yield(p) {
					return
				}
			}
		}
	}
}

// WriteHouseholdsCSV writes n household-member rows (planted rows included)
// as CSV with the header line, and returns what it planted.
func (g *Generator) WriteHouseholdsCSV(w io.Writer, n int, opt Damage) (Truth, error) {
	return g.writeTargets(newCSVSink(w, g.DateLayout), householdLayout, n, opt, drawHousehold)
}

// WriteHouseholdsXLSX is WriteHouseholdsCSV as a spreadsheet: NIK, No KK,
// RW, RT and phone numbers in text cells, birth dates as date cells.
func (g *Generator) WriteHouseholdsXLSX(w io.Writer, n int, opt Damage) (Truth, error) {
	if n > MaxXLSXRows {
		return Truth{}, fmt.Errorf("gen: %d rows do not fit in one sheet (at most %d)", n, MaxXLSXRows)
	}
	sk, err := newXLSXSink(w, g.DateLayout, g.Today, householdLayout.widths)
	if err != nil {
		return Truth{}, err
	}
	return g.writeTargets(sk, householdLayout, n, opt, drawHousehold)
}

// WritePersonsCSV writes n person rows (planted rows included) as CSV.
func (g *Generator) WritePersonsCSV(w io.Writer, n int, opt Damage) (Truth, error) {
	return g.writeTargets(newCSVSink(w, g.DateLayout), personLayout, n, opt, drawPersons)
}

// WritePersonsXLSX is WritePersonsCSV as a spreadsheet.
func (g *Generator) WritePersonsXLSX(w io.Writer, n int, opt Damage) (Truth, error) {
	if n > MaxXLSXRows {
		return Truth{}, fmt.Errorf("gen: %d rows do not fit in one sheet (at most %d)", n, MaxXLSXRows)
	}
	sk, err := newXLSXSink(w, g.DateLayout, g.Today, personLayout.widths)
	if err != nil {
		return Truth{}, err
	}
	return g.writeTargets(sk, personLayout, n, opt, drawPersons)
}

// WriteRWsCSV writes every RW of the province as CSV and returns the number
// of rows.
func (g *Generator) WriteRWsCSV(w io.Writer) (int, error) {
	return g.writeRWs(newCSVSink(w, g.DateLayout))
}

// WriteRWsXLSX writes every RW of the province as a spreadsheet.
func (g *Generator) WriteRWsXLSX(w io.Writer) (int, error) {
	sk, err := newXLSXSink(w, g.DateLayout, g.Today, []float64{15, 6, 32, 16, 10, 11, 24})
	if err != nil {
		return 0, err
	}
	return g.writeRWs(sk)
}

func (g *Generator) writeRWs(sk sink) (int, error) {
	finished := false
	defer func() {
		if !finished {
			sk.abort()
		}
	}()
	if err := sk.header(RWHeader); err != nil {
		return 0, err
	}
	rws := g.RWs()
	for _, rw := range rws {
		v := g.village(rw.Kelurahan)
		if err := sk.row([]cell{text(g.kelurahan(v)), padded(rw.RW), text(rw.Head), code(rw.Phone),
			{k: kInt, n: rw.Families}, {k: kInt, n: rw.People}, text(strings.Join(rw.Tags, ","))}); err != nil {
			return 0, err
		}
	}
	finished = true
	return len(rws), sk.close()
}

// WriteInstitutionsCSV writes the province's institutions as CSV and
// returns the number of rows.
func (g *Generator) WriteInstitutionsCSV(w io.Writer) (int, error) {
	return g.writeInstitutions(newCSVSink(w, g.DateLayout))
}

// WriteInstitutionsXLSX writes the province's institutions as a
// spreadsheet.
func (g *Generator) WriteInstitutionsXLSX(w io.Writer) (int, error) {
	sk, err := newXLSXSink(w, g.DateLayout, g.Today, []float64{40, 14, 15, 6, 6, 36, 30, 16, 10, 12, 12, 18})
	if err != nil {
		return 0, err
	}
	return g.writeInstitutions(sk)
}

func (g *Generator) writeInstitutions(sk sink) (int, error) {
	finished := false
	defer func() {
		if !finished {
			sk.abort()
		}
	}()
	if err := sk.header(InstitutionHeader); err != nil {
		return 0, err
	}
	ins := g.Institutions()
	for _, in := range ins {
		lat, lon := text(""), text("")
		if in.HasCoords {
			lat, lon = cell{k: kDeg, n: in.LatMicro}, cell{k: kDeg, n: in.LonMicro}
		}
		if err := sk.row([]cell{text(in.Name), text(in.Kind), text(g.kelurahan(g.village(in.Kelurahan))),
			padded(in.RW), padded(in.RT), text(in.Address), text(in.Contact), code(in.Phone),
			{k: kInt, n: in.Residents}, lat, lon, text(strings.Join(in.Tags, ","))}); err != nil {
			return 0, err
		}
	}
	finished = true
	return len(ins), sk.close()
}

// village finds a village of the province by its dotted code.
func (g *Generator) village(code string) *village {
	lo, hi := 0, len(g.villages)
	for lo < hi {
		mid := (lo + hi) / 2
		if g.villages[mid].code < code {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return g.villages[lo]
}
