package account

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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

// passwords hashes and checks passwords with argon2id. Each hash takes about 150 ms
// and 64 MiB, so they are queued: at most cap(sem) run at once over all clients, and
// at most one at a time per client address (see WithClient). A client that sends
// many requests at once thus holds one place in the queue, not many, and the others'
// sign-ins wait behind at most one hash of its; Go hands a freed place to the
// goroutines blocked on a channel in the order they came.
type passwords struct {
	params *argon2id.Params
	sem    chan struct{}
	// dummy is a hash to compare against when the user does not exist, so that a
	// wrong email costs as much time as a wrong password.
	dummy string
	// done counts the hashes computed (made or checked), for /metrics and tests.
	done atomic.Int64

	mu      sync.Mutex
	waiting int                    // hashes waiting for a place in sem
	turns   map[string]*clientTurn // per client address with a hash waiting or running
}

// clientTurn lets one hash of a client run or wait for sem at a time.
type clientTurn struct {
	ch    chan struct{} // capacity 1: held while the client's hash waits or runs
	users int           // hashes of the client in acquire, waiting on ch or holding it
}

// maxWaiting bounds the hashes waiting for a place: beyond it a sign-in is refused
// at once rather than kept waiting for seconds (64 waiting hashes are about 5 s of
// work at two at a time). Only many addresses at once reach it: one address has at
// most one hash waiting.
const maxWaiting = 64

type clientKey struct{}

// WithClient tags ctx with the address a request comes from, so that the password
// hashes it asks for queue fairly beside other clients'. Without it (the command
// line, background work) hashes are bounded only by the global limit.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
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
	pw := &passwords{params: &p, sem: make(chan struct{}, concurrent), turns: map[string]*clientTurn{}}
	pw.dummy, _ = argon2id.CreateHash("not a real password", pw.params)
	return pw
}

var errBusy = errs.E(errs.RateLimited, "too many sign-ins at once; try again")

// acquire waits for the client's turn, then for a place among the hashes running;
// release gives both back.
func (p *passwords) acquire(ctx context.Context) (release func(), err error) {
	client, _ := ctx.Value(clientKey{}).(string)
	var turn *clientTurn
	if client != "" {
		p.mu.Lock()
		if turn = p.turns[client]; turn == nil {
			turn = &clientTurn{ch: make(chan struct{}, 1)}
			p.turns[client] = turn
		}
		turn.users++
		p.mu.Unlock()
		select {
		case turn.ch <- struct{}{}:
		case <-ctx.Done():
			p.leave(client, turn, false)
			return nil, errBusy
		}
	}
	p.mu.Lock()
	if len(p.sem) == cap(p.sem) && p.waiting >= maxWaiting {
		p.mu.Unlock()
		p.leave(client, turn, true)
		return nil, errBusy
	}
	p.waiting++
	p.mu.Unlock()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		err = errBusy
	}
	p.mu.Lock()
	p.waiting--
	p.mu.Unlock()
	if err != nil {
		p.leave(client, turn, true)
		return nil, err
	}
	return func() {
		<-p.sem
		p.leave(client, turn, true)
	}, nil
}

// leave ends a hash's use of its client's turn (held: it had the turn).
func (p *passwords) leave(client string, turn *clientTurn, held bool) {
	if turn == nil {
		return
	}
	if held {
		<-turn.ch
	}
	p.mu.Lock()
	if turn.users--; turn.users == 0 {
		delete(p.turns, client)
	}
	p.mu.Unlock()
}

func (p *passwords) hash(ctx context.Context, pw string) (string, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	p.done.Add(1)
	h, err := argon2id.CreateHash(pw, p.params)
	if err != nil {
		return "", errs.Wrap(err, "hash password")
	}
	return h, nil
}

func (p *passwords) check(ctx context.Context, pw, hash string) (bool, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if hash == "" {
		hash = p.dummy
	}
	p.done.Add(1)
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	if err != nil {
		return false, errs.Wrap(err, "check password")
	}
	return ok, nil
}

// NewPassword returns a random password of 16 characters from an alphabet without
// look-alike characters, easy to read out over the phone.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	out := make([]byte, 0, 16)
	// Rejection sampling, so that no character is likelier than another.
	limit := 256 - 256%len(alphabet)
	var b [1]byte
	for len(out) < cap(out) {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			out = append(out, alphabet[int(b[0])%len(alphabet)])
		}
	}
	return string(out)
}
