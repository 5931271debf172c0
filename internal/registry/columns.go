package registry

import (
	"strings"
	"unicode"

	"github.com/gotong/gotong/internal/errs"
)

// Kind is a kind of target (DESIGN.md §1).
type Kind string

// The four kinds of target.
const (
	Household   Kind = "household"
	Person      Kind = "person"
	RW          Kind = "rw"
	Institution Kind = "institution"
)

// Kinds lists every kind, in the order pages show them.
var Kinds = []Kind{Household, Person, RW, Institution}

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errs.E(errs.Invalid, "kind must be household, person, rw or institution")
}

// column is one column of an import template.
type column struct {
	key      string // internal name
	header   string // the Indonesian header written in templates
	required bool
	example  string
	help     string // one line for the guide sheet (Indonesian)
}

// Column keys.
const (
	colKK          = "kk"
	colNIK         = "nik"
	colName        = "name"
	colBirthDate   = "birth_date"
	colSex         = "sex"
	colRelation    = "relation"
	colVillage     = "village"
	colRW          = "rw"
	colRT          = "rt"
	colAddress     = "address"
	colDomicile    = "domicile"
	colPhone       = "phone"
	colTags        = "tags"
	colRWHead      = "rw_head"
	colFamilies    = "families"
	colPeople      = "people"
	colInstKind    = "inst_kind"
	colContactName = "contact_name"
	colResidents   = "residents"
	colLat         = "lat"
	colLon         = "lon"
)

var (
	cKK        = column{colKK, "No KK", true, "3171010101200001", "Nomor Kartu Keluarga, 16 digit. Format kolom sebagai Teks agar Excel tidak mengubahnya."}
	cNIK       = column{colNIK, "NIK", true, "3171014507850003", "Nomor Induk Kependudukan, 16 digit. Format kolom sebagai Teks. Kosongkan bila orang ini belum punya NIK (mis. bayi baru lahir)."}
	cName      = column{colName, "Nama", true, "Siti Aminah", "Nama lengkap sesuai KTP."}
	cBirth     = column{colBirthDate, "Tanggal Lahir", true, "1985-07-05", "YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY."}
	cSex       = column{colSex, "Jenis Kelamin", true, "P", "L (laki-laki) atau P (perempuan)."}
	cRelation  = column{colRelation, "Hubungan Keluarga", true, "Istri", "Kepala Keluarga, Istri, Suami, Anak, Menantu, Cucu, Orang Tua, Mertua, Famili Lain, Lainnya."}
	cVillage   = column{colVillage, "Kelurahan", true, "31.71.01.1001", "Kode kelurahan (31.71.01.1001 atau 3171011001) atau namanya (mis. Gambir)."}
	cRW        = column{colRW, "RW", true, "005", "Nomor RW, 1 sampai 999."}
	cRT        = column{colRT, "RT", true, "003", "Nomor RT, 1 sampai 999."}
	cAddress   = column{colAddress, "Alamat KTP", true, "Jl. Kebon Sirih Gg. 3 No. 12", "Alamat sesuai KTP."}
	cDomicile  = column{colDomicile, "Alamat Domisili", false, "", "Kosongkan bila sama dengan alamat KTP."}
	cPhone     = column{colPhone, "Telepon", false, "081234567890", "Nomor ponsel atau telepon (08…, 62…, +62…)."}
	cTags      = column{colTags, "Tag", false, "lansia", "Dipisah koma: lansia, disabilitas, isoman, anak, ibu_hamil, atau tag lain (huruf kecil)."}
	cRWHead    = column{colRWHead, "Nama Ketua RW", true, "Bambang Sutrisno", "Nama ketua RW (narahubung)."}
	cFamilies  = column{colFamilies, "Jumlah KK", true, "320", "Jumlah keluarga (KK) di RW ini."}
	cPeople    = column{colPeople, "Jumlah Jiwa", true, "1150", "Jumlah jiwa di RW ini."}
	cInstName  = column{colName, "Nama Lembaga", true, "Panti Asuhan Al-Hikmah", "Nama lembaga."}
	cInstKind  = column{colInstKind, "Jenis Lembaga", true, "panti_asuhan", "panti_asuhan, panti_jompo, pesantren, puskesmas, rumah_sakit atau lainnya."}
	cInstAddr  = column{colAddress, "Alamat", true, "Jl. Tanah Abang II No. 5", "Alamat lembaga."}
	cContact   = column{colContactName, "Narahubung", true, "Ustadz Hasan", "Nama narahubung lembaga."}
	cResidents = column{colResidents, "Jumlah Penghuni", true, "45", "Jumlah penghuni atau penerima di lembaga."}
	cLat       = column{colLat, "Latitude", false, "-6.1754", "Opsional, derajat desimal."}
	cLon       = column{colLon, "Longitude", false, "106.8272", "Opsional, derajat desimal."}
)

