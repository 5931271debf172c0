package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserMoveAMemberOnAPhone is issue 15 item 9's move in Chromium, on a
// 360×740 phone: the office opens a pair's compare page, moves Fatmawati from
// Soekarno's KK to Sukarno's with her own button, and sees the decision saved,
// the pair gone from the open ones, the compare page marked decided with her in
// the other household, and both households' sizes changed on their pages. No page
// scrolls sideways.
func TestBrowserMoveAMemberOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			u, pw := s.User(t, account.Office, "31.71", "")
			p := importPair(t, s, s.As(t, u.ID), importer(u))
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			b.open("/login")
			b.signIn(s, u.Email, pw)
			b.waitText("main h1", "Akun saya")

			// side counts the members listed on the compare page under the
			// household named name ("" when it is not there).
			side := func(name string) string {
				return waitFor[string](b, "the members of "+name, `(name) => {
					const a = [...document.querySelectorAll("article.side")].find(a => a.querySelector("h3").textContent.trim() === name);
					return a ? String(a.querySelectorAll("ul.members li").length) + ":" + a.querySelector("ul.members").textContent : null;
				}`, name)
			}
			b.open("/duplicates/" + p.d.ID)
			b.waitText("main h1", "Bandingkan")
			b.waitText("#move-"+p.fatma, "Pindahkan Fatmawati ke KK yang lain")
			// Why the two may be one, in the page's language.
			b.waitText("#pair-reasons", "nama mirip (100%)")
			b.waitText("#pair-reasons", "tanggal lahir sama")
			if got := side("Soekarno Djojo"); got[:2] != "2:" {
				t.Errorf("before the move Soekarno's side lists %s", got)
			}
			b.shot("compare-before", 360)

			b.click("#move-" + p.fatma)
			b.waitText(".flash-ok", "Keputusan telah disimpan.")
			if loc := b.location(); loc != "/duplicates" {
				t.Errorf("after the move the address bar shows %s, want /duplicates", loc)
			}
			b.waitGone(`a[href="/duplicates/` + p.d.ID + `"]`)
			b.waitText("#duplicates", "Tidak ada pasangan yang terbuka.")
			b.shot("duplicates-after", 360)

			b.open("/duplicates/" + p.d.ID)
			b.waitText(".flash-ok", "Diputuskan: berbeda")
			b.waitGone("#move-members")
			if got := side("Soekarno Djojo"); got[:2] != "1:" || strings.Contains(got, "Fatmawati") {
				t.Errorf("after the move Soekarno's side lists %s, want him alone", got)
			}
			if got := side("Sukarno Joyo"); got[:2] != "2:" || !strings.Contains(got, "Fatmawati") {
				t.Errorf("after the move Sukarno's side lists %s, want him and Fatmawati", got)
			}
			b.shot("compare-decided", 360)

			for _, h := range []struct {
				id, name string
				size     int
			}{{p.a.ID, "Soekarno Djojo", 1}, {p.b.ID, "Sukarno Joyo", 2}} {
				b.open("/registry/targets/" + h.id)
				b.waitText("main h1", h.name)
				size := waitFor[string](b, "the size of "+h.name, `() => {
					const dt = [...document.querySelectorAll("main dl dt")].find(dt => dt.textContent.trim() === "Jumlah");
					return dt ? dt.nextElementSibling.textContent.trim() : null;
				}`)
				rows := waitFor[int](b, "the member rows of "+h.name, `() => document.querySelectorAll("#members tbody tr").length || null`)
				if size != strconv.Itoa(h.size)+" · 1 KK" || rows != h.size {
					t.Errorf("%s's page: size %q and %d member rows, want %d (of 1 KK)", h.name, size, rows, h.size)
				}
				b.shot("household-"+strconv.Itoa(h.size), 360)
			}
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors: %v", errs)
			}
		})
	}
}
