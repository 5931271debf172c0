package web_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserCourierDeliversOnAPhone: a courier opens the link on a small phone
// (360×740) and, stop by stop, picks up and records three packages: one with the
// recipient's code, one with a photo of the handover, one that could not be
// delivered (nobody at home). The page shows each result at its stop, and the
// allocations' states are checked in the database.
func TestBrowserCourierDeliversOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 4)
			a := f.allocs
			_, tok := f.run(t, a[0], a[1], a[2])
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			stop := func(id string) string { return `section[data-allocation="` + id + `"]` }
			status := func(id, want string) {
				t.Helper()
				waitFor[bool](b, id+" "+want, `(sel) => !!document.querySelector(sel)`, stop(id)+`[data-status="`+want+`"]`)
			}
			pickup := func(id string) {
				t.Helper()
				b.click(stop(id) + " button.pickup")
				status(id, "dispatched")
				b.waitText(stop(id)+" .n", "Tercatat: paket sudah diambil.")
			}

			if !t.Run("the courier opens the link and sees three stops", func(t *testing.T) {
				b.in(t)
				b.open(courierPath(tok))
				b.waitText("h1", "Pengantaran: 3 tujuan")
				for _, id := range a[:3] {
					status(id, "reserved")
				}
				b.waitText(stop(a[0]), "Peta")
				b.shot("courier-run", 360)
			}) {
				return
			}

			if !t.Run("it delivers the first with the recipient's code", func(t *testing.T) {
				b.in(t)
				pickup(a[0])
				b.fill([][2]string{{stop(a[0]) + ` input[name="recipient_code"]`, f.codes.For(a[0])}, {stop(a[0]) + ` input[name="received_by"]`, "Ibu Panti"}})
				b.click(stop(a[0]) + " button.deliver")
				status(a[0], "delivered")
				b.waitText(stop(a[0])+" .n", "Tercatat: paket sudah diterima.")
				b.waitText("#progress", "tersalurkan 1")
				// Post/Redirect/Get: a reload now reads the page, it does not send the form again.
				n := strings.TrimPrefix(waitFor[string](b, "the stop's number", `(sel) => document.querySelector(sel).id`, stop(a[0])), "stop-")
				if loc := b.location(); loc != courierPath(tok)+"?m=delivered&n="+n {
					t.Errorf("after the delivery the address is %s, want the page of the run at stop %s", loc, n)
				}
				b.shot("courier-delivered-by-code", 360)
			}) {
				return
			}

			if !t.Run("it delivers the second with a photo", func(t *testing.T) {
				b.in(t)
				pickup(a[1])
				var img bytes.Buffer
				if err := jpeg.Encode(&img, testImage(), nil); err != nil {
					t.Fatal(err)
				}
				photo := filepath.Join(t.TempDir(), "serah-terima.jpg")
				if err := os.WriteFile(photo, img.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				b.do("choose the photo", chromedp.SetUploadFiles(chromedp.CSS(stop(a[1])+` input[name="photo"]`), []string{photo}))
				b.fill([][2]string{{stop(a[1]) + ` input[name="received_by"]`, "Pak Satpam"}})
				b.click(stop(a[1]) + " button.deliver")
				status(a[1], "delivered")
				b.waitText(stop(a[1])+" .n", "Tercatat: paket sudah diterima.")
			}) {
				return
			}

			if !t.Run("it cannot deliver the third: nobody at home", func(t *testing.T) {
				b.in(t)
				pickup(a[2])
				b.click(stop(a[2]) + " details summary")
				b.do("choose the reason", chromedp.SetValue(chromedp.CSS(stop(a[2])+` select[name="reason"]`), "not_home"))
				b.fill([][2]string{{stop(a[2]) + ` input[name="note"]`, "pagar terkunci"}})
				b.click(stop(a[2]) + " button.fail")
				status(a[2], "failed")
				b.waitText(stop(a[2])+" .n", "Tercatat: pengantaran gagal.")
				b.waitText("#progress", "Semua tujuan sudah tercatat")
				b.shot("courier-run-done", 360)
			}) {
				return
			}

			t.Run("the database holds what the page shows", func(t *testing.T) {
				for id, want := range map[string]string{a[0]: "delivered", a[1]: "delivered", a[2]: "failed", a[3]: "reserved"} {
					if n := countRows(t, s, `SELECT COUNT(*) FROM allocations WHERE id = $1 AND status = $2`, id, want); n != 1 {
						t.Errorf("allocation %s is not %s", id, want)
					}
				}
				for id, want := range map[string]string{a[0]: "code", a[1]: "photo"} {
					if n := countRows(t, s, `SELECT COUNT(*) FROM delivery_proofs WHERE allocation_id = $1 AND kind = $2`, id, want); n != 1 {
						t.Errorf("allocation %s has no %s proof", id, want)
					}
				}
				if strings.Contains(b.text("body"), f.codes.For(a[1])) {
					t.Error("the page shows a recipient's code")
				}
			})
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: browser scenario took %s", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}

// TestBrowserCollaboratorMakesARun: the collaborator signs in on a phone, opens its
// commitment, ticks a kelurahan's RW as one group, names a courier and makes the
// run; the run's page shows the courier's link once, with a copy button and a
// WhatsApp link; back on the commitment the run is listed and its recipients are
// no longer offered.
func TestBrowserCollaboratorMakesARun(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 3)
			b := browser(s.URL)
			b.in(t)
			b.open("/commitments/" + f.commitment)
			b.waitText("main h1", "Masuk")
			b.signIn(s, f.collabEmail, f.collabPassword)
			b.waitText("#deliveries h2", "Pengantaran")
			b.waitText("#runs", "Belum ada pengantaran.")
			b.waitText("#new-run", "RW 001")
			b.click(`#new-run input[name="groups"]`)
			b.fill([][2]string{{"#courier-name", "Joko Kurir"}, {"#courier-phone", "0812-1111-2222"}})
			b.do("choose the provider", chromedp.SetValue(chromedp.CSS("#provider"), "grabexpress"))
			b.shot("run-form", 360)
			b.click("#make-run")
			b.waitText(".flash-ok", "Pengantaran sudah dibuat.")
			link := waitFor[string](b, "the courier's link", `() => { const i = document.querySelector("#courier-url"); return i && i.value; }`)
			if !strings.HasPrefix(link, s.URL+"/c/") {
				t.Errorf("the courier's link is %q", link)
			}
			b.waitText("#copy-link", "Salin tautan")
			if href := waitFor[string](b, "the WhatsApp link", `() => document.querySelector("#share-whatsapp").href`); !strings.HasPrefix(href, "https://wa.me/?text=") {
				t.Errorf("the WhatsApp link is %q", href)
			}
			b.waitText("#stops", "Panti Antar")
			b.shot("run-made", 360)
			if n := countRows(t, s, `SELECT COUNT(*) FROM delivery_stops s JOIN deliveries d ON d.id = s.delivery_id WHERE d.commitment_id = $1`, f.commitment); n != 3 {
				t.Errorf("the run has %d stops, want the group's 3", n)
			}
			b.click(`nav.breadcrumb a[href$="#deliveries"]`)
			b.waitText("#runs", "Joko Kurir")
			b.waitText("#runs", "diserahkan ke kurir")
			b.waitGone("#new-run")
			b.open(strings.TrimPrefix(waitFor[string](b, "the run's link", `() => document.querySelector("#runs a").getAttribute("href")`), s.URL))
			b.waitText("#stops", "Panti Antar")
			b.waitGone("#courier-url")
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}
