package web_test

import (
	"net/http"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// The API answers in the caller's Accept-Language, Indonesian by default; the page
// language switch's cookie, when a browser has one, wins.
func TestAPIAnswersInTheCallersLanguage(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			for _, c := range []struct {
				name, accept, cookie, want string
			}{
				{"no Accept-Language: Indonesian", "", "", "silakan masuk terlebih dahulu"},
				{"a program that prefers English", "en-US,en;q=0.9", "", "sign in required"},
				{"a program that prefers Indonesian", "id, en;q=0.5", "", "silakan masuk terlebih dahulu"},
				{"a browser switched to English", "id", "en", "sign in required"},
				{"a browser switched to Indonesian", "en", "id", "silakan masuk terlebih dahulu"},
			} {
				t.Run(c.name, func(t *testing.T) {
					h := http.Header{"Accept-Language": {c.accept}}
					if c.cookie != "" {
						h.Set("Cookie", "gotong_lang="+c.cookie)
					}
					r, err := send(s, "GET", "/api/v1/targets", h, nil)
					if err != nil {
						t.Fatal(err)
					}
					if code, message := errorOf(t, r); code != "unauthorized" || message != c.want {
						t.Errorf("error %s %q, want unauthorized %q", code, message, c.want)
					}
				})
			}
		})
	}
}
