package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/storetest"
)

// ideaWorld is a forum with an admin, a citizen, an office, a verified and a
// pending collaborator, each with an API client.
type ideaWorld struct {
	admin, citizen, office, verified, pending, anon *apptest.Client
	orgName                                         string
}

func newIdeaWorld(t *testing.T, s *apptest.Server) ideaWorld {
	t.Helper()
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	cit, _ := s.User(t, account.Citizen, "31.71.01.1001", "")
	off, _ := s.User(t, account.Office, "31.71", "")
	name := s.Unique("Yayasan Ide ")
	_, v, _ := s.Org(t, name, true)
	_, p, _ := s.Org(t, s.Unique("Komunitas Ide "), false)
	return ideaWorld{admin: s.As(t, a.ID), citizen: s.As(t, cit.ID), office: s.As(t, off.ID), verified: s.As(t, v.ID),
		pending: s.As(t, p.ID), anon: s.Client(), orgName: name}
}

func newIdeaBody(title string) map[string]string {
	return map[string]string{"title": title, "body": "Dapur umum untuk warga yang isolasi mandiri.", "category": "food",
		"region": "31.71.01.1001", "needs": "Relawan dan beras"}
}

// ideasConformance calls every endpoint of the forum as its callers would.
func ideasConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newIdeaWorld(t, s)
	var i idea.Idea
	k.do(t, apiCall{as: w.citizen, method: "POST", path: "/api/v1/ideas", body: newIdeaBody("Dapur umum skema"), want: 201}).JSON(t, &i)
	k.do(t, apiCall{as: w.anon, method: "POST", path: "/api/v1/ideas", body: newIdeaBody("Dapur umum anonim"), want: 401})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: "/api/v1/ideas", body: map[string]string{"title": "Tanpa kategori", "body": "isi yang cukup panjang",
		"category": "sport", "region": "31.71"}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: "/api/v1/ideas", body: map[string]string{"title": "Di luar provinsi", "body": "isi yang cukup panjang",
		"category": "other", "region": "32.01"}, want: 400})
	one := "/api/v1/ideas/" + i.ID
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/ideas?sort=support&status=proposed&region=31.71&limit=5", want: 200})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/ideas?sort=best", want: 400, docRejects: true})
	k.do(t, apiCall{as: w.citizen, method: "GET", path: "/api/v1/ideas?reported=true", want: 404})
	k.do(t, apiCall{as: w.anon, method: "GET", path: one, want: 200})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/ideas/no-such-idea", want: 404})
	k.do(t, apiCall{as: w.office, method: "POST", path: one + "/support", want: 200})
	k.do(t, apiCall{as: w.office, method: "POST", path: one + "/support", body: map[string]any{}, want: 409})
	k.do(t, apiCall{as: w.anon, method: "POST", path: one + "/support", want: 401})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/comments", body: map[string]string{"body": "Saya ikut memasak."}, want: 201})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/comments", body: map[string]string{"body": strings.Repeat("x", 2001)}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.verified, method: "POST", path: one + "/offers", body: map[string]string{"offer": "Beras 100 kg"}, want: 201})
	k.do(t, apiCall{as: w.verified, method: "POST", path: one + "/offers", body: map[string]string{"offer": "Beras lagi"}, want: 409})
	k.do(t, apiCall{as: w.pending, method: "POST", path: one + "/offers", body: map[string]string{"offer": "Beras 100 kg"}, want: 404})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/offers", body: map[string]string{"offer": "Beras 100 kg"}, want: 404})
	k.do(t, apiCall{as: w.office, method: "POST", path: one + "/status", body: map[string]string{"status": "reviewed"}, want: 404})
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/status", body: map[string]string{"status": "adopted"}, want: 409})
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/status", body: map[string]string{"status": "proposed"}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/status", body: map[string]string{"status": "reviewed", "reason": "dikaji"}, want: 200})
	var adopted struct {
		ProgramID string `json:"program_id"`
	}
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/status", body: map[string]string{"status": "adopted"}, want: 200}).JSON(t, &adopted)
	if adopted.ProgramID == "" {
		t.Error("adoption answered no program_id")
	}
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/report", body: map[string]string{"reason": "iklan"}, want: 201})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/report", body: map[string]string{"reason": "iklan"}, want: 409})
	k.do(t, apiCall{as: w.admin, method: "GET", path: "/api/v1/ideas?reported=true", want: 200})
	k.do(t, apiCall{as: w.citizen, method: "POST", path: one + "/hide", want: 404})
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/hide", body: map[string]string{"reason": "iklan"}, want: 200})
	k.do(t, apiCall{as: w.admin, method: "POST", path: one + "/hide", want: 409})
	k.do(t, apiCall{as: w.anon, method: "GET", path: one, want: 404})
	k.do(t, apiCall{as: w.admin, method: "GET", path: one, want: 200})
}

