package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/web"
)

// nextFrames resolves after two animation frames: by then the resize steps of
// the rendering that follows a change of viewport, and so the page's resize
// handlers, have run.
const nextFrames = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`

// axeRun runs axe-core (testdata/axe, injected by the test, never served by the
// site) on the document for WCAG 2.0/2.1 A and AA, and returns the serious and
// critical violations, each with the elements it found, as JSON.
const axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
	resultTypes: ["violations"],
}).then(r => JSON.stringify(r.violations
	.filter(v => v.impact === "serious" || v.impact === "critical")
	.map(v => v.impact + " " + v.id + " (" + v.help + "): " +
		v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(" | ") +
		(v.nodes.length > 4 ? " and " + (v.nodes.length - 4) + " more" : ""))))`

// crawlLinks are the same-origin addresses a page links to, as written.
const crawlLinks = `() => JSON.stringify([...document.querySelectorAll("a[href]")]
	.filter(a => !a.hasAttribute("download"))
	.map(a => a.href))`

// englishWords are common English words of a page's controls: on an Indonesian
// page they show a text typed into a template or made in Go without the
// catalogue. They are matched whole and with their capital, as a button or a
// heading shows them.
var englishWords = []string{"Next", "Previous", "Search", "Save", "Cancel", "Delete", "Submit", "Loading", "Error", "Show",
	"Download", "Page", "Back", "Close", "Edit", "Send", "Sign in", "Sign out", "Yes", "Open", "Print", "Remove", "Update", "Settings"}

// notEnglishData are texts of the demo's data that read as English words or
// phrases but are names, kept as they are in every language.
var notEnglishData = []string{}

// englishText returns, as JSON, the English phrases (a list) and words (another)
// that the Indonesian page shows: in its visible text (innerText, so hidden
// elements do not count; the check runs at desktop width, where the menu shows),
// its title and the title, aria-label, placeholder and alt attributes. Lines (and
// a table row's cells) are matched one by one, so a phrase never spans two blocks.
const englishText = `({phrases, words, data}) => {
	const esc = s => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "[ \\u00a0]+");
	const whole = (list, flags) => new RegExp("(?<![\\p{L}\\p{N}])(?:" + list.map(esc).join("|") + ")(?![\\p{L}\\p{N}])", flags);
	const byLength = [...phrases].sort((a, b) => b.length - a.length);
	const phrase = whole(byLength, "giu"), word = whole(words, "gu");
	const attrs = [...document.querySelectorAll("[title], [aria-label], [placeholder], [alt]")]
		.flatMap(e => ["title", "aria-label", "placeholder", "alt"].map(a => e.getAttribute(a) || ""));
	let text = [document.title, document.body.innerText, ...attrs].join("\n");
	for (const d of data) text = text.split(d).join(" ");
	const found = new Set();
	for (const line of text.split(/[\n\t]+/)) {
		for (const m of line.matchAll(phrase)) found.add("phrase " + JSON.stringify(m[0]) + " in " + JSON.stringify(line.trim().slice(0, 120)));
		for (const m of line.matchAll(word)) found.add("word " + JSON.stringify(m[0]) + " in " + JSON.stringify(line.trim().slice(0, 120)));
	}
	return JSON.stringify([...found]);
}`

// maxPages bounds the pages one role's crawl opens.
const maxPages = 45

// idSegment is a path segment that names a record or region (a number, an id, a
// region code, a token): pages differing only there are one page pattern.
var idSegment = regexp.MustCompile(`\d`)

// pagePattern collapses the ids of a path, so one page per route is opened.
func pagePattern(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if idSegment.MatchString(s) || len(s) >= 20 {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// crawlable says whether the crawl opens path: GET pages only, not signing out,
// switching language, downloads, the API or machine answers.
func crawlable(path string) bool {
	for _, p := range []string{"/logout", "/lang/", "/api/", "/static/", "/healthz", "/readyz", "/feed.json"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	if strings.HasSuffix(path, "/progress") { // an htmx fragment, checked inside its page
		return false
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".xlsx", ".pdf", ".zip", ".json", ".geojson", ".png":
		return false
	}
	return true
}

// TestBrowserEveryPageAccessible crawls, as each role of a demo database, every
// page its menu offers and the pages those link to (one per route, ids collapsed),
// and on every page, on a 360×740 phone, fails on: an axe-core violation of impact
// serious or critical (WCAG 2.1 A and AA), a page wider than the screen or a code
// shown instead of words (pageProblems), and a text rendered in Indonesian without
// a translation (the server records those keys while the test runs). axe runs
// again at desktop width, where the menu is laid out otherwise, without reloading,
// and there the page must show no English (englishText). Pages behind ids no menu
// leads to are opened from records the fixture makes (newCrawlExtras), and each
// role must reach the pages it may see (must). It runs on every engine: the
// fixture's records and what the pages list are made and read by its queries.
func TestBrowserEveryPageAccessible(t *testing.T) {
	longTest(t)
	exe := browserPath(t)
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) { crawlEveryPage(t, exe, axe, eng) })
	}
}

