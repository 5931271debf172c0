package deliver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/errs"
)

// A courier's link holds a token: the run's id, its token generation and the
// link's expiry, signed with HMAC-SHA256 under a key of its own (vault.Subkey
// "courier link v1"). The signature makes it unforgeable and unalterable, the expiry
// makes it die by itself, and the generation, bumped when the run is revoked, kills
// every link given out before. Nothing of it is stored.

// token makes the link token of run id at generation gen, valid until exp.
func (s *Service) token(id string, gen int, exp time.Time) string {
	payload := id + "." + strconv.Itoa(gen) + "." + strconv.FormatInt(exp.Unix(), 10)
	return payload + "." + s.sign(payload)
}

func (s *Service) sign(payload string) string {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// errLink is the one answer to a link that is altered, expired or revoked: the
// courier learns nothing more from it.
func errLink() error {
	return errs.E(errs.Unauthorized, "this delivery link is not valid any more; ask the sender for a new one")
}

// parseToken checks a token's signature and expiry and returns the run's id and
// the token's generation.
func (s *Service) parseToken(tok string, now time.Time) (id string, gen int, err error) {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 || len(tok) > 200 {
		return "", 0, errLink()
	}
	payload, sig := tok[:i], tok[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return "", 0, errLink()
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return "", 0, errLink()
	}
	gen, err1 := strconv.Atoi(parts[1])
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || !now.Before(time.Unix(exp, 0)) {
		return "", 0, errLink()
	}
	return parts[0], gen, nil
}
