package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
)

// problem is why a row (or one of its cells) was refused, in words an office can act
// on. The reason is a catalogue key and its arguments, stored as such and rendered
// in the reader's language when the error file is downloaded.
type problem struct {
	col    string // the column header as in the template
	value  string
	reason msg.Message
}

// noNIKWarning is the warning of a row accepted without a NIK.
var noNIKWarning = msg.New("NIK is empty: the row was accepted without a NIK; add the NIK when this person has one.")

// member is one person of a household or a person target, validated.
type member struct {
	nik       nik.NIK
	name      string
	birthDate string // YYYY-MM-DD
	sex       string // L or P
	relation  string
	tags      []string
}

// record is one validated row.
type record struct {
	line     int
	kind     Kind
	kk       string // household: No. KK
	region   string // kelurahan code
	rw, rt   int
	name     string
	address  string
	domicile string
	phone    string
	tags     []string
	member   *member // household and person rows
	families int     // rw
	people   int     // rw: people; institution: residents
	instKind string
	contact  string
	lat, lon *float64
	warnings []problem
	hash     string // of the canonical content, to tell an unchanged row
}

// validator turns raw rows into records for one import.
type validator struct {
	kind     Kind
	pos      map[string]int
	headers  map[string]string
	regions  *region.Set
	province string
	scope    string // region prefix the importer may write
	today    time.Time
	// villageByName caches name lookups: a file names the same few kelurahan often.
	villageByName map[string]villageHit
}

type villageHit struct {
	code   string
	reason *msg.Message
}

func newValidator(kind Kind, pos map[string]int, regions *region.Set, province, scope string) *validator {
	headers := map[string]string{}
	for _, c := range templates[kind] {
		headers[c.key] = c.header
	}
	return &validator{kind: kind, pos: pos, headers: headers, regions: regions, province: province, scope: scope,
		today: time.Now().In(time.FixedZone("WIB", 7*3600)), villageByName: map[string]villageHit{}}
}

// RelationKinds are the accepted values of Hubungan Keluarga.
var RelationKinds = []string{"Kepala Keluarga", "Istri", "Suami", "Anak", "Menantu", "Cucu", "Orang Tua", "Mertua", "Famili Lain", "Lainnya"}

var relationByKey = func() map[string]string {
	m := map[string]string{"kk": "Kepala Keluarga", "kepala": "Kepala Keluarga", "kepalakk": "Kepala Keluarga",
		"anakkandung": "Anak", "anakangkat": "Anak", "anaktiri": "Anak", "ortu": "Orang Tua", "ayah": "Orang Tua",
		"ibu": "Orang Tua", "famililainnya": "Famili Lain", "pembantu": "Lainnya"}
	for _, r := range RelationKinds {
		m[headerKey(r)] = r
	}
	return m
}()

// InstitutionKinds are the accepted values of Jenis Lembaga.
var InstitutionKinds = []string{"panti_asuhan", "panti_jompo", "pesantren", "puskesmas", "rumah_sakit", "lainnya"}

// SensitiveTags are health tags that never leave the office role.
var SensitiveTags = map[string]bool{"isoman": true, "disabilitas": true}

var tagPattern = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// cell returns the trimmed value of the cell of column key. Invisible format
// characters (zero-width spaces, soft hyphens …) are stripped from every cell: they
// come unseen from copy and paste, and would make a name unsearchable or a NIK
// unreadable for a reason the office cannot see. Characters that reorder text are
// left for text to refuse (see package invisible).
func (v *validator) cell(cells []string, key string) string {
	i, ok := v.pos[key]
	if !ok || i >= len(cells) {
		return ""
	}
	c, _ := invisible.Clean(cells[i])
	return unquoteFormula(strings.TrimSpace(strings.Trim(c, "\u00a0")))
}

// unquoteFormula takes off the apostrophe that our exports (SafeCell), the fix
// file among them, put before a cell a spreadsheet would run as a formula, so a
// fix file sent back reads as the file first sent ("'+62812…" is "+62812…").
func unquoteFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func (v *validator) bad(ps *[]problem, key, value string, reason msg.Message) {
	*ps = append(*ps, problem{col: v.headers[key], value: value, reason: reason})
}

