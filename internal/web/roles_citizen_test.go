package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// The citizen in the role table (issue 14): besides what each row checks for every
// role, every page a citizen opens must link only to what it can open. The menu
// (layout.html) shows items by permission; a link to a route a citizen holds no
// permission for would lead it to "not found", and tell it what staff have.

// linkAttr finds the same-site targets a page leads to with a GET: links and htmx
// loads. Forms are not followed (they write); their actions are checked apart.
var linkAttr = regexp.MustCompile(`\s(?:href|hx-get)="(/[^"/][^"]*|/)"`)

// formTag finds a page's forms; attr reads one attribute of a tag.
var (
	formTag = regexp.MustCompile(`<form\b[^>]*>`)
	attr    = func(tag, name string) string {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
)

// citizenLinks are what a page leads to with a GET (links, htmx loads, forms that
// get) and where its forms that write send (an empty action sends to the page).
func citizenLinks(body string) (links, posts []string) {
	for _, m := range linkAttr.FindAllStringSubmatch(body, -1) {
		u := html.UnescapeString(m[1])
		if i := strings.IndexByte(u, '#'); i >= 0 {
			u = u[:i]
		}
		links = append(links, u)
	}
	for _, tag := range formTag.FindAllString(body, -1) {
		action := attr(tag, "action")
		if !strings.EqualFold(attr(tag, "method"), "post") {
			if strings.HasPrefix(action, "/") {
				links = append(links, action)
			}
			continue
		}
		posts = append(posts, action)
	}
	return links, posts
}

// closedToCitizen says, for a request, whether the role table expects the citizen
// to get 404 from its route in every row that asks it: a page that offers the
// citizen a form sending there offers an action it may not take.
func closedToCitizen(t *testing.T) func(method, path string) bool {
	t.Helper()
	mux := http.NewServeMux()
	for _, p := range registeredPatterns(t) {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	pattern := func(method, path string) string {
		_, p := mux.Handler(httptest.NewRequest(method, path, nil))
		return p
	}
	dummy := &roleFixture{}
	open := map[string]bool{}
	closed := map[string]bool{}
	for _, row := range roleTable() {
		p := pattern(row.method, expandPath(row.path, dummy, "fresh-id"))
		if row.want.of(citizen) == http.StatusNotFound {
			closed[p] = true
		} else {
			open[p] = true
		}
	}
	return func(method, path string) bool {
		p := pattern(method, path)
		return closed[p] && !open[p]
	}
}

// checkCitizenLinks follows, as the citizen, every link of a page the citizen
// opened (each link once per fixture, in a session of its own so that switching
// the language does not change the rows' session) and fails for one that leads
// nowhere or back to the login form.
func (f *roleFixture) checkCitizenLinks(t *testing.T, path string, res apptest.Response) {
	t.Helper()
	if !strings.Contains(res.Header.Get("Content-Type"), "text/html") || res.Status != http.StatusOK {
		return
	}
	if f.citizenLinksSeen == nil {
		f.citizenLinksSeen = map[string]int{}
		f.citizenLinkClient = f.sessionFor(t, citizen)
	}
	links, forms := citizenLinks(string(res.Body))
	for _, link := range links {
		status, seen := f.citizenLinksSeen[link]
		if !seen {
			r := f.citizenLinkClient.Do(t, "GET", link, nil)
			status = r.Status
			if loc := r.Header.Get("Location"); r.Status == http.StatusSeeOther && strings.HasPrefix(loc, "/login") {
				status = http.StatusUnauthorized
			}
			f.citizenLinksSeen[link] = status
		}
		if status == http.StatusNotFound || status == http.StatusUnauthorized || status >= 500 {
			t.Errorf("%s shows the citizen a link to %s, which answers it %d", path, link, status)
		}
	}
	if f.citizenClosed == nil {
		f.citizenClosed = closedToCitizen(t)
	}
	for _, action := range forms {
		if action == "" {
			action = path
		}
		if f.citizenClosed("POST", action) {
			t.Errorf("%s shows the citizen a form sending to %s, which the role table closes to it", path, action)
		}
	}
}

func TestCitizenLinksAreFound(t *testing.T) {
	page := `<nav><a class="brand" href="/">Gotong</a><a href="/programs?x=1&amp;y=2#top">P</a>
		<a href="https://example.org/">out</a><a href="//cdn.example/x">cdn</a><div hx-get="/needs/rows"></div>
		<form method="post" action="/logout" class="inline"></form><form action="/regions"></form>
		<form method="POST" action="/admin/users?a=1&amp;b=2"></form><form method="post"></form></nav>`
	links, forms := citizenLinks(page)
	if got, want := strings.Join(links, " "), "/ /programs?x=1&y=2 /needs/rows /regions"; got != want {
		t.Errorf("links %q, want %q", got, want)
	}
	if got, want := strings.Join(forms, " "), "/logout /admin/users?a=1&b=2 "; got != want {
		t.Errorf("forms %q, want %q", got, want)
	}
}

// A citizen signs in with the login form and finds its account in both languages:
// the role in words (never the code "role citizen"), its region, and the form
// that makes it an API token; the API says the same of it through the session.
func TestCitizenAccountInBothLanguages(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	u, pw := createUser(t, s, "warga.bahasa@warga.example", account.Citizen, citizenRegion)
	c := s.Client()
	c.Login(t, u.Email, pw)

	var me account.User
	c.Do(t, "GET", "/api/v1/me", nil).JSON(t, &me)
	if me.ID != u.ID || me.Role != account.Citizen || me.Region != citizenRegion || me.OrgID != "" {
		t.Errorf("GET /api/v1/me with the citizen's session: %+v", me)
	}
	for _, lang := range []struct{ code, role string }{{"id", "Warga"}, {"en", "Citizen"}} {
		if res := c.Do(t, "GET", "/lang/"+lang.code+"?next=/account", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("switching to %s: %d", lang.code, res.Status)
		}
		res := c.Do(t, "GET", "/account", nil)
		b := string(res.Body)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: GET /account answers %d", lang.code, res.Status)
		}
		for _, want := range []string{`id="account-role">` + lang.role + `<`, citizenRegion, u.Email, `action="/account/tokens"`} {
			if !strings.Contains(b, want) {
				t.Errorf("%s: the citizen's account page lacks %q", lang.code, want)
			}
		}
		if strings.Contains(b, "role citizen") {
			t.Errorf("%s: the citizen's account page shows the code \"role citizen\"", lang.code)
		}
	}
}

// How a row is read for the citizen: the helpers say it, a literal of six values
// has it derived, and a 7th value overrides the derivation.
func TestStatusesForCitizen(t *testing.T) {
	for _, c := range []struct {
		name    string
		s       statuses
		want    int
		derived bool
	}{
		{"every signed-in caller, on the API", apiSignedIn(200), 200, false},
		{"every signed-in caller, on pages", pageSignedIn(303), 303, false},
		{"everyone", everyone(201), 201, false},
		{"admins only", apiAdmin(200), 404, false},
		{"the registry's pages", pageRegistry(200), 404, false},
		{"an organisation's own, turned away anonymously", statuses{401, 200, 404, 404, 404, 200}, 404, true},
		{"a page of staff", statuses{303, 404, 404, 200, 200, 200}, 404, true},
		{"public", statuses{200, 200, 200, 200, 200, 200}, 200, true},
		{"public, but not to the signed-in", statuses{200, 303, 303, 303, 303, 303}, 200, true},
		{"the row says", statuses{200, 303, 303, 303, 303, 303, 303}, 303, false},
	} {
		got, derived := c.s.forCitizen()
		if got != c.want || derived != c.derived || c.s.of(citizen) != c.want {
			t.Errorf("%s: %v reads %d (derived %v) for the citizen; want %d (%v)", c.name, c.s, got, derived, c.want, c.derived)
		}
		if c.s.of(admin) != c.s[admin] {
			t.Errorf("%s: of(admin) is not the row's own", c.name)
		}
	}
}

func TestRedirectForCitizen(t *testing.T) {
	six := [nRoles]string{"/login?next=", "/a/", "", "/b/", "", ""}
	for _, c := range []struct {
		name string
		row  roleRow
		want string
	}{
		{"the row says", roleRow{want: pageSignedIn(303), to: toLogin("/x/")}, "/x/"},
		{"a signed-in role with the citizen's status", roleRow{want: statuses{303, 404, 303, 303, 404, 404, 303}, to: six}, "/b/"},
		{"the first such role", roleRow{want: statuses{303, 303, 303, 303, 404, 404, 303}, to: six}, "/a/"},
		{"no signed-in role shares it", roleRow{want: statuses{303, 303, 303, 303, 303, 303, 200}, to: six}, ""},
	} {
		if got := c.row.redirectFor(citizen); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if got := c.row.redirectFor(collabA); got != c.row.to[collabA] {
			t.Errorf("%s: collaborator A's is %q, not the row's own", c.name, got)
		}
	}
}
