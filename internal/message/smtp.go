package message

import (
	"context"
	"errors"
	"fmt"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTPConfig is the mail server e-mail goes through.
type SMTPConfig struct {
	Host     string
	Port     int    // 0: 587
	User     string // "" sends without authentication
	Password string
	From     string // the sender address, "Gotong <noreply@example.id>"
	TLS      string // "mandatory" (STARTTLS required, the default), "opportunistic", or "none" (loopback relays)
}

// SMTP sends e-mail with github.com/wneessen/go-mail.
type SMTP struct {
	cfg  SMTPConfig
	opts []mail.Option
}

// NewSMTP checks cfg and returns its sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	policy := map[string]mail.TLSPolicy{"": mail.TLSMandatory, "mandatory": mail.TLSMandatory,
		"opportunistic": mail.TLSOpportunistic, "none": mail.NoTLS}
	tls, ok := policy[cfg.TLS]
	if !ok {
		return nil, fmt.Errorf("smtp TLS policy %q: use mandatory, opportunistic or none", cfg.TLS)
	}
	if cfg.Host == "" || cfg.From == "" {
		return nil, errors.New("smtp: host and from are needed")
	}
	if err := mail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp from %q: %w", cfg.From, err)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTLSPolicy(tls), mail.WithTimeout(30 * time.Second)}
	if cfg.User != "" {
		// Over TLS the library picks the strongest mechanism the server offers; its
		// discovery refuses PLAIN without TLS, so without TLS (a relay on loopback)
		// PLAIN is asked for, which the library allows only to localhost.
		auth := mail.SMTPAuthAutoDiscover
		if tls == mail.NoTLS {
			auth = mail.SMTPAuthPlain
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(cfg.User), mail.WithPassword(cfg.Password))
	}
	return &SMTP{cfg: cfg, opts: opts}, nil
}

// Send delivers e as a plain-text e-mail whose Message-ID is its idempotency key.
// A permanent SMTP error (5xx) or an address the library refuses is permanent.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	m := mail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return Permanent(err)
	}
	if err := m.To(e.To); err != nil {
		return Permanent(errors.New("the recipient address is not valid"))
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(e.Key + "@gotong")
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	c, err := mail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		var se *mail.SendError
		// Only a 5xx answer is final; a 4xx, a dropped connection or a timeout is
		// tried again.
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return Permanent(err)
		}
		return err
	}
	return nil
}
