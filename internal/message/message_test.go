package message

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// code stands in for deliver.Codes.For: derived from the ref, never stored.
func code(ref string) string { return "1234 " + ref[len(ref)-4:] }

func recipientCode(ref, channel, to string) Message {
	return Message{Kind: "recipient_code", Channel: channel, To: to, Ref: ref, Region: "3171",
		Args: map[string]string{"program": "Sembako Ramadan", "org": "Yayasan Peduli"}}
}

func TestAnEnqueueRolledBackWithItsEventLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := New(db, testVault(t), quiet(), nil, Options{})
		o.Derive("code", code)
		failed := errors.New("the event failed")
		err := db.Write(actor(), func(ctx context.Context, tx *store.Tx) error {
			if err := o.Enqueue(ctx, tx, recipientCode("alloc-0001", SMS, "081234567890")); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("write: %v", err)
		}
		if n, err := o.Pending(actor()); err != nil || n != 0 {
			t.Fatalf("pending after rollback: %d (%v), want 0", n, err)
		}
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890"))
		if n, err := o.Pending(actor()); err != nil || n != 1 {
			t.Fatalf("pending after commit: %d (%v), want 1", n, err)
		}
	})
}

func TestTheSameEventEnqueuedTwiceIsOneMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGateway(t)
		sms, err := NewGateway(GatewayConfig{URL: g.URL})
		if err != nil {
			t.Fatal(err)
		}
		o := New(db, testVault(t), quiet(), map[string]Sender{SMS: sms}, Options{})
		o.Derive("code", code)
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890"), recipientCode("alloc-0001", SMS, "081234567890"))
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890"), recipientCode("alloc-0001", Email, "warga@contoh.id"))
		drain(t, o, 10*time.Second)
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890")) // after it was sent, too
		drain(t, o, 10*time.Second)
		if delivered, dup, hits := g.counts(); delivered != 1 || dup != 0 || hits != 1 {
			t.Fatalf("gateway: %d delivered, %d duplicates, %d requests; want 1, 0, 1", delivered, dup, hits)
		}
		all, err := o.List(actor(), "alloc-0001", "", 0)
		if err != nil || len(all) != 2 {
			t.Fatalf("messages about the allocation: %+v (%v), want the SMS and the e-mail", all, err)
		}
	})
}

func TestAnEnqueueThatDoesNotFitItsKindFailsTheEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := New(db, testVault(t), quiet(), nil, Options{})
		for name, m := range map[string]Message{
			"unknown kind":     {Kind: "spam", Channel: SMS, To: "0812", Ref: "a"},
			"unknown channel":  {Kind: "recipient_code", Channel: "pigeon", To: "0812", Ref: "a", Args: map[string]string{"program": "p", "org": "o", "code": "1"}},
			"missing argument": {Kind: "recipient_code", Channel: SMS, To: "0812", Ref: "a", Args: map[string]string{"program": "p"}},
			"no recipient":     {Kind: "commitment_complete", Channel: Email, Ref: "a", Args: map[string]string{"program": "p", "units": "3"}},
			"unknown language": {Kind: "commitment_complete", Channel: Email, To: "a@b.id", Ref: "a", Lang: "fr", Args: map[string]string{"program": "p", "units": "3"}},
		} {
			err := db.Write(actor(), func(ctx context.Context, tx *store.Tx) error { return o.Enqueue(ctx, tx, m) })
			if err == nil {
				t.Errorf("%s: enqueued", name)
			}
		}
		if n, _ := o.Pending(actor()); n != 0 {
			t.Fatalf("%d messages pending, want none", n)
		}
	})
}

func TestAnEmailReachesARealSMTPServerInIndonesian(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ms := newMailServer(t, "gotong", "rahasia")
		host, port, _ := net.SplitHostPort(ms.addr)
		p, _ := strconv.Atoi(port)
		sender, err := NewSMTP(SMTPConfig{Host: host, Port: p, User: "gotong", Password: "rahasia",
			From: "Gotong <noreply@gotong.local>", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		o := New(db, testVault(t), quiet(), map[string]Sender{Email: sender}, Options{})
		o.Derive("code", code)
		enqueue(t, db, o, recipientCode("alloc-0042", Email, "warga@contoh.id"),
			Message{Kind: "commitment_complete", Channel: Email, To: "mitra@contoh.id", Lang: "en", Ref: "commit-1",
				Args: map[string]string{"program": "Sembako Ramadan", "units": "120"}})
		drain(t, o, 10*time.Second)
		got := ms.received()
		if len(got) != 2 {
			t.Fatalf("the SMTP server received %d e-mails, want 2", len(got))
		}
		sent, err := o.List(actor(), "alloc-0042", Sent, 0)
		if err != nil || len(sent) != 1 {
			t.Fatalf("sent: %+v (%v)", sent, err)
		}
		m := got[0]
		if m.From != "noreply@gotong.local" || len(m.To) != 1 || m.To[0] != "warga@contoh.id" {
			t.Fatalf("envelope from %q to %q", m.From, m.To)
		}
		subject, body, header := readMail(t, m.Data)
		if want := "<" + Key(sent[0].ID) + "@gotong>"; header.Get("Message-Id") != want {
			t.Errorf("Message-ID %q, want %q (the idempotency key)", header.Get("Message-Id"), want)
		}
		if subject != "Kode penerimaan bantuan Sembako Ramadan" {
			t.Errorf("subject %q", subject)
		}
		want := "Bantuan Sembako Ramadan dari Yayasan Peduli akan diantar ke rumah Anda. Tunjukkan kode 1234 0042 ke kurir saat menerima, jangan sebelum bantuan diterima."
		if !strings.Contains(body, want) || !strings.Contains(header.Get("Content-Type"), "text/plain") {
			t.Errorf("body %q (%s), want it to contain %q", body, header.Get("Content-Type"), want)
		}
		if _, body, _ := readMail(t, got[1].Data); !strings.Contains(body, "your commitment to Sembako Ramadan is complete, 120 units") {
			t.Errorf("English body %q", body)
		}
	})
}

