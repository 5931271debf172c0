package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Courier providers (GoSend, GrabExpress …) report a package's progress to
// POST /api/v1/webhooks/courier/NAME. Each request is signed: the header
// X-Gotong-Signature is "sha256=" and the hex HMAC-SHA256, under the provider's
// secret, of X-Gotong-Timestamp (Unix seconds), a dot and the body. A request
// without a valid signature, or signed more than WebhookWindow from now (either
// way: a clock far ahead is as suspect as a stale one), is refused as
// unauthorized; a request seen before — the same signature, or the same body
// re-signed under a new timestamp — changes nothing. The table package deliver
// owns, webhook_receipts, records each event in the transaction that applies it,
// under unique keys, so an event takes effect at most once even when a provider
// retries at the same instant on two servers.

// ProviderNames are the courier providers a run may be assigned to (API.md).
var ProviderNames = []string{"gosend", "grabexpress", "maxim", "volunteer", "other"}

// The webhook's limits.
const (
	WebhookWindow  = 5 * time.Minute
	WebhookMaxBody = 4 << 10 // a callback is a few fields; more is not a callback
	// ProviderSecretMin and ProviderSecretMax bound a provider's secret: short
	// secrets can be guessed offline from one signed request.
	ProviderSecretMin = 16
	ProviderSecretMax = 256
)

// The headers of a signed callback.
const (
	WebhookTimestampHeader = "X-Gotong-Timestamp"
	WebhookSignatureHeader = "X-Gotong-Signature"
)

// The statuses a provider reports.
const (
	ProviderPickedUp  = "picked_up"
	ProviderDelivered = "delivered"
	ProviderFailed    = "failed"
)

// ProviderEvent is a provider's verified report on one allocation.
type ProviderEvent struct {
	Provider     string `json:"-"`
	BookingRef   string `json:"booking_ref"`
	AllocationID string `json:"allocation_id"`
	Status       string `json:"status"`
	Reason       string `json:"reason"`
}

// Providers keeps the courier providers' secrets and accepts their callbacks.
type Providers struct {
	db    *store.DB
	vault *vault.Vault
	runs  *Service
	// Now is the clock; tests move it.
	Now func() time.Time
}

// NewProviders returns the providers kept in db, their secrets sealed by v; their
// reports change the stops of runs (deliveries' transitions, proofs, flags).
func NewProviders(db *store.DB, v *vault.Vault, runs *Service) *Providers {
	return &Providers{db: db, vault: v, runs: runs, Now: time.Now}
}

// providerAD binds a sealed secret to its provider, so a secret copied to another
// provider's row does not open.
func providerAD(name string) []byte { return []byte("courier_providers.secret:" + name) }

