package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// TestFixFileGivesBackTheRowsToFixAndTakesThemAgain is issue 15's fix-and-resend:
// the office gets the rejected rows back as it uploaded them (the whole household
// of a rejected member, values byte for byte, a reason and the original line), fixes
// them and uploads the same file again: the fixed rows are taken, nothing doubles,
// and a row still wrong is refused again.
func TestFixFileGivesBackTheRowsToFixAndTakesThemAgain(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			off, office := asOffice(t, s, "31.71")
			other, _ := asOffice(t, s, "31.74")
			adm, _ := asAdmin(t, s)
			k := serial(s)
			kkA, kkB, kkC := kkOf("317101", k), kkOf("317101", k+1), kkOf("317101", k+2)
			address := `"Jl. Kutip ""Satu"", No. 1"`
			file := householdHeader +
				hhRow(kkA, nikOf("317101", "1970-03-02", false, k), "Slamet Riyadi", "1970-03-02", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", address, "", "") +
				hhRow(kkA, nikOf("317101", "1980-04-05", true, k+3), "Sri Lestari", "1980-13-45", "P", "Istri", "31.71.01.1001", "1", "1", address, "", "") +
				hhRow(kkB, nikOf("317101", "1975-06-07", false, k+1), "Bambang Irawan", "1975-06-07", "L", "Kepala Keluarga", "31.71.01.1001", "2", "3", "Jl. Dua No. 2", "", "") +
				hhRow(kkC, nikOf("317101", "1965-08-09", true, k+2), "=HYPERLINK(\"x\")", "1965-08-09", "P", "Kepala Keluarga", "31.71.01.9999", "4", "5", "Jl. Tiga No. 3", "", "")
			im := importAs(t, s, importer(office), "berkas.csv", file)
			if im.Rejected != 2 {
				t.Fatalf("rejected %d rows, want 2 (a birth date, a kelurahan)", im.Rejected)
			}
			path := "/api/v1/imports/" + im.ID + "/rejected"
			for who, c := range map[string]*apptest.Client{"the admin": adm, "another kota's office": other} {
				if r := c.Do(t, "GET", path, nil); r.Status != http.StatusNotFound {
					t.Errorf("%s gets the rows to fix: %d, want 404", who, r.Status)
				}
			}
			r := off.Do(t, "GET", path, nil)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("the fix file: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			all, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
			if err != nil || len(all) != 4 {
				t.Fatalf("the fix file has %d records (%v), want a header and 3 rows (both of KK A, C's):\n%s", len(all), err, r.Body)
			}
			want := strings.Split(strings.TrimSpace(householdHeader), ",")
			if h := all[0]; len(h) != len(want)+2 || strings.Join(h[:len(want)], ",") != strings.Join(want, ",") {
				t.Fatalf("the fix file's header %q; want the uploaded header and two more columns", h)
			}
			lines := map[string][]string{}
			for _, row := range all[1:] {
				lines[row[len(row)-1]] = row
				if row[len(row)-2] == "" {
					t.Errorf("row %q has no reason", row)
				}
			}
			for _, l := range []string{"2", "3", "5"} {
				if lines[l] == nil {
					t.Fatalf("the fix file lacks original line %s: %q", l, all)
				}
			}
			if got := lines["2"][9]; got != `Jl. Kutip "Satu", No. 1` {
				t.Errorf("the address came back as %q", got)
			}
			if got := lines["5"][2]; got != `=HYPERLINK("x")` && got != `'=HYPERLINK("x")` {
				t.Errorf("the name came back as %q", got)
			}
			// The office fixes the birth date only; the kelurahan stays wrong.
			lines["3"][3] = "1980-04-05"
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			if err := w.WriteAll(all); err != nil {
				t.Fatal(err)
			}
			up := upload(t, off, "/api/v1/imports", "household", "baris-ditolak.csv", buf.Bytes())
			var created struct{ ID string }
			up.JSON(t, &created)
			if up.Status != http.StatusAccepted || created.ID == "" {
				t.Fatalf("uploading the fixed file: %d %s", up.Status, up.Body)
			}
			again := waitImport(t, s, created.ID)
			if again.Rejected != 1 || again.Accepted+again.Updated+again.Merged != 2 {
				t.Errorf("the fixed file: accepted %d, updated %d, merged %d, rejected %d; want the 2 rows of KK A taken and C refused again",
					again.Accepted, again.Updated, again.Merged, again.Rejected)
			}
			var l struct{ Items []registry.Target }
			off.Do(t, "GET", "/api/v1/targets?q=slamet+riyadi", nil).JSON(t, &l)
			if len(l.Items) != 1 || l.Items[0].Size != 2 {
				t.Errorf("household A after the fix: %+v; want one household of 2", l.Items)
			}
		})
	}
}
