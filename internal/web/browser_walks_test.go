package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// Issue 15's walks: each role does its main job end to end in a real browser, on
// a 360×740 touch phone and on a desktop window, on every engine, with a
// screenshot at each main step (kept where GOTONG_TEST_SCREENSHOTS says:
// scripts/test.sh keeps them in artifacts/screenshots).

// walkView is a window the walks run in.
type walkView struct {
	name  string
	w, h  int
	phone bool
	// collab is the kelurahan the collaborator commits to on this window (by name),
	// each with more households than one page of recipients shows.
	collab, collabCode string
}

var walkViews = []walkView{
	{name: "phone", w: 360, h: 740, phone: true, collab: "Pasar Baru", collabCode: "31.71.02.1001"},
	{name: "desktop", w: 1280, h: 800, collab: "Karang Anyar", collabCode: "31.71.02.1002"},
}

// walkHouseholds is how many households each collaborator kelurahan holds: one
// more than a page of recipients (100), so the collaborator pages through two.
const walkHouseholds = 101

// walkOrg is the organisation that, before the walks, commits in Cideng: the one
// the office sees serving its kota.
const walkOrg = "Yayasan Penyalur Cideng"

// walk is one role's walk on one engine and window: the shared server and browser
// tab, and what the setup made.
type walk struct {
	s        *apptest.Server
	b        *tab
	eng      string
	view     walkView
	vi       int             // the window's index in walkViews
	role     string          // admin, office, collaborator, public
	program  program.Program // the collaborator's program, published before the walks
	office   account.User
	officePW string
	collab   account.User
	collabPW string
}

// walkStep is one named step of a walk; steps run in order as subtests, and a
// failed step ends its walk. Steps may be inserted into a walk's list.
type walkStep struct {
	name string
	run  func(t *testing.T, w *walk)
}

// shot saves a screenshot named by engine, window, role and step.
func (w *walk) shot(step string) {
	w.b.t.Helper()
	w.b.shot(fmt.Sprintf("%s-%s-%s-%s", w.eng, w.view.name, w.role, step), w.view.w)
}

// signInTo is the step that opens path, signs in with who's credentials when the
// page asks, and lands on the page titled h1.
func signInTo(what, path, h1 string, who func(*walk) (email, password string)) walkStep {
	return walkStep{"signs in to " + what, func(t *testing.T, w *walk) {
		email, password := who(w)
		w.b.open(path)
		w.b.waitText("main h1", "Masuk")
		w.b.signIn(w.s, email, password)
		w.b.waitText("#logout", "Keluar")
		w.b.waitText("main h1", h1)
	}}
}

// number reads a figure shown with thousands separators ("1.234") as a number.
func (w *walk) number(sel string) int {
	w.b.t.Helper()
	txt := w.b.text(sel)
	n, err := strconv.Atoi(strings.NewReplacer(".", "", ",", "", " ", "").Replace(txt))
	if err != nil {
		w.b.fail("%s shows %q, not a number", sel, txt)
	}
	return n
}

// choose sets a select's value and tells the page, as a person's choice does.
func (w *walk) choose(sel, value string) {
	w.b.t.Helper()
	w.b.settled()
	waitFor[bool](w.b, "the choice "+value+" in "+sel, `(sel, v) => {
		const s = document.querySelector(sel);
		if (!s || ![...s.options].some(o => o.value === v)) return null;
		s.value = v;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	}`, sel, value)
}

// pick types a region's name into the picker input and taps its suggestion.
func (w *walk) pick(input, name, code string) {
	w.b.t.Helper()
	// The picker's script is deferred: a name typed before it took the input over
	// would ask for nothing.
	waitFor[bool](w.b, "the region picker on "+input, `(sel) => document.querySelector(sel + '[role="combobox"]') !== null || null`, input)
	w.b.fill([][2]string{{input, name}})
	opt := fmt.Sprintf(`[role="listbox"] [role="option"][data-code="%s"]`, code)
	w.b.waitText(opt, name)
	w.b.click(opt)
}

