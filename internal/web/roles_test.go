package web_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/web"
)

// The role table of DESIGN.md §6: every endpoint, API and pages, asked by every kind
// of caller. Each row says what each caller gets and the table checks, for every
// answer, that nothing the caller may not see is in the body: another organisation's
// name and contacts, other users' emails, password and token hashes, tokens and
// session cookies; registry data of another region; unmasked NIKs and No. KKs and
// sensitive health tags outside the office of their region (not even admins). What a
// caller may not see answers 404, never 403; anonymous callers get 401 on the API and
// a redirect to /login on pages.

// role is a kind of caller.
type role int

const (
	anonymous role = iota
	collabA        // member of verified organisation A
	collabB        // member of verified organisation B
	officeX        // office of Jakarta Pusat (31.71)
	officeY        // office of Jakarta Selatan (31.74)
	admin
	// citizen is a person who registered by themselves, living in a kelurahan of
	// kota X (31.71.01.1001, where the registry's Bambang lives): no organisation,
	// no office. It comes last so that a literal statuses{…} of the six roles above
	// still compiles; see statuses for how such a row is read for the citizen.
	citizen
	nRoles
)

// citizenRegion is the citizen's kelurahan (in kota X).
const citizenRegion = "31.71.01.1001"

var roleNames = [nRoles]string{"anonymous", "collaborator of org A", "collaborator of org B",
	"office of kota X (31.71)", "office of kota Y (31.74)", "admin", "citizen of kota X (31.71.01.1001)"}

// isOffice says whether r is one of the two offices.
func isOffice(r role) bool { return r == officeX || r == officeY }

func (r role) String() string { return roleNames[r] }

// statuses are the expected status codes, one per role in the order above. The
// helpers below (everyone, apiSignedIn, apiAdmin, pageSignedIn, …) give the
// citizen's code explicitly: a signed-in caller gets what every signed-in caller
// gets, and what is for staff, collaborators or admins does not exist for it. A
// literal of six values leaves the citizen's code 0; forCitizen derives it then,
// and the table fails with a message asking for the code in the row when the
// server answers otherwise, so that a row is fixed rather than silently guessed.
type statuses [nRoles]int

// forCitizen is the code a row expects for the citizen: its own when the row
// gives one; else, when anonymous callers are turned away (401 on the API, 303
// to the login form on pages), 404 — the route is for some signed-in callers and
// a citizen holds none of the permissions beyond its own account, programs and
// coverage; else (a public answer) what anonymous gets.
func (s statuses) forCitizen() (code int, derived bool) {
	if s[citizen] != 0 {
		return s[citizen], false
	}
	if a := s[anonymous]; a == http.StatusUnauthorized || a == http.StatusSeeOther {
		return http.StatusNotFound, true
	}
	return s[anonymous], true
}

// redirectFor is the Location prefix the row expects for r. A row of six values
// gives the citizen none: it is then the first one given to a signed-in role that
// expects the citizen's status (a signed-in caller is sent where the others are).
func (row roleRow) redirectFor(r role) string {
	if r != citizen || row.to[citizen] != "" {
		return row.to[r]
	}
	want := row.want.of(citizen)
	for o := collabA; o < citizen; o++ {
		if row.want[o] == want && row.to[o] != "" {
			return row.to[o]
		}
	}
	return ""
}

// of is the code the row expects for r.
func (s statuses) of(r role) int {
	if r == citizen {
		c, _ := s.forCitizen()
		return c
	}
	return s[r]
}

func everyone(code int) statuses {
	var s statuses
	for i := range s {
		s[i] = code
	}
	return s
}

var (
	// apiSignedIn: any signed-in caller; anonymous is unauthorized.
	apiSignedIn = func(code int) statuses { return statuses{401, code, code, code, code, code, code} }
	// apiAdmin: admins only; to the other signed-in callers the endpoint does not exist.
	apiAdmin = func(code int) statuses { return statuses{401, 404, 404, 404, 404, code, 404} }
	// pageSignedIn and pageAdmin: the same for pages, where anonymous is sent to /login.
	pageSignedIn = func(code int) statuses { return statuses{303, code, code, code, code, code, code} }
	pageAdmin    = func(code int) statuses { return statuses{303, 404, 404, 404, 404, code, 404} }
	// The registry: offices and admins; collaborators do not know it exists. In X
	// and in Y: an object of kota X (31.71) or kota Y (31.74), which the other
	// office may not see.
	apiRegistry  = func(code int) statuses { return statuses{401, 404, 404, code, code, code, 404} }
	apiInX       = func(code int) statuses { return statuses{401, 404, 404, code, 404, code, 404} }
	apiInY       = func(code int) statuses { return statuses{401, 404, 404, 404, code, code, 404} }
	pageRegistry = func(code int) statuses { return statuses{303, 404, 404, code, code, code, 404} }
	pageInX      = func(code int) statuses { return statuses{303, 404, 404, code, 404, code, 404} }
	pageInY      = func(code int) statuses { return statuses{303, 404, 404, 404, code, code, 404} }
)

// toLogin expects anonymous to be sent to the login form and the others to then.
func toLogin(then string) [nRoles]string {
	return [nRoles]string{"/login?next=", then, then, then, then, then, then}
}

// roleRow is one endpoint asked by every role.
type roleRow struct {
	method string
	// path may hold {orgA}, {orgB} and {userA}, the registry objects {targetX},
	// {targetY}, {importX}, {importY} and {dupX} (the fixture's objects) and {fresh}
	// (the row's own object, see fresh).
	path string
	body any // nil, a JSON value, url.Values for a form, or a fileUpload
	want statuses
	// to, where set for a role, is the prefix the Location of its redirect must have.
	to [nRoles]string
	// show lists text the body must hold when the role gets a 2xx answer, so that
	// an empty body cannot pass for one that hides well.
	show func(f *roleFixture, r role) []string
	// hide lists text the body must not hold for the role, beyond the fixture's
	// secrets (ids of another region's objects, for example).
	hide func(f *roleFixture, r role) []string
	// fresh makes, for each role, the objects the row changes, so that rows do not
	// interfere (a user deleted by one role is not the one the next role deletes).
	fresh func(t *testing.T, f *roleFixture) freshObjects
	// freshFor is fresh for objects that belong to the role itself (its own
	// session, for one).
	freshFor func(t *testing.T, f *roleFixture, r role) freshObjects
	// newSession gives a signed-in role a session of its own for this row (signing
	// in again, signing out and switching language change the session).
	newSession bool
	// publicSide marks the public pages of monitoring (issue 12), which name the
	// verified collaborators and what they delivered: secrets marked public may
	// show there, to anyone.
	publicSide bool
}

type freshObjects struct {
	id   string // replaces {fresh} in the path
	body any    // replaces the row's body when not nil
	// hide is text only admins may see.
	hide []string
	// after checks that the change happened exactly when the role may make it.
	after func(t *testing.T, r role, c *apptest.Client)
	// client, when set, makes the request instead of the role's usual client.
	client *apptest.Client
}

// secret is text that only admins and the roles in seenBy may see; with notAdmin,
// only the roles in seenBy.
type secret struct {
	text     string
	seenBy   []role
	notAdmin bool
	// public: the public side shows it (a verified collaborator's name).
	public bool
}

