package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestRegistrationPageAsksForTheHumanCheck sends the public registration form
// without a solved challenge, with a forged one and with one already used: each
// is refused with words and stores nothing; a fresh one registers.
func TestRegistrationPageAsksForTheHumanCheck(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			c := s.Client()
			if r := c.Do(t, "GET", "/api/v1/challenge", nil); r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("challenge: %d, Cache-Control %q; want 200 and no-store", r.Status, r.Header.Get("Cache-Control"))
			}
			form := func(name, altcha string) url.Values {
				return url.Values{"name": {name}, "kind": {"community"}, "contact_name": {"Kontak"}, "contact_email": {"k@manusia.example"},
					"contact_phone": {"081234567890"}, "user_email": {strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@manusia.example"},
					"user_password": {"kata-sandi-manusia-1"}, "altcha": {altcha}}
			}
			used := c.Human(t)
			if r := c.Do(t, "POST", "/register", form("Komunitas Satu", used)); r.Status != http.StatusCreated {
				t.Fatalf("a solved check: %d", r.Status)
			}
			for _, tc := range []struct{ name, altcha, says string }{
				{"Komunitas Tanpa", "", "pemeriksaan manusia belum ada"},
				{"Komunitas Palsu", "eyJhbGdvcml0aG0iOiJTSEEtMjU2In0=", "pemeriksaan manusia gagal"},
				{"Komunitas Ulang", used, "pemeriksaan manusia gagal"},
			} {
				c.Lang = ""
				r := c.Do(t, "POST", "/register", form(tc.name, tc.altcha))
				if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), tc.says) {
					t.Errorf("%s: %d, want 400 saying %q", tc.name, r.Status, tc.says)
				}
				if n := countOrgs(t, s, tc.name); n != 0 {
					t.Errorf("%s: stored %d organisations", tc.name, n)
				}
			}
		})
	}
}
