package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// The government dashboard: its figures at every level add up, an office sees its
// region only, and the lists (collaborators, days, overdue) say what happened.

// dashFigures is one region's (or RW's) figures as the API answers them.
type dashFigures struct {
	Code, Name, Region                                        string
	Needed, Allocated, Dispatched, Delivered, Failed, Overdue int64
	CoveredShare                                              float64                   `json:"covered_share"`
	RWShare                                                   struct{ Full, All int64 } `json:"rw_share"`
	Children                                                  []dashFigures
}

// units are the figures that add up from children to parent.
func (d dashFigures) units() [6]int64 {
	return [6]int64{d.Needed, d.Allocated, d.Dispatched, d.Delivered, d.Failed, d.Overdue}
}

// dashFixture is a program over RWs in three kecamatan of two kota, with
// commitments of one organisation in each, some of it on its way, delivered and
// failed through the API.
type dashFixture struct {
	s                      *apptest.Server
	program                string
	admin, officeX, collab *apptest.Client
	officeY                *apptest.Client
	orgID, orgName         string
	commitments            []string
	allocs                 []string
	codes                  deliver.Codes
	delivered, failed      int64 // units
}

func newDashFixture(t *testing.T, s *apptest.Server) *dashFixture {
	t.Helper()
	importKind(t, s, adminImporter(t, s), registry.RW, "rw-dasbor.csv", rwHeader+
		rwRow("31.71.01.1001", 1, "Ketua Dasbor Satu", "081277770001", 4, 12)+
		rwRow("31.71.01.1001", 2, "Ketua Dasbor Dua", "081277770002", 6, 18)+
		rwRow("31.71.01.1002", 3, "Ketua Dasbor Tiga", "081277770003", 5, 15)+
		rwRow("31.71.02.1001", 1, "Ketua Dasbor Empat", "081277770004", 3, 9)+
		rwRow("31.71.02.1001", 4, "Ketua Dasbor Lima", "081277770005", 7, 21)+
		rwRow("31.71.02.1003", 2, "Ketua Dasbor Enam", "081277770006", 8, 24)+
		rwRow("31.74.02.1001", 5, "Ketua Dasbor Tujuh", "081277770007", 9, 27))
	p, _ := publishProgram(t, s, program.Input{Name: "Dasbor Uji", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
		TargetKinds: []string{"rw"}, Regions: []string{"31.71", "31.74.02"}, Phases: weeks(1), QuantityRule: program.PerFamily})
	org, collab, _ := s.Org(t, "Yayasan Dasbor", true)
	offX, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	f := &dashFixture{s: s, program: p.ID, admin: s.As(t, admin.ID), officeX: s.As(t, offX.ID), officeY: s.As(t, offY.ID),
		collab: s.As(t, collab.ID), orgID: org.ID, orgName: org.Name, codes: deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))}
	for _, c := range []struct {
		area string
		qty  int
	}{{"31.71.01", 7}, {"31.71.02.1001", 10}, {"31.74.02", 4}} {
		got, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: collab.ID, OrgID: org.ID},
			allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: c.qty, Region: c.area, DeliverBy: futureDate(2)})
		if err != nil || got.Allocated != c.qty {
			t.Fatalf("commit %d in %s: %+v, %v", c.qty, c.area, got, err)
		}
		f.commitments = append(f.commitments, got.ID)
	}
	rows, err := s.App.DB.R().QueryContext(s.Ctx(), `SELECT id, quantity FROM allocations WHERE org_id = $1 ORDER BY region, id`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	var units []int64
	for rows.Next() {
		var id string
		var q int64
		if err := rows.Scan(&id, &q); err != nil {
			t.Fatal(err)
		}
		f.allocs, units = append(f.allocs, id), append(units, q)
	}
	if err := rows.Close(); err != nil || len(f.allocs) < 5 {
		t.Fatalf("%d allocations (%v), want at least 5", len(f.allocs), err)
	}
	// Two delivered, one on its way, one failed on the way; the rest stay reserved.
	f.deliver(t, f.allocs[0])
	f.do(t, f.collab, "POST", "/api/v1/allocations/"+f.allocs[1]+"/dispatch", nil, 200)
	f.do(t, f.collab, "POST", "/api/v1/allocations/"+f.allocs[2]+"/dispatch", nil, 200)
	f.do(t, f.collab, "POST", "/api/v1/allocations/"+f.allocs[2]+"/fail", map[string]string{"reason": "address_not_found"}, 200)
	f.deliver(t, f.allocs[len(f.allocs)-1])
	f.delivered, f.failed = units[0]+units[len(units)-1], units[2]
	return f
}

