package web_test

import (
	"net/url"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/program"
)

// helpFixture is the help-request world of the role table: a published program
// for persons of a kelurahan of kota X where the fixture's registry has nobody, and
// a submitted request there that only the office of X and the admin may see.
type helpFixture struct {
	program   string
	seen      string // the request's id
	reference string
	name      string // the person's name, which only those who see it may read
}

var helpFixtures sync.Map // *roleFixture → *helpFixture

const helpRoleVillage = "31.71.02.1001" // kota X, outside the fixture's registry

func (f *roleFixture) help(t *testing.T) *helpFixture {
	t.Helper()
	if x, ok := helpFixtures.Load(f); ok {
		return x.(*helpFixture)
	}
	p, _ := publishProgram(t, f.s, program.Input{Name: "Bantuan Warga Peran", Category: "warga", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"person"}, Regions: []string{helpRoleVillage}, PriorityTags: []string{}, Phases: weeks(1), QuantityRule: program.PerTarget})
	x := &helpFixture{program: p.ID, name: "Warga Peran Rahasia"}
	x.reference, x.seen = f.helpRequest(t, x.name, "0812-4000-0001")
	helpFixtures.Store(f, x)
	return x
}

func helpOf(f *roleFixture) *helpFixture {
	x, _ := helpFixtures.Load(f)
	return x.(*helpFixture)
}

// helpRequest submits a request for a person in helpRoleVillage through the service.
func (f *roleFixture) helpRequest(t *testing.T, name, phone string) (reference, id string) {
	t.Helper()
	rec, err := f.s.App.Help.Submit(f.s.Ctx(), help.NewRequest{Name: name, Phone: phone, Region: helpRoleVillage, RW: "1", RT: "1",
		Address: "Jl. Peran No. 1", Need: "Sembako untuk isolasi mandiri", Urgency: "high"})
	if err != nil {
		t.Fatal(err)
	}
	items, err := f.s.App.Help.List(f.s.Ctx(), "31", help.Filter{Status: help.Submitted})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Reference == rec.Reference {
			return rec.Reference, it.ID
		}
	}
	t.Fatalf("request %s not listed", rec.Reference)
	return "", ""
}

// helpRows are the help-request endpoints, API and pages: anyone asks and follows
// a request by its reference; the office of the request's kota and the admin list,
// read, accept and decline; every other caller finds nothing.
func helpRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	seesIt := func(r role) bool { return r == officeX || r == admin }
	staff := statuses{401, 404, 404, 200, 200, 200}
	staffX := func(code int) statuses { return statuses{401, 404, 404, code, 404, code} }
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	showSeen := func(f *roleFixture, r role) []string {
		if seesIt(r) {
			return []string{helpOf(f).reference, helpOf(f).name}
		}
		return nil
	}
	hideSeen := func(f *roleFixture, r role) []string {
		if seesIt(r) {
			return nil
		}
		return []string{helpOf(f).reference, helpOf(f).name}
	}
	existing := func(t *testing.T, f *roleFixture) freshObjects { return freshObjects{id: f.help(t).seen} }
	byReference := func(t *testing.T, f *roleFixture) freshObjects { return freshObjects{id: f.help(t).reference} }
	// asked is a new request's body with a solved human check (one per role).
	asked := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			f.help(t)
			name := "Penanya " + f.s.Unique("")
			altcha := f.s.Client().Human(t)
			var body any = map[string]any{"name": name, "phone": "0812-4100-" + f.s.Unique("1"), "region": helpRoleVillage,
				"address": "Jl. Peran No. 2", "need": "Obat untuk lansia", "need_kind": "medicine", "urgency": "low", "altcha": altcha}
			if form {
				body = url.Values{"name": {name}, "phone": {"0812-4200-" + f.s.Unique("1")}, "region": {helpRoleVillage}, "address": {"Jl. Peran No. 3"},
					"need": {"Obat untuk lansia"}, "need_kind": {"medicine"}, "urgency": {"low"}, "altcha": {altcha}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				if n := f.count(t, `SELECT COUNT(*) FROM help_requests WHERE status = 'submitted' AND need_kind = 'medicine' AND urgency = 'low'`); n == 0 {
					t.Errorf("no request after the form was sent")
				}
			}}
		}
	}
	// decided is a new submitted request that the row accepts or declines; after
	// checks it became want exactly for the office of X and the admin.
	decided := func(want string, body func(f *roleFixture) any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			x := f.help(t)
			_, id := f.helpRequest(t, "Warga Putusan "+f.s.Unique(""), "0812-4300-"+f.s.Unique("1"))
			return freshObjects{id: id, body: body(f), hide: []string{x.name}, after: func(t *testing.T, r role, _ *apptest.Client) {
				got, err := f.s.App.Help.Get(f.s.Ctx(), "31", id, false)
				if err != nil {
					t.Fatal(err)
				}
				if changed := got.Status == want; changed != seesIt(r) {
					t.Errorf("after the request it is %s; want %s: %v", got.Status, want, seesIt(r))
				}
			}}
		}
	}
	accept := func(form bool) func(f *roleFixture) any {
		return func(f *roleFixture) any {
			if form {
				return url.Values{"program_id": {helpOf(f).program}}
			}
			return map[string]string{"program_id": helpOf(f).program}
		}
	}
	decline := func(form bool) func(f *roleFixture) any {
		return func(*roleFixture) any {
			if form {
				return url.Values{"reason": {"sudah dibantu RT"}}
			}
			return map[string]string{"reason": "sudah dibantu RT"}
		}
	}
	everyoneTo := func(prefix string) [nRoles]string {
		var to [nRoles]string
		for i := range to {
			to[i] = prefix
		}
		return to
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/help-requests?status=submitted", want: staff, fresh: existing, show: showSeen, hide: hideSeen},
		{method: "GET", path: "/api/v1/help-requests/{fresh}?phone=0001", want: everyone(200), fresh: byReference,
			show: text(`"status":"submitted"`), hide: func(f *roleFixture, _ role) []string { return []string{helpOf(f).name} }},
		{method: "POST", path: "/api/v1/help-requests", want: everyone(201), fresh: asked(false), show: text(`"status":"submitted"`, `"reference":"BW-`)},
		{method: "POST", path: "/api/v1/help-requests/{fresh}/accept", want: staffX(200), fresh: decided(help.Accepted, accept(false)),
			show: text(`"matched_existing":false`)},
		{method: "POST", path: "/api/v1/help-requests/{fresh}/decline", want: staffX(200), fresh: decided(help.Declined, decline(false)),
			show: text(`"status":"declined"`)},

		{method: "GET", path: "/bantuan", want: everyone(200), show: text(`id="help-form"`, `name="altcha"`)},
		{method: "POST", path: "/bantuan", want: everyone(303), to: everyoneTo("/bantuan/status?"), fresh: asked(true)},
		{method: "GET", path: "/bantuan/status", want: everyone(200), show: text(`id="help-status-form"`)},
		{method: "GET", path: "/help-requests", want: page(staff), to: toLogin(""), fresh: existing, show: showSeen, hide: hideSeen},
		{method: "GET", path: "/help-requests/{fresh}", want: page(staffX(200)), to: toLogin(""), fresh: existing, show: showSeen},
		{method: "POST", path: "/help-requests/{fresh}/accept", want: page(staffX(303)), to: toLogin("/help-requests/"),
			fresh: decided(help.Accepted, accept(true))},
		{method: "POST", path: "/help-requests/{fresh}/decline", want: page(staffX(303)), to: toLogin("/help-requests/"),
			fresh: decided(help.Declined, decline(true))},
	}
}
