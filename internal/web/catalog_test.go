package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

// TestCatalogueCoversEveryText fails when a page or a client-facing error message uses
// text that has no Indonesian translation — Indonesian is every page's default.
func TestCatalogueCoversEveryText(t *testing.T) {
	var keys []string
	tmplKey := regexp.MustCompile(`\.T "([^"]+)"`)
	err := fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Texts chosen at run time.
	for _, k := range account.OrgKinds {
		keys = append(keys, k)
	}
	keys = append(keys, account.OrgPending, account.OrgVerified, account.OrgRejected, "all", "kecamatan", "kelurahan")
	for _, r := range []account.Role{account.Admin, account.Office, account.Collaborator, account.Citizen} {
		keys = append(keys, "role "+string(r))
	}
	for _, k := range registry.Kinds {
		keys = append(keys, "kind "+string(k))
	}
	for _, st := range []string{"queued", "running", "done", "failed"} {
		keys = append(keys, "import "+st)
	}
	for _, st := range []string{"open", "merged", "distinct"} {
		keys = append(keys, "pair "+st)
	}
	for _, st := range []string{program.Draft, program.Published, program.Closed} {
		keys = append(keys, "program "+st)
	}
	for _, rule := range []string{program.PerTarget, program.PerPerson, program.PerFamily, program.PerResident} {
		keys = append(keys, "rule "+rule)
	}
	for _, st := range []string{allocate.StatusAllocated, allocate.StatusPartial, allocate.StatusWaitlisted, allocate.StatusCancelled} {
		keys = append(keys, "commitment "+st)
	}
	for _, st := range []string{allocate.Reserved, allocate.Dispatched, allocate.Delivered, allocate.Failed, allocate.Expired, allocate.Cancelled} {
		keys = append(keys, "allocation "+st)
	}
	keys = append(keys, "flag target_left", "flag quantity_reduced", "My commitments", "Commitments")
	for _, kind := range []string{"commitment.filled", "allocation.expired", "other"} {
		keys = append(keys, noticeKey(kind))
	}
	for _, l := range []region.Level{region.Province, region.Regency, region.District, region.Village} {
		keys = append(keys, l.String())
	}
	for m := time.January; m <= time.December; m++ {
		keys = append(keys, m.String()) // month names in NIK and date problems
	}
	// Page titles, flash messages and every client-facing error message in the code.
	// Messages built as keys and arguments (import reasons, NIK problems) too.
	goKey := regexp.MustCompile(`(?:errs\.E\(errs\.[A-Za-z]+, |flash(?:Error)?\(r, |render\(w, r, "[a-z_]+", |"title": |msg\.New\()("(?:[^"\\]|\\.)+")`)
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			k, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d texts; the scan is broken", len(keys))
	}
	missing := map[string]bool{}
	for _, k := range keys {
		if _, ok := catalog[k]; !ok {
			missing[k] = true
		}
	}
	for k := range missing {
		t.Errorf("no Indonesian for %q", k)
	}
}

func TestTranslateFormatsAndTranslatesArguments(t *testing.T) {
	if got := translate(langID, "%s must be %d to %d characters", "name", 2, 120); got != "nama harus 2 sampai 120 karakter" {
		t.Fatalf("Indonesian: %q", got)
	}
	if got := translate(langEN, "%s must be %d to %d characters", "name", 2, 120); got != "name must be 2 to 120 characters" {
		t.Fatalf("English: %q", got)
	}
	if got := translate(langID, "a text nobody translated"); got != "a text nobody translated" {
		t.Fatalf("a missing key must fall back to its English text, got %q", got)
	}
}

func TestNumbersUseTheLanguagesSeparator(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{langID, 83762, "83.762"}, {langEN, 83762, "83,762"}, {langID, 999, "999"}, {langID, -1234567, "-1.234.567"}, {langEN, 0, "0"}} {
		if got := (view{Lang: c.lang}).N(c.n); got != c.want {
			t.Errorf("N(%d) in %s = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
}

// TestNoIndonesianSentenceOutsideTheCatalogue fails when the registry or the NIK
// parsers write a sentence for people in Indonesian instead of a catalogue key: such
// a sentence reaches English pages, CSVs and API answers untranslated. The import
// template (columns.go, template.go) is a file the office fills in and stays
// Indonesian.
func TestNoIndonesianSentenceOutsideTheCatalogue(t *testing.T) {
	words := regexp.MustCompile(`"[^"\n]*\b(?:tidak|harus|periksa|wajib|dengan|diimpor|tercatat|kosong|tulis|berisi|sebagai|sampai|mirip|sama)\b[^"\n]*"`)
	root := filepath.Join("..", "..", "internal")
	scanned := 0
	for _, dir := range []string{"nik", "registry", "msg", "errs"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			base := filepath.Base(path)
			if strings.HasSuffix(base, "_test.go") || base == "columns.go" || base == "template.go" {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			scanned++
			for i, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					continue
				}
				if m := words.FindString(line); m != "" {
					t.Errorf("%s:%d: an Indonesian sentence in Go code; make it a catalogue key: %s", path, i+1, m)
				}
			}
		}
	}
	if scanned < 10 {
		t.Fatalf("scanned only %d files; the scan is broken", scanned)
	}
	// The scan can fail: a sentence as the code used to write it is caught.
	if !words.MatchString(`"Kode kelurahan tidak dikenal."`) {
		t.Fatal("the scan does not recognise an Indonesian sentence")
	}
}