// parse validates one data row.
func (v *validator) parse(line int, cells []string) (record, []problem) {
	r := record{line: line, kind: v.kind}
	var ps []problem
	r.region = v.village(cells, &ps)
	switch v.kind {
	case Household, Person:
		r.rw, r.rt = v.number(cells, colRW, 1, 999, &ps), v.number(cells, colRT, 1, 999, &ps)
		m := v.member(cells, &ps, &r)
		r.member = m
		r.name = m.name
		r.address = v.text(cells, colAddress, 3, 300, &ps)
		r.domicile = v.text(cells, colDomicile, 0, 300, &ps)
		if r.domicile == r.address {
			r.domicile = ""
		}
		r.phone = v.phone(cells, &ps)
		r.tags = v.tags(cells, &ps)
		m.tags = r.tags
		if v.kind == Household {
			raw := v.cell(cells, colKK)
			kk, err := nik.ParseKK(raw, nik.KKOptions{RegionExists: v.exists, RegionSplit: v.split})
			if err != nil {
				v.bad(&ps, colKK, raw, problemText(err))
			}
			r.kk = kk
		}
	case RW:
		r.rw = v.number(cells, colRW, 1, 999, &ps)
		r.name = v.text(cells, colRWHead, 2, 120, &ps)
		r.phone = v.phone(cells, &ps)
		r.families = v.number(cells, colFamilies, 1, 100000, &ps)
		r.people = v.number(cells, colPeople, 1, 500000, &ps)
		if r.families > 0 && r.people > 0 && r.people < r.families {
			v.bad(&ps, colPeople, v.cell(cells, colPeople), msg.New("The number of people cannot be smaller than the number of families (KK)."))
		}
		r.tags = v.tags(cells, &ps)
	case Institution:
		r.name = v.text(cells, colName, 3, 200, &ps)
		kind := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(v.cell(cells, colInstKind)), " ", "_"))
		if !contains(InstitutionKinds, kind) {
			v.bad(&ps, colInstKind, v.cell(cells, colInstKind), msg.New("Jenis lembaga must be one of: %s.", strings.Join(InstitutionKinds, ", ")))
		}
		r.instKind = kind
		r.rw = v.optionalNumber(cells, colRW, 1, 999, &ps)
		r.rt = v.optionalNumber(cells, colRT, 1, 999, &ps)
		r.address = v.text(cells, colAddress, 3, 300, &ps)
		r.contact = v.text(cells, colContactName, 2, 120, &ps)
		r.phone = v.phone(cells, &ps)
		r.people = v.number(cells, colResidents, 1, 100000, &ps)
		r.lat = v.coord(cells, colLat, -11.5, 6.5, &ps)
		r.lon = v.coord(cells, colLon, 94.5, 141.5, &ps)
		if (r.lat == nil) != (r.lon == nil) {
			v.bad(&ps, colLat, v.cell(cells, colLat), msg.New("Fill in Latitude and Longitude together, or leave both empty."))
		}
		r.tags = v.tags(cells, &ps)
	}
	if len(ps) > 0 {
		return r, ps
	}
	r.hash = r.contentHash()
	return r, nil
}

// problemText is the message of a parse problem.
func problemText(err error) msg.Message {
	if p, ok := err.(*nik.Problem); ok {
		return p.Msg
	}
	return msg.New("%s", err.Error())
}

// The reasons a kelurahan name is not taken, kept in the validator's cache of names.
var (
	notFoundByName = msg.New("No kelurahan of this name in this province; check the spelling or use the kelurahan code.")
	ambiguousName  = msg.New("Several kelurahan have this name; use the kelurahan code.")
)

func (v *validator) exists(code string) bool {
	_, ok := v.regions.Get(code)
	return ok
}

// split reports whether code is a kecamatan code of an earlier edition of the
// official codes (its region was split or renumbered since): a NIK or No. KK issued
// before keeps it, and is accepted with a warning.
func (v *validator) split(code string) bool {
	_, ok := v.regions.Retired(code)
	return ok
}