// readMail parses a received e-mail into its decoded subject, body and header.
func readMail(t *testing.T, data []byte) (string, string, mail.Header) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(body), msg.Header
}

func TestAnSMSReachesTheGatewayAsItsTemplateSays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGateway(t)
		sms, err := NewGateway(GatewayConfig{URL: g.URL + "/sms", Auth: "Bearer rahasia",
			Body: `{"msisdn":{{json .To}},"message":{{json .Text}},"ref":{{json .Key}}}`})
		if err != nil {
			t.Fatal(err)
		}
		o := New(db, testVault(t), quiet(), map[string]Sender{SMS: sms}, Options{})
		o.Derive("code", code)
		m := recipientCode("alloc-0007", SMS, "081234567890")
		m.Args["org"] = `Yayasan "Peduli"` // quotes must not break the JSON
		enqueue(t, db, o, m)
		drain(t, o, 10*time.Second)
		sent, _ := o.List(actor(), "alloc-0007", Sent, 0)
		if len(sent) != 1 || sent[0].Attempts != 1 {
			t.Fatalf("sent: %+v", sent)
		}
		g.mu.Lock()
		req, ok := g.delivered[Key(sent[0].ID)]
		g.mu.Unlock()
		if !ok {
			t.Fatalf("the gateway has no request with key %s", Key(sent[0].ID))
		}
		text := `Bantuan Sembako Ramadan dari Yayasan "Peduli" akan diantar ke rumah Anda. Tunjukkan kode 1234 0007 ke kurir saat menerima, jangan sebelum bantuan diterima.`
		if req.Auth != "Bearer rahasia" || req.ContentType != "application/json" || req.Body["msisdn"] != "081234567890" ||
			req.Body["message"] != text || req.Body["ref"] != req.Key {
			t.Fatalf("gateway got %+v", req)
		}
	})
}

func TestAFailingGatewayIsTriedAgainAfterABackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGateway(t)
		g.on(func(n int, _ request) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}, nil)
		sms, _ := NewGateway(GatewayConfig{URL: g.URL})
		const backoff = 200 * time.Millisecond
		o := New(db, testVault(t), quiet(), map[string]Sender{SMS: sms}, Options{Backoff: backoff, Attempts: 5})
		o.Derive("code", code)
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890"))
		drain(t, o, 20*time.Second)
		delivered, dup, hits := g.counts()
		if delivered != 1 || dup != 0 || hits != 3 {
			t.Fatalf("gateway: %d delivered, %d duplicates, %d requests; want 1, 0, 3", delivered, dup, hits)
		}
		sent, _ := o.List(actor(), "", Sent, 0)
		if len(sent) != 1 || sent[0].Attempts != 3 || sent[0].LastError != "" {
			t.Fatalf("sent: %+v, want one after 3 attempts", sent)
		}
		// The jittered delays are at least half of 200 ms, then half of 400 ms.
		g.mu.Lock()
		gap1, gap2 := g.hits[1].Sub(g.hits[0]), g.hits[2].Sub(g.hits[1])
		g.mu.Unlock()
		t.Logf("delays between attempts: %v, %v", gap1, gap2)
		if gap1 < backoff/2 || gap2 < backoff {
			t.Fatalf("delays %v and %v, want at least %v and %v", gap1, gap2, backoff/2, backoff)
		}
	})
}

