package web_test

import (
	"net/url"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/idea"
)

// ideaFixture is the forum of the role table, made on first use: an idea by a
// citizen with a comment and organisation A's offer, and a reported idea the
// admin hid.
type ideaFixture struct {
	author      idea.Who
	open, gone  string // idea ids
	reportWords string
}

const (
	ideaTitleOpen = "Ide Forum Peran Terbuka"
	ideaTitleGone = "Ide Forum Peran Tersembunyi"
	ideaComment   = "Komentar warga peran"
	ideaReport    = "Alasan laporan peran rahasia"
)

var ideaFixtures sync.Map // *roleFixture → *ideaFixture

func (f *roleFixture) ideas(t *testing.T) *ideaFixture {
	t.Helper()
	if v, ok := ideaFixtures.Load(f); ok {
		return v.(*ideaFixture)
	}
	u, err := f.s.App.Accounts.CreateUser(f.s.Ctx(), account.NewUser{Email: f.s.Unique("warga.peran") + "@warga.example",
		Name: "Warga Forum Peran", Role: string(account.Citizen), Region: "31.71.01.1001", Password: "kata-sandi-" + f.s.Unique("pw")})
	if err != nil {
		t.Fatal(err)
	}
	x := &ideaFixture{author: u.Principal()}
	svc, ctx := f.s.App.Ideas, f.s.Ctx()
	x.open = f.newIdea(t, x.author, ideaTitleOpen)
	if _, err := svc.Comment(ctx, x.author, x.open, ideaComment); err != nil {
		t.Fatal(err)
	}
	a, err := f.s.App.Accounts.User(ctx, f.users[collabA].ID) // verified since the fixture registered it
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MakeOffer(ctx, a.Principal(), x.open, "Beras 100 kg dari organisasi A"); err != nil {
		t.Fatal(err)
	}
	x.gone = f.newIdea(t, x.author, ideaTitleGone)
	if err := svc.ReportIdea(ctx, x.author, x.gone, ideaReport); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Hide(ctx, f.users[admin].Principal(), x.gone, "iklan"); err != nil {
		t.Fatal(err)
	}
	ideaFixtures.Store(f, x)
	return x
}

func (f *roleFixture) newIdea(t *testing.T, who idea.Who, title string) string {
	t.Helper()
	i, err := f.s.App.Ideas.Propose(f.s.Ctx(), who, idea.NewIdea{Title: title, Body: "Dapur umum untuk warga isolasi mandiri.",
		Category: "food", Region: "31.71.01.1001", Needs: "Relawan"})
	if err != nil {
		t.Fatal(err)
	}
	return i.ID
}

