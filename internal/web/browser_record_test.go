package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/storetest"
)

// An office corrects a household in the page on a phone and on a desktop: the form
// stacks its fields at 360 px, saves without script trouble and the record shows
// the change.
func TestBrowserCorrectsARecord(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			w := newRecordWorld(t, eng)
			u, pw := w.s.User(t, account.Office, "31.71", "")
			b := browser(w.s.URL)
			b.in(t)
			b.open("/login")
			b.signIn(w.s, u.Email, pw)
			b.waitText("main h1", "Akun saya")
			for _, size := range []struct {
				name   string
				w, h   int
				mobile bool
			}{{"phone", 360, 740, true}, {"desktop", 1280, 800, false}} {
				if size.mobile {
					b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
				} else {
					b.do("a desktop", chromedp.EmulateViewport(1280, 800))
				}
				address := fmt.Sprintf("Jl. Koreksi %s No. 5", size.name)
				b.open("/registry/targets/" + w.id + "/edit")
				b.waitText("main h1", "Koreksi data ini")
				b.shot("record-form-"+size.name, size.w)
				b.fill([][2]string{{"#edit-address", address}})
				b.click("#edit-save")
				b.waitText("#corrected", "Koreksi tersimpan")
				b.waitText("main dl", address)
				b.shot("record-corrected-"+size.name, size.w)
			}
		})
	}
}
