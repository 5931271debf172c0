// Package human is the human check of the public forms, with no third party: an
// ALTCHA proof of work (altcha.org, the SHA-256 challenge of its widget 2.x).
//
// The server issues a challenge: a random salt carrying its expiry
// ("<hex>?expires=<unix>"), a secret number below maxnumber, the hex SHA-256 of
// salt+number, and an HMAC of that digest with a key only the server holds. The
// page's widget finds the number by trying them all (about maxnumber/2 hashes),
// and the form sends back {algorithm, challenge, number, salt, signature} as
// base64 JSON. Verify recomputes both digests, checks the expiry, and spends the
// challenge: a row per solved challenge, so each is accepted once, on every
// server of a deployment (the row lives in the shared database).
//
// Tables: it owns challenges_spent.
package human

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Algorithm is the only hash the check uses.
const Algorithm = "SHA-256"

// maxPayload bounds the base64 payload a form may send: a genuine one is about
// 300 bytes.
const maxPayload = 2048

// Challenge is what GET /api/v1/challenge answers (the widget's format).
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Solution is what a form sends back, base64-encoded JSON.
type Solution struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Options tune the checker.
type Options struct {
	// MaxNumber is the largest secret number (default 100,000): a cheap phone
	// solves the average challenge (50,000 SHA-256) in about a second.
	MaxNumber int64
	// TTL is how long a challenge may be solved and sent (default 20 minutes: a
	// person may take a while to fill in a form on a bad connection).
	TTL time.Duration
	// Now is the clock (tests move it).
	Now func() time.Time
}

// Checker issues and verifies challenges.
type Checker struct {
	db    *store.DB
	key   []byte
	opt   Options
	sweep atomic.Int64 // unix second of the last sweep of expired rows
}

// New returns a checker that signs with key (a subkey of the deployment's key).
func New(db *store.DB, key []byte, opt Options) *Checker {
	if opt.MaxNumber <= 0 {
		opt.MaxNumber = 100_000
	}
	if opt.TTL <= 0 {
		opt.TTL = 20 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Checker{db: db, key: key, opt: opt}
}

// Challenge issues a new challenge.
func (c *Checker) Challenge() (Challenge, error) {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return Challenge{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(c.opt.MaxNumber+1))
	if err != nil {
		return Challenge{}, err
	}
	salt := hex.EncodeToString(raw) + "?expires=" + strconv.FormatInt(c.opt.Now().Add(c.opt.TTL).Unix(), 10)
	digest := hash(salt, n.Int64())
	return Challenge{Algorithm: Algorithm, Challenge: digest, MaxNumber: c.opt.MaxNumber, Salt: salt, Signature: c.sign(digest)}, nil
}

func hash(salt string, number int64) string {
	sum := sha256.Sum256([]byte(salt + strconv.FormatInt(number, 10)))
	return hex.EncodeToString(sum[:])
}

func (c *Checker) sign(digest string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(digest))
	return hex.EncodeToString(m.Sum(nil))
}

// errFailed is the one answer to every payload that does not pass: which part
// failed helps a forger, not a person.
func errFailed() error {
	return errs.E(errs.Invalid, "the human check failed or expired: solve it again and resend the form")
}

// Verify checks a form's payload and spends its challenge. Every failure answers
// the same invalid error; a payload already spent answers it too.
func (c *Checker) Verify(ctx context.Context, payload string) error {
	sol, err := c.check(payload)
	if err != nil {
		return err
	}
	now := c.opt.Now()
	c.sweepExpired(ctx, now)
	return c.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO challenges_spent (challenge, expires_at) VALUES ($1, $2)`, sol.Challenge, sol.expires.UTC())
		if store.IsConflict(err) {
			return errFailed()
		}
		return err
	})
}

type checked struct {
	Solution
	expires time.Time
}

// check verifies a payload without spending it.
func (c *Checker) check(payload string) (checked, error) {
	payload = strings.TrimSpace(payload)
	if payload == "" {
		return checked{}, errs.E(errs.Invalid, "the human check is missing: wait until the page has checked you are human, then send the form again")
	}
	if len(payload) > maxPayload {
		return checked{}, errFailed()
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "=")); err != nil {
			return checked{}, errFailed()
		}
	}
	var sol Solution
	if err := json.Unmarshal(raw, &sol); err != nil {
		return checked{}, errFailed()
	}
	if sol.Algorithm != Algorithm || sol.Number < 0 || sol.Number > c.opt.MaxNumber || len(sol.Challenge) != 64 {
		return checked{}, errFailed()
	}
	if !hmac.Equal([]byte(c.sign(sol.Challenge)), []byte(strings.ToLower(sol.Signature))) {
		return checked{}, errFailed()
	}
	if hash(sol.Salt, sol.Number) != sol.Challenge {
		return checked{}, errFailed()
	}
	exp, ok := expiry(sol.Salt)
	if !ok || !c.opt.Now().Before(exp) {
		return checked{}, errFailed()
	}
	return checked{sol, exp}, nil
}

// expiry reads the expires parameter the salt carries (signed with it: the
// digest covers the salt, the signature the digest).
func expiry(salt string) (time.Time, bool) {
	_, query, ok := strings.Cut(salt, "?")
	if !ok {
		return time.Time{}, false
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(v.Get("expires"), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// sweepExpired removes spent challenges past their expiry, at most once a minute:
// an expired challenge is refused by its expiry, so its row is no longer needed.
func (c *Checker) sweepExpired(ctx context.Context, now time.Time) {
	last := c.sweep.Load()
	if now.Unix()-last < 60 || !c.sweep.CompareAndSwap(last, now.Unix()) {
		return
	}
	_ = c.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM challenges_spent WHERE expires_at < $1`, now.UTC())
		return err
	})
}

// Solve finds the number of a challenge by trying them all, as the widget does;
// scripts and tests use it. It returns the payload a form sends.
func Solve(ch Challenge) (string, error) {
	for n := int64(0); n <= ch.MaxNumber; n++ {
		if hash(ch.Salt, n) == ch.Challenge {
			b, err := json.Marshal(Solution{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: n, Salt: ch.Salt, Signature: ch.Signature})
			if err != nil {
				return "", err
			}
			return base64.StdEncoding.EncodeToString(b), nil
		}
	}
	return "", errs.E(errs.Invalid, "no number up to %d solves the challenge", ch.MaxNumber)
}
