package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/xuri/excelize/v2"
)

// hxl3W is the 3W's hashtag row, as API.md lists it.
var hxl3W = []string{"#org+impl+name", "#org+prog+name", "#sector", "#activity+name", "#item+name",
	"#adm1+code", "#adm1+name", "#adm2+code", "#adm2+name", "#adm3+code", "#adm3+name", "#adm4+code", "#adm4+name",
	"#date+start", "#date+end", "#status", "#targeted+hh", "#reached+hh", "#value", "#currency+code"}

// exportWorld is a program in two kota with organisations whose names a
// spreadsheet would run as formulas, holding and delivering allocations.
type exportWorld struct {
	s               *apptest.Server
	prog            program.Program
	orgs            []account.Org // named as dangerous, in that order
	adm, offX, offY *apptest.Client
	offZ, collab    *apptest.Client
	start, end      string
	wantX, wantY    map[string][3]int64 // org name → targeted, reached, value
	kelX, kelY      string
	namesX, namesY  [4]string
}

var dangerousNames = []string{`=HYPERLINK("http://x","y")`, "+1 Yayasan", "-2 Komunitas", "@SUM(A1)"}

func newExportWorld(t *testing.T, s *apptest.Server) *exportWorld {
	t.Helper()
	w := &exportWorld{s: s, kelX: "31.71.02.1003", kelY: "31.74.02.1001"}
	hh := householdHeader
	for i := range 8 {
		birth := fmt.Sprintf("19%02d-0%d-1%d", 60+i, 1+i%9, i%10)
		hh += hhRow(kkOf("317102", 6100+i), nikOf("317102", birth, i%2 == 1, 6100+i), fmt.Sprintf("Warga Ekspor %02d", i), birth,
			map[bool]string{true: "P", false: "L"}[i%2 == 1], "Kepala Keluarga", w.kelX, strconv.Itoa(1+i%3), "1",
			fmt.Sprintf("Jl. Ekspor No. %d", i+1), fmt.Sprintf("08125666%04d", i), "")
	}
	imp := adminImporter(t, s)
	importKind(t, s, imp, registry.Household, "ekspor-x.csv", hh)
	importKind(t, s, imp, registry.Household, "ekspor-y.csv", householdHeader+
		hhRow(kkOf("317402", 6900), nikOf("317402", "1980-02-02", true, 6900), "Warga Ekspor Selatan", "1980-02-02", "P", "Kepala Keluarga",
			w.kelY, "3", "1", "Jl. Ekspor Selatan", "081256669999", ""))
	ph := weeks(2)
	w.start, w.end = ph[0].Start, ph[1].End
	w.prog, _ = publishProgram(t, s, program.Input{Name: "Sembako Ekspor", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 150000},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02", "31.74.02"}, Phases: ph, QuantityRule: program.PerTarget})
	commit := func(who allocate.Who, area string, qty int) []string {
		t.Helper()
		return commitAllocations(t, s, who, w.prog.ID, area, qty)
	}
	var collabID string
	// In X: 3, 2, 1 and 2 households; delivered 2, 0, 1 and 0. In Y: "-2" holds the
	// one household and delivered it.
	held, delivered := []int{3, 2, 1, 2}, []int{2, 0, 1, 0}
	w.wantX, w.wantY = map[string][3]int64{}, map[string][3]int64{}
	for i, name := range dangerousNames {
		org, u, _ := s.Org(t, name, true)
		if org.Name != name {
			t.Fatalf("organisation registered as %q, want %q", org.Name, name)
		}
		w.orgs = append(w.orgs, org)
		who := allocate.Who{UserID: u.ID, OrgID: org.ID}
		ids := commit(who, w.kelX, held[i])
		if delivered[i] > 0 {
			markDelivered(t, s, ids[:delivered[i]]...)
		}
		w.wantX[name] = [3]int64{int64(held[i]), int64(delivered[i]), int64(delivered[i]) * 150000}
		if i == 2 {
			markDelivered(t, s, commit(who, w.kelY, 1)...)
			w.wantY[name] = [3]int64{1, 1, 150000}
		}
		if i == 0 {
			collabID = u.ID
		}
	}
	for i, code := range []string{"31", "31.71", "31.71.02", w.kelX} {
		r, _ := s.App.Regions.Get(code)
		w.namesX[i] = r.Name
	}
	for i, code := range []string{"31", "31.74", "31.74.02", w.kelY} {
		r, _ := s.App.Regions.Get(code)
		w.namesY[i] = r.Name
	}
	admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	offX, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	offZ, _ := s.User(t, account.Office, "31.73", "")
	w.adm, w.offX, w.offY, w.offZ, w.collab = s.As(t, admin.ID), s.As(t, offX.ID), s.As(t, offY.ID), s.As(t, offZ.ID), s.As(t, collabID)
	return w
}

// commitAllocations commits qty units of a program's first week in area for who,
// through the engine, and returns the allocations' ids.
func commitAllocations(t *testing.T, s *apptest.Server, who allocate.Who, programID, area string, qty int) []string {
	t.Helper()
	c, err := s.App.Allocations.Commit(s.Ctx(), who, allocate.Request{ProgramID: programID, Phase: "Minggu 1", Quantity: qty, Region: area,
		DeliverBy: futureDate(2)})
	if err != nil || c.Allocated != qty {
		t.Fatalf("commit %d in %s: %+v, %v", qty, area, c, err)
	}
	ids, err := store.All(s.Ctx(), s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// get asks for an export and reads it back as rows of text: CSV with
// encoding/csv, XLSX with excelize (each cell as the spreadsheet shows it).
func (w *exportWorld) get(t *testing.T, c *apptest.Client, path string) [][]string {
	t.Helper()
	res := c.Do(t, "GET", path, nil)
	if res.Status != 200 {
		t.Fatalf("GET %s: %d %.300s", path, res.Status, res.Body)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	if strings.Contains(path, ".xlsx") {
		return readXLSX(t, res.Body)
	}
	if !bytes.HasPrefix(res.Body, []byte("\uFEFF")) {
		t.Errorf("GET %s: the CSV has no byte-order mark", path)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return rows
}

func readXLSX(t *testing.T, body []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// xlsxNumbers checks that the columns cols of every data row are numeric cells.
func xlsxNumbers(t *testing.T, body []byte, cols ...int) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, _ := f.GetRows(sheet)
	for r := 3; r <= len(rows); r++ {
		for _, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			typ, err := f.GetCellType(sheet, cell)
			if err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
				t.Errorf("%s is a text cell (%v, %v), want a number", cell, typ, err)
			}
		}
	}
}

func TestExport3WInHXL(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newExportWorld(t, s)
			exports := func() int { return countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'export.3w'`) }

			for _, format := range []string{"csv", "xlsx"} {
				t.Run(format+": the admin gets one row per organisation and kelurahan, neutralised, with the figures", func(t *testing.T) {
					before := exports()
					rows := w.get(t, w.adm, "/api/v1/exports/3w."+format+"?program="+w.prog.ID)
					if got := strings.Join(rows[1], " "); got != strings.Join(hxl3W, " ") {
						t.Errorf("row 2 = %s\nwant    %s", got, strings.Join(hxl3W, " "))
					}
					if rows[0][0] != "Organisasi pelaksana" || len(rows[0]) != len(hxl3W) {
						t.Errorf("row 1 = %q", rows[0])
					}
					got := map[string][]string{}
					for _, r := range rows[2:] {
						if len(r) != len(hxl3W) {
							t.Fatalf("row of %d cells: %q", len(r), r)
						}
						if !strings.HasPrefix(r[0], "'") {
							t.Errorf("organisation %q is not neutralised", r[0])
						}
						got[strings.TrimPrefix(r[0], "'")+" "+r[11]] = r
					}
					if len(got) != len(w.wantX)+len(w.wantY) || len(rows)-2 != len(got) {
						t.Fatalf("%d rows (%d distinct), want %d: %q", len(rows)-2, len(got), len(w.wantX)+len(w.wantY), rows[2:])
					}
					check := func(kel string, names [4]string, want map[string][3]int64) {
						for org, fig := range want {
							r := got[org+" "+kel]
							if r == nil {
								t.Errorf("no row for %s in %s", org, kel)
								continue
							}
							wantRow := []string{"'" + org, "Pemerintah Provinsi " + names[0], "Food Security", "Sembako Ekspor", "Sembako (paket)",
								"31", names[0], kel[:5], names[1], kel[:8], names[2], kel, names[3], w.start, w.end, "ongoing",
								strconv.FormatInt(fig[0], 10), strconv.FormatInt(fig[1], 10), strconv.FormatInt(fig[2], 10), "IDR"}
							if strings.Join(r, "|") != strings.Join(wantRow, "|") {
								t.Errorf("row of %s in %s:\n got %q\nwant %q", org, kel, r, wantRow)
							}
						}
					}
					check(w.kelX, w.namesX, w.wantX)
					check(w.kelY, w.namesY, w.wantY)
					if n := exports(); n != before+1 {
						t.Errorf("%d export.3w audit entries after one export, want %d", n, before+1)
					}
					var detail string
					if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT detail FROM audit_log WHERE action = 'export.3w' ORDER BY seq DESC LIMIT 1`).Scan(&detail); err != nil {
						t.Fatal(err)
					}
					if want := `"rows":5`; !strings.Contains(detail, want) || !strings.Contains(detail, `"format":"`+format+`"`) || !strings.Contains(detail, w.prog.ID) {
						t.Errorf("audit detail %s, want the program, %s and the format", detail, want)
					}
				})

				t.Run(format+": an office gets the rows of its region only; another kota's none", func(t *testing.T) {
					rows := w.get(t, w.offX, "/api/v1/exports/3w."+format+"?program="+w.prog.ID)
					if len(rows) != 2+len(w.wantX) {
						t.Errorf("office X: %d rows, want %d", len(rows)-2, len(w.wantX))
					}
					for _, r := range rows[2:] {
						if r[11] != w.kelX {
							t.Errorf("office X got a row of %s", r[11])
						}
					}
					rows = w.get(t, w.offY, "/api/v1/exports/3w."+format)
					if len(rows) != 3 || rows[2][11] != w.kelY || rows[2][0] != "'"+dangerousNames[2] {
						t.Errorf("office Y: %q, want the one row of %s in %s", rows[2:], dangerousNames[2], w.kelY)
					}
					if rows := w.get(t, w.offZ, "/api/v1/exports/3w."+format+"?program="+w.prog.ID); len(rows) != 2 {
						t.Errorf("office Z (31.73): %q, want no rows", rows[2:])
					}
				})
			}

			t.Run("xlsx: figures and dates are typed cells, the header rows frozen", func(t *testing.T) {
				res := w.adm.Do(t, "GET", "/api/v1/exports/3w.xlsx?program="+w.prog.ID, nil)
				xlsxNumbers(t, res.Body, 14, 15, 17, 18, 19)
				f, err := excelize.OpenReader(bytes.NewReader(res.Body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if p, err := f.GetPanes("3W"); err != nil || !p.Freeze || p.YSplit != 2 {
					t.Errorf("panes %+v, %v", p, err)
				}
			})

			t.Run("a collaborator, an anonymous caller and an unknown program", func(t *testing.T) {
				for _, c := range []struct {
					who  *apptest.Client
					path string
					want int
				}{
					{w.collab, "/api/v1/exports/3w.csv", 404},
					{s.Client(), "/api/v1/exports/3w.xlsx", 401},
					{w.adm, "/api/v1/exports/3w.csv?program=no-such-program", 404},
				} {
					if res := c.who.Do(t, "GET", c.path, nil); res.Status != c.want {
						t.Errorf("GET %s: %d, want %d", c.path, res.Status, c.want)
					}
				}
			})
		})
	}
}

