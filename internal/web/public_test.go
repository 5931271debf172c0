package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// publicPerson is a registered person whose data must never reach the public side.
type publicPerson struct{ name, nik, kk, phone, address string }

// publicWorld is a registry of distinctive people, a program committed and partly
// delivered to them, and a sensitive program with small counts.
type publicWorld struct {
	s                *apptest.Server
	people           []publicPerson
	plain, sensitive program.Program
	org              string
}

func newPublicWorld(t testing.TB, s *apptest.Server) *publicWorld {
	t.Helper()
	w := &publicWorld{s: s, org: "Yayasan Cahaya Publik"}
	var file strings.Builder
	file.WriteString(householdHeader)
	// Three households in Karang Anyar (31.71.02.1002), two members each, and two
	// households in self-isolation in Kartini (31.71.02.1003).
	for i := range 5 {
		village, tags := "31.71.02.1002", ""
		if i >= 3 {
			village, tags = "31.71.02.1003", "isoman"
		}
		kk := kkOf("317102", 9300+i)
		for m, rel := range []string{"Kepala Keluarga", "Istri"} {
			birth := fmt.Sprintf("19%d-0%d-1%d", 61+i, 1+m, i)
			p := publicPerson{name: fmt.Sprintf("Zubaidah Rahasiawati %d%c", i, 'A'+m), nik: nikOf("317102", birth, m == 1, 9300+i*2+m), kk: kk,
				phone: fmt.Sprintf("08129990%02d%d", i, m), address: fmt.Sprintf("Jl. Rahasia Sekali No. %d", 70+i)}
			if m == 1 {
				p.phone = ""
			}
			w.people = append(w.people, p)
			file.WriteString(hhRow(kk, p.nik, p.name, birth, map[bool]string{true: "P", false: "L"}[m == 1], rel, village, "4", "2", p.address, p.phone, tags))
		}
	}
	importKind(t, s, adminImporter(t, s), registry.Household, "rahasia.csv", file.String())
	w.plain, _ = publishProgram(t, s, program.Input{Name: "Sembako Terbuka", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02.1002"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	var n int
	w.sensitive, n = publishProgram(t, s, program.Input{Name: "Makanan Isoman Terbuka", Category: "pangan", Item: program.Item{Name: "Makanan", Unit: "porsi"},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02.1003"}, Tags: []string{"isoman"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	if n != 2 || !w.sensitive.Sensitive {
		t.Fatalf("sensitive program: %d needs, sensitive %v", n, w.sensitive.Sensitive)
	}
	_, u, _ := s.Org(t, w.org, true)
	c := s.As(t, u.ID)
	commit := func(p program.Program, region string, qty int) string {
		var out struct{ ID string }
		r := c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": qty,
			"region": region, "deliver_by": futureDate(2), "accept_statement": true})
		if r.Status != 201 {
			t.Fatalf("commit: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &out)
		return out.ID
	}
	id := commit(w.plain, "31.71.02.1002", 3)
	commit(w.sensitive, "31.71.02", 2)
	// Deliver two of the three households, reading their recipients as the
	// collaborator does (their names are in that answer, never on the public side).
	var allocs struct{ Items []struct{ ID string } }
	c.Do(t, "GET", "/api/v1/commitments/"+id+"/allocations", nil).JSON(t, &allocs)
	if len(allocs.Items) != 3 {
		t.Fatalf("%d allocations, want 3", len(allocs.Items))
	}
	codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))
	for _, a := range allocs.Items[:2] {
		if r := c.Do(t, "POST", "/api/v1/allocations/"+a.ID+"/dispatch", nil); r.Status != 200 {
			t.Fatalf("dispatch: %d %s", r.Status, r.Body)
		}
		if r := c.Do(t, "POST", "/api/v1/allocations/"+a.ID+"/deliver", map[string]any{"recipient_code": codes.For(a.ID)}); r.Status != 200 {
			t.Fatalf("deliver: %d %s", r.Status, r.Body)
		}
	}
	return w
}

// publicRoutes are every public address with figures, for the world's programs.
func (w *publicWorld) publicRoutes() []string {
	p, q := w.plain.ID, w.sensitive.ID
	return []string{"/api/v1/public/summary", "/", "/feed.json", "/embed/summary",
		"/api/v1/public/programs/" + p, "/api/v1/public/programs/" + p + "?region=31.71.02", "/api/v1/public/programs/" + p + "?region=31.71.02.1002",
		"/api/v1/public/programs/" + q, "/api/v1/public/programs/" + q + "?region=31.71.02",
		"/public/programs/" + p, "/public/programs/" + p + "?region=31.71.02", "/public/programs/" + p + "?region=31.71.02.1002",
		"/public/programs/" + q + "?region=31.71", "/public/programs/" + q + "?region=31.71.02",
		"/embed/programs/" + p + "?region=31.71.02", "/embed/programs/" + q + "?region=31.71"}
}

// TestThePublicSideShowsNoPersonalData fetches every public route, in both
// languages, after commitments and deliveries to people with distinctive names,
// NIKs, No. KKs, phones and addresses, and finds none of them; the figures and the
// collaborator's name are there.
func TestThePublicSideShowsNoPersonalData(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			w := newPublicWorld(t, s)
			for _, lang := range []string{"id", "en"} {
				anon := s.Client()
				anon.Do(t, "GET", "/lang/"+lang+"?next=/", nil)
				for _, path := range w.publicRoutes() {
					r := anon.Do(t, "GET", path, nil)
					if r.Status != 200 {
						t.Fatalf("%s: %d %s", path, r.Status, r.Body)
					}
					body := string(r.Body)
					for _, p := range w.people {
						for _, secret := range []string{p.name, p.nik, p.kk, p.phone, p.address, mask(p.nik), mask(p.kk)} {
							if secret != "" && strings.Contains(body, secret) {
								t.Errorf("%s (%s) shows %q", path, lang, secret)
							}
						}
					}
				}
			}
			anon := s.Client()
			home := string(anon.Do(t, "GET", "/", nil).Body)
			for _, want := range []string{w.org, "Sembako Terbuka", "Makanan Isoman Terbuka", `id="collaborators"`,
				`rel="alternate" type="application/feed+json" href="/feed.json"`, `<script src="/static/public.js">`, "&lt;iframe src=&#34;"} {
				if !strings.Contains(home, want) {
					t.Errorf("the home page lacks %q", want)
				}
			}
			var pp struct {
				Program, Unit                string
				Needed, Allocated, Delivered *int64
				CoveredShare                 *float64 `json:"covered_share"`
				Children                     []struct {
					Code      string
					Delivered *int64
				}
			}
			anon.Do(t, "GET", "/api/v1/public/programs/"+w.plain.ID+"?region=31.71.02", nil).JSON(t, &pp)
			if pp.Unit != "paket" || *pp.Needed != 3 || *pp.Allocated != 3 || *pp.Delivered != 2 || pp.CoveredShare == nil || *pp.CoveredShare != 1 {
				t.Errorf("the plain program in its kecamatan: %+v", pp)
			}
			for _, ch := range pp.Children {
				if ch.Code == "31.71.02.1002" && (ch.Delivered == nil || *ch.Delivered != 2) {
					t.Errorf("Karang Anyar delivered %v, want 2", ch.Delivered)
				}
			}
			// A kelurahan has no children on the public side: never RWs.
			var kel struct{ Children []any }
			anon.Do(t, "GET", "/api/v1/public/programs/"+w.plain.ID+"?region=31.71.02.1002", nil).JSON(t, &kel)
			if kel.Children == nil || len(kel.Children) != 0 {
				t.Errorf("a kelurahan's children: %v, want []", kel.Children)
			}
		})
	}
}