// village resolves the Kelurahan cell, given as a code or a name, and checks that it
// lies in the importer's area.
func (v *validator) village(cells []string, ps *[]problem) string {
	raw := v.cell(cells, colVillage)
	if raw == "" {
		v.bad(ps, colVillage, raw, msg.New("Kelurahan is required (a code such as 31.71.01.1001 or the name of the kelurahan)."))
		return ""
	}
	code := ""
	if c, err := region.Normalize(raw); err == nil {
		reg, ok := v.regions.Get(c)
		if !ok || reg.Level != region.Village {
			v.bad(ps, colVillage, raw, msg.New("Unknown kelurahan code."))
			return ""
		}
		code = c
	} else {
		hit, ok := v.villageByName[strings.ToLower(raw)]
		if !ok {
			found := v.regions.FindByName(region.Village, raw, v.province)
			switch len(found) {
			case 1:
				hit.code = found[0].Code
			case 0:
				hit.reason = &notFoundByName
			default:
				hit.reason = &ambiguousName
			}
			v.villageByName[strings.ToLower(raw)] = hit
		}
		if hit.reason != nil {
			v.bad(ps, colVillage, raw, *hit.reason)
			return ""
		}
		code = hit.code
	}
	if !v.regions.Within(code, v.province) {
		v.bad(ps, colVillage, raw, msg.New("This kelurahan is not in the province served."))
		return ""
	}
	if v.scope != "" && !v.regions.Within(code, v.scope) {
		v.bad(ps, colVillage, raw, msg.New("This kelurahan is outside your office's region (%s); the row must be imported by the office of its region.", v.scope))
		return ""
	}
	return code
}

func (v *validator) member(cells []string, ps *[]problem, r *record) *member {
	m := &member{}
	m.name = v.text(cells, colName, 2, 120, ps)
	rawDate := v.cell(cells, colBirthDate)
	birth, err := nik.ParseDate(rawDate, nik.BirthDates(v.today))
	if err != nil {
		v.bad(ps, colBirthDate, rawDate, problemText(err))
	} else {
		m.birthDate = birth.Format("2006-01-02")
	}
	rawSex := strings.ToUpper(v.cell(cells, colSex))
	switch rawSex {
	case "L", "LAKI-LAKI", "LAKI LAKI", "PRIA":
		m.sex = "L"
	case "P", "PEREMPUAN", "WANITA":
		m.sex = "P"
	default:
		v.bad(ps, colSex, v.cell(cells, colSex), msg.New("Jenis kelamin must be L (laki-laki, male) or P (perempuan, female)."))
	}
	if v.kind == Household {
		raw := v.cell(cells, colRelation)
		rel, ok := relationByKey[headerKey(raw)]
		if !ok {
			v.bad(ps, colRelation, raw, msg.New("Hubungan keluarga must be one of: %s.", strings.Join(RelationKinds, ", ")))
		}
		m.relation = rel
	}
	rawNIK := v.cell(cells, colNIK)
	opt := nik.NIKOptions{RegionExists: v.exists, RegionSplit: v.split, Sex: m.sex, Today: v.today}
	if m.birthDate != "" {
		opt.BirthDate = birth
	}
	n, warns, err := nik.ParseNIK(rawNIK, opt)
	switch {
	case nik.CodeOf(err) == nik.CodeNIKEmpty:
		// Newborns and many of the poorest residents have no NIK yet; refusing them
		// would lose exactly the people the registry is for. The row is kept with a
		// warning and found again by No. KK, name and birth date (see memberKey).
		r.warnings = append(r.warnings, problem{col: v.headers[colNIK], value: rawNIK, reason: noNIKWarning})
	case err != nil:
		v.bad(ps, colNIK, rawNIK, problemText(err))
	}
	for _, w := range warns {
		r.warnings = append(r.warnings, problem{col: v.headers[colNIK], value: rawNIK, reason: w.Msg})
	}
	m.nik = n
	return m
}

