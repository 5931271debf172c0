package web_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserMapOnAPhone: on a 360×740 phone the admin opens the map of Jakarta
// Pusat before any boundary exists (the page says what is missing and still shows
// the table), uploads the kecamatan and then the kelurahan of Gambir through the
// page's form, sees two kecamatan drawn as a choropleth, taps Gambir and sees its
// four kelurahan, the table following, and the puskesmas as a marker.
func TestBrowserMapOnAPhone(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			p := mapFixture(t, s)
			b := browser(s.URL)
			b.in(t)
			b.do("a 360×740 phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
			shapes := func(want int) {
				t.Helper()
				waitFor[bool](b, "the map to draw "+string(rune('0'+want))+" regions",
					`(n) => document.querySelectorAll("#map path.region-shape").length === n`, want)
			}

			b.open("/login")
			b.signIn(s, apptest.AdminEmail, apptest.AdminPassword)
			b.waitText("#logout", "Keluar")

			if !t.Run("without boundaries the page says what is missing and shows the table", func(t *testing.T) {
				b.in(t)
				b.open("/dashboard/map?program=" + p.ID + "&region=31.71")
				b.waitText("main h1", "Peta cakupan")
				b.waitText("#map-missing", "8 dari 8 wilayah di bawah Kota Administrasi Jakarta Pusat belum punya batas wilayah (tingkat kecamatan)")
				b.waitText("#coverage", "Gambir")
				waitFor[bool](b, "Leaflet to start", `() => !!document.querySelector("#map.leaflet-container")`)
				shapes(0)
				b.shot("map-empty", 360)
			}) {
				return
			}

			upload := func(level, file, report string) {
				t.Helper()
				b.do("choose the level", chromedp.SetValue(chromedp.CSS(`select[name="level"]`), level))
				b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
				b.click("#boundary-submit")
				b.waitText("#upload-report", report)
			}
			if !t.Run("the admin uploads kecamatan and kelurahan through the form", func(t *testing.T) {
				b.in(t)
				dir, _ := filepath.Abs(filepath.Join("testdata", "map"))
				upload("district", filepath.Join(dir, "kecamatan-pusat.geojson"), "2 wilayah cocok; 0 fitur tidak cocok")
				upload("village", filepath.Join(dir, "kelurahan-gambir.geojson"), "4 wilayah cocok; 1 fitur tidak cocok")
				b.waitText("#unmatched", "32.73.01.1001")
				b.waitText("#unmatched", "tidak ada wilayah dengan kode itu di provinsi ini")
				shapes(2)
				b.waitText("#map-missing", "6 dari 8 wilayah")
				b.shot("map-kecamatan", 360)
			}) {
				return
			}

			t.Run("tapping Gambir drills down to its kelurahan", func(t *testing.T) {
				b.in(t)
				colour := waitFor[string](b, "Gambir's colour", `() => {
					const p = document.querySelector("#map path.region-shape");
					return p ? p.getAttribute("fill") : null;
				}`)
				if colour != "#fc8d59" { // 10 of 50 packages allocated: 20–40%
					t.Errorf("Gambir is drawn %s, want the 20–40%% colour", colour)
				}
				waitFor[bool](b, "the puskesmas marker", `() => document.querySelectorAll("#map path.institution").length === 1`)
				b.do("tap Gambir", chromedp.Click(chromedp.CSS("#map path.region-shape"), chromedp.NodeVisible))
				shapes(4)
				waitFor[bool](b, "the address to follow", `() => location.search.includes("region=31.71.01") && !location.search.includes("region=31.71.01.")`)
				b.waitText("#map-figures .breadcrumb", "Gambir")
				b.waitText("#map-missing", "2 dari 6 wilayah di bawah Gambir")
				b.waitText("#coverage", "Cideng")
				b.shot("map-gambir", 360)
			})
			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: browser scenario took %s", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}
