package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/namematch"
)

// The self-check (cek bantuan, issue 14): anyone types a NIK and a name and learns
// whether that person is registered, for which programs, and how far their aid is,
// with their recipient code while a delivery is open. It must not become a way to
// find out who is registered: an unknown NIK and a known NIK with a wrong name get
// the same answer, after the same work (the registry's lookup by keyed hash, the
// name comparison, the aid read, a code derived), and the check is rate limited
// per client address and per NIK. Nothing about the asker is stored but the
// limits' counters, in memory.

const (
	// selfCheckPerAddress is what one address may ask a minute: API.md promises
	// at least 60 before 429 (a kelurahan office's volunteer may check many
	// neighbours from one phone), far too few to walk the NIK space.
	selfCheckPerAddress = 60
	// selfCheckPerNIK is how often one NIK may be checked a minute, from all
	// addresses together. The per-address limit does not stop someone with many
	// addresses guessing the name that goes with one known NIK; this does, and a
	// person checking their own aid needs a handful at most.
	selfCheckPerNIK = 10
)

// selfCheckLimits are the self-check's two rate limits.
type selfCheckLimits struct {
	byAddr func(http.HandlerFunc) http.HandlerFunc
	byNIK  *keyedLimit
}

func newSelfCheckLimits(s *Server) selfCheckLimits {
	return selfCheckLimits{byAddr: s.newLimiter(selfCheckPerAddress), byNIK: newKeyedLimit(s.share(selfCheckPerNIK), time.Minute)}
}

// keyedLimit counts requests per key in fixed windows. It is ours, not httprate's,
// for two reasons: the key is a NIK, which it keeps only as an HMAC under a key
// drawn at start (so the memory of the server holds no NIK in clear), and
// httprate's X-RateLimit-Remaining header would tell one asker how often others
// checked that NIK.
type keyedLimit struct {
	n      int
	window time.Duration
	key    []byte
	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newKeyedLimit(n int, window time.Duration) *keyedLimit {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return &keyedLimit{n: n, window: window, key: k, counts: map[string]int{}}
}

// allow counts one request for value and reports whether it is within the limit.
func (l *keyedLimit) allow(value string, now time.Time) bool {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(value))
	k := hex.EncodeToString(m.Sum(nil)[:16])
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		l.start, l.counts = now, map[string]int{} // a new window forgets the last one whole
	}
	if l.counts[k] >= l.n {
		return false
	}
	l.counts[k]++
	return true
}

// selfCheckInput is the form, from JSON or a page.
type selfCheckInput struct {
	NIK    string `json:"nik"`
	Name   string `json:"name"`
	Altcha string `json:"altcha"`
}

// SelfCheckAnswer is the answer, the same for every way of not being found.
type SelfCheckAnswer struct {
	Found    bool                `json:"found"`
	Programs *[]SelfCheckProgram `json:"programs,omitempty"`
}

// SelfCheckProgram is one program phase of the person's aid. DeliveredOn is the
// day (WIB) it was delivered, RecipientCode the code while a delivery is open;
// each is "" otherwise.
type SelfCheckProgram struct {
	Program       string `json:"program"`
	Phase         string `json:"phase"`
	Status        string `json:"status"`
	DeliveredOn   string `json:"delivered_on"`
	RecipientCode string `json:"recipient_code"`
}

// cleanNIK keeps the digits of a NIK as people type it (spaces, dots, dashes);
// anything else, or a length other than 16, is invalid.
func cleanNIK(raw string) (string, error) {
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
		default:
			return "", errs.E(errs.Invalid, "the NIK must be 16 digits")
		}
	}
	if b.Len() != 16 {
		return "", errs.E(errs.Invalid, "the NIK must be 16 digits")
	}
	return b.String(), nil
}