// deliver dispatches an allocation and delivers it.
func (f *dashFixture) deliver(t *testing.T, id string) {
	t.Helper()
	f.do(t, f.collab, "POST", "/api/v1/allocations/"+id+"/dispatch", nil, 200)
	f.do(t, f.collab, "POST", "/api/v1/allocations/"+id+"/deliver", map[string]string{"recipient_code": f.codes.For(id)}, 200)
}

func (f *dashFixture) do(t *testing.T, c *apptest.Client, method, path string, body any, want int) apptest.Response {
	t.Helper()
	r := c.Do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, want)
	}
	return r
}

// dashboard reads the dashboard of a region ("" the caller's) as c.
func (f *dashFixture) dashboard(t *testing.T, c *apptest.Client, code string) dashFigures {
	t.Helper()
	var d dashFigures
	f.do(t, c, "GET", "/api/v1/dashboard?"+url.Values{"program": {f.program}, "region": {code}}.Encode(), nil, 200).JSON(t, &d)
	return d
}

// TestDashboardLevelsAddUp walks the drill-down from the province to the RWs: at
// every level the children's figures add up to their parent's, the least covered
// come first, and inside a kelurahan the children are its RWs.
func TestDashboardLevelsAddUp(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDashFixture(t, s)
			top := f.dashboard(t, f.admin, "")
			if top.Region != "31" || top.Needed != 42 || top.Allocated != 21-f.failed || top.Delivered != f.delivered || top.Failed != f.failed || top.Dispatched == 0 {
				t.Fatalf("province: %+v; want 42 needed, %d allocated, %d delivered, %d failed, some on the way", top, 21-f.failed, f.delivered, f.failed)
			}
			levels := map[int]int{}
			var walk func(d dashFigures, depth int)
			walk = func(d dashFigures, depth int) {
				var sum [6]int64
				for i, c := range d.Children {
					for k, v := range c.units() {
						sum[k] += v
					}
					if i > 0 && c.Needed > 0 && d.Children[i-1].Needed > 0 && c.CoveredShare < d.Children[i-1].CoveredShare {
						t.Errorf("%s: %s (%.2f covered) after %s (%.2f): want the least covered first", d.Region, c.Code, c.CoveredShare,
							d.Children[i-1].Code, d.Children[i-1].CoveredShare)
					}
				}
				if sum != d.units() {
					t.Errorf("%s: children add up to %v (needed, allocated, on the way, delivered, failed, overdue), the region has %v", d.Region, sum, d.units())
				}
				levels[depth]++
				if depth == 3 { // a kelurahan: its children are RWs
					for _, c := range d.Children {
						if len(c.Code) != 3 || c.Name != "RW "+c.Code {
							t.Errorf("%s: child %q %q, want an RW", d.Region, c.Code, c.Name)
						}
					}
					return
				}
				for _, c := range d.Children {
					if c.Needed > 0 {
						walk(f.dashboard(t, f.admin, c.Code), depth+1)
					}
				}
			}
			walk(top, 0)
			// Province, 2 kota, 3 kecamatan, 5 kelurahan with needs.
			if levels[0] != 1 || levels[1] != 2 || levels[2] != 3 || levels[3] != 5 {
				t.Errorf("regions walked per level: %v, want 1, 2, 3, 5", levels)
			}
			kel := f.dashboard(t, f.admin, "31.71.02.1001")
			if len(kel.Children) != 2 || kel.Children[0].Code != "001" || kel.Children[1].Code != "004" || kel.RWShare != (struct{ Full, All int64 }{2, 2}) || kel.CoveredShare != 1 {
				t.Errorf("Pasar Baru: %+v; want RWs 001 and 004, both fully covered", kel)
			}
			// A kecamatan of the province without needs is listed, with zeros, after those with needs.
			kota := f.dashboard(t, f.admin, "31.71")
			last := kota.Children[len(kota.Children)-1]
			if len(kota.Children) < 4 || last.Needed != 0 || kota.Children[0].Needed == 0 {
				t.Errorf("Jakarta Pusat's kecamatan: %+v; want every kecamatan, those without needs last", kota.Children)
			}
		})
	}
}

