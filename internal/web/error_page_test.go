package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// A refusal page says why and what to do instead, in the page's language, with a
// way on (issue 15 item 5: it said only "Terjadi kesalahan (404)").
func TestErrorPageSaysWhyAndWhatToDo(t *testing.T) {
	eng := storetest.Engines(t)[0]
	s := apptest.Start(t, eng)
	for _, c := range []struct {
		name, lang, referer string
		want, not           []string
	}{
		{"an unknown page in Indonesian", "id", "",
			[]string{"Halaman ini tidak ada, atau tidak terbuka untuk akun Anda.", "Periksa alamatnya", `href="/login?next=%2fno-such-page"`, "Kode galat: 404"},
			[]string{"Terjadi kesalahan", "Kembali ke halaman sebelumnya"}},
		{"an unknown page in English", "en", "",
			[]string{"This page does not exist, or it is not open to your account.", "Check the address"},
			[]string{"Halaman"}},
		{"a way back to the page the person came from", "id", s.URL + "/programs",
			[]string{`id="error-back"`, `href="/programs"`}, nil},
		{"no way back to another site", "id", "https://example.org/x",
			nil, []string{`id="error-back"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Cookie": {"gotong_lang=" + c.lang}, "Accept": {"text/html"}}
			if c.referer != "" {
				h.Set("Referer", c.referer)
			}
			r, err := send(s, "GET", "/no-such-page", h, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", r.Status)
			}
			body := string(r.Body)
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q: %s", w, body[strings.Index(body, "<main"):])
				}
			}
			for _, n := range c.not {
				if strings.Contains(body, n) {
					t.Errorf("the page shows %q", n)
				}
			}
		})
	}
}
