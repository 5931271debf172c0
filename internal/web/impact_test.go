package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// impactWorld is a task force that distributes a warehouse's packages to an RW
// of 12 families, and two donors who gave into that warehouse: A 24 good
// packages (and 6 damaged), B 8. The task force committed 20 to the RW's
// kelurahan: its first allocation (the RW's 12 on a server with no other RW
// there) was delivered, 8 wait.
type impactWorld struct {
	donorA, donorB   account.Org
	userA, userB     account.User
	pwA              string
	offerA, offerB   string
	warehouse        string
	program          string
	forceOrg         account.Org
	forceEmail       string
	contactA         string
	declinedByAOffer string
}

func newImpactWorld(t *testing.T, s *apptest.Server) *impactWorld {
	t.Helper()
	w := &impactWorld{}
	imp := adminImporter(t, s)
	importKind(t, s, imp, registry.RW, "rw-dampak.csv", rwHeader+rwRow("31.71.02.1002", 4, "Ketua Dampak Rahasia", "081311119004", 12, 40))
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Gugus Tugas Dampak", Category: "pangan",
		Item: program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"rw"},
		Regions: []string{"31.71.02"}, Phases: weeks(1), QuantityRule: program.PerFamily})
	w.program = p.ID
	var forceUser account.User
	w.forceOrg, forceUser, _ = s.Org(t, "Satgas Penyalur Rahasia", true)
	w.forceEmail = forceUser.Email
	w.donorA, w.userA, w.pwA = s.Org(t, "PT Donatur Alfa Dampak", true)
	w.donorB, w.userB, _ = s.Org(t, "CV Donatur Beta Dampak", true)
	w.contactA = w.donorA.ContactEmail
	adminUser, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	adminWho := donate.Who{UserID: adminUser.ID, Role: account.Admin}
	wh, err := s.App.Donations.CreateWarehouse(s.Ctx(), adminWho, donate.NewWarehouse{Name: "Gudang Dampak", Region: "31.71", OrgID: w.forceOrg.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.warehouse = wh.ID
	give := func(o account.Org, u account.User, offered int, in ...donate.IntakeLine) string {
		t.Helper()
		who := donate.Who{UserID: u.ID, Role: account.Collaborator, OrgID: o.ID, OrgVerified: true}
		d, err := s.App.Donations.Offer(s.Ctx(), who, donate.NewOffer{WarehouseID: wh.ID,
			Items: []donate.OfferLine{{Item: "Paket sembako", Quantity: offered, UnitValue: 200000, ExpiresOn: "2099-12-31"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Donations.Accept(s.Ctx(), adminWho, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Donations.Receive(s.Ctx(), adminWho, d.ID, donate.Intake{Items: in}); err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	w.offerA = give(w.donorA, w.userA, 30, donate.IntakeLine{Line: 1, Received: 24}, donate.IntakeLine{Line: 1, Received: 6, Condition: "damaged"})
	w.offerB = give(w.donorB, w.userB, 8, donate.IntakeLine{Line: 1, Received: 8})
	// A declined offer of A's: listed to A, counted nowhere.
	d, err := s.App.Donations.Offer(s.Ctx(), donate.Who{UserID: w.userA.ID, Role: account.Collaborator, OrgID: w.donorA.ID, OrgVerified: true},
		donate.NewOffer{WarehouseID: wh.ID, Items: []donate.OfferLine{{Item: "Masker", Quantity: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Donations.Decline(s.Ctx(), adminWho, d.ID, "stok cukup"); err != nil {
		t.Fatal(err)
	}
	w.declinedByAOffer = d.ID

	force := allocate.Who{UserID: forceUser.ID, Role: account.Collaborator, OrgID: w.forceOrg.ID, OrgVerified: true}
	c, err := s.App.Allocations.Commit(s.Ctx(), force, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 20,
		Region: "31.71.02.1002", DeliverBy: futureDate(3), WarehouseID: wh.ID})
	if err != nil {
		t.Fatal(err)
	}
	as, _, err := s.App.Allocations.Allocations(s.Ctx(), force, c.ID, "", 100)
	if err != nil || len(as) == 0 {
		t.Fatalf("allocations %+v %v", as, err)
	}
	if _, err := s.App.Allocations.Dispatch(s.Ctx(), force, []string{as[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.Write(s.Ctx(), func(ctx context.Context, tx *store.Tx) error {
		_, err := s.App.Allocations.DeliverTx(ctx, tx, as[0].ID, "code", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestDonorImpactShowsWhereItsGoodsWentAndNothingOfOtherDonors reads a donor's
// impact over the API and the page: its own offers, its pro-rata part of what
// the warehouse delivered by program and kelurahan — and nothing of the other
// donor, the recipients or the task force's contacts. The public summary counts
// both donors and the good units only; the home page lists both by name.
func TestDonorImpactShowsWhereItsGoodsWentAndNothingOfOtherDonors(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newImpactWorld(t, s)
			r := s.As(t, w.userA.ID).Do(t, "GET", "/api/v1/donations/impact", nil)
			if r.Status != 200 {
				t.Fatalf("impact: %d %s", r.Status, r.Body)
			}
			var im donate.Impact
			r.JSON(t, &im)
			if im.OrgID != w.donorA.ID || len(im.Offers) != 2 || im.Value != 30*200000 || im.ValueReceived != 24*200000 {
				t.Fatalf("impact of A: %s", r.Body)
			}
			if len(im.Flows) != 1 {
				t.Fatalf("flows: %s", r.Body)
			}
			f := im.Flows[0]
			if f.Given != 24 || f.WarehouseReceived != 32 || f.Share != 0.75 || len(f.Areas) != 1 {
				t.Fatalf("flow: %+v", f)
			}
			a := f.Areas[0]
			if a.Program != "Sembako Gugus Tugas Dampak" || a.Village != "31.71.02.1002" || a.District != "31.71.02" || a.VillageName == "" ||
				a.Delivered == nil || *a.Delivered != 12 || a.OnTheWay == nil || *a.OnTheWay != 0 || a.YourShare == nil || *a.YourShare != 9 {
				t.Fatalf("area: %+v", a)
			}
			for _, secret := range []string{w.donorB.Name, w.offerB, w.donorB.ID, "Ketua Dampak Rahasia", "81311119004", w.forceOrg.ContactEmail,
				w.forceOrg.Name, w.userB.Email} {
				if strings.Contains(string(r.Body), secret) {
					t.Errorf("A's impact shows %q: %s", secret, r.Body)
				}
			}
			// B sees its own part (a quarter), never A.
			rb := s.As(t, w.userB.ID).Do(t, "GET", "/api/v1/donations/impact", nil)
			var ib donate.Impact
			rb.JSON(t, &ib)
			if rb.Status != 200 || len(ib.Offers) != 1 || ib.Offers[0].ID != w.offerB || ib.Flows[0].Share != 0.25 ||
				strings.Contains(string(rb.Body), w.donorA.Name) || strings.Contains(string(rb.Body), w.offerA) {
				t.Fatalf("B's impact: %d %s", rb.Status, rb.Body)
			}
			// A health program's distribution is shown by kecamatan, small counts
			// withheld: 3 packages on their way to Sawah Besar.
			importKind(t, s, adminImporter(t, s), registry.RW, "rw-isoman.csv", rwHeader+rwRow("31.71.02.1003", 6, "Ketua Isoman Rahasia", "081311119006", 3, 9))
			iso, _ := publishProgram(t, s, program.Input{Name: "Sembako Isoman Dampak", Category: "kesehatan", StackGroup: "isoman_dampak",
				Item: program.Item{Name: "Paket sembako", Unit: "paket"}, TargetKinds: []string{"rw"}, Regions: []string{"31.71.02"},
				Phases: weeks(1), QuantityRule: program.PerFamily, Sensitive: true})
			forceUser, err := s.App.Accounts.UserByEmail(s.Ctx(), w.forceEmail)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: forceUser.ID, Role: account.Collaborator, OrgID: w.forceOrg.ID, OrgVerified: true},
				allocate.Request{ProgramID: iso.ID, Phase: "Minggu 1", Quantity: 3, Region: "31.71.02", DeliverBy: futureDate(3), WarehouseID: w.warehouse}); err != nil {
				t.Fatal(err)
			}
			r = s.As(t, w.userA.ID).Do(t, "GET", "/api/v1/donations/impact", nil)
			im = donate.Impact{}
			r.JSON(t, &im)
			var sens *donate.FlowArea
			for i, a := range im.Flows[0].Areas {
				if a.ProgramID == iso.ID {
					sens = &im.Flows[0].Areas[i]
				}
			}
			if sens == nil || sens.District != "31.71.02" || sens.Village != "" || sens.OnTheWay != nil || !sens.Withheld ||
				strings.Contains(string(r.Body), "31.71.02.1003") || strings.Contains(string(r.Body), "Ketua Isoman Rahasia") {
				t.Fatalf("the health program's area: %+v in %s", sens, r.Body)
			}
			// The page, in Indonesian and in English.
			page := s.Client()
			page.Login(t, w.userA.Email, w.pwA)
			p := page.Do(t, "GET", "/donations/impact", nil)
			body := string(p.Body)
			if p.Status != 200 || !strings.Contains(body, "75.0%") || !strings.Contains(body, "proporsional") ||
				!strings.Contains(body, "Sembako Gugus Tugas Dampak") || strings.Contains(body, w.donorB.Name) {
				t.Fatalf("page: %d", p.Status)
			}
			page.Do(t, "GET", "/lang/en?next=/", nil)
			if p := page.Do(t, "GET", "/donations/impact", nil); p.Status != 200 || !strings.Contains(string(p.Body), "pro rata") {
				t.Fatalf("page in English: %d", p.Status)
			}
			// The public summary and home page.
			r = s.Client().Do(t, "GET", "/api/v1/public/summary", nil)
			var sum struct {
				TaskForce struct {
					Donors int                    `json:"donors"`
					Items  []donate.TaskForceItem `json:"items"`
				} `json:"task_force"`
			}
			r.JSON(t, &sum)
			if sum.TaskForce.Donors != 2 || len(sum.TaskForce.Items) != 1 || sum.TaskForce.Items[0] != (donate.TaskForceItem{Item: "Paket sembako", Unit: "paket", Received: 32}) {
				t.Fatalf("summary's task force: %s", r.Body)
			}
			home := string(s.Client().Do(t, "GET", "/", nil).Body)
			if !strings.Contains(home, `id="task-force"`) || !strings.Contains(home, w.donorA.Name) || !strings.Contains(home, w.donorB.Name) ||
				strings.Contains(home, w.contactA) {
				t.Fatalf("home page: task-force block %v, A %v, B %v, contact %v", strings.Contains(home, `id="task-force"`),
					strings.Contains(home, w.donorA.Name), strings.Contains(home, w.donorB.Name), strings.Contains(home, w.contactA))
			}
		})
	}
}

// impactConformance calls the impact route and the summary with task-force
// figures against openapi.json.
func impactConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newImpactWorld(t, s)
	office, _ := s.User(t, account.Office, "31.71", "")
	r := k.do(t, apiCall{as: s.As(t, w.userA.ID), method: "GET", path: "/api/v1/donations/impact", want: 200})
	var im map[string]any
	if err := json.Unmarshal(r.Body, &im); err != nil || im["flows"] == nil {
		t.Fatalf("impact: %s %v", r.Body, err)
	}
	k.do(t, apiCall{as: s.As(t, office.ID), method: "GET", path: "/api/v1/donations/impact", want: 404})
	k.do(t, apiCall{as: s.Client(), method: "GET", path: "/api/v1/donations/impact", want: 401})
	k.do(t, apiCall{as: s.Client(), method: "GET", path: "/api/v1/public/summary", want: 200})
}

// TestBrowserDonorImpactOnAPhone: a donor signs in on a 360×740 phone, opens
// where its donations went from the menu, reads its share in Indonesian and
// then in English, and nothing is wider than the screen.
func TestBrowserDonorImpactOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			w := newImpactWorld(t, s)
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			b.open("/login")
			b.fill([][2]string{{`input[name="email"]`, w.userA.Email}, {`input[name="password"]`, w.pwA}})
			b.click("#login-submit")
			b.settled()
			b.open("/donations/impact")
			b.waitText("main h1", "Ke mana donasi Anda pergi")
			b.waitText(".impact-flow p", "bagian Anda 75.0%")
			b.waitText(".impact-flow table", "Karang Anyar")
			fits := func(where string) {
				t.Helper()
				if px := waitFor[int](b, "the page's width", `() => document.documentElement.scrollWidth`); px > 360 {
					t.Errorf("%s: the page is %d px wide on a 360 px screen", where, px)
				}
			}
			fits("in Indonesian")
			b.shot("donor-impact-id", 360)
			b.click("#lang-en")
			b.waitText("main h1", "Where your donations went")
			b.waitText(".impact-flow p", "your share is 75.0%")
			fits("in English")
			if strings.Contains(b.text("main"), w.donorB.Name) {
				t.Error("the page names the other donor")
			}
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the page reported errors: %v", errs)
			}
		})
	}
}