// crawlEveryPage is TestBrowserEveryPageAccessible on one engine.
func crawlEveryPage(t *testing.T, exe string, axe []byte, eng store.Engine) {
	browser := launch(t, exe)
	take, stop := web.RecordUntranslated()
	t.Cleanup(stop)
	s := apptest.Start(t, eng, func(c *app.Config) { c.Demo, c.DemoRows = true, 300 })
	// A commitment with reserved allocations: its collaborator sends a run, so the
	// run's page and the courier's page (the courier has no account, only the link)
	// are checked too.
	var orgID, commitmentID string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT c.org_id, c.id FROM commitments c
		WHERE EXISTS (SELECT 1 FROM allocations a WHERE a.commitment_id = c.id AND a.status = 'reserved') ORDER BY c.id LIMIT 1`).Scan(&orgID, &commitmentID); err != nil {
		t.Fatalf("the demo has no commitment with reserved allocations: %v", err)
	}
	collab, collabPW := s.User(t, account.Collaborator, "", orgID)
	var stops []string
	rows, err := s.App.DB.R().QueryContext(s.Ctx(), `SELECT id FROM allocations WHERE commitment_id = $1 AND status = 'reserved' ORDER BY id LIMIT 2`, commitmentID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stops = append(stops, id)
	}
	rows.Close()
	// The office is the office of the first stop's kota: the call-back sample of
	// that stop is its to see.
	kota := one(t, s, "the stop's region", `SELECT region FROM allocations WHERE id = $1`, stops[0])[:5]
	office, officePW := s.User(t, account.Office, kota, "")
	var run struct {
		ID         string
		CourierURL string `json:"courier_url"`
	}
	if r := s.As(t, collab.ID).Do(t, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": commitmentID, "allocation_ids": stops,
		"courier": map[string]string{"provider": "gosend", "name": "Budi Kurir", "phone": "0812-3456-7890", "plate": "b 1234 xyz", "booking_ref": "GS-1"}}); r.Status != 201 {
		t.Fatalf("send a run: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &run)
	}
	courierPage := strings.TrimPrefix(run.CourierURL, s.URL)
	citizen, citizenPW := s.User(t, account.Citizen, kota, "")
	extras := newCrawlExtras(t, s, office, citizen, account.Principal{UserID: collab.ID, Role: account.Collaborator, OrgID: orgID, OrgVerified: true},
		run.ID, courierPage[strings.LastIndex(courierPage, "/")+1:], stops)
	phrases := web.EnglishPhrases()
	if len(phrases) < 500 {
		t.Fatalf("only %d English phrases to look for", len(phrases))
	}
	b := browser(s.URL)
	b.in(t)
	b.allow("/no-such-page") // the error page is checked too; its 404 is meant
	phone := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch)
	b.do("a 360×740 phone", phone)

	// check returns what is wrong with the page the tab shows.
	check := func(page string) []string {
		var out []string
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			b.fail("inject axe-core into %s: %v", page, err)
		}
		for _, width := range []string{"phone", "desktop"} {
			if width == "desktop" {
				b.do("a desktop", chromedp.EmulateViewport(desktopW, desktopH))
				// The page's resize handlers (tables.js gives a table that now
				// scrolls its keyboard focus) run before the next frame's
				// callbacks: axe looks after two frames, not before them.
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](nextFrames, chromedp.EvalAwaitPromise)); err != nil {
					b.fail("wait for %s to be laid out at desktop width: %v", page, err)
				}
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			if err != nil {
				b.fail("run axe-core on %s: %v", page, err)
			}
			var found []string
			if err := json.Unmarshal([]byte(got), &found); err != nil {
				b.fail("axe-core's answer on %s: %v", page, err)
			}
			for _, f := range found {
				out = append(out, "axe at "+width+" width: "+f)
			}
			if width == "desktop" {
				var english []string
				if err := json.Unmarshal([]byte(waitFor[string](b, "the English on the page", englishText,
					map[string][]string{"phrases": phrases, "words": englishWords, "data": notEnglishData})), &english); err != nil {
					b.fail("the English on %s: %v", page, err)
				}
				for _, e := range english {
					out = append(out, "English on the Indonesian page: "+e)
				}
			}
			if width == "phone" {
				var problems []string
				if err := json.Unmarshal([]byte(waitFor[string](b, "the page's problems", pageProblems)), &problems); err != nil {
					b.fail("the problems of %s: %v", page, err)
				}
				out = append(out, problems...)
			}
		}
		b.do("a 360×740 phone", phone)
		for _, k := range take() {
			// The recording hears every server of this process, and the longest
			// tests run side by side: the key may have been rendered by another
			// test's server while this page was open.
			out = append(out, "no Indonesian for "+strconv.Quote(k)+" (rendered while this page was open, by this or a parallel test)")
		}
		return out
	}

	t.Run("self-check", func(t *testing.T) {
		// The check itself finds an input without a label, a page wider than the
		// screen, an untranslated text, and English typed into a page.
		b.in(t)
		b.open("/")
		waitFor[bool](b, "home to load", `() => document.readyState === "complete"`)
		take()
		waitFor[bool](b, "a broken input", `() => { const m = document.querySelector("main");
			m.insertAdjacentHTML("beforeend", '<input type="text" id="unlabelled"><div id="too-wide">wide</div>' +
				'<p>Possible duplicates</p><span title="Download">x</span>');
			document.querySelector("#too-wide").style.width = "900px"; // the CSP forbids a style attribute
			return true; }`)
		web.SayForTest("id", "a text nobody translated")
		got := strings.Join(check("/ with a broken input"), "\n")
		for _, want := range []string{"label", "#unlabelled", "px wide on a 360 px screen", "a text nobody translated",
			`English on the Indonesian page: phrase "Possible duplicates"`, `English on the Indonesian page: word "Download"`} {
			if !strings.Contains(got, want) {
				t.Errorf("the check of a broken page does not say %q; it says:\n%s", want, got)
			}
		}
	})

	began := time.Now()
	total := 0
	for _, who := range []struct {
		name, email, password string
		more                  []string // pages no link leads to
		must                  []string // page patterns the crawl must reach
	}{
		{"admin", apptest.AdminEmail, apptest.AdminPassword, nil, []string{"/duplicates/{id}", "/verifications/{id}"}},
		{"office", office.Email, officePW, nil, []string{"/duplicates/{id}", "/verifications/{id}"}},
		{"collaborator", collab.Email, collabPW, []string{"/deliveries/" + run.ID}, []string{"/deliveries/{id}", "/commitments/{id}"}},
		{"citizen", citizen.Email, citizenPW, nil, []string{"/pledges/new"}},
		{"public", "", "", append([]string{courierPage, "/embed/summary", "/no-such-page"}, extras.public...),
			[]string{"/verify/bast/{id}", "/verify/certificate/{id}", "/verify/receipt/{id}", "/verify/donor-certificate/{id}", "/embed/programs/{id}", "/password/reset"}},
	} {
		t.Run(who.name, func(t *testing.T) {
			b.in(t)
			if who.email != "" {
				b.open("/login")
				b.signIn(s, who.email, who.password)
				waitFor[bool](b, "signed in", `() => !!document.querySelector("#logout")`)
			}
			start := []string{"/", "/account", "/privacy"}
			if who.email == "" {
				start = []string{"/", "/login", "/register", "/password/forgot", "/warga/daftar", "/cek-bantuan", "/bantuan", "/privacy", "/dashboard", "/dashboard/map"}
			}
			queue := append(start, who.more...)
			seen := map[string]bool{}
			for _, p := range queue {
				seen[pagePattern(p)] = true
			}
			var opened []string
			for len(queue) > 0 && len(opened) < maxPages {
				page := queue[0]
				queue = queue[1:]
				// A page that does not load within a step is asked again with
				// more time (a loaded machine, the race detector) before the
				// crawl gives it up; a page given up fails the role's check of
				// the pages it must reach.
				var err error
				for _, wait := range []time.Duration{stepTimeout, 4 * stepTimeout} {
					ctx, cancel := context.WithTimeout(b.ctx, wait)
					_, err = chromedp.Run(ctx, chromedp.Navigate(b.base+page))
					cancel()
					if err == nil {
						break
					}
				}
				if err != nil {
					t.Logf("skip %s: %v", page, err)
					continue
				}
				if html := waitFor[string](b, page+" to load", `() => document.readyState === "complete" ? document.contentType : null`); html != "text/html" {
					continue
				}
				time.Sleep(150 * time.Millisecond) // scripts that draw the page, htmx loads
				b.settled()
				opened = append(opened, page)
				for _, p := range check(page) {
					t.Errorf("%s as %s: %s", page, who.name, p)
				}
				var links []string
				if err := json.Unmarshal([]byte(waitFor[string](b, "the links", crawlLinks)), &links); err != nil {
					t.Fatal(err)
				}
				for _, l := range links {
					u, err := url.Parse(l)
					if err != nil || u.Scheme+"://"+u.Host != b.base || !crawlable(u.Path) {
						continue
					}
					if pat := pagePattern(u.Path); !seen[pat] {
						seen[pat] = true
						next := u.Path
						if u.RawQuery != "" {
							next += "?" + u.RawQuery
						}
						queue = append(queue, next)
					}
				}
			}
			t.Logf("%s: %d pages checked (%d more not opened): %v", who.name, len(opened), len(queue), opened)
			reached := map[string]bool{}
			for _, p := range opened {
				reached[pagePattern(strings.SplitN(p, "?", 2)[0])] = true
			}
			for _, p := range who.must {
				if !reached[p] {
					t.Errorf("%s: the crawl did not open a page %s", who.name, p)
				}
			}
			total += len(opened)
			if len(opened) < 3 {
				t.Errorf("%s: only %d pages opened", who.name, len(opened))
			}
			if who.email != "" {
				b.click("#logout")
				waitFor[bool](b, "the sign-out", `() => !document.querySelector("#logout")`)
			}
		})
	}
	t.Logf("%d pages checked in %s", total, time.Since(began).Round(time.Second))
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the pages reported errors: %v", errs)
	}
}