var adminWalk = []walkStep{
	signInTo("the program form", "/programs/new", "Program baru", func(*walk) (string, string) { return apptest.AdminEmail, apptest.AdminPassword }),
	{"fills the form with the region picker and a phase row", func(t *testing.T, w *walk) {
		w.b.fill([][2]string{{`input[name="name"]`, "Seragam Sekolah " + w.eng + " " + w.view.name}, {`input[name="category"]`, "pendidikan"},
			{`input[name="item_name"]`, "Seragam"}, {`input[name="item_unit"]`, "stel"}, {`input[name="unit_value"]`, "Rp150.000"}})
		w.pick(`input[name="regions"]`, "Gambir", "31.71.01")
		if v := waitFor[string](w.b, "the chosen region", `() => document.querySelector('input[name="regions"]').value`); !strings.HasPrefix(v, "Gambir") {
			t.Errorf("the regions field holds %q after choosing Gambir", v)
		}
		// A fifth week, typed into the first empty phase row.
		today := time.Now().In(time.FixedZone("WIB", 7*3600))
		w.b.fill([][2]string{{`.phase-row:nth-of-type(5) input[name="phase_name"]`, "Minggu 5"}})
		w.b.do("the fifth phase's dates",
			chromedp.SetValue(chromedp.CSS(`.phase-row:nth-of-type(5) input[name="phase_start"]`), today.AddDate(0, 0, 28).Format(time.DateOnly)),
			chromedp.SetValue(chromedp.CSS(`.phase-row:nth-of-type(5) input[name="phase_end"]`), today.AddDate(0, 0, 34).Format(time.DateOnly)))
		w.shot("form-filled")
		w.b.click("#program-submit")
		w.b.waitExact("#program-status", "draf")
		w.b.waitText("#phases", "Minggu 5")
		w.b.waitText("#program-facts", "31.71.01")
	}},
	{"publishes after the confirmation and sees the needs", func(t *testing.T, w *walk) {
		w.b.click("#publish-step summary")
		w.shot("publish-confirm")
		w.b.click("#publish")
		w.b.waitText(".flash-ok", "Program telah diterbitkan")
		w.b.waitExact("#program-status", "diterbitkan")
		if n := w.number("#cov-needed"); n <= 0 {
			t.Errorf("the published program needs %d, want more than 0 (Cideng's households)", n)
		}
		w.shot("published")
	}},
}

