package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
)

// programFixture is the program world of the role table: a published program over
// Sawah Besar (31.71.02) and Setiabudi (31.74.02) and a draft only admins see; a
// commitment of organisation A in Pasar Baru holding Hadi's household and an RW
// that later shrank (a flagged need), one of B in Setia Budi holding Rina's
// household; and a pool RW of 5,000 families in Karang Anyar that the rows' own
// commitments draw from.
type programFixture struct {
	program, draft   string
	commitA, commitB string
	poolRW           string
	name, draftName  string
	hadi, rina       string // recipients' names
	flagHead         string // the shrunk RW's head
}

func (f *roleFixture) seedPrograms(t *testing.T) {
	t.Helper()
	x := &f.prog
	s := f.s
	x.name, x.draftName = "Sembako Peran Jakarta", "Draf Rahasia Program"
	x.hadi, x.rina, x.flagHead = "Hadi Penerima Alfa", "Rina Penerima Beta", "Ketua Tanda Rahasia"
	byX, byY := importer(f.users[officeX]), importer(f.users[officeY])
	importKind(t, s, byX, registry.Household, "penerima-alfa.csv", householdHeader+
		hhRow(kkOf("317102", 8101), nikOf("317102", "1971-03-03", false, 8101), x.hadi, "1971-03-03", "L", "Kepala Keluarga",
			"31.71.02.1001", "2", "3", "Jl. Penerima Alfa No. 1", "081255550001", "lansia"))
	importKind(t, s, byX, registry.RW, "rw-alfa.csv", rwHeader+
		rwRow("31.71.02.1001", 9, x.flagHead, "081255550009", 10, 40)+
		rwRow("31.71.02.1002", 1, "Ketua Kolam Rahasia", "081255550010", 5000, 15000))
	importKind(t, s, byY, registry.Household, "penerima-beta.csv", householdHeader+
		hhRow(kkOf("317402", 8201), nikOf("317402", "1983-08-08", true, 8201), x.rina, "1983-08-08", "P", "Kepala Keluarga",
			"31.74.02.1001", "4", "5", "Jl. Penerima Beta No. 2", "081266660002", ""))
	x.poolRW = f.one(t, `SELECT id FROM targets WHERE name = $1`, "Ketua Kolam Rahasia")
	flagRW := f.one(t, `SELECT id FROM targets WHERE name = $1`, x.flagHead)

	p, _ := publishProgram(t, s, program.Input{Name: x.name, Category: "pangan", Description: "Paket sembako mingguan.",
		Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"household", "rw", "institution"},
		Regions: []string{"31.71.02", "31.74.02"}, PriorityTags: []string{"lansia"}, Phases: weeks(2), QuantityRule: program.PerFamily})
	x.program = p.ID
	d, err := s.App.Programs.Create(s.Ctx(), program.Input{Name: x.draftName, Category: "pangan", Item: program.Item{Name: "Beras", Unit: "kg"},
		TargetKinds: []string{"household"}, PriorityTags: []string{}, Phases: weeks(1), QuantityRule: program.PerTarget})
	if err != nil {
		t.Fatal(err)
	}
	x.draft = d.ID

	commit := func(r role, orgID, area string, qty int) string {
		t.Helper()
		c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: f.users[r].ID, OrgID: orgID},
			allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: qty, Region: area, DeliverBy: futureDate(2)})
		if err != nil || c.Allocated != qty {
			t.Fatalf("commit %d in %s for %s: %+v, %v", qty, area, r, c, err)
		}
		return c.ID
	}
	x.commitA = commit(collabA, f.orgA.ID, "31.71.02.1001", 11)
	x.commitB = commit(collabB, f.orgB.ID, "31.74.02.1001", 1)
	// The RW shrinks below what A holds: its need is flagged for the office.
	two := 2
	if _, err := s.App.Registry.Correct(s.Ctx(), registry.Viewer{Scope: "31.71", Office: true}, flagRW, registry.Correction{Families: &two}); err != nil {
		t.Fatal(err)
	}
	s.App.FollowRegistry(s.Ctx())
	if n := f.count(t, `SELECT COUNT(*) FROM needs WHERE state = 'flagged' AND target_id = $1`, flagRW); n != 1 {
		t.Fatalf("%d flagged needs for the shrunk RW, want 1", n)
	}

	for _, sec := range []struct {
		texts []string
		by    []role
	}{
		{[]string{x.hadi, "Jl. Penerima Alfa", "81255550001", x.flagHead, "81255550009"}, []role{collabA, officeX}},
		{[]string{x.rina, "Jl. Penerima Beta", "81266660002"}, []role{collabB, officeY}},
		{[]string{"Ketua Kolam Rahasia", "81255550010"}, []role{officeX}},
		{[]string{x.draftName}, nil},
	} {
		for _, text := range sec.texts {
			f.secrets = append(f.secrets, secret{text: text, seenBy: sec.by})
		}
	}
}

