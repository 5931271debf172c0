package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/storetest"
)

// signedInFrom signs email in through the login form from the loopback address ip,
// and returns the client with its session cookie.
func signedInFrom(t *testing.T, s *apptest.Server, ip, email, password string) *apptest.Client {
	t.Helper()
	c := s.Client()
	c.HTTP = fromAddress(ip)
	c.HTTP.Jar, _ = cookiejar.New(nil)
	c.Login(t, email, password)
	return c
}

// stillSignedIn says whether c's session still works: /account answers 200, not a
// redirect to the login form.
func stillSignedIn(t *testing.T, c *apptest.Client) bool {
	t.Helper()
	r := c.Do(t, "GET", "/account", nil)
	switch r.Status {
	case http.StatusOK:
		return true
	case http.StatusSeeOther:
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("/account redirected to %s", loc)
		}
		return false
	}
	t.Fatalf("/account: %d", r.Status)
	return false
}

type sessionList struct {
	Items []account.Session `json:"items"`
}

func auditCount(t *testing.T, s *apptest.Server, action, userID string) int {
	t.Helper()
	entries, _, err := audit.List(s.Ctx(), s.App.DB.R(), audit.Filter{Action: action, ObjectID: userID})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestAdminEndsSessions: a user signed in from two addresses has two sessions; the
// admin lists them (when, from where, never the session's secret), ends one (only
// that one stops working) and then all; each end is audited.
func TestAdminEndsSessions(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			u, pw := s.User(t, account.Office, "31.71", "")
			first := signedInFrom(t, s, "127.0.0.3", u.Email, pw)
			second := signedInFrom(t, s, "127.0.0.4", u.Email, pw)
			admin := s.As(t, mustAdminID(t, s))

			r := admin.Do(t, "GET", "/api/v1/users/"+u.ID+"/sessions", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("list: %d %s", r.Status, r.Body)
			}
			for _, c := range []*apptest.Client{first, second} {
				if secret := sessionCookie(t, c); strings.Contains(string(r.Body), secret) {
					t.Fatalf("the list shows a session's secret token: %s", r.Body)
				}
			}
			var list sessionList
			r.JSON(t, &list)
			byAddr := map[string]account.Session{}
			for _, v := range list.Items {
				byAddr[v.RemoteAddr] = v
				if v.CreatedAt.IsZero() || v.LastSeenAt.Before(v.CreatedAt) || v.Current {
					t.Errorf("session %+v: want its times, and not the admin's current one", v)
				}
			}
			if len(list.Items) != 2 || byAddr["127.0.0.3"].ID == "" || byAddr["127.0.0.4"].ID == "" {
				t.Fatalf("sessions %s; want one from 127.0.0.3 and one from 127.0.0.4", r.Body)
			}

			r = admin.Do(t, "DELETE", "/api/v1/users/"+u.ID+"/sessions/"+byAddr["127.0.0.3"].ID, nil)
			if r.Status != http.StatusNoContent {
				t.Fatalf("end one: %d %s", r.Status, r.Body)
			}
			if stillSignedIn(t, first) || !stillSignedIn(t, second) {
				t.Fatal("after ending the first session: want the first signed out and the second still in")
			}
			if n := auditCount(t, s, "user.session_end", u.ID); n != 1 {
				t.Errorf("%d user.session_end entries, want 1", n)
			}
			if r := admin.Do(t, "DELETE", "/api/v1/users/"+u.ID+"/sessions/"+byAddr["127.0.0.3"].ID, nil); r.Status != http.StatusNotFound {
				t.Errorf("ending it again: %d, want 404", r.Status)
			}
			// Another user's session id, given under this user's path, is not found.
			other, otherPW := s.User(t, account.Office, "31.72", "")
			otherC := signedInFrom(t, s, "127.0.0.5", other.Email, otherPW)
			var otherList sessionList
			admin.Do(t, "GET", "/api/v1/users/"+other.ID+"/sessions", nil).JSON(t, &otherList)
			if len(otherList.Items) != 1 {
				t.Fatalf("the other user's sessions: %+v", otherList)
			}
			if r := admin.Do(t, "DELETE", "/api/v1/users/"+u.ID+"/sessions/"+otherList.Items[0].ID, nil); r.Status != http.StatusNotFound {
				t.Errorf("another user's session under this user: %d, want 404", r.Status)
			}
			if !stillSignedIn(t, otherC) {
				t.Error("the other user was signed out")
			}

			r = admin.Do(t, "DELETE", "/api/v1/users/"+u.ID+"/sessions", nil)
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"ended":1`) {
				t.Fatalf("end all: %d %s", r.Status, r.Body)
			}
			if stillSignedIn(t, second) {
				t.Fatal("after ending every session the second is still signed in")
			}
			if n := auditCount(t, s, "user.sessions_end", u.ID); n != 1 {
				t.Errorf("%d user.sessions_end entries, want 1", n)
			}
			admin.Do(t, "GET", "/api/v1/users/"+u.ID+"/sessions", nil).JSON(t, &list)
			if len(list.Items) != 0 {
				t.Errorf("sessions after ending all: %+v", list.Items)
			}
			if r := admin.Do(t, "GET", "/api/v1/users/no-such-user/sessions", nil); r.Status != http.StatusNotFound {
				t.Errorf("an unknown user's sessions: %d", r.Status)
			}
		})
	}
}

// TestAdminSetsNewPassword: through the page, the admin gives a user a new password,
// shown once; the old one stops working, the new one works, every session of the
// user ends; audited without the password.
func TestAdminSetsNewPassword(t *testing.T) {
	newPW := regexp.MustCompile(`<code id="new-password">([^<]+)</code>`)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			_, u, pw := s.Org(t, "Yayasan Sandi", true)
			victim := signedInFrom(t, s, "127.0.0.3", u.Email, pw)
			admin := s.Client()
			admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)

			page := admin.Do(t, "GET", "/admin/users/"+u.ID+"/sessions", nil)
			if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "127.0.0.3") {
				t.Fatalf("the user's sessions page: %d, want it listing the session from 127.0.0.3", page.Status)
			}
			if users := admin.Do(t, "GET", "/admin/users", nil); !strings.Contains(string(users.Body), `href="/admin/users/`+u.ID+`/sessions"`) {
				t.Error("the users page does not link to the user's sessions")
			}

			r := admin.Do(t, "POST", "/admin/users/"+u.ID+"/password", url.Values{})
			m := newPW.FindSubmatch(r.Body)
			if r.Status != http.StatusOK || m == nil {
				t.Fatalf("set a new password: %d, no password shown", r.Status)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("the page with the password may be kept: Cache-Control %q", r.Header.Get("Cache-Control"))
			}
			password := string(m[1])
			if stillSignedIn(t, victim) {
				t.Error("the user's session survived the new password")
			}
			if code, _, _, _ := postLogin(fromAddress("127.0.0.6"), s.URL, u.Email, pw); code != http.StatusUnauthorized {
				t.Errorf("the old password: %d, want 401", code)
			}
			again := signedInFrom(t, s, "127.0.0.7", u.Email, password)
			if !stillSignedIn(t, again) {
				t.Error("the new password does not sign in")
			}
			entries, _, err := audit.List(s.Ctx(), s.App.DB.R(), audit.Filter{Action: "user.password_set", ObjectID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || strings.Contains(entries[0].Detail, password) {
				t.Errorf("audit entries %+v: want one, without the password", entries)
			}
			// The page is gone for a reload: the password is never shown again.
			if again := admin.Do(t, "GET", "/admin/users/"+u.ID+"/sessions", nil); strings.Contains(string(again.Body), password) {
				t.Error("the password shows again on the next visit")
			}

			// Through the API too.
			r = s.As(t, mustAdminID(t, s)).Do(t, "POST", "/api/v1/users/"+u.ID+"/password", nil)
			var out struct{ Password string }
			r.JSON(t, &out)
			if r.Status != http.StatusOK || len(out.Password) < account.MinPasswordLength || out.Password == password {
				t.Fatalf("API: %d %s", r.Status, r.Body)
			}
			if stillSignedIn(t, again) {
				t.Error("the session with the previous password survived the API's new password")
			}
		})
	}
}

// TestUserEndsOwnSessions: on /account a user sees its sessions, this one marked,
// and ends another; another user's session cannot be ended from there.
func TestUserEndsOwnSessions(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			u, pw := s.User(t, account.Office, "31.71", "")
			phone := signedInFrom(t, s, "127.0.0.3", u.Email, pw)
			laptop := signedInFrom(t, s, "127.0.0.4", u.Email, pw)
			other, otherPW := s.User(t, account.Office, "31.71", "")
			otherC := signedInFrom(t, s, "127.0.0.5", other.Email, otherPW)

			page := laptop.Do(t, "GET", "/account", nil)
			body := string(page.Body)
			if !strings.Contains(body, "127.0.0.3") || !strings.Contains(body, "127.0.0.4") || !strings.Contains(body, `id="session-current"`) {
				t.Fatalf("/account does not list both sessions with this one marked")
			}
			if strings.Contains(body, sessionCookie(t, phone)) || strings.Contains(body, "127.0.0.5") {
				t.Fatal("/account shows a session's secret or another user's session")
			}
			var mine sessionList
			laptop.Do(t, "GET", "/api/v1/me/sessions", nil).JSON(t, &mine)
			var phoneID string
			for _, v := range mine.Items {
				if v.RemoteAddr == "127.0.0.3" {
					phoneID = v.ID
				}
			}
			if len(mine.Items) != 2 || phoneID == "" {
				t.Fatalf("my sessions: %+v", mine.Items)
			}
			var theirs sessionList
			otherC.Do(t, "GET", "/api/v1/me/sessions", nil).JSON(t, &theirs)
			if len(theirs.Items) != 1 {
				t.Fatalf("the other user's own sessions: %+v", theirs.Items)
			}
			if r := laptop.Do(t, "POST", "/account/sessions/"+theirs.Items[0].ID+"/end", url.Values{}); r.Status != http.StatusNotFound {
				t.Errorf("ending another user's session from /account: %d, want 404", r.Status)
			}
			if !stillSignedIn(t, otherC) {
				t.Fatal("the other user was signed out")
			}
			if r := laptop.Do(t, "POST", "/account/sessions/"+phoneID+"/end", url.Values{}); r.Status != http.StatusSeeOther {
				t.Fatalf("end my phone's session: %d", r.Status)
			}
			if stillSignedIn(t, phone) || !stillSignedIn(t, laptop) {
				t.Fatal("want the phone signed out and the laptop still in")
			}
			entries, _, err := audit.List(s.Ctx(), s.App.DB.R(), audit.Filter{Action: "user.session_end", ObjectID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].ActorID != u.ID || entries[0].RemoteAddr != "127.0.0.4" {
				t.Errorf("audit entries %+v: want one by the user, from the laptop", entries)
			}

			// Signing out ends the session's row too: it is no longer listed.
			tablet := signedInFrom(t, s, "127.0.0.6", u.Email, pw)
			laptop.Do(t, "GET", "/api/v1/me/sessions", nil).JSON(t, &mine)
			if len(mine.Items) != 2 {
				t.Fatalf("with the tablet signed in: %+v", mine.Items)
			}
			if r := tablet.Do(t, "POST", "/logout", url.Values{}); r.Status != http.StatusSeeOther {
				t.Fatalf("sign out: %d", r.Status)
			}
			laptop.Do(t, "GET", "/api/v1/me/sessions", nil).JSON(t, &mine)
			if len(mine.Items) != 1 || mine.Items[0].RemoteAddr != "127.0.0.4" {
				t.Errorf("after the tablet signed out: %+v; want the laptop alone", mine.Items)
			}
		})
	}
}

// sessionsConformance checks the answers of the sessions' and new passwords' API
// against the OpenAPI document (TestOpenAPIConformance).
func sessionsConformance(t *testing.T, k *oapiChecker, s *apptest.Server, asAdmin, anon *apptest.Client) {
	u, pw := s.User(t, account.Office, "31.71", "")
	first := signedInFrom(t, s, "127.0.0.3", u.Email, pw)
	signedInFrom(t, s, "127.0.0.4", u.Email, pw)
	asOffice := s.As(t, u.ID)
	path := "/api/v1/users/" + u.ID
	var list sessionList
	k.do(t, apiCall{name: "an admin lists a user's sessions", as: asAdmin, method: "GET", path: path + "/sessions", want: 200}).JSON(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("sessions: %+v", list.Items)
	}
	k.do(t, apiCall{name: "an office cannot list sessions", as: asOffice, method: "GET", path: path + "/sessions", want: 404})
	k.do(t, apiCall{name: "an anonymous caller cannot list sessions", as: anon, method: "GET", path: path + "/sessions", want: 401})
	k.do(t, apiCall{name: "an admin ends one session", as: asAdmin, method: "DELETE", path: path + "/sessions/" + list.Items[0].ID, want: 204})
	k.do(t, apiCall{name: "an ended session is not found", as: asAdmin, method: "DELETE", path: path + "/sessions/" + list.Items[0].ID, want: 404})
	k.do(t, apiCall{name: "an admin ends every session", as: asAdmin, method: "DELETE", path: path + "/sessions", want: 200})
	k.do(t, apiCall{name: "an admin gives a new password", as: asAdmin, method: "POST", path: path + "/password", want: 200})
	k.do(t, apiCall{name: "an office cannot give passwords", as: asOffice, method: "POST", path: path + "/password", want: 404})
	k.do(t, apiCall{name: "an unknown user has no password to give", as: asAdmin, method: "POST", path: "/api/v1/users/nobody/password", want: 404})

	v, vpw := s.User(t, account.Office, "31.71", "")
	mine := signedInFrom(t, s, "127.0.0.5", v.Email, vpw)
	signedInFrom(t, s, "127.0.0.6", v.Email, vpw)
	k.do(t, apiCall{name: "a user lists its sessions", as: mine, method: "GET", path: "/api/v1/me/sessions", want: 200}).JSON(t, &list)
	var other string
	for _, x := range list.Items {
		if !x.Current {
			other = x.ID
		}
	}
	if len(list.Items) != 2 || other == "" {
		t.Fatalf("my sessions: %+v", list.Items)
	}
	w, wpw := s.User(t, account.Office, "31.71", "")
	someoneElse := signedInFrom(t, s, "127.0.0.7", w.Email, wpw)
	k.do(t, apiCall{name: "a user cannot end another user's session", as: someoneElse, method: "DELETE", path: "/api/v1/me/sessions/" + other, want: 404})
	k.do(t, apiCall{name: "a session ended by the admin is signed out", as: first, method: "GET", path: "/api/v1/me/sessions", want: 401})
	k.do(t, apiCall{name: "a user ends one of its sessions", as: mine, method: "DELETE", path: "/api/v1/me/sessions/" + other, want: 204})
	k.do(t, apiCall{name: "an anonymous caller has no sessions", as: anon, method: "GET", path: "/api/v1/me/sessions", want: 401})
}
