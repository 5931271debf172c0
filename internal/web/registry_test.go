package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// The import flow as an office meets it on the web: upload, follow the progress,
// download the rejected rows; and the uploads the server must refuse without keeping
// anything.

// nikOf builds a valid NIK for a district (6 digits), birth date, sex and serial.
func nikOf(district, birth string, female bool, serial int) string {
	d, err := time.Parse("2006-01-02", birth)
	if err != nil {
		panic(err)
	}
	day := d.Day()
	if female {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", district, day, int(d.Month()), d.Year()%100, serial)
}

// kkOf builds a valid No. KK of a district (issued 1 January 2020) with a serial.
func kkOf(district string, serial int) string { return fmt.Sprintf("%s010120%04d", district, serial) }

// mask is how the API masks a NIK or No. KK.
func mask(number string) string { return number[:4] + "********" + number[12:] }

const householdHeader = "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"

// hhRow is one household member row of a household file.
func hhRow(kk, nik, name, birth, sex, rel, village, rw, rt, addr, phone, tags string) string {
	return strings.Join([]string{kk, nik, name, birth, sex, rel, village, rw, rt, addr, "", phone, `"` + tags + `"`}, ",") + "\n"
}

// serial returns a NIK serial unique within the server.
func serial(s *apptest.Server) int {
	n, _ := strconv.Atoi(s.Unique(""))
	return 1000 + n%8000
}

// formPart is one part of a multipart form: a field, or a file when filename is set.
type formPart struct {
	name, filename string
	content        []byte
}

// multipartForm encodes parts as multipart/form-data and returns the body and its
// Content-Type.
func multipartForm(t testing.TB, parts ...formPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			h.Set("Content-Type", "application/octet-stream")
			w, err = mw.CreatePart(h)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadForm is the form of the import page and API: kind, then the file.
func uploadForm(t testing.TB, kind, filename string, content []byte) ([]byte, string) {
	t.Helper()
	return multipartForm(t, formPart{name: "kind", content: []byte(kind)}, formPart{name: "file", filename: filename, content: content})
}

// postRaw sends body with Content-Type ctype as c (its cookies and token).
func postRaw(t testing.TB, c *apptest.Client, path string, body []byte, ctype string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", c.S.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// upload posts a file of kind as a multipart form.
func upload(t testing.TB, c *apptest.Client, path, kind, filename string, content []byte) apptest.Response {
	t.Helper()
	body, ctype := uploadForm(t, kind, filename, content)
	return postRaw(t, c, path, body, ctype)
}

// waitImport blocks until import id is done and fails the test unless it ended done.
func waitImport(t testing.TB, s *apptest.Server, id string) registry.Import {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	im, err := s.App.Registry.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait for import %s: %v", id, err)
	}
	if im.Status != registry.StatusDone {
		t.Fatalf("import %s ended %s (%s)", id, im.Status, im.Error)
	}
	return im
}

// importAs imports a household file directly through the registry, as who, and
// waits for it.
func importAs(t testing.TB, s *apptest.Server, who registry.Importer, filename, content string) registry.Import {
	t.Helper()
	im, err := s.App.Registry.CreateImport(s.Ctx(), who, registry.Household, filename, strings.NewReader(content), 0)
	if err != nil {
		t.Fatalf("import %s: %v", filename, err)
	}
	return waitImport(t, s, im.ID)
}

func importer(u account.User) registry.Importer {
	return registry.Importer{UserID: u.ID, Email: u.Email, Scope: u.Region}
}

func countRows(t testing.TB, s *apptest.Server, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// uploadedFiles lists the files in the server's uploads folder.
func uploadedFiles(t testing.TB, s *apptest.Server) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.App.Cfg.Data, "uploads"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// errorRows reads an errors.csv answer: its header and its lines.
func errorRows(t testing.TB, r apptest.Response) (header []string, rows [][]string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("errors.csv: status %d; body %.300s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("errors.csv: Content-Type %q, want text/csv", ct)
	}
	all, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("errors.csv is not CSV: %v\n%s", err, r.Body)
	}
	return all[0], all[1:]
}

var importLocation = regexp.MustCompile(`^/imports/([0-9a-f-]{36})$`)

// importFlowFile is a household file of an office of 31.71: two households (three
// rows) in Gambir, a NIK that Excel turned into a number (line 5) and a kelurahan
// that does not exist (line 6).
func importFlowFile(s *apptest.Server, who string) string {
	n := serial(s)
	kk1, kk2 := kkOf("317101", n), kkOf("317101", n+1)
	return householdHeader +
		hhRow(kk1, nikOf("317101", "1970-03-02", false, n), "Budi "+who, "1970-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "005", "003", "Jl. Kebon Sirih No. 12", "081234567890", "lansia") +
		hhRow(kk1, nikOf("317101", "1974-07-05", true, n), "Siti "+who, "05/07/1974", "P", "Istri", "Gambir", "5", "3", "Jl. Kebon Sirih No. 12", "", "") +
		hhRow(kk2, nikOf("317101", "1950-11-11", false, n), "Soetomo "+who, "1950-11-11", "L", "Kepala Keluarga", "31.71.01.1002", "2", "1", "Jl. Cideng Barat No. 1", "", "") +
		hhRow(kk2, "3.17101E+15", "Sri "+who, "1955-02-02", "P", "Istri", "31.71.01.1002", "2", "1", "Jl. Cideng Barat No. 1", "", "") +
		hhRow(kk2, nikOf("317101", "1980-06-06", false, n), "Agus "+who, "1980-06-06", "L", "Anak", "Kelurahan Atlantis", "2", "1", "Jl. Cideng Barat No. 1", "", "")
}

func TestImportFlow(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			pusat, pw := s.User(t, account.Office, "31.71", "")
			page := s.Client()
			page.Login(t, pusat.Email, pw)
			api := s.As(t, pusat.ID)
			selatan, pw2 := s.User(t, account.Office, "31.74", "")
			pageSelatan := s.Client()
			pageSelatan.Login(t, selatan.Email, pw2)

			var importID string
			t.Run("a page upload sends the office to the import, whose progress reaches done", func(t *testing.T) {
				r := upload(t, page, "/imports", "household", "warga-gambir.csv", []byte(importFlowFile(s, "Alur")))
				if r.Status != http.StatusSeeOther {
					t.Fatalf("status %d, want 303; body %.400s", r.Status, r.Body)
				}
				m := importLocation.FindStringSubmatch(r.Header.Get("Location"))
				if m == nil {
					t.Fatalf("redirect to %q, want /imports/{id}", r.Header.Get("Location"))
				}
				importID = m[1]
				if p := page.Do(t, "GET", "/imports/"+importID, nil); p.Status != http.StatusOK || !strings.Contains(string(p.Body), "warga-gambir.csv") {
					t.Fatalf("import page: %d, body lacks the filename: %.400s", p.Status, p.Body)
				}
				var frag string
				for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
					p := page.Do(t, "GET", "/imports/"+importID+"/progress", nil)
					if p.Status != http.StatusOK {
						t.Fatalf("progress: status %d", p.Status)
					}
					frag = string(p.Body)
					if strings.Contains(frag, "badge-done") {
						break
					}
					if strings.Contains(frag, "badge-failed") || time.Now().After(deadline) {
						t.Fatalf("the import did not reach done: %s", frag)
					}
				}
				if strings.Contains(frag, "<html") || strings.Contains(frag, "hx-get") {
					t.Errorf("the finished fragment is a whole page or still polls: %s", frag)
				}
				for _, want := range []string{`id="rows-done">5<`, `id="accepted">3<`, `id="rejected">2<`, `/api/v1/imports/` + importID + `/errors.csv`} {
					if !strings.Contains(frag, want) {
						t.Errorf("the fragment lacks %s: %s", want, frag)
					}
				}
				var im registry.Import
				api.Do(t, "GET", "/api/v1/imports/"+importID, nil).JSON(t, &im)
				if im.Status != "done" || im.RowsDone != 5 || im.Accepted != 3 || im.Rejected != 2 || im.Scope != "31.71" || im.UserID != pusat.ID {
					t.Errorf("the import over the API: %+v", im)
				}
			})

			t.Run("errors.csv has the header row,column,value,reason and one line per rejected row", func(t *testing.T) {
				if importID == "" {
					t.Skip("no import")
				}
				header, rows := errorRows(t, page.Do(t, "GET", "/api/v1/imports/"+importID+"/errors.csv", nil))
				if got := strings.Join(header, ","); got != "row,column,value,reason" {
					t.Fatalf("header %q", got)
				}
				if len(rows) != 2 {
					t.Fatalf("%d rejected lines, want 2: %q", len(rows), rows)
				}
				want := [][3]string{{"5", "NIK", "3.17101E+15"}, {"6", "Kelurahan", "Kelurahan Atlantis"}}
				for i, w := range want {
					if rows[i][0] != w[0] || rows[i][1] != w[1] || rows[i][2] != w[2] || strings.TrimSpace(rows[i][3]) == "" {
						t.Errorf("line %d: %q, want %q with a reason", i+1, rows[i], w)
					}
				}
			})

			t.Run("an office's rows outside its region are rejected with the reason", func(t *testing.T) {
				r := upload(t, pageSelatan, "/imports", "household", "salah-wilayah.csv", []byte(importFlowFile(s, "Salah Wilayah")))
				m := importLocation.FindStringSubmatch(r.Header.Get("Location"))
				if r.Status != http.StatusSeeOther || m == nil {
					t.Fatalf("status %d to %q; body %.300s", r.Status, r.Header.Get("Location"), r.Body)
				}
				im := waitImport(t, s, m[1])
				if im.Rejected != 5 || im.Accepted+im.Updated+im.Merged+im.Review != 0 {
					t.Fatalf("an office of 31.74 importing 31.71 rows: %+v", im)
				}
				_, rows := errorRows(t, pageSelatan.Do(t, "GET", "/api/v1/imports/"+m[1]+"/errors.csv", nil))
				outside := 0
				for _, row := range rows {
					if strings.Contains(row[3], "outside your office's region (31.74)") {
						outside++
					}
				}
				// Lines 2, 3, 4 are Gambir rows: refused for their region; lines 5 and 6
				// are refused for their own faults or for the region.
				if outside < 3 {
					t.Errorf("%d lines say the row is outside the office's region, want at least 3: %q", outside, rows)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM targets WHERE name LIKE $1`, "%Salah Wilayah"); n != 0 {
					t.Errorf("%d targets made from refused rows", n)
				}
				if r := page.Do(t, "GET", "/api/v1/imports/"+m[1]+"/errors.csv", nil); r.Status != http.StatusNotFound {
					t.Errorf("the office of 31.71 reads 31.74's rejected rows: %d", r.Status)
				}
			})

			t.Run("values that a spreadsheet would run come back in errors.csv behind an apostrophe", func(t *testing.T) {
				n := serial(s)
				hostile := []string{"=1+2", "+3-4", "-5+6", "@SUM(7)", "=HYPERLINK(\"http://evil.example\")"}
				file := householdHeader
				for i, v := range hostile {
					cell := `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
					file += hhRow(kkOf("317101", n+i), nikOf("317101", "1966-01-01", false, n+i), "Formula Satu", "1966-01-01", "L",
						"Kepala Keluarga", cell, "1", "1", "Jl. Formula No. 1", "", "")
				}
				r := upload(t, api, "/api/v1/imports", "household", "formula.csv", []byte(file))
				var im registry.Import
				r.JSON(t, &im)
				if r.Status != http.StatusAccepted {
					t.Fatalf("status %d; body %s", r.Status, r.Body)
				}
				waitImport(t, s, im.ID)
				_, rows := errorRows(t, api.Do(t, "GET", "/api/v1/imports/"+im.ID+"/errors.csv", nil))
				got := map[string]string{}
				for _, row := range rows {
					for _, cell := range row {
						if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
							t.Errorf("a cell starts with %q: %q", cell[:1], cell)
						}
					}
					if row[1] == "Kelurahan" {
						got[row[0]] = row[2]
					}
				}
				for i, v := range hostile {
					if line := strconv.Itoa(i + 2); got[line] != "'"+v {
						t.Errorf("line %s: value %q, want %q", line, got[line], "'"+v)
					}
				}
			})

			t.Run("a file missing required columns is refused at once, naming them, and nothing is kept", func(t *testing.T) {
				before := uploadedFiles(t, s)
				for _, c := range []struct {
					name   string
					client *apptest.Client
					path   string
				}{{"over the API", api, "/api/v1/imports"}, {"from the page", page, "/imports"}} {
					t.Run(c.name, func(t *testing.T) {
						filename := s.Unique("kolom-kurang-") + ".csv"
						r := upload(t, c.client, c.path, "household", filename, []byte("NIK,Nama,Tanggal Lahir\n3171010203700001,Budi,1970-03-02\n"))
						if r.Status != http.StatusBadRequest {
							t.Fatalf("status %d, want 400; body %.300s", r.Status, r.Body)
						}
						msg := string(r.Body)
						if c.client == api {
							var code string
							code, msg = errorOf(t, r)
							if code != "invalid" {
								t.Errorf("code %q, want invalid", code)
							}
						}
						for _, col := range []string{"No KK", "Jenis Kelamin", "Hubungan Keluarga", "Kelurahan"} {
							if !strings.Contains(msg, col) {
								t.Errorf("the answer does not name the missing column %q: %.600s", col, msg)
							}
						}
						if n := countRows(t, s, `SELECT COUNT(*) FROM imports WHERE filename = $1`, filename); n != 0 {
							t.Errorf("%d import rows for the refused file", n)
						}
					})
				}
				if after := uploadedFiles(t, s); len(after) != len(before) {
					t.Errorf("the uploads folder went from %v to %v", before, after)
				}
			})

			t.Run("malformed and refused uploads get 400 and keep nothing", func(t *testing.T) {
				good := []byte(importFlowFile(s, "Ditolak"))
				form := func(parts ...formPart) func() ([]byte, string) {
					return func() ([]byte, string) { return multipartForm(t, parts...) }
				}
				cases := []struct {
					name     string
					body     func() ([]byte, string)
					mentions string
				}{
					{"a multipart body that is cut off", func() ([]byte, string) {
						b, ct := uploadForm(t, "household", "potong.csv", good)
						return b[:len(b)/2], ct
					}, "malformed"},
					{"a body that is not multipart at all", func() ([]byte, string) {
						return []byte("--xyz\r\nthis is not a part\r\n"), "multipart/form-data; boundary=xyz"
					}, "malformed"},
					{"a JSON body", func() ([]byte, string) { return []byte(`{"kind":"household"}`), "application/json" }, "multipart"},
					{"a form without the file", form(formPart{name: "kind", content: []byte("household")}), "file"},
					{"an unknown kind", form(formPart{name: "kind", content: []byte("alien")}, formPart{name: "file", filename: "a.csv", content: good}), "kind"},
					{"no kind at all", form(formPart{name: "file", filename: "a.csv", content: good}), "kind"},
					{"an .xls file", form(formPart{name: "kind", content: []byte("household")}, formPart{name: "file", filename: "warga.XLS", content: []byte("\xd0\xcf\x11\xe0 old excel")}), ".xlsx"},
					{"an empty file", form(formPart{name: "kind", content: []byte("household")}, formPart{name: "file", filename: "kosong.csv"}), "empty"},
				}
				before := uploadedFiles(t, s)
				imports := countRows(t, s, `SELECT COUNT(*) FROM imports`)
				for _, c := range cases {
					t.Run(c.name+" is refused", func(t *testing.T) {
						body, ctype := c.body()
						r := postRaw(t, api, "/api/v1/imports", body, ctype)
						if r.Status != http.StatusBadRequest {
							t.Fatalf("status %d, want 400; body %.300s", r.Status, r.Body)
						}
						if code, msg := errorOf(t, r); code != "invalid" || !strings.Contains(msg, c.mentions) {
							t.Errorf("error %s %q, want invalid mentioning %q", code, msg, c.mentions)
						}
					})
				}
				t.Run("the page answers an .xls file with the form and the message", func(t *testing.T) {
					r := upload(t, page, "/imports", "household", "warga.xls", []byte("\xd0\xcf\x11\xe0"))
					if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), ".xlsx") || !strings.Contains(string(r.Body), `name="file"`) {
						t.Errorf("status %d; body %.500s", r.Status, r.Body)
					}
				})
				if n := countRows(t, s, `SELECT COUNT(*) FROM imports`); n != imports {
					t.Errorf("%d import rows were made by refused uploads", n-imports)
				}
				if after := uploadedFiles(t, s); len(after) != len(before) {
					t.Errorf("refused uploads left files behind: %v, before %v", after, before)
				}
			})
		})
	}
}

