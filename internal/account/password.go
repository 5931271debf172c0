package account

import (
	"bufio"
	"context"
	_ "embed"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/gotong/gotong/internal/errs"
)

// commonPasswords is the list of the most common passwords of 8+ characters (see the
// file's header for its source and licence).
//
//go:embed commonpasswords.txt
var commonPasswordsFile string

var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 4000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
}()

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 8

// CheckPassword applies the password policy: 8 to 128 characters, not one of the most
// common passwords, not the email address.
func CheckPassword(pw, email string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return errs.E(errs.Invalid, "password must be at least 8 characters")
	}
	if n > 128 {
		return errs.E(errs.Invalid, "password must be at most 128 characters")
	}
	lower := strings.ToLower(pw)
	if _, common := commonPasswords[lower]; common {
		return errs.E(errs.Invalid, "this password is one of the most common passwords; choose another")
	}
	if email != "" && (lower == strings.ToLower(email) || lower == strings.ToLower(strings.SplitN(email, "@", 2)[0])) {
		return errs.E(errs.Invalid, "password must not be your email address")
	}
	return nil
}

// passwords hashes and checks passwords with argon2id, bounding how many run at once.
type passwords struct {
	params *argon2id.Params
	sem    chan struct{}
	// dummy is a hash to compare against when the user does not exist, so that a
	// wrong email costs as much time as a wrong password.
	dummy string
}

func newPasswords(memoryKiB uint32, concurrent int) *passwords {
	p := *argon2id.DefaultParams
	if memoryKiB > 0 {
		p.Memory = memoryKiB
	}
	p.Parallelism = uint8(min(runtime.NumCPU(), 2))
	if concurrent <= 0 {
		concurrent = 2
	}
	pw := &passwords{params: &p, sem: make(chan struct{}, concurrent)}
	pw.dummy, _ = argon2id.CreateHash("not a real password", pw.params)
	return pw
}

func (p *passwords) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.E(errs.RateLimited, "too many sign-ins at once; try again")
	}
}

func (p *passwords) hash(ctx context.Context, pw string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-p.sem }()
	h, err := argon2id.CreateHash(pw, p.params)
	if err != nil {
		return "", errs.Wrap(err, "hash password")
	}
	return h, nil
}

func (p *passwords) check(ctx context.Context, pw, hash string) (bool, error) {
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-p.sem }()
	if hash == "" {
		hash = p.dummy
	}
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	if err != nil {
		return false, errs.Wrap(err, "check password")
	}
	return ok, nil
}
