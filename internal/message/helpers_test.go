package message

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// testKey is the personal-data key of the tests (and of the child processes).
var testKey = bytes.Repeat([]byte{7}, vault.KeySize)

func testVault(tb testing.TB) *vault.Vault {
	tb.Helper()
	v, err := vault.New(testKey)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// actor is the context of the tests' writes and of the worker.
func actor() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: "system", Label: "test", RemoteAddr: "local"})
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// enqueue writes messages in one transaction.
func enqueue(t *testing.T, db *store.DB, o *Outbox, ms ...Message) {
	t.Helper()
	err := db.Write(actor(), func(ctx context.Context, tx *store.Tx) error {
		for _, m := range ms {
			if err := o.Enqueue(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// drain runs Work until nothing is pending, waiting for retries to come due.
func drain(t *testing.T, o *Outbox, within time.Duration) {
	t.Helper()
	waitPending(t, o, within, true)
}

// waitPending waits until nothing is pending, running Work itself when work is set
// (else another process sends).
func waitPending(t *testing.T, o *Outbox, within time.Duration, work bool) {
	t.Helper()
	ctx := actor()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if work {
			if _, err := o.Work(ctx); err != nil {
				t.Fatal(err)
			}
		}
		n, err := o.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("messages still pending after %v", within)
}

// gateway is an SMS/WhatsApp gateway on loopback. Like a real one that honours
// Idempotency-Key, it accepts a key once and answers a repeat with 200 without
// delivering it again, counting the repeats it refused.
type gateway struct {
	*httptest.Server
	mu         sync.Mutex
	delivered  map[string]request // by key
	order      []string
	duplicates int
	hits       []time.Time
	// answer, when set, picks the status of a request (n counts requests from 1).
	answer func(n int, r request) int
	// afterAccept, when set, runs after a request was accepted and before it is answered.
	afterAccept func(n int)
}

type request struct {
	Key, Auth, ContentType string
	Body                   map[string]any
}

func newGateway(t *testing.T) *gateway {
	g := &gateway{delivered: map[string]request{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		req := request{Key: r.Header.Get("Idempotency-Key"), Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: body}
		g.mu.Lock()
		g.hits = append(g.hits, time.Now())
		n := len(g.hits)
		status := http.StatusOK
		if g.answer != nil {
			status = g.answer(n, req)
		}
		if status == http.StatusOK {
			if _, dup := g.delivered[req.Key]; dup {
				g.duplicates++
			} else {
				g.delivered[req.Key] = req
				g.order = append(g.order, req.Key)
			}
		}
		after := g.afterAccept
		g.mu.Unlock()
		if status == http.StatusOK && after != nil {
			after(n)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(g.Close)
	return g
}

// on sets how the gateway answers and what it does after accepting a request
// (either may be nil), under its lock: the race detector sees no order in a
// request that goes through a socket.
func (g *gateway) on(answer func(n int, r request) int, afterAccept func(n int)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.answer, g.afterAccept = answer, afterAccept
}

func (g *gateway) counts() (delivered, duplicates, hits int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.delivered), g.duplicates, len(g.hits)
}

// mailServer is an SMTP server on loopback that keeps what it receives.
type mailServer struct {
	addr       string
	user, pass string // the credentials it requires
	mu         sync.Mutex
	got        []mailReceived
}

type mailReceived struct {
	From string
	To   []string
	Data []byte
}

func newMailServer(t *testing.T, user, pass string) *mailServer {
	ms := &mailServer{user: user, pass: pass}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{server: ms}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // loopback, as the client's PLAIN allows
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Close() })
	return ms
}

func (ms *mailServer) received() []mailReceived {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]mailReceived(nil), ms.got...)
}

type mailSession struct {
	server *mailServer
	authed bool
	cur    mailReceived
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.server.user || pass != s.server.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mailSession) Reset()        { s.cur = mailReceived{} }
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.server.mu.Lock()
	s.server.got = append(s.server.got, s.cur)
	s.server.mu.Unlock()
	return nil
}
