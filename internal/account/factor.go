package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// The second factor (issue 16, item 6). Admins and offices hold the registry and the
// decisions over it, so a password alone does not sign them in: after it they type a
// six-digit code from an authenticator app (TOTP, RFC 6238), or one of ten one-time
// recovery codes. The secret is sealed with the personal-data key; the recovery codes
// are kept as hashes. Wrong codes are counted per user in the database, so the
// limit holds across every server; the last accepted time step is kept, so a code
// seen over someone's shoulder cannot be used again.
//
// API tokens are not asked for a code: an admin issues them (`gotong token create`,
// or a signed-in user who passed the factor), they are long random secrets that
// scripts hold, and a script cannot type a code. They are a credential of their own.

const (
	// FactorPeriod is the TOTP time step.
	FactorPeriod = 30 * time.Second
	// factorSkew is how many steps a code may be early or late (a phone's clock).
	factorSkew = 1
	// FactorFailures wrong codes within FactorWindow stop further tries until the
	// window has passed.
	FactorFailures = 5
	FactorWindow   = 5 * time.Minute
	// RecoveryCodes is how many recovery codes an enrolment gives.
	RecoveryCodes = 10
	// factorIssuer is the name authenticator apps show beside the account.
	factorIssuer = "Gotong"
)

// NeedsFactor says whether users of this role must pass a second factor to sign in.
func (r Role) NeedsFactor() bool { return r == Admin || r == Office }

// UseVault gives the service the key that seals second-factor secrets and keys
// the hashes of recovery codes.
func (s *Service) UseVault(v *vault.Vault) { s.vault = v }

// UseClock replaces the clock the second factor's codes are checked against (tests
// move it on so that a user may sign in many times a minute without reusing a code).
func (s *Service) UseClock(now func() time.Time) { s.now = now }

func (s *Service) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// Enrolment is a second factor being set up: the secret to type by hand (base32)
// and the otpauth:// address a QR code carries.
type Enrolment struct {
	Secret string
	URL    string
}

func factorAD(userID string) []byte { return vault.AD("user_factors", userID, "secret") }

func (s *Service) sealer() (*vault.Vault, error) {
	if s.vault == nil {
		return nil, errs.E(errs.Internal, "no key for second factors")
	}
	return s.vault, nil
}

// HasFactor says whether the user has a confirmed second factor.
func (s *Service) HasFactor(ctx context.Context, userID string) (bool, error) {
	var n int
	err := s.db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM user_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID).Scan(&n)
	return n > 0, store.Map(err)
}

// BeginEnrolment gives the user's unconfirmed secret, making one on the first
// call: a page shown again (a reload) shows the same secret, so a phone that has
// already scanned it stays right. A user with a confirmed factor answers conflict.
func (s *Service) BeginEnrolment(ctx context.Context, u User) (Enrolment, error) {
	v, err := s.sealer()
	if err != nil {
		return Enrolment{}, err
	}
	var secret string
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var sealed string
		var confirmed sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT secret_sealed, confirmed_at FROM user_factors WHERE user_id = $1`, u.ID).Scan(&sealed, &confirmed)
		switch {
		case err == nil && confirmed.Valid:
			return errs.E(errs.Conflict, "a second factor is already set up")
		case err == nil:
			plain, err := v.Open(sealed, factorAD(u.ID))
			if err != nil {
				return errs.Wrap(err, "open second factor")
			}
			secret = string(plain)
			return nil
		case err != sql.ErrNoRows:
			return err
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: factorIssuer, AccountName: u.Email})
		if err != nil {
			return errs.Wrap(err, "second factor secret")
		}
		secret = key.Secret()
		sealed, err = v.Seal([]byte(secret), factorAD(u.ID))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_factors (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)`,
			u.ID, sealed, store.Now())
		return err
	})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URL: factorURL(u.Email, secret)}, nil
}

// factorURL is the otpauth:// address of a secret, as authenticator apps read it.
func factorURL(email, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {factorIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + factorIssuer + ":" + email, RawQuery: q.Encode()}).String()
}

