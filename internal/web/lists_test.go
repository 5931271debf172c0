package web_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// Lists that page and count, and who serves whom (issue 15 items 1 and 2).

var (
	recipientRow = regexp.MustCompile(`<tr data-status="`)
	prevLink     = regexp.MustCompile(`href="([^"]+)" id="recipients-prev"`)
)

func TestTheCommitmentPagePagesFiltersAndCountsItsRecipients(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	w := newOfficeWorld(t, s, 106, 104)
	cA := commitmentOf(t, s, w.x[0])
	admin := s.Client()
	admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)

	page := func(path string) string {
		t.Helper()
		r := admin.Do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		return string(r.Body)
	}
	seen := map[string]bool{}
	rows := regexp.MustCompile(`<tr data-status="[a-z]+"><td>([^<]+)</td>`)
	path, pages := "/commitments/"+cA, 0
	for path != "" {
		body := page(path)
		pages++
		if !strings.Contains(body, "dari 104 penerima ditampilkan") {
			t.Fatalf("page %d does not show the total of 104: %s", pages, body)
		}
		if pages > 1 && !prevLink.MatchString(body) {
			t.Fatalf("page %d has no previous link", pages)
		}
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			seen[m[1]] = true
		}
		path = ""
		if m := regexp.MustCompile(`href="([^"]+)" id="recipients-next"`).FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if pages != 2 || len(seen) != 104 {
		t.Fatalf("paging reached %d recipients on %d pages, want 104 on 2", len(seen), pages)
	}

	var name string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT t.name FROM allocations a JOIN targets t ON t.id = a.target_id WHERE a.id = $1`, w.x[5]).Scan(&name); err != nil {
		t.Fatal(err)
	}
	body := page("/commitments/" + cA + "?q=" + url.QueryEscape(strings.ToLower(strings.TrimPrefix(name, "Penerima "))))
	if n := len(recipientRow.FindAllString(body, -1)); n != 1 || !strings.Contains(body, "1 dari 1 penerima ditampilkan") {
		t.Fatalf("searching a name found %d rows", n)
	}
	var inRW1 int
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM allocations a JOIN targets t ON t.id = a.target_id
		WHERE a.commitment_id = $1 AND t.rw = 1`, cA).Scan(&inRW1); err != nil || inRW1 == 0 {
		t.Fatalf("allocations in RW 001: %d, %v", inRW1, err)
	}
	body = page("/commitments/" + cA + "?rw=1&kelurahan=31.71.02.1003")
	if want := fmt.Sprintf("%d dari %d penerima ditampilkan", inRW1, inRW1); !strings.Contains(body, want) {
		t.Fatalf("the RW filter does not count %d: %s", inRW1, body)
	}
	if body = page("/commitments/" + cA + "?kelurahan=31.71.02.1001"); !strings.Contains(body, "0 dari 0 penerima ditampilkan") {
		t.Fatalf("another kelurahan's filter shows recipients")
	}
}

func TestAnOfficeSeesWhoServesItsRegionAndNothingElse(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	w := newOfficeWorld(t, s, 3, 2)
	cA, cBX, cBY := commitmentOf(t, s, w.x[0]), commitmentOf(t, s, w.x[2]), commitmentOf(t, s, w.y)
	signIn := func(region string) *apptest.Client {
		u, pw := s.User(t, account.Office, region, "")
		c := s.Client()
		c.Login(t, u.Email, pw)
		return c
	}
	officeX, officeY := signIn("31.71"), signIn("31.74")

	r := officeX.Do(t, "GET", "/commitments", nil)
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, cA) || !strings.Contains(body, cBX) || strings.Contains(body, cBY) {
		t.Fatalf("office of kota X: /commitments %d, want A's and B's commitments in X and not B's in Y: %s", r.Status, body)
	}
	if !strings.Contains(body, "Yayasan Kantor Alfa") || !strings.Contains(body, "Yayasan Kantor Beta") || !strings.Contains(body, "2 dari 2 komitmen ditampilkan") {
		t.Fatalf("office of kota X: the list does not name the organisations or count 2: %s", body)
	}
	r = officeX.Do(t, "GET", "/commitments?org="+w.orgA, nil)
	if body = string(r.Body); r.Status != 200 || !strings.Contains(body, cA) || strings.Contains(body, cBX) || !strings.Contains(body, "1 dari 1 komitmen ditampilkan") {
		t.Fatalf("office of kota X narrowed to organisation A: %d, want A's commitment only: %s", r.Status, body)
	}
	r = officeY.Do(t, "GET", "/commitments", nil)
	if body = string(r.Body); r.Status != 200 || strings.Contains(body, cA) || strings.Contains(body, cBX) || !strings.Contains(body, cBY) {
		t.Fatalf("office of kota Y sees X's commitments or not its own region's: %s", body)
	}
	var name string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT t.name FROM allocations a JOIN targets t ON t.id = a.target_id WHERE a.id = $1`, w.x[0]).Scan(&name); err != nil {
		t.Fatal(err)
	}
	r = officeX.Do(t, "GET", "/commitments/"+cA, nil)
	if body = string(r.Body); r.Status != 200 || !strings.Contains(body, "Yayasan Kantor Alfa") || !strings.Contains(body, name) ||
		strings.Contains(body, `id="cancel"`) {
		t.Fatalf("office of kota X on A's commitment: %d, want its organisation and recipients and no cancel: %s", r.Status, body)
	}
	for _, c := range []struct {
		who          *apptest.Client
		method, path string
	}{
		{officeX, "GET", "/commitments/" + cBY},
		{officeY, "GET", "/commitments/" + cA},
		{officeX, "POST", "/commitments/" + cA + "/cancel"},
	} {
		if r := c.who.Do(t, c.method, c.path, nil); r.Status != 404 {
			t.Errorf("%s %s as an office: %d, want 404", c.method, c.path, r.Status)
		}
	}
	// The admin's list names the organisations too (pages speak Indonesian first).
	admin := s.Client()
	admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	if body := string(admin.Do(t, "GET", "/commitments", nil).Body); !strings.Contains(body, "<th>Organisasi</th>") || !strings.Contains(body, "Yayasan Kantor Beta") {
		t.Fatalf("the admin's list has no organisation column: %s", body)
	}
}

func TestTheRegistryImportsAndDuplicatesSayHowManyAndPageOn(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	newOfficeWorld(t, s, 60, 60)
	admin := s.Client()
	admin.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	get := func(path string) string {
		t.Helper()
		r := admin.Do(t, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		return string(r.Body)
	}
	body := get("/registry")
	if !strings.Contains(body, "50 dari 61 sasaran ditampilkan") {
		t.Fatalf("the registry's first page does not count 50 of 61: %s", body)
	}
	m := regexp.MustCompile(`<a href="(/registry\?[^"]+)" id="targets-next">Halaman berikutnya`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the registry's first page has no next link")
	}
	if body = get(html.UnescapeString(m[1])); !strings.Contains(body, "11 dari 61 sasaran ditampilkan") {
		t.Fatalf("the registry's second page does not count 11 of 61: %s", body)
	}
	if body = get("/registry?q=setia+budi"); !strings.Contains(body, "1 dari 1 sasaran ditampilkan") {
		t.Fatalf("the registry's search does not count 1: %s", body)
	}
	if body = get("/imports"); !strings.Contains(body, "2 dari 2 impor ditampilkan") {
		t.Fatalf("the imports page does not count 2: %s", body)
	}
	if body = get("/duplicates"); !strings.Contains(body, "0 dari 0 pasangan ditampilkan") {
		t.Fatalf("the duplicates page does not count 0: %s", body)
	}
}
