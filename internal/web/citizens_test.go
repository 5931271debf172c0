package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// citizenBody is a citizen's registration with a solved human check.
func citizenBody(email, altcha string) map[string]any {
	return map[string]any{"name": "Warga Uji", "email": email, "password": "kata-sandi-warga-uji", "region": "31.71.01.1001", "altcha": altcha}
}

func wantCode(t *testing.T, r apptest.Response, code int) {
	t.Helper()
	if r.Status != code {
		t.Fatalf("status %d (%s), want %d", r.Status, r.Body, code)
	}
}

func TestCitizenRegistrationNeedsTheHumanCheckAndAFreshEmail(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			anon := s.Client()
			email := s.Unique("warga") + "@test.gotong.local"

			t.Run("without the human check it is refused", func(t *testing.T) {
				wantCode(t, anon.Do(t, "POST", "/api/v1/citizens", citizenBody(email, "")), 400)
				if _, err := s.App.Accounts.UserByEmail(s.Ctx(), email); !errs.Is(err, errs.NotFound) {
					t.Fatalf("an account exists after a refused registration: %v", err)
				}
			})
			solved := anon.Human(t)
			t.Run("with it, a citizen's account is made", func(t *testing.T) {
				r := anon.Do(t, "POST", "/api/v1/citizens", citizenBody(email, solved))
				wantCode(t, r, 201)
				var u account.User
				r.JSON(t, &u)
				if u.Role != account.Citizen || u.Region != "31.71.01.1001" || u.OrgID != "" {
					t.Fatalf("made %+v", u)
				}
				c := s.Client()
				c.Login(t, email, "kata-sandi-warga-uji")
			})
			t.Run("the same solution again is refused", func(t *testing.T) {
				wantCode(t, anon.Do(t, "POST", "/api/v1/citizens", citizenBody(s.Unique("lagi")+"@test.gotong.local", solved)), 400)
			})
			t.Run("the same email again is a conflict", func(t *testing.T) {
				wantCode(t, anon.Do(t, "POST", "/api/v1/citizens", citizenBody(email, anon.Human(t))), 409)
			})
			t.Run("a common password is refused", func(t *testing.T) {
				b := citizenBody(s.Unique("lemah")+"@test.gotong.local", anon.Human(t))
				b["password"] = "password"
				wantCode(t, anon.Do(t, "POST", "/api/v1/citizens", b), 400)
			})
		})
	}
}

func TestCitizenRegistrationSharesTheRegistrationsRateLimit(t *testing.T) {
	s := apptest.Start(t, store.SQLite, func(c *app.Config) { c.RegisterLimit = 3 })
	anon := s.Client()
	for i := range 3 {
		if r := anon.Do(t, "POST", "/api/v1/organizations", map[string]any{}); r.Status == http.StatusTooManyRequests {
			t.Fatalf("limited after %d registrations", i)
		}
	}
	wantCode(t, anon.Do(t, "POST", "/api/v1/citizens", citizenBody("batas@test.gotong.local", anon.Human(t))), 429)
}