// ProviderSecret stores a provider's webhook secret, replacing the one before. The
// secret is sealed, not hashed: each callback's HMAC is computed with it.
func (p *Providers) ProviderSecret(ctx context.Context, name, secret string) error {
	if !slices.Contains(ProviderNames, name) {
		return errs.E(errs.NotFound, "no such courier provider")
	}
	if n := len(secret); n < ProviderSecretMin || n > ProviderSecretMax {
		return errs.E(errs.Invalid, "the secret must be %d to %d characters long", ProviderSecretMin, ProviderSecretMax)
	}
	sealed, err := p.vault.Seal([]byte(secret), providerAD(name))
	if err != nil {
		return err
	}
	return p.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO courier_providers (name, secret, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`, name, sealed, p.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "courier_provider.secret", ObjectType: "courier_provider", ObjectID: name})
	})
}

// errWebhookAuth is every refusal of a callback's signature: the caller learns
// nothing about which check failed.
func errWebhookAuth() error {
	return errs.E(errs.Unauthorized, "the callback's signature is missing, wrong or too old")
}

// Accept checks a provider's callback inside tx and records it: the provider is
// known and has a secret, the signature is valid for the timestamp and body, the
// timestamp within WebhookWindow of now, and the body a valid event. fresh is
// false for a replay, which the caller must leave without effect; a fresh event's
// record is undone with tx if applying it fails, so the provider may retry.
func (p *Providers) Accept(ctx context.Context, tx *store.Tx, name string, header http.Header, body []byte, now time.Time) (ev ProviderEvent, fresh bool, err error) {
	if len(body) > WebhookMaxBody {
		return ev, false, errs.E(errs.TooLarge, "the callback is larger than %d bytes", WebhookMaxBody)
	}
	if !slices.Contains(ProviderNames, name) {
		return ev, false, errWebhookAuth()
	}
	stamp := header.Get(WebhookTimestampHeader)
	sigHex, ok := strings.CutPrefix(header.Get(WebhookSignatureHeader), "sha256=")
	sig, herr := hex.DecodeString(sigHex)
	secs, terr := strconv.ParseInt(stamp, 10, 64)
	if !ok || herr != nil || len(sig) != sha256.Size || terr != nil {
		return ev, false, errWebhookAuth()
	}
	if d := now.Sub(time.Unix(secs, 0)); d > WebhookWindow || d < -WebhookWindow {
		return ev, false, errWebhookAuth()
	}
	var sealed string
	if err := tx.QueryRowContext(ctx, `SELECT secret FROM courier_providers WHERE name = $1`, name).Scan(&sealed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ev, false, errWebhookAuth()
		}
		return ev, false, err
	}
	secret, err := p.vault.Open(sealed, providerAD(name))
	if err != nil {
		return ev, false, err
	}
	if !hmac.Equal(sig, WebhookSignature(secret, stamp, body)) {
		return ev, false, errWebhookAuth()
	}
	ev, err = parseProviderEvent(body)
	if err != nil {
		return ev, false, err
	}
	ev.Provider = name
	digest := sha256.Sum256(body)
	res, err := tx.ExecContext(ctx, `INSERT INTO webhook_receipts (provider, signature, body_sha256, allocation_id, status, received_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, name, hex.EncodeToString(sig), hex.EncodeToString(digest[:]),
		ev.AllocationID, ev.Status, now)
	if err != nil {
		return ev, false, err
	}
	n, err := res.RowsAffected()
	return ev, n == 1, err
}

// WebhookSignature is the HMAC-SHA256 under secret of timestamp, ".", body: what a
// provider sends, hex-encoded after "sha256=".
func WebhookSignature(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// parseProviderEvent reads and checks a callback's body.
func parseProviderEvent(body []byte) (ProviderEvent, error) {
	var ev ProviderEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil || dec.More() {
		return ProviderEvent{}, errs.E(errs.Invalid, "the callback's body is not the expected JSON object")
	}
	switch {
	case !slices.Contains([]string{ProviderPickedUp, ProviderDelivered, ProviderFailed}, ev.Status):
		return ProviderEvent{}, errs.E(errs.Invalid, "the status must be picked_up, delivered or failed")
	case ev.AllocationID == "" || len(ev.AllocationID) > 64:
		return ProviderEvent{}, errs.E(errs.Invalid, "the callback names no allocation")
	case len(ev.BookingRef) > 100 || len(ev.Reason) > 500:
		return ProviderEvent{}, errs.E(errs.Invalid, "the callback's booking reference or reason is too long")
	}
	return ev, nil
}

// ProviderReceive accepts a provider's callback and applies it, in one
// transaction: "picked_up" dispatches the allocation, "failed" fails it with the
// reported reason (one of the allocation engine's FailReasons, raising the
// office's flags as any failure does), "delivered" records the delivery with
// proof "provider". A replay is answered as the first call was and changes
// nothing.
//
// A provider reaches only the stops of open runs assigned to it under the
// booking reference it reports: a provider's secret is not a key to every
// organisation's allocations.
func (p *Providers) ProviderReceive(ctx context.Context, name string, header http.Header, body []byte) (ProviderEvent, error) {
	var ev ProviderEvent
	err := p.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var fresh bool
		var err error
		ev, fresh, err = p.Accept(ctx, tx, name, header, body, p.Now())
		if err != nil || !fresh {
			return err
		}
		prev, _ := audit.ActorFrom(ctx)
		ctx = audit.WithActor(ctx, audit.Actor{ID: "courier-provider:" + name, Label: name, RemoteAddr: prev.RemoteAddr})
		may := providerScope(name, ev.BookingRef)
		switch ev.Status {
		case ProviderPickedUp:
			return p.runs.pickupIn(ctx, tx, ev.AllocationID, may)
		case ProviderFailed:
			reason, note, err := allocate.CheckFailReason(ev.Reason, "")
			if err != nil {
				return err
			}
			return p.runs.failIn(ctx, tx, ev.AllocationID, reason, note, may)
		default:
			runID, err := may(ctx, tx, ev.AllocationID)
			if err != nil {
				return err
			}
			return p.runs.deliveredIn(ctx, tx, ev.AllocationID, runID, allocate.ProofProvider, "", Proof{}, "courier-provider:"+name)
		}
	})
	if err == nil {
		p.runs.wake() // a failure's message to the recipient, a completed commitment's
	}
	return ev, err
}

// providerScope finds the open run, assigned to provider under bookingRef, that
// the allocation is a stop of; any other allocation is not found.
func providerScope(provider, bookingRef string) scope {
	return func(ctx context.Context, tx *store.Tx, allocationID string) (string, error) {
		var id string
		err := store.One(ctx, tx, `SELECT d.id FROM delivery_stops s JOIN deliveries d ON d.id = s.delivery_id
			WHERE s.allocation_id = $1 AND s.open = 1 AND d.provider = $2 AND d.booking_ref = $3 AND $3 <> ''
			AND d.status IN ('assigned','in_progress')`, allocationID, provider, bookingRef).Scan(&id)
		return id, store.NotFound(err, "no open run of this provider and booking holds the allocation")
	}
}
