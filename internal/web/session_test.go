package web_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// Sessions, tokens, rate limits, cross-origin protection and security headers
// (DESIGN.md §6).

const sessionCookieName = "gotong_session"

// withSession sends a request carrying only the session cookie value given (no jar),
// so the test controls exactly which session the server sees.
func withSession(t *testing.T, s *apptest.Server, method, path, session string, form url.Values) apptest.Response {
	t.Helper()
	h := http.Header{}
	if session != "" {
		h.Set("Cookie", (&http.Cookie{Name: sessionCookieName, Value: session}).String())
	}
	var body []byte
	if form != nil {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		body = []byte(form.Encode())
	}
	r, err := send(s, method, path, h, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setSession returns the session cookie a response sets, or nil.
func setSession(t *testing.T, r apptest.Response) *http.Cookie {
	t.Helper()
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", line, err)
		}
		if c.Name == sessionCookieName {
			return c
		}
	}
	return nil
}

// login posts the login form with the session cookie given (may be "") and returns
// the new session value.
func login(t *testing.T, s *apptest.Server, email, password, planted string) (apptest.Response, string) {
	t.Helper()
	r := withSession(t, s, "POST", "/login", planted, url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: %d, want 303; body %.300s", email, r.Status, r.Body)
	}
	c := setSession(t, r)
	if c == nil {
		t.Fatal("login set no session cookie")
	}
	if strings.HasPrefix(r.Header.Get("Location"), "/login/factor") {
		return r, s.PassFactorOf(t, email, sessionCookieName, c.Value)
	}
	return r, c.Value
}

// meAs returns the status of GET /api/v1/me with a session and the email it shows.
func meAs(t *testing.T, s *apptest.Server, session string) (int, string) {
	t.Helper()
	r := withSession(t, s, "GET", "/api/v1/me", session, nil)
	var u account.User
	if r.Status == http.StatusOK {
		r.JSON(t, &u)
	} else if r.ErrorCode() != "unauthorized" && r.Status == http.StatusUnauthorized {
		t.Errorf("401 with error code %q", r.ErrorCode())
	}
	return r.Status, u.Email
}

// assertAnonymous checks that a session value is not signed in, on the API and on a
// page.
func assertAnonymous(t *testing.T, s *apptest.Server, session string) {
	t.Helper()
	if st, email := meAs(t, s, session); st != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me answers %d (%s), want 401", st, email)
	}
	r := withSession(t, s, "GET", "/account", session, nil)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("GET /account answers %d to %q, want 303 to /login", r.Status, r.Header.Get("Location"))
	}
}

