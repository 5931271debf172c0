package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// holdMessages leaves the outbox's worker off, so a test sends with outboxes of
// its own and reads what each sender got.
func holdMessages(c *app.Config) { c.HoldMessages = true }

// outboxRows counts the outbox's messages of kind about ref ("" for any).
func outboxRows(t *testing.T, s *apptest.Server, kind, ref string) int {
	t.Helper()
	var n int
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM outbox WHERE kind = $1 AND ($2 = '' OR ref = $2)`,
		kind, ref).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// drain sends every due message through o.
func drain(t *testing.T, s *apptest.Server, o *message.Outbox) {
	t.Helper()
	for range 100 {
		n, err := o.Work(s.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox never emptied")
}

// gatewayRecorder is an SMS gateway on loopback that keeps what it was sent.
type gatewayRecorder struct {
	mu     sync.Mutex
	bodies []struct{ To, Text string }
}

func (g *gatewayRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b struct{ To, Text string }
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	g.mu.Lock()
	g.bodies = append(g.bodies, b)
	g.mu.Unlock()
}

// TestDeliveryMessages follows the messages of delivery through the outbox: one
// recipient code per stop when a run is created, none when its creation fails or
// the allocation moves to another run; the code only in its own recipient's text,
// never in the log or the stored row; a failure told to its recipient; expiring
// allocations warned of once per commitment and day.
func TestDeliveryMessages(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, holdMessages)
			f := newDeliveryFixture(t, s, 8)
			a := f.allocs
			var logged bytes.Buffer
			var logMu sync.Mutex
			logOut := message.New(s.App.DB, s.App.Vault, slog.New(slog.NewTextHandler(lockedWriter{&logged, &logMu}, nil)), nil, message.Options{})
			logOut.Derive("code", func(id string) string { return deliver.Format(f.codes.For(id)) })

			runID, _ := f.run(t, a[0], a[1], a[2])
			for _, id := range a[:3] {
				if n := outboxRows(t, s, "recipient_code", id); n != 1 {
					t.Errorf("allocation %s: %d recipient_code messages, want 1", id, n)
				}
			}
			if n := outboxRows(t, s, "recipient_code", ""); n != 3 {
				t.Fatalf("%d recipient_code messages after a run of 3, want 3", n)
			}
			// A run that fails (a[0] is in an open run) enqueues nothing.
			f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[3], a[0]},
				"courier": map[string]string{"provider": "volunteer", "name": "Relawan"}}, 409)
			if n := outboxRows(t, s, "recipient_code", ""); n != 3 {
				t.Fatalf("%d recipient_code messages after a refused run, want 3", n)
			}
			// The stored row holds no code, in any form.
			raw, err := store.All(s.Ctx(), s.App.DB.R(), store.String, `SELECT kind || ref || region || lang || state FROM outbox`)
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s, logOut)
			logMu.Lock()
			text := logged.String() + strings.Join(raw, "\n")
			logMu.Unlock()
			if !strings.Contains(text, "recipient_code") {
				t.Fatalf("the log sender logged nothing: %q", text)
			}
			for _, id := range a {
				code := f.codes.For(id)
				if strings.Contains(text, code) || strings.Contains(text, deliver.Format(code)) {
					t.Errorf("the code of %s is in the log or the stored outbox", id)
				}
			}
			if strings.Contains(text, "0813111120") {
				t.Errorf("a recipient's phone is in the log: %s", text)
			}

			// The allocation moves to another run: its recipient was told already.
			// a[5]'s recipient has no phone: skipped and counted.
			err = s.App.DB.Write(s.Ctx(), func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE targets SET phone = '' WHERE id = (SELECT target_id FROM allocations WHERE id = $1)`, a[5])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			unreachable := s.App.Deliveries.Unreachable()
			f.do(t, f.collab, "POST", "/api/v1/deliveries/"+runID+"/revoke", nil, 200)
			_, tok := f.run(t, a[0], a[3], a[4], a[5])
			if n := outboxRows(t, s, "recipient_code", a[0]); n != 1 {
				t.Errorf("allocation moved to a second run: %d recipient_code messages, want 1", n)
			}
			if n, u := outboxRows(t, s, "recipient_code", a[5]), s.App.Deliveries.Unreachable()-unreachable; n != 0 || u != 1 {
				t.Errorf("a recipient without a phone: %d messages, %d counted unreachable; want 0 and 1", n, u)
			}

			// The second run's messages go by a real gateway: each text holds its
			// own recipient's code and no other.
			rec := &gatewayRecorder{}
			gw := httptest.NewServer(rec)
			defer gw.Close()
			g, err := message.NewGateway(message.GatewayConfig{URL: gw.URL})
			if err != nil {
				t.Fatal(err)
			}
			gwOut := message.New(s.App.DB, s.App.Vault, slog.New(slog.NewTextHandler(io.Discard, nil)), map[string]message.Sender{message.SMS: g}, message.Options{})
			gwOut.Derive("code", func(id string) string { return deliver.Format(f.codes.For(id)) })
			drain(t, s, gwOut)
			if len(rec.bodies) != 2 {
				t.Fatalf("the gateway got %d messages, want 2 (a[3], a[4])", len(rec.bodies))
			}
			for _, b := range rec.bodies {
				own := 0
				for _, id := range a {
					if strings.Contains(b.Text, deliver.Format(f.codes.For(id))) {
						own++
						if id != a[3] && id != a[4] {
							t.Errorf("a text holds the code of %s, whose message was sent before", id)
						}
					}
				}
				if own != 1 || !strings.Contains(b.Text, "Antar Uji") || !strings.Contains(b.Text, "Yayasan Antar") || !strings.HasPrefix(b.To, "62813") && !strings.HasPrefix(b.To, "0813") && !strings.HasPrefix(b.To, "+62813") {
					t.Errorf("text %q to %q: want one code, the program and the organisation", b.Text, b.To)
				}
			}

			// A failed delivery is told to its recipient.
			s.Client().Do(t, "POST", "/api/v1/courier/"+tok+"/stops/"+a[3]+"/pickup", nil)
			if r := s.Client().Do(t, "POST", "/api/v1/courier/"+tok+"/stops/"+a[3]+"/fail", map[string]string{"reason": "not_home"}); r.Status != 200 {
				t.Fatalf("fail: %d %s", r.Status, r.Body)
			}
			if n := outboxRows(t, s, "delivery_failed", a[3]); n != 1 {
				t.Fatalf("%d delivery_failed messages, want 1", n)
			}
			rec.bodies = nil
			drain(t, s, gwOut)
			if len(rec.bodies) != 1 || !strings.Contains(rec.bodies[0].Text, "tidak di rumah") {
				t.Fatalf("the failure's message: %+v", rec.bodies)
			}

			// Expiring: the fixture's allocations are due within days; a warning
			// window of 30 days takes them in.
			s.App.Deliveries.SetNotifier(deliver.Notifier{Outbox: s.App.Messages, Warn: 30 * 24 * time.Hour,
				Orgs: func(ctx context.Context, q store.Querier, id string) (string, string, error) {
					o, err := s.App.Accounts.OrgTx(ctx, q, id)
					return o.Name, o.ContactEmail, err
				}})
			for range 2 {
				if _, err := s.App.Deliveries.WarnExpiring(s.Ctx()); err != nil {
					t.Fatal(err)
				}
			}
			if n := outboxRows(t, s, "allocation_expiring", ""); n != 1 {
				t.Fatalf("%d allocation_expiring messages after two passes, want 1 (one commitment, one day)", n)
			}
			// One allocation's deadline a day later: a second warning, once.
			err = s.App.DB.Write(s.Ctx(), func(ctx context.Context, tx *store.Tx) error {
				var exp time.Time
				if err := tx.QueryRowContext(ctx, `SELECT expires_at FROM allocations WHERE id = $1`, a[7]).Scan(&exp); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE allocations SET expires_at = $1 WHERE id = $2`, exp.Add(24*time.Hour), a[7])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := s.App.Deliveries.WarnExpiring(s.Ctx()); err != nil {
					t.Fatal(err)
				}
			}
			if n := outboxRows(t, s, "allocation_expiring", ""); n != 2 {
				t.Fatalf("%d allocation_expiring messages, want 2 (one commitment, two days)", n)
			}
		})
	}
}

// lockedWriter serialises writes to a buffer shared with the test.
type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestOfficeDeliveriesPage shows an office its region's runs, progress, flags and
// failures, and another kota's office none of them.
func TestOfficeDeliveriesPage(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 4)
			a := f.allocs
			runID, tok := f.run(t, a...)
			courier := s.Client()
			for _, id := range a[:3] {
				f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+id+"/pickup", nil, 200)
			}
			f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+a[0]+"/deliver",
				map[string]string{"recipient_code": f.codes.For(a[0]), "received_by": "Pengurus"}, 200)
			f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+a[1]+"/fail", map[string]string{"reason": "received_elsewhere"}, 200)
			f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+a[2]+"/fail", map[string]string{"reason": "not_home"}, 200)
			overlap := f.one(t, `SELECT target_id FROM allocations WHERE id = $1`, a[1])
			notHome := f.one(t, `SELECT target_id FROM allocations WHERE id = $1`, a[2])

			page := func(role account.Role, code string) string {
				u, pw := s.User(t, role, code, "")
				c := s.Client()
				c.Login(t, u.Email, pw)
				r := c.Do(t, "GET", "/office/deliveries", nil)
				if r.Status != 200 {
					t.Fatalf("%s %s: %d %.300s", role, code, r.Status, r.Body)
				}
				return string(r.Body)
			}
			mine := []string{`id="run-` + runID + `"`, `/registry/targets/` + overlap, `/registry/targets/` + notHome,
				"Mungkin tumpang tindih", "Sudah menerima dari pihak lain", "Penerima tidak di rumah", "Yayasan Antar", `href="/verifications"`}
			for _, who := range []struct {
				role account.Role
				code string
			}{{account.Office, "31.71"}, {account.Admin, ""}} {
				body := page(who.role, who.code)
				for _, want := range mine {
					if !strings.Contains(body, want) {
						t.Errorf("%s %s: the page lacks %q", who.role, who.code, want)
					}
				}
				// One kelurahan: 4 stops of one run, one delivered, two failed, one not picked up.
				if !strings.Contains(body, `<td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">1</td><td class="num">2</td>`) {
					t.Errorf("%s: the progress of the kelurahan is not 1 run, 1 waiting, 0 on the way, 1 delivered, 2 failed: %s", who.role, body)
				}
			}
			other := page(account.Office, "31.74")
			for _, hidden := range append(mine[:6:6], runID, overlap, notHome) {
				if strings.Contains(other, hidden) {
					t.Errorf("the office of kota Y sees %q", hidden)
				}
			}
			if !strings.Contains(other, "Pengantaran di wilayah saya") {
				t.Errorf("the office of kota Y got no page: %.300s", other)
			}
		})
	}
}

// officeDeliveriesRows are the role table's rows of the office's deliveries page.
func officeDeliveriesRows() []roleRow {
	return []roleRow{{method: "GET", path: "/office/deliveries", want: statuses{303, 404, 404, 200, 200, 200}, to: toLogin(""),
		show: func(*roleFixture, role) []string {
			return []string{`id="areas"`, `id="flags"`, `href="/verifications"`}
		}}}
}