// templates are the columns of each kind, in template order.
var templates = map[Kind][]column{
	Household:   {cKK, cNIK, cName, cBirth, cSex, cRelation, cVillage, cRW, cRT, cAddress, cDomicile, cPhone, cTags},
	Person:      {cNIK, cName, cBirth, cSex, cVillage, cRW, cRT, cAddress, cDomicile, cPhone, cTags},
	RW:          {cVillage, cRW, cRWHead, cPhone, cFamilies, cPeople, cTags},
	Institution: {cInstName, cInstKind, cVillage, cRW, cRT, cInstAddr, cContact, cPhone, cResidents, cLat, cLon, cTags},
}

// headerKey folds a header for matching: case, spaces, punctuation and accents do not
// matter ("No. KK", "NO_KK" and "no kk" are the same column).
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headerAliases accept a few common alternative headers.
var headerAliases = map[string]string{
	"nokk": colKK, "nomorkk": colKK, "kk": colKK, "nomorkartukeluarga": colKK,
	"nik": colNIK, "noktp": colNIK, "nomorinduk": colNIK,
	"nama": colName, "namalengkap": colName, "namalembaga": colName,
	"tanggallahir": colBirthDate, "tgllahir": colBirthDate,
	"jeniskelamin": colSex, "jk": colSex, "lp": colSex,
	"hubungankeluarga": colRelation, "hubungan": colRelation, "shdk": colRelation,
	"kelurahan": colVillage, "desa": colVillage, "kelurahandesa": colVillage, "kodekelurahan": colVillage,
	"rw": colRW, "rt": colRT,
	"alamatktp": colAddress, "alamat": colAddress,
	"alamatdomisili": colDomicile, "domisili": colDomicile,
	"telepon": colPhone, "telp": colPhone, "nohp": colPhone, "hp": colPhone, "notelepon": colPhone,
	"tag": colTags, "tags": colTags, "kategori": colTags,
	"namaketuarw": colRWHead, "ketuarw": colRWHead,
	"jumlahkk": colFamilies, "jumlahkeluarga": colFamilies,
	"jumlahjiwa": colPeople, "jumlahpenduduk": colPeople,
	"jenislembaga": colInstKind, "narahubung": colContactName, "kontak": colContactName,
	"jumlahpenghuni": colResidents, "penghuni": colResidents,
	"latitude": colLat, "lat": colLat, "longitude": colLon, "lon": colLon, "lng": colLon,
}

// mapHeader maps a header row to column positions for kind. Missing required columns
// stop the import at once with one message naming them all.
func mapHeader(kind Kind, header []string) (map[string]int, error) {
	want := map[string]column{}
	for _, c := range templates[kind] {
		want[c.key] = c
	}
	pos := map[string]int{}
	for i, h := range header {
		key := headerAliases[headerKey(h)]
		if key == "" {
			continue
		}
		if _, ok := want[key]; !ok {
			continue
		}
		if _, dup := pos[key]; !dup {
			pos[key] = i
		}
	}
	var missing []string
	for _, c := range templates[kind] {
		if _, ok := pos[c.key]; !ok && c.required {
			missing = append(missing, c.header)
		}
	}
	if len(missing) > 0 {
		return nil, errs.E(errs.Invalid, "required columns are missing: %s", strings.Join(missing, ", "))
	}
	return pos, nil
}