// selfCheck answers one checked, limited request. The order matters: input that
// cannot be a question is refused before the human check is spent; the human check
// before the NIK's budget is; then the same work whatever the answer.
func (s *Server) selfCheck(ctx context.Context, in selfCheckInput) (SelfCheckAnswer, error) {
	nikDigits, err := cleanNIK(in.NIK)
	if err != nil {
		return SelfCheckAnswer{}, err
	}
	name := namematch.Normalize(in.Name)
	if name == "" || len(in.Name) > 200 {
		return SelfCheckAnswer{}, errs.E(errs.Invalid, "write the name as it is on the KTP")
	}
	if s.human == nil {
		return SelfCheckAnswer{}, errs.E(errs.Internal, "the human check is not configured")
	}
	if err := s.human.Verify(ctx, in.Altcha); err != nil {
		return SelfCheckAnswer{}, err
	}
	if !s.selfLimits.byNIK.allow(nikDigits, time.Now()) {
		return SelfCheckAnswer{}, errs.E(errs.RateLimited, "this NIK was checked too often; wait a minute and try again")
	}
	holders, err := s.registry.HoldersOfNIK(ctx, nikDigits)
	if err != nil {
		return SelfCheckAnswer{}, err
	}
	// The name is compared with every holder's, and with a stand-in when there is
	// none, in constant time: a wrong name costs what a right one does.
	var mine, theirs []string
	compare := func(stored string) bool {
		a, b := sha256.Sum256([]byte(stored)), sha256.Sum256([]byte(name))
		return subtle.ConstantTimeCompare(a[:], b[:]) == 1
	}
	if len(holders) == 0 {
		compare("-")
	}
	for _, h := range holders {
		if compare(h.NameNorm) {
			mine = append(mine, h.TargetID)
		} else {
			theirs = append(theirs, h.TargetID)
		}
	}
	ask := mine
	if len(mine) == 0 {
		ask = theirs // read and thrown away, so that a wrong name takes as long
	}
	lines, err := s.allocs.SelfCheckAid(ctx, ask)
	if err != nil {
		return SelfCheckAnswer{}, err
	}
	programs := make([]SelfCheckProgram, 0, len(lines))
	for _, l := range lines {
		status, at, open := l.Progress()
		if l.State == "void" && len(l.Allocations) == 0 {
			continue // the need was withdrawn before anything was sent
		}
		p := SelfCheckProgram{Program: l.Program, Phase: l.Phase, Status: status}
		if !at.IsZero() {
			p.DeliveredOn = at.In(jakarta).Format(time.DateOnly)
		}
		if open != "" {
			p.RecipientCode = deliver.Format(s.codes.For(open))
		}
		programs = append(programs, p)
	}
	if len(lines) == 0 {
		_ = s.codes.For("-") // the code a found person's answer derives
	}
	if len(mine) == 0 {
		return SelfCheckAnswer{Found: false}, nil
	}
	return SelfCheckAnswer{Found: true, Programs: &programs}, nil
}

// apiSelfCheck is POST /api/v1/self-check.
func (s *Server) apiSelfCheck(w http.ResponseWriter, r *http.Request) {
	var in selfCheckInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ans, err := s.selfCheck(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ans)
}

// selfCheckPage is what the page shows: the answer once asked, and the form's
// values back on an error (the NIK never: the page is not cached, but a shared
// phone's next user need not see it).
type selfCheckPage struct {
	Asked  bool
	Answer SelfCheckAnswer
	Name   string
	Err    error
}

// pageSelfCheck is GET /cek-bantuan, the form.
func (s *Server) pageSelfCheck(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "selfcheck", "Check your aid", selfCheckPage{})
}

// pageSelfCheckPost is POST /cek-bantuan: the answer in words, or the form again
// with what was wrong.
func (s *Server) pageSelfCheckPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := selfCheckInput{NIK: r.PostFormValue("nik"), Name: r.PostFormValue("name"), Altcha: r.PostFormValue("altcha")}
	ans, err := s.selfCheck(r.Context(), in)
	if err != nil {
		e := errs.As(err)
		if e.Kind != errs.Invalid && e.Kind != errs.RateLimited {
			s.fail(w, r, err)
			return
		}
		code := http.StatusBadRequest
		if e.Kind == errs.RateLimited {
			code = http.StatusTooManyRequests
		}
		s.renderStatus(w, r, code, "selfcheck", map[string]any{"title": "Check your aid", "data": selfCheckPage{Name: in.Name, Err: err}})
		return
	}
	s.render(w, r, "selfcheck", "Check your aid", selfCheckPage{Asked: true, Answer: ans})
}

// DateLong writes a day as people say it: "3 Desember 2026" (in English,
// "3 December 2026"), in WIB.
func (v view) DateLong(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("2") + " " + v.T(t.Month().String()) + " " + t.Format("2006")
}
