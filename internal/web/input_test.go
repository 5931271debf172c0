package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// Bad input gets a clear error, and nothing is half-written.

// plainHTTP has no cookie jar and does not follow redirects: tests set the headers.
var plainHTTP = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// send makes one request with full control of the headers, and returns an error
// instead of failing the test, so goroutines may use it.
func send(s *apptest.Server, method, path string, header http.Header, body []byte) (apptest.Response, error) {
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return apptest.Response{}, err
	}
	req.Header.Set("Accept-Language", "en") // the expected messages are English
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := plainHTTP.Do(req)
	if err != nil {
		return apptest.Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}, err
}

// errorOf decodes an API error body.
func errorOf(t *testing.T, r apptest.Response) (code, message string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("the error is not JSON: %v; body %.300s", err, r.Body)
	}
	return e.Error.Code, e.Error.Message
}

// registrationBody is a valid registration body for an organisation named name whose
// user signs in with email.
func registrationBody(name, email, password string) map[string]any {
	return map[string]any{"name": name, "kind": "ngo", "contact_name": "Ibu Kontak",
		"contact_email": "kontak@yayasan.example", "contact_phone": "0812-3456-7890",
		"user": map[string]any{"email": email, "password": password}}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countOrgs counts organisations with one of names; countUsers users with email.
func countOrgs(t *testing.T, s *apptest.Server, names ...string) int {
	t.Helper()
	total := 0
	for _, n := range names {
		var c int
		if err := s.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM organizations WHERE name = $1`, n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		total += c
	}
	return total
}

func countUsers(t *testing.T, s *apptest.Server, email string) int {
	t.Helper()
	var c int
	if err := s.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func TestBadInput(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adminID := func() string {
				u, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
				if err != nil {
					t.Fatal(err)
				}
				return u.ID
			}()
			adm := s.As(t, adminID)

			t.Run("a bad registration is refused with a message that says why, and stores nothing", func(t *testing.T) {
				testBadRegistrations(t, s)
			})
			t.Run("unknown and malformed region codes", func(t *testing.T) { testBadRegions(t, s) })
			t.Run("invalid list parameters are refused", func(t *testing.T) { testBadListParams(t, adm) })
			t.Run("hostile strings are stored verbatim and shown escaped", func(t *testing.T) { testHostileStrings(t, s, adm) })
			t.Run("a second registration with the same user email is a conflict and writes nothing", func(t *testing.T) {
				testDuplicateRegistration(t, s)
			})
			t.Run("concurrent registrations with one email: one wins, the rest conflict", func(t *testing.T) {
				testConcurrentRegistrations(t, s)
			})
			t.Run("bad registry input is refused with a message that says why, and changes nothing", func(t *testing.T) {
				testBadRegistryInput(t, s, adm)
			})
			t.Run("a wrong type on an admin endpoint names the field", func(t *testing.T) {
				r := adm.Do(t, "POST", "/api/v1/users", `{"email":"x@pemda.example","name":"X","role":7,"password":"kata-sandi-1"}`)
				if r.Status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400; body %s", r.Status, r.Body)
				}
				if code, msg := errorOf(t, r); code != "invalid" || !strings.Contains(msg, `"role"`) {
					t.Errorf("error %s %q; want invalid naming \"role\"", code, msg)
				}
				if countUsers(t, s, "x@pemda.example") != 0 {
					t.Error("the user was stored")
				}
			})
		})
	}
}

func testBadRegistrations(t *testing.T, s *apptest.Server) {
	type input struct{ name, email string }
	big := strings.Repeat("a", 1<<20+10)
	cases := []struct {
		name     string
		header   http.Header
		body     func(in input) []byte
		status   int
		code     string
		mentions string // the message must hold this
	}{
		{name: "malformed JSON", body: func(in input) []byte { return []byte(`{"name": "` + in.name + `", "kind": `) },
			status: 400, code: "invalid", mentions: "malformed JSON"},
		{name: "JSON with a syntax error", body: func(in input) []byte { return []byte(`{"name": "` + in.name + `",, }`) },
			status: 400, code: "invalid", mentions: "malformed JSON"},
		{name: "an empty body", body: func(input) []byte { return nil }, status: 400, code: "invalid", mentions: "empty"},
		{name: "an unknown field", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["nmae"] = "typo"
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: `"nmae"`},
		{name: "an unknown nested field", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["user"].(map[string]any)["role"] = "admin"
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: `"role"`},
		{name: "a number for a text field", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["contact_phone"] = 812345678
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: `field "contact_phone" must be of type string`},
		{name: "a wrong type in a nested field", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["user"].(map[string]any)["email"] = true
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: `"user.email"`},
		{name: "text for a nested object", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["user"] = in.email
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: `field "user" must be of type object`},
		{name: "an array instead of an object", body: func(in input) []byte { return []byte(`[{"name":"` + in.name + `"}]`) },
			status: 400, code: "invalid", mentions: "single JSON object"},
		{name: "a second JSON object after the first", body: func(in input) []byte {
			return append(mustJSON(t, registrationBody(in.name, in.email, "kata-sandi-rahasia")), `{"name":"second"}`...)
		}, status: 400, code: "invalid", mentions: "single JSON object"},
		{name: "text after the JSON object", body: func(in input) []byte {
			return append(mustJSON(t, registrationBody(in.name, in.email, "kata-sandi-rahasia")), " garbage"...)
		}, status: 400, code: "invalid", mentions: "single JSON object"},
		{name: "a body over 1 MiB", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["contact_name"] = big
			return mustJSON(t, m)
		}, status: 413, code: "too_large", mentions: "1 MiB"},
		{name: "a form posted to the JSON API", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			body:   func(in input) []byte { return []byte("name=" + in.name) },
			status: 400, code: "invalid", mentions: "Content-Type"},
		{name: "valid JSON sent as text/plain", header: http.Header{"Content-Type": {"text/plain"}},
			body: func(in input) []byte {
				return mustJSON(t, registrationBody(in.name, in.email, "kata-sandi-rahasia"))
			}, status: 400, code: "invalid", mentions: "Content-Type"},
		{name: "an organisation name of 201 characters", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["name"] = in.name + strings.Repeat("x", 201-len(in.name))
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: "organisation name"},
		{name: "an unknown kind of organisation", body: func(in input) []byte {
			m := registrationBody(in.name, in.email, "kata-sandi-rahasia")
			m["kind"] = "cartel"
			return mustJSON(t, m)
		}, status: 400, code: "invalid", mentions: "kind"},
		{name: "a password from the common list", body: func(in input) []byte {
			return mustJSON(t, registrationBody(in.name, in.email, "Password123"))
		}, status: 400, code: "invalid", mentions: "common"},
		{name: "a password of 7 characters", body: func(in input) []byte {
			return mustJSON(t, registrationBody(in.name, in.email, "kS9#xQ2"))
		}, status: 400, code: "invalid", mentions: "at least 8"},
		{name: "a password that is the email address", body: func(in input) []byte {
			return mustJSON(t, registrationBody(in.name, in.email, in.email))
		}, status: 400, code: "invalid", mentions: "email"},
		{name: "an email address that is not one", body: func(in input) []byte {
			return mustJSON(t, registrationBody(in.name, "not-an-email", "kata-sandi-rahasia"))
		}, status: 400, code: "invalid", mentions: "email"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			n := s.Unique("")
			in := input{name: "Yayasan Input " + n, email: "input" + n + "@input.example"}
			header := tc.header
			if header == nil {
				header = jsonHeader
			}
			r, err := send(s, "POST", "/api/v1/organizations", header, tc.body(in))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d; body %.300s", r.Status, tc.status, r.Body)
			}
			code, msg := errorOf(t, r)
			if code != tc.code || !strings.Contains(msg, tc.mentions) {
				t.Errorf("error %s %q; want %s with a message that mentions %q", code, msg, tc.code, tc.mentions)
			}
			for _, internal := range []string{"json:", "account.", "struct", "web."} {
				if strings.Contains(msg, internal) {
					t.Errorf("the message shows the decoder's internals (%q): %q", internal, msg)
				}
			}
			if n := countOrgs(t, s, in.name); n != 0 {
				t.Errorf("%d organisations stored", n)
			}
			if n := countUsers(t, s, in.email); n != 0 {
				t.Errorf("%d users stored", n)
			}
		})
	}
}

func testBadRegions(t *testing.T, s *apptest.Server) {
	c := s.Client()
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/regions/31.99", 404, "not_found"},
		{"/api/v1/regions/31.71.01.9999", 404, "not_found"},
		{"/api/v1/regions?parent=31.99.99", 404, "not_found"},
		{"/api/v1/regions?parent=31.99", 404, "not_found"},
		{"/api/v1/regions/not-a-code", 404, "not_found"},
		{"/api/v1/regions/31..71", 404, "not_found"},
		{"/api/v1/regions?parent=not-a-code", 400, "invalid"},
		{"/api/v1/regions?parent=31%27%20OR%201%3D1", 400, "invalid"},
		{"/api/v1/regions?parent=" + strings.Repeat("3", 5000), 400, "invalid"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("GET %.60s answers %d", tc.path, tc.status), func(t *testing.T) {
			r := c.Do(t, "GET", tc.path, nil)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Errorf("%d %q, want %d %q; body %.300s", r.Status, r.ErrorCode(), tc.status, tc.code, r.Body)
			}
		})
	}
}

func testBadListParams(t *testing.T, adm *apptest.Client) {
	cases := []struct{ path, mentions string }{
		{"/api/v1/users?limit=0", "limit"},
		{"/api/v1/users?limit=501", "limit"},
		{"/api/v1/users?limit=-1", "limit"},
		{"/api/v1/users?limit=ten", "limit"},
		{"/api/v1/users?limit=1e3", "limit"},
		{"/api/v1/users?cursor=%21%21%21", "cursor"},
		{"/api/v1/users?cursor=bm9wZQ", "cursor"},
		{"/api/v1/users?role=superuser", "role"},
		{"/api/v1/organizations?limit=9999999999999999999999", "limit"},
		{"/api/v1/organizations?cursor=" + strings.Repeat("A", 300), "cursor"},
		{"/api/v1/organizations?status=deleted", "status"},
		{"/api/v1/audit?limit=abc", "limit"},
		{"/api/v1/audit?cursor=bm9wZQ", "cursor"},
		{"/api/v1/audit?from=2024-13-40", "from"},
	}
	for _, tc := range cases {
		t.Run("GET "+tc.path+" is invalid", func(t *testing.T) {
			r := adm.Do(t, "GET", tc.path, nil)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %.300s", r.Status, r.Body)
			}
			if code, msg := errorOf(t, r); code != "invalid" || !strings.Contains(msg, tc.mentions) {
				t.Errorf("error %s %q; want invalid mentioning %q", code, msg, tc.mentions)
			}
		})
	}
}

func testHostileStrings(t *testing.T, s *apptest.Server, adm *apptest.Client) {
	c := s.Client()
	page := s.Client()
	page.Login(t, apptest.AdminEmail, apptest.AdminPassword)
	n := s.Unique("")
	cases := []struct {
		name, orgName string
		raw, escaped  string // raw must not be in the admin page; escaped must
	}{
		{"HTML and script", `<script>alert("gotong` + n + `")</script> & <b>Co</b>`,
			`<script>alert("gotong` + n, `&lt;script&gt;alert(&#34;gotong` + n + `&#34;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;`},
		{"an attribute breakout", `Yayasan" onmouseover="alert(` + n + `)`, `" onmouseover="alert(` + n, `&#34; onmouseover=&#34;alert(` + n},
		{"SQL metacharacters", `Robert'); DROP TABLE organizations;-- ` + n + ` %_\`, "", `Robert&#39;); DROP TABLE organizations;-- ` + n},
		{"non-Latin text", `Yayasan Ümit 慈善 ` + n + ` 🙏`, "", `Yayasan Ümit 慈善 ` + n + ` 🙏`},
	}
	for i, tc := range cases {
		t.Run(tc.name+" in an organisation name", func(t *testing.T) {
			email := fmt.Sprintf("hostile%s-%d@hostile.example", n, i)
			r := c.Do(t, "POST", "/api/v1/organizations", registrationBody(tc.orgName, email, "kata-sandi-rahasia"))
			if r.Status != http.StatusCreated {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			var o account.Org
			r.JSON(t, &o)
			got := adm.Do(t, "GET", "/api/v1/organizations/"+o.ID, nil)
			var stored account.Org
			got.JSON(t, &stored)
			if stored.Name != tc.orgName {
				t.Errorf("stored name %q, want %q verbatim", stored.Name, tc.orgName)
			}
			if n := countOrgs(t, s, tc.orgName); n != 1 {
				t.Errorf("%d organisations with the name, want 1", n)
			}
			p := page.Do(t, "GET", "/admin/organizations?status=pending", nil)
			if p.Status != http.StatusOK {
				t.Fatalf("admin page: %d", p.Status)
			}
			if tc.raw != "" && strings.Contains(string(p.Body), tc.raw) {
				t.Errorf("the admin page holds %q unescaped", tc.raw)
			}
			if !strings.Contains(string(p.Body), tc.escaped) {
				t.Errorf("the admin page lacks %q", tc.escaped)
			}
		})
	}
	t.Run("SQL in a query parameter matches nothing", func(t *testing.T) {
		r := adm.Do(t, "GET", "/api/v1/users?org_id=%27%20OR%20%271%27%3D%271", nil)
		var l struct{ Items []account.User }
		r.JSON(t, &l)
		if r.Status != http.StatusOK || len(l.Items) != 0 {
			t.Errorf("status %d with %d users; want 200 and none", r.Status, len(l.Items))
		}
	})
}

func testDuplicateRegistration(t *testing.T, s *apptest.Server) {
	c := s.Client()
	n := s.Unique("")
	email := "dup" + n + "@dup.example"
	first, second := "Yayasan Pertama "+n, "Yayasan Kedua "+n
	if r := c.Do(t, "POST", "/api/v1/organizations", registrationBody(first, email, "kata-sandi-rahasia")); r.Status != http.StatusCreated {
		t.Fatalf("first registration: %d %s", r.Status, r.Body)
	}
	for _, variant := range []string{email, strings.ToUpper(email), "  " + email + " "} {
		r := c.Do(t, "POST", "/api/v1/organizations", registrationBody(second, variant, "kata-sandi-lain"))
		if r.Status != http.StatusConflict || r.ErrorCode() != "conflict" {
			t.Errorf("registering again as %q: %d %s; want 409 conflict", variant, r.Status, r.Body)
		}
	}
	if got := countOrgs(t, s, first, second); got != 1 {
		t.Errorf("%d organisations after the duplicate; want 1", got)
	}
	if got := countOrgs(t, s, second); got != 0 {
		t.Errorf("the refused organisation was stored (%d)", got)
	}
	if got := countUsers(t, s, email); got != 1 {
		t.Errorf("%d users with the email; want 1", got)
	}
}

func testConcurrentRegistrations(t *testing.T, s *apptest.Server) {
	const racers = 8
	n := s.Unique("")
	email := "race" + n + "@race.example"
	names := make([]string, racers)
	statuses := make([]int, racers)
	failures := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		names[i] = fmt.Sprintf("Yayasan Balapan %s-%d", n, i)
		body := mustJSON(t, registrationBody(names[i], email, "kata-sandi-rahasia"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := send(s, "POST", "/api/v1/organizations", jsonHeader, body)
			statuses[i], failures[i] = r.Status, err
		}()
	}
	close(start)
	wg.Wait()
	created, conflicts := 0, 0
	for i := range racers {
		if failures[i] != nil {
			t.Fatal(failures[i])
		}
		switch statuses[i] {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("racer %d got %d", i, statuses[i])
		}
	}
	if created != 1 || conflicts != racers-1 {
		t.Errorf("%d created and %d conflicts; want 1 and %d", created, conflicts, racers-1)
	}
	if got := countOrgs(t, s, names...); got != 1 {
		t.Errorf("%d organisations stored; want 1", got)
	}
	if got := countUsers(t, s, email); got != 1 {
		t.Errorf("%d users stored; want 1", got)
	}
}

func testBadRegistryInput(t *testing.T, s *apptest.Server, adm *apptest.Client) {
	office, _ := s.User(t, account.Office, "31.71", "")
	asOffice := s.As(t, office.ID)
	n := serial(s)
	// One NIK under two No. KK: two targets and a pair.
	importAs(t, s, importer(office), "masukan.csv", householdHeader+
		hhRow(kkOf("317101", n), nikOf("317101", "1975-05-05", false, n), "Slamet Masukan", "1975-05-05", "L", "Kepala Keluarga",
			"31.71.01.1001", "2", "2", "Jl. Masukan No. 2", "", "lansia")+
		hhRow(kkOf("317101", n+1), nikOf("317101", "1975-05-05", false, n), "Slamet Masukan", "1975-05-05", "L", "Kepala Keluarga",
			"31.71.01.1001", "2", "2", "Jl. Masukan No. 3", "", ""))
	var list struct{ Items []registry.Target }
	asOffice.Do(t, "GET", "/api/v1/targets?q=slamet", nil).JSON(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d targets named Slamet, want 2", len(list.Items))
	}
	target := "/api/v1/targets/" + list.Items[0].ID
	var pairs struct{ Items []registry.Duplicate }
	asOffice.Do(t, "GET", "/api/v1/duplicates", nil).JSON(t, &pairs)
	resolve := "/api/v1/duplicates/no-pair/resolve"
	if len(pairs.Items) > 0 {
		resolve = "/api/v1/duplicates/" + pairs.Items[0].ID + "/resolve"
	}
	stored := func() string {
		t.Helper()
		var addr, name, tags string
		var rw int
		if err := s.App.DB.R().QueryRowContext(context.Background(), `SELECT address, name, tags, rw FROM targets WHERE id = $1`,
			list.Items[0].ID).Scan(&addr, &name, &tags, &rw); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(addr, "|", name, "|", tags, "|", rw)
	}
	before := stored()

	cases := []struct {
		method, path string
		body         any
		status       int
		mentions     string
	}{
		{"GET", "/api/v1/targets?limit=0", nil, 400, "limit"},
		{"GET", "/api/v1/targets?limit=many", nil, 400, "limit"},
		{"GET", "/api/v1/targets?cursor=bm9wZQ", nil, 400, "cursor"},
		{"GET", "/api/v1/targets?kind=alien", nil, 400, "kind"},
		{"GET", "/api/v1/targets?region=jakarta", nil, 400, "region"},
		{"GET", "/api/v1/targets?region=31.99", nil, 404, "region"},
		{"GET", "/api/v1/targets?region=32.01", nil, 404, "region"},
		{"GET", "/api/v1/duplicates?status=maybe", nil, 400, "status"},
		{"GET", "/api/v1/duplicates?cursor=%21%21%21", nil, 400, "cursor"},
		{"GET", "/api/v1/duplicates?limit=501", nil, 400, "limit"},
		{"GET", "/api/v1/imports?limit=abc", nil, 400, "limit"},
		{"GET", "/api/v1/imports/template", nil, 400, "kind"},
		{"GET", "/api/v1/imports/template?kind=household&format=pdf", nil, 400, "format"},
		{"PATCH", target, `{}`, 400, "nothing to change"},
		{"PATCH", target, `{"address": null}`, 400, "nothing to change"},
		{"PATCH", target, `{"rw": "5"}`, 400, `field "rw" must be of type number`},
		{"PATCH", target, `{"tags": "lansia"}`, 400, `field "tags" must be of type array`},
		{"PATCH", target, `{"nik": "3171010505750001"}`, 400, `unknown field "nik"`},
		{"PATCH", target, `{"merged_into": "x"}`, 400, `unknown field "merged_into"`},
		{"PATCH", target, `{"rw": 1000}`, 400, "rw"},
		{"PATCH", target, `{"rt": -1}`, 400, "rt"},
		{"PATCH", target, `{"name": "B"}`, 400, "name"},
		{"PATCH", target, `{"address": "Jl. Baru", "tags": ["Bukan Tag!"]}`, 400, "tags"},
		{"PATCH", target, `{"phone": "+1 555 0100"}`, 400, "phone"},
		{"PATCH", target, `{"address": "Jl. Baru"`, 400, "malformed JSON"},
		{"PATCH", target, `[{"address": "Jl. Baru"}]`, 400, "single JSON object"},
		{"PATCH", "/api/v1/targets/no-such-target", `{"address": "Jl. Baru"}`, 404, "not found"},
		{"POST", resolve, `{"decision": "merge"}`, 400, "keep"},
		{"POST", resolve, `{"decision": "both"}`, 400, "decision"},
		{"POST", resolve, `{"decision": 1}`, 400, `field "decision" must be of type string`},
		{"POST", resolve, `{}`, 400, "decision"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %s %.40v answers %d", tc.method, tc.path, tc.body, tc.status), func(t *testing.T) {
			r := asOffice.Do(t, tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d; body %.300s", r.Status, tc.status, r.Body)
			}
			if code, msg := errorOf(t, r); code != errorCodeOf[tc.status] || !strings.Contains(msg, tc.mentions) {
				t.Errorf("error %s %q; want %s mentioning %q", code, msg, errorCodeOf[tc.status], tc.mentions)
			}
		})
	}
	if after := stored(); after != before {
		t.Errorf("refused corrections changed the target: %s, was %s", after, before)
	}
	if len(pairs.Items) != 1 {
		t.Errorf("%d open pairs for the office, want 1", len(pairs.Items))
	} else if n := countRows(t, s, `SELECT COUNT(*) FROM duplicates WHERE id = $1 AND status = 'open'`, pairs.Items[0].ID); n != 1 {
		t.Errorf("a refused decision decided the pair")
	}

	t.Run("SQL and LIKE wildcards in filters match nothing", func(t *testing.T) {
		for _, q := range []string{"?q=%27%20OR%201%3D1%20--", "?q=slam%25t", "?q=sl_met", "?tag=%25", "?tag=_", "?tag=lans_a", "?tag=lansia%27%20OR%20%271%27%3D%271"} {
			var l struct{ Items []registry.Target }
			r := adm.Do(t, "GET", "/api/v1/targets"+q, nil)
			r.JSON(t, &l)
			if r.Status != http.StatusOK || len(l.Items) != 0 {
				t.Errorf("GET /api/v1/targets%s: status %d with %d targets; want 200 and none", q, r.Status, len(l.Items))
			}
		}
	})

	t.Run("hostile text in a correction is stored verbatim and shown escaped", func(t *testing.T) {
		name := `<script>alert("slamet")</script> & Slamet`
		r := asOffice.Do(t, "PATCH", target, map[string]any{"name": name})
		if r.Status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.Status, r.Body)
		}
		var got registry.Target
		r.JSON(t, &got)
		if got.Name != name {
			t.Errorf("stored name %q, want %q", got.Name, name)
		}
		page := s.Client()
		page.Login(t, apptest.AdminEmail, apptest.AdminPassword)
		for _, p := range []string{"/registry?q=slamet", "/registry/targets/" + list.Items[0].ID} {
			body := string(page.Do(t, "GET", p, nil).Body)
			if strings.Contains(body, `<script>alert("slamet")`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;slamet&#34;)&lt;/script&gt; &amp; Slamet`) {
				t.Errorf("%s does not show the name escaped", p)
			}
		}
	})
}