// TestASensitiveProgramIsCutOnThePublicSide: its figures stop at kecamatan and its
// counts under 5 are withheld, in the API, the pages, the frames and the feed.
func TestASensitiveProgramIsCutOnThePublicSide(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			w := newPublicWorld(t, s)
			anon := s.Client()
			q := w.sensitive.ID
			if r := anon.Do(t, "GET", "/api/v1/public/programs/"+q+"?region=31.71.02.1003", nil); r.Status != 400 {
				t.Errorf("a sensitive program's kelurahan: %d, want 400", r.Status)
			}
			if r := anon.Do(t, "GET", "/public/programs/"+q+"?region=31.71.02.1003", nil); r.Status != 400 {
				t.Errorf("a sensitive program's kelurahan page: %d, want 400", r.Status)
			}
			kec := anon.Do(t, "GET", "/api/v1/public/programs/"+q+"?region=31.71.02", nil)
			var v struct {
				Sensitive, Withheld bool
				Needed, Allocated   *int64
				CoveredShare        *float64 `json:"covered_share"`
				Children            []any
			}
			kec.JSON(t, &v)
			if !v.Sensitive || !v.Withheld || v.Needed != nil || v.Allocated != nil || v.CoveredShare != nil || len(v.Children) != 0 ||
				!strings.Contains(string(kec.Body), `"needed":null`) || strings.Contains(string(kec.Body), "31.71.02.1003") {
				t.Errorf("a sensitive program's kecamatan: %s", kec.Body)
			}
			for _, path := range []string{"/public/programs/" + q + "?region=31.71", "/embed/programs/" + q + "?region=31.71", "/"} {
				body := string(anon.Do(t, "GET", path, nil).Body)
				if !strings.Contains(body, "&lt;5") || strings.Contains(body, `href="/public/programs/`+q+`?region=31.71.02"`) {
					t.Errorf("%s: no <5, or a link below kecamatan", path)
				}
			}
			if feed := string(anon.Do(t, "GET", "/feed.json", nil).Body); !strings.Contains(feed, `\u003c5`) {
				t.Errorf("the feed shows no <5 for the sensitive program: %s", feed)
			}
		})
	}
}