var officeWalk = []walkStep{
	signInTo("the imports", "/imports", "Impor", func(w *walk) (string, string) { return w.office.Email, w.officePW }),
	{"imports a household file and sees its rejected rows", func(t *testing.T, w *walk) {
		rows := shiftedHouseholds(t, w.vi)
		rejected := 0
		for _, r := range rows {
			if r.want == outRejected {
				rejected++
			}
		}
		file := writeHouseholdCSV(t, rows)
		w.b.do("choose the kind", chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "household"))
		w.b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
		w.shot("import-form")
		w.b.click("#import-submit")
		w.b.waitExact("#import-status", "selesai")
		w.b.waitText("main h1", filepath.Base(file))
		if n := w.number("#rows-done"); n != len(rows) {
			t.Errorf("the import read %d rows, want %d", n, len(rows))
		}
		if n := w.number("#rejected"); n != rejected {
			t.Errorf("the import rejected %d rows, want %d", n, rejected)
		}
		w.b.waitText("#fix-file", "Unduh")
		w.shot("import-done")
	}},
	{"downloads the rows to fix, fixes them and sends them again", func(t *testing.T, w *walk) {
		href := waitFor[string](w.b, "the fix file's link", `() => { const a = document.querySelector("#fix-file"); return a ? a.getAttribute("href") : null; }`)
		body := waitFor[string](w.b, "the fix file", `(path) => fetch(path, {credentials: "same-origin"}).then(r =>
			r.ok ? r.text().then(t => t || " ") : "HTTP " + r.status)`, href)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("the fix file does not parse (%v) or has no rows:\n%s", err, body)
		}
		// The whole household of the mangled NIK comes back, each row with a reason;
		// the office types the NIK in again.
		fixed := 0
		for _, r := range recs[1:] {
			if r[len(r)-2] == "" {
				t.Errorf("row %q has no reason", r)
			}
			if strings.Contains(r[1], "E+") {
				nik := birthNIK(t, "317101", "2012-09-09", true, 4)
				r[1] = nik[:12] + string(rune('0'+w.vi)) + nik[13:]
				fixed++
			}
		}
		if fixed != 1 || len(recs) != 5 {
			t.Fatalf("the fix file has %d rows and %d mangled NIKs, want Budi's household (4 rows) and 1:\n%s", len(recs)-1, fixed, body)
		}
		file := filepath.Join(t.TempDir(), "baris-ditolak.csv")
		var buf strings.Builder
		cw := csv.NewWriter(&buf)
		if err := cw.WriteAll(recs); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(buf.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		w.b.open("/imports")
		w.b.do("choose the kind", chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "household"))
		w.b.do("choose the fixed file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
		w.b.click("#import-submit")
		w.b.waitExact("#import-status", "selesai")
		if n := w.number("#rejected"); n != 0 {
			t.Errorf("the fixed file has %d rows rejected, want 0", n)
		}
		if n := w.number("#accepted") + w.number("#updated"); n != 1 {
			t.Errorf("the fixed file added or changed %d rows, want 1 (the NIK typed in again; the rest merge)", n)
		}
		w.shot("resent")
	}},
	{"reviews a possible duplicate side by side", func(t *testing.T, w *walk) {
		w.b.open("/duplicates")
		href := waitFor[string](w.b, "an open pair", `() => { const a = document.querySelector('#duplicates a[href^="/duplicates/"]'); return a ? a.getAttribute("href") : null; }`)
		w.b.click(`#duplicates a[href="` + href + `"]`)
		w.b.waitText("main h1", "Bandingkan")
		if n := waitFor[int](w.b, "the two households side by side", `() => document.querySelectorAll("article.side").length || null`); n != 2 {
			t.Errorf("the pair page shows %d households, want 2", n)
		}
		w.shot("duplicate-compare")
		w.b.click("#distinct")
		w.b.waitText(".flash-ok", "Keputusan telah disimpan.")
		w.b.waitGone(`#duplicates a[href="` + href + `"]`)
		w.shot("duplicate-decided")
	}},
	{"sees which organisations serve its region", func(t *testing.T, w *walk) {
		w.b.open("/commitments")
		w.b.waitText("#commitments", walkOrg)
		w.b.waitText("#commitments", w.program.Name)
		w.shot("commitments")
	}},
}

