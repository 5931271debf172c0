package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// recordWorld is a household of kota X (Jakarta Pusat) with a head who has a NIK
// and a newborn who has none, the office of X, the office of Y and a collaborator.
type recordWorld struct {
	s               *apptest.Server
	village, id     string
	head, baby      registry.Member
	office, officeY *apptest.Client
	collab          *apptest.Client
	collabOrg       account.Org
	collabUser      account.User
	count           func(t *testing.T, q string, args ...any) int
}

func newRecordWorld(t *testing.T, eng store.Engine) *recordWorld {
	t.Helper()
	s := apptest.Start(t, eng)
	w := &recordWorld{s: s, village: "31.71.03.1001"}
	offX, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	w.office, w.officeY = s.As(t, offX.ID), s.As(t, offY.ID)
	w.collabOrg, w.collabUser, _ = s.Org(t, "Yayasan Koreksi", true)
	w.collab = s.As(t, w.collabUser.ID)
	n := serial(s)
	kk := kkOf("317103", n)
	importAs(t, s, importer(offX), "koreksi.csv", householdHeader+
		hhRow(kk, nikOf("317103", "1985-04-04", false, n), "Slamet Riyadi", "1985-04-04", "L", "Kepala Keluarga", w.village, "2", "3", "Jl. Koreksi No. 1", "", "")+
		hhRow(kk, "", "Bayi Slamett", "2026-01-02", "L", "Anak", w.village, "2", "3", "Jl. Koreksi No. 1", "", ""))
	var list struct{ Items []registry.Target }
	w.office.Do(t, "GET", "/api/v1/targets?q=slamet", nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d targets named Slamet", len(list.Items))
	}
	w.id = list.Items[0].ID
	var got registry.Target
	w.office.Do(t, "GET", "/api/v1/targets/"+w.id, nil).JSON(t, &got)
	if len(got.Members) != 2 {
		t.Fatalf("the household has %d members", len(got.Members))
	}
	w.head, w.baby = got.Members[0], got.Members[1]
	w.count = func(t *testing.T, q string, args ...any) int {
		t.Helper()
		var n int
		if err := s.App.DB.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return w
}

// program publishes a weekly program of item for the households of the world's
// kelurahan, one package each.
func (w *recordWorld) program(t *testing.T, name, item string) program.Program {
	t.Helper()
	p, _ := publishProgram(t, w.s, program.Input{Name: name, Category: strings.ToLower(item), Item: program.Item{Name: item, Unit: "paket", UnitValue: 100000},
		TargetKinds: []string{"household"}, Regions: []string{w.village}, Phases: weeks(1), QuantityRule: program.PerTarget})
	return p
}

// commit commits, as c, one package of p in the world's kelurahan (its one
// household) and returns the commitment's id.
func (w *recordWorld) commit(t *testing.T, c *apptest.Client, p program.Program) string {
	t.Helper()
	var out struct{ ID string }
	r := c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 1,
		"region": w.village, "deliver_by": futureDate(2)})
	if r.Status != http.StatusCreated {
		t.Fatalf("commit: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &out)
	return out.ID
}

// members reads the household's members as the office sees them.
func (w *recordWorld) members(t *testing.T) []registry.Member {
	t.Helper()
	var got registry.Target
	w.office.Do(t, "GET", "/api/v1/targets/"+w.id, nil).JSON(t, &got)
	return got.Members
}

// A member without a NIK is corrected by its id and stays one member, over the API
// and in the page; the correction is audited as the API's are.
func TestAMemberWithoutNIKIsCorrectedInPlace(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newRecordWorld(t, eng)
			t.Run("through the API", func(t *testing.T) {
				r := w.office.Do(t, "PATCH", "/api/v1/targets/"+w.id, map[string]any{"members": []map[string]any{
					{"id": w.baby.ID, "name": "Bayi Slamet", "birth_date": "2026-01-03"}}})
				if r.Status != http.StatusOK {
					t.Fatalf("PATCH: %d %s", r.Status, r.Body)
				}
				ms := w.members(t)
				if len(ms) != 2 || ms[1].ID != w.baby.ID || ms[1].Name != "Bayi Slamet" || ms[1].BirthDate != "2026-01-03" {
					t.Fatalf("after the correction the members are %+v", ms)
				}
			})
			t.Run("in the page", func(t *testing.T) {
				form := url.Values{"member": {w.head.ID, w.baby.ID}, "name_" + w.baby.ID: {"Bayu Slamet"},
					"birth_" + w.baby.ID: {"2026-01-03"}, "sex_" + w.baby.ID: {"L"}, "relation_" + w.baby.ID: {"Anak"},
					"name_" + w.head.ID: {w.head.Name}, "birth_" + w.head.ID: {w.head.BirthDate}, "sex_" + w.head.ID: {"L"},
					"relation_" + w.head.ID: {"Kepala Keluarga"}, "nik_" + w.head.ID: {w.head.NIK}, "nik_" + w.baby.ID: {""}}
				r := w.office.Do(t, "POST", "/registry/targets/"+w.id+"/edit", form)
				if r.Status != http.StatusSeeOther {
					t.Fatalf("POST: %d %s", r.Status, r.Body)
				}
				ms := w.members(t)
				if len(ms) != 2 || ms[1].ID != w.baby.ID || ms[1].Name != "Bayu Slamet" {
					t.Fatalf("after the page's correction the members are %+v", ms)
				}
				if n := w.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'member.correct' AND object_id = $1`, w.head.ID); n != 0 {
					t.Errorf("the head, sent unchanged, was corrected %d times", n)
				}
				if n := w.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'member.correct' AND object_id = $1`, w.baby.ID); n != 2 {
					t.Errorf("%d member.correct entries for the newborn, want 2 (API and page)", n)
				}
			})
		})
	}
}