func randomToken(t *testing.T) string {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func TestSessionsAndTokens(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adm, adminUser := asAdmin(t, s)

			t.Run("login sets an HttpOnly SameSite cookie holding a new token, whatever was planted", func(t *testing.T) {
				attacker, attackerPW := s.User(t, account.Office, "31.72", "")
				victim, victimPW := s.User(t, account.Office, "31.71", "")
				_, attackerSession := login(t, s, attacker.Email, attackerPW, "")
				for name, planted := range map[string]string{
					"no cookie":                       "",
					"a forged value":                  "planted-by-an-attacker",
					"another user's valid session":    attackerSession,
					"a well-formed but unknown token": randomToken(t),
				} {
					t.Run("with "+name, func(t *testing.T) {
						r, got := login(t, s, victim.Email, victimPW, planted)
						c := setSession(t, r)
						if !c.HttpOnly {
							t.Error("the session cookie is not HttpOnly")
						}
						if c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode {
							t.Errorf("the session cookie's SameSite is %v, want Lax or Strict", c.SameSite)
						}
						if c.Path != "/" {
							t.Errorf("the session cookie's path is %q, want /", c.Path)
						}
						if got == planted {
							t.Fatal("the session token did not change at login (session fixation)")
						}
						if raw, err := base64.RawURLEncoding.DecodeString(got); err != nil || len(raw) < 16 {
							t.Errorf("session token %q is not 128+ random bits", got)
						}
						if st, email := meAs(t, s, got); st != http.StatusOK || email != victim.Email {
							t.Errorf("the new session answers %d as %q, want the victim", st, email)
						}
						if planted != "" {
							if st, email := meAs(t, s, planted); st == http.StatusOK && email == victim.Email {
								t.Error("the planted cookie now acts as the victim")
							}
						}
					})
				}
			})

			t.Run("logout ends the session on the server", func(t *testing.T) {
				u, pw := s.User(t, account.Office, "31.71", "")
				_, session := login(t, s, u.Email, pw, "")
				if st, _ := meAs(t, s, session); st != http.StatusOK {
					t.Fatalf("signed in, GET /api/v1/me answers %d", st)
				}
				r := withSession(t, s, "POST", "/logout", session, url.Values{})
				if r.Status != http.StatusSeeOther {
					t.Fatalf("logout: %d", r.Status)
				}
				// A client that kept the old cookie (or a thief who copied it) is anonymous.
				assertAnonymous(t, s, session)
			})

			t.Run("forged session cookies are anonymous", func(t *testing.T) {
				for _, forged := range []string{randomToken(t), "x", strings.Repeat("A", 3000), "../../etc/passwd", "' OR '1'='1"} {
					assertAnonymous(t, s, forged)
				}
			})

			t.Run("deleting a user ends its API tokens and its sessions", func(t *testing.T) {
				u, pw := s.User(t, account.Office, "31.74", "")
				token := s.Token(t, u.ID)
				bearer := s.Client()
				bearer.Token = token
				_, session := login(t, s, u.Email, pw, "")
				if r := bearer.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
					t.Fatalf("before deletion the token answers %d", r.Status)
				}
				if st, _ := meAs(t, s, session); st != http.StatusOK {
					t.Fatalf("before deletion the session answers %d", st)
				}
				if r := adm.Do(t, "DELETE", "/api/v1/users/"+u.ID, nil); r.Status != http.StatusNoContent {
					t.Fatalf("delete: %d %s", r.Status, r.Body)
				}
				if r := bearer.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
					t.Errorf("the deleted user's token answers %d %q, want 401 unauthorized", r.Status, r.ErrorCode())
				}
				assertAnonymous(t, s, session)
				r := withSession(t, s, "POST", "/login", "", url.Values{"email": {u.Email}, "password": {pw}})
				if r.Status != http.StatusUnauthorized {
					t.Errorf("the deleted user can still sign in: %d", r.Status)
				}
			})

			t.Run("garbage bearer tokens are refused, even on public endpoints", func(t *testing.T) {
				for _, h := range []string{"Bearer garbage", "Bearer gtg_" + randomToken(t), "Bearer ", "Bearer gtg_",
					"Basic YWRtaW46YWRtaW4=", "Bearer " + strings.Repeat("gtg_", 1000), "Token " + s.Token(t, adminUser.ID)} {
					for _, path := range []string{"/api/v1/me", "/api/v1/regions"} {
						r, err := send(s, "GET", path, http.Header{"Authorization": {h}}, nil)
						if err != nil {
							t.Fatal(err)
						}
						if r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
							t.Errorf("GET %s with Authorization %.30q: %d %q, want 401 unauthorized", path, h, r.Status, r.ErrorCode())
						}
					}
				}
			})

			t.Run("cross-origin form posts are refused", func(t *testing.T) {
				testCrossOrigin(t, s)
			})

			t.Run("security headers are on every kind of response", func(t *testing.T) {
				testSecurityHeaders(t, s)
			})
		})
	}
}