// aggregator registers a verified organisation of kind aggregator.
func aggregator(t *testing.T, s *apptest.Server, name string) (account.Org, account.User, string) {
	t.Helper()
	var in account.Registration
	in.Name, in.Kind, in.ContactName, in.ContactEmail, in.ContactPhone = name, account.KindAggregator, "Kontak "+name, "agg@test.gotong.local", "081234567890"
	in.User.Email, in.User.Name, in.User.Password = s.Unique("agg")+"@test.gotong.local", "Anggota "+name, "kata-sandi-"+s.Unique("")
	password := in.User.Password
	o, u, err := s.App.Accounts.Register(s.Ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = s.App.Accounts.DecideOrg(s.Ctx(), o.ID, account.OrgVerified, ""); err != nil {
		t.Fatal(err)
	}
	return o, u, password
}

func TestAnIndividualCollaboratorIsVerifiedInItsRegionAndCommitsLittle(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 1) // a program in 31.71.02 whose one need is taken
			citizen, _ := s.User(t, account.Citizen, "31.71.01.1001", "")
			me := s.As(t, citizen.ID)

			wantCode(t, me.Do(t, "POST", "/api/v1/citizens/me/collaborate", map[string]string{"contact_phone": "nomor"}), 400)
			r := me.Do(t, "POST", "/api/v1/citizens/me/collaborate", map[string]string{"contact_phone": "0812-3456-7890"})
			wantCode(t, r, 201)
			var o account.Org
			r.JSON(t, &o)
			if o.Kind != account.KindIndividual || o.Status != account.OrgPending || o.Name != citizen.Name {
				t.Fatalf("made %+v", o)
			}
			t.Run("only once", func(t *testing.T) {
				wantCode(t, me.Do(t, "POST", "/api/v1/citizens/me/collaborate", map[string]string{"contact_phone": "081234567890"}), 404)
			})
			commit := func(qty int) error {
				_, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: citizen.ID, OrgID: o.ID},
					allocate.Request{ProgramID: f.program, Phase: "Minggu 1", Quantity: qty, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
				return err
			}
			t.Run("pending, it cannot commit", func(t *testing.T) {
				if err := commit(1); !errs.Is(err, errs.NotFound) {
					t.Fatalf("a pending individual committed: %v", err)
				}
			})
			decision := map[string]string{"decision": "verified"}
			t.Run("the office of another kota cannot verify it", func(t *testing.T) {
				wantCode(t, f.officY.Do(t, "POST", "/api/v1/individuals/"+o.ID+"/verify", decision), 404)
				var list struct{ Items []account.Org }
				f.officY.Do(t, "GET", "/api/v1/individuals", nil).JSON(t, &list)
				if len(list.Items) != 0 {
					t.Fatalf("office Y lists %+v", list.Items)
				}
			})
			t.Run("a collaborator of another kind is not an individual", func(t *testing.T) {
				wantCode(t, f.office.Do(t, "POST", "/api/v1/individuals/"+f.one(t, `SELECT org_id FROM commitments WHERE id = $1`, f.commitment)+"/verify", decision), 404)
			})
			t.Run("the office of its kota verifies it", func(t *testing.T) {
				wantCode(t, f.office.Do(t, "POST", "/api/v1/individuals/"+o.ID+"/verify", decision), 200)
			})
			t.Run("verified, it commits small quantities only", func(t *testing.T) {
				if err := commit(account.IndividualCommitLimit + 1); !errs.Is(err, errs.Conflict) {
					t.Fatalf("%d units at once: %v", account.IndividualCommitLimit+1, err)
				}
				for range 2 {
					if err := commit(account.IndividualCommitLimit); err != nil {
						t.Fatal(err)
					}
				}
				// 40 units open: 20 more would pass the open limit of 50, 10 do not.
				if err := commit(account.IndividualCommitLimit); !errs.Is(err, errs.Conflict) {
					t.Fatalf("past the open limit: %v", err)
				}
				if err := commit(account.IndividualOpenLimit - 2*account.IndividualCommitLimit); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("only a citizen may ask", func(t *testing.T) {
				wantCode(t, f.collab.Do(t, "POST", "/api/v1/citizens/me/collaborate", map[string]string{"contact_phone": "081234567890"}), 404)
			})
		})
	}
}

