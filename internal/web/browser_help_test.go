package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserCitizenAsksForHelpAndTheOfficeAcceptsIt: on a 360×740 phone a
// neighbour asks, without an account, for food for a family in self-isolation in
// Cideng (Gambir, Jakarta Pusat); the page solves the human check by itself
// and shows the reference. The office of Jakarta Pusat finds the request in its
// list, opens it, accepts it into a program, and the registry gains exactly that
// one person with the program's need; the status page then says "diterima".
// cheapW × cheapH is a cheap phone's screen, smaller than the other walks' phone.
const cheapW, cheapH = 360, 740

func TestBrowserCitizenAsksForHelpAndTheOfficeAcceptsIt(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			b := browser(s.URL)
			w := newHelpWorld(t, s)
			office, officePW := s.User(t, account.Office, "31.71", "")
			var reference string

			if !t.Run("a neighbour asks for help on a phone", func(t *testing.T) {
				b.in(t)
				b.do("set a 360×740 phone", chromedp.EmulateViewport(cheapW, cheapH, chromedp.EmulateMobile, chromedp.EmulateTouch))
				b.open("/")
				b.click("#ask-help")
				b.waitText("main h1", "Minta bantuan")
				b.click(`input[name="kind"][value="help"]`)
				b.do("write the need", chromedp.SetValue(chromedp.CSS("#need"), "Sekeluarga isolasi mandiri, butuh makanan"))
				b.fill([][2]string{{"#name", "Bu Ratna Peramban"},
					{"#address", "Jl. Kebon Kelapa Gg. 2 No. 5"}, {"#rw", "2"}, {"#rt", "4"},
					{"#requester_name", "Pak Tetangga"}, {"#requester_phone", "0812-7000-0042"}})
				b.do("choose the kelurahan", chromedp.SetValue(chromedp.CSS("#region"), helpVillage))
				b.do("choose how urgent", chromedp.SetValue(chromedp.CSS("#urgency"), "critical"))
				b.click("#on_behalf")
				waitFor[bool](b, "the human check", `() => { const i = document.querySelector('input[name="altcha"]'); return !!(i && i.value) || null; }`)
				waitFor[bool](b, "a page no wider than the phone", `() => document.documentElement.scrollWidth <= window.innerWidth || null`)
				b.shot("help-form", cheapW)
				b.click("#help-submit")
				reference = b.text("#help-reference")
				if !strings.HasPrefix(reference, "BW-") || len(reference) != 11 {
					t.Fatalf("the reference shown is %q", reference)
				}
				b.waitText("#help-sent", "Catat nomornya")
				b.shot("help-sent", cheapW)
			}) {
				return
			}

			var id string
			if !t.Run("the office of Jakarta Pusat accepts it into a program", func(t *testing.T) {
				b.in(t)
				targets := func() int {
					var n int
					if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM targets`).Scan(&n); err != nil {
						t.Fatal(err)
					}
					return n
				}
				before := targets()
				b.open("/help-requests")
				b.waitText("main h1", "Masuk")
				b.signIn(s, office.Email, officePW)
				b.waitText("#help-requests", "Bu Ratna Peramban")
				b.waitText("#help-requests", "sangat mendesak")
				b.shot("help-requests", cheapW)
				b.click("#help-requests a")
				b.waitText("#help-name", "Bu Ratna Peramban")
				b.waitText("#help-candidates", "menambah orang baru")
				b.do("choose the program", chromedp.SetValue(chromedp.CSS("#program_id"), w.program.ID))
				b.click("#accept")
				b.waitExact("#help-status", "diterima")
				b.waitText("#help-target", "ditambahkan sebagai orang baru")
				b.shot("help-accepted", cheapW)
				id = waitFor[string](b, "the request's address", `() => location.pathname.startsWith("/help-requests/") ? location.pathname.slice(15) : null`)
				r, err := s.App.Help.Get(s.Ctx(), "31.71", id, true)
				if err != nil || r.Status != help.Accepted || r.MatchedExisting || len(r.NeedIDs) != 1 || r.ProgramID != w.program.ID {
					t.Fatalf("after accepting: %+v %v", r, err)
				}
				if n := targets(); n != before+1 {
					t.Fatalf("%d targets after accepting, want %d (one new person)", n, before+1)
				}
				b.click("#logout")
				b.waitText("#nav-login", "Masuk")
			}) {
				return
			}

			t.Run("the neighbour sees it accepted", func(t *testing.T) {
				b.in(t)
				b.open("/bantuan/status")
				b.fill([][2]string{{"#ref", strings.ToLower(reference)}, {"#last4", "0042"}})
				b.click("#help-check")
				b.waitExact("#help-status", "diterima")
				b.shot("help-status", cheapW)
			})
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("the walk took %s", time.Since(began).Round(time.Millisecond))
		})
	}
}