// TestProblemsReadInBothLanguages renders NIK and date problems as an office reads
// them: Indonesian by default, English on request, with their nested pieces (hints,
// month names, where to check) translated too.
func TestProblemsReadInBothLanguages(t *testing.T) {
	today := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	exists := func(code string) bool { return strings.HasPrefix(code, "31.71.0") || code == "31" || code == "31.71" }
	nikOpt := func(o nik.NIKOptions) nik.NIKOptions { o.RegionExists, o.Today = exists, today; return o }
	parseNIK := func(raw string, o nik.NIKOptions) error { _, _, err := nik.ParseNIK(raw, nikOpt(o)); return err }
	for _, c := range []struct {
		name   string
		err    error
		id, en string
	}{
		{"an empty No. KK", func() error { _, err := nik.ParseKK(" ", nik.KKOptions{}); return err }(),
			"No. KK kosong: isi 16 digit No. KK sesuai Kartu Keluarga", "No. KK is empty: enter its 16 digits as written on the family card (KK)"},
		{"a NIK in scientific notation", parseNIK("3.17101E+15", nik.NIKOptions{}),
			"format kolom NIK sebagai Teks lalu ketik ulang NIK dari KTP atau Kartu Keluarga", "format the NIK column as Text"},
		{"a letter O", parseNIK("3171O11504850001", nik.NIKOptions{}), "huruf O, bukan angka 0", "the letter O instead of the digit 0"},
		{"15 digits", parseNIK("317101150485001", nik.NIKOptions{}), "ada 1 digit yang hilang", "one digit is missing"},
		{"an unknown district", parseNIK("3171991504850001", nik.NIKOptions{}), "Kode kecamatan 31.71.99 pada NIK (6 digit pertama)", "The district code 31.71.99 in the NIK (its first 6 digits)"},
		{"a man's NIK with P", parseNIK("3171011504850001", nik.NIKOptions{Sex: "P"}), "15 menjadi 55", "15 becomes 55"},
		{"29 February in a NIK", parseNIK("3171012902850001", nik.NIKOptions{}), "Februari 1985 hanya sampai tanggal 28 (1985 bukan tahun kabisat)", "February 1985 has only 28 days (1985 is not a leap year)"},
		{"a birth date before 1900", func() error { _, err := nik.ParseDate("31-12-1899", nik.BirthDates(today)); return err }(),
			"Tanggal 31 Desember 1899 di luar rentang yang diterima (1 Januari 1900 sampai 30 Juni 2025)", "The date 31 December 1899 is outside the accepted range (1 January 1900 to 30 June 2025)"},
		{"the month written first", func() error { _, err := nik.ParseDate("04/15/1985", nik.DateOptions{}); return err }(),
			"apakah bulan ditulis lebih dulu? tulis hari dulu: 15-04-1985", "write the day first: 15-04-1985"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := c.err.(*nik.Problem)
			if !ok {
				t.Fatalf("error %v is not a *nik.Problem", c.err)
			}
			if got := say(langID, p.Msg); !strings.Contains(got, c.id) {
				t.Errorf("Indonesian %q does not contain %q", got, c.id)
			}
			if got := say(langEN, p.Msg); !strings.Contains(got, c.en) || got != p.Error() {
				t.Errorf("English %q does not contain %q, or differs from Error() %q", got, c.en, p.Error())
			}
			// A stored reason renders the same after its trip through the database.
			back, err := msg.Decode(p.Msg.Key, p.Msg.EncodeArgs())
			if err != nil || say(langID, back) != say(langID, p.Msg) {
				t.Errorf("stored and read back: %q (%v), want %q", say(langID, back), err, say(langID, p.Msg))
			}
		})
	}
}

func TestAcceptLanguagePicksEnglishOnlyWhenPreferred(t *testing.T) {
	for header, want := range map[string]string{
		"": langID, "en": langEN, "en-US,en;q=0.9": langEN, "id,en;q=0.8": langID, "en;q=0.5, id": langID,
		"fr, en;q=0.3": langEN, "fr": langID, "in": langID, "EN-gb": langEN, "id;q=0.2, en;q=0.9": langEN,
	} {
		if got := acceptLanguage(header); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}