func TestOversizedUploadIsRefusedAndKeepsNothing(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.MaxUpload = 1024 })
			office, pw := s.User(t, account.Office, "31.71", "")
			api := s.As(t, office.ID)
			page := s.Client()
			page.Login(t, office.Email, pw)
			big := []byte(householdHeader + strings.Repeat(hhRow(kkOf("317101", 1), nikOf("317101", "1970-01-01", false, 1), "Budi Besar",
				"1970-01-01", "L", "Kepala Keluarga", "Gambir", "1", "1", "Jl. Panjang Sekali No. 1", "", ""), 40))
			small := []byte(householdHeader + hhRow(kkOf("317101", 2), nikOf("317101", "1971-01-01", false, 2), "Budi Kecil",
				"1971-01-01", "L", "Kepala Keluarga", "Gambir", "1", "1", "Jl. Pendek No. 1", "", ""))
			if len(big) <= 4096 || len(small) >= 1024 {
				t.Fatalf("fixture sizes %d and %d", len(big), len(small))
			}
			cases := []struct {
				name   string
				client *apptest.Client
				path   string
				body   func() ([]byte, string)
			}{
				{"a file over the limit, over the API", api, "/api/v1/imports", func() ([]byte, string) { return uploadForm(t, "household", "besar.csv", big) }},
				{"a file over the limit, from the page", page, "/imports", func() ([]byte, string) { return uploadForm(t, "household", "besar.csv", big) }},
				{"a small file followed by a field far over the limit", api, "/api/v1/imports", func() ([]byte, string) {
					return multipartForm(t, formPart{name: "file", filename: "kecil.csv", content: small},
						formPart{name: "catatan", content: bytes.Repeat([]byte("x"), 1<<20+4096)}, formPart{name: "kind", content: []byte("household")})
				}},
			}
			for _, c := range cases {
				t.Run(c.name+" gets 413 too_large", func(t *testing.T) {
					body, ctype := c.body()
					r := postRaw(t, c.client, c.path, body, ctype)
					if r.Status != http.StatusRequestEntityTooLarge {
						t.Fatalf("status %d, want 413; body %.300s", r.Status, r.Body)
					}
					if c.client == api {
						if code, msg := errorOf(t, r); code != "too_large" || !strings.Contains(msg, "upload limit") {
							t.Errorf("error %s %q, want too_large about the upload limit", code, msg)
						}
					}
					if files := uploadedFiles(t, s); len(files) != 0 {
						t.Errorf("files left in the uploads folder: %v", files)
					}
					if n := countRows(t, s, `SELECT COUNT(*) FROM imports`); n != 0 {
						t.Errorf("%d import rows after a refused upload", n)
					}
				})
			}
			t.Run("a file under the limit is still taken", func(t *testing.T) {
				r := upload(t, api, "/api/v1/imports", "household", "kecil.csv", small)
				if r.Status != http.StatusAccepted {
					t.Fatalf("status %d; body %.300s", r.Status, r.Body)
				}
				var im registry.Import
				r.JSON(t, &im)
				if done := waitImport(t, s, im.ID); done.Accepted != 1 {
					t.Errorf("the small file: %+v", done)
				}
			})
		})
	}
}

