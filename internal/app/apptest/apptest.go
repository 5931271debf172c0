// Package apptest boots the real Gotong (app.Open + app.Serve, as `gotong serve`
// does) on a loopback port with a fresh database, and gives tests clients that act as
// a given user. Tests of the web layer, the browser tests and the role table use it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/human"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Admin credentials of every test server.
const (
	AdminEmail    = "admin@test.gotong.local"
	AdminPassword = "admin-test-password-1"
)

// Server is a running test instance.
type Server struct {
	URL    string
	App    *app.App
	Engine store.Engine
	seq    atomic.Int64
}

// Start boots Gotong on engine. Options may change the configuration before start.
// Password hashing uses little memory and rate limits are high, so tests are fast;
// tests of those features set them back.
func Start(t testing.TB, eng store.Engine, opts ...func(*app.Config)) *Server {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.DB = storetest.MigratedDSN(t, eng)
	cfg.Addr = "127.0.0.1:0"
	cfg.AdminEmail, cfg.AdminPassword = AdminEmail, AdminPassword
	cfg.PasswordMemoryKiB = 1024
	cfg.ChallengeMax = 2000 // the human check: solved in a millisecond by tests
	cfg.LoginLimit, cfg.RegisterLimit = 10000, 10000
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("open app: %v", err)
	}
	if err := a.Bootstrap(ctx, io.Discard); err != nil {
		cancel()
		t.Fatalf("bootstrap: %v", err)
	}
	if err := a.StartWorkers(ctx); err != nil {
		cancel()
		t.Fatalf("start workers: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &Server{URL: "http://" + ln.Addr().String(), App: a, Engine: eng}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Ctx is a context whose changes are audited as the test system.
func (s *Server) Ctx() context.Context { return app.SystemContext(context.Background(), "test") }

// Unique returns a string unique within this server, for emails and names.
func (s *Server) Unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, s.seq.Add(1)) }

// Org registers an organisation with one collaborator user and, when verified is
// true, verifies it. It returns the organisation and the user's credentials.
func (s *Server) Org(t testing.TB, name string, verified bool) (account.Org, account.User, string) {
	t.Helper()
	var in account.Registration
	in.Name, in.Kind, in.ContactName, in.ContactPhone = name, "ngo", "Kontak "+name, "081234567890"
	in.ContactEmail = s.Unique("contact") + "@test.gotong.local"
	in.User.Email = s.Unique("collab") + "@test.gotong.local"
	in.User.Password = "collab-password-" + s.Unique("")
	o, u, err := s.App.Accounts.Register(s.Ctx(), in)
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	if verified {
		if o, err = s.App.Accounts.DecideOrg(s.Ctx(), o.ID, account.OrgVerified, ""); err != nil {
			t.Fatal(err)
		}
	}
	return o, u, in.User.Password
}

// User creates a user of role (region for an office, orgID for a collaborator) and
// returns it with its password.
func (s *Server) User(t testing.TB, role account.Role, regionCode, orgID string) (account.User, string) {
	t.Helper()
	pw := "user-password-" + s.Unique("")
	u, err := s.App.Accounts.CreateUser(s.Ctx(), account.NewUser{Email: s.Unique(string(role)) + "@test.gotong.local",
		Name: "Test " + string(role), Role: string(role), Region: regionCode, OrgID: orgID, Password: pw})
	if err != nil {
		t.Fatalf("create %s user: %v", role, err)
	}
	return u, pw
}

// Token returns a new API token for user id.
func (s *Server) Token(t testing.TB, userID string) string {
	t.Helper()
	secret, _, err := s.App.Accounts.CreateToken(s.Ctx(), userID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Client talks to the server, with a cookie jar and optionally a bearer token.
type Client struct {
	S     *Server
	HTTP  *http.Client
	Token string
	// Lang is the Accept-Language sent with every request ("" sends none, and the
	// API answers in Indonesian, its default).
	Lang string
}

// Client returns an anonymous client that does not follow redirects (tests look at
// them). It asks for English answers, the language the tests' expected messages are
// written in; pages follow the language cookie, not this header.
func (s *Server) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{S: s, Lang: "en", HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// As returns a client authenticated with a bearer token for user id.
func (s *Server) As(t testing.TB, userID string) *Client {
	c := s.Client()
	c.Token = s.Token(t, userID)
	return c
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the API error code of the body, "" if none.
func (r Response) ErrorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request. body may be nil, a string or []byte (sent as is, as JSON), or
// url.Values (sent as a form); anything else is encoded as JSON.
func (c *Client) Do(t testing.TB, method, path string, body any) Response {
	t.Helper()
	r, err := c.Try(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Try is Do returning an error instead of failing the test, for goroutines (a test
// may not fail from them) and for tests that count the requests that were not
// answered.
func (c *Client) Try(method, path string, body any) (Response, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return Response{}, err
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.S.URL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// Login signs the client in through the login form and fails the test if it does not
// end in a redirect.
func (c *Client) Login(t testing.TB, email, password string) {
	t.Helper()
	r := c.Do(t, "POST", "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d, want 303; body %.300s", email, r.Status, r.Body)
	}
}

// Human fetches a human check (GET /api/v1/challenge) and solves it as the page's
// widget would, returning the "altcha" value a public form sends. Each value is
// accepted once.
func (c *Client) Human(t testing.TB) string {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/challenge", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/challenge: %d %s", r.Status, r.Body)
	}
	var ch human.Challenge
	r.JSON(t, &ch)
	p, err := human.Solve(ch)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
