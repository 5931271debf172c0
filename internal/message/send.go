package message

import (
	"context"
	"errors"
	"log/slog"
	"strings"
)

// Envelope is a rendered message as a Sender gets it.
type Envelope struct {
	Key     string // idempotency key, Key(id): the same for every attempt
	Kind    string
	Channel string
	To      string
	Lang    string
	Subject string // e-mail only
	Text    string
}

// Sender hands a message to the outside world. An error wrapped by Permanent makes
// the message dead at once; any other error is tried again later.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// permanent marks an error that retrying will not cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that no retry will cure (a refused address, a bad
// request): the message is dead at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// Log is the default sender: it writes kind, channel, masked recipient and key to
// the log and sends nothing. It never logs the text, which may hold a code.
type Log struct{ Log *slog.Logger }

// Send logs e.
func (l Log) Send(ctx context.Context, e Envelope) error {
	l.Log.InfoContext(ctx, "message (log sender: not sent)", "kind", e.Kind, "channel", e.Channel, "to", Mask(e.To), "key", e.Key)
	return nil
}

// Mask hides most of an address or phone number for logs: the first two
// characters, and for an e-mail address the domain.
func Mask(to string) string {
	local, domain, isMail := strings.Cut(to, "@")
	r := []rune(local)
	keep := min(2, len(r)/3)
	masked := string(r[:keep]) + strings.Repeat("*", len(r)-keep)
	if isMail {
		return masked + "@" + domain
	}
	return masked
}
