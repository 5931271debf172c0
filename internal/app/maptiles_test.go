package app_test

import (
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/web"
)

// The map's tiles given at start-up (serve --map-tiles) reach the map page, and a
// later start with other tiles replaces them.
func TestMapTilesGivenAtStartUpReachTheMapPage(t *testing.T) {
	s := apptest.Start(t, store.SQLite, func(c *app.Config) {
		c.MapTiles, c.MapTilesCredit = "https://tiles.example.net/{z}/{x}/{y}.png", "© Peta Contoh"
	})
	admin, password := s.User(t, account.Admin, "", "")
	cl := s.Client()
	cl.Login(t, admin.Email, password)
	res := cl.Do(t, "GET", "/dashboard/map", nil)
	if csp := res.Header.Get("Content-Security-Policy"); res.Status != 200 || !strings.Contains(csp, "https://tiles.example.net") {
		t.Fatalf("map page %d, CSP %q", res.Status, csp)
	}
	if !strings.Contains(string(res.Body), "© Peta Contoh") && !strings.Contains(string(res.Body), "&copy; Peta Contoh") {
		t.Errorf("the tiles' credit is not on the page")
	}
	for name, want := range map[string]string{web.TileURLSetting: "https://tiles.example.net/{z}/{x}/{y}.png", web.TileAttributionSetting: "© Peta Contoh"} {
		if got, err := s.App.DB.Setting(s.Ctx(), name); err != nil || got != want {
			t.Errorf("setting %s = %q (%v), want %q", name, got, err, want)
		}
	}
	if err := s.App.DB.PutSetting(s.Ctx(), web.TileURLSetting, "https://other.example.org/{z}/{x}/{y}.png"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.App.DB.Setting(s.Ctx(), web.TileURLSetting); got != "https://other.example.org/{z}/{x}/{y}.png" {
		t.Errorf("PutSetting did not replace the value: %q", got)
	}
}
