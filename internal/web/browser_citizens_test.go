package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// TestBrowserCitizenRegistersOnAPhone: on a 360×740 phone, a person registers as
// a citizen — the human check solves itself while the form is filled in — signs
// in, and finds on the home page and in the menu what a citizen may do; nothing is
// wider than the screen.
func TestBrowserCitizenRegistersOnAPhone(t *testing.T) {
	exe := browserPath(t)
	browser := launch(t, exe)
	s := apptest.Start(t, store.SQLite)
	agg, _, _ := aggregator(t, s, "Agregator Ponsel")
	b := browser(s.URL)
	b.in(t)
	fits := onPhone(t, b)
	email, password := s.Unique("warga.ponsel")+"@test.gotong.local", "kata-sandi-ponsel-warga"
	b.open("/warga/daftar")
	b.waitText("main h1", "Daftar sebagai warga")
	fits("the registration form")
	b.fill([][2]string{{`input[name="name"]`, "Warga Ponsel"}, {`input[name="email"]`, email}, {`input[name="password"]`, password}})
	b.do("choose the kelurahan", chromedp.SetValue(chromedp.CSS(`select[name="region"]`), "31.71.01.1001"))
	waitFor[bool](b, "the human check to be solved", `() => { const f = document.querySelector('#citizen-form input[name="altcha"]'); return !!(f && f.value); }`)
	b.click("#citizen-submit")
	b.waitText("main h1", "Masuk")
	b.waitText(".flash-ok", "Akun Anda siap")
	b.signIn(s, email, password)
	b.waitText("main h1", "Akun saya")
	b.open("/")
	b.waitText("#citizen-home", "Sumbangan saya")
	fits("the citizen's home")
	b.click("#nav-pledges")
	b.waitText("main h1", "Sumbangan saya")
	b.click("#new-pledge")
	b.waitText("#aggregators", agg.Name)
	fits("the pledge form")
	b.shot("citizen-pledge-form", 360)
	b.fill([][2]string{{`#aggregator-` + agg.ID + ` input[name="what"]`, "Beras 5 kg"}})
	b.click(`#aggregator-` + agg.ID + ` button[type="submit"]`)
	b.waitText("#pledges", "Beras 5 kg")
	fits("the citizen's pledges")
}
