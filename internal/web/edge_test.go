package web_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Hardening at the edge of the server: what reaches the metrics, the cross-origin
// refusal's shape, and input no database should see.

// asAdmin returns a client acting as the test server's admin with a bearer token,
// and the admin.
func asAdmin(t *testing.T, s *apptest.Server) (*apptest.Client, account.User) {
	t.Helper()
	u, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return s.As(t, u.ID), u
}

// asOffice returns a client acting as a new office user of region, and the user.
func asOffice(t *testing.T, s *apptest.Server, region string) (*apptest.Client, account.User) {
	t.Helper()
	u, _ := s.User(t, account.Office, region, "")
	return s.As(t, u.ID), u
}

// routeLabels reads /metrics and returns, per route label of
// gotong_http_requests_total, the sum of its counts.
func routeLabels(t *testing.T, s *apptest.Server) map[string]int {
	t.Helper()
	r, err := send(s, "GET", "/metrics", nil, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", r.Status, err)
	}
	line := regexp.MustCompile(`^gotong_http_requests_total\{code="\d+",route="([^"]*)"\} (\d+)$`)
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			var n int
			fmt.Sscan(m[2], &n)
			out[m[1]] += n
		}
	}
	return out
}

func TestMetricsLabelRequestsByRoutePattern(t *testing.T) {
	s := apptest.Start(t, store.SQLite) // the label does not depend on the engine
	hits := []struct{ path, pattern string }{
		{"/api/v1/regions", "GET /api/v1/regions"},
		{"/api/v1/regions/31.71", "GET /api/v1/regions/{code}"},
		{"/regions/31.71", "GET /regions/{code}"},
		{"/healthz", "GET /healthz"},
	}
	for _, h := range hits {
		for range 3 {
			if r, err := send(s, "GET", h.path, nil, nil); err != nil || r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %v", h.path, r.Status, err)
			}
		}
	}
	before := routeLabels(t, s)
	for _, h := range hits {
		if before[h.pattern] < 3 {
			t.Errorf("route %q counted %d times, want at least 3; labels %v", h.pattern, before[h.pattern], before)
		}
	}

	const unknown = 60
	for i := range unknown {
		for _, p := range []string{"/no-such-page-%d", "/api/v1/no-such-endpoint-%d", "/api/v1/regions/%d/x", "/static/missing-%d.css"} {
			if _, err := send(s, "GET", fmt.Sprintf(p, i), nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := routeLabels(t, s)
	for label := range after {
		if regexp.MustCompile(`no-such|missing-|/\d+/x`).MatchString(label) {
			t.Errorf("a raw path became a route label: %q", label)
		}
	}
	if grew := len(after) - len(before); grew > 4 {
		t.Errorf("%d unknown paths added %d route labels; want a bounded few (the catch-all patterns)", 4*unknown, grew)
	}
}

// TestCrossOriginRefusals: the cross-origin protection guards what a browser sends
// with the session cookie; it answers API clients in the API's JSON, and lets bearer
// requests through, since a bearer token is never sent by a browser on its own.
func TestCrossOriginRefusals(t *testing.T) {
	s := apptest.Start(t, store.SQLite) // the protection runs before any database work
	adm, adminUser := asAdmin(t, s)
	token := adm.Token
	_, session := login(t, s, apptest.AdminEmail, apptest.AdminPassword, "")
	cookie := (&http.Cookie{Name: sessionCookieName, Value: session}).String()
	foreign := func(extra ...string) http.Header {
		h := http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/json"}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	tokens := func() int {
		return countRows(t, s, `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1`, adminUser.ID)
	}
	label := []byte(`{"label":"cross-origin"}`)

	t.Run("an API request with the session cookie from another site is refused in JSON", func(t *testing.T) {
		before := tokens()
		for _, h := range []http.Header{foreign("Cookie", cookie), foreign("Cookie", cookie, "Sec-Fetch-Site", "")} {
			r, err := send(s, "POST", "/api/v1/tokens", h, label)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, Content-Type %q; want 403 JSON; body %.200s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if code, msg := errorOf(t, r); code != "unauthorized" || !strings.Contains(msg, "another site") {
				t.Errorf("error %q %q; want unauthorized saying the request came from another site", code, msg)
			}
		}
		if tokens() != before {
			t.Error("a refused request created a token")
		}
	})
	t.Run("an anonymous API request from another site is refused in JSON", func(t *testing.T) {
		r, err := send(s, "POST", "/api/v1/organizations", foreign(), mustJSON(t, registrationBody("Yayasan Asing", "asing@asing.example", "kata-sandi-rahasia")))
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := errorOf(t, r); r.Status != http.StatusForbidden || code != "unauthorized" {
			t.Errorf("%d %q, want 403 unauthorized", r.Status, code)
		}
		if countOrgs(t, s, "Yayasan Asing") != 0 {
			t.Error("the refused registration was stored")
		}
	})
	t.Run("a page form from another site is refused with the error page", func(t *testing.T) {
		h := foreign("Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
		r, err := send(s, "POST", "/login", h, []byte("email=a%40b.example&password=x"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%d %q, want 403 text/html", r.Status, r.Header.Get("Content-Type"))
		}
	})
	t.Run("a bearer API request from another site acts as the token's user", func(t *testing.T) {
		before := tokens()
		r, err := send(s, "POST", "/api/v1/tokens", foreign("Authorization", "Bearer "+token), label)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %.200s", r.Status, r.Body)
		}
		if tokens() != before+1 {
			t.Error("no token was created")
		}
	})
	t.Run("a bad bearer token beside the cookie from another site is refused, never the cookie's user", func(t *testing.T) {
		before := tokens()
		r, err := send(s, "POST", "/api/v1/tokens", foreign("Authorization", "Bearer gtg_forged", "Cookie", cookie), label)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := errorOf(t, r); r.Status != http.StatusUnauthorized || code != "unauthorized" {
			t.Errorf("%d %q, want 401 unauthorized", r.Status, code)
		}
		if tokens() != before {
			t.Error("the request created a token as the cookie's user")
		}
	})
	t.Run("a bearer header does not open the pages to another site", func(t *testing.T) {
		h := foreign("Authorization", "Bearer "+token, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
		r, err := send(s, "POST", "/account/tokens", h, []byte("label=x"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusForbidden {
			t.Errorf("status %d, want 403", r.Status)
		}
		if strings.Contains(string(r.Body), "gtg_") {
			t.Error("the page showed a new token")
		}
	})
}

// TestBrokenTextIsRefusedAtTheEdge: a NUL byte or invalid UTF-8 anywhere a client can
// put text — a path id, a query parameter, a cursor, a form field, a JSON string, an
// upload's file name — is refused with 400 invalid before any database sees it.
// PostgreSQL cannot store either (SQLSTATE 22021) and answered 500; SQLite stored or
// compared them.
func TestBrokenTextIsRefusedAtTheEdge(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adm, _ := asAdmin(t, s)
			off, office := asOffice(t, s, "31.71")
			_, collab, _ := s.Org(t, "Yayasan Tepi", true)
			col := s.As(t, collab.ID)
			page := s.Client()
			page.Login(t, apptest.AdminEmail, apptest.AdminPassword)
			n := serial(s)
			importAs(t, s, importer(office), "tepi.csv", householdHeader+
				hhRow(kkOf("317101", n), nikOf("317101", "1980-02-02", true, n), "Sri Tepi", "1980-02-02", "P", "Kepala Keluarga",
					"31.71.01.1001", "1", "1", "Jl. Tepi No. 1", "", ""))
			var targets struct{ Items []registry.Target }
			off.Do(t, "GET", "/api/v1/targets?q=tepi", nil).JSON(t, &targets)
			if len(targets.Items) != 1 {
				t.Fatalf("%d targets named Tepi, want 1", len(targets.Items))
			}
			target := "/api/v1/targets/" + targets.Items[0].ID
			cursor := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

			type call struct {
				who          *apptest.Client
				method, path string
				body         any
			}
			var cases []call
			for _, bad := range []string{"%00", "%FF", "a%00b", "%C3%28"} {
				cases = append(cases,
					call{adm, "GET", "/api/v1/users/" + bad, nil},
					call{adm, "DELETE", "/api/v1/users/" + bad, nil},
					call{adm, "GET", "/api/v1/organizations/" + bad, nil},
					call{adm, "POST", "/api/v1/organizations/" + bad + "/verify", `{"decision":"verified"}`},
					call{adm, "GET", "/api/v1/regions/" + bad, nil},
					call{off, "GET", "/api/v1/targets/" + bad, nil},
					call{off, "PATCH", "/api/v1/targets/" + bad, `{"address":"Jl. Baru 2"}`},
					call{off, "GET", "/api/v1/imports/" + bad, nil},
					call{off, "GET", "/api/v1/imports/" + bad + "/errors.csv", nil},
					call{off, "POST", "/api/v1/duplicates/" + bad + "/resolve", `{"decision":"distinct"}`},
					call{adm, "GET", "/api/v1/programs/" + bad, nil},
					call{adm, "GET", "/api/v1/programs/" + bad + "/coverage", nil},
					call{col, "GET", "/api/v1/commitments/" + bad, nil},
					call{col, "GET", "/api/v1/commitments/" + bad + "/allocations", nil},
					call{col, "POST", "/api/v1/allocations/" + bad + "/fail", `{"reason":"moved"}`},
					call{off, "GET", "/api/v1/targets?q=" + bad, nil},
					call{off, "GET", "/api/v1/targets?region=" + bad, nil},
					call{off, "GET", "/api/v1/targets?tag=" + bad, nil},
					call{off, "GET", "/api/v1/targets?kind=" + bad, nil},
					call{adm, "GET", "/api/v1/users?org_id=" + bad, nil},
					call{adm, "GET", "/api/v1/regions?parent=" + bad, nil},
					call{adm, "GET", "/api/v1/audit?object_id=" + bad, nil},
					call{adm, "GET", "/api/v1/programs/" + bad + "/coverage?region=31", nil},
					call{adm, "GET", "/api/v1/users?" + bad + "=x", nil},
					call{page, "GET", "/registry/targets/" + bad, nil},
					call{page, "GET", "/registry?q=" + bad, nil},
					call{page, "GET", "/programs/" + bad, nil},
					call{page, "POST", "/admin/users/" + bad + "/delete", url.Values{}},
				)
			}
			for _, raw := range []string{"2024-01-01T00:00:00Z|\x00", "2024-01-01T00:00:00Z|\xff", "2024-01-01T00:00:00Z|a\x00b"} {
				c := cursor(raw)
				cases = append(cases,
					call{adm, "GET", "/api/v1/users?cursor=" + c, nil},
					call{adm, "GET", "/api/v1/organizations?cursor=" + c, nil},
					call{adm, "GET", "/api/v1/audit?cursor=" + c, nil},
					call{off, "GET", "/api/v1/targets?cursor=" + c, nil},
					call{off, "GET", "/api/v1/imports?cursor=" + c, nil},
					call{off, "GET", "/api/v1/duplicates?cursor=" + c, nil},
					call{adm, "GET", "/api/v1/programs?cursor=" + c, nil},
					call{col, "GET", "/api/v1/commitments?cursor=" + c, nil},
				)
			}
			for _, bad := range []string{`\u0000`, "\xff", `a\u0000b`, "\xc3\x28"} {
				cases = append(cases,
					call{nil, "POST", "/api/v1/organizations", `{"name":"Yayasan ` + bad + `","kind":"ngo","contact_name":"Ibu Kontak",` +
						`"contact_email":"k@tepi.example","contact_phone":"081234567890","user":{"email":"u@tepi.example","password":"kata-sandi-rahasia"}}`},
					call{adm, "POST", "/api/v1/users", `{"email":"x@tepi.example","name":"Budi ` + bad + `","role":"admin","password":"kata-sandi-1a"}`},
					call{adm, "POST", "/api/v1/tokens", `{"label":"` + bad + `"}`},
					call{off, "PATCH", target, `{"address":"Jl. ` + bad + ` No. 2"}`},
					call{off, "PATCH", target, `{"tags":["` + bad + `"]}`},
					call{off, "POST", "/api/v1/duplicates/x/resolve", `{"decision":"merge","keep":"` + bad + `"}`},
					call{adm, "POST", "/api/v1/programs", `{"name":"Program ` + bad + `"}`},
					call{col, "POST", "/api/v1/commitments", `{"program_id":"` + bad + `","phase":"1","quantity":1,"region":"31.71"}`},
					call{adm, "POST", "/api/v1/organizations/x/verify", `{"decision":"rejected","reason":"` + bad + `"}`},
				)
			}
			for _, bad := range []string{"\x00", "\xff", "a\x00b"} {
				cases = append(cases,
					call{s.Client(), "POST", "/login", url.Values{"email": {"a" + bad + "@tepi.example"}, "password": {"kata-sandi-1"}}},
					call{s.Client(), "POST", "/register", url.Values{"name": {"Yayasan " + bad}, "kind": {"ngo"}}},
					call{page, "POST", "/admin/users", url.Values{"email": {"y@tepi.example"}, "name": {"Budi" + bad}, "role": {"admin"}, "password": {"kata-sandi-1a"}}},
				)
			}
			for _, tc := range cases {
				who := tc.who
				if who == nil {
					who = s.Client()
				}
				t.Run(fmt.Sprintf("%s %q %q", tc.method, tc.path, tc.body), func(t *testing.T) {
					r := who.Do(t, tc.method, tc.path, tc.body)
					if r.Status != http.StatusBadRequest {
						t.Fatalf("status %d, want 400; body %.200s", r.Status, r.Body)
					}
					if strings.HasPrefix(tc.path, "/api/") && r.ErrorCode() != "invalid" {
						t.Errorf("error code %q, want invalid", r.ErrorCode())
					}
				})
			}
			if n := countOrgs(t, s, "Yayasan \ufffd", "Yayasan \ufffd("); n != 0 {
				t.Errorf("%d organisations stored with broken names", n)
			}

			t.Run("an upload whose file name is broken", func(t *testing.T) {
				for _, name := range []string{"warga\x00.csv", "warga\xff.csv", "\xc3\x28.csv"} {
					var body bytes.Buffer
					mw := multipart.NewWriter(&body)
					_ = mw.WriteField("kind", "household")
					h := textproto.MIMEHeader{}
					h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`) // raw bytes, not %q's escapes
					fw, _ := mw.CreatePart(h)
					_, _ = fw.Write([]byte(householdHeader))
					mw.Close()
					if r := postRaw(t, off, "/api/v1/imports", body.Bytes(), mw.FormDataContentType()); r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
						t.Errorf("file name %q: %d %q, want 400 invalid", name, r.Status, r.ErrorCode())
					}
				}
				if files := uploadedFiles(t, s); len(files) != 0 {
					t.Errorf("refused uploads left files behind: %v", files)
				}
			})
		})
	}
}

// TestInvisibleCharactersInNames: zero-width and other format characters are
// stripped from names and addresses, wherever they come in (API, pages, import
// rows, corrections), so that search and de-duplication see the name people see;
// bidirectional overrides and isolates, which change how the text is shown, are
// refused with a reason.
func TestInvisibleCharactersInNames(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adm, _ := asAdmin(t, s)
			off, office := asOffice(t, s, "31.71")
			n := s.Unique("")
			refusedForReordering := func(t *testing.T, r apptest.Response) {
				t.Helper()
				if r.Status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400; body %.300s", r.Status, r.Body)
				}
				if code, msg := errorOf(t, r); code != "invalid" || !strings.Contains(msg, "reorder") {
					t.Errorf("error %s %q; want invalid saying the text holds characters that reorder it", code, msg)
				}
			}

			t.Run("an organisation registered through the API", func(t *testing.T) {
				body := registrationBody("Yayasan Bu\u200bdi "+n, "budi"+n+"@tepi.example", "kata-sandi-rahasia")
				body["contact_name"] = "\ufeffIbu Si\u200dti"
				r := s.Client().Do(t, "POST", "/api/v1/organizations", body)
				if r.Status != http.StatusCreated {
					t.Fatalf("register: %d %s", r.Status, r.Body)
				}
				var o account.Org
				r.JSON(t, &o)
				if o.Name != "Yayasan Budi "+n || o.ContactName != "Ibu Siti" {
					t.Errorf("stored %q, %q; want the names without the invisible characters", o.Name, o.ContactName)
				}
				spoof := registrationBody("Yayasan \u202e"+n+" iduB", "spoof"+n+"@tepi.example", "kata-sandi-rahasia")
				refusedForReordering(t, s.Client().Do(t, "POST", "/api/v1/organizations", spoof))
				if countOrgs(t, s, "Yayasan \u202e"+n+" iduB") != 0 {
					t.Error("the spoofing name was stored")
				}
			})
			t.Run("an organisation registered through the page", func(t *testing.T) {
				form := url.Values{"name": {"Yayasan Sri\u200c " + n}, "kind": {"ngo"}, "contact_name": {"Ibu Kontak"},
					"contact_email": {"k@tepi.example"}, "contact_phone": {"081234567890"}, "user_name": {"Sri\u2060 Wahyuni"},
					"user_email": {"sri" + n + "@tepi.example"}, "user_password": {"kata-sandi-rahasia"}, "altcha": {s.Client().Human(t)}}
				if r := s.Client().Do(t, "POST", "/register", form); r.Status != http.StatusCreated {
					t.Fatalf("register page: %d", r.Status)
				}
				if countOrgs(t, s, "Yayasan Sri "+n) != 1 {
					t.Error("the organisation is not stored under its visible name")
				}
				u, err := s.App.Accounts.UserByEmail(s.Ctx(), "sri"+n+"@tepi.example")
				if err != nil || u.Name != "Sri Wahyuni" {
					t.Errorf("user name %q (%v), want Sri Wahyuni", u.Name, err)
				}
			})
			t.Run("a user created by an admin", func(t *testing.T) {
				refusedForReordering(t, adm.Do(t, "POST", "/api/v1/users", map[string]any{"email": "rlo" + n + "@tepi.example",
					"name": "Budi \u2067Santoso\u2069", "role": "admin", "password": "kata-sandi-1a"}))
				r := adm.Do(t, "POST", "/api/v1/users", map[string]any{"email": "ad\u200bmin" + n + "@tepi.example",
					"name": "Budi", "role": "admin", "password": "kata-sandi-1a"})
				if code, _ := errorOf(t, r); r.Status != http.StatusBadRequest || code != "invalid" {
					t.Errorf("an email with a zero-width space: %d %q, want 400 invalid", r.Status, code)
				}
			})
			t.Run("a program", func(t *testing.T) {
				refusedForReordering(t, adm.Do(t, "POST", "/api/v1/programs", map[string]any{"name": "Sembako \u202eigaB"}))
			})

			var budi registry.Target
			t.Run("import rows", func(t *testing.T) {
				k := serial(s)
				im := importAs(t, s, importer(office), "tak-terlihat.csv", householdHeader+
					hhRow(kkOf("317101", k), nikOf("317101", "1970-03-02", false, k), "Bu\u200bdi Santo\u00adso", "1970-03-02", "L", "Kepala Keluarga",
						"31.71.01.1001", "1", "1", "Jl. Ta\u200bk Terlihat No. 1", "", "")+
					hhRow(kkOf("317101", k+1), nikOf("317101", "1971-04-03", false, k+1), "Budi \u202eoyhaR", "1971-04-03", "L", "Kepala Keluarga",
						"31.71.01.1001", "1", "1", "Jl. Tak Terlihat No. 2", "", ""))
				if im.Accepted != 1 || im.Rejected != 1 {
					t.Fatalf("accepted %d, rejected %d; want 1 and 1", im.Accepted, im.Rejected)
				}
				var l struct{ Items []registry.Target }
				off.Do(t, "GET", "/api/v1/targets?q=budi+santoso", nil).JSON(t, &l)
				if len(l.Items) != 1 || l.Items[0].Name != "Budi Santoso" || l.Items[0].Address != "Jl. Tak Terlihat No. 1" {
					t.Fatalf("search for budi santoso found %+v; want the imported row, cleaned", l.Items)
				}
				budi = l.Items[0]
				_, rows := errorRows(t, off.Do(t, "GET", "/api/v1/imports/"+im.ID+"/errors.csv", nil))
				if len(rows) != 1 || rows[0][1] != "Nama" || !strings.Contains(rows[0][3], "direction of the text") {
					t.Errorf("errors.csv rows %q; want the name refused for its direction control", rows)
				}
			})
			t.Run("a search with an invisible character finds the name", func(t *testing.T) {
				var l struct{ Items []registry.Target }
				off.Do(t, "GET", "/api/v1/targets?q="+url.QueryEscape("Bu\u200bdi"), nil).JSON(t, &l)
				if len(l.Items) != 1 || l.Items[0].ID != budi.ID {
					t.Errorf("found %d targets, want Budi", len(l.Items))
				}
			})
			t.Run("a correction", func(t *testing.T) {
				r := off.Do(t, "PATCH", "/api/v1/targets/"+budi.ID, map[string]any{"name": "Budi\u200b Santoso\u200d Putra"})
				var got registry.Target
				r.JSON(t, &got)
				if r.Status != http.StatusOK || got.Name != "Budi Santoso Putra" {
					t.Errorf("%d, name %q; want Budi Santoso Putra", r.Status, got.Name)
				}
				if norm := countRows(t, s, `SELECT COUNT(*) FROM targets WHERE id = $1 AND name_norm = 'budi santoso putra'`, budi.ID); norm != 1 {
					t.Error("name_norm is not the cleaned name's")
				}
				r = off.Do(t, "PATCH", "/api/v1/targets/"+budi.ID, map[string]any{"address": "Jl. \u202eawaJ"})
				if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
					t.Errorf("an address with an override: %d %q, want 400 invalid", r.Status, r.ErrorCode())
				}
			})
		})
	}
}