// TestIdeasThroughTheAPI walks the forum's promises through HTTP: support once
// (twice at once too), who governs and offers, adoption's draft program, and
// what a hidden idea and a report show to whom.
func TestIdeasThroughTheAPI(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newIdeaWorld(t, s)
			var i idea.Idea
			if r := w.citizen.Do(t, "POST", "/api/v1/ideas", newIdeaBody("Lumbung pangan RW 03")); r.Status != 201 {
				t.Fatalf("propose: %d %s", r.Status, r.Body)
			} else {
				r.JSON(t, &i)
			}
			one := "/api/v1/ideas/" + i.ID

			// Two clicks at once: one support.
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for n := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := w.office.Try("POST", one+"/support", nil)
					if err != nil {
						t.Error(err)
						return
					}
					codes[n] = r.Status
				}()
			}
			wg.Wait()
			if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
				t.Fatalf("two supports at once answered %v, want one 200 and one 409", codes)
			}
			var d idea.Detail
			w.office.Do(t, "GET", one, nil).JSON(t, &d)
			if d.Supports != 1 || !d.Supported {
				t.Fatalf("after the double click: %d supports, supported %v", d.Supports, d.Supported)
			}

			for _, c := range []*apptest.Client{w.citizen, w.office, w.verified, w.pending} {
				if r := c.Do(t, "POST", one+"/status", map[string]string{"status": "reviewed"}); r.Status != 404 {
					t.Errorf("a non-admin moves the idea: %d", r.Status)
				}
				if r := c.Do(t, "POST", one+"/hide", nil); r.Status != 404 {
					t.Errorf("a non-admin hides the idea: %d", r.Status)
				}
			}
			if r := w.verified.Do(t, "POST", one+"/offers", map[string]string{"offer": "Beras 200 kg"}); r.Status != 201 {
				t.Fatalf("offer: %d %s", r.Status, r.Body)
			}
			w.admin.Do(t, "POST", one+"/status", map[string]string{"status": "reviewed"})
			var adopted idea.Detail
			if r := w.admin.Do(t, "POST", one+"/status", map[string]string{"status": "adopted"}); r.Status != 200 {
				t.Fatalf("adopt: %d %s", r.Status, r.Body)
			} else {
				r.JSON(t, &adopted)
			}
			p, err := s.App.Programs.Get(s.Ctx(), adopted.ProgramID, true)
			if err != nil || p.Status != "draft" || !strings.Contains(p.Description, w.orgName) {
				t.Fatalf("the adopted idea's program: %+v %v", p, err)
			}
			if r := w.admin.Do(t, "POST", one+"/status", map[string]string{"status": "declined", "reason": "terlambat"}); r.Status != 409 ||
				!strings.Contains(string(r.Body), "an idea that is adopted cannot become declined") {
				t.Errorf("adopted → declined: %d %s", r.Status, r.Body)
			}
			w.admin.Lang = "id"
			if r := w.admin.Do(t, "POST", one+"/status", map[string]string{"status": "reviewed"}); !strings.Contains(string(r.Body), "ide berstatus diadopsi tidak dapat menjadi dikaji") {
				t.Errorf("the refusal in Indonesian: %s", r.Body)
			}

			// A report is the admin's; a hidden idea leaves the lists.
			w.citizen.Do(t, "POST", one+"/report", map[string]string{"reason": "Alasan laporan rahasia"})
			for _, c := range []*apptest.Client{w.anon, w.citizen, w.office} {
				if r := c.Do(t, "GET", one, nil); strings.Contains(string(r.Body), "Alasan laporan rahasia") {
					t.Error("a non-admin reads the report")
				}
			}
			if r := w.admin.Do(t, "GET", one, nil); !strings.Contains(string(r.Body), "Alasan laporan rahasia") {
				t.Errorf("the admin does not read the report: %s", r.Body)
			}
			w.admin.Do(t, "POST", one+"/hide", nil)
			for _, c := range []*apptest.Client{w.anon, w.citizen, w.admin} {
				if r := c.Do(t, "GET", "/api/v1/ideas?limit=500", nil); r.Status != 200 || strings.Contains(string(r.Body), i.ID) {
					t.Errorf("a hidden idea is listed: %d", r.Status)
				}
				if r := c.Do(t, "GET", "/ideas", nil); strings.Contains(string(r.Body), i.ID) {
					t.Error("a hidden idea is on the forum's page")
				}
			}
			for _, c := range []*apptest.Client{w.anon, w.citizen, w.office} {
				if r := c.Do(t, "GET", one, nil); r.Status != http.StatusNotFound {
					t.Errorf("a hidden idea answers %d", r.Status)
				}
				if r := c.Do(t, "GET", "/ideas/"+i.ID, nil); r.Status != http.StatusNotFound {
					t.Errorf("a hidden idea's page answers %d", r.Status)
				}
			}
			if r := w.admin.Do(t, "GET", "/api/v1/ideas?reported=true", nil); !strings.Contains(string(r.Body), i.ID) {
				t.Error("the admin's reported list lacks the hidden idea")
			}
		})
	}
}

