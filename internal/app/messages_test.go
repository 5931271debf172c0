package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The app starts the outbox's worker with the configured gateway, and a
// recipient's code in the SMS is the allocation's code under the app's key.
func TestTheAppSendsTheOutboxWithTheRecipientsCode(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			var mu sync.Mutex
			var got []map[string]string
			gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body map[string]string
				_ = json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				got = append(got, body)
				mu.Unlock()
			}))
			defer gw.Close()
			s := apptest.Start(t, eng, func(c *app.Config) { c.SMS = message.GatewayConfig{URL: gw.URL} })
			const alloc = "01890000-0000-7000-8000-000000000001"
			err := s.App.DB.Write(s.Ctx(), func(ctx context.Context, tx *store.Tx) error {
				return s.App.Messages.Enqueue(ctx, tx, message.Message{Kind: "recipient_code", Channel: message.SMS,
					To: "081234567890", Ref: alloc, Args: map[string]string{"program": "Sembako", "org": "Yayasan Peduli"}})
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.App.Messages.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			code := deliver.Format(deliver.NewCodes(s.App.Vault.Subkey("recipient code v1")).For(alloc))
			want := "Bantuan Sembako dari Yayasan Peduli akan diantar ke rumah Anda. Tunjukkan kode " + code +
				" ke kurir saat menerima, jangan sebelum bantuan diterima."
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0]["to"] != "081234567890" || got[0]["text"] != want {
				t.Fatalf("the gateway got %v, want one SMS saying %q", got, want)
			}
		})
	}
}
