// Package message is Gotong's outbox: messages to recipients, collaborators and
// offices (a recipient's code, an allocation about to expire, a failed delivery, a
// commitment complete) by e-mail, SMS or WhatsApp.
//
// # Outbox
//
// Enqueue writes a message in the caller's transaction, so a message exists if and
// only if the event it tells about committed: a rolled-back delivery leaves no
// message, and a committed one cannot lose its message to a crash. (kind, ref,
// channel) is unique, so enqueuing the same event twice is one message. What a
// message says is not stored: its kind and arguments are, and the body is rendered
// when it is sent, in Indonesian (English when Lang is "en"), from the templates of
// this package (kinds.go). Arguments that must never be stored — a recipient's code
// — are derived from the ref at send time (Derive). The recipient's address or phone
// and the arguments are sealed with the personal-data key (associated data: the row
// id) and erased when the message is sent or given up.
//
// # Worker
//
// Run takes due messages in batches (on PostgreSQL with FOR UPDATE SKIP LOCKED, so
// several processes share the work; on SQLite its one writer serialises the claim),
// with a lease: a claimed row becomes due again when the lease ends, so the message
// of a process that died mid-send is taken again by the next worker. Each message is
// marked in its own short transaction right after its send returns. A failed send is
// tried again after an exponential backoff with jitter (Options.Backoff doubling up
// to Options.MaxBackoff, each delay drawn from its upper half), until
// Options.Attempts; then, or at once when the receiver refuses it for good (a 4xx
// other than 429 from a gateway, a permanent SMTP error, a template that cannot be
// rendered), the message is dead: it stays visible with its last error, without its
// recipient. Every sent and dead message has an audit entry on the "messages" chain.
//
// # The guarantee
//
// At least once, and once at the receiver that honours the key: every committed
// message is handed to its sender until one send is acknowledged or the attempts run
// out, and every hand-over carries the same idempotency key, Key(id) ("gotong-" and
// the row id): the SMTP Message-ID and the gateway's Idempotency-Key header. A
// process that dies after the receiver accepted a message but before the mark
// committed (a window of one short UPDATE) leaves the row to be sent again when its
// lease ends; a gateway that de-duplicates by Idempotency-Key — as the test gateway
// does, and payment-style SMS/WhatsApp APIs do — accepts it once, and a mail client
// that de-duplicates by Message-ID shows it once. A receiver that ignores the key may
// get a message twice in that window, never more than once per crash. A worker whose
// lease ran out before it finished (a send slower than Options.Lease) cannot mark a
// row another worker took over: the mark is fenced by the attempt number.
package message

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Channels a message can go by.
const (
	Email    = "email"
	SMS      = "sms"
	WhatsApp = "whatsapp"
)

// States of a message.
const (
	Queued  = "queued"
	Sending = "sending"
	Sent    = "sent"
	Dead    = "dead"
)

// Message is one message to enqueue.
type Message struct {
	Kind    string            // a kind of Kinds: "recipient_code", "allocation_expiring" …
	Channel string            // Email, SMS or WhatsApp
	To      string            // e-mail address or phone number (personal data: sealed)
	Lang    string            // "id" (default) or "en"
	Args    map[string]string // the kind's arguments (sealed with To)
	Ref     string            // what it is about (an allocation or commitment id); unique per kind and channel
	Region  string            // the region code of what it is about, for partitioning ("" if none)
}

// Options tune the worker; zero values take the defaults.
type Options struct {
	Batch      int           // messages claimed at once (default 20)
	Lease      time.Duration // how long a claimed message is left to its worker (default 2m; longer than a send's timeout)
	Backoff    time.Duration // delay before the second attempt (default 30s), doubled for each further one
	MaxBackoff time.Duration // longest delay between attempts (default 1h)
	Attempts   int           // attempts before a message is dead (default 8)
	Poll       time.Duration // how often Run looks for due messages when not woken (default 5s)
}

func (o Options) withDefaults() Options {
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	return o
}

// Outbox writes messages and sends them. It is safe for concurrent use.
type Outbox struct {
	db      *store.DB
	vault   *vault.Vault
	log     *slog.Logger
	opt     Options
	senders map[string]Sender
	derived map[string]func(ref string) string
	wake    chan struct{}
	sent    atomic.Int64
	failed  atomic.Int64
	dead    atomic.Int64
}

// New returns an outbox on db whose messages go to senders by channel; a channel
// without a sender gets Log. Derive functions are added before Run starts.
func New(db *store.DB, v *vault.Vault, log *slog.Logger, senders map[string]Sender, opt Options) *Outbox {
	o := &Outbox{db: db, vault: v, log: log, opt: opt.withDefaults(), senders: map[string]Sender{},
		derived: map[string]func(string) string{}, wake: make(chan struct{}, 1)}
	for _, ch := range []string{Email, SMS, WhatsApp} {
		o.senders[ch] = Log{Log: log}
		if s := senders[ch]; s != nil {
			o.senders[ch] = s
		}
	}
	return o
}

// Derive makes the argument name of every message computed from its ref when it is
// sent, overriding what the caller gave: a recipient's code is deliver.Codes.For of
// the allocation id, so it is never stored. Call it before Run.
func (o *Outbox) Derive(name string, fn func(ref string) string) { o.derived[name] = fn }

// Key is the idempotency key of the message with row id: the SMTP Message-ID's local
// part and the gateway's Idempotency-Key header.
func Key(id string) string { return "gotong-" + id }

// payload is what is sealed.
type payload struct {
	To   string            `json:"to"`
	Args map[string]string `json:"args,omitempty"`
}

// Enqueue writes m in tx, the transaction of the event it tells about. A message of
// the same kind, ref and channel already in the outbox (sent or not) makes it a no-op.
// It checks m against its kind (known kind, channel, language, arguments present), so
// a mistake fails the caller's event, not the send. Call Wake after the commit to send
// at once rather than at the next poll.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, m Message) error {
	if m.Lang == "" {
		m.Lang = "id"
	}
	if err := o.check(m); err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("message id: %w", err)
	}
	plain, err := json.Marshal(payload{To: m.To, Args: m.Args})
	if err != nil {
		return fmt.Errorf("message payload: %w", err)
	}
	sealed, err := o.vault.Seal(plain, ad(id.String()))
	if err != nil {
		return err
	}
	now := store.Now()
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, channel, ref, region, lang, payload, state, attempts, due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) ON CONFLICT (kind, ref, channel) DO NOTHING`,
		id.String(), m.Kind, m.Channel, m.Ref, m.Region, m.Lang, sealed, now)
	return store.Map(err)
}

// check validates m against its kind.
func (o *Outbox) check(m Message) error {
	k, ok := Kinds[m.Kind]
	if !ok {
		return fmt.Errorf("message: unknown kind %q", m.Kind)
	}
	if m.Channel != Email && m.Channel != SMS && m.Channel != WhatsApp {
		return fmt.Errorf("message: unknown channel %q", m.Channel)
	}
	if m.Lang != "id" && m.Lang != "en" {
		return fmt.Errorf("message: unknown language %q", m.Lang)
	}
	if strings.TrimSpace(m.To) == "" || m.Ref == "" {
		return fmt.Errorf("message %s: no recipient or no ref", m.Kind)
	}
	for _, a := range k.Args {
		if _, given := m.Args[a]; !given && o.derived[a] == nil {
			return fmt.Errorf("message %s: argument %q is missing", m.Kind, a)
		}
	}
	return nil
}

// ad is the associated data of a message's sealed payload.
func ad(id string) []byte { return vault.AD("outbox", id, "payload") }

// Wake tells Run to look for due messages now.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