// fileUpload is a row body sent as the multipart form of an import.
type fileUpload struct {
	kind, filename string
	content        []byte
}

// registryFixture is the registry every row sees: a household file imported by
// each office for its own kota, each with a pair of possible duplicates (one NIK
// under two No. KK) and, for X, a rejected row.
type registryFixture struct {
	targetX, targetY string // the households of Bambang (31.71) and Dewi (31.74)
	importX, importY string
	dupX, dupY       string
	nameX, nameY     string
	fileX, fileY     string
	// niksX and niksY are each file's NIKs and No. KKs, unmasked: the head's NIK,
	// the NIK under two No. KK, the head's No. KK and the second No. KK.
	niksX, niksY []string
}

// roleFixture is the world every row runs in: two verified organisations, a user of
// each role with an API client (bearer token) and a page client (session cookie).
type roleFixture struct {
	s         *apptest.Server
	orgA      account.Org
	orgB      account.Org
	users     [nRoles]account.User // zero for anonymous
	passwords [nRoles]string
	api       [nRoles]*apptest.Client
	page      [nRoles]*apptest.Client
	secrets   []secret
	reg       registryFixture
	prog      programFixture
	office    officeFixture
	// never is text no body may hold, whoever asks: tokens given out and session
	// cookies of the fixture.
	never []string
	// The links the citizen's pages lead to, with the status each answered the
	// citizen, and the session that followed them (checkCitizenLinks).
	citizenLinksSeen  map[string]int
	citizenLinkClient *apptest.Client
	citizenClosed     func(method, path string) bool
	// downloadOf names the download route of a request (downloads_audit_test.go).
	downloadOf func(method, path string) string
}

