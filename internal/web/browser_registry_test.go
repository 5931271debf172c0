package web_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// rowOutcome is what the import should make of one row of the file.
type rowOutcome string

const (
	outAccepted rowOutcome = "accepted" // a new member of a new or known household
	outReview   rowOutcome = "review"   // written, and queued as a possible duplicate
	outRejected rowOutcome = "rejected" // refused, with a line in errors.csv
)

// memberRow is one row of a household file (one household member), with the outcome
// the test expects for it.
type memberRow struct {
	kk, nik, name, birth, sex, relation, village, rw, rt, address string
	want                                                          rowOutcome
}

// birthNIK builds a valid NIK registered in district (6 digits) for a birth date
// (YYYY-MM-DD), sex and serial, as internal/registry's tests do: DD (+40 for women),
// MM, YY, then a 4-digit serial.
func birthNIK(t *testing.T, district, birth string, female bool, serial int) string {
	t.Helper()
	d, err := time.Parse("2006-01-02", birth)
	if err != nil {
		t.Fatal(err)
	}
	day := d.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", district, day, int(d.Month()), d.Year()%100, serial)
}

// gambirHouseholds is a small file of three households in Gambir (31.71.01.1001):
// Budi's family, whose fourth row has its NIK mangled by Excel into scientific
// notation, and two households whose heads are near-identical names born the same
// day in the same kelurahan under different NIKs and KKs: a possible duplicate.
func gambirHouseholds(t *testing.T) []memberRow {
	t.Helper()
	const kk1, kk2, kk3 = "3171010101200001", "3171010101200002", "3171010101200003"
	const village = "31.71.01.1001"
	return []memberRow{
		{kk1, birthNIK(t, "317101", "1970-03-02", false, 1), "Budi Santoso", "1970-03-02", "L", "Kepala Keluarga", village, "005", "003", "Jl. Kebon Sirih Gg. 3 No. 12", outAccepted},
		{kk1, birthNIK(t, "317101", "1974-07-05", true, 2), "Siti Aminah", "05/07/1974", "P", "Istri", "Gambir", "5", "3", "Jl. Kebon Sirih Gg. 3 No. 12", outAccepted},
		{kk1, birthNIK(t, "317101", "2010-01-20", false, 3), "Rizki Santoso", "2010-01-20", "L", "Anak", "3171011001", "5", "3", "Jl. Kebon Sirih Gg. 3 No. 12", outAccepted},
		{kk1, "3.17101E+15", "Dewi Santoso", "2012-09-09", "P", "Anak", village, "5", "3", "Jl. Kebon Sirih Gg. 3 No. 12", outRejected},
		{kk2, birthNIK(t, "317101", "1948-04-17", false, 21), "Soekarno Djojo", "1948-04-17", "L", "Kepala Keluarga", village, "1", "1", "Jl. Tanah Abang II No. 4", outReview},
		{kk2, birthNIK(t, "317101", "1952-06-01", true, 22), "Fatmawati", "1952-06-01", "P", "Istri", village, "1", "1", "Jl. Tanah Abang II No. 4", outAccepted},
		{kk3, birthNIK(t, "317101", "1948-04-17", false, 23), "Sukarno Joyo", "1948-04-17", "L", "Kepala Keluarga", village, "3", "2", "Jl. Abdul Muis No. 7", outReview},
	}
}

