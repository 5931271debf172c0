package message

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// With GOTONG_MESSAGE_CHILD set to a database URL, the test binary is a worker
// process for TestAWorkerKilledMidBatchSendsEveryMessageOnce: it sends the outbox to
// the gateway at GOTONG_MESSAGE_GATEWAY until it is killed.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("GOTONG_MESSAGE_CHILD"); dsn != "" {
		os.Exit(childWorker(dsn, os.Getenv("GOTONG_MESSAGE_GATEWAY")))
	}
	os.Exit(m.Run())
}

// childLease is the lease of the child workers: short, so the second worker takes
// over the killed one's batch soon.
const childLease = time.Second

func childWorker(dsn, url string) int {
	ctx := actor()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	v, err := vault.New(testKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sms, err := NewGateway(GatewayConfig{URL: url})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	o := New(db, v, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		map[string]Sender{SMS: sms}, Options{Batch: 10, Lease: childLease, Poll: 20 * time.Millisecond})
	o.Derive("code", code)
	o.Run(ctx)
	return 0
}

// TestAWorkerKilledMidBatchSendsEveryMessageOnce kills a worker process with SIGKILL
// at the worst moment — the gateway has accepted a message and the worker has not
// marked it — in the middle of a batch, then starts another worker. Every message
// must reach the gateway, and the one whose acceptance was never marked must come
// again with the same idempotency key, so the gateway refuses it as a duplicate
// rather than delivering it twice.
func TestAWorkerKilledMidBatchSendsEveryMessageOnce(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			dsn := storetest.DSN(t, eng)
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			o := New(db, testVault(t), quiet(), nil, Options{})
			o.Derive("code", code)
			const n, killAt = 100, 37
			var ms []Message
			for i := range n {
				ms = append(ms, recipientCode(fmt.Sprintf("alloc-%04d", i), SMS, fmt.Sprintf("0812%08d", i)))
			}
			enqueue(t, db, o, ms...)

			g := newGateway(t)
			var mu sync.Mutex
			var first *exec.Cmd
			g.on(nil, func(hit int) {
				if hit != killAt {
					return
				}
				mu.Lock()
				_ = first.Process.Kill()
				mu.Unlock()
				time.Sleep(200 * time.Millisecond) // the answer must find the worker dead
			})
			start := func() *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "GOTONG_MESSAGE_CHILD="+dsn, "GOTONG_MESSAGE_GATEWAY="+g.URL)
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd
			}
			mu.Lock()
			first = start()
			mu.Unlock()
			done := make(chan error, 1)
			go func() { done <- first.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = first.Process.Kill()
				t.Fatal("the first worker was not killed within a minute")
			}
			before, _, _ := g.counts()
			if before != killAt {
				t.Fatalf("%d messages delivered when the first worker died, want %d", before, killAt)
			}

			second := start()
			defer func() { _ = second.Process.Kill(); _ = second.Wait() }()
			waitPending(t, o, 60*time.Second, false)
			delivered, dup, hits := g.counts()
			t.Logf("%d messages delivered, %d requests, %d duplicates refused by the gateway", delivered, hits, dup)
			if delivered != n || dup != 1 || hits != n+1 {
				t.Fatalf("gateway: %d delivered, %d duplicates, %d requests; want %d, 1, %d", delivered, dup, hits, n, n+1)
			}
			sent, err := o.List(actor(), "", Sent, 500)
			if err != nil || len(sent) != n {
				t.Fatalf("%d sent (%v), want %d", len(sent), err, n)
			}
			g.mu.Lock()
			killed := g.order[killAt-1]
			g.mu.Unlock()
			for _, s := range sent {
				if Key(s.ID) == killed && s.Attempts != 2 {
					t.Errorf("the message accepted as the worker died was sent in %d attempts, want 2", s.Attempts)
				}
			}
		})
	}
}
