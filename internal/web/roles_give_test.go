package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/pledge"
	"github.com/gotong/gotong/internal/store"
)

// giveIndividual makes a citizen of kota X (31.71) who asked to become an
// individual collaborator, pending.
func (f *roleFixture) giveIndividual(t *testing.T) account.Org {
	t.Helper()
	u, _ := f.s.User(t, account.Citizen, "31.71.01.1001", "")
	o, err := f.s.App.Accounts.Collaborate(f.s.Ctx(), u.ID, "081298765432")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// givePledge makes a citizen's pledge to a verified aggregator outside the
// fixture's organisations.
func (f *roleFixture) givePledge(t *testing.T) pledge.Pledge {
	t.Helper()
	agg, _, _ := aggregator(t, f.s, f.s.Unique("Agregator Peran "))
	u, _ := f.s.User(t, account.Citizen, "31.74.01.1001", "")
	p, err := f.s.App.Pledges.Make(f.s.Ctx(), u.Principal(), agg.ID, pledge.New{What: "Beras Rahasia Peran", Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// giveRows are the endpoints of citizens who give (issue 14). The table has no
// aggregator: to its organisations, pledges do not exist; the citizen reads its
// own (none of the others'), and may ask to become an individual collaborator;
// the individuals of kota X are the office of X's and the admin's.
func giveRows() []roleRow {
	nobody := statuses{401, 404, 404, 404, 404, 404}
	staff := statuses{401, 404, 404, 200, 200, 200}
	inX := statuses{401, 404, 404, 200, 404, 200}
	anyone := everyone(201)
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	individual := func(after func(t *testing.T, f *roleFixture, r role, o account.Org)) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			o := f.giveIndividual(t)
			return freshObjects{id: o.ID, after: func(t *testing.T, r role, _ *apptest.Client) { after(t, f, r, o) }}
		}
	}
	verified := individual(func(t *testing.T, f *roleFixture, r role, o account.Org) {
		got, err := f.s.App.Accounts.Org(f.s.Ctx(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if changed := got.Status == account.OrgVerified; changed != (r == officeX || r == admin) {
			t.Errorf("after the request the individual is %s", got.Status)
		}
	})
	listed := func(t *testing.T, f *roleFixture) freshObjects {
		o := f.giveIndividual(t)
		return freshObjects{id: o.ID, body: nil, after: func(t *testing.T, r role, c *apptest.Client) {
			b := string(c.Do(t, "GET", "/api/v1/individuals", nil).Body)
			if seen := strings.Contains(b, o.ID); seen != (r == officeX || r == admin) {
				t.Errorf("the individual of kota X listed: %v", seen)
			}
		}}
	}
	signup := func(t *testing.T, f *roleFixture) freshObjects {
		c := f.s.Client()
		email := f.s.Unique("warga.peran") + "@test.gotong.local"
		return freshObjects{body: citizenBody(email, c.Human(t)), after: func(t *testing.T, _ role, _ *apptest.Client) {
			if u, err := f.s.App.Accounts.UserByEmail(f.s.Ctx(), email); err != nil || u.Role != account.Citizen {
				t.Errorf("after the request: %+v, %v", u, err)
			}
		}}
	}
	aPledge := func(t *testing.T, f *roleFixture) freshObjects {
		p := f.givePledge(t)
		return freshObjects{id: p.ID, body: map[string]string{"commitment_id": "none"}, hide: []string{p.What}}
	}
	// asCitizen is a status for the six roles of s and the citizen's own.
	asCitizen := func(s statuses, c int) statuses { s[citizen] = c; return s }
	// becomes checks that the fixture's citizen, and only it, became a pending
	// individual collaborator, then makes it a citizen again for the rows after.
	becomes := func(t *testing.T, f *roleFixture) freshObjects {
		return freshObjects{after: func(t *testing.T, r role, _ *apptest.Client) {
			u, err := f.s.App.Accounts.User(f.s.Ctx(), f.users[citizen].ID)
			if err != nil {
				t.Fatal(err)
			}
			if changed := u.Role == account.Collaborator && u.OrgStatus == account.OrgPending; changed != (r == citizen) {
				t.Errorf("after %s asked, the fixture's citizen is a %s (organisation %q)", r, u.Role, u.OrgStatus)
			}
			if u.OrgID == "" {
				return
			}
			if err := f.s.App.DB.Write(f.s.Ctx(), func(ctx context.Context, tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET role = 'citizen', org_id = NULL WHERE id = $1`, u.ID); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `DELETE FROM organizations WHERE id = $1`, u.OrgID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}}
	}
	return []roleRow{
		{method: "POST", path: "/api/v1/citizens", want: anyone, fresh: signup, show: func(*roleFixture, role) []string { return []string{`"role":"citizen"`} }},
		{method: "POST", path: "/api/v1/citizens/me/collaborate", body: map[string]string{"contact_phone": "081234567890"}, want: asCitizen(nobody, 201), fresh: becomes},
		{method: "GET", path: "/api/v1/individuals", want: staff, fresh: listed},
		{method: "POST", path: "/api/v1/individuals/{fresh}/verify", body: map[string]string{"decision": "verified"}, want: inX, fresh: verified},
		{method: "POST", path: "/api/v1/organizations/{orgA}/pledges", body: map[string]any{"what": "Beras", "quantity": 1}, want: nobody},
		{method: "GET", path: "/api/v1/pledges", want: asCitizen(nobody, 200), fresh: func(t *testing.T, f *roleFixture) freshObjects {
			return freshObjects{hide: []string{f.givePledge(t).What}}
		}},
		{method: "POST", path: "/api/v1/pledges/{fresh}/commitment", want: nobody, fresh: aPledge},

		{method: "GET", path: "/warga/daftar", want: everyone(200), show: func(*roleFixture, role) []string { return []string{`id="citizen-form"`, "altcha-widget"} }},
		{method: "POST", path: "/warga/daftar", want: everyone(303), to: [nRoles]string{"/login", "/login", "/login", "/login", "/login", "/login"},
			fresh: func(t *testing.T, f *roleFixture) freshObjects {
				o := signup(t, f)
				b := o.body.(map[string]any)
				form := url.Values{}
				for k, v := range b {
					form.Set(k, v.(string))
				}
				o.body = form
				return o
			}},
		{method: "POST", path: "/warga/kolaborator", body: url.Values{"contact_phone": {"081234567890"}}, want: page(asCitizen(nobody, 303)), to: toLogin(""), fresh: becomes},
		{method: "GET", path: "/pledges", want: page(asCitizen(nobody, 200)), to: toLogin(""), fresh: func(t *testing.T, f *roleFixture) freshObjects {
			return freshObjects{hide: []string{f.givePledge(t).What}}
		}},
		{method: "GET", path: "/pledges/new", want: page(asCitizen(nobody, 200)), to: toLogin("")},
		{method: "POST", path: "/pledges", want: page(asCitizen(nobody, 303)), to: toLogin(""), fresh: func(t *testing.T, f *roleFixture) freshObjects {
			agg, _, _ := aggregator(t, f.s, f.s.Unique("Agregator Janji "))
			return freshObjects{body: url.Values{"org_id": {agg.ID}, "what": {"Beras"}, "quantity": {"1"}}}
		}},
		{method: "POST", path: "/pledges/{fresh}/commitment", want: page(nobody), to: toLogin(""), fresh: func(t *testing.T, f *roleFixture) freshObjects {
			o := aPledge(t, f)
			o.body = url.Values{"commitment_id": {"none"}}
			return o
		}},
		{method: "GET", path: "/office/individuals", want: page(staff), to: toLogin(""), fresh: func(t *testing.T, f *roleFixture) freshObjects {
			o := f.giveIndividual(t)
			return freshObjects{after: func(t *testing.T, r role, c *apptest.Client) {
				if r == anonymous {
					return
				}
				b := string(c.Do(t, "GET", "/office/individuals", nil).Body)
				if seen := strings.Contains(b, o.ID); seen != (r == officeX || r == admin) {
					t.Errorf("the individual of kota X shown: %v", seen)
				}
			}}
		}},
		{method: "POST", path: "/office/individuals/{fresh}/verify", want: page(statuses{0, 404, 404, 303, 404, 303}), to: toLogin("/office/individuals"),
			fresh: func(t *testing.T, f *roleFixture) freshObjects {
				o := verified(t, f)
				o.body = url.Values{"decision": {"verified"}}
				return o
			}},
	}
}