var collaboratorWalk = []walkStep{
	signInTo("the commitment form", "/commitments/new", "Berkomitmen memberi bantuan", func(w *walk) (string, string) { return w.collab.Email, w.collabPW }),
	{"chooses the program and types the kelurahan's name", func(t *testing.T, w *walk) {
		w.choose("#program", w.program.ID)
		w.b.waitText(`label:has(#accept)`, w.program.Statement)
		w.b.click("#mode-area")
		w.pick("#region", w.view.collab, w.view.collabCode)
		w.b.fill([][2]string{{"#quantity", strconv.Itoa(walkHouseholds)}})
		w.shot("form-filled")
	}},
	// The preview, too, asks for the statement accepted: it is ticked first.
	{"ticks the statement and previews what it would get", func(t *testing.T, w *walk) {
		w.b.click("#accept")
		w.b.click("#preview-button")
		w.b.waitExact("#pv-allocated", strconv.Itoa(walkHouseholds))
		w.b.waitText("#pv-areas", w.view.collab)
		w.shot("preview")
	}},
	{"commits", func(t *testing.T, w *walk) {
		if !waitFor[bool](w.b, "the statement's box", `() => { const c = document.querySelector("#accept"); return c ? c.checked : null; }`) {
			t.Error("the statement's box is no longer ticked after the preview")
		}
		w.b.click("#commit-submit")
		w.b.waitText(".flash-ok", "Komitmen Anda telah dicatat.")
		w.b.waitExact("#allocated", strconv.Itoa(walkHouseholds))
		w.shot("committed") // with the first page of recipients
	}},
	{"pages through all its recipients", func(t *testing.T, w *walk) {
		allocated := w.number("#allocated")
		seen := map[string]bool{}
		for page := 1; ; page++ {
			names := waitFor[[]string](w.b, "the recipients of page "+strconv.Itoa(page), `() => {
				const rows = [...document.querySelectorAll("#recipients tbody tr[data-status]")];
				return rows.length ? rows.map(r => r.cells[0].textContent.trim()) : null;
			}`)
			for _, n := range names {
				if seen[n] {
					t.Errorf("page %d lists %s again", page, n)
				}
				seen[n] = true
			}
			next := waitFor[string](w.b, "the next link", `() => { const a = document.querySelector("#recipients-next"); return a ? a.getAttribute("href") : " "; }`)
			if next == " " {
				break
			}
			if page > walkHouseholds {
				t.Fatalf("still a next page after %d pages", page)
			}
			w.b.click("#recipients-next")
			waitFor[bool](w.b, "the next page", `(next) => location.pathname + location.search === next.split("#")[0]`, next)
		}
		if len(seen) != allocated || allocated != walkHouseholds {
			t.Errorf("the pages list %d recipients; the commitment allocated %d, want %d", len(seen), allocated, walkHouseholds)
		}
		w.shot("recipients-last-page")
	}},
}

var publicWalk = []walkStep{
	{"opens a program's progress from the home page", func(t *testing.T, w *walk) {
		w.b.open("/")
		w.b.waitText("main h1", "bergotong royong")
		link := fmt.Sprintf(`#program-%s h3 a`, w.program.ID)
		w.b.waitText(link, w.program.Name)
		w.shot("home")
		w.b.click(link)
		w.b.waitText("#program-name", w.program.Name)
	}},
	{"reads the progress per region as the API gives it", func(t *testing.T, w *walk) {
		res, err := http.Get(w.s.URL + "/api/v1/public/programs/" + w.program.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var api struct {
			Needed   int64 `json:"needed"`
			Children []struct {
				Code                         string
				Needed, Allocated, Delivered int64
			} `json:"children"`
		}
		if err := json.NewDecoder(res.Body).Decode(&api); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the public coverage API answers %d: %v", res.StatusCode, err)
		}
		if n := w.number("#cov-needed"); int64(n) != api.Needed || n == 0 {
			t.Errorf("the page shows %d needed; the API %d", n, api.Needed)
		}
		shown := waitFor[map[string][]string](w.b, "the regions' rows", `() => {
			const rows = [...document.querySelectorAll("#coverage tbody tr[data-region]")];
			return rows.length ? Object.fromEntries(rows.map(r => [r.dataset.region,
				[...r.querySelectorAll("td.num")].map(td => td.textContent.replace(/\D/g, ""))])) : null;
		}`)
		if len(shown) != len(api.Children) {
			t.Errorf("the page shows %d regions; the API %d", len(shown), len(api.Children))
		}
		for _, c := range api.Children {
			want := []string{fmt.Sprint(c.Needed), fmt.Sprint(c.Allocated), fmt.Sprint(c.Delivered)}
			if got := shown[c.Code]; len(got) < 3 || strings.Join(got[:3], "/") != strings.Join(want, "/") {
				t.Errorf("%s: the page shows needed/allocated/delivered %v; the API %v", c.Code, got, want)
			}
		}
		w.shot("progress")
	}},
}