// ConfirmEnrolment checks a first code from the unconfirmed secret and, when it is
// right, turns the factor on and returns the recovery codes, shown this once.
// Audited.
func (s *Service) ConfirmEnrolment(ctx context.Context, userID, code string) ([]string, error) {
	var recovery []string
	if err := s.checkCode(ctx, userID, code, false, func(ctx context.Context, tx *store.Tx, region string) error {
		codes, err := s.newRecoveryCodes(ctx, tx, userID)
		if err != nil {
			return err
		}
		recovery = codes
		if _, err := tx.ExecContext(ctx, `UPDATE user_factors SET confirmed_at = $1 WHERE user_id = $2`, store.Now(), userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.factor_enrol", ObjectType: "user", ObjectID: userID, Region: region})
	}); err != nil {
		return nil, err
	}
	return recovery, nil
}

// CheckFactor checks a code at sign-in: six digits are a TOTP code, anything else
// a recovery code (used once; audited).
func (s *Service) CheckFactor(ctx context.Context, userID, code string) error {
	return s.checkCode(ctx, userID, code, true, nil)
}

func errWrongCode() error {
	return errs.E(errs.Unauthorized, "the code is wrong or was already used; type the code your app shows now")
}

// checkCode checks code against the user's factor (confirmed or not, as confirmed
// says) in one write transaction, so that of two servers checking at once neither
// misses the other's failures nor its accepted step. On success it runs then, in
// the same transaction. A wrong code is counted (the transaction commits the count)
// and answered unauthorized; past the limit, rate_limited before any check.
func (s *Service) checkCode(ctx context.Context, userID, code string, confirmed bool,
	then func(ctx context.Context, tx *store.Tx, region string) error) error {
	v, err := s.sealer()
	if err != nil {
		return err
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	now := s.clock()
	wrong := false
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		wrong = false
		var sealed, region string
		var lastStep int64
		var failures int
		var since, confirmedAt sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT f.secret_sealed, f.last_step, f.failures, f.failures_since, f.confirmed_at, u.region
			FROM user_factors f JOIN users u ON u.id = f.user_id WHERE f.user_id = $1`+tx.Locking(" FOR UPDATE OF f"), userID).
			Scan(&sealed, &lastStep, &failures, &since, &confirmedAt, &region)
		if err != nil {
			return store.NotFound(err, "no second factor is set up")
		}
		if confirmedAt.Valid != confirmed {
			if confirmed {
				return errs.E(errs.NotFound, "no second factor is set up")
			}
			return errs.E(errs.Conflict, "a second factor is already set up")
		}
		dbNow := store.Now()
		inWindow := since.Valid && dbNow.Sub(since.Time) < FactorWindow
		if inWindow && failures >= FactorFailures {
			return errs.E(errs.RateLimited, "too many wrong codes; wait five minutes and try again")
		}
		ok := false
		if len(code) == 6 && isDigits(code) {
			plain, err := v.Open(sealed, factorAD(userID))
			if err != nil {
				return errs.Wrap(err, "open second factor")
			}
			if step, match := matchStep(string(plain), code, now); match && step > lastStep {
				ok = true
				if _, err := tx.ExecContext(ctx, `UPDATE user_factors SET last_step = $1 WHERE user_id = $2`, step, userID); err != nil {
					return err
				}
			}
		} else if confirmed && code != "" {
			res, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
				dbNow, userID, hashToken(normalRecovery(code)))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				ok = true
				if err := audit.Record(ctx, tx, audit.Change{Action: "user.factor_recovery", ObjectType: "user", ObjectID: userID, Region: region}); err != nil {
					return err
				}
			}
		}
		if !ok {
			wrong = true
			if !inWindow {
				failures, since = 0, sql.NullTime{Time: dbNow, Valid: true}
			}
			_, err := tx.ExecContext(ctx, `UPDATE user_factors SET failures = $1, failures_since = $2 WHERE user_id = $3`,
				failures+1, since.Time, userID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_factors SET failures = 0, failures_since = NULL WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, tx, region)
		}
		return nil
	})
	if err == nil && wrong {
		return errWrongCode()
	}
	return err
}

// matchStep finds the time step within the skew whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / int64(FactorPeriod/time.Second)
	for d := int64(-factorSkew); d <= factorSkew; d++ {
		if ok, err := hotp.ValidateCustom(code, uint64(step+d), secret, opts); err == nil && ok {
			return step + d, true
		}
	}
	return 0, false
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// normalRecovery is a recovery code as stored: upper case, without spaces or dashes.
func normalRecovery(code string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.ToUpper(strings.TrimSpace(code)))
}

// newRecoveryCodes replaces the user's recovery codes with RecoveryCodes new ones:
// sixteen base32 characters (80 bits) each, shown as XXXX-XXXX-XXXX-XXXX. With 80
// random bits a plain SHA-256 is enough to store them (as API tokens): no one can
// try every code against a stolen hash, and no key is needed, so a rotation of the
// personal-data key leaves them working.
func (s *Service) newRecoveryCodes(ctx context.Context, tx *store.Tx, userID string) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, 0, RecoveryCodes)
	for range RecoveryCodes {
		c := rand.Text()[:16] // base32: A–Z and 2–7
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`,
			userID, hashToken(c)); err != nil {
			return nil, err
		}
		codes = append(codes, c[:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:])
	}
	return codes, nil
}

// ResetFactor removes a user's second factor and recovery codes (a lost phone):
// it ends the user's sessions, and at its next sign-in the user sets up a new
// factor. Audited; an admin cannot reset its own (another admin must, so that a
// stolen session cannot swap the factor).
func (s *Service) ResetFactor(ctx context.Context, userID string) error {
	if a, ok := audit.ActorFrom(ctx); ok && a.ID == userID {
		return errs.E(errs.Conflict, "you cannot reset your own second factor; ask another admin")
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var region string
		if err := tx.QueryRowContext(ctx, `SELECT region FROM users WHERE id = $1 AND deleted_at IS NULL`, userID).Scan(&region); err != nil {
			return store.NotFound(err, "user not found")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM user_factors WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "this user has no second factor to reset")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET signed_out_at = $1 WHERE id = $2`, store.Now(), userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.factor_reset", ObjectType: "user", ObjectID: userID, Region: region})
	})
}
