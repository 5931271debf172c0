package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// The embedded scripts and styles go gzip'd to a client that accepts it, as they
// are to one that does not, and images as they are.
func TestStaticAssetsAreGzippedWhenAccepted(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	get := func(path, enc string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc) // set by hand: the transport then leaves the body alone
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	plain, raw := get("/static/vendor/chart.umd.min.js", "identity")
	if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" || len(raw) < 100_000 {
		t.Fatalf("plain: %d, encoding %q, %d bytes", plain.StatusCode, plain.Header.Get("Content-Encoding"), len(raw))
	}
	packed, body := get("/static/vendor/chart.umd.min.js", "gzip, deflate, br")
	if packed.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(packed.Header.Values("Vary"), ","), "Accept-Encoding") ||
		packed.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || len(body)*2 > len(raw) {
		t.Fatalf("gzip: %v, %d bytes of %d", packed.Header, len(body), len(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("the gzip'd script is not the script (%v)", err)
	}
	if res, _ := get("/static/vendor/leaflet/images/marker-icon.png", "gzip"); res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("an image: %d, encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	if res, _ := get("/static/nothing.js", "gzip"); res.StatusCode != 404 {
		t.Errorf("a missing file: %d", res.StatusCode)
	}
}