// TestDashboardScope: an office sees its region and what is inside it, nothing
// outside; unknown programs, phases and regions are not found; collaborators do not
// know the dashboard exists.
func TestDashboardScope(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDashFixture(t, s)
			if d := f.dashboard(t, f.officeX, ""); d.Region != "31.71" || d.Needed != 33 {
				t.Errorf("office X by default: %s with %d needed, want 31.71 with 33", d.Region, d.Needed)
			}
			if d := f.dashboard(t, f.officeY, ""); d.Region != "31.74" || d.Needed != 9 {
				t.Errorf("office Y by default: %s with %d needed, want 31.74 with 9", d.Region, d.Needed)
			}
			f.dashboard(t, f.officeX, "31.71.02")
			q := "?program=" + f.program
			for _, path := range []string{"/api/v1/dashboard", "/api/v1/dashboard/collaborators", "/api/v1/dashboard/daily", "/api/v1/dashboard/overdue"} {
				f.do(t, f.officeX, "GET", path+q+"&region=31.74.02", nil, 404)
				f.do(t, f.officeY, "GET", path+q+"&region=31.71", nil, 404)
				f.do(t, f.officeX, "GET", path+q+"&region=31", nil, 404)
				f.do(t, f.collab, "GET", path+q, nil, 404)
				f.do(t, f.admin, "GET", path+"?program=no-such-program", nil, 404)
				f.do(t, f.admin, "GET", path+q+"&region=31.71.99", nil, 404)
				f.do(t, f.officeX, "GET", path+q+"&region=31.71.02.1001", nil, 200)
				f.do(t, f.s.Client(), "GET", path+q, nil, 401)
			}
			// The page's region picker sends what was typed: a name is read as its
			// region, still only within the office's kota.
			page := f.do(t, f.officeX, "GET", "/dashboard"+q+"&region=Sawah+Besar", nil, 200)
			if b := string(page.Body); !strings.Contains(b, `id="dash-region">Sawah Besar</li>`) || !strings.Contains(b, `id="dash-region-input" value="Sawah Besar`) {
				t.Errorf("the dashboard asked for Sawah Besar by name does not show it:\n%.600s", b[strings.Index(b, "<main"):])
			}
			f.do(t, f.officeX, "GET", "/dashboard"+q+"&region=Setiabudi", nil, 404)
			if r := f.do(t, f.admin, "GET", "/dashboard"+q+"&region=Atlantis", nil, 400); !strings.Contains(string(r.Body), "Atlantis") {
				t.Errorf("an unknown region name is refused without naming it:\n%.600s", r.Body)
			}
			f.do(t, f.admin, "GET", "/api/v1/dashboard"+q+"&phase=no-such-phase", nil, 404)
			f.do(t, f.admin, "GET", "/api/v1/dashboard"+q+"&phase=Minggu+1", nil, 200)
		})
	}
}

