package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/pquerna/otp/totp"
)

// The second factor of admins and offices (issue 16, item 6).

// passwordOnly signs a client in with the password alone and returns it, stopped
// at the second factor.
func passwordOnly(t *testing.T, s *apptest.Server, email, password string) *apptest.Client {
	t.Helper()
	c := s.Client()
	r := c.Do(t, "POST", "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/factor") {
		t.Fatalf("password of %s: %d to %q, want 303 to /login/factor", email, r.Status, r.Header.Get("Location"))
	}
	return c
}

var recoveryOnPage = regexp.MustCompile(`<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>`)

// enrol signs a new office user in and sets its factor up through the pages; it
// returns the user and its password.
func enrol(t *testing.T, s *apptest.Server) (account.User, string) {
	t.Helper()
	u, pw := s.User(t, account.Office, "31.71", "")
	c := passwordOnly(t, s, u.Email, pw)
	page := c.Do(t, "GET", "/login/factor", nil)
	m := regexp.MustCompile(`id="factor-secret"[^>]*>([A-Z2-7 ]+)<`).FindSubmatch(page.Body)
	if m == nil || !strings.Contains(string(page.Body), `src="data:image/png;base64,`) {
		t.Fatalf("the enrolment page shows no secret in text or no QR code: %.500s", page.Body)
	}
	// Read the secret as a person would and confirm with the apptest helper.
	c.PassFactor(t, u.Email)
	if s.Secret(t, u.Email) != strings.ReplaceAll(string(m[1]), " ", "") {
		t.Fatal("the secret shown differs from the one the helper learnt")
	}
	return u, pw
}

