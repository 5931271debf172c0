package app_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// TestSlowClientsAreCutOff: clients that open connections and send their headers
// a byte at a time, or keep a connection idle, are cut off after the header and
// idle timeouts, and while they hang on, everyone else is served.
func TestSlowClientsAreCutOff(t *testing.T) {
	s := apptest.Start(t, store.SQLite, func(c *app.Config) { c.HeaderTimeout, c.IdleTimeout = time.Second, time.Second })
	addr := strings.TrimPrefix(s.URL, "http://")
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedWithin reports whether the server closes c within d (a read ends).
	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return false
		}
		return true
	}

	var slow []net.Conn
	for range 50 {
		c := dial()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	// Meanwhile the others are served.
	for range 5 {
		res, err := http.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatalf("with 50 clients stalling on their headers: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("with 50 clients stalling on their headers: %d", res.StatusCode)
		}
	}
	start := time.Now()
	// A header timeout of 1 s: all are gone well within 5 s (the default, 10 s,
	// would not be).
	for i, c := range slow {
		if !closedWithin(c, 5*time.Second-time.Since(start)) {
			t.Fatalf("client %d, stalling on its headers, still connected after %v", i, time.Since(start))
		}
	}

	// An idle kept-alive connection is closed after the idle timeout.
	c := dial()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		t.Fatalf("the first request of a kept-alive connection: %q %v", buf[:n], err)
	}
	if !closedWithin(c, 5*time.Second) {
		t.Fatal("an idle kept-alive connection was not closed within 5 s (idle timeout 1 s)")
	}
}