// shiftedHouseholds is the office's file for window vi: gambirHouseholds (one
// row rejected, a possible duplicate) with KKs and NIKs of its own per window.
func shiftedHouseholds(t *testing.T, vi int) []memberRow {
	rows := gambirHouseholds(t)
	d := string(rune('0' + vi))
	for i := range rows {
		rows[i].kk = rows[i].kk[:12] + d + rows[i].kk[13:]
		if !strings.Contains(rows[i].nik, "E+") {
			rows[i].nik = rows[i].nik[:12] + d + rows[i].nik[13:]
		}
	}
	return rows
}

// walkSetup fills the registry and publishes the collaborator's program: three
// households in Cideng, and walkHouseholds in each collaborator kelurahan; a
// verified organisation commits in Cideng.
func walkSetup(t *testing.T, s *apptest.Server) program.Program {
	t.Helper()
	file := householdHeader
	n := 0
	add := func(district, village string, count int) {
		for i := range count {
			n++
			birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 97*n).Format(time.DateOnly)
			file += hhRow(kkOf(district, 5000+n), nikOf(district, birth, i%2 == 1, 5000+n), fmt.Sprintf("Warga Jalan %03d", n), birth,
				[]string{"L", "P"}[i%2], "Kepala Keluarga", village, "2", "1", fmt.Sprintf("Jl. Jalan-jalan No. %d", n), "", "")
		}
	}
	add("317101", "31.71.01.1002", 3)
	for _, v := range walkViews {
		add("317102", v.collabCode, walkHouseholds)
	}
	importKind(t, s, adminImporter(t, s), registry.Household, "jalan.csv", file)
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Jalan-jalan", Category: "pangan",
		Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"household"},
		Regions: []string{"31.71"}, Phases: weeks(1), QuantityRule: program.PerTarget, Statement: "Bantuan tidak diperjualbelikan."})
	org, user, _ := s.Org(t, walkOrg, true)
	if _, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: user.ID, OrgID: org.ID},
		allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: "31.71.01.1002", DeliverBy: futureDate(2), AcceptStatement: true}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrowserWalks walks each role's main job (issue 15) on every engine, on a
// phone and on a desktop window: the admin creates and publishes a program with
// the pickers; the office imports a file with errors and sees who serves its
// region; a collaborator commits by a kelurahan's name and pages through all its
// recipients; the public reads a program's progress per region.
func TestBrowserWalks(t *testing.T) {
	longTest(t)
	exe := browserPath(t)
	walks := []struct {
		role  string
		steps []walkStep
	}{{"admin", adminWalk}, {"office", officeWalk}, {"collaborator", collaboratorWalk}, {"public", publicWalk}}
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			// The public page is compared with the API right after commitments.
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			p := walkSetup(t, s)
			office, officePW := s.User(t, account.Office, "31.71", "")
			_, collab, collabPW := s.Org(t, "Yayasan Jalan Bersama", true)
			b := browser(s.URL)
			for vi, view := range walkViews {
				t.Run(view.name, func(t *testing.T) {
					for _, wk := range walks {
						t.Run(wk.role, func(t *testing.T) {
							walkBegan := time.Now()
							b.in(t)
							w := &walk{s: s, b: b, eng: string(eng), view: view, vi: vi, role: wk.role, program: p,
								office: office, officePW: officePW, collab: collab, collabPW: collabPW}
							size := chromedp.EmulateViewport(int64(view.w), int64(view.h))
							if view.phone {
								size = chromedp.EmulateViewport(int64(view.w), int64(view.h), chromedp.EmulateMobile, chromedp.EmulateTouch)
							}
							b.do("sign out and size the window", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
								_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
								return err
							}), size)
							for _, st := range wk.steps {
								if !t.Run(st.name, func(t *testing.T) { b.in(t); st.run(t, w) }) {
									return
								}
							}
							t.Logf("%s %s %s walk took %s", eng, view.name, wk.role, time.Since(walkBegan).Round(time.Millisecond))
						})
					}
				})
			}
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: the walks took %s (with the server's start and the setup)", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}