// TestDashboardLists: what the organisation committed, allocated, delivered and
// failed, per region; deliveries per day; the overdue allocations once their
// commitment's day has passed, each with the page to act on.
func TestDashboardLists(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDashFixture(t, s)
			var all, inX struct{ Items []map[string]any }
			q := "/api/v1/dashboard/collaborators?program=" + f.program
			f.do(t, f.admin, "GET", q, nil, 200).JSON(t, &all)
			f.do(t, f.officeX, "GET", q, nil, 200).JSON(t, &inX)
			want := map[string]any{"org_id": f.orgID, "organization": f.orgName, "committed": 21.0, "allocated": float64(21 - f.failed),
				"delivered": float64(f.delivered), "failed": float64(f.failed), "confirmation_rate": 0.0}
			if len(all.Items) != 1 || fmt.Sprint(all.Items[0]) != fmt.Sprint(want) {
				t.Errorf("collaborators in the province: %v, want %v", all.Items, want)
			}
			if len(inX.Items) != 1 || inX.Items[0]["committed"] != 17.0 {
				t.Errorf("collaborators in 31.71: %v, want 17 committed (7 + 10)", inX.Items)
			}
			// A cancelled commitment counts only what it still holds: what it had
			// dispatched or delivered.
			f.do(t, f.collab, "POST", "/api/v1/commitments/"+f.commitments[0]+"/cancel", nil, 200)
			var held int64
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COALESCE(SUM(quantity), 0) FROM allocations
				WHERE commitment_id = $1 AND status IN ('dispatched', 'delivered')`, f.commitments[0]).Scan(&held); err != nil {
				t.Fatal(err)
			}
			f.do(t, f.admin, "GET", q, nil, 200).JSON(t, &all)
			if len(all.Items) != 1 || all.Items[0]["committed"] != float64(10+4+held) || held == 7 {
				t.Errorf("after cancelling the 7 of Gambir, %d of them held: %v, want %d committed", held, all.Items, 10+4+held)
			}

			var days struct {
				Items []struct {
					Date      string
					Delivered int64
				}
			}
			f.do(t, f.admin, "GET", "/api/v1/dashboard/daily?program="+f.program, nil, 200).JSON(t, &days)
			today := time.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly)
			if len(days.Items) != 1 || days.Items[0].Date != today || days.Items[0].Delivered != f.delivered {
				t.Errorf("days: %+v, want %d on %s", days.Items, f.delivered, today)
			}

			var over struct{ Items []map[string]any }
			f.do(t, f.admin, "GET", "/api/v1/dashboard/overdue?program="+f.program, nil, 200).JSON(t, &over)
			if len(over.Items) != 0 {
				t.Fatalf("overdue before any deliver-by day passed: %v", over.Items)
			}
			// The day of Jakarta Pusat's commitments passes.
			for _, id := range f.commitments[:2] {
				if _, err := s.App.DB.W().ExecContext(s.Ctx(), `UPDATE commitments SET deliver_by = '2020-01-01' WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.App.Allocations.MarkOverdue(s.Ctx()); err != nil || n == 0 {
				t.Fatalf("MarkOverdue: %d, %v", n, err)
			}
			top := f.dashboard(t, f.admin, "")
			f.do(t, f.admin, "GET", "/api/v1/dashboard/overdue?program="+f.program, nil, 200).JSON(t, &over)
			var units int64
			for _, o := range over.Items {
				units += int64(o["units"].(float64))
				if o["link"] != "/commitments/"+o["commitment_id"].(string) || o["deliver_by"] != "2020-01-01" || !strings.HasPrefix(o["region"].(string), "31.71.") ||
					!slices.Contains([]any{"reserved", "dispatched"}, o["status"]) || o["organization"] != f.orgName {
					t.Errorf("overdue item %v", o)
				}
			}
			if len(over.Items) == 0 || units != top.Overdue {
				t.Errorf("%d overdue items of %d units; the dashboard counts %d overdue", len(over.Items), units, top.Overdue)
			}
			f.do(t, f.officeX, "GET", "/api/v1/dashboard/overdue?program="+f.program, nil, 200).JSON(t, &over)
			if len(over.Items) == 0 || over.Items[0]["link"] != "/office/deliveries" {
				t.Errorf("office X's overdue: %v, want items linking to its deliveries page", over.Items)
			}
			f.do(t, f.officeY, "GET", "/api/v1/dashboard/overdue?program="+f.program, nil, 200).JSON(t, &over)
			if len(over.Items) != 0 {
				t.Errorf("office Y sees overdue allocations of 31.71: %v", over.Items)
			}
		})
	}
}