func TestAMessageIsDeadAfterItsLastAttemptOrAPermanentRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := newGateway(t)
		g.on(func(_ int, r request) int {
			if r.Body["to"] == "0800" {
				return http.StatusUnprocessableEntity
			}
			return http.StatusServiceUnavailable
		}, nil)
		sms, _ := NewGateway(GatewayConfig{URL: g.URL})
		o := New(db, testVault(t), quiet(), map[string]Sender{SMS: sms}, Options{Backoff: 10 * time.Millisecond, Attempts: 3})
		o.Derive("code", code)
		enqueue(t, db, o, recipientCode("alloc-0001", SMS, "081234567890"), recipientCode("alloc-0002", SMS, "0800"))
		drain(t, o, 20*time.Second)
		dead, err := o.List(actor(), "", Dead, 0)
		if err != nil || len(dead) != 2 {
			t.Fatalf("dead: %+v (%v), want 2", dead, err)
		}
		byRef := map[string]Status{dead[0].Ref: dead[0], dead[1].Ref: dead[1]}
		if s := byRef["alloc-0001"]; s.Attempts != 3 || !strings.Contains(s.LastError, "503") {
			t.Errorf("after retries: %+v, want 3 attempts and the 503", s)
		}
		if s := byRef["alloc-0002"]; s.Attempts != 1 || !strings.Contains(s.LastError, "422") {
			t.Errorf("refused: %+v, want dead after 1 attempt with the 422", s)
		}
		var payloads int
		_ = db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE payload <> ''`).Scan(&payloads)
		if payloads != 0 {
			t.Errorf("%d dead messages still hold their sealed recipient", payloads)
		}
		var audited int
		_ = db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'message.dead'`).Scan(&audited)
		if audited != 2 {
			t.Errorf("%d audit entries for dead messages, want 2", audited)
		}
		if _, _, hits := g.counts(); hits != 4 {
			t.Errorf("%d requests, want 4", hits)
		}
	})
}

func TestAStoredErrorNeverHoldsTheRecipient(t *testing.T) {
	got := scrub("550 5.1.1 <warga@contoh.id>: no such user", "warga@contoh.id")
	if strings.Contains(got, "warga@") || !strings.Contains(got, "@contoh.id") {
		t.Fatalf("scrubbed: %q", got)
	}
	if got := Mask("081234567890"); got != "08**********" {
		t.Fatalf("Mask: %q", got)
	}
}

func TestTheRecipientCodeFitsOneSMS(t *testing.T) {
	_, text, err := render("recipient_code", "id", map[string]string{"program": "Sembako Ramadan", "org": "Yayasan Peduli", "code": "1234 5678"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d characters: %s", len(text), text)
	for _, r := range text {
		if r > 0x7e {
			t.Fatalf("character %q is not GSM-7 basic", r)
		}
	}
	if len(text) > 160 {
		t.Fatalf("%d characters, want at most 160", len(text))
	}
}

func TestAGatewayBodyThatIsNotJSONIsRefusedAtStart(t *testing.T) {
	for _, body := range []string{`{"to":"{{.To}}","text":"{{.Text}}"}`, `{"to":{{json .Nope}}}`, `{{`} {
		if _, err := NewGateway(GatewayConfig{URL: "http://127.0.0.1:1/", Body: body}); err == nil {
			t.Errorf("body %s accepted", body)
		}
	}
	if _, err := NewGateway(GatewayConfig{URL: "ftp://x"}); err == nil {
		t.Error("an ftp URL accepted")
	}
}

// Three workers, each with its own pool as three processes would have, share one
// outbox: every message reaches the gateway once and no attempt is wasted, because a
// claimed row is skipped (PostgreSQL's SKIP LOCKED) or claimed after the other
// claim committed (SQLite's one writer).
func TestWorkersSideBySideSendEachMessageOnce(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			dsn := storetest.DSN(t, eng)
			g := newGateway(t)
			sms, _ := NewGateway(GatewayConfig{URL: g.URL})
			var outs []*Outbox
			for range 3 {
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				o := New(db, testVault(t), quiet(), map[string]Sender{SMS: sms}, Options{Batch: 10, Poll: 10 * time.Millisecond})
				o.Derive("code", code)
				outs = append(outs, o)
			}
			const n = 300
			var ms []Message
			for i := range n {
				ms = append(ms, recipientCode(fmt.Sprintf("alloc-%04d", i), SMS, fmt.Sprintf("0812%08d", i)))
			}
			enqueue(t, outs[0].db, outs[0], ms...)
			ctx, cancel := context.WithCancel(actor())
			var wg sync.WaitGroup
			began := time.Now()
			for _, o := range outs {
				wg.Go(func() { o.Run(ctx) })
			}
			waitPending(t, outs[0], 60*time.Second, false)
			took := time.Since(began)
			cancel()
			wg.Wait()
			delivered, dup, hits := g.counts()
			t.Logf("%d messages by 3 workers in %v (%.0f/s), %d requests, %d duplicates", n, took.Round(time.Millisecond), n/took.Seconds(), hits, dup)
			if delivered != n || dup != 0 || hits != n {
				t.Fatalf("gateway: %d delivered, %d duplicates, %d requests; want %d, 0, %d", delivered, dup, hits, n, n)
			}
		})
	}
}
