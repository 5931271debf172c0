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
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/human"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/pquerna/otp/totp"
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

	// The second factor of admins and offices (factor.go): the server checks codes
	// against a clock that moves on a step each time a test makes a code, so
	// that a user signs in as often as tests like without reusing one.
	factorMu sync.Mutex // one factor sign-in at a time, so codes arrive in order
	offset   atomic.Int64
	secrets  sync.Map // email → TOTP secret, learnt at enrolment
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
	srv := &Server{Engine: eng}
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
	a.Accounts.UseClock(srv.Now)
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
	srv.URL, srv.App = "http://"+ln.Addr().String(), a
	return srv
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
// end in a redirect. An admin or office then passes the second factor as a person
// would (PassFactor): it sets one up at its first sign-in.
func (c *Client) Login(t testing.TB, email, password string) {
	t.Helper()
	c.S.factorMu.Lock()
	defer c.S.factorMu.Unlock()
	r := c.Do(t, "POST", "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d, want 303; body %.300s", email, r.Status, r.Body)
	}
	if strings.HasPrefix(r.Header.Get("Location"), "/login/factor") {
		c.passFactor(t, email)
	}
}

// PassFactor finishes a sign-in that stopped at the second factor: it sets the
// factor up (reading the secret off the page, as a person types it into an app)
// or types the code of the moment.
func (c *Client) PassFactor(t testing.TB, email string) {
	t.Helper()
	c.S.factorMu.Lock()
	defer c.S.factorMu.Unlock()
	c.passFactor(t, email)
}

// PassFactorOf finishes, for a session given by its cookie (name and value), a
// sign-in that stopped at the second factor, and returns the session's new value
// (the server renews it once the factor is passed).
func (s *Server) PassFactorOf(t testing.TB, email, cookieName, session string) string {
	t.Helper()
	c := s.Client()
	u, _ := url.Parse(s.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: session, Path: "/"}})
	c.PassFactor(t, email)
	for _, k := range c.HTTP.Jar.Cookies(u) {
		if k.Name == cookieName {
			return k.Value
		}
	}
	t.Fatalf("second factor of %s: no session cookie after it", email)
	return ""
}

var secretOnPage = regexp.MustCompile(`id="factor-secret"[^>]*>([A-Z2-7 ]+)<`)

func (c *Client) passFactor(t testing.TB, email string) {
	t.Helper()
	page := c.Do(t, "GET", "/login/factor", nil)
	if page.Status != http.StatusOK {
		t.Fatalf("second factor of %s: GET /login/factor: %d %.300s", email, page.Status, page.Body)
	}
	action, want := "/login/factor", http.StatusSeeOther
	if m := secretOnPage.FindSubmatch(page.Body); m != nil {
		c.S.LearnSecret(email, string(m[1]))
		action, want = "/login/factor/enrol", http.StatusOK
	}
	r := c.Do(t, "POST", action, url.Values{"code": {c.S.Code(t, email)}})
	if r.Status != want {
		t.Fatalf("second factor of %s: POST %s: status %d, want %d; body %.300s", email, action, r.Status, want, r.Body)
	}
}

// Now is the time the server checks second-factor codes against.
func (s *Server) Now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

// Tick moves the server's second-factor clock on by one time step.
func (s *Server) Tick() { s.offset.Add(int64(account.FactorPeriod)) }

// LearnSecret remembers the TOTP secret a user set up outside this package's
// clients (in a browser test, read off the page); spaces are ignored.
func (s *Server) LearnSecret(email, secret string) {
	s.secrets.Store(strings.ToLower(email), strings.ReplaceAll(secret, " ", ""))
}

// Secret returns the TOTP secret the user with this email set up through a
// client of this server.
func (s *Server) Secret(t testing.TB, email string) string {
	t.Helper()
	v, ok := s.secrets.Load(strings.ToLower(email))
	if !ok {
		t.Fatalf("%s has set up no second factor in this test", email)
	}
	return v.(string)
}

// Code moves the server's clock on a step (so no code is used twice) and returns
// the user's TOTP code for that moment.
func (s *Server) Code(t testing.TB, email string) string {
	t.Helper()
	s.Tick()
	return s.CodeAt(t, email, s.Now())
}

// CodeAt returns the user's TOTP code at moment at.
func (s *Server) CodeAt(t testing.TB, email string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(s.Secret(t, email), at)
	if err != nil {
		t.Fatal(err)
	}
	return code
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