func TestPledgesAreSeenByTheirCitizenAndTheirAggregatorOnly(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 1) // f.collab: a verified NGO with a commitment
			agg, aggUser, _ := aggregator(t, s, "Agregator Berbagi")
			other, otherUser, _ := aggregator(t, s, "Agregator Lain")
			asAgg, asOther := s.As(t, aggUser.ID), s.As(t, otherUser.ID)
			c1, _ := s.User(t, account.Citizen, "31.71.01.1001", "")
			c2, _ := s.User(t, account.Citizen, "31.74.01.1001", "")
			as1, as2 := s.As(t, c1.ID), s.As(t, c2.ID)

			pledge := func(t *testing.T, c *apptest.Client, org, what string, code int) string {
				r := c.Do(t, "POST", "/api/v1/organizations/"+org+"/pledges", map[string]any{"what": what, "quantity": 5, "note": "ambil di rumah"})
				wantCode(t, r, code)
				var p struct{ ID string }
				_ = json.Unmarshal(r.Body, &p)
				return p.ID
			}
			p1 := pledge(t, as1, agg.ID, "Beras 5 kg", 201)
			pledge(t, as2, agg.ID, "Minyak goreng", 201)
			pledge(t, as2, other.ID, "Gula pasir", 201)
			t.Run("to a non-aggregator or as a non-citizen, no pledge", func(t *testing.T) {
				pledge(t, as1, f.one(t, `SELECT org_id FROM commitments WHERE id = $1`, f.commitment), "Beras", 404)
				pledge(t, f.collab, agg.ID, "Beras", 404)
				pledge(t, as1, agg.ID, "", 400)
			})
			list := func(t *testing.T, c *apptest.Client, code int) string {
				r := c.Do(t, "GET", "/api/v1/pledges", nil)
				wantCode(t, r, code)
				return string(r.Body)
			}
			t.Run("a citizen sees only its own", func(t *testing.T) {
				b := list(t, as1, 200)
				if !strings.Contains(b, "Beras 5 kg") || strings.Contains(b, "Minyak goreng") || strings.Contains(b, "Gula pasir") {
					t.Fatalf("citizen 1 sees %s", b)
				}
			})
			t.Run("an aggregator sees only those made to it", func(t *testing.T) {
				b := list(t, asAgg, 200)
				if !strings.Contains(b, "Beras 5 kg") || !strings.Contains(b, "Minyak goreng") || strings.Contains(b, "Gula pasir") || !strings.Contains(b, c1.Name) {
					t.Fatalf("the aggregator sees %s", b)
				}
			})
			t.Run("an organisation of another kind has none", func(t *testing.T) {
				list(t, f.collab, 404)
				list(t, f.office, 404)
			})
			link := func(t *testing.T, c *apptest.Client, id, commitment string, code int) apptest.Response {
				r := c.Do(t, "POST", "/api/v1/pledges/"+id+"/commitment", map[string]string{"commitment_id": commitment})
				wantCode(t, r, code)
				return r
			}
			t.Run("linking another organisation's commitment is not found", func(t *testing.T) {
				link(t, asAgg, p1, f.commitment, 404)
			})
			// The aggregator commits (through the engine) and links the pledge.
			own, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: aggUser.ID, OrgID: agg.ID},
				allocate.Request{ProgramID: f.program, Phase: "Minggu 1", Quantity: 3, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
			if err != nil {
				t.Fatal(err)
			}
			t.Run("a cancelled commitment takes no pledge", func(t *testing.T) {
				aggWho := allocate.Who{UserID: aggUser.ID, Role: account.Collaborator, OrgID: agg.ID, OrgVerified: true}
				gone, err := s.App.Allocations.Commit(s.Ctx(), aggWho,
					allocate.Request{ProgramID: f.program, Phase: "Minggu 1", Quantity: 1, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.App.Allocations.Cancel(s.Ctx(), aggWho, gone.ID); err != nil {
					t.Fatal(err)
				}
				link(t, asAgg, p1, gone.ID, 409)
			})
			t.Run("another aggregator cannot link it", func(t *testing.T) {
				link(t, asOther, p1, own.ID, 404)
			})
			t.Run("its aggregator links it and the citizen is told", func(t *testing.T) {
				link(t, asAgg, p1, own.ID, 200)
				var n int
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM outbox WHERE kind = 'pledge_linked' AND ref = $1`, p1).Scan(&n); err != nil || n != 1 {
					t.Fatalf("%d messages, %v", n, err)
				}
				b := list(t, as1, 200)
				if !strings.Contains(b, `"status":"linked"`) || !strings.Contains(b, `"program":"Antar Uji"`) || !strings.Contains(b, `"allocated":0`) {
					t.Fatalf("the citizen's pledge reads %s", b)
				}
				if strings.Contains(b, "Panti Antar") {
					t.Fatalf("a recipient's name reaches the citizen: %s", b)
				}
			})
		})
	}
}

// citizensConformance answers every operation of citizens who give, for the
// OpenAPI conformance test.
func citizensConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	f := newDeliveryFixture(t, s, 1)
	anon := s.Client()
	var u account.User
	k.do(t, apiCall{name: "anyone registers as a citizen", as: anon, method: "POST", path: "/api/v1/citizens", want: 201,
		body: citizenBody(s.Unique("warga")+"@test.gotong.local", anon.Human(t))}).JSON(t, &u)
	asCitizen := s.As(t, u.ID)
	agg, aggUser, _ := aggregator(t, s, "Agregator Kontrak")
	asAgg := s.As(t, aggUser.ID)
	var pl struct{ ID string }
	k.do(t, apiCall{name: "a citizen pledges to an aggregator", as: asCitizen, method: "POST", path: "/api/v1/organizations/" + agg.ID + "/pledges",
		body: map[string]any{"what": "Beras 5 kg", "quantity": 2, "note": ""}, want: 201}).JSON(t, &pl)
	k.do(t, apiCall{name: "a pledge to a non-aggregator is not found", as: asCitizen, method: "POST",
		path: "/api/v1/organizations/" + f.one(t, `SELECT org_id FROM commitments WHERE id = $1`, f.commitment) + "/pledges",
		body: map[string]any{"what": "Beras 5 kg", "quantity": 2}, want: 404})
	k.do(t, apiCall{name: "a citizen lists their pledges", as: asCitizen, method: "GET", path: "/api/v1/pledges", want: 200})
	k.do(t, apiCall{name: "a collaborator of another kind has no pledges", as: f.collab, method: "GET", path: "/api/v1/pledges", want: 404})
	c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: aggUser.ID, OrgID: agg.ID},
		allocate.Request{ProgramID: f.program, Phase: "Minggu 1", Quantity: 1, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
	if err != nil {
		t.Fatal(err)
	}
	k.do(t, apiCall{name: "another organisation's commitment is not found", as: asAgg, method: "POST", path: "/api/v1/pledges/" + pl.ID + "/commitment",
		body: map[string]string{"commitment_id": f.commitment}, want: 404})
	k.do(t, apiCall{name: "an aggregator links a pledge", as: asAgg, method: "POST", path: "/api/v1/pledges/" + pl.ID + "/commitment",
		body: map[string]string{"commitment_id": c.ID}, want: 200})
	k.do(t, apiCall{name: "an aggregator lists its pledges", as: asAgg, method: "GET", path: "/api/v1/pledges?limit=5", want: 200})

	var o account.Org
	k.do(t, apiCall{name: "a citizen asks to become an individual collaborator", as: asCitizen, method: "POST", path: "/api/v1/citizens/me/collaborate",
		body: map[string]string{"contact_phone": "081234567890"}, want: 201}).JSON(t, &o)
	k.do(t, apiCall{name: "an office lists the individuals of its region", as: f.office, method: "GET", path: "/api/v1/individuals?status=pending", want: 200})
	k.do(t, apiCall{name: "an office of another kota cannot verify one", as: f.officY, method: "POST", path: "/api/v1/individuals/" + o.ID + "/verify",
		body: map[string]string{"decision": "verified"}, want: 404})
	k.do(t, apiCall{name: "the office of its kota verifies one", as: f.office, method: "POST", path: "/api/v1/individuals/" + o.ID + "/verify",
		body: map[string]string{"decision": "verified"}, want: 200})
}

// signedIn is a client signed in through the login form.
func signedIn(t *testing.T, s *apptest.Server, email, password string) *apptest.Client {
	t.Helper()
	c := s.Client()
	c.Login(t, email, password)
	return c
}

func TestCitizensPagesFromRegistrationToProgress(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	f := newDeliveryFixture(t, s, 1)
	anon := s.Client()
	anon.Lang = "id"
	page := func(t *testing.T, c *apptest.Client, method, path string, body any, code int, has ...string) apptest.Response {
		t.Helper()
		r := c.Do(t, method, path, body)
		if r.Status != code {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, code, r.Body)
		}
		for _, h := range has {
			if !strings.Contains(string(r.Body), h) {
				t.Errorf("%s %s lacks %q", method, path, h)
			}
		}
		return r
	}
	email, password := s.Unique("warga.halaman")+"@test.gotong.local", "kata-sandi-warga-halaman"
	form := url.Values{"name": {"Warga Halaman"}, "email": {email}, "password": {password}, "region": {"31.71.01.1001"}}

	t.Run("the registration form needs the human check, in Indonesian", func(t *testing.T) {
		page(t, anon, "GET", "/warga/daftar", nil, 200, "altcha-widget", "Daftar sebagai warga", `value="31.71.01.1001"`)
		page(t, anon, "POST", "/warga/daftar", form, 400, "pemeriksaan manusia", "Warga Halaman")
		form.Set("altcha", anon.Human(t))
		r := page(t, anon, "POST", "/warga/daftar", form, 303)
		if loc := r.Header.Get("Location"); loc != "/login" {
			t.Fatalf("sent to %q", loc)
		}
	})
	citizen := signedIn(t, s, email, password)
	agg, aggUser, aggPassword := aggregator(t, s, "Agregator Halaman")
	t.Run("a citizen's home shows what a citizen may do", func(t *testing.T) {
		r := page(t, citizen, "GET", "/", nil, 200, `id="citizen-home"`, `href="/ideas"`, `id="nav-pledges"`)
		if strings.Contains(string(r.Body), `id="nav-commitments"`) || strings.Contains(string(r.Body), `id="nav-donations"`) {
			t.Errorf("a citizen is offered what they may not use")
		}
	})
	var pledgeID string
	t.Run("a citizen pledges on the list of verified aggregators", func(t *testing.T) {
		page(t, citizen, "GET", "/pledges/new", nil, 200, agg.Name)
		page(t, citizen, "POST", "/pledges", url.Values{"org_id": {agg.ID}, "what": {"Beras Halaman"}, "quantity": {"3"}, "note": {""}}, 303)
		page(t, citizen, "GET", "/pledges", nil, 200, "Beras Halaman", agg.Name)
		ps, _, err := s.App.Pledges.List(s.Ctx(), mustUser(t, s, email).Principal(), "", 0)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%d pledges, %v", len(ps), err)
		}
		pledgeID = ps[0].ID
	})
	t.Run("the aggregator links it to its commitment, and the citizen sees the progress", func(t *testing.T) {
		c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: aggUser.ID, OrgID: agg.ID},
			allocate.Request{ProgramID: f.program, Phase: "Minggu 1", Quantity: 2, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
		if err != nil {
			t.Fatal(err)
		}
		aggregatorPage := signedIn(t, s, aggUser.Email, aggPassword)
		page(t, aggregatorPage, "GET", "/pledges", nil, 200, "Beras Halaman", "Warga Halaman", `action="/pledges/`+pledgeID+`/commitment"`, c.ID)
		page(t, aggregatorPage, "POST", "/pledges/"+pledgeID+"/commitment", url.Values{"commitment_id": {c.ID}}, 303)
		page(t, citizen, "GET", "/pledges", nil, 200, "Antar Uji")
	})
	t.Run("a citizen asks to commit as an individual and the office of its kota verifies", func(t *testing.T) {
		page(t, citizen, "POST", "/warga/kolaborator", url.Values{"contact_phone": {"081233334444"}}, 303)
		u := mustUser(t, s, email)
		if u.Role != account.Collaborator || u.OrgID == "" {
			t.Fatalf("after the request: %+v", u)
		}
		office, pw := s.User(t, account.Office, "31.71", "")
		officePage := signedIn(t, s, office.Email, pw)
		page(t, officePage, "GET", "/office/individuals", nil, 200, "Warga Halaman")
		page(t, officePage, "POST", "/office/individuals/"+u.OrgID+"/verify", url.Values{"decision": {"verified"}}, 303)
		if o, err := s.App.Accounts.Org(s.Ctx(), u.OrgID); err != nil || o.Status != account.OrgVerified {
			t.Fatalf("after the decision: %+v, %v", o, err)
		}
	})
}

func mustUser(t *testing.T, s *apptest.Server, email string) account.User {
	t.Helper()
	u, err := s.App.Accounts.UserByEmail(s.Ctx(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
