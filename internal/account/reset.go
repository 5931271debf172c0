package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
)

// Forgotten passwords (issue 15, item 11). A user asks with its email; if the
// account exists and is active, a link holding a random secret goes to that
// address through the outbox (in the transaction that records the request). The
// link works once, for ResetTTL; only the secret's hash is stored. Whether the
// email exists is never told: the caller answers the same either way.

// ResetTTL is how long a reset link works.
const ResetTTL = time.Hour

// resetsPerHour bounds the links sent to one account in an hour, so the form
// cannot be used to flood someone's mailbox (the web layer limits per address too).
const resetsPerHour = 3

// resetPrefix marks reset secrets, as tokenPrefix marks API tokens.
const resetPrefix = "gtr_"

// UseOutbox gives the service the outbox that carries reset links.
func (s *Service) UseOutbox(o *message.Outbox) { s.outbox = o }

// RequestReset sends a reset link to the active account with this email, link
// making the link's address from its secret; lang is the language of the e-mail.
// Unknown, deactivated or over-asked accounts get nothing, and the answer is the
// same nil: only a malformed address or a failure of the database is an error.
func (s *Service) RequestReset(ctx context.Context, email, lang string, link func(secret string) string) error {
	if _, err := normalizeEmail(email); err != nil {
		return err
	}
	u, err := s.UserByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return errs.Wrap(err, "reset secret")
	}
	secret := resetPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := store.Now()
	id := newID()
	sent := false
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var recent int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2`,
			u.ID, now.Add(-time.Hour)).Scan(&recent); err != nil {
			return err
		}
		if recent >= resetsPerHour {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, id, u.ID, hashToken(secret), now, now.Add(ResetTTL)); err != nil {
			return err
		}
		if s.outbox == nil {
			return errs.E(errs.Internal, "no outbox for password resets")
		}
		if err := s.outbox.Enqueue(ctx, tx, message.Message{Kind: "password_reset", Channel: message.Email, To: u.Email, Lang: lang,
			Ref: id, Region: u.Region, Args: map[string]string{"link": link(secret), "minutes": strconv.Itoa(int(ResetTTL / time.Minute))}}); err != nil {
			return err
		}
		sent = true
		return audit.Record(ctx, tx, audit.Change{Action: "user.password_reset_request", ObjectType: "user", ObjectID: u.ID, Region: u.Region})
	})
	if err == nil && sent {
		s.outbox.Wake() // the person waits for this e-mail
	}
	return err
}

func errResetLink() error {
	return errs.E(errs.NotFound, "this link to set a password has expired or was already used; ask for a new one")
}

// CheckReset says whether a reset secret is still good (not used, not expired,
// its account active), so the page can say so before a password is typed.
func (s *Service) CheckReset(ctx context.Context, secret string) error {
	if !strings.HasPrefix(secret, resetPrefix) || len(secret) > 100 {
		return errResetLink()
	}
	var one int
	err := s.db.R().QueryRowContext(ctx, `SELECT 1 FROM password_resets r JOIN users u ON u.id = r.user_id
		WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.deleted_at IS NULL AND u.deactivated_at IS NULL`,
		hashToken(secret), store.Now()).Scan(&one)
	if err = store.Map(err); errs.Is(err, errs.NotFound) {
		return errResetLink()
	}
	return err
}

// ResetPassword sets a new password with a reset secret, once: the secret and every
// other open link of the account stop working, and every session begun before
// ends (signed_out_at), since whoever knew the old password may hold one. The
// password is hashed before the write (argon2id takes 150 ms: not inside the one
// writer's transaction); the write then claims the link, so of two concurrent
// uses one wins. Audited.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (User, error) {
	const open = `FROM password_resets r JOIN users u ON u.id = r.user_id
		WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.deleted_at IS NULL AND u.deactivated_at IS NULL`
	if !strings.HasPrefix(secret, resetPrefix) || len(secret) > 100 {
		return User{}, errResetLink()
	}
	var resetID, userID string
	err := s.db.R().QueryRowContext(ctx, `SELECT r.id, r.user_id `+open, hashToken(secret), store.Now()).Scan(&resetID, &userID)
	if err = store.Map(err); errs.Is(err, errs.NotFound) {
		return User{}, errResetLink()
	} else if err != nil {
		return User{}, err
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return User{}, errResetLink()
	}
	if err := CheckPassword(password, u.Email); err != nil {
		return User{}, err
	}
	hash, err := s.pw.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		res, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, now, resetID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errResetLink()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, signed_out_at = $2 WHERE id = $3`, hash, now, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, now, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.password_reset", ObjectType: "user", ObjectID: userID, Region: u.Region,
			Detail: map[string]string{"reset_id": resetID}})
	})
	return u, err
}
