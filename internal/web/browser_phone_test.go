package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// pageProblems is what a page shows a person that it should not (issue 15 items 5
// and 6): the document wider than the screen, and codes instead of words in the
// visible text — audit actions such as allocation.recipients.view and tags such as
// ibu_hamil. E-mail addresses, web addresses and file names are words enough.
const pageProblems = `() => {
	const out = [];
	const w = document.documentElement.scrollWidth;
	if (w > 360) out.push("the page is " + w + " px wide on a 360 px screen");
	const text = document.body.innerText
		.replace(/\S+@\S+/g, " ")
		.replace(/\bhttps?:\/\/\S+/g, " ")
		.replace(/\b[\w.-]+\.(csv|xlsx|pdf|json|png|zip|geojson)\b/g, " ");
	const codes = text.match(/\b[a-z]+(?:\.[a-z_]+)+\b/g) || [];
	const tags = text.match(/\b[a-z]+_[a-z_]+\b/g) || [];
	for (const c of new Set(codes)) out.push("a code in the text: " + c);
	for (const c of new Set(tags)) out.push("a tag or code with _ in the text: " + c);
	return JSON.stringify(out);
}`

// TestBrowserPhoneEveryMenuPage opens, on a 360×740 phone, every page the menu
// offers the admin, an office, a collaborator and the public of a demo-like database (the
// demo's own data, a small registry), through the menu button, and fails on a page
// that scrolls sideways or shows a code instead of words.
func TestBrowserPhoneEveryMenuPage(t *testing.T) {
	longTest(t)
	exe := browserPath(t)
	eng := storetest.Engines(t)[0]
	browser := launch(t, exe)
	s := apptest.Start(t, eng, func(c *app.Config) { c.Demo, c.DemoRows = true, 300 })
	var orgID string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT org_id FROM commitments ORDER BY id LIMIT 1`).Scan(&orgID); err != nil {
		t.Fatalf("the demo has no commitment: %v", err)
	}
	office, officePW := s.User(t, account.Office, "31.71", "")
	collab, collabPW := s.User(t, account.Collaborator, "", orgID)
	b := browser(s.URL)
	b.in(t)
	b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, who := range []struct{ name, email, password string }{
		{"admin", apptest.AdminEmail, apptest.AdminPassword},
		{"office", office.Email, officePW},
		{"collaborator", collab.Email, collabPW},
		{"public", "", ""},
	} {
		t.Run(who.name, func(t *testing.T) {
			b.in(t)
			if who.email != "" {
				b.open("/login")
				b.signIn(s, who.email, who.password)
				b.waitText("main h1", "Akun saya")
			} else {
				b.open("/")
			}
			// The menu is closed behind its button on a phone, and opens without script.
			if shown := waitFor[string](b, "the menu's state", `() => getComputedStyle(document.querySelector(".menu-items")).display + "/" + getComputedStyle(document.querySelector("#menu-button")).display`); !strings.HasPrefix(shown, "none/") || shown == "none/none" {
				t.Errorf("on a phone the menu and its button show as %s, want the menu hidden behind the button", shown)
			}
			links := waitFor[[]string](b, "the menu's links", `() => {
				const hrefs = [...document.querySelectorAll(".menu-items a[href^='/']")].map(a => a.getAttribute("href"))
					.filter(h => !h.startsWith("/lang/"));
				if (!document.querySelector("#logout")) hrefs.push("/"); // the public's progress pages start at home
				return hrefs.length ? [...new Set(hrefs)] : null;
			}`)
			if len(links) < 4 {
				t.Fatalf("the %s's menu has only %v", who.name, links)
			}
			// And one record each menu page lists (a program, a commitment, a
			// household...), where detail tables live.
			seen := map[string]bool{}
			for _, l := range links {
				seen[l] = true
			}
			pages := append([]string(nil), links...)
			for i, link := range links {
				if i > 0 && !seen[link] {
					continue
				}
				b.open(link)
				waitFor[bool](b, link+" to load", `() => document.readyState === "complete" && !!document.querySelector("main")`)
				first := waitFor[string](b, "a record on "+link, `(here) => {
					const a = [...document.querySelectorAll("main a[href^='/']")].map(a => a.getAttribute("href"))
						.find(h => h.split("?")[0] !== here && h.startsWith(here === "/" ? "/public/" : here + "/") && !h.startsWith("/api/") && !h.includes("/new"));
					return a || " ";
				}`, link)
				if first != " " && !seen[first] {
					seen[first] = true
					pages = append(pages, first)
				}
			}
			t.Logf("%s opens %d pages: %v", who.name, len(pages), pages)
			for _, link := range pages {
				b.open(link)
				waitFor[bool](b, link+" to load", `() => document.readyState === "complete" && !!document.querySelector("main")`)
				time.Sleep(150 * time.Millisecond) // scripts that draw the page (tables.js, the dashboard)
				small := waitFor[int](b, "the touch targets", `() => [...document.querySelectorAll(".menu-button, .lang-switch a")].filter(e => { const h = e.getBoundingClientRect().height; return h > 0 && h < 44; }).length + 1`) - 1
				if small > 0 {
					t.Errorf("%s as %s: %d menu targets are lower than 44 px", link, who.name, small)
				}
				if p := waitFor[string](b, "the page's problems", pageProblems); p != "[]" {
					t.Errorf("%s as %s: %s", link, who.name, p)
					b.shot(strings.ReplaceAll(strings.Trim(link, "/"), "/", "-")+"-"+who.name, 360)
				}
			}
			if who.email == "" {
				return
			}
			// On a desktop the menu shows itself and the button hides.
			b.do("a desktop", chromedp.EmulateViewport(1280, 900))
			b.open("/account")
			if shown := waitFor[string](b, "the desktop menu", `() => getComputedStyle(document.querySelector(".menu-items")).display + "/" + getComputedStyle(document.querySelector("#menu-button")).display`); shown != "flex/none" {
				t.Errorf("on a desktop the menu and its button show as %s, want flex/none", shown)
			}
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			b.open("/account")
			b.click("#menu-button")
			waitFor[bool](b, "the menu to open", `() => getComputedStyle(document.querySelector(".menu-items")).display === "flex"`)
			b.shot("menu-open-"+who.name, 360)
			b.click("#logout")
			waitFor[bool](b, "the sign-out", `() => !document.querySelector("#logout")`)
		})
	}
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the pages reported errors: %v", errs)
	}
}