func newRoleFixture(t *testing.T, s *apptest.Server) *roleFixture {
	t.Helper()
	f := &roleFixture{s: s}
	f.orgA, f.users[collabA], f.passwords[collabA] = registerOrg(t, s, "Yayasan Alfa Rahasia", "kontak.alfa@alfa-org.example",
		"Bu Alfa Kontak", "0813-1111-0001", "kolab.alfa@alfa-org.example")
	f.orgB, f.users[collabB], f.passwords[collabB] = registerOrg(t, s, "Yayasan Beta Rahasia", "kontak.beta@beta-org.example",
		"Pak Beta Kontak", "0813-2222-0002", "kolab.beta@beta-org.example")
	for _, o := range []*account.Org{&f.orgA, &f.orgB} {
		var err error
		if *o, err = s.App.Accounts.DecideOrg(s.Ctx(), o.ID, account.OrgVerified, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.users[officeX], f.passwords[officeX] = createUser(t, s, "kantor.pusat@pemda-x.example", account.Office, "31.71")
	f.users[officeY], f.passwords[officeY] = createUser(t, s, "kantor.utara@pemda-y.example", account.Office, "31.74")
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	f.users[admin], f.passwords[admin] = a, apptest.AdminPassword
	f.users[citizen], f.passwords[citizen] = createUser(t, s, "warga.pusat@warga.example", account.Citizen, citizenRegion)

	for r := anonymous; r < nRoles; r++ {
		f.api[r], f.page[r] = s.Client(), s.Client()
		if r == anonymous {
			continue
		}
		f.api[r] = s.As(t, f.users[r].ID)
		f.page[r].Login(t, f.users[r].Email, f.passwords[r])
		f.never = append(f.never, f.api[r].Token, sessionCookie(t, f.page[r]))
	}

	// An organisation's name is also the offices' to see: the 3W and the dashboard
	// name who does what in their region (the rows make commitments in both kota).
	orgSecrets := func(o account.Org, seenBy role) {
		f.secrets = append(f.secrets, secret{text: o.Name, seenBy: []role{seenBy, officeX, officeY}, public: true})
		for _, text := range []string{o.ContactName, o.ContactEmail, strings.TrimPrefix(o.ContactPhone, "+62")} {
			f.secrets = append(f.secrets, secret{text: text, seenBy: []role{seenBy}})
		}
	}
	orgSecrets(f.orgA, collabA)
	orgSecrets(f.orgB, collabB)
	for r := collabA; r < nRoles; r++ {
		f.secrets = append(f.secrets, secret{text: f.users[r].Email, seenBy: []role{r}})
	}
	f.seedRegistry(t)
	f.seedPrograms(t)
	f.seedOffice(t)
	return f
}

// seedRegistry imports each office's household file and records what only that
// office (and, for names, an admin) may see.
func (f *roleFixture) seedRegistry(t *testing.T) {
	t.Helper()
	x := &f.reg
	x.nameX, x.nameY = "Bambang Rahasia Pusat", "Dewi Rahasia Selatan"
	x.fileX, x.fileY = "warga-pusat-rahasia.csv", "warga-selatan-rahasia.csv"
	nikX, nikX2 := nikOf("317101", "1961-08-17", false, 7101), nikOf("317101", "1965-02-03", true, 7102)
	kkX, kkX2 := kkOf("317101", 7111), kkOf("317101", 7112)
	nikY, nikY2 := nikOf("317401", "1970-04-21", true, 7401), nikOf("317401", "1968-09-09", false, 7402)
	kkY, kkY2 := kkOf("317401", 7411), kkOf("317401", 7412)
	x.niksX, x.niksY = []string{nikX, nikX2, kkX, kkX2}, []string{nikY, nikY2, kkY, kkY2}

	// Sulastri's NIK is under two No. KK: a pair to review. The last row lies in
	// 31.74, outside the office's kota: rejected (line 5).
	fileX := householdHeader +
		hhRow(kkX, nikX, x.nameX, "1961-08-17", "L", "Kepala Keluarga", "31.71.01.1001", "4", "2", "Jl. Rahasia Pusat No. 1", "081211110001", "lansia,isoman") +
		hhRow(kkX, nikX2, "Sulastri Rahasia Pusat", "1965-02-03", "P", "Istri", "31.71.01.1001", "4", "2", "Jl. Rahasia Pusat No. 1", "", "") +
		hhRow(kkX2, nikX2, "Sulastri Rahasia Pusat", "1965-02-03", "P", "Kepala Keluarga", "31.71.01.1003", "1", "1", "Jl. Rahasia Pusat No. 9", "", "") +
		hhRow(kkOf("317401", 7109), nikOf("317401", "1990-01-01", false, 7109), "Baris Luar Wilayah", "1990-01-01", "L", "Kepala Keluarga",
			"31.74.01.1001", "1", "1", "Jl. Luar No. 1", "", "")
	fileY := householdHeader +
		hhRow(kkY, nikY, x.nameY, "1970-04-21", "P", "Kepala Keluarga", "31.74.01.1001", "7", "3", "Jl. Rahasia Selatan No. 2", "081222220002", "disabilitas") +
		hhRow(kkY, nikY2, "Joko Rahasia Selatan", "1968-09-09", "L", "Suami", "31.74.01.1001", "7", "3", "Jl. Rahasia Selatan No. 2", "", "") +
		hhRow(kkY2, nikY2, "Joko Rahasia Selatan", "1968-09-09", "L", "Kepala Keluarga", "31.74.01.1002", "2", "2", "Jl. Rahasia Selatan No. 8", "", "")
	imX := importAs(t, f.s, importer(f.users[officeX]), x.fileX, fileX)
	imY := importAs(t, f.s, importer(f.users[officeY]), x.fileY, fileY)
	if imX.Accepted != 2 || imX.Review != 1 || imX.Rejected != 1 || imY.Accepted != 2 || imY.Review != 1 {
		t.Fatalf("fixture imports: %+v\n%+v", imX, imY)
	}
	x.importX, x.importY = imX.ID, imY.ID
	one := func(query string, args ...any) string {
		t.Helper()
		var id string
		if n := f.count(t, `SELECT COUNT(*) FROM (`+query+`) q`, args...); n != 1 {
			t.Fatalf("%s: %d rows, want 1", query, n)
		}
		if err := f.s.App.DB.R().QueryRowContext(context.Background(), query, args...).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	x.targetX = one(`SELECT id FROM targets WHERE name = $1`, x.nameX)
	x.targetY = one(`SELECT id FROM targets WHERE name = $1`, x.nameY)
	x.dupX = one(`SELECT id FROM duplicates WHERE import_id = $1`, imX.ID)
	x.dupY = one(`SELECT id FROM duplicates WHERE import_id = $1`, imY.ID)

	for _, sec := range []struct {
		texts []string
		by    role
	}{
		{[]string{x.nameX, "Sulastri Rahasia Pusat", "Jl. Rahasia Pusat", "81211110001", x.fileX}, officeX},
		{[]string{x.nameY, "Joko Rahasia Selatan", "Jl. Rahasia Selatan", "81222220002", x.fileY}, officeY},
	} {
		for _, text := range sec.texts {
			f.secrets = append(f.secrets, secret{text: text, seenBy: []role{sec.by}})
		}
	}
	// Need to know: only the office of the region sees NIK and No. KK unmasked and
	// the sensitive health tags; admins see them masked and not at all.
	for _, n := range x.niksX {
		f.secrets = append(f.secrets, secret{text: n, seenBy: []role{officeX}, notAdmin: true})
	}
	for _, n := range x.niksY {
		f.secrets = append(f.secrets, secret{text: n, seenBy: []role{officeY}, notAdmin: true})
	}
	f.secrets = append(f.secrets, secret{text: "isoman", seenBy: []role{officeX}, notAdmin: true},
		secret{text: "disabilitas", seenBy: []role{officeY}, notAdmin: true})
}

func registerOrg(t *testing.T, s *apptest.Server, name, contactEmail, contactName, phone, userEmail string) (account.Org, account.User, string) {
	t.Helper()
	var in account.Registration
	in.Name, in.Kind, in.ContactName, in.ContactEmail, in.ContactPhone = name, "ngo", contactName, contactEmail, phone
	in.User.Email, in.User.Password = userEmail, "kata-sandi-"+s.Unique("pw")
	o, u, err := s.App.Accounts.Register(s.Ctx(), in)
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return o, u, in.User.Password
}

func createUser(t *testing.T, s *apptest.Server, email string, r account.Role, regionCode string) (account.User, string) {
	t.Helper()
	pw := "kata-sandi-" + s.Unique("pw")
	name := "Petugas " + email
	if r == account.Citizen {
		name = "Warga " + email
	}
	u, err := s.App.Accounts.CreateUser(s.Ctx(), account.NewUser{Email: email, Name: name,
		Role: string(r), Region: regionCode, Password: pw})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u, pw
}

// sessionCookie returns the value of the client's session cookie.
func sessionCookie(t *testing.T, c *apptest.Client) string {
	t.Helper()
	u, _ := url.Parse(c.S.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "gotong_session" {
			return ck.Value
		}
	}
	t.Fatal("the client has no session cookie")
	return ""
}

// sessionFor returns a client of its own, signed in as r (anonymous: not signed in).
func (f *roleFixture) sessionFor(t *testing.T, r role) *apptest.Client {
	t.Helper()
	c := f.s.Client()
	if r != anonymous {
		c.Login(t, f.users[r].Email, f.passwords[r])
	}
	return c
}

// freshUser creates an office user that only the row using it touches.
func (f *roleFixture) freshUser(t *testing.T) account.User {
	t.Helper()
	u, _ := createUser(t, f.s, f.s.Unique("fresh.user")+"@pemda-z.example", account.Office, "31.73")
	return u
}

// freshPendingOrg registers an organisation that only the row using it touches.
func (f *roleFixture) freshPendingOrg(t *testing.T) account.Org {
	t.Helper()
	n := f.s.Unique("")
	o, _, _ := registerOrg(t, f.s, "Yayasan Segar "+n, "kontak.segar"+n+"@segar.example", "Kontak Segar",
		"081234567890", "kolab.segar"+n+"@segar.example")
	return o
}

func (f *roleFixture) userLive(t *testing.T, id string) bool {
	t.Helper()
	_, err := f.s.App.Accounts.User(context.Background(), id)
	return err == nil
}

func (f *roleFixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.s.App.DB.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *roleFixture) tokenHashes(t *testing.T) []string {
	t.Helper()
	rows, err := f.s.App.DB.R().QueryContext(context.Background(), `SELECT token_hash FROM api_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func isAdmin(r role) bool { return r == admin }

// roleTable is every endpoint of the server; TestRoleTableCoversEveryRoute keeps it
// complete.
func roleTable() []roleRow {
	ownEmail := func(f *roleFixture, r role) []string {
		if r == anonymous {
			return nil
		}
		return []string{f.users[r].Email}
	}
	allEmails := func(f *roleFixture, r role) []string {
		var out []string
		for u := collabA; u < nRoles; u++ {
			out = append(out, f.users[u].Email)
		}
		return out
	}
	bothOrgs := func(f *roleFixture, r role) []string { return []string{f.orgA.Name, f.orgB.Name} }
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}

	// Objects made per row.
	newUserBody := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			email := f.s.Unique("new.user") + "@pemda-z.example"
			pw := "kata-sandi-" + f.s.Unique("pw")
			var body any = map[string]string{"email": email, "name": "Petugas Baru", "role": "office", "region": "31.73", "password": pw}
			if form {
				body = url.Values{"email": {email}, "name": {"Petugas Baru"}, "role": {"office"}, "region": {"31.73"}, "password": {pw}}
			}
			return freshObjects{body: body, hide: []string{email}, after: func(t *testing.T, r role, _ *apptest.Client) {
				_, err := f.s.App.Accounts.UserByEmail(context.Background(), email)
				if exists := err == nil; exists != isAdmin(r) {
					t.Errorf("after the request the user exists: %v; want %v", exists, isAdmin(r))
				}
			}}
		}
	}
	victim := func(t *testing.T, f *roleFixture) freshObjects {
		u := f.freshUser(t)
		return freshObjects{id: u.ID, hide: []string{u.Email}, after: func(t *testing.T, r role, _ *apptest.Client) {
			if live := f.userLive(t, u.ID); live == isAdmin(r) {
				t.Errorf("after the request the user is live: %v; want %v", live, !isAdmin(r))
			}
		}}
	}
	registration := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			n := f.s.Unique("")
			name, email := "Komunitas Baru "+n, "daftar"+n+"@baru.example"
			var body any = map[string]any{"name": name, "kind": "community", "contact_name": "Kontak Baru",
				"contact_email": email, "contact_phone": "081234567890",
				"user": map[string]string{"email": email, "password": "kata-sandi-baru-" + n}}
			if form {
				body = url.Values{"name": {name}, "kind": {"community"}, "contact_name": {"Kontak Baru"}, "contact_email": {email},
					"contact_phone": {"081234567890"}, "user_email": {email}, "user_password": {"kata-sandi-baru-" + n},
					"altcha": {f.s.Client().Human(t)}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				if n := f.count(t, `SELECT COUNT(*) FROM organizations WHERE name = $1 AND status = 'pending'`, name); n != 1 {
					t.Errorf("%d pending organisations named %q after registering; want 1", n, name)
				}
			}}
		}
	}
	verification := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			o := f.freshPendingOrg(t)
			var body any = map[string]string{"decision": "verified"}
			if form {
				body = url.Values{"decision": {"verified"}}
			}
			return freshObjects{id: o.ID, body: body, hide: []string{o.Name, o.ContactEmail},
				after: func(t *testing.T, r role, _ *apptest.Client) {
					got, err := f.s.App.Accounts.Org(context.Background(), o.ID)
					if err != nil {
						t.Fatal(err)
					}
					want := account.OrgPending
					if isAdmin(r) {
						want = account.OrgVerified
					}
					if got.Status != want {
						t.Errorf("after the request the organisation is %s; want %s", got.Status, want)
					}
				}}
		}
	}
	limits := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			o := f.freshPendingOrg(t)
			var body any = map[string]int{"open_limit": 12345, "reveal_limit": 678}
			if form {
				body = url.Values{"open_limit": {"12.345"}, "reveal_limit": {"678"}}
			}
			return freshObjects{id: o.ID, body: body, hide: []string{o.Name, o.ContactEmail},
				after: func(t *testing.T, r role, _ *apptest.Client) {
					got, err := f.s.App.Accounts.Org(context.Background(), o.ID)
					if err != nil {
						t.Fatal(err)
					}
					if raised := got.OpenLimit == 12345 && got.RevealLimit == 678; raised != isAdmin(r) {
						t.Errorf("after the request the limits are %d/%d", got.OpenLimit, got.RevealLimit)
					}
				}}
		}
	}
	newToken := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			label := f.s.Unique("label-")
			var body any = map[string]string{"label": label}
			if form {
				body = url.Values{"label": {label}}
			}
			return freshObjects{body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				n := f.count(t, `SELECT COUNT(*) FROM api_tokens WHERE label = $1 AND user_id = $2`, label, f.users[r].ID)
				if want := map[bool]int{true: 0, false: 1}[r == anonymous]; n != want {
					t.Errorf("%d tokens labelled %s for the caller; want %d", n, label, want)
				}
			}}
		}
	}
	freshLogin := func(t *testing.T, f *roleFixture) freshObjects {
		u, pw := createUser(t, f.s, f.s.Unique("login")+"@pemda-z.example", account.Office, "31.73")
		return freshObjects{body: url.Values{"email": {u.Email}, "password": {pw}}, hide: []string{u.Email},
			after: func(t *testing.T, r role, c *apptest.Client) {
				if res := c.Do(t, "GET", "/api/v1/me", nil); res.Status != http.StatusForbidden {
					t.Errorf("after the password alone GET /api/v1/me answers %d; want 403 (second factor required)", res.Status)
				}
				c.PassFactor(t, u.Email)
				var me account.User
				res := c.Do(t, "GET", "/api/v1/me", nil)
				res.JSON(t, &me)
				if me.ID != u.ID {
					t.Errorf("after signing in the session belongs to %q; want %q", me.Email, u.Email)
				}
			}}
	}
	loggedOut := func(t *testing.T, f *roleFixture) freshObjects {
		return freshObjects{after: func(t *testing.T, r role, c *apptest.Client) {
			if res := c.Do(t, "GET", "/api/v1/me", nil); res.Status != http.StatusUnauthorized {
				t.Errorf("after signing out GET /api/v1/me answers %d; want 401", res.Status)
			}
		}}
	}

	// The registry.
	byRegion := func(x, y func(f *roleFixture) string) func(f *roleFixture, r role) []string {
		return func(f *roleFixture, r role) []string {
			switch r {
			case officeX:
				return []string{x(f)}
			case officeY:
				return []string{y(f)}
			case admin:
				return []string{x(f), y(f)}
			}
			return nil
		}
	}
	// notOtherRegion hides each region's object from the other region's office.
	notOtherRegion := func(x, y func(f *roleFixture) string) func(f *roleFixture, r role) []string {
		return func(f *roleFixture, r role) []string {
			switch r {
			case officeX:
				return []string{y(f)}
			case officeY:
				return []string{x(f)}
			}
			return nil
		}
	}
	nameX := func(f *roleFixture) string { return f.reg.nameX }
	nameY := func(f *roleFixture) string { return f.reg.nameY }
	fileX := func(f *roleFixture) string { return f.reg.fileX }
	fileY := func(f *roleFixture) string { return f.reg.fileY }
	targetX := func(f *roleFixture) string { return f.reg.targetX }
	targetY := func(f *roleFixture) string { return f.reg.targetY }
	dupX := func(f *roleFixture) string { return f.reg.dupX }
	dupY := func(f *roleFixture) string { return f.reg.dupY }
	// personalData: the office of the region sees the household's NIKs and No. KK
	// unmasked and its sensitive tag; an admin sees the name and the masks only.
	personalData := func(inX bool) func(f *roleFixture, r role) []string {
		return func(f *roleFixture, r role) []string {
			name, niks, office, tag := f.reg.nameX, f.reg.niksX, officeX, "isoman"
			if !inX {
				name, niks, office, tag = f.reg.nameY, f.reg.niksY, officeY, "disabilitas"
			}
			switch r {
			case office:
				return []string{name, tag, niks[0], niks[1], niks[2]}
			case admin:
				return []string{name, mask(niks[0]), mask(niks[1]), mask(niks[2])}
			}
			return nil
		}
	}
	// pairData: the pair of X side by side, both No. KK unmasked for the office.
	pairData := func(f *roleFixture, r role) []string {
		n := f.reg.niksX
		switch r {
		case officeX:
			return []string{f.reg.nameX, n[1], n[2], n[3]}
		case admin:
			return []string{f.reg.nameX, mask(n[1]), mask(n[2]), mask(n[3])}
		}
		return nil
	}
	// viewAudited checks that the office of the region, and nobody else, leaves a
	// target.view_personal_data entry for the target.
	viewAudited := func(inX bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			id, office := f.reg.targetX, officeX
			if !inX {
				id, office = f.reg.targetY, officeY
			}
			const q = `SELECT COUNT(*) FROM audit_log WHERE action = 'target.view_personal_data' AND object_id = $1`
			before := f.count(t, q, id)
			return freshObjects{after: func(t *testing.T, r role, _ *apptest.Client) {
				want := before
				if r == office {
					want++
				}
				if n := f.count(t, q, id); n != want {
					t.Errorf("%d view_personal_data entries for the target after the request, want %d", n, want)
				}
				if r == office && f.count(t, q+` AND actor_id = $2`, id, f.users[office].ID) == 0 {
					t.Errorf("no view_personal_data entry names the office as its actor")
				}
			}}
		}
	}
	// pairViewAudited checks that the compare page of kota X's pair leaves one
	// duplicate.view_personal_data entry for the office of X, and none for others.
	pairViewAudited := func(t *testing.T, f *roleFixture) freshObjects {
		const q = `SELECT COUNT(*) FROM audit_log WHERE action = 'duplicate.view_personal_data' AND object_id = $1`
		before := f.count(t, q, f.reg.dupX)
		return freshObjects{after: func(t *testing.T, r role, _ *apptest.Client) {
			want := before
			if r == officeX {
				want++
			}
			if n := f.count(t, q, f.reg.dupX); n != want {
				t.Errorf("%d view_personal_data entries for the pair after the request, want %d", n, want)
			}
		}}
	}
	// newUpload uploads a one-household file of Gambir (31.71): the office of 31.71
	// and the admin get it accepted, the office of 31.74 rejected for its region.
	newUpload := func(t *testing.T, f *roleFixture) freshObjects {
		n := serial(f.s)
		filename := f.s.Unique("unggah-") + ".csv"
		content := householdHeader + hhRow(kkOf("317101", n), nikOf("317101", "1977-05-06", false, n), "Warga Unggah "+f.s.Unique(""),
			"1977-05-06", "L", "Kepala Keluarga", "31.71.01.1004", "3", "3", "Jl. Unggah No. 3", "", "lansia")
		return freshObjects{body: fileUpload{kind: "household", filename: filename, content: []byte(content)},
			after: func(t *testing.T, r role, _ *apptest.Client) {
				registrar := isOffice(r) || r == admin
				if n := f.count(t, `SELECT COUNT(*) FROM imports WHERE filename = $1`, filename); n != map[bool]int{true: 1, false: 0}[registrar] {
					t.Fatalf("%d imports of %s after the upload, want 1 for offices and admins, else 0", n, filename)
				}
				if !registrar {
					return
				}
				var id string
				if err := f.s.App.DB.R().QueryRowContext(context.Background(), `SELECT id FROM imports WHERE filename = $1`, filename).Scan(&id); err != nil {
					t.Fatal(err)
				}
				im := waitImport(t, f.s, id)
				if wantRejected := r == officeY; (im.Rejected == 1) != wantRejected || im.Rejected+im.Accepted != 1 {
					t.Errorf("%s's import of a Gambir row: %+v", r, im)
				}
			}}
	}
	// freshPair imports, as the office of 31.71, one NIK under two new No. KK: a
	// pair that only the row's request decides.
	freshPair := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			n := serial(f.s)
			nik := nikOf("317101", "1982-10-10", true, n)
			name := "Warga Kembar " + f.s.Unique("")
			content := householdHeader +
				hhRow(kkOf("317101", n), nik, name, "1982-10-10", "P", "Kepala Keluarga", "31.71.01.1005", "6", "1", "Jl. Kembar No. 1", "", "") +
				hhRow(kkOf("317101", n+1), nik, name, "1982-10-10", "P", "Kepala Keluarga", "31.71.01.1005", "6", "2", "Jl. Kembar No. 2", "", "")
			im := importAs(t, f.s, importer(f.users[officeX]), f.s.Unique("kembar-")+".csv", content)
			var id string
			if err := f.s.App.DB.R().QueryRowContext(context.Background(), `SELECT id FROM duplicates WHERE import_id = $1`, im.ID).Scan(&id); err != nil {
				t.Fatalf("the pair of %s: %v", name, err)
			}
			var body any = map[string]string{"decision": "distinct"}
			if form {
				body = url.Values{"decision": {"distinct"}}
			}
			return freshObjects{id: id, body: body, after: func(t *testing.T, r role, _ *apptest.Client) {
				want := "open"
				if r == officeX || r == admin {
					want = "distinct"
				}
				var status string
				if err := f.s.App.DB.R().QueryRowContext(context.Background(), `SELECT status FROM duplicates WHERE id = $1`, id).Scan(&status); err != nil {
					t.Fatal(err)
				}
				if status != want {
					t.Errorf("after the request the pair is %s, want %s", status, want)
				}
			}}
		}
	}
	correction := func(t *testing.T, f *roleFixture) freshObjects {
		address := "Jl. Koreksi No. " + f.s.Unique("")
		return freshObjects{body: map[string]any{"address": address, "rt": 5}, after: func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM targets WHERE id = $1 AND address = $2`, f.reg.targetX, address)
			if changed, want := n == 1, r == officeX || r == admin; changed != want {
				t.Errorf("after the request the address changed: %v, want %v", changed, want)
			}
		}}
	}
	// pageCorrection is correction's form, as the record's page sends it (issue 15).
	pageCorrection := func(t *testing.T, f *roleFixture) freshObjects {
		address := "Jl. Koreksi Halaman No. " + f.s.Unique("")
		return freshObjects{body: url.Values{"address": {address}}, after: func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM targets WHERE id = $1 AND address = $2`, f.reg.targetX, address)
			if changed, want := n == 1, r == officeX || r == admin; changed != want {
				t.Errorf("after the form was sent the address changed: %v, want %v", changed, want)
			}
		}}
	}
	itemsEmpty := func(f *roleFixture, r role) []string {
		if r == officeX {
			return []string{f.reg.nameX, `"isoman"`}
		}
		return []string{`"items":[]`}
	}

	rows := []roleRow{
		// Public API.
		{method: "GET", path: "/api/v1/openapi.json", want: everyone(200), show: text(`"openapi"`)},
		{method: "GET", path: "/api/v1/regions", want: everyone(200), show: text(`"code":"31"`)},
		{method: "GET", path: "/api/v1/regions?parent=31", want: everyone(200), show: text(`"code":"31.71"`, `"code":"31.74"`)},
		{method: "GET", path: "/api/v1/regions/31.71", want: everyone(200), show: text(`"code":"31.71"`, `"level":"regency"`)},
		{method: "GET", path: "/api/v1/regions/31.99", want: everyone(404)},
		{method: "GET", path: "/api/v1/public/summary", want: everyone(200), show: text(`"collaborators"`, `"code":"31.71"`)},
		{method: "GET", path: "/api/v1/challenge", want: everyone(200), show: text(`"algorithm":"SHA-256"`, `"signature"`)},
		{method: "POST", path: "/api/v1/organizations", want: everyone(201), show: text(`"status":"pending"`), fresh: registration(false)},
		{method: "GET", path: "/api/v1/no-such-endpoint", want: everyone(404)},

		// Signed-in API.
		// A citizen's account says what it is and where it lives.
		{method: "GET", path: "/api/v1/me", want: apiSignedIn(200), show: func(f *roleFixture, r role) []string {
			if r == citizen {
				return append(ownEmail(f, r), `"role":"citizen"`, `"region":"`+citizenRegion+`"`, `"org_id":""`)
			}
			return ownEmail(f, r)
		}},
		{method: "POST", path: "/api/v1/tokens", want: apiSignedIn(201), show: text(`"token":"gtg_`), fresh: newToken(false)},
		{method: "GET", path: "/api/v1/organizations/{orgA}", want: statuses{401, 200, 404, 404, 404, 200},
			show: func(f *roleFixture, r role) []string { return []string{f.orgA.Name, f.orgA.ContactEmail} }},
		{method: "GET", path: "/api/v1/organizations/{orgB}", want: statuses{401, 404, 200, 404, 404, 200},
			show: func(f *roleFixture, r role) []string { return []string{f.orgB.Name, f.orgB.ContactEmail} }},
		{method: "GET", path: "/api/v1/organizations/no-such-org", want: apiSignedIn(404)},

		// Admin API.
		{method: "GET", path: "/api/v1/users?limit=500", want: apiAdmin(200), show: allEmails},
		{method: "POST", path: "/api/v1/users", want: apiAdmin(201), show: text(`"role":"office"`), fresh: newUserBody(false)},
		{method: "GET", path: "/api/v1/users/{userA}", want: apiAdmin(200),
			show: func(f *roleFixture, r role) []string { return []string{f.users[collabA].Email} }},
		{method: "GET", path: "/api/v1/users/no-such-user", want: apiAdmin(404)},
		{method: "DELETE", path: "/api/v1/users/{fresh}", want: apiAdmin(204), fresh: victim},
		{method: "GET", path: "/api/v1/organizations?status=verified", want: apiAdmin(200), show: bothOrgs},
		{method: "POST", path: "/api/v1/organizations/{fresh}/verify", want: apiAdmin(200), show: text(`"status":"verified"`),
			fresh: verification(false)},
		{method: "PUT", path: "/api/v1/organizations/{fresh}/limits", want: apiAdmin(200), show: text(`"open_limit":12345`), fresh: limits(false)},
		{method: "GET", path: "/api/v1/flags", want: apiAdmin(200), show: text(`"items":`)},
		{method: "GET", path: "/api/v1/audit?action=organization.verify", want: apiAdmin(200), show: text(`"organization.verify"`)},

		// Operations.
		{method: "GET", path: "/healthz", want: everyone(200)},
		{method: "GET", path: "/readyz", want: everyone(200), show: text("ready")},
		{method: "GET", path: "/metrics", want: everyone(200), show: text("gotong_http_requests_total", `gotong_db_retries_total{reason="deadlock"}`,
			`gotong_db_pool_waits_total{pool="write"}`, `gotong_db_pool_in_use_connections{pool="read"}`)},
		{method: "GET", path: "/static/app.css", want: everyone(200)},

		// Public pages.
		{method: "GET", path: "/", want: everyone(200), publicSide: true},
		{method: "GET", path: "/login", want: statuses{200, 303, 303, 303, 303, 303, 303},
			to: [nRoles]string{"", "/account", "/account", "/account", "/account", "/account", "/account"}},
		{method: "POST", path: "/login", body: url.Values{"email": {"nobody@nowhere.example"}, "password": {"wrong-password-1"}},
			want: everyone(401)},
		{method: "POST", path: "/login", want: everyone(303), // an office user: the second factor next
			to:         [nRoles]string{"/login/factor", "/login/factor", "/login/factor", "/login/factor", "/login/factor", "/login/factor", "/login/factor"},
			newSession: true, fresh: freshLogin},
		{method: "POST", path: "/logout", want: everyone(303), to: [nRoles]string{"/", "/", "/", "/", "/", "/", "/"},
			newSession: true, fresh: loggedOut},
		{method: "GET", path: "/register", want: everyone(200)},
		{method: "POST", path: "/register", want: everyone(201), fresh: registration(true)},
		{method: "GET", path: "/regions", want: everyone(200), show: text("31.71")},
		{method: "GET", path: "/privacy", want: everyone(200), show: text("/privacy")},
		{method: "GET", path: "/regions/31.71", want: everyone(200), show: text("31.71.01")},
		{method: "GET", path: "/lang/en?next=/regions", want: everyone(303), to: [nRoles]string{"/regions", "/regions",
			"/regions", "/regions", "/regions", "/regions", "/regions"}, newSession: true},
		{method: "GET", path: "/no-such-page", want: everyone(404)},

		// Signed-in pages.
		{method: "GET", path: "/account", want: pageSignedIn(200), to: toLogin(""), show: func(f *roleFixture, r role) []string {
			out := ownEmail(f, r)
			switch r {
			case collabA:
				out = append(out, f.orgA.Name)
			case collabB:
				out = append(out, f.orgB.Name)
			case citizen: // the role in words, and where the citizen lives
				out = append(out, `id="account-role">Warga<`, citizenRegion)
			}
			return out
		}},
		{method: "POST", path: "/account/tokens", want: pageSignedIn(200), to: toLogin(""), show: text(`id="new-token">gtg_`),
			fresh: newToken(true)},

		// Admin pages.
		{method: "GET", path: "/admin/users", want: pageAdmin(200), to: toLogin(""), show: allEmails},
		{method: "POST", path: "/admin/users", want: pageAdmin(303), to: toLogin("/admin/users"), fresh: newUserBody(true)},
		{method: "POST", path: "/admin/users/{fresh}/delete", want: pageAdmin(303), to: toLogin("/admin/users"), fresh: victim},
		{method: "GET", path: "/admin/organizations?status=all", want: pageAdmin(200), to: toLogin(""), show: bothOrgs},
		{method: "POST", path: "/admin/organizations/{fresh}/verify", want: pageAdmin(303), to: toLogin("/admin/organizations"),
			fresh: verification(true)},
		{method: "POST", path: "/admin/organizations/{fresh}/limits", want: pageAdmin(303), to: toLogin("/admin/organizations"),
			fresh: limits(true)},
		{method: "GET", path: "/admin/audit?action=user.create", want: pageAdmin(200), to: toLogin(""), show: text("user.create")},

		// Registry API: offices and admins; an office sees its region only.
		{method: "GET", path: "/api/v1/imports", want: apiRegistry(200), show: byRegion(fileX, fileY)},
		{method: "POST", path: "/api/v1/imports", want: apiRegistry(202), show: text(`"status":"queued"`), fresh: newUpload},
		{method: "GET", path: "/api/v1/imports/template?kind=household&format=csv", want: apiRegistry(200), show: text("No KK,NIK,Nama,")},
		{method: "GET", path: "/api/v1/imports/{importX}", want: apiInX(200), show: text(`"status":"done"`, `"rejected":1`)},
		{method: "GET", path: "/api/v1/imports/{importY}", want: apiInY(200), show: text(`"status":"done"`, `"review":1`)},
		{method: "GET", path: "/api/v1/imports/no-such-import", want: apiRegistry(404)},
		{method: "GET", path: "/api/v1/imports/{importX}/errors.csv", want: apiInX(200),
			show: text("row,column,value,reason\n5,Kelurahan,31.74.01.1001,")},
		// The fix file: the rejected row as uploaded, with its reason and line.
		// It holds NIKs in clear, so only the office of the region gets it.
		{method: "GET", path: "/api/v1/imports/{importX}/rejected", want: statuses{401, 404, 404, 200, 404, 404, 404},
			show: text("Reason,Original line\n", "31.74.01.1001", ",5\n")},
		{method: "GET", path: "/api/v1/imports/{importX}/rejected?format=xlsx", want: statuses{401, 404, 404, 200, 404, 404, 404}, show: text("PK")},
		{method: "GET", path: "/api/v1/targets?limit=500", want: apiRegistry(200), show: byRegion(nameX, nameY),
			hide: notOtherRegion(targetX, targetY)},
		{method: "GET", path: "/api/v1/targets?region=31.74", want: apiInY(200), show: text(`"region":"31.74.01.1001"`)},
		{method: "GET", path: "/api/v1/targets?tag=isoman", want: apiRegistry(200), show: itemsEmpty},
		// LIKE wildcards in a tag match nothing: else "isom_n" would tell an admin who
		// is in isolation.
		{method: "GET", path: "/api/v1/targets?tag=isom_n", want: apiRegistry(200), show: text(`"items":[]`)},
		{method: "GET", path: "/api/v1/targets?tag=%25", want: apiRegistry(200), show: text(`"items":[]`)},
		{method: "GET", path: "/api/v1/targets/{targetX}", want: apiInX(200), show: personalData(true), fresh: viewAudited(true)},
		{method: "GET", path: "/api/v1/targets/{targetY}", want: apiInY(200), show: personalData(false), fresh: viewAudited(false)},
		{method: "GET", path: "/api/v1/targets/no-such-target", want: apiRegistry(404)},
		{method: "PATCH", path: "/api/v1/targets/{targetX}", want: apiInX(200), show: text("Jl. Koreksi No. ", `"rt":5`), fresh: correction},
		{method: "GET", path: "/api/v1/duplicates?limit=500", want: apiRegistry(200), show: byRegion(dupX, dupY), hide: notOtherRegion(dupX, dupY)},
		{method: "POST", path: "/api/v1/duplicates/{fresh}/resolve", want: apiInX(200), show: text(`"status":"distinct"`), fresh: freshPair(false)},

		// Registry pages.
		{method: "GET", path: "/registry", want: pageRegistry(200), to: toLogin(""), show: byRegion(nameX, nameY),
			hide: notOtherRegion(targetX, targetY)},
		{method: "GET", path: "/registry/targets/{targetX}", want: pageInX(200), to: toLogin(""), show: personalData(true), fresh: viewAudited(true)},
		{method: "GET", path: "/registry/targets/{targetY}", want: pageInY(200), to: toLogin(""), show: personalData(false), fresh: viewAudited(false)},
		{method: "GET", path: "/registry/targets/{targetX}/edit", want: pageInX(200), to: toLogin(""), show: personalData(true), fresh: viewAudited(true)},
		{method: "GET", path: "/registry/targets/{targetY}/edit", want: pageInY(200), to: toLogin(""), show: personalData(false), fresh: viewAudited(false)},
		{method: "POST", path: "/registry/targets/{targetX}/edit", want: pageInX(303), to: toLogin("/registry/targets/"), fresh: pageCorrection},
		{method: "GET", path: "/imports", want: pageRegistry(200), to: toLogin(""), show: byRegion(fileX, fileY)},
		{method: "POST", path: "/imports", want: pageRegistry(303), to: toLogin("/imports/"), fresh: newUpload},
		{method: "GET", path: "/imports/{importX}", want: pageInX(200), to: toLogin(""), show: byRegion(fileX, fileX)},
		{method: "GET", path: "/imports/{importX}/progress", want: pageInX(200), to: toLogin(""), show: text(`id="import-status"`, "badge-done")},
		{method: "GET", path: "/duplicates", want: pageRegistry(200), to: toLogin(""), show: byRegion(dupX, dupY), hide: notOtherRegion(dupX, dupY)},
		{method: "GET", path: "/duplicates/{dupX}", want: pageInX(200), to: toLogin(""), show: pairData, fresh: pairViewAudited},
		{method: "POST", path: "/duplicates/{fresh}/resolve", want: pageInX(303), to: toLogin("/duplicates"), fresh: freshPair(true)},
	}
	rows = append(rows, officeDeliveriesRows()...)
	rows = append(rows, mapRows()...)
	rows = append(rows, warehouseRows()...) // warehouses, the catalogue and stock (issue 13)
	rows = append(append(append(append(rows, programRows()...), officeRows()...), deliveryRows()...), deliveryPageRows()...)
	rows = append(rows, publicRows()...) // the public side of monitoring (issue 12)
	rows = append(rows, dashboardRows()...)
	rows = append(rows, exportRows()...)
	rows = append(rows, impactRows()...)
	rows = append(rows, offerRows()...)   // offers of goods and their intake (issue 13)
	rows = append(rows, ideaRows()...)    // the co-creation forum (issue 14)
	rows = append(rows, accountRows()...) // deactivated users, suspended organisations (issue 15)
	rows = append(rows, sessionRows()...) // sessions by user, the admin's new password (issue 16)
	rows = append(rows, factorRows()...)  // the second factor of admins and offices (issue 16)
	rows = append(rows, helpRows()...)
	rows = append(rows, donationDocRows()...)
	rows = append(rows, selfRows()...) // the self-check and data-subject access (issue 14)
	rows = append(rows, giveRows()...)
	return append(rows, documentRows()...) // last: they add commitments and deliveries that would crowd earlier rows' pages and samples
}

// expandPath fills a row's placeholders.
func expandPath(path string, f *roleFixture, fresh string) string {
	fresh, stop, _ := strings.Cut(fresh, " ") // a courier's row: "TOKEN ALLOCATION"
	if stop == "" {
		stop = fresh
	}
	return strings.NewReplacer("{orgA}", f.orgA.ID, "{orgB}", f.orgB.ID, "{userA}", f.users[collabA].ID, "{fresh}", fresh, "{stop}", stop,
		"{targetX}", f.reg.targetX, "{targetY}", f.reg.targetY, "{importX}", f.reg.importX, "{importY}", f.reg.importY,
		"{dupX}", f.reg.dupX).Replace(expandOfficePath(expandProgramPath(path, f), f))
}

var errorCodeOf = map[int]string{400: "invalid", 401: "unauthorized", 404: "not_found", 409: "conflict",
	413: "too_large", 429: "rate_limited", 500: "internal"}

func TestEveryEndpointAsEveryRole(t *testing.T) {
	longTest(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newRoleFixture(t, s)
			for _, row := range roleTable() {
				for r := anonymous; r < nRoles; r++ {
					name := fmt.Sprintf("%s %s as %s answers %d", row.method, row.path, r, row.want.of(r))
					t.Run(name, func(t *testing.T) { runRoleRow(t, f, row, r) })
				}
			}
			t.Logf("the citizen's pages led to %d distinct links, each followed", len(f.citizenLinksSeen))
			// The citizen's menu was followed: its account, the programs, where help is
			// needed, the regions.
			for _, link := range []string{"/account", "/programs", "/needs", "/regions"} {
				if got := f.citizenLinksSeen[link]; got != http.StatusOK {
					t.Errorf("the citizen's pages link to %s answering %d; want a link answering 200", link, got)
				}
			}
			auditDetailsHaveWords(t, s)
		})
	}
}