func TestExportCoverage(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newExportWorld(t, s)
			base := "/api/v1/exports/coverage."
			for _, format := range []string{"csv", "xlsx"} {
				t.Run(format+": per kecamatan of a kota, and per RW of a kelurahan", func(t *testing.T) {
					rows := w.get(t, w.offX, base+format+"?program="+w.prog.ID+"&phase=Minggu%201&region=31.71.02")
					if strings.Join(rows[1], " ") != "#loc+code #loc+name #inneed+num #output+allocated+num #output+delivered+num #indicator+covered+pct" {
						t.Errorf("row 2 = %q", rows[1])
					}
					var kel []string
					for _, r := range rows[2:] {
						if r[0] == w.kelX {
							kel = r
						}
					}
					// 8 households in the first week, all held, 3 delivered.
					if strings.Join(kel, "|") != w.kelX+"|"+w.namesX[3]+"|8|8|3|1" {
						t.Errorf("row of %s = %q", w.kelX, kel)
					}
					rows = w.get(t, w.adm, base+format+"?program="+w.prog.ID+"&phase=Minggu%201&region="+w.kelX)
					var sum int
					for _, r := range rows[2:] {
						if !strings.HasPrefix(r[1], "RW 00") {
							t.Errorf("RW row %q", r)
						}
						n, _ := strconv.Atoi(r[2])
						sum += n
					}
					if len(rows) != 5 || sum != 8 {
						t.Errorf("RW rows %q, want 3 RWs needing 8 in all", rows[2:])
					}
				})
			}
			t.Run("another kota's region is not found; the program is required", func(t *testing.T) {
				if res := w.offX.Do(t, "GET", base+"csv?program="+w.prog.ID+"&region=31.74", nil); res.Status != 404 {
					t.Errorf("office X for 31.74: %d, want 404", res.Status)
				}
				if res := w.adm.Do(t, "GET", base+"xlsx", nil); res.Status != 400 {
					t.Errorf("no program: %d, want 400", res.Status)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'export.coverage'`); n != 4 {
					t.Errorf("%d export.coverage audit entries, want 4", n)
				}
			})
		})
	}
}

// exportsConformance asks for every export as the document describes it.
func exportsConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	w := newExportWorld(t, s)
	for _, f := range []string{"csv", "xlsx"} {
		k.do(t, apiCall{as: c.admin, method: "GET", path: "/api/v1/exports/3w." + f + "?program=" + w.prog.ID, want: 200})
		k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/exports/3w." + f, want: 200})
		k.do(t, apiCall{as: c.collab, method: "GET", path: "/api/v1/exports/3w." + f, want: 404})
		k.do(t, apiCall{as: c.anon, method: "GET", path: "/api/v1/exports/3w." + f, want: 401})
		k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/exports/coverage." + f + "?program=" + w.prog.ID + "&region=31.71.02", want: 200})
		k.do(t, apiCall{as: c.otherOffice, method: "GET", path: "/api/v1/exports/coverage." + f + "?program=" + w.prog.ID + "&region=31.71.02", want: 404})
		k.do(t, apiCall{as: c.admin, method: "GET", path: "/api/v1/exports/coverage." + f, want: 400, docRejects: true})
		for _, table := range []string{"collaborators", "daily", "overdue"} {
			k.do(t, apiCall{as: c.admin, method: "GET", path: "/api/v1/exports/" + table + "." + f + "?program=" + w.prog.ID, want: 200})
			k.do(t, apiCall{as: c.otherOffice, method: "GET", path: "/api/v1/exports/" + table + "." + f + "?program=" + w.prog.ID + "&region=31.71.02", want: 404})
			k.do(t, apiCall{as: c.anon, method: "GET", path: "/api/v1/exports/" + table + "." + f + "?program=" + w.prog.ID, want: 401})
		}
	}
}

// exportRows are the role table's rows of the exports: the admin's and the
// offices', each office the rows of its kota only.
func exportRows() []roleRow {
	staff := statuses{401, 404, 404, 200, 200, 200}
	inX := statuses{401, 404, 404, 200, 404, 200}
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// Organisation A works in 31.71.02, B in 31.74.02 (and the rows add more).
	workers := func(f *roleFixture, r role) []string {
		switch r {
		case officeX:
			return []string{"#org+impl+name", f.orgA.Name, "31.71.02.1001"}
		case officeY:
			return []string{"#org+impl+name", f.orgB.Name, "31.74.02.1001"}
		}
		return []string{"#org+impl+name", f.orgA.Name, f.orgB.Name, "31.71.02.1001", "31.74.02.1001"}
	}
	otherKota := func(f *roleFixture, r role) []string {
		switch r {
		case officeX:
			return []string{"31.74."}
		case officeY:
			return []string{"31.71."}
		}
		return nil
	}
	zip := text("PK\x03\x04") // an XLSX is a zip: its text is compressed
	return []roleRow{
		{method: "GET", path: "/api/v1/exports/3w.csv?program={program}", want: staff, show: workers, hide: otherKota},
		{method: "GET", path: "/api/v1/exports/3w.csv", want: staff, show: workers, hide: otherKota},
		{method: "GET", path: "/api/v1/exports/3w.xlsx?program={program}", want: staff, show: zip},
		{method: "GET", path: "/api/v1/exports/coverage.csv?program={program}&region=31.71", want: inX, show: text("#loc+code", "31.71.02"),
			hide: otherKota},
		{method: "GET", path: "/api/v1/exports/coverage.xlsx?program={program}&region=31.71", want: inX, show: zip},
		{method: "GET", path: "/api/v1/exports/collaborators.csv?program={program}", want: staff, show: text("#org+impl+name")},
		{method: "GET", path: "/api/v1/exports/collaborators.xlsx?program={program}", want: staff, show: zip},
		{method: "GET", path: "/api/v1/exports/daily.csv?program={program}", want: staff, show: text("#indicator+delivered")},
		{method: "GET", path: "/api/v1/exports/daily.xlsx?program={program}", want: staff, show: zip},
		{method: "GET", path: "/api/v1/exports/overdue.csv?program={program}&region=31.71", want: inX, show: text("#date+due"), hide: otherKota},
		{method: "GET", path: "/api/v1/exports/overdue.xlsx?program={program}", want: staff, show: zip},
	}
}

// The dashboard's other tables export with the figures the dashboard shows, the
// dangerous names neutralised, and an audit entry each.
func TestExportDashboardTables(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newExportWorld(t, s)
			for _, format := range []string{"csv", "xlsx"} {
				t.Run(format, func(t *testing.T) {
					var collab struct {
						Items []struct {
							Organization                    string
							Committed, Allocated, Delivered int64
						}
					}
					w.adm.Do(t, "GET", "/api/v1/dashboard/collaborators?program="+w.prog.ID, nil).JSON(t, &collab)
					rows := w.get(t, w.adm, "/api/v1/exports/collaborators."+format+"?program="+w.prog.ID)
					if len(rows)-2 != len(collab.Items) || len(collab.Items) != len(dangerousNames) {
						t.Fatalf("%d rows for %d collaborators: %q", len(rows)-2, len(collab.Items), rows)
					}
					for i, c := range collab.Items {
						r := rows[2+i]
						if r[1] != "'"+c.Organization || r[2] != strconv.FormatInt(c.Committed, 10) ||
							r[3] != strconv.FormatInt(c.Allocated, 10) || r[4] != strconv.FormatInt(c.Delivered, 10) {
							t.Errorf("row %q, dashboard %+v", r, c)
						}
					}
					var daily struct {
						Items []struct {
							Date      string
							Delivered int64
						}
					}
					w.offX.Do(t, "GET", "/api/v1/dashboard/daily?program="+w.prog.ID, nil).JSON(t, &daily)
					rows = w.get(t, w.offX, "/api/v1/exports/daily."+format+"?program="+w.prog.ID)
					var sum int64
					for i, d := range daily.Items {
						n, _ := strconv.ParseInt(rows[2+i][1], 10, 64)
						if rows[2+i][0] != d.Date || n != d.Delivered {
							t.Errorf("daily row %q, dashboard %+v", rows[2+i], d)
						}
						sum += n
					}
					// Office X sees its kota: 2 + 1 households delivered there.
					if len(rows)-2 != len(daily.Items) || sum != 3 {
						t.Errorf("daily rows %q: %d delivered, want 3", rows[2:], sum)
					}
					rows = w.get(t, w.offX, "/api/v1/exports/overdue."+format+"?program="+w.prog.ID)
					if len(rows) != 2 || rows[1][6] != "#date+due" {
						t.Errorf("overdue rows %q, want the header rows only (nothing is late)", rows)
					}
				})
			}
			if res := w.offY.Do(t, "GET", "/api/v1/exports/daily.csv?program="+w.prog.ID+"&region=31.71", nil); res.Status != 404 {
				t.Errorf("office Y for 31.71: %d, want 404", res.Status)
			}
			for _, what := range []string{"collaborators", "daily", "overdue"} {
				if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, "export."+what); n != 2 {
					t.Errorf("%d export.%s audit entries, want 2", n, what)
				}
			}
		})
	}
}
