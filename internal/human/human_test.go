package human_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/human"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// clock is a movable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func checker(db *store.DB, key string, c *clock) *human.Checker {
	return human.New(db, []byte(key), human.Options{MaxNumber: 5000, TTL: 10 * time.Minute, Now: c.Now})
}

func solved(t *testing.T, h *human.Checker) (human.Challenge, string) {
	t.Helper()
	ch, err := h.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	p, err := human.Solve(ch)
	if err != nil {
		t.Fatal(err)
	}
	return ch, p
}

// reencode decodes a payload, lets edit change it, and encodes it again.
func reencode(t *testing.T, payload string, edit func(m map[string]any)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestChallengeIsAcceptedOnceAndCannotBeForged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)}
		h := checker(db, "server key", c)

		ch, good := solved(t, h)
		if ch.Algorithm != "SHA-256" || ch.MaxNumber != 5000 || len(ch.Challenge) != 64 || len(ch.Signature) != 64 || !strings.Contains(ch.Salt, "?expires=") {
			t.Fatalf("challenge not in the widget's format: %+v", ch)
		}
		if err := h.Verify(ctx, good); err != nil {
			t.Fatalf("a solved challenge is refused: %v", err)
		}
		if err := h.Verify(ctx, good); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a replayed challenge answers %v, want invalid", err)
		}

		// Forgeries: each is refused before anything is spent, so the genuine
		// payload still passes after them.
		_, genuine := solved(t, h)
		other := checker(db, "another key", c)
		_, foreign := solved(t, other)
		forged := []struct{ name, payload string }{
			{"empty", ""},
			{"not base64", "%%%"},
			{"not JSON", base64.StdEncoding.EncodeToString([]byte("{nope"))},
			{"oversized", strings.Repeat("A", 4096)},
			{"signed with another key", foreign},
			{"another number", reencode(t, genuine, func(m map[string]any) { m["number"] = m["number"].(float64) + 1 })},
			{"a negative number", reencode(t, genuine, func(m map[string]any) { m["number"] = -1 })},
			{"another salt", reencode(t, genuine, func(m map[string]any) { m["salt"] = "x" + m["salt"].(string) })},
			{"a later expiry", reencode(t, genuine, func(m map[string]any) {
				m["salt"] = strings.Split(m["salt"].(string), "?")[0] + "?expires=9999999999"
			})},
			{"another algorithm", reencode(t, genuine, func(m map[string]any) { m["algorithm"] = "SHA-1" })},
			{"a signature of zeros", reencode(t, genuine, func(m map[string]any) { m["signature"] = strings.Repeat("0", 64) })},
			{"a self-made challenge", selfMade(t)},
		}
		for _, f := range forged {
			if err := h.Verify(ctx, f.payload); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: answers %v, want invalid", f.name, err)
			}
		}
		if err := h.Verify(ctx, genuine); err != nil {
			t.Fatalf("the genuine payload is refused after the forgeries: %v", err)
		}

		// Expiry: a challenge solved too late is refused, and sweeping the
		// spent rows later never lets an expired one back in.
		_, late := solved(t, h)
		c.add(11 * time.Minute)
		if err := h.Verify(ctx, late); !errs.Is(err, errs.Invalid) {
			t.Fatalf("an expired challenge answers %v, want invalid", err)
		}
		_, fresh := solved(t, h)
		if err := h.Verify(ctx, fresh); err != nil { // sweeps the expired rows
			t.Fatal(err)
		}
		if err := h.Verify(ctx, good); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a swept challenge answers %v on replay, want invalid", err)
		}
	})
}

// selfMade is a payload whose digest is right but whose signature the forger
// made up: without the server's key it cannot sign.
func selfMade(t *testing.T) string {
	t.Helper()
	h := human.New(nil, []byte("guessed key"), human.Options{MaxNumber: 10})
	ch, err := h.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	p, err := human.Solve(ch)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestChallengeReplayedAtOnce sends one solved payload from many clients at once:
// exactly one is accepted, on both engines (separate connections on PostgreSQL).
func TestChallengeReplayedAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{now: time.Now()}
		h := checker(db, "k", c)
		_, p := solved(t, h)
		const n = 12
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- h.Verify(context.Background(), p)
			}()
		}
		wg.Wait()
		close(errc)
		ok := 0
		for err := range errc {
			switch {
			case err == nil:
				ok++
			case !errs.Is(err, errs.Invalid):
				t.Errorf("a replay failed with %v, want invalid", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d simultaneous sends of one challenge were accepted, want 1", ok, n)
		}
	})
}
