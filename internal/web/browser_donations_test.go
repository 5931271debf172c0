package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserOfficeReceivesAPartialDeliveryOnAPhone: on a 360×740 phone a
// donor offers 100 masks and 20 bottles of hand sanitizer to a warehouse in
// Jakarta Pusat; the office of Jakarta Pusat accepts the offer and records the
// first delivery: 60 masks in good condition and 5 bottles damaged. The page
// lists the receipt with its PDF link, and the warehouse's stock grows by the
// 60 good masks only.
func TestBrowserOfficeReceivesAPartialDeliveryOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			b := browser(s.URL)
			wh := makeWarehouse(t, s, "Gudang Peramban Pusat", "31.71.01")
			org, donor, donorPW := s.Org(t, "Yayasan Peramban Donasi", true)
			office, officePW := s.User(t, account.Office, "31.71", "")
			row := func(n int, field string) string {
				return `#offer-rows .offer-row:nth-of-type(` + string(rune('0'+n)) + `) input[name="` + field + `"]`
			}
			var id string

			if !t.Run("the donor offers two items from the catalogue", func(t *testing.T) {
				b.in(t)
				b.open("/donations/new")
				b.waitText("main h1", "Masuk")
				b.signIn(s, donor.Email, donorPW)
				b.waitText("main h1", "Tawarkan barang kepada gugus tugas")
				b.waitText("#warehouse", "Gudang Peramban Pusat")
				b.click("#add-row")
				if n := waitFor[int](b, "four item rows", `() => document.querySelectorAll("#offer-rows .offer-row").length`); n != 4 {
					t.Errorf("%d item rows after adding one, want 4", n)
				}
				b.fill([][2]string{{row(1, "item"), "Masker"}, {row(1, "quantity"), "100"}, {row(1, "unit_value"), "5.000"},
					{row(2, "item"), "Hand sanitizer"}, {row(2, "quantity"), "20"}, {row(2, "unit_value"), "25.000"}})
				b.do("choose the arrival date", chromedp.SetValue(chromedp.CSS("#arrive-on"), time.Now().AddDate(0, 0, 2).Format(time.DateOnly)))
				b.shot("donation-offer-form", phoneW)
				b.click("#offer-submit")
				b.waitExact("#donation-status", "ditawarkan")
				b.waitText("#line-1", "Masker")
				b.waitText("#line-2", "Hand sanitizer")
				id = waitFor[string](b, "the offer's address", `() => location.pathname.startsWith("/donations/") ? location.pathname.slice(11) : null`)
				var n int
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM donations WHERE id = $1 AND org_id = $2 AND warehouse_id = $3`,
					id, org.ID, wh).Scan(&n); err != nil || n != 1 {
					t.Fatalf("the page shows offer %q, which is not the donor's offer to the warehouse (%d, %v)", id, n, err)
				}
				b.shot("donation-offered", phoneW)
				b.click("#logout")
				b.waitText("#nav-login", "Masuk")
			}) {
				return
			}

			if !t.Run("the office accepts the offer", func(t *testing.T) {
				b.in(t)
				b.open("/donations/" + id)
				b.waitText("main h1", "Masuk")
				b.signIn(s, office.Email, officePW)
				b.waitExact("#donation-status", "ditawarkan")
				b.waitText("#donation-facts", "Yayasan Peramban Donasi")
				b.click("#accept")
				b.waitExact("#donation-status", "diterima")
				b.waitText("#receipts", "Belum ada barang yang diterima.")
			}) {
				return
			}

			if !t.Run("it records 60 good masks and 5 damaged bottles", func(t *testing.T) {
				b.in(t)
				b.fill([][2]string{{"#received-1", "60"}, {"#received-2", "5"}, {"#receiver-name", "Pak Satpam Gudang"}})
				b.do("choose the condition", chromedp.SetValue(chromedp.CSS("#condition-2"), "damaged"))
				b.shot("donation-receive-form", phoneW)
				b.click("#receive-submit")
				b.waitExact("#donation-status", "barang diterima")
				b.waitText("#receipts", "Pak Satpam Gudang")
				b.waitText("#receipts", "Masker: 60 pcs baik")
				b.waitText("#receipts", "Hand sanitizer: 5 botol rusak")
				href := waitFor[string](b, "the receipt's PDF link", `() => { const a = document.querySelector("#receipts a.receipt-pdf"); return a ? a.getAttribute("href") : null; }`)
				if !strings.HasPrefix(href, "/api/v1/donations/"+id+"/receipt.pdf?receipt=") {
					t.Errorf("the receipt links to %q", href)
				}
				b.waitExact("#line-1 td:nth-child(5)", "60") // good
				b.waitExact("#line-2 td:nth-child(4)", "5")  // received, any condition
				b.waitExact("#line-2 td:nth-child(5)", "0")
				// A partial delivery: the office may still record more.
				b.waitText("#receive-line-1", "40")
				b.shot("donation-received", phoneW)
				if n := onHand(t, s, wh, "item-masker"); n != 60 {
					t.Errorf("masks on hand: %d, want the 60 good ones", n)
				}
				if n := onHand(t, s, wh, "item-hand-sanitizer"); n != 0 {
					t.Errorf("hand sanitizer on hand: %d, want 0 (the 5 arrived damaged)", n)
				}
			}) {
				return
			}
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("the walk took %s", time.Since(began).Round(time.Millisecond))
		})
	}
}
