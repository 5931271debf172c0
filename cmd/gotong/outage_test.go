//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// dbProxy stands between a server and its PostgreSQL: cut closes every connection
// through it and refuses new ones at once, as a database host that went away does;
// restore lets them through again.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *dbProxy) pipe(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	d, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		d.Close()
		return
	}
	p.conns[c], p.conns[d] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(d, c); d.Close() }()
	_, _ = io.Copy(c, d)
	c.Close()
}

func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *dbProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// TestDatabaseOutageFailsFastAndResumes cuts a running server off its PostgreSQL:
// every request that needs the database answers 503 with Retry-After at once (JSON
// for the API, the error page in Indonesian or English for pages), /readyz says the
// database is away, and once the database is back the same server, not restarted,
// answers again, the sessions held. Writes cut off mid-way are whole or absent:
// the audit chain verifies and the counters equal a recount.
func TestDatabaseOutageFailsFastAndResumes(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		if eng != store.Postgres {
			continue // SQLite is a file in the process: it cannot be cut off
		}
		args, dsn := deployment(t, eng)
		data, email, password := args[1], adminEmail, adminPassword
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		proxy := newDBProxy(t, u.Host)
		u.Host = proxy.ln.Addr().String()
		s := serve(t, "--data", data, "--db", u.String())
		token := strings.TrimSpace(must(t, "token", "create", "--email", email, "--data", data, "--db", dsn).stdout)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if res, err := c.PostForm(s.url+"/login", url.Values{"email": {email}, "password": {password}}); err != nil || res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %v %v", res, err)
		}
		passFactor(t, c, s.url, email)
		type answer struct {
			status     int
			retryAfter string
			body       string
			took       time.Duration
		}
		do := func(method, path, lang, body string, api bool) answer {
			t.Helper()
			req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
			if api {
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
			}
			if lang != "" {
				req.AddCookie(&http.Cookie{Name: "gotong_lang", Value: lang})
			}
			client := c
			if path == "/readyz" || path == "/healthz" {
				client = http.DefaultClient // as a load balancer asks: without the session cookie
			}
			start := time.Now()
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return answer{res.StatusCode, res.Header.Get("Retry-After"), string(b), time.Since(start)}
		}
		warehouse := func(name string) string {
			return fmt.Sprintf(`{"name":%q,"region":"31.71","address":"Jl. Merdeka 1"}`, name)
		}
		if a := do("GET", "/api/v1/warehouses", "", "", true); a.status != http.StatusOK {
			t.Fatalf("before the outage: %d %s", a.status, a.body)
		}
		if a := do("GET", "/admin/users", "", "", false); a.status != http.StatusOK {
			t.Fatalf("before the outage, a page: %d", a.status)
		}

		// Writers that keep writing, cut off while their writes are in flight: each
		// write ends whole or not at all.
		var wg sync.WaitGroup
		created := make(chan string, 10000)
		first := make(chan struct{})
		var once sync.Once
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					name := fmt.Sprintf("Posko Ledakan %d-%d", w, i)
					switch a := do("POST", "/api/v1/warehouses", "", warehouse(name), true); a.status {
					case http.StatusCreated:
						created <- name
						once.Do(func() { close(first) })
					case http.StatusServiceUnavailable:
						return
					default:
						t.Errorf("a write cut off by the outage answered %d %s; want 201 or 503", a.status, a.body)
						return
					}
				}
			}()
		}
		select {
		case <-first:
		case <-time.After(10 * time.Second):
			t.Fatal("no write succeeded before the outage")
		}
		time.Sleep(50 * time.Millisecond)
		proxy.cut()
		wg.Wait()
		close(created)
		t.Logf("%d writes answered 201 before the database was cut", len(created))

		outage := time.Now()
		for time.Since(outage) < 3*time.Second {
			for _, q := range []struct {
				method, path, lang, body string
				api                      bool
				want                     string
			}{
				{"GET", "/api/v1/warehouses", "", "", true, `"code":"internal"`},
				{"POST", "/api/v1/warehouses", "", warehouse("Posko Saat Padam"), true, "basis data tidak menjawab"},
				{"GET", "/admin/users", "", "", false, "Layanan tidak dapat menghubungi basis datanya"},
				{"GET", "/admin/users", "en", "", false, "The service cannot reach its database just now"},
			} {
				a := do(q.method, q.path, q.lang, q.body, q.api)
				if a.status != http.StatusServiceUnavailable || a.retryAfter == "" || !strings.Contains(a.body, q.want) {
					t.Fatalf("%s %s (lang %q) during the outage: %d, Retry-After %q, body %.300q; want 503 with Retry-After and %q",
						q.method, q.path, q.lang, a.status, a.retryAfter, a.body, q.want)
				}
				if a.took > 2*time.Second {
					t.Fatalf("%s %s during the outage took %s: it must fail fast", q.method, q.path, a.took)
				}
			}
			if a := do("GET", "/readyz", "", "", false); a.status != http.StatusServiceUnavailable || a.took > 2*time.Second {
				t.Fatalf("/readyz during the outage: %d after %s", a.status, a.took)
			}
			if a := do("GET", "/healthz", "", "", false); a.status != http.StatusOK {
				t.Fatalf("/healthz during the outage: %d (the process is alive)", a.status)
			}
			time.Sleep(200 * time.Millisecond)
		}

		proxy.restore()
		deadline := time.Now().Add(10 * time.Second)
		for {
			a := do("GET", "/api/v1/warehouses", "", "", true)
			if a.status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("10 s after the database came back the server still answers %d %s", a.status, a.body)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if a := do("GET", "/readyz", "", "", false); a.status != http.StatusOK {
			t.Fatalf("/readyz after the outage: %d", a.status)
		}
		if a := do("GET", "/admin/users", "", "", false); a.status != http.StatusOK {
			t.Fatalf("a page after the outage, same session: %d", a.status)
		}
		if a := do("POST", "/api/v1/warehouses", "", warehouse("Posko Saat Padam"), true); a.status != http.StatusCreated {
			t.Fatalf("a write after the outage: %d %s", a.status, a.body)
		}

		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM warehouses WHERE name = 'Posko Saat Padam'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d warehouses written by the refused and the accepted request (%v); want only the accepted one", n, err)
		}
		for name := range created {
			var audited int
			if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM warehouses w JOIN audit_log a ON a.object_id = w.id
				WHERE w.name = $1`, name).Scan(&audited); err != nil || audited == 0 {
				t.Fatalf("warehouse %s was answered 201 but is not there whole (audited %d times, %v)", name, audited, err)
			}
		}
		var halves int
		if err := db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM warehouses w
			WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = w.id)`).Scan(&halves); err != nil || halves != 0 {
			t.Fatalf("%d warehouses written without their audit entry (%v)", halves, err)
		}
		must(t, "audit", "verify", "--data", data, "--db", dsn)
		must(t, "counters", "verify", "--data", data, "--db", dsn)
		var ready struct{ Status string }
		if err := json.Unmarshal([]byte(do("GET", "/readyz", "", "", false).body), &ready); err != nil || ready.Status != "ready" {
			t.Fatalf("/readyz after the outage: %+v %v", ready, err)
		}
		s.stop(t)
	}
}