func testCrossOrigin(t *testing.T, s *apptest.Server) {
	_, adminSession := login(t, s, apptest.AdminEmail, apptest.AdminPassword, "")
	u, pw := s.User(t, account.Office, "31.71", "")
	pending, _, _ := s.Org(t, "Yayasan Lintas Asal", false)

	crossSite := http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	originOnly := http.Header{"Origin": {"http://evil.example"}} // an older browser without Fetch metadata
	sameOrigin := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	post := func(path, session string, extra http.Header, form url.Values) apptest.Response {
		t.Helper()
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if session != "" {
			h.Set("Cookie", (&http.Cookie{Name: sessionCookieName, Value: session}).String())
		}
		for k, v := range extra {
			h[k] = v
		}
		r, err := send(s, "POST", path, h, []byte(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	for name, h := range map[string]http.Header{"cross-site": crossSite, "a foreign Origin": originOnly} {
		t.Run("login from "+name, func(t *testing.T) {
			r := post("/login", "", h, url.Values{"email": {u.Email}, "password": {pw}})
			if r.Status != http.StatusForbidden {
				t.Errorf("status %d, want 403", r.Status)
			}
			if c := setSession(t, r); c != nil {
				t.Error("a refused login set a session cookie")
			}
		})
		t.Run("verifying an organisation from "+name+" with the admin's cookie", func(t *testing.T) {
			r := post("/admin/organizations/"+pending.ID+"/verify", adminSession, h, url.Values{"decision": {"verified"}})
			if r.Status != http.StatusForbidden {
				t.Errorf("status %d, want 403", r.Status)
			}
			if o, err := s.App.Accounts.Org(s.Ctx(), pending.ID); err != nil || o.Status != account.OrgPending {
				t.Errorf("the organisation is %q after a refused request (%v)", o.Status, err)
			}
		})
	}
	// The same requests from the site itself go through, so the refusals above are
	// the protection at work and not something else.
	t.Run("the same requests from the same origin work", func(t *testing.T) {
		if r := post("/login", "", sameOrigin, url.Values{"email": {u.Email}, "password": {pw}}); r.Status != http.StatusSeeOther {
			t.Errorf("same-origin login: %d, want 303", r.Status)
		}
		r := post("/admin/organizations/"+pending.ID+"/verify", adminSession, sameOrigin, url.Values{"decision": {"verified"}})
		if r.Status != http.StatusSeeOther {
			t.Errorf("same-origin verify: %d, want 303", r.Status)
		}
		if o, _ := s.App.Accounts.Org(s.Ctx(), pending.ID); o.Status != account.OrgVerified {
			t.Errorf("the organisation is %q, want verified", o.Status)
		}
	})
}

func testSecurityHeaders(t *testing.T, s *apptest.Server) {
	crossSite := http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"},
		"Content-Type": {"application/x-www-form-urlencoded"}}
	cases := []struct {
		name, method, path string
		header             http.Header
		status             int
	}{
		{"a page", "GET", "/", nil, 200},
		{"an API response", "GET", "/api/v1/regions", nil, 200},
		{"an API error", "GET", "/api/v1/no-such-endpoint", nil, 404},
		{"an API refusal", "GET", "/api/v1/me", nil, 401},
		{"a page error", "GET", "/no-such-page", nil, 404},
		{"a redirect", "GET", "/account", nil, 303},
		{"a static file", "GET", "/static/app.css", nil, 200},
		{"a cross-origin refusal", "POST", "/login", crossSite, 403},
	}
	for _, tc := range cases {
		t.Run("on "+tc.name, func(t *testing.T) {
			r, err := send(s, tc.method, tc.path, tc.header, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status {
				t.Fatalf("%s %s: %d, want %d", tc.method, tc.path, r.Status, tc.status)
			}
			h := r.Header
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" && got != "SAMEORIGIN" {
				t.Errorf("X-Frame-Options %q, want DENY", got)
			}
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("Content-Security-Policy %q allows inline code", csp)
			}
			switch got := h.Get("Referrer-Policy"); got {
			case "same-origin", "strict-origin", "strict-origin-when-cross-origin", "no-referrer":
			default:
				t.Errorf("Referrer-Policy %q, want one that keeps paths on the site", got)
			}
		})
	}
}

// TestSessionTimeouts starts one server whose sessions end after 2 s without a
// request, and one whose sessions end 2 s after login however busy they are. Each
// timeout has a server of its own, so that a slow machine cannot make one pass for
// the other.
func TestSessionTimeouts(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			t.Parallel()
			t.Run("a session idle longer than the idle timeout is anonymous", func(t *testing.T) {
				t.Parallel()
				s := apptest.Start(t, eng, func(c *app.Config) { c.SessionIdle, c.SessionLifetime = 2*time.Second, time.Hour })
				u, pw := s.User(t, account.Office, "31.71", "")
				_, session := login(t, s, u.Email, pw, "")
				if st, _ := meAs(t, s, session); st != http.StatusOK {
					t.Fatalf("right after login: %d", st)
				}
				time.Sleep(2500 * time.Millisecond)
				assertAnonymous(t, s, session)
			})

			t.Run("a session used more often than its idle timeout stays signed in", func(t *testing.T) {
				t.Parallel()
				// Its expiry is written again only every tenth of the idle timeout
				// (lazySessions); that must still keep it alive.
				s := apptest.Start(t, eng, func(c *app.Config) { c.SessionIdle, c.SessionLifetime = 3*time.Second, time.Hour })
				u, pw := s.User(t, account.Office, "31.71", "")
				_, session := login(t, s, u.Email, pw, "")
				for start := time.Now(); time.Since(start) < 7*time.Second; time.Sleep(250 * time.Millisecond) {
					if st, _ := meAs(t, s, session); st != http.StatusOK {
						t.Fatalf("%v after login, used every 250 ms with an idle timeout of 3 s: %d", time.Since(start), st)
					}
				}
			})

			t.Run("a busy session ends at its absolute lifetime", func(t *testing.T) {
				t.Parallel()
				s := apptest.Start(t, eng, func(c *app.Config) { c.SessionIdle, c.SessionLifetime = time.Hour, 2*time.Second })
				u, pw := s.User(t, account.Office, "31.71", "")
				start := time.Now()
				_, session := login(t, s, u.Email, pw, "")
				var endedAfter time.Duration
				for time.Since(start) < 6*time.Second {
					if st, _ := meAs(t, s, session); st != http.StatusOK {
						endedAfter = time.Since(start)
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				switch {
				case endedAfter == 0:
					t.Fatal("the session was still alive 6 s after login; its lifetime is 2 s")
				case endedAfter < 2*time.Second:
					t.Fatalf("the session ended %v after login, before its lifetime", endedAfter)
				}
				assertAnonymous(t, s, session)
			})
		})
	}
}

