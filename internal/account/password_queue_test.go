package account

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
)

// waitingIs waits until n hashes wait for a place among those running.
func waitingIs(t *testing.T, p *passwords, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		w := p.waiting
		p.mu.Unlock()
		if w == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d hashes waiting, want %d", w, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHashesQueueFairlyPerClient: a client's hashes take one place in the queue at a
// time, so its burst cannot fill it; and the queue itself is bounded.
func TestHashesQueueFairlyPerClient(t *testing.T) {
	p := newPasswords(1024, 1)
	p.sem <- struct{}{} // every place taken: whatever comes waits
	var wg sync.WaitGroup
	acquire := func(client string) {
		wg.Go(func() {
			release, err := p.acquire(WithClient(context.Background(), client))
			if err != nil {
				t.Errorf("%s: %v", client, err)
				return
			}
			release()
		})
	}

	for range 20 {
		acquire("10.0.0.1")
	}
	waitingIs(t, p, 1)
	acquire("10.0.0.2")
	waitingIs(t, p, 2) // the second client is second in line, not twenty-first

	for i := 2; i < maxWaiting; i++ {
		acquire(fmt.Sprintf("10.0.1.%d", i))
	}
	waitingIs(t, p, maxWaiting)
	start := time.Now()
	if _, err := p.acquire(WithClient(context.Background(), "10.0.9.9")); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a hash beyond the full queue: %v, want rate_limited", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the refusal took %v; it must not wait", took)
	}

	<-p.sem // the running hash ends: all the queue gets through, one at a time
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waiting != 0 || len(p.turns) != 0 || len(p.sem) != 0 {
		t.Errorf("after the queue drained: %d waiting, %d clients, %d running; want none", p.waiting, len(p.turns), len(p.sem))
	}
}
