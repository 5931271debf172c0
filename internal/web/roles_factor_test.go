package web_test

import (
	"net/url"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
)

// factorRows are the routes of the second factor (issue 16, item 6). The role
// table's clients are signed in all the way, so the factor's pages send them to
// their account; what a half-signed-in session gets is in factor_test.go.
func factorRows() []roleRow {
	away := [nRoles]string{"/login", "/account", "/account", "/account", "/account", "/account", "/account"}
	// withFactor gives a fresh office user that has set up its factor, and checks
	// that only an admin's request removed it.
	withFactor := func(t *testing.T, f *roleFixture) freshObjects {
		u, pw := createUser(t, f.s, f.s.Unique("factor.user")+"@pemda-z.example", account.Office, "31.73")
		f.s.Client().Login(t, u.Email, pw) // sets the factor up
		return freshObjects{id: u.ID, hide: []string{u.Email}, after: func(t *testing.T, r role, _ *apptest.Client) {
			has, err := f.s.App.Accounts.HasFactor(f.s.Ctx(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if has == isAdmin(r) {
				t.Errorf("after the request the user has a second factor: %v; want %v", has, !isAdmin(r))
			}
		}}
	}
	code := url.Values{"code": {"123456"}}
	return []roleRow{
		{method: "GET", path: "/login/factor", want: everyone(303), to: away},
		{method: "POST", path: "/login/factor", body: code, want: everyone(303), to: away},
		{method: "POST", path: "/login/factor/enrol", body: code, want: everyone(303), to: away},
		{method: "POST", path: "/admin/users/{fresh}/factor/reset", want: pageAdmin(303), to: toLogin("/admin/users"), fresh: withFactor},
	}
}