// dashboardRows are the role table's rows of the dashboard: admins and offices,
// an office inside its region only. Organisation names are the role table's
// secrets outside their organisation, while the dashboard shows an office the
// collaborators of its region; the rows that list collaborators ask for regions
// where the fixture has none, and TestDashboardLists checks the names.
func dashboardRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	staff := func(code int) statuses { return statuses{401, 404, 404, code, code, code} }
	ownRegion := func(f *roleFixture, r role) []string {
		switch r {
		case officeX:
			return []string{`"region":"31.71"`}
		case officeY:
			return []string{`"region":"31.74"`}
		}
		return []string{`"region":"31"`}
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/dashboard?program={program}", want: staff(200), show: ownRegion},
		{method: "GET", path: "/api/v1/dashboard?program={program}&region=31.71.02", want: apiInX(200), show: text(`"code":"31.71.02.1001"`, `"allocated":11`)},
		{method: "GET", path: "/api/v1/dashboard?program={program}&region=31.74.02.1001", want: apiInY(200), show: text(`"code":"004","name":"RW 004"`)},
		{method: "GET", path: "/api/v1/dashboard?program={draft}", want: statuses{401, 404, 404, 404, 404, 200}},
		{method: "GET", path: "/api/v1/dashboard/collaborators?program={program}&region=31.71.01", want: apiInX(200), show: text(`"items":[]`)},
		{method: "GET", path: "/api/v1/dashboard/daily?program={program}", want: staff(200), show: text(`"items":`)},
		{method: "GET", path: "/api/v1/dashboard/overdue?program={program}&region=31.74.02", want: apiInY(200), show: text(`"items":[]`)},
		{method: "GET", path: "/dashboard?program={program}&region=31.71.01", want: pageInX(200), to: toLogin(""), show: text(`id="dashboard"`, `id="dash-daily"`, `href="/dashboard/map?`,
			`href="/api/v1/exports/3w.xlsx?program=`, `href="/api/v1/exports/collaborators.csv?program=`, `href="/api/v1/exports/daily.xlsx?program=`)},
		{method: "GET", path: "/dashboard?program={program}&region=31.74.01", want: pageInY(200), to: toLogin(""), show: text(`id="dashboard"`)},
	}
}

// dashboardConformance calls every dashboard endpoint, with answers that hold
// items (an overdue commitment, a delivery, a collaborator), so the checker
// compares real answers with the OpenAPI document.
func dashboardConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	f := newDashFixture(t, s)
	if _, err := s.App.DB.W().ExecContext(s.Ctx(), `UPDATE commitments SET deliver_by = '2020-01-01' WHERE id = $1`, f.commitments[1]); err != nil {
		t.Fatal(err)
	}
	if n, err := s.App.Allocations.MarkOverdue(s.Ctx()); err != nil || n == 0 {
		t.Fatalf("MarkOverdue: %d, %v", n, err)
	}
	q := "?program=" + f.program
	for _, call := range []apiCall{
		{as: f.admin, method: "GET", path: "/api/v1/dashboard" + q, want: 200},
		{as: f.officeX, method: "GET", path: "/api/v1/dashboard" + q + "&region=31.71.02.1001&phase=Minggu+1", want: 200},
		{as: f.officeX, method: "GET", path: "/api/v1/dashboard" + q + "&region=31.74", want: 404},
		{as: f.admin, method: "GET", path: "/api/v1/dashboard" + q + "&phase=no-such-phase", want: 404},
		{as: f.admin, method: "GET", path: "/api/v1/dashboard/collaborators" + q, want: 200},
		{as: f.admin, method: "GET", path: "/api/v1/dashboard/daily" + q, want: 200},
		{as: f.admin, method: "GET", path: "/api/v1/dashboard/overdue" + q, want: 200},
		{as: f.officeX, method: "GET", path: "/api/v1/dashboard/overdue" + q + "&region=31.71.02", want: 200},
		{as: f.collab, method: "GET", path: "/api/v1/dashboard/daily" + q, want: 404},
		{as: s.Client(), method: "GET", path: "/api/v1/dashboard" + q, want: 401},
	} {
		k.do(t, call)
	}
}
