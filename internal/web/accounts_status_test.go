package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestDeactivatedUserIsRefused: an admin deactivates an office user. Its open
// session and its API token stop working at once, it cannot sign in; after the
// admin reactivates it, it signs in again, but a session begun before the
// deactivation (not used meanwhile) and its old token stay ended.
func TestDeactivatedUserIsRefused(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adminU, _ := s.User(t, account.Admin, "", "")
			admin := s.As(t, adminU.ID)
			u, pw := s.User(t, account.Office, "31.71", "")
			page, idle := s.Client(), s.Client()
			page.Login(t, u.Email, pw)
			idle.Login(t, u.Email, pw)
			api := s.As(t, u.ID)
			for _, c := range []*apptest.Client{page, api} {
				if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
					t.Fatalf("before: /api/v1/me answers %d", r.Status)
				}
			}
			if r := admin.Do(t, "POST", "/api/v1/users/"+u.ID+"/deactivate", nil); r.Status != http.StatusOK {
				t.Fatalf("deactivate: %d %s", r.Status, r.Body)
			}
			if r := page.Do(t, "GET", "/account", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=/account" {
				t.Errorf("a deactivated user's session opens /account: %d to %q, want 303 to the login", r.Status, r.Header.Get("Location"))
			}
			if r := api.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
				t.Errorf("a deactivated user's token answers %d, want 401", r.Status)
			}
			if r := s.Client().Do(t, "POST", "/login", url.Values{"email": {u.Email}, "password": {pw}}); r.Status != http.StatusUnauthorized {
				t.Errorf("a deactivated user signs in: %d, want 401", r.Status)
			}
			// The admin still sees it, marked, to give it back.
			var got account.User
			admin.Do(t, "GET", "/api/v1/users/"+u.ID, nil).JSON(t, &got)
			if got.Active || got.DeactivatedAt == nil {
				t.Errorf("the admin reads %+v, want it deactivated", got)
			}
			if r := admin.Do(t, "POST", "/api/v1/users/"+u.ID+"/reactivate", nil); r.Status != http.StatusOK {
				t.Fatalf("reactivate: %d %s", r.Status, r.Body)
			}
			again := s.Client()
			again.Login(t, u.Email, pw)
			if r := again.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
				t.Errorf("after reactivation a new sign-in answers %d", r.Status)
			}
			if r := idle.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
				t.Errorf("a session begun before the deactivation answers %d after reactivation, want 401", r.Status)
			}
			if r := api.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
				t.Errorf("a token from before the deactivation answers %d after reactivation, want 401", r.Status)
			}
			var n int
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE object_id = $1
				AND action IN ('user.deactivate', 'user.reactivate')`, u.ID).Scan(&n); err != nil || n != 2 {
				t.Errorf("%d audit entries for the deactivation and reactivation (%v), want 2", n, err)
			}
		})
	}
}

// TestSuspendedOrgCannotCommit: a suspended organisation's commitment is refused
// while what it already holds stays reserved for the people waiting; once
// reinstated it commits again, still verified.
func TestSuspendedOrgCannotCommit(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			p := summaryRegistry(t, s, 4, 3)
			o, u, pw := s.Org(t, "Yayasan Tertangguh", true)
			adminU, _ := s.User(t, account.Admin, "", "")
			admin := s.As(t, adminU.ID)
			c := s.As(t, u.ID)
			commit := func() int {
				return c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 1,
					"region": "31.74", "deliver_by": futureDate(1)}).Status
			}
			var first struct{ ID string }
			r := c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 2,
				"region": "31.74", "deliver_by": futureDate(1)})
			if r.Status != http.StatusCreated {
				t.Fatalf("commit: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &first)
			if r := admin.Do(t, "POST", "/api/v1/organizations/"+o.ID+"/suspend", map[string]string{"reason": "NPWP tidak cocok"}); r.Status != http.StatusOK {
				t.Fatalf("suspend: %d %s", r.Status, r.Body)
			}
			if st := commit(); st != http.StatusNotFound && st != http.StatusUnauthorized {
				t.Errorf("a suspended organisation commits: %d, want 404 or 401", st)
			}
			member := s.Client()
			member.Login(t, u.Email, pw)
			if body := string(member.Do(t, "GET", "/account", nil).Body); !strings.Contains(body, `id="org-suspended"`) || !strings.Contains(body, "NPWP tidak cocok") {
				t.Errorf("the member's account page does not say the organisation is suspended, and why")
			}
			var held int
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COALESCE(SUM(quantity), 0) FROM allocations
				WHERE commitment_id = $1 AND status = 'reserved'`, first.ID).Scan(&held); err != nil || held != 2 {
				t.Errorf("after the suspension its commitment holds %d reserved (%v), want 2", held, err)
			}
			if r := admin.Do(t, "POST", "/api/v1/organizations/"+o.ID+"/reinstate", nil); r.Status != http.StatusOK {
				t.Fatalf("reinstate: %d %s", r.Status, r.Body)
			}
			if st := commit(); st != http.StatusCreated {
				t.Errorf("a reinstated organisation commits: %d, want 201", st)
			}
			if got, err := s.App.Accounts.Org(s.Ctx(), o.ID); err != nil || got.Status != account.OrgVerified || got.SuspendedAt != nil {
				t.Errorf("after reinstating: %+v (%v)", got, err)
			}
		})
	}
}

// TestRegistrationDocumentsReachTheVerifier: an organisation gives its NPWP (in
// any common punctuation), deed number and address when registering; the admin's
// list of pending organisations shows them; a malformed NPWP is refused.
func TestRegistrationDocumentsReachTheVerifier(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			anon := s.Client()
			body := func(npwp string) map[string]any {
				n := s.Unique("")
				return map[string]any{"name": "Yayasan Berdokumen " + n, "kind": "ngo", "contact_name": "Dewi", "contact_email": "dewi" + n + "@dok.example",
					"contact_phone": "081234567890", "npwp": npwp, "deed_number": "Akta No. 12, 3 Maret 2020", "address": "Jl. Cikini Raya 73, Jakarta Pusat",
					"user": map[string]string{"email": "dewi" + n + "@dok.example", "password": "kata-sandi-dokumen-" + n}}
			}
			if r := anon.Do(t, "POST", "/api/v1/organizations", body("01.234.567")); r.Status != http.StatusBadRequest {
				t.Errorf("a short NPWP: %d %s, want 400", r.Status, r.Body)
			}
			var o account.Org
			r := anon.Do(t, "POST", "/api/v1/organizations", body("01.234.567.8-901.000"))
			if r.Status != http.StatusCreated {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &o)
			if o.NPWP != "012345678901000" || o.DeedNumber != "Akta No. 12, 3 Maret 2020" || o.Address != "Jl. Cikini Raya 73, Jakarta Pusat" {
				t.Errorf("registered with %q, %q, %q", o.NPWP, o.DeedNumber, o.Address)
			}
			adminU, pw := s.User(t, account.Admin, "", "")
			page := s.Client()
			page.Login(t, adminU.Email, pw)
			list := string(page.Do(t, "GET", "/admin/organizations", nil).Body)
			for _, want := range []string{"012345678901000", "Akta No. 12, 3 Maret 2020", "Jl. Cikini Raya 73, Jakarta Pusat"} {
				if !strings.Contains(list, want) {
					t.Errorf("the verifier's list does not show %q", want)
				}
			}
		})
	}
}
