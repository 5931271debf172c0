package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// TestBrowserProgramFormRegionPicker: on a 360×740 phone, an admin types part of a
// kelurahan's name into the program form, taps it in the picker's list (which
// names its kecamatan and kota), writes the unit value as "Rp50.000", and saves
// the program with the kelurahan by code; then narrows the warehouse form's long
// list of regions by typing a name.
func TestBrowserProgramFormRegionPicker(t *testing.T) {
	exe := browserPath(t)
	browser := launch(t, exe)
	s := apptest.Start(t, store.SQLite)
	b := browser(s.URL)
	b.in(t)
	fits := onPhone(t, b)
	b.open("/programs/new")
	b.waitText("main h1", "Masuk")
	b.signIn(s, apptest.AdminEmail, apptest.AdminPassword)
	b.waitText("main h1", "Program baru")
	b.fill([][2]string{{`input[name="name"]`, "Sembako Pemilih"}, {`input[name="category"]`, "pangan"},
		{`input[name="item_name"]`, "Sembako"}, {`input[name="unit_value"]`, "Rp50.000"}, {`input[name="regions"]`, "ciden"}})
	b.waitText(`#program-form [role="listbox"] [role="option"]`, "Cideng — Gambir, Kota Administrasi Jakarta Pusat")
	fits("the form with the picker's list open")
	b.shot("program-region-picker", 360)
	b.click(`#program-form [role="option"][data-code="31.71.01.1002"]`)
	got := waitFor[string](b, "the chosen region", `() => { const v = document.querySelector('input[name="regions"]').value; return v.includes("Cideng") ? v : null; }`)
	if got != "Cideng — Gambir, " {
		t.Errorf("the regions field holds %q after choosing Cideng", got)
	}
	b.click("#program-submit")
	b.waitText(".flash-ok", "draf")
	if page := b.text("main"); !strings.Contains(page, "Cideng") || !strings.Contains(page, "50.000") {
		t.Errorf("the saved program does not show Cideng and Rp50.000: %.600s", page)
	}
	fits("the saved program")

	// A long list of regions gets a search box: typing keeps the matching names
	// and chooses the first.
	b.open("/warehouses")
	b.waitText("main h1", "Gudang")
	b.fill([][2]string{{`form:has(#add-warehouse) input.region-filter`, "gambir"}})
	if v := waitFor[string](b, "the chosen kecamatan", `() => { const v = document.querySelector('form:has(#add-warehouse) select[name="region"]').value; return v === "31.71.01" ? v : null; }`); v != "31.71.01" {
		t.Errorf("the warehouse's region is %q after searching gambir", v)
	}
	fits("the warehouse form with its search box")
}

// onPhone makes the tab a 360×740 touch phone and returns a check that nothing
// on the page is wider than its screen.
func onPhone(t *testing.T, b *tab) func(where string) {
	b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	return func(where string) {
		t.Helper()
		if w := waitFor[int](b, "the page's width", `() => document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("%s: the page is %d px wide on a 360 px screen", where, w)
		}
	}
}