// one returns the single id a query finds.
func (f *roleFixture) one(t *testing.T, query string, args ...any) string {
	t.Helper()
	var id string
	if n := f.count(t, `SELECT COUNT(*) FROM (`+query+`) q`, args...); n != 1 {
		t.Fatalf("%s: %d rows, want 1", query, n)
	}
	if err := f.s.App.DB.R().QueryRowContext(context.Background(), query, args...).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// poolCommitment makes a commitment of organisation A of one unit of the pool RW and
// returns it with its allocation.
func (f *roleFixture) poolCommitment(t *testing.T) (commitment, allocation string) {
	t.Helper()
	c, err := f.s.App.Allocations.Commit(f.s.Ctx(), allocate.Who{UserID: f.users[collabA].ID, OrgID: f.orgA.ID},
		allocate.Request{ProgramID: f.prog.program, Phase: "Minggu 1", Quantity: 1, TargetIDs: []string{f.prog.poolRW}, DeliverBy: futureDate(2)})
	if err != nil || c.Allocated != 1 {
		t.Fatalf("pool commitment: %+v, %v", c, err)
	}
	return c.ID, f.one(t, `SELECT id FROM allocations WHERE commitment_id = $1`, c.ID)
}

// programRows are the role table's rows for programs, needs and commitments.
func programRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	progName := func(f *roleFixture, r role) []string { return []string{f.prog.name} }
	// Statuses: commitments exist for members of verified organisations (their own)
	// and admins; offices read those reaching their region (kota X has A's, kota Y
	// B's), by any organisation, and act on none.
	apiCommitter := func(code int) statuses { return statuses{401, code, code, 404, 404, code} }
	readers := func(code int) statuses { return statuses{401, code, code, code, code, code} }
	readA := func(code int) statuses { return statuses{401, code, 404, code, 404, code} }
	readB := func(code int) statuses { return statuses{401, 404, code, 404, code, code} }
	apiCollab := func(code int) statuses { return statuses{401, code, code, 404, 404, 404} }
	ofA := func(code int) statuses { return statuses{401, code, 404, 404, 404, code} }
	ofB := func(code int) statuses { return statuses{401, 404, code, 404, 404, code} }
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	byOrg := func(a, b func(f *roleFixture) string) func(f *roleFixture, r role) []string {
		return func(f *roleFixture, r role) []string {
			switch r {
			case collabA, officeX:
				return []string{a(f)}
			case collabB, officeY:
				return []string{b(f)}
			case admin:
				return []string{a(f), b(f)}
			}
			return nil
		}
	}
	notOtherOrg := func(f *roleFixture, r role) []string {
		switch r {
		case collabA, officeX:
			return []string{f.prog.commitB}
		case collabB, officeY:
			return []string{f.prog.commitA}
		}
		return nil
	}
	commitA := func(f *roleFixture) string { return f.prog.commitA }
	commitB := func(f *roleFixture) string { return f.prog.commitB }
	flagged := func(f *roleFixture, r role) []string {
		switch r {
		case officeX, admin:
			return []string{f.prog.flagHead, `quantity_reduced`, `"org_ids":["` + f.orgA.ID + `"]`}
		case officeY:
			return []string{`"items":[]`}
		}
		return nil
	}
	flaggedPage := func(f *roleFixture, r role) []string {
		out := []string{f.prog.name, "Pasar Baru"}
		if r == officeX || r == admin {
			out = append(out, f.prog.flagHead, `<td class="flagged-orgs">`+f.orgA.Name+`</td>`)
		}
		return out
	}

	// Objects made per row.
	newProgram := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			name := "Program Baru " + f.s.Unique("")
			ph := weeks(1)[0]
			var body any = map[string]any{"name": name, "category": "pangan", "item": map[string]any{"name": "Beras", "unit": "kg", "unit_value": 15000},
				"target_kinds": []string{"household"}, "phases": []map[string]string{{"name": ph.Name, "start": ph.Start, "end": ph.End}},
				"quantity_rule": "per_target", "priority_tags": []string{}}
			if form {
				body = url.Values{"name": {name}, "category": {"pangan"}, "item_name": {"Beras"}, "item_unit": {"kg"}, "unit_value": {"15000"},
					"target_kinds": {"household"}, "quantity_rule": {"per_target"}, "hold_hours": {"72"},
					"phases": {ph.Name + ";" + ph.Start + ";" + ph.End}}
			}
			return freshObjects{body: body, hide: []string{name}, after: func(t *testing.T, r role, _ *apptest.Client) {
				if n := f.count(t, `SELECT COUNT(*) FROM programs WHERE name = $1 AND status = 'draft'`, name); (n == 1) != isAdmin(r) || n > 1 {
					t.Errorf("%d draft programs named %s after the request; want 1 for an admin, else 0", n, name)
				}
			}}
		}
	}
	// programIn makes a program of Kebayoran Baru (31.73, no targets) in state from,
	// and checks that only an admin moved it to state to.
	programIn := func(from, to string, body any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			in := program.Input{Name: "Program Segar " + f.s.Unique(""), Category: "kesehatan", Item: program.Item{Name: "Masker", Unit: "kotak"},
				TargetKinds: []string{"household"}, Regions: []string{"31.73"}, PriorityTags: []string{}, Phases: weeks(1), QuantityRule: program.PerTarget}
			var p program.Program
			if from == program.Published {
				p, _ = publishProgram(t, f.s, in)
			} else {
				var err error
				if p, err = f.s.App.Programs.Create(f.s.Ctx(), in); err != nil {
					t.Fatal(err)
				}
			}
			return freshObjects{id: p.ID, body: body, hide: []string{in.Name}, after: func(t *testing.T, r role, _ *apptest.Client) {
				got, err := f.s.App.Programs.Get(f.s.Ctx(), p.ID, true)
				if err != nil {
					t.Fatal(err)
				}
				want := from
				if isAdmin(r) {
					want = to
				}
				if to == "exempt" {
					if got.StackExempt != isAdmin(r) {
						t.Errorf("after the request the program is exempt: %v; want %v", got.StackExempt, isAdmin(r))
					}
					return
				}
				if got.Status != want {
					t.Errorf("after the request the program is %s; want %s", got.Status, want)
				}
			}}
		}
	}
	newCommitment := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			before := f.count(t, `SELECT COUNT(*) FROM commitments`)
			var body any = map[string]any{"program_id": f.prog.program, "phase": "Minggu 1", "quantity": 1, "target_ids": []string{f.prog.poolRW},
				"deliver_by": futureDate(2)}
			if form {
				body = url.Values{"program_id": {f.prog.program}, "phase": {"Minggu 1"}, "quantity": {"1"}, "mode": {"targets"},
					"target_ids": {f.prog.poolRW}, "region": {"31.71"}, "deliver_by": {futureDate(2)}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				want := before
				if r == collabA || r == collabB {
					want++
				}
				if n := f.count(t, `SELECT COUNT(*) FROM commitments`); n != want {
					t.Errorf("%d commitments after the request, want %d", n, want)
				}
			}}
		}
	}
	poolCancel := func(t *testing.T, f *roleFixture) freshObjects {
		c, _ := f.poolCommitment(t)
		return freshObjects{id: c, after: func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM commitments WHERE id = $1 AND status = 'cancelled'`, c)
			if want := r == collabA || r == admin; (n == 1) != want {
				t.Errorf("after the request the commitment is cancelled: %v; want %v", n == 1, want)
			}
		}}
	}
	// poolAllocation is an allocation of commitment A's pool that collaborator A and
	// the admin may move to status; others leave it as it was.
	poolAllocation := func(status string) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			_, a := f.poolCommitment(t)
			return freshObjects{id: a, after: func(t *testing.T, r role, _ *apptest.Client) {
				n := f.count(t, `SELECT COUNT(*) FROM allocations WHERE id = $1 AND status = $2`, a, status)
				if want := r == collabA || r == admin; (n == 1) != want {
					t.Errorf("after the request the allocation is %s: %v; want %v", status, n == 1, want)
				}
			}}
		}
	}
	// recipientsAudited checks that a read of commitment A's recipients is audited
	// exactly when it is answered.
	recipientsAudited := func(t *testing.T, f *roleFixture) freshObjects {
		const q = `SELECT COUNT(*) FROM audit_log WHERE action = 'allocation.recipients.view' AND object_id = $1`
		before := f.count(t, q, f.prog.commitA)
		return freshObjects{after: func(t *testing.T, r role, _ *apptest.Client) {
			want := before
			if r == collabA || r == admin {
				want++
			}
			if n := f.count(t, q, f.prog.commitA); n != want {
				t.Errorf("%d recipients.view entries after the request, want %d", n, want)
			}
		}}
	}
	recipientsA := func(f *roleFixture, r role) []string { return []string{f.prog.hadi, f.prog.flagHead, "8125555"} }
	recipientsB := func(f *roleFixture, r role) []string { return []string{f.prog.rina, "81266660002"} }
	preview := map[string]any{"phase": "Minggu 1", "quantity": 1, "region": "31.71.02.1002"}
	previewForm := url.Values{"phase": {"Minggu 1"}, "quantity": {"1"}, "mode": {"area"}, "region": {"31.71.02.1002"}}
	withProgram := func(body any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			switch b := body.(type) {
			case map[string]any:
				out := map[string]any{"program_id": f.prog.program, "deliver_by": futureDate(2)}
				for k, v := range b {
					out[k] = v
				}
				return freshObjects{body: out}
			case url.Values:
				out := url.Values{"program_id": {f.prog.program}, "deliver_by": {futureDate(2)}}
				for k, v := range b {
					out[k] = v
				}
				return freshObjects{body: out}
			}
			panic("withProgram: unknown body")
		}
	}

	return []roleRow{
		// Programs API.
		{method: "POST", path: "/api/v1/programs", want: apiAdmin(201), show: text(`"status":"draft"`), fresh: newProgram(false)},
		{method: "GET", path: "/api/v1/programs", want: apiSignedIn(200), show: progName},
		{method: "GET", path: "/api/v1/programs/{program}", want: apiSignedIn(200), show: progName},
		{method: "GET", path: "/api/v1/programs/{draft}", want: statuses{401, 404, 404, 404, 404, 200}},
		{method: "POST", path: "/api/v1/programs/{fresh}/publish", want: apiAdmin(200), show: text(`"needs":0`), fresh: programIn(program.Draft, program.Published, nil)},
		{method: "POST", path: "/api/v1/programs/{fresh}/close", want: apiAdmin(200), show: text(`"status":"closed"`), fresh: programIn(program.Published, program.Closed, nil)},
		{method: "POST", path: "/api/v1/programs/{fresh}/stacking", want: apiAdmin(200), show: text(`"stack_exempt":true`),
			fresh: programIn(program.Draft, "exempt", map[string]any{"exempt": true, "reason": "uji peran"})},
		{method: "GET", path: "/api/v1/programs/{program}/coverage?region=31.71.02", want: apiSignedIn(200), show: text(`"code":"31.71.02.1001"`, `"allocated":11`)},
		{method: "GET", path: "/api/v1/programs/{program}/needs?phase=Minggu+1&region=31.71.02", want: apiCommitter(200), show: text(`"name":"RW 001"`)},
		{method: "GET", path: "/api/v1/programs/{program}/flagged", want: apiRegistry(200), show: flagged},

		// Commitments API.
		{method: "POST", path: "/api/v1/commitments", want: apiCollab(201), show: text(`"allocated":1`), fresh: newCommitment(false)},
		{method: "POST", path: "/api/v1/commitments/preview", want: apiCollab(200), show: text(`"allocated":1`), fresh: withProgram(preview)},
		{method: "GET", path: "/api/v1/commitments", want: readers(200), show: byOrg(commitA, commitB), hide: notOtherOrg},
		{method: "GET", path: "/api/v1/commitments/{commitA}", want: readA(200), show: text(`"requested":11`)},
		{method: "GET", path: "/api/v1/commitments/{commitB}", want: readB(200), show: text(`"requested":1`)},
		{method: "GET", path: "/api/v1/commitments/{commitA}/allocations", want: ofA(200), show: recipientsA, fresh: recipientsAudited},
		{method: "GET", path: "/api/v1/commitments/{commitB}/allocations", want: ofB(200), show: recipientsB},
		{method: "POST", path: "/api/v1/commitments/{fresh}/cancel", want: ofA(200), show: text(`"status":"cancelled"`), fresh: poolCancel},
		{method: "POST", path: "/api/v1/allocations/{fresh}/dispatch", want: ofA(200), show: text(`"status":"dispatched"`), fresh: poolAllocation("dispatched")},
		{method: "POST", path: "/api/v1/allocations/{fresh}/fail", want: ofA(200), body: map[string]string{"reason": "address_not_found"},
			show: text(`"status":"failed"`), fresh: failOnItsWay},
		{method: "GET", path: "/api/v1/notifications", want: apiCommitter(200), show: text(`"items":`)},
		{method: "POST", path: "/api/v1/notifications/read", want: apiCommitter(204)},

		// Program pages.
		{method: "GET", path: "/programs", want: pageSignedIn(200), to: toLogin(""), show: progName},
		{method: "GET", path: "/programs/new", want: pageAdmin(200), to: toLogin(""), show: text(`id="program-form"`)},
		{method: "POST", path: "/programs", want: pageAdmin(303), to: toLogin("/programs/"), fresh: newProgram(true)},
		{method: "GET", path: "/programs/{program}?region=31.71.02", want: pageSignedIn(200), to: toLogin(""), show: flaggedPage},
		{method: "POST", path: "/programs/{fresh}/publish", want: pageAdmin(303), to: toLogin("/programs/"), fresh: programIn(program.Draft, program.Published, nil)},
		{method: "POST", path: "/programs/{fresh}/close", want: pageAdmin(303), to: toLogin("/programs/"), fresh: programIn(program.Published, program.Closed, nil)},
		{method: "POST", path: "/programs/{fresh}/stacking", want: pageAdmin(303), to: toLogin("/programs/"),
			fresh: programIn(program.Draft, "exempt", url.Values{"exempt": {"1"}, "reason": {"uji peran"}})},
		{method: "GET", path: "/needs?program={program}&region=31.71.02", want: pageSignedIn(200), to: toLogin(""), show: text("Pasar Baru", "Karang Anyar")},

		// Commitment pages.
		{method: "GET", path: "/commitments", want: page(readers(200)), to: toLogin(""), show: byOrg(commitA, commitB), hide: notOtherOrg},
		{method: "GET", path: "/commitments/new?program={program}&region=31.71.02", want: page(apiCollab(200)), to: toLogin(""), show: text("RW 001", `id="commit-form"`)},
		{method: "POST", path: "/commitments", want: page(apiCollab(303)), to: toLogin("/commitments/"), fresh: newCommitment(true)},
		{method: "POST", path: "/commitments/preview", want: page(apiCollab(200)), to: toLogin(""), show: text(`id="pv-allocated">1<`), fresh: withProgram(previewForm)},
		{method: "GET", path: "/commitments/{commitA}", want: page(readA(200)), to: toLogin(""), show: recipientsA},
		{method: "POST", path: "/commitments/{fresh}/cancel", want: page(ofA(303)), to: toLogin("/commitments/"), fresh: poolCancel},
		{method: "POST", path: "/notifications/read", want: page(apiCommitter(303)), to: toLogin("/commitments")},
	}
}

// expandProgramPath fills the program placeholders of a row's path.
func expandProgramPath(path string, f *roleFixture) string {
	return strings.NewReplacer("{program}", f.prog.program, "{draft}", f.prog.draft, "{commitA}", f.prog.commitA,
		"{commitB}", f.prog.commitB).Replace(path)
}