// TestPublicAnswersCanBeCarriedByAProxy checks the HTTP caching of the public
// answers: a strong ETag, Cache-Control public with a max-age, 304 for a current
// If-None-Match, a new tag once the figures change and the age has passed.
func TestPublicAnswersCanBeCarriedByAProxy(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = time.Second })
			w := newPublicWorld(t, s)
			get := func(path, inm string, gz bool) (*http.Response, []byte) {
				t.Helper()
				req, _ := http.NewRequest("GET", s.URL+path, nil)
				if inm != "" {
					req.Header.Set("If-None-Match", inm)
				}
				if gz {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res, b
			}
			for _, path := range []string{"/api/v1/public/summary", "/api/v1/public/programs/" + w.plain.ID, "/feed.json"} {
				res, body := get(path, "", false)
				tag := res.Header.Get("ETag")
				if res.StatusCode != 200 || !strings.HasPrefix(tag, `"`) || strings.HasPrefix(tag, "W/") ||
					!strings.Contains(res.Header.Get("Cache-Control"), "public, max-age=1, stale-while-revalidate=") || len(body) == 0 {
					t.Fatalf("%s: %d, ETag %q, Cache-Control %q", path, res.StatusCode, tag, res.Header.Get("Cache-Control"))
				}
				res, body = get(path, tag, false)
				if res.StatusCode != 304 || len(body) != 0 || res.Header.Get("ETag") != tag {
					t.Errorf("%s with its tag: %d, %d bytes, ETag %q", path, res.StatusCode, len(body), res.Header.Get("ETag"))
				}
				if res, _ = get(path, `"other"`, false); res.StatusCode != 200 {
					t.Errorf("%s with another tag: %d", path, res.StatusCode)
				}
			}
			// The feed is large enough to be compressed: another representation,
			// another strong tag, and caches told that it varies.
			res, body := get("/feed.json", "", true)
			plain, _ := get("/feed.json", "", false)
			if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" ||
				res.Header.Get("ETag") == plain.Header.Get("ETag") || len(body) == 0 || body[0] != 0x1f {
				t.Errorf("gzip'd feed: encoding %q, vary %q, tag %q (plain %q)", res.Header.Get("Content-Encoding"),
					res.Header.Get("Vary"), res.Header.Get("ETag"), plain.Header.Get("ETag"))
			}
			if res.Header.Get("Content-Type") != "application/feed+json; charset=utf-8" {
				t.Errorf("feed type %q", res.Header.Get("Content-Type"))
			}
			// The figures change; once the age has passed, the tag does too.
			before, _ := get("/api/v1/public/summary", "", false)
			_, u, _ := s.Org(t, "Yayasan Baru Publik", true)
			if r := s.As(t, u.ID).Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": w.plain.ID, "phase": "Minggu 1",
				"quantity": 1, "region": "31.71", "deliver_by": futureDate(2), "accept_statement": true}); r.Status != 201 && r.Status != 200 {
				t.Fatalf("commit: %d %s", r.Status, r.Body)
			}
			time.Sleep(1100 * time.Millisecond)
			after, _ := get("/api/v1/public/summary", before.Header.Get("ETag"), false)
			if after.StatusCode != 200 || after.Header.Get("ETag") == before.Header.Get("ETag") {
				t.Errorf("after a change: %d, tag %q (was %q)", after.StatusCode, after.Header.Get("ETag"), before.Header.Get("ETag"))
			}
		})
	}
}

