package deliver_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// TestAcceptChecksTheWindowAndRecordsEachEventOnce checks Accept alone (the web
// test drives the whole webhook): the edges of the five-minute window on both
// sides, the secret bound to its provider, and a replay recognised by its
// signature or by its body.
func TestAcceptChecksTheWindowAndRecordsEachEventOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		p := deliver.NewProviders(db, v, nil)
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: "test", Label: "test"})
		secret := "rahasia-uji-0123456789"
		if err := p.ProviderSecret(ctx, "gosend", secret); err != nil {
			t.Fatal(err)
		}
		if err := p.ProviderSecret(ctx, "gosend", "pendek"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a short secret: %v, want invalid", err)
		}
		now := time.Unix(1_900_000_000, 0)
		header := func(body string, at time.Time, key string) http.Header {
			ts := strconv.FormatInt(at.Unix(), 10)
			h := http.Header{}
			h.Set(deliver.WebhookTimestampHeader, ts)
			h.Set(deliver.WebhookSignatureHeader, "sha256="+hex.EncodeToString(deliver.WebhookSignature([]byte(key), ts, []byte(body))))
			return h
		}
		accept := func(name, body string, h http.Header) (bool, error) {
			var fresh bool
			err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
				var err error
				_, fresh, err = p.Accept(ctx, tx, name, h, []byte(body), now)
				return err
			})
			return fresh, err
		}
		body := `{"allocation_id":"a1","status":"picked_up"}`
		for _, c := range []struct {
			name string
			at   time.Time
			key  string
			body string
			want errs.Kind
		}{
			{"5 minutes and 1 second old", now.Add(-deliver.WebhookWindow - time.Second), secret, body, errs.Unauthorized},
			{"5 minutes and 1 second ahead", now.Add(deliver.WebhookWindow + time.Second), secret, body, errs.Unauthorized},
			{"another key", now, secret + "x", body, errs.Unauthorized},
			{"a status not in the list", now, secret, `{"allocation_id":"a1","status":"lost"}`, errs.Invalid},
		} {
			if _, err := accept("gosend", c.body, header(c.body, c.at, c.key)); errs.KindOf(err) != c.want {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		// The row of another provider does not open as gosend's: the sealed secret is
		// bound to its name.
		if _, err := db.W().Exec(`INSERT INTO courier_providers (name, secret, updated_at) SELECT 'maxim', secret, updated_at FROM courier_providers WHERE name = 'gosend'`); err != nil {
			t.Fatal(err)
		}
		if _, err := accept("maxim", body, header(body, now, secret)); err == nil {
			t.Errorf("a secret copied to another provider opened")
		}
		for _, c := range []struct {
			name      string
			h         http.Header
			wantFresh bool
		}{
			{"exactly 5 minutes old", header(body, now.Add(-deliver.WebhookWindow), secret), true},
			{"the same request again", header(body, now.Add(-deliver.WebhookWindow), secret), false},
			{"the same body signed again", header(body, now.Add(time.Minute), secret), false},
		} {
			fresh, err := accept("gosend", body, c.h)
			if err != nil || fresh != c.wantFresh {
				t.Errorf("%s: fresh %v, %v; want fresh %v", c.name, fresh, err, c.wantFresh)
			}
		}
		other := `{"allocation_id":"a2","status":"picked_up"}`
		if fresh, err := accept("gosend", other, header(other, now, secret)); err != nil || !fresh {
			t.Errorf("another event: fresh %v, %v", fresh, err)
		}
	})
}