// TestCorrectionsKeepWhatTheCorrectorCannotSee: an admin does not see sensitive
// health tags, so replacing a target's tags must not drop them; the office of the
// region sees and replaces them all.
func TestCorrectionsKeepWhatTheCorrectorCannotSee(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			office, _ := s.User(t, account.Office, "31.71", "")
			asOffice := s.As(t, office.ID)
			adminUser, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			asAdmin := s.As(t, adminUser.ID)
			n := serial(s)
			importAs(t, s, importer(office), "tag.csv", householdHeader+hhRow(kkOf("317101", n), nikOf("317101", "1958-08-08", false, n),
				"Hartono Tagging", "1958-08-08", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Tag No. 1", "", "lansia,isoman"))
			var list struct{ Items []registry.Target }
			asOffice.Do(t, "GET", "/api/v1/targets?q=hartono", nil).JSON(t, &list)
			if len(list.Items) != 1 {
				t.Fatalf("%d targets", len(list.Items))
			}
			id := list.Items[0].ID
			tagsSeenByOffice := func() string {
				t.Helper()
				var got registry.Target
				asOffice.Do(t, "GET", "/api/v1/targets/"+id, nil).JSON(t, &got)
				return strings.Join(got.Tags, ",")
			}
			if got := tagsSeenByOffice(); got != "isoman,lansia" && got != "lansia,isoman" {
				t.Fatalf("tags before: %q", got)
			}

			t.Run("an admin replacing the tags keeps the sensitive ones", func(t *testing.T) {
				r := asAdmin.Do(t, "PATCH", "/api/v1/targets/"+id, map[string]any{"tags": []string{"anak"}})
				if r.Status != http.StatusOK || strings.Contains(string(r.Body), "isoman") {
					t.Fatalf("status %d; body %s", r.Status, r.Body)
				}
				if got := tagsSeenByOffice(); !strings.Contains(got, "isoman") || !strings.Contains(got, "anak") || strings.Contains(got, "lansia") {
					t.Errorf("after the admin's correction the office sees %q; want anak and isoman", got)
				}
			})
			t.Run("the office replaces every tag, sensitive ones too", func(t *testing.T) {
				if r := asOffice.Do(t, "PATCH", "/api/v1/targets/"+id, map[string]any{"tags": []string{"lansia"}}); r.Status != http.StatusOK {
					t.Fatalf("status %d; body %s", r.Status, r.Body)
				}
				if got := tagsSeenByOffice(); got != "lansia" {
					t.Errorf("after the office's correction it sees %q; want lansia", got)
				}
			})
		})
	}
}