// ideaRows are the role rows of the forum (issue 14). Reading is public; anyone
// signed in takes part; verified organisations offer; the admin moves and hides
// ideas and alone reads reports and hidden ideas. The rows that read come
// first: the rows that write add ideas and comments under the role users'
// names, which other roles' reads would then show (a collaborator's user name
// is the contact name of its organisation, which the table keeps secret).
func ideaRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	fixture := func(t *testing.T, f *roleFixture) freshObjects { f.ideas(t); return freshObjects{} }
	open := func(t *testing.T, f *roleFixture) freshObjects { return freshObjects{id: f.ideas(t).open} }
	gone := func(t *testing.T, f *roleFixture) freshObjects {
		return freshObjects{id: f.ideas(t).gone, hide: []string{ideaReport}}
	}
	// acted gives a row a new idea and checks afterwards that the change
	// (a query counting it, given the idea's id) happened exactly when may says.
	acted := func(body any, count string, may func(role) bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			id := f.newIdea(t, f.ideas(t).author, f.s.Unique("Ide Baru Peran "))
			return freshObjects{id: id, body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				if n := f.count(t, count, id); (n > 0) != may(r) {
					t.Errorf("%d changes after the request; the role may make it: %v", n, may(r))
				}
			}}
		}
	}
	signedIn := func(r role) bool { return r != anonymous }
	verified := func(r role) bool { return r == collabA || r == collabB }
	newIdea := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			title := f.s.Unique("Ide Usulan Peran ")
			var body any = map[string]string{"title": title, "body": "Isi ide yang cukup panjang.", "category": "health", "region": "31.74"}
			if form {
				body = url.Values{"title": {title}, "body": {"Isi ide yang cukup panjang."}, "category": {"health"}, "region": {"31.74"}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				if n := f.count(t, `SELECT COUNT(*) FROM ideas WHERE title = $1`, title); (n == 1) != signedIn(r) {
					t.Errorf("%d ideas titled %q after the request", n, title)
				}
			}}
		}
	}
	supports := `SELECT COUNT(*) FROM idea_supports WHERE idea_id = $1`
	comments := `SELECT COUNT(*) FROM idea_comments WHERE idea_id = $1`
	offers := `SELECT COUNT(*) FROM idea_offers WHERE idea_id = $1`
	reviewed := `SELECT COUNT(*) FROM ideas WHERE id = $1 AND status = 'reviewed'`
	reports := `SELECT COUNT(*) FROM idea_reports WHERE idea_id = $1`
	hidden := `SELECT COUNT(*) FROM ideas WHERE id = $1 AND hidden = TRUE`
	offerStatus, offerPage := statuses{401, 201, 201, 404, 404, 404}, statuses{303, 303, 303, 404, 404, 404}
	onlyAdmin := statuses{404, 404, 404, 404, 404, 200}
	return []roleRow{
		// Reads: public; a hidden idea is the admin's alone, with its report.
		{method: "GET", path: "/api/v1/ideas?limit=500", want: everyone(200), show: text(ideaTitleOpen), hide: text(ideaTitleGone), fresh: fixture},
		{method: "GET", path: "/api/v1/ideas/{fresh}", want: everyone(200), show: text(ideaTitleOpen, ideaComment, "Warga Forum Peran"),
			hide: text(ideaReport), fresh: open, publicSide: true},
		{method: "GET", path: "/api/v1/ideas/{fresh}", want: onlyAdmin, show: text(ideaTitleGone, ideaReport), fresh: gone},
		{method: "GET", path: "/ideas", want: everyone(200), show: text(ideaTitleOpen, `id="ideas"`), hide: text(ideaTitleGone), fresh: fixture},
		{method: "GET", path: "/ideas/{fresh}", want: everyone(200), show: text(ideaTitleOpen, ideaComment), fresh: open, publicSide: true},
		{method: "GET", path: "/ideas/{fresh}", want: onlyAdmin, show: text(ideaTitleGone, ideaReport), fresh: gone},

		// Writes through the API.
		{method: "POST", path: "/api/v1/ideas", want: apiSignedIn(201), show: text(`"status":"proposed"`), fresh: newIdea(false)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/support", want: apiSignedIn(200), show: text(`"supports":1`, `"supported":true`),
			fresh: acted(nil, supports, signedIn)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/comments", want: apiSignedIn(201), show: text("Komentar baris peran"),
			fresh: acted(map[string]string{"body": "Komentar baris peran"}, comments, signedIn)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/offers", want: offerStatus, show: text("Tenda dan relawan"),
			fresh: acted(map[string]string{"offer": "Tenda dan relawan"}, offers, verified)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/status", want: apiAdmin(200), show: text(`"status":"reviewed"`),
			fresh: acted(map[string]string{"status": "reviewed"}, reviewed, isAdmin)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/report", want: apiSignedIn(201), show: text(`"reported":true`),
			fresh: acted(map[string]string{"reason": "bukan ide untuk kota"}, reports, signedIn)},
		{method: "POST", path: "/api/v1/ideas/{fresh}/hide", want: apiAdmin(200), show: text(`"hidden":true`),
			fresh: acted(map[string]string{"reason": "iklan"}, hidden, isAdmin)},

		// Writes through the pages.
		{method: "POST", path: "/ideas", want: pageSignedIn(303), to: toLogin("/ideas/"), fresh: newIdea(true)},
		{method: "POST", path: "/ideas/{fresh}/support", want: pageSignedIn(303), to: toLogin("/ideas/"),
			fresh: acted(url.Values{}, supports, signedIn)},
		{method: "POST", path: "/ideas/{fresh}/comments", want: pageSignedIn(303), to: toLogin("/ideas/"),
			fresh: acted(url.Values{"body": {"Komentar halaman peran"}}, comments, signedIn)},
		{method: "POST", path: "/ideas/{fresh}/offers", want: offerPage, to: toLogin("/ideas/"),
			fresh: acted(url.Values{"offer": {"Tenda dan relawan"}}, offers, verified)},
		{method: "POST", path: "/ideas/{fresh}/status", want: pageAdmin(303), to: toLogin("/ideas/"),
			fresh: acted(url.Values{"status": {"reviewed"}}, reviewed, isAdmin)},
		{method: "POST", path: "/ideas/{fresh}/report", want: pageSignedIn(303), to: toLogin("/ideas/"),
			fresh: acted(url.Values{"reason": {"bukan ide untuk kota"}}, reports, signedIn)},
		{method: "POST", path: "/ideas/{fresh}/hide", want: pageAdmin(303), to: toLogin("/ideas/"),
			fresh: acted(url.Values{"reason": {"iklan"}}, hidden, isAdmin)},
	}
}