func (v *validator) text(cells []string, key string, minLen, maxLen int, ps *[]problem) string {
	s := strings.Join(strings.Fields(v.cell(cells, key)), " ")
	n := utf8.RuneCountInString(s)
	if n < minLen || n > maxLen {
		if minLen > 0 && n == 0 {
			v.bad(ps, key, s, msg.New("%s is required.", v.headers[key]))
		} else {
			v.bad(ps, key, s, msg.New("%s must be %d to %d characters long.", v.headers[key], minLen, maxLen))
		}
		return s
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			v.bad(ps, key, s, msg.New("%s contains control characters.", v.headers[key]))
			break
		}
	}
	if _, ok := invisible.Clean(s); !ok {
		v.bad(ps, key, s, msg.New("%s contains invisible characters that reverse the direction of the text (such as a right-to-left override); type the value again.", v.headers[key]))
	}
	if strings.HasPrefix(s, "=") {
		v.bad(ps, key, s, msg.New("%s holds a spreadsheet formula, not a value; copy it as a value (Paste Special → Values).", v.headers[key]))
	}
	return s
}

// number reads a whole number in [lo, hi]; "005", "5" and a spreadsheet's "5.0" are 5;
// "RW 05" is accepted too.
func (v *validator) number(cells []string, key string, lo, hi int, ps *[]problem) int {
	raw := v.cell(cells, key)
	if raw == "" {
		v.bad(ps, key, raw, msg.New("%s is required.", v.headers[key]))
		return 0
	}
	return v.parseNumber(raw, key, lo, hi, ps)
}

func (v *validator) optionalNumber(cells []string, key string, lo, hi int, ps *[]problem) int {
	raw := v.cell(cells, key)
	if raw == "" {
		return 0
	}
	return v.parseNumber(raw, key, lo, hi, ps)
}

func (v *validator) parseNumber(raw, key string, lo, hi int, ps *[]problem) int {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(raw), "RW"), "RT"))
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".0"), ",0")
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.bad(ps, key, raw, msg.New("%s must be a whole number from %d to %d.", v.headers[key], lo, hi))
		return 0
	}
	return n
}

func (v *validator) phone(cells []string, ps *[]problem) string {
	raw := v.cell(cells, colPhone)
	if raw == "" {
		return ""
	}
	p, err := nik.Phone(raw)
	if err != nil {
		v.bad(ps, colPhone, raw, msg.New("The phone number is not valid; write it like 0812-3456-7890 or +62 812 3456 7890."))
	}
	return p
}

func (v *validator) coord(cells []string, key string, lo, hi float64, ps *[]problem) *float64 {
	raw := strings.ReplaceAll(v.cell(cells, key), ",", ".")
	if raw == "" {
		return nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < lo || f > hi {
		v.bad(ps, key, raw, msg.New("%s must be a decimal number within Indonesia.", v.headers[key]))
		return nil
	}
	return &f
}

func (v *validator) tags(cells []string, ps *[]problem) []string {
	raw := v.cell(cells, colTags)
	if raw == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
		t = strings.ToLower(strings.Join(strings.Fields(t), "_"))
		t = strings.ReplaceAll(t, "-", "_")
		if t == "" || seen[t] {
			continue
		}
		if !tagPattern.MatchString(t) {
			v.bad(ps, colTags, raw, msg.New("A tag may hold only lowercase letters, digits and underscores (such as lansia, ibu_hamil)."))
			return nil
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > 10 {
		v.bad(ps, colTags, raw, msg.New("At most 10 tags per row."))
		return nil
	}
	sort.Strings(out)
	return out
}

// contentHash identifies a row's content, so that re-importing an unchanged row
// writes nothing.
func (r *record) contentHash() string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(string(r.kind))
	w(r.kk)
	w(r.region)
	w(strconv.Itoa(r.rw))
	w(strconv.Itoa(r.rt))
	w(r.name)
	w(r.address)
	w(r.domicile)
	w(r.phone)
	w(strings.Join(r.tags, ","))
	if m := r.member; m != nil {
		w(m.nik.Number)
		w(m.birthDate)
		w(m.sex)
		w(m.relation)
	}
	w(strconv.Itoa(r.families))
	w(strconv.Itoa(r.people))
	w(r.instKind)
	w(r.contact)
	if r.lat != nil && r.lon != nil {
		w(strconv.FormatFloat(*r.lat, 'f', 6, 64))
		w(strconv.FormatFloat(*r.lon, 'f', 6, 64))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
