package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// tokenPrefix marks Gotong API tokens so that leaked ones are easy to recognise.
const tokenPrefix = "gtg_"

// Token describes an API token; the secret itself is shown once and stored hashed.
type Token struct {
	ID        string    `json:"id"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token for a user and returns its secret (shown once).
// Tokens carry 256 random bits, so a plain SHA-256 is enough to store them.
func (s *Service) CreateToken(ctx context.Context, userID, label string) (string, Token, error) {
	label, err := cleanText("label", label, 0, 100)
	if err != nil {
		return "", Token{}, err
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", Token{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Token{}, errs.Wrap(err, "token")
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t := Token{ID: newID(), Label: label, CreatedAt: store.Now()}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, label, token_hash, created_at)
			VALUES ($1, $2, $3, $4, $5)`, t.ID, u.ID, t.Label, hashToken(secret), t.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "token.create", ObjectType: "api_token", ObjectID: t.ID,
			Region: u.Region, Detail: map[string]string{"user_id": u.ID, "label": t.Label}})
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// UserByToken returns the live user owning an API token, or unauthorized.
func (s *Service) UserByToken(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return User{}, errs.E(errs.Unauthorized, "invalid API token")
	}
	var tokenID string
	var lastUsed *time.Time
	u, err := scanUserAnd(s.db.R().QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.region, COALESCE(u.org_id, ''),
		u.created_at, COALESCE((SELECT CASE WHEN o.suspended_at IS NOT NULL THEN 'suspended' ELSE o.status END
			FROM organizations o WHERE o.id = u.org_id), ''), u.deactivated_at, u.signed_out_at,
		t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND u.deleted_at IS NULL AND u.deactivated_at IS NULL`, hashToken(secret)), &tokenID, &lastUsed)
	if err = store.Map(err); errs.Is(err, errs.NotFound) {
		return User{}, errs.E(errs.Unauthorized, "invalid API token")
	} else if err != nil {
		return User{}, err
	}
	// Record use at most once a minute, so a busy script does not turn every read
	// into a write.
	if now := store.Now(); lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		_ = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tokenID)
			return err
		})
	}
	return u, nil
}

func scanUserAnd(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var deactivated, signedOut *time.Time
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Region, &u.OrgID, &u.CreatedAt, &u.OrgStatus, &deactivated, &signedOut}, extra...)
	err := row.Scan(dest...)
	u.CreatedAt = u.CreatedAt.UTC()
	u.Active = deactivated == nil
	if deactivated != nil {
		t := deactivated.UTC()
		u.DeactivatedAt = &t
	}
	if signedOut != nil {
		u.SignedOutAt = signedOut.UTC()
	}
	return u, err
}