// The form changes the record, adds and removes a member, and every change is in
// the audit log; another kota's office and a collaborator find neither the form
// nor its POST.
func TestTheRecordFormCorrectsTheRecord(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newRecordWorld(t, eng)
			page := w.office.Do(t, "GET", "/registry/targets/"+w.id+"/edit", nil)
			if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `name="name_`+w.baby.ID+`"`) ||
				!strings.Contains(string(page.Body), w.head.NIK) || !strings.Contains(string(page.Body), "Lansia") {
				t.Fatalf("the form: %d %.2000s", page.Status, page.Body)
			}
			form := url.Values{"name": {"Slamet Riyadi"}, "address": {"Jl. Koreksi No. 9"}, "rw": {"2"}, "rt": {"7"},
				"tags_sent": {"1"}, "tag": {"lansia"}, "new_name": {"Sri Wahyuni"}, "new_birth": {"1987-05-05"}, "new_sex": {"P"},
				"new_relation": {"Istri"}}
			r := w.office.Do(t, "POST", "/registry/targets/"+w.id+"/edit", form)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/registry/targets/"+w.id) {
				t.Fatalf("POST: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
			}
			var got registry.Target
			w.office.Do(t, "GET", "/api/v1/targets/"+w.id, nil).JSON(t, &got)
			if got.Address != "Jl. Koreksi No. 9" || got.RT != 7 || strings.Join(got.Tags, ",") != "lansia" || got.Size != 3 || len(got.Members) != 3 {
				t.Fatalf("after the form: %+v", got)
			}
			if n := w.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'target.correct' AND object_id = $1`, w.id); n != 1 {
				t.Errorf("%d target.correct entries, want 1", n)
			}
			if n := w.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'member.add'`); n != 1 {
				t.Errorf("%d member.add entries, want 1", n)
			}
			refused := w.office.Do(t, "POST", "/registry/targets/"+w.id+"/edit", url.Values{"member": {w.baby.ID},
				"remove_" + w.baby.ID: {"1"}, "reason_" + w.baby.ID: {""}})
			if refused.Status != http.StatusBadRequest || !strings.Contains(string(refused.Body), "alasan") {
				t.Errorf("a removal without a reason: %d %.300s", refused.Status, refused.Body)
			}
			r = w.office.Do(t, "POST", "/registry/targets/"+w.id+"/edit", url.Values{"member": {w.baby.ID},
				"remove_" + w.baby.ID: {"1"}, "reason_" + w.baby.ID: {"pindah ke rumah neneknya"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("removal: %d %.300s", r.Status, r.Body)
			}
			if ms := w.members(t); len(ms) != 2 {
				t.Fatalf("%d members after the removal, want 2", len(ms))
			}
			if n := w.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'member.remove' AND object_id = $1 AND detail LIKE '%pindah%'`, w.baby.ID); n != 1 {
				t.Errorf("%d member.remove entries with the reason, want 1", n)
			}

			for name, c := range map[string]*apptest.Client{"another kota's office": w.officeY, "a collaborator": w.collab} {
				if r := c.Do(t, "GET", "/registry/targets/"+w.id+"/edit", nil); r.Status != http.StatusNotFound {
					t.Errorf("%s gets the form: %d", name, r.Status)
				}
				if r := c.Do(t, "POST", "/registry/targets/"+w.id+"/edit", url.Values{"address": {"Jl. Orang Lain"}}); r.Status != http.StatusNotFound {
					t.Errorf("%s posts the form: %d", name, r.Status)
				}
				if r := c.Do(t, "PATCH", "/api/v1/targets/"+w.id, map[string]any{"address": "Jl. Orang Lain"}); r.Status != http.StatusNotFound {
					t.Errorf("%s patches the record: %d", name, r.Status)
				}
			}
			if n := w.count(t, `SELECT COUNT(*) FROM targets WHERE address = 'Jl. Orang Lain'`); n != 0 {
				t.Error("someone without the right changed the record")
			}
		})
	}
}

// The target's page lists every allocation to it, of two programs by two
// organisations, with their statuses.
func TestTheTargetPageShowsItsAidHistory(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newRecordWorld(t, eng)
			if r := w.office.Do(t, "GET", "/registry/targets/"+w.id, nil); !strings.Contains(string(r.Body), `id="no-history"`) {
				t.Fatalf("a target without aid: %.300s", r.Body)
			}
			p1, p2 := w.program(t, "Sembako Riwayat", "Beras"), w.program(t, "Susu Riwayat", "Susu")
			orgB, userB, _ := w.s.Org(t, "Yayasan Kedua", true)
			w.commit(t, w.collab, p1)
			w.commit(t, w.s.As(t, userB.ID), p2)
			r := w.office.Do(t, "GET", "/registry/targets/"+w.id, nil)
			body := string(r.Body)
			for _, want := range []string{`id="aid-history"`, "Sembako Riwayat", "Susu Riwayat", "Beras", "Susu", w.collabOrg.Name, orgB.Name,
				"dipesan", "Minggu 1"} {
				if !strings.Contains(body, want) {
					t.Errorf("the history lacks %q", want)
				}
			}
			if r := w.officeY.Do(t, "GET", "/registry/targets/"+w.id, nil); r.Status != http.StatusNotFound {
				t.Errorf("another kota's office reads the history: %d", r.Status)
			}
		})
	}
}