func TestSecondFactor(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)

			t.Run("an admin or office without a factor reaches nothing before enrolment", func(t *testing.T) {
				for _, role := range []account.Role{account.Admin, account.Office} {
					u, pw := s.User(t, role, map[account.Role]string{account.Office: "31.71"}[role], "")
					c := passwordOnly(t, s, u.Email, pw)
					for _, p := range []string{"/account", "/registry", "/admin/users", "/"} {
						r := c.Do(t, "GET", p, nil)
						if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/factor") {
							t.Errorf("%s before the factor: GET %s answers %d to %q, want 303 to /login/factor", role, p, r.Status, r.Header.Get("Location"))
						}
					}
					for _, p := range []string{"/api/v1/me", "/api/v1/targets"} {
						if r := c.Do(t, "GET", p, nil); r.Status != http.StatusForbidden || r.ErrorCode() != "unauthorized" ||
							!strings.Contains(string(r.Body), "second factor required") {
							t.Errorf("%s before the factor: GET %s answers %d %s, want 403 unauthorized, second factor required", role, p, r.Status, r.Body)
						}
					}
					if r := c.Do(t, "POST", "/api/v1/tokens", `{"label":"x"}`); r.Status != http.StatusForbidden {
						t.Errorf("%s before the factor made itself a token: %d", role, r.Status)
					}
					if r := c.Do(t, "GET", "/login/factor", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `id="factor-secret"`) {
						t.Errorf("%s: the enrolment page answers %d", role, r.Status)
					}
					c.PassFactor(t, u.Email)
					if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
						t.Errorf("%s after enrolment: /api/v1/me answers %d", role, r.Status)
					}
					if r := c.Do(t, "POST", "/logout", nil); r.Status != http.StatusSeeOther {
						t.Errorf("logout: %d", r.Status)
					}
				}
			})

			t.Run("collaborators, citizens and API tokens are not asked for a code", func(t *testing.T) {
				_, collab, pw := s.Org(t, s.Unique("Org "), true)
				c := s.Client()
				r := c.Do(t, "POST", "/login", url.Values{"email": {collab.Email}, "password": {pw}})
				if loc := r.Header.Get("Location"); strings.HasPrefix(loc, "/login/factor") {
					t.Errorf("a collaborator was sent to %s", loc)
				}
				if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
					t.Errorf("collaborator: /api/v1/me answers %d", r.Status)
				}
				cit, cpw := s.User(t, account.Citizen, "31.71", "")
				c = s.Client()
				r = c.Do(t, "POST", "/login", url.Values{"email": {cit.Email}, "password": {cpw}})
				if loc := r.Header.Get("Location"); strings.HasPrefix(loc, "/login/factor") {
					t.Errorf("a citizen was sent to %s", loc)
				}
				adm, _ := s.User(t, account.Admin, "", "")
				if r := s.As(t, adm.ID).Do(t, "GET", "/api/v1/users", nil); r.Status != http.StatusOK {
					t.Errorf("an admin's API token (no factor set up) answers %d, want 200", r.Status)
				}
			})

			t.Run("a code signs in once; wrong, replayed and far-off codes are refused", func(t *testing.T) {
				u, pw := enrol(t, s)
				try := func(code string) int {
					c := passwordOnly(t, s, u.Email, pw)
					return c.Do(t, "POST", "/login/factor", url.Values{"code": {code}}).Status
				}
				s.Tick()
				now := s.Now()
				if st := try(wrongCode(s.CodeAt(t, u.Email, now))); st != http.StatusUnauthorized {
					t.Errorf("a wrong code answers %d, want 401", st)
				}
				code := s.CodeAt(t, u.Email, now)
				if st := try(code); st != http.StatusSeeOther {
					t.Fatalf("the right code answers %d, want 303", st)
				}
				if st := try(code); st != http.StatusUnauthorized {
					t.Errorf("the same code again answers %d, want 401 (replay)", st)
				}
				// Skew: one step late and one early are accepted, two are not.
				for _, c := range []struct {
					steps int
					want  int
				}{{-2, 401}, {+2, 401}, {-1, 303}} {
					s.Tick()
					s.Tick()
					s.Tick()
					at := s.Now().Add(time.Duration(c.steps) * account.FactorPeriod)
					if st := try(s.CodeAt(t, u.Email, at)); st != c.want {
						t.Errorf("a code %+d steps off answers %d, want %d", c.steps, st, c.want)
					}
				}
				s.Tick()
				s.Tick()
				if st := try(s.CodeAt(t, u.Email, s.Now().Add(account.FactorPeriod))); st != http.StatusSeeOther {
					t.Errorf("a code a step early answers %d, want 303", st)
				}
			})

			t.Run("five wrong codes stop the next tries, even the right one", func(t *testing.T) {
				u, pw := enrol(t, s)
				c := passwordOnly(t, s, u.Email, pw)
				s.Tick()
				bad := wrongCode(s.CodeAt(t, u.Email, s.Now()))
				for i := range account.FactorFailures {
					if r := c.Do(t, "POST", "/login/factor", url.Values{"code": {bad}}); r.Status != http.StatusUnauthorized {
						t.Fatalf("wrong code %d answers %d, want 401", i+1, r.Status)
					}
				}
				// Another session (another server, another browser) is limited too.
				c2 := passwordOnly(t, s, u.Email, pw)
				r := c2.Do(t, "POST", "/login/factor", url.Values{"code": {s.CodeAt(t, u.Email, s.Now())}})
				if r.Status != http.StatusTooManyRequests {
					t.Errorf("the right code after %d wrong ones answers %d, want 429", account.FactorFailures, r.Status)
				}
				if r := c2.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusForbidden {
					t.Errorf("a limited session answers /api/v1/me with %d, want 403", r.Status)
				}
			})

			t.Run("a recovery code signs in once, and is audited", func(t *testing.T) {
				// Enrolled by hand, to read the recovery codes page.
				v, vpw := s.User(t, account.Office, "31.71", "")
				vc := passwordOnly(t, s, v.Email, vpw)
				vp := vc.Do(t, "GET", "/login/factor", nil)
				vs := regexp.MustCompile(`id="factor-secret"[^>]*>([A-Z2-7 ]+)<`).FindSubmatch(vp.Body)
				if vs == nil {
					t.Fatal("no secret on the enrolment page")
				}
				s.Tick()
				code, err := totp.GenerateCode(strings.ReplaceAll(string(vs[1]), " ", ""), s.Now())
				if err != nil {
					t.Fatal(err)
				}
				done := vc.Do(t, "POST", "/login/factor/enrol", url.Values{"code": {code}})
				codes := recoveryOnPage.FindAllSubmatch(done.Body, -1)
				if done.Status != http.StatusOK || len(codes) != account.RecoveryCodes {
					t.Fatalf("enrolment answers %d with %d recovery codes, want 200 and %d", done.Status, len(codes), account.RecoveryCodes)
				}
				rc := strings.ToLower(string(codes[3][1])) // case and dash do not matter
				c3 := passwordOnly(t, s, v.Email, vpw)
				if r := c3.Do(t, "POST", "/login/factor", url.Values{"code": {rc}}); r.Status != http.StatusSeeOther {
					t.Fatalf("a recovery code answers %d, want 303", r.Status)
				}
				if r := c3.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
					t.Errorf("signed in with a recovery code, /api/v1/me answers %d", r.Status)
				}
				c4 := passwordOnly(t, s, v.Email, vpw)
				if r := c4.Do(t, "POST", "/login/factor", url.Values{"code": {rc}}); r.Status != http.StatusUnauthorized {
					t.Errorf("a recovery code used again answers %d, want 401", r.Status)
				}
				var n int
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE object_id = $1
					AND action IN ('user.factor_enrol', 'user.factor_recovery')`, v.ID).Scan(&n); err != nil || n != 2 {
					t.Errorf("%d audit entries for the enrolment and the recovery code (%v), want 2", n, err)
				}
			})

			t.Run("an admin resets another user's factor: audited, signed out, enrols again", func(t *testing.T) {
				u, pw := enrol(t, s)
				old := s.Secret(t, u.Email)
				user := s.Client()
				user.Login(t, u.Email, pw)
				admin := s.Client()
				admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)
				if r := admin.Do(t, "POST", "/admin/users/"+u.ID+"/factor/reset", url.Values{}); r.Status != http.StatusSeeOther {
					t.Fatalf("reset: %d %.300s", r.Status, r.Body)
				}
				if r := user.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
					t.Errorf("the user's session after the reset answers %d, want 401", r.Status)
				}
				again := s.Client()
				again.Login(t, u.Email, pw) // sets up a new factor
				if s.Secret(t, u.Email) == old {
					t.Error("the secret after the reset is the old one")
				}
				var n int
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE object_id = $1
					AND action = 'user.factor_reset'`, u.ID).Scan(&n); err != nil || n != 1 {
					t.Errorf("%d audit entries for the reset (%v), want 1", n, err)
				}
				// A collaborator cannot, and an admin cannot reset its own.
				_, collab, cpw := s.Org(t, s.Unique("Org "), true)
				cc := s.Client()
				cc.Login(t, collab.Email, cpw)
				if r := cc.Do(t, "POST", "/admin/users/"+u.ID+"/factor/reset", url.Values{}); r.Status != http.StatusNotFound {
					t.Errorf("a collaborator's reset answers %d, want 404", r.Status)
				}
				me, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
				if err != nil {
					t.Fatal(err)
				}
				admin.Do(t, "POST", "/admin/users/"+me.ID+"/factor/reset", url.Values{})
				if has, err := s.App.Accounts.HasFactor(s.Ctx(), me.ID); err != nil || !has {
					t.Errorf("an admin reset its own factor (has %v, %v)", has, err)
				}
			})

			t.Run("the secret is not stored in clear", func(t *testing.T) {
				u, _ := enrol(t, s)
				secret := s.Secret(t, u.Email)
				var sealed string
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT secret_sealed FROM user_factors WHERE user_id = $1`, u.ID).Scan(&sealed); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(strings.ToUpper(sealed), secret) || !strings.HasPrefix(sealed, "v1:") {
					t.Errorf("the stored secret %q is not sealed", sealed)
				}
			})
		})
	}
}

// wrongCode is a six-digit code that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