// writeHouseholdCSV writes rows as a household import file and returns its path.
func writeHouseholdCSV(t *testing.T, rows []memberRow) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "warga-gambir.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"No KK", "NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Hubungan Keluarga", "Kelurahan", "RW", "RT", "Alamat KTP", "Alamat Domisili", "Telepon", "Tag"})
	for _, r := range rows {
		_ = w.Write([]string{r.kk, r.nik, r.name, r.birth, r.sex, r.relation, r.village, r.rw, r.rt, r.address, "", "", ""})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// household returns the rows of household kk that the import writes.
func household(rows []memberRow, kk string) []memberRow {
	var out []memberRow
	for _, r := range rows {
		if r.kk == kk && r.want != outRejected {
			out = append(out, r)
		}
	}
	return out
}

// TestBrowserImportAndResolveDuplicate walks an office through the registry on a
// phone: it uploads a household file, watches the import finish, downloads the
// rejected rows, merges the possible duplicate the import found, and opens the kept
// household, whose NIKs it sees unmasked (an audited read).
func TestBrowserImportAndResolveDuplicate(t *testing.T) {
	exe := browserPath(t)
	rows := gambirHouseholds(t)
	want := map[rowOutcome]int{}
	nikLine := 0 // the file line (the header is line 1) of the row whose NIK Excel mangled
	for i, r := range rows {
		want[r.want]++
		if r.want == outRejected && strings.Contains(r.nik, "E+") {
			nikLine = i + 2
		}
	}
	if nikLine == 0 || want[outReview] == 0 {
		t.Fatal("the test file has no mangled NIK or no possible duplicate")
	}
	// The pair: keep Soekarno's household (with his wife), fold Sukarno's into it.
	keepName, dropName := "Soekarno Djojo", "Sukarno Joyo"
	var keepKK, dropKK string
	for _, r := range rows {
		switch r.name {
		case keepName:
			keepKK = r.kk
		case dropName:
			dropKK = r.kk
		}
	}
	// After the merge the kept household has its own members and the other's (their
	// NIKs differ, so none is folded into an existing member).
	kept := append(household(rows, keepKK), household(rows, dropKK)...)

	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			b := browser(s.URL)
			office, officePW := s.User(t, account.Office, "31.71", "")
			file := writeHouseholdCSV(t, rows)
			var importID string

			if !t.Run("the office signs in on its way to the import form", func(t *testing.T) {
				b.in(t)
				b.open("/imports")
				b.waitText("main h1", "Masuk")
				b.fill([][2]string{{`input[name="email"]`, office.Email}, {`input[name="password"]`, officePW}})
				b.shot("registry-login", phoneW)
				b.click("#login-submit")
				b.passFactor(s, office.Email)
				b.waitText("#logout", "Keluar")
				b.waitText("main h1", "Impor")
				if loc := b.location(); loc != "/imports" {
					t.Errorf("after signing in, the address bar shows %s, want /imports", loc)
				}
			}) {
				return
			}

			if !t.Run("the office uploads a household file and watches it finish", func(t *testing.T) {
				b.in(t)
				b.do("choose the kind", chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "household"))
				b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
				if got := waitFor[string](b, "the chosen file", `() => {
					const f = document.querySelector('input[name="file"]').files[0];
					return f ? f.name : null;
				}`); got != filepath.Base(file) {
					t.Errorf("the file input holds %q, want %q", got, filepath.Base(file))
				}
				b.shot("imports-form", phoneW)
				b.click("#import-submit")
				b.waitExact("#import-status", "selesai")
				loc := b.location()
				importID = strings.TrimPrefix(loc, "/imports/")
				if importID == loc || importID == "" || strings.Contains(importID, "/") {
					t.Fatalf("after the upload, the address bar shows %s, want /imports/{id}", loc)
				}
				b.waitText("main h1", filepath.Base(file))
				counters := []struct {
					sel  string
					want int
				}{
					{"#rows-done", len(rows)},
					{"#accepted", want[outAccepted]},
					{"#updated", 0},
					{"#merged", 0},
					{"#review", want[outReview]},
					{"#rejected", want[outRejected]},
				}
				for _, c := range counters {
					if got := b.text(c.sel); got != fmt.Sprint(c.want) {
						t.Errorf("%s shows %q, want %d", c.sel, got, c.want)
					}
				}
				if waitFor[string](b, "the progress block", `() => {
					const p = document.querySelector("#progress");
					return p ? (p.hasAttribute("hx-get") ? "polling" : "still") : null;
				}`) != "still" {
					t.Error("the progress block still polls after the import is done")
				}
				if href := waitFor[string](b, "the errors link", `() => {
					const a = document.querySelector("#errors-file");
					return a ? a.getAttribute("href") : null;
				}`); href != "/api/v1/imports/"+importID+"/errors.csv" {
					t.Errorf("the errors link goes to %q", href)
				}
				b.shot("import-done", phoneW)
			}) {
				return
			}

			t.Run("the rejected rows download names the mangled NIK", func(t *testing.T) {
				b.in(t)
				body := waitFor[string](b, "errors.csv", `(path) => fetch(path, {credentials: "same-origin"}).then(r =>
					r.ok ? r.text().then(t => t || " ") : "HTTP " + r.status)`, "/api/v1/imports/"+importID+"/errors.csv")
				recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil {
					t.Fatalf("errors.csv does not parse: %v\n%s", err, body)
				}
				if len(recs) != 1+want[outRejected] || strings.Join(recs[0], ",") != "row,column,value,reason" {
					t.Fatalf("errors.csv has %d records, want a header and %d rows:\n%s", len(recs), want[outRejected], body)
				}
				found := false
				for _, r := range recs[1:] {
					if len(r) == 4 && r[0] == fmt.Sprint(nikLine) && r[1] == "NIK" && r[2] == "3.17101E+15" && r[3] != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("errors.csv does not name line %d's NIK 3.17101E+15:\n%s", nikLine, body)
				}
			})

			var keepID, dropID string
			if !t.Run("the office merges the possible duplicate", func(t *testing.T) {
				b.in(t)
				b.click(`#progress a[href="/duplicates"]`)
				b.waitText("main h1", "Kemungkinan")
				pairHref := waitFor[string](b, "one open pair", `() => {
					const links = document.querySelectorAll('#duplicates a[href^="/duplicates/"]');
					return links.length === 1 ? links[0].getAttribute("href") : null;
				}`)
				b.waitText("#duplicates", "tanggal lahir sama 1948-04-17")
				// The list shows both households side by side: names, birth dates, members.
				b.waitText("#duplicates .pair-sides", keepName)
				b.waitText("#duplicates .pair-sides", dropName)
				b.waitText("#duplicates .pair-sides", "17 April 1948")
				b.waitText("#duplicates .pair-sides", "Fatmawati")
				b.shot("duplicates-open", phoneW)

				b.click(`#duplicates a[href="` + pairHref + `"]`)
				b.waitText("main h1", "Bandingkan")
				radio := `(name) => {
					const a = [...document.querySelectorAll("article.side")].find(a => a.querySelector("h3").textContent.trim() === name);
					const r = a && a.querySelector('input[name="keep"]');
					return r ? r.value : null;
				}`
				keepID = waitFor[string](b, "the radio of "+keepName, radio, keepName)
				dropID = waitFor[string](b, "the radio of "+dropName, radio, dropName)
				// The office of the region compares the households by their NIKs.
				for _, r := range append(household(rows, keepKK), household(rows, dropKK)...) {
					b.waitText("main", r.nik)
				}
				b.click(`input[name="keep"][value="` + keepID + `"]`)
				if !waitFor[bool](b, "the kept radio to be checked", `(id) => document.querySelector('input[name="keep"][value="' + id + '"]').checked || null`, keepID) {
					t.Fatal("the radio is not checked")
				}
				b.shot("duplicate-compare", phoneW)

				b.click("#merge-step summary") // a merge asks first: it cannot be undone
				b.click("#merge")
				b.waitText(".flash-ok", "Keputusan telah disimpan.")
				b.waitGone(`#duplicates a[href="` + pairHref + `"]`)
				b.waitText("#duplicates", "Tidak ada pasangan yang terbuka.")
				if loc := b.location(); loc != "/duplicates" {
					t.Errorf("after the merge, the address bar shows %s, want /duplicates", loc)
				}
				b.shot("duplicates-after-merge", phoneW)

				var into string
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COALESCE(merged_into, '') FROM targets WHERE id = $1`, dropID).Scan(&into); err != nil || into != keepID {
					t.Errorf("%s's household is merged into %q (%v), want %s (%s)", dropName, into, err, keepID, keepName)
				}
			}) {
				return
			}

			if !t.Run("the registry lists the kept household and not the merged one", func(t *testing.T) {
				b.in(t)
				b.click(`.site-nav a[href="/registry"]`)
				b.waitText("main h1", "Registri")
				b.waitText("#targets", keepName)
				b.waitText("#targets", "Budi Santoso")
				list := b.text("#targets")
				if strings.Contains(list, dropName) {
					t.Errorf("the registry still lists %s after the merge:\n%s", dropName, list)
				}
				for _, r := range rows {
					if r.want != outRejected && strings.Contains(list, r.nik) {
						t.Errorf("the registry list shows %s's NIK unmasked", r.name)
					}
				}
				size := waitFor[string](b, "the kept household's size", `(id) => {
					const a = document.querySelector('#targets a[href="/registry/targets/' + id + '"]');
					return a ? a.closest("tr").querySelector("td.num").textContent.trim() : null;
				}`, keepID)
				if size != fmt.Sprint(len(kept)) {
					t.Errorf("the kept household's size is %s, want %d", size, len(kept))
				}
				b.shot("registry-after-merge", phoneW)
			}) {
				return
			}

			t.Run("the office sees the kept household's NIKs unmasked, and that is audited", func(t *testing.T) {
				b.in(t)
				views := func() int {
					t.Helper()
					var n int
					if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log
						WHERE action = 'target.view_personal_data' AND object_id = $1 AND actor_id = $2`, keepID, office.ID).Scan(&n); err != nil {
						t.Fatal(err)
					}
					return n
				}
				before := views()
				b.click(`#targets a[href="/registry/targets/` + keepID + `"]`)
				b.waitText("main h1", keepName)
				b.waitExact("#kk", keepKK)
				for _, r := range kept {
					b.waitText("#members", r.nik)
					b.waitText("#members", r.name)
				}
				if got := views(); got != before+1 {
					t.Errorf("opening the target wrote %d target.view_personal_data entries, want 1", got-before)
				}
				b.shot("target-kept", phoneW)
			})

			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: browser scenario took %s", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}