// TestOnlyTheFramesMayBeFramed: /embed pages may be put in any site's iframe; every
// other page and answer still refuses framing.
func TestOnlyTheFramesMayBeFramed(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0], func(c *app.Config) { c.SummaryMaxAge = -1 })
	w := newPublicWorld(t, s)
	anon := s.Client()
	for _, path := range []string{"/embed/summary", "/embed/programs/" + w.plain.ID, "/embed/programs/" + w.sensitive.ID + "?region=31.71"} {
		r := anon.Do(t, "GET", path, nil)
		csp := r.Header.Get("Content-Security-Policy")
		if r.Status != 200 || r.Header.Get("X-Frame-Options") != "" || !strings.Contains(csp, "frame-ancestors *") ||
			strings.Contains(csp, "'none'; frame") || strings.Contains(string(r.Body), "site-nav") {
			t.Errorf("%s: %d, X-Frame-Options %q, CSP %q", path, r.Status, r.Header.Get("X-Frame-Options"), csp)
		}
	}
	for _, path := range []string{"/", "/public/programs/" + w.plain.ID, "/login", "/regions", "/api/v1/public/summary", "/feed.json", "/embed/programs/nope"} {
		r := anon.Do(t, "GET", path, nil)
		if r.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s may be framed: X-Frame-Options %q, CSP %q", path, r.Header.Get("X-Frame-Options"), r.Header.Get("Content-Security-Policy"))
		}
	}
}

// TestTheFeedIsAJSONFeed reads /feed.json as a feed reader would: version 1.1, one
// item per public program, modified as of its figures, in Indonesian.
func TestTheFeedIsAJSONFeed(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0], func(c *app.Config) { c.SummaryMaxAge = -1 })
	w := newPublicWorld(t, s)
	// A draft is not in the feed.
	if _, err := s.App.Programs.Create(s.Ctx(), program.Input{Name: "Draf Tersembunyi", Category: "pangan", Item: program.Item{Name: "Beras", Unit: "kg"},
		TargetKinds: []string{"household"}, Phases: weeks(1), QuantityRule: program.PerTarget}); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version, Title, Language string
		HomePageURL              string `json:"home_page_url"`
		FeedURL                  string `json:"feed_url"`
		Items                    []struct {
			ID, URL, Title string
			ContentText    string    `json:"content_text"`
			ContentHTML    string    `json:"content_html"`
			DateModified   time.Time `json:"date_modified"`
		}
	}
	r := s.Client().Do(t, "GET", "/feed.json", nil)
	if err := json.Unmarshal(r.Body, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != "https://jsonfeed.org/version/1.1" || f.Language != "id" || !strings.HasSuffix(f.FeedURL, "/feed.json") || len(f.Items) != 2 {
		t.Fatalf("feed: %s", r.Body)
	}
	for _, it := range f.Items {
		if it.Title == "Draf Tersembunyi" || it.ID == "" || !strings.Contains(it.URL, "/public/programs/") || it.DateModified.IsZero() ||
			!strings.Contains(it.ContentText, "dibutuhkan") || !strings.HasPrefix(it.ContentHTML, "<p>") {
			t.Errorf("item: %+v", it)
		}
		if it.Title == w.plain.Name && !strings.Contains(it.ContentText, "tersalurkan 2.") {
			t.Errorf("the plain program's item does not say 2 delivered: %q", it.ContentText)
		}
	}
}

// publicRows are the role table's rows for the public side of monitoring: the same
// answer for every caller, signed in or not, never a recipient, not even to an
// admin, and never a draft.
func publicRows() []roleRow {
	show := func(s ...string) func(*roleFixture, role) []string {
		return func(f *roleFixture, _ role) []string { return append([]string{f.prog.name}, s...) }
	}
	recipients := func(f *roleFixture, _ role) []string {
		return []string{f.prog.hadi, f.prog.rina, f.prog.flagHead, "Jl. Penerima Alfa", "Jl. Penerima Beta", "81255550001", "81266660002", f.prog.draftName}
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/public/programs/{program}", want: everyone(200), show: show(`"unit":"`), hide: recipients},
		{method: "GET", path: "/api/v1/public/programs/{program}?region=31.71.02", want: everyone(200), show: show(`"code":"31.71.02.1001"`), hide: recipients},
		{method: "GET", path: "/api/v1/public/programs/{draft}", want: everyone(404)},
		{method: "GET", path: "/public/programs/{program}?region=31.71.02", want: everyone(200), hide: recipients, publicSide: true,
			show: func(f *roleFixture, _ role) []string {
				return []string{f.prog.name, `data-region="31.71.02.1001"`, f.orgA.Name, f.orgB.Name}
			}},
		{method: "GET", path: "/public/programs/{draft}", want: everyone(404)},
		{method: "GET", path: "/embed/summary", want: everyone(200), show: show(`id="fig-collaborators"`), hide: recipients},
		{method: "GET", path: "/embed/programs/{program}?region=31.71", want: everyone(200), show: show(`data-region="31.71.02"`), hide: recipients},
		{method: "GET", path: "/embed/programs/{draft}", want: everyone(404)},
		{method: "GET", path: "/feed.json", want: everyone(200), show: show(`"version":"https://jsonfeed.org/version/1.1"`), hide: recipients},
	}
}