// auditDetailsHaveWords fails for every key of an audit detail written so far that
// the audit log would show in Indonesian as English made from the code ("User
// email"): each needs its "word" entry in the catalogue.
func auditDetailsHaveWords(t *testing.T, s *apptest.Server) {
	t.Helper()
	rows, err := s.App.DB.R().QueryContext(s.Ctx(), `SELECT DISTINCT detail FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		details = append(details, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(details) < 10 {
		t.Fatalf("only %d distinct audit details were written; the check would prove nothing", len(details))
	}
	for _, k := range web.DetailKeysWithoutWords(details) {
		t.Errorf("the audit detail key %q has no words in the catalogue (add \"word %s\")", k, k)
	}
}

func runRoleRow(t *testing.T, f *roleFixture, row roleRow, r role) {
	var fo freshObjects
	if row.fresh != nil {
		fo = row.fresh(t, f)
	}
	if row.freshFor != nil {
		fo = row.freshFor(t, f, r)
	}
	body := row.body
	if fo.body != nil {
		body = fo.body
	}
	path := expandPath(row.path, f, fo.id)
	c := f.page[r]
	switch {
	case row.newSession:
		c = f.sessionFor(t, r)
	case strings.HasPrefix(path, "/api/"):
		c = f.api[r]
	}
	if fo.client != nil {
		c = fo.client
	}

	audited := f.auditDownload(t, row.method, path)
	var res apptest.Response
	if up, ok := body.(fileUpload); ok {
		form, ctype := uploadForm(t, up.kind, up.filename, up.content)
		res = postRaw(t, c, path, form, ctype)
	} else {
		res = c.Do(t, row.method, path, body)
	}
	audited(t, res.Status)
	if want := row.want.of(r); res.Status != want {
		if _, derived := row.want.forCitizen(); r == citizen && derived {
			t.Fatalf("status %d; the row gives no status for the citizen and the one derived from the others (%d, see "+
				"statuses.forCitizen) is wrong: write the citizen's status as the row's 7th value; body %.400s", res.Status, want, res.Body)
		}
		t.Fatalf("status %d, want %d; body %.400s", res.Status, want, res.Body)
	}
	if prefix := row.redirectFor(r); prefix != "" && res.Status >= 300 && res.Status < 400 {
		if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, prefix) {
			t.Errorf("redirect to %q, want a Location starting %q", loc, prefix)
		}
	}
	if strings.HasPrefix(path, "/api/") && res.Status >= 400 {
		if got, want := res.ErrorCode(), errorCodeOf[res.Status]; got != want {
			t.Errorf("error code %q, want %q; body %.300s", got, want, res.Body)
		}
	}
	if res.Status == http.StatusForbidden {
		t.Error("403 tells that the object exists; DESIGN.md §6 asks for 404")
	}
	body2xx := res.Status >= 200 && res.Status < 300
	if body2xx && row.show != nil {
		for _, s := range row.show(f, r) {
			if !strings.Contains(string(res.Body), s) {
				t.Errorf("body lacks %q; body %.400s", s, res.Body)
			}
		}
	}

	// What must not be there.
	b := string(res.Body)
	if strings.Contains(b, "$argon2id$") {
		t.Error("body holds a password hash")
	}
	for _, h := range f.tokenHashes(t) {
		if strings.Contains(b, h) {
			t.Errorf("body holds the hash of an API token (%.8s…)", h)
		}
	}
	for _, s := range f.never {
		if strings.Contains(b, s) {
			t.Errorf("body holds a token or session cookie of the fixture (%.8s…)", s)
		}
	}
	for _, sec := range f.secrets {
		if (r == admin && !sec.notAdmin) || containsRole(sec.seenBy, r) || (sec.public && row.publicSide) {
			continue
		}
		if strings.Contains(b, sec.text) {
			t.Errorf("body shows %q to %s", sec.text, r)
		}
	}
	if row.hide != nil {
		for _, s := range row.hide(f, r) {
			if strings.Contains(b, s) {
				t.Errorf("body shows %q to %s", s, r)
			}
		}
	}
	// Whatever the NIK: outside the offices, registry answers hold no 16-digit
	// number (the template's example row is made up, and documented as such).
	if !isOffice(r) && isRegistryPath(path) && !strings.HasPrefix(path, "/api/v1/imports/template") {
		if m := sixteenDigits.FindString(b); m != "" {
			t.Errorf("body shows a 16-digit number %q to %s", m, r)
		}
	}
	if r != admin {
		for _, s := range fo.hide {
			if strings.Contains(b, s) {
				t.Errorf("body shows %q to %s", s, r)
			}
		}
	}
	if r == citizen {
		f.checkCitizenLinks(t, path, res)
	}
	if fo.after != nil {
		fo.after(t, r, c)
	}
}

// Bounded by anything but letters and digits: a random hex id ("f2442111820604423c")
// holds 16 decimal digits in a row about once in a thousand bodies.
var sixteenDigits = regexp.MustCompile(`(^|[^0-9A-Za-z])[0-9]{16}([^0-9A-Za-z]|$)`)

func isRegistryPath(path string) bool {
	for _, p := range []string{"/api/v1/imports", "/api/v1/targets", "/api/v1/duplicates", "/registry", "/imports", "/duplicates"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func containsRole(roles []role, r role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// TestRoleTableCoversEveryRoute reads the route registrations from the package's
// source (every apiRoutes() entry and every mux.Handle/HandleFunc pattern) and fails
// for any route that no row of the role table reaches, so that a new endpoint
// cannot be added without saying who may call it.
func TestRoleTableCoversEveryRoute(t *testing.T) {
	patterns := registeredPatterns(t)
	if len(patterns) < 30 {
		t.Fatalf("found only %d routes in the source; has the route table changed shape? %v", len(patterns), patterns)
	}
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	covered := map[string]bool{}
	dummy := &roleFixture{}
	dummy.orgA.ID, dummy.orgB.ID, dummy.users[collabA].ID = "org-a", "org-b", "user-a"
	dummy.reg = registryFixture{targetX: "target-x", targetY: "target-y", importX: "import-x", importY: "import-y", dupX: "dup-x"}
	dummy.prog = programFixture{program: "program-p", draft: "program-d", commitA: "commit-a", commitB: "commit-b"}
	dummy.office = officeFixture{sampleX: "sample-x", sampleAllocX: "alloc-x"}
	for _, row := range roleTable() {
		req := httptest.NewRequest(row.method, expandPath(row.path, dummy, "fresh-id"), nil)
		_, pattern := mux.Handler(req)
		if pattern == "" {
			t.Errorf("row %s %s reaches no route", row.method, row.path)
		}
		covered[pattern] = true
	}
	var missing []string
	for _, p := range patterns {
		if !covered[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("route %q has no row in roleTable(): add one that says what every role gets", p)
	}
}

// registeredPatterns parses the package's non-test Go files for route patterns.
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	foundAPI := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Name.Name != "apiRoutes" || n.Body == nil {
					return true
				}
				// Every {"METHOD", "/path", handler} literal is an API route.
				ast.Inspect(n.Body, func(m ast.Node) bool {
					cl, ok := m.(*ast.CompositeLit)
					if !ok || len(cl.Elts) < 2 {
						return true
					}
					method, ok1 := lit(cl.Elts[0])
					path, ok2 := lit(cl.Elts[1])
					if ok1 && ok2 && strings.HasPrefix(path, "/") {
						add(method + " " + path)
						foundAPI++
					}
					return true
				})
				return false
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") || len(n.Args) != 2 {
					return true
				}
				if p, ok := lit(n.Args[0]); ok {
					add(p)
				}
			}
			return true
		})
	}
	if foundAPI < 10 {
		t.Fatalf("found %d API routes in apiRoutes(); the parser no longer understands the route table", foundAPI)
	}
	return out
}