// TestIdeaPagesWork proposes, supports and comments through the pages, and
// shows authors by name, never by e-mail.
func TestIdeaPagesWork(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	u, pw := s.User(t, account.Citizen, "31.71.01.1001", "")
	c := s.Client()
	c.Login(t, u.Email, pw)
	r := c.Do(t, "POST", "/ideas", url.Values{"title": {"Taman baca RW 07"}, "body": {"Buku bekas untuk anak-anak."},
		"category": {"education"}, "region": {"31.71.01"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/ideas/") {
		t.Fatalf("propose: %d %s", r.Status, r.Header.Get("Location"))
	}
	page := r.Header.Get("Location")
	if r := c.Do(t, "POST", page+"/support", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("support: %d", r.Status)
	}
	c.Do(t, "POST", page+"/comments", url.Values{"body": {"Saya punya 20 buku."}})
	r = s.Client().Do(t, "GET", page, nil)
	for _, want := range []string{"Taman baca RW 07", "Saya punya 20 buku.", `id="idea-supports">1<`, u.Name} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(string(r.Body), u.Email) || strings.Contains(string(r.Body), u.ID) {
		t.Error("the public page shows the author's e-mail or id")
	}
	if r := s.Client().Do(t, "GET", "/ideas?sort=support&status=proposed", nil); r.Status != 200 || !strings.Contains(string(r.Body), "Taman baca RW 07") {
		t.Errorf("the list: %d", r.Status)
	}
}

// TestForumWritesAreLimitedPerUser: one user's burst of comments stops at the
// limit; another user behind the same address still writes.
func TestForumWritesAreLimitedPerUser(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newIdeaWorld(t, s)
	var i idea.Idea
	w.citizen.Do(t, "POST", "/api/v1/ideas", newIdeaBody("Ide untuk uji batas")).JSON(t, &i)
	path := "/api/v1/ideas/" + i.ID + "/comments"
	limited := 0
	for n := range 70 {
		r := w.citizen.Do(t, "POST", path, map[string]string{"body": "komentar berulang"})
		switch {
		case r.Status == http.StatusTooManyRequests:
			limited++
		case r.Status != http.StatusCreated:
			t.Fatalf("comment %d: %d %s", n, r.Status, r.Body)
		}
	}
	// The proposal counted too: 59 comments pass, 11 are refused.
	if limited != 11 {
		t.Errorf("%d of 70 comments refused, want 11 (60 writes a minute, the proposal among them)", limited)
	}
	if r := w.office.Do(t, "POST", path, map[string]string{"body": "komentar lain"}); r.Status != http.StatusCreated {
		t.Errorf("another user from the same address: %d", r.Status)
	}
}
