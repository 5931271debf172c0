package web_test

import (
	"net/url"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
)

// accountRows are the role table's rows for deactivating users and suspending
// organisations (issue 15, item 11): the admin's alone; for everyone else the
// user or organisation is as it was.
func accountRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// user gives a fresh user, deactivated first when wantActive (the row
	// reactivates it), and checks its state after the request.
	user := func(wantActive bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			u := f.freshUser(t)
			ctx := f.s.Ctx()
			if wantActive {
				if _, err := f.s.App.Accounts.SetUserActive(ctx, u.ID, false); err != nil {
					t.Fatal(err)
				}
			}
			return freshObjects{id: u.ID, hide: []string{u.Email}, after: func(t *testing.T, r role, _ *apptest.Client) {
				got, err := f.s.App.Accounts.UserAny(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if want := wantActive == isAdmin(r); got.Active != want {
					t.Errorf("after the request the user is active: %v; want %v", got.Active, want)
				}
			}}
		}
	}
	// org gives a fresh verified organisation, suspended first when reinstating,
	// and checks its state after the request.
	org := func(suspend, form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			o := f.freshPendingOrg(t)
			ctx := f.s.Ctx()
			if _, err := f.s.App.Accounts.DecideOrg(ctx, o.ID, account.OrgVerified, ""); err != nil {
				t.Fatal(err)
			}
			if !suspend {
				if _, err := f.s.App.Accounts.SuspendOrg(ctx, o.ID, true, "checked"); err != nil {
					t.Fatal(err)
				}
			}
			var body any = map[string]string{"reason": "documents under review"}
			if form {
				body = url.Values{"reason": {"documents under review"}}
			}
			return freshObjects{id: o.ID, body: body, hide: []string{o.Name, o.ContactEmail},
				after: func(t *testing.T, r role, _ *apptest.Client) {
					got, err := f.s.App.Accounts.Org(ctx, o.ID)
					if err != nil {
						t.Fatal(err)
					}
					if want := suspend == isAdmin(r); (got.SuspendedAt != nil) != want {
						t.Errorf("after the request the organisation is suspended: %v; want %v", got.SuspendedAt != nil, want)
					}
					if got.Status != account.OrgVerified {
						t.Errorf("the verification decision became %s", got.Status)
					}
				}}
		}
	}
	return []roleRow{
		// Forgotten passwords: public, and the same answer for an email without an account.
		{method: "GET", path: "/password/forgot", want: everyone(200), show: text(`action="/password/forgot"`)},
		{method: "POST", path: "/password/forgot", body: url.Values{"email": {"nobody@nowhere.example"}}, want: everyone(200),
			show: text(`id="forgot-sent"`)},
		{method: "GET", path: "/password/reset?token=gtr_forged", want: everyone(404), show: text(`id="reset-error"`)},
		{method: "POST", path: "/password/reset", body: url.Values{"token": {"gtr_forged"}, "password": {"kata-sandi-baru-99"}},
			want: everyone(404), show: text(`id="reset-error"`)},
		{method: "POST", path: "/api/v1/users/{fresh}/deactivate", want: apiAdmin(200), show: text(`"active":false`), fresh: user(false)},
		{method: "POST", path: "/api/v1/users/{fresh}/reactivate", want: apiAdmin(200), show: text(`"active":true`), fresh: user(true)},
		{method: "POST", path: "/api/v1/organizations/{fresh}/suspend", want: apiAdmin(200), show: text(`"suspend_reason":"documents under review"`),
			fresh: org(true, false)},
		{method: "POST", path: "/api/v1/organizations/{fresh}/reinstate", want: apiAdmin(200), show: text(`"suspended_at":null`),
			fresh: org(false, false)},
		{method: "POST", path: "/admin/users/{fresh}/deactivate", want: pageAdmin(303), to: toLogin("/admin/users"), fresh: user(false)},
		{method: "POST", path: "/admin/users/{fresh}/reactivate", want: pageAdmin(303), to: toLogin("/admin/users"), fresh: user(true)},
		{method: "POST", path: "/admin/organizations/{fresh}/suspend", want: pageAdmin(303), to: toLogin("/admin/organizations"),
			fresh: org(true, true)},
		{method: "POST", path: "/admin/organizations/{fresh}/reinstate", want: pageAdmin(303), to: toLogin("/admin/organizations"),
			fresh: org(false, true)},
	}
}
