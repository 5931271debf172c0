package web_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/storetest"
)

// inbox is a loopback SMTP server that keeps what it is sent, by recipient.
type inbox struct {
	mu   sync.Mutex
	mail map[string][]string
}

func newInbox(t *testing.T) (*inbox, int) {
	in := &inbox{mail: map[string][]string{}}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in: in}, nil }))
	s.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Close() })
	return in, ln.Addr().(*net.TCPAddr).Port
}

// sendsTo makes the server send its e-mail to the inbox listening on port.
func sendsTo(port int) func(*app.Config) {
	return func(c *app.Config) {
		c.SMTP = message.SMTPConfig{Host: "127.0.0.1", Port: port, From: "Gotong <noreply@test.gotong.local>", TLS: "none"}
	}
}

func (in *inbox) to(addr string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.mail[addr]...)
}

type inboxSession struct {
	in *inbox
	to []string
}

func (s *inboxSession) Reset()                               { s.to = nil }
func (s *inboxSession) Logout() error                        { return nil }
func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// The body may be quoted-printable: decoded, the link is one piece.
	text := string(b)
	if d, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(text))); err == nil {
		text = string(d)
	}
	s.in.mu.Lock()
	for _, to := range s.to {
		s.in.mail[to] = append(s.in.mail[to], text)
	}
	s.in.mu.Unlock()
	return nil
}

var resetLink = regexp.MustCompile(`/password/reset\?token=(gtr_[A-Za-z0-9_-]+)`)

// TestForgottenPasswordEndToEnd: a user asks for a link and gets it by e-mail; an
// unknown email gets the very same answer and no mail; the link sets a new
// password once (a second use is refused), ends the sessions begun before, and
// the new password signs in; a link past its hour is refused. Each step is
// audited.
func TestForgottenPasswordEndToEnd(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			mail, port := newInbox(t)
			s := apptest.Start(t, eng, sendsTo(port))
			u, oldPW := s.User(t, account.Office, "31.71", "")
			before := s.Client()
			before.Login(t, u.Email, oldPW)

			ask := func(email string) string {
				r := s.Client().Do(t, "POST", "/password/forgot", url.Values{"email": {email}})
				if r.Status != http.StatusOK {
					t.Fatalf("ask for %s: %d %s", email, r.Status, r.Body)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if err := s.App.Messages.WaitIdle(ctx); err != nil {
					t.Fatal(err)
				}
				return string(r.Body)
			}
			known, unknown := ask(u.Email), ask("nobody-"+s.Unique("")+"@test.gotong.local")
			strip := regexp.MustCompile(`value="[^"]*"|nonce-[^"' ]+`)
			if strip.ReplaceAllString(known, "") != strip.ReplaceAllString(unknown, "") {
				t.Errorf("the answer tells whether the email has an account")
			}
			got := mail.to(u.Email)
			if len(got) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(got), u.Email)
			}
			m := resetLink.FindStringSubmatch(got[0])
			if m == nil {
				t.Fatalf("no reset link in the mail:\n%s", got[0])
			}
			token := m[1]

			c := s.Client()
			if r := c.Do(t, "GET", "/password/reset?token="+url.QueryEscape(token), nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `name="password"`) {
				t.Fatalf("the link's page: %d", r.Status)
			}
			newPW := "kata-sandi-baru-" + s.Unique("")
			if r := c.Do(t, "POST", "/password/reset", url.Values{"token": {token}, "password": {newPW}}); r.Status != http.StatusSeeOther {
				t.Fatalf("set the new password: %d %s", r.Status, r.Body)
			}
			if r := c.Do(t, "POST", "/password/reset", url.Values{"token": {token}, "password": {"kata-sandi-lain-77"}}); r.Status != http.StatusNotFound {
				t.Errorf("the link used a second time: %d, want 404", r.Status)
			}
			if r := s.Client().Do(t, "POST", "/login", url.Values{"email": {u.Email}, "password": {oldPW}}); r.Status != http.StatusUnauthorized {
				t.Errorf("the old password signs in: %d", r.Status)
			}
			s.Client().Login(t, u.Email, newPW)
			if r := before.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
				t.Errorf("a session from before the reset answers %d, want 401", r.Status)
			}

			// A link past its hour does not work.
			ask(u.Email)
			got = mail.to(u.Email)
			late := resetLink.FindStringSubmatch(got[len(got)-1])[1]
			if _, err := s.App.DB.W().Exec(`UPDATE password_resets SET expires_at = created_at WHERE used_at IS NULL`); err != nil {
				t.Fatal(err)
			}
			if r := c.Do(t, "POST", "/password/reset", url.Values{"token": {late}, "password": {"kata-sandi-telat-55"}}); r.Status != http.StatusNotFound {
				t.Errorf("an expired link: %d, want 404", r.Status)
			}
			var n int
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE object_id = $1
				AND action IN ('user.password_reset_request', 'user.password_reset')`, u.ID).Scan(&n); err != nil || n != 3 {
				t.Errorf("%d audit entries for two requests and one reset (%v), want 3", n, err)
			}
		})
	}
}
