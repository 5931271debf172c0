package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/store"
)

// The handlers here read forms and reference data only, so one engine says it.

func TestRegionSearchAPI(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	anon := s.Client()
	type item struct{ Code, Name, Label string }
	search := func(t *testing.T, query string) []item {
		t.Helper()
		r := anon.Do(t, "GET", "/api/v1/regions?"+query, nil)
		if r.Status != 200 {
			t.Fatalf("GET regions?%s: %d %s", query, r.Status, r.Body)
		}
		var body struct{ Items []item }
		r.JSON(t, &body)
		return body.Items
	}
	t.Run("a name finds the kelurahan with its parents", func(t *testing.T) {
		got := search(t, "q=cideng&parent=31")
		if len(got) != 1 || got[0].Code != "31.71.01.1002" || got[0].Label != "Cideng — Gambir, Kota Administrasi Jakarta Pusat" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("a code prefix finds regions by code", func(t *testing.T) {
		got := search(t, "q=31.71.01&parent=31")
		if len(got) == 0 || got[0].Code != "31.71.01" || got[0].Label == "" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("an ambiguous name lists every region that bears it", func(t *testing.T) {
		got := search(t, "q=gambir&parent=31")
		if len(got) < 2 || got[0].Code != "31.71.01" || got[1].Code != "31.71.01.1001" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("without q the children are listed as before, without labels", func(t *testing.T) {
		got := search(t, "parent=31.71.01")
		if len(got) == 0 || got[0].Code != "31.71.01.1001" || got[0].Label != "" {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestProgramFormTakesNamesNumbersAndDateRows(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	adm := s.Client()
	adm.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	start, end, start2, end2 := futureDate(1), futureDate(7), futureDate(8), futureDate(14)
	form := url.Values{"name": {"Sembako Cideng"}, "category": {"pangan"}, "item_name": {"Sembako"}, "item_unit": {"paket"},
		"unit_value": {"Rp50.000"}, "hold_hours": {"72"}, "target_kinds": {"household"}, "quantity_rule": {"per_target"},
		"regions":    {"Jakarta Pusat, Cideng — Gambir"},
		"phase_name": {"Minggu 1", "Minggu 2", ""}, "phase_start": {start, start2, ""}, "phase_end": {end, end2, ""}}
	r := adm.Do(t, "POST", "/programs", form)
	if r.Status != 303 {
		t.Fatalf("status %d, want 303; %.800s", r.Status, r.Body)
	}
	id := strings.TrimPrefix(r.Header.Get("Location"), "/programs/")
	var p struct {
		Item struct {
			UnitValue int64 `json:"unit_value"`
		}
		Regions []string
		Phases  []struct{ Name, Start, End string }
	}
	adm.Do(t, "GET", "/api/v1/programs/"+id, nil).JSON(t, &p)
	if p.Item.UnitValue != 50000 {
		t.Errorf("unit value %d, want 50000 from Rp50.000", p.Item.UnitValue)
	}
	if !slices.Equal(p.Regions, []string{"31.71", "31.71.01.1002"}) {
		t.Errorf("regions %v, want Jakarta Pusat and Cideng by code", p.Regions)
	}
	if len(p.Phases) != 2 || p.Phases[1].Name != "Minggu 2" || p.Phases[1].Start != start2 || p.Phases[1].End != end2 {
		t.Errorf("phases %+v, want the two rows", p.Phases)
	}

	t.Run("the program page writes the phases' dates in Indonesian", func(t *testing.T) {
		if body := string(adm.Do(t, "GET", "/programs/"+id, nil).Body); !strings.Contains(body, "<td>"+longDay(t, start2)+"</td>") {
			t.Errorf("the program page lacks %q", longDay(t, start2))
		}
	})
	t.Run("the old name;start;end text still works", func(t *testing.T) {
		old := withForm(form, "name", "Sembako Lama", "regions", "31.71", "phases", "Minggu 1;"+start+";"+end)
		delete(old, "phase_name")
		if r := adm.Do(t, "POST", "/programs", old); r.Status != 303 {
			t.Fatalf("status %d; %.500s", r.Status, r.Body)
		}
	})
	t.Run("an ambiguous name is refused with its candidates", func(t *testing.T) {
		r := adm.Do(t, "POST", "/programs", withForm(form, "regions", "Gambir", "unit_value", "50.000"))
		body := string(r.Body)
		if r.Status != 400 || !strings.Contains(body, "cocok dengan beberapa wilayah") || !strings.Contains(body, "(31.71.01.1001)") || !strings.Contains(body, "(31.71.01)") {
			t.Fatalf("status %d; %.1500s", r.Status, body)
		}
		if !strings.Contains(body, `value="50.000"`) || !strings.Contains(body, `name="phase_start" value="`+start2+`"`) {
			t.Errorf("the form is not shown again as typed")
		}
	})
	t.Run("a decimal is not read as a whole number", func(t *testing.T) {
		if r := adm.Do(t, "POST", "/programs", withForm(form, "unit_value", "1,5")); r.Status != 400 {
			t.Fatalf("status %d", r.Status)
		}
	})
}

// TestExportDatesForPeople: the dashboard's CSV links ask for ?dates=long and get
// "3 Desember 2026"; without it, the dates stay ISO 8601 for HXL tools.
func TestExportDatesForPeople(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	w := newExportWorld(t, s)
	long := func(iso string) string { return longDay(t, iso) }
	rows := w.get(t, w.adm, "/api/v1/exports/3w.csv?program="+w.prog.ID+"&dates=long")
	if r := rows[2]; r[13] != long(w.start) || r[14] != long(w.end) {
		t.Errorf("3W for people: start and end %q %q, want %q %q", r[13], r[14], long(w.start), long(w.end))
	}
	if r := w.get(t, w.adm, "/api/v1/exports/3w.csv?program="+w.prog.ID)[2]; r[13] != w.start {
		t.Errorf("3W without dates=long: start %q, want %q", r[13], w.start)
	}
	if r := w.get(t, w.adm, "/api/v1/exports/3w.xlsx?program="+w.prog.ID+"&dates=long")[2]; r[13] != w.start {
		t.Errorf("3W XLSX keeps typed dates: start %q, want %q", r[13], w.start)
	}
	daily := w.get(t, w.offX, "/api/v1/exports/daily.csv?program="+w.prog.ID+"&dates=long")
	if len(daily) < 3 || !strings.Contains(daily[2][0], " 20") || strings.Contains(daily[2][0], "-") {
		t.Errorf("daily for people: %q", daily)
	}
}

// TestFiltersTakeARegionName: the warehouse and audit filters read a name as the
// picker or a person writes it, and name the candidates of an ambiguous one.
func TestFiltersTakeARegionName(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	adm := s.Client()
	adm.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	for _, page := range []string{"/warehouses", "/admin/audit"} {
		if r := adm.Do(t, "GET", page+"?region="+url.QueryEscape("Jakarta Pusat"), nil); r.Status != 200 || !strings.Contains(string(r.Body), `value="Jakarta Pusat"`) {
			t.Errorf("%s, Jakarta Pusat: status %d", page, r.Status)
		}
		r := adm.Do(t, "GET", page+"?region=Gambir", nil)
		if r.Status != 400 || !strings.Contains(string(r.Body), "Gambir — Kota Administrasi Jakarta Pusat (31.71.01)") {
			t.Errorf("%s, Gambir: status %d; %.800s", page, r.Status, r.Body)
		}
	}
}

// longDay is an ISO day as pages and CSVs for people write it: "3 Desember 2026".
func longDay(t *testing.T, iso string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		t.Fatalf("%q is not an ISO date: %v", iso, err)
	}
	return document.FormatDate(d)
}
