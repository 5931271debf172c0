package web_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserDashboardDrillDown: the admin opens the dashboard on a 360×740 phone,
// drills down from the province to a kota, a kecamatan and a kelurahan, whose rows
// are its RWs; the chart of deliveries per day is drawn; a delivery made meanwhile
// shows in the figures without the page being reloaded; nothing is wider than the
// screen.
func TestBrowserDashboardDrillDown(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			f := newDashFixture(t, s)
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			b.open("/dashboard?refresh=2&program=" + f.program)
			b.waitText("main h1", "Masuk")
			b.signIn(s, apptest.AdminEmail, apptest.AdminPassword)
			b.waitText("main h1", "Dasbor")
			b.waitText("#dash-region", "Daerah Khusus Ibukota Jakarta")
			b.waitText("#dash-total", "42")

			fits := func(where string) {
				t.Helper()
				if w := waitFor[int](b, "the page's width", `() => document.documentElement.scrollWidth`); w > 360 {
					t.Errorf("%s: the page is %d px wide on a 360 px screen", where, w)
				}
			}
			fits("the province")
			b.click(`li[data-code="31.71"] a`)
			b.waitText("#dash-region", "Jakarta Pusat")
			b.click(`li[data-code="31.71.02"] a`)
			b.waitText("#dash-region", "Sawah Besar")
			b.waitText(`li[data-code="31.71.02.1001"]`, "RW terpenuhi")
			b.click(`li[data-code="31.71.02.1001"] a`)
			b.waitText("#dash-region", "Pasar Baru")
			b.waitText(`li[data-code="001"]`, "RW 001")
			b.waitText(`li[data-code="004"]`, "RW 004")
			fits("the kelurahan")
			if trail := waitFor[string](b, "the trail", `() => [...document.querySelectorAll("nav.breadcrumb li")].map(li => li.textContent.trim()).join(" > ")`); trail !=
				"Daerah Khusus Ibukota Jakarta > Kota Administrasi Jakarta Pusat > Sawah Besar > Pasar Baru" {
				t.Errorf("the trail is %q, want province > kota > kecamatan > kelurahan", trail)
			}
			waitFor[bool](b, "the chart to be drawn", `() => !!(window.gotongDashboard && window.gotongDashboard.chart) && document.querySelector("#dash-daily").width > 0`)
			b.shot("dashboard-kelurahan", 360)

			// A delivery in Pasar Baru, made while the page is open.
			before := b.text(`#dash-total [data-f="delivered"]`)
			var id string
			var qty int
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT id, quantity FROM allocations WHERE region = '31.71.02.1001' AND status = 'reserved' ORDER BY id LIMIT 1`).Scan(&id, &qty); err != nil {
				t.Fatal(err)
			}
			waitFor[bool](b, "the page marked", `() => { window.notReloaded = true; return true; }`)
			f.deliver(t, id)
			n, err := strconv.Atoi(before)
			if err != nil {
				t.Fatalf("delivered reads %q", before)
			}
			b.waitExact(`#dash-total [data-f="delivered"]`, strconv.Itoa(n+qty))
			waitFor[bool](b, "the same page, not reloaded", `() => window.notReloaded === true`)
			b.shot("dashboard-refreshed", 360)
			time.Sleep(100 * time.Millisecond)
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors: %v", errs)
			}
		})
	}
}
