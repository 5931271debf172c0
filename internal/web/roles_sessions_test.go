package web_test

import (
	"net/url"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
)

// sessionRows are the role table's rows for sessions by user and the admin's new
// password (issue 16, item 6): a user's sessions are the admin's to list and end,
// and its own; nobody else's, not even through /me or /account.
func sessionRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// signedInUser gives a fresh office user signed in through the login form (so
	// it has a session), its client, its password and its one session's id.
	signedInUser := func(t *testing.T, f *roleFixture) (account.User, *apptest.Client, string, string) {
		u, pw := createUser(t, f.s, f.s.Unique("sesi")+"@pemda-z.example", account.Office, "31.73")
		c := signedInFrom(t, f.s, "127.0.0.9", u.Email, pw)
		list, err := f.s.App.Accounts.Sessions(f.s.Ctx(), u.ID, 1<<40, 1<<40)
		if err != nil || len(list) != 1 {
			t.Fatalf("the fresh user's sessions: %v %v", list, err)
		}
		return u, c, pw, list[0].ID
	}
	// freshSession gives the row a signed-in user (id: the user, with the session
	// id as {stop} when withSession) and checks afterwards that its session was
	// ended exactly when the role is the admin (and endedByAdmin).
	freshSession := func(withSession, endedByAdmin bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			u, c, _, sid := signedInUser(t, f)
			id := u.ID
			if withSession {
				id += " " + sid
			}
			return freshObjects{id: id, body: url.Values{}, hide: []string{u.Email}, after: func(t *testing.T, r role, _ *apptest.Client) {
				want := !(endedByAdmin && isAdmin(r))
				if got := c.Do(t, "GET", "/account", nil).Status == 200; got != want {
					t.Errorf("after the request the user's session works: %v; want %v", got, want)
				}
			}}
		}
	}
	// otherSession gives the session id of a fresh user: no role is that user, so
	// no role may end it through its own account.
	otherSession := func(t *testing.T, f *roleFixture) freshObjects {
		_, c, _, sid := signedInUser(t, f)
		return freshObjects{id: sid, body: url.Values{}, after: func(t *testing.T, r role, _ *apptest.Client) {
			if c.Do(t, "GET", "/account", nil).Status != 200 {
				t.Errorf("%s ended another user's session", r)
			}
		}}
	}
	// newPassword gives a signed-in fresh user and checks afterwards that its old
	// password works exactly when the role is not the admin.
	newPassword := func(t *testing.T, f *roleFixture) freshObjects {
		u, _, pw, _ := signedInUser(t, f)
		return freshObjects{id: u.ID, body: url.Values{}, hide: []string{u.Email}, after: func(t *testing.T, r role, _ *apptest.Client) {
			code, _, _, err := postLogin(fromAddress("127.0.0.9"), f.s.URL, u.Email, pw)
			if err != nil {
				t.Fatal(err)
			}
			if works := code == 303; works == isAdmin(r) {
				t.Errorf("after the request the old password works: %v (status %d)", works, code)
			}
		}}
	}
	// ownSession gives the role a session of its own, the row's {fresh}, and
	// checks afterwards that it was ended.
	ownSession := func(t *testing.T, f *roleFixture, r role) freshObjects {
		c := f.sessionFor(t, r)
		if r == anonymous {
			return freshObjects{id: "no-session", body: url.Values{}, client: c}
		}
		var mine sessionList
		c.Do(t, "GET", "/api/v1/me/sessions", nil).JSON(t, &mine)
		var sid string
		for _, v := range mine.Items {
			if v.Current {
				sid = v.ID
			}
		}
		if sid == "" {
			t.Fatalf("%s has no current session: %+v", r, mine.Items)
		}
		return freshObjects{id: sid, body: url.Values{}, client: c, after: func(t *testing.T, r role, _ *apptest.Client) {
			if c.Do(t, "GET", "/account", nil).Status == 200 {
				t.Errorf("%s's session still works after ending it", r)
			}
		}}
	}
	onlyAnonAway := func(anon, others int) statuses { return statuses{anon, others, others, others, others, others, others} }
	return []roleRow{
		{method: "GET", path: "/api/v1/users/{fresh}/sessions", want: apiAdmin(200), show: text(`"remote_addr":"127.0.0.9"`), fresh: freshSession(false, false)},
		{method: "DELETE", path: "/api/v1/users/{fresh}/sessions", want: apiAdmin(200), show: text(`"ended":1`), fresh: freshSession(false, true)},
		{method: "DELETE", path: "/api/v1/users/{fresh}/sessions/{stop}", want: apiAdmin(204), fresh: freshSession(true, true)},
		{method: "POST", path: "/api/v1/users/{fresh}/password", want: apiAdmin(200), show: text(`"password":"`), fresh: newPassword},
		{method: "GET", path: "/api/v1/me/sessions", want: apiSignedIn(200), show: text(`"items":`)},
		{method: "DELETE", path: "/api/v1/me/sessions/{fresh}", want: onlyAnonAway(401, 404), fresh: otherSession},
		{method: "GET", path: "/admin/users/{fresh}/sessions", want: pageAdmin(200), show: text(`id="set-password"`, "127.0.0.9"), fresh: freshSession(false, false)},
		{method: "POST", path: "/admin/users/{fresh}/sessions/end", want: pageAdmin(303), to: toLogin("/admin/users/"), fresh: freshSession(false, true)},
		{method: "POST", path: "/admin/users/{fresh}/sessions/{stop}/end", want: pageAdmin(303), to: toLogin("/admin/users/"), fresh: freshSession(true, true)},
		{method: "POST", path: "/admin/users/{fresh}/password", want: pageAdmin(200), show: text(`id="new-password"`), fresh: newPassword},
		{method: "POST", path: "/account/sessions/{fresh}/end", want: onlyAnonAway(303, 404), to: toLogin(""), fresh: otherSession},
		{method: "DELETE", path: "/api/v1/me/sessions/{fresh}", want: apiSignedIn(204), freshFor: ownSession},
		{method: "POST", path: "/account/sessions/{fresh}/end", want: pageSignedIn(303), to: toLogin("/account"), freshFor: ownSession},
	}
}