// TestPageViewsDoNotRewriteTheSession: scs would write the session row on every
// signed-in request to move its idle expiry; only a change of the session (here a
// flash message) or a moved expiry of a tenth of the idle timeout is written.
func TestPageViewsDoNotRewriteTheSession(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			_, session := login(t, s, apptest.AdminEmail, apptest.AdminPassword, "")
			row := func() (data []byte, expiry string) {
				t.Helper()
				var e any
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT data, expiry FROM sessions WHERE token = $1`, session).Scan(&data, &e); err != nil {
					t.Fatal(err)
				}
				return data, fmt.Sprint(e)
			}
			data0, expiry0 := row()
			for range 10 {
				if st, _ := meAs(t, s, session); st != http.StatusOK {
					t.Fatalf("signed-in request: %d", st)
				}
				if r := withSession(t, s, "GET", "/account", session, nil); r.Status != http.StatusOK {
					t.Fatalf("GET /account: %d", r.Status)
				}
			}
			if data, expiry := row(); expiry != expiry0 || !bytes.Equal(data, data0) {
				t.Errorf("20 page views rewrote the session: expiry %s → %s", expiry0, expiry)
			}
			// A flash message changes the session: it is written at once, and read.
			r := withSession(t, s, "POST", "/admin/users", session, url.Values{"email": {"baru@example.org"}, "name": {"Pengguna Baru"},
				"role": {"office"}, "region": {"31.71"}, "password": {"kata-sandi-panjang-sekali"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("adding a user: %d %.300s", r.Status, r.Body)
			}
			if data, expiry := row(); bytes.Equal(data, data0) || expiry == expiry0 {
				t.Error("a flash message put in the session was not written")
			}
			if r := withSession(t, s, "GET", "/admin/users", session, nil); !strings.Contains(string(r.Body), "Pengguna telah ditambahkan") {
				t.Errorf("the flash message was lost:\n%.600s", r.Body)
			}
		})
	}
}

// TestRateLimitsAreSharedByTheInstances: behind a balancer of 2 processes each
// enforces half of every limit (rounded up): 3 failed sign-ins a minute become 2.
func TestRateLimitsAreSharedByTheInstances(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.LoginLimit, c.RegisterLimit, c.Instances = 3, 3, 2 })
			u, _ := s.User(t, account.Office, "31.71", "")
			for i, want := range []int{401, 401, 429} {
				r := withSession(t, s, "POST", "/login", "", url.Values{"email": {u.Email}, "password": {fmt.Sprint("wrong-", i)}})
				if r.Status != want {
					t.Errorf("failed sign-in %d of a limit of 3 shared by 2 processes: %d, want %d", i+1, r.Status, want)
				}
			}
		})
	}
}

// TestRateLimits starts servers that allow 3 failed logins and 2 registrations per
// client address a minute.
func TestRateLimits(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.LoginLimit, c.RegisterLimit = 3, 2 })

			t.Run("failed logins are limited; the right password works until the limit", func(t *testing.T) {
				u, pw := s.User(t, account.Office, "31.71", "")
				attempt := func(password string) int {
					t.Helper()
					return withSession(t, s, "POST", "/login", "", url.Values{"email": {u.Email}, "password": {password}}).Status
				}
				steps := []struct {
					what, password string
					want           int
				}{
					{"1st failure", "wrong-password-1", 401},
					{"2nd failure", "wrong-password-2", 401},
					{"right password before the limit", pw, 303},
					{"3rd failure", "wrong-password-3", 401},
					{"right password after 3 failures", pw, 429},
					{"wrong password after 3 failures", "wrong-password-4", 429},
				}
				for _, st := range steps {
					if got := attempt(st.password); got != st.want {
						t.Errorf("%s: %d, want %d", st.what, got, st.want)
					}
				}
				// The limit is on the address, whatever the account.
				if got := withSession(t, s, "POST", "/login", "", url.Values{"email": {apptest.AdminEmail},
					"password": {apptest.AdminPassword}}).Status; got != http.StatusTooManyRequests {
					t.Errorf("another account from the same address: %d, want 429", got)
				}
			})

			t.Run("the third registration in a minute is rate limited and not stored", func(t *testing.T) {
				c := s.Client()
				var names []string
				for i, want := range []int{201, 201, 429} {
					n := s.Unique("")
					name := "Yayasan Batas " + n
					names = append(names, name)
					r := c.Do(t, "POST", "/api/v1/organizations", registrationBody(name, "batas"+n+"@batas.example", "kata-sandi-rahasia"))
					if r.Status != want {
						t.Fatalf("registration %d: %d, want %d; body %s", i+1, r.Status, want, r.Body)
					}
					if want == 429 && r.ErrorCode() != "rate_limited" {
						t.Errorf("error code %q, want rate_limited", r.ErrorCode())
					}
				}
				if got := countOrgs(t, s, names[2]); got != 0 {
					t.Errorf("the refused registration was stored")
				}
				if got := countOrgs(t, s, names[:2]...); got != 2 {
					t.Errorf("%d of the accepted registrations stored, want 2", got)
				}
			})
		})
	}
}
