package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
)

// auditChain keeps the worker's entries off the main chain's head, which every
// user action takes.
const auditChain = "messages"

// claimed is a message a worker took.
type claimed struct {
	id, kind, channel, ref, region, lang, payload string
	attempts                                      int
}

// Run sends due messages until ctx ends: at once when woken (Wake), else every
// Options.Poll. ctx carries the audit actor of the worker's entries.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.opt.Poll)
	defer t.Stop()
	for {
		n, err := o.Work(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Error("send messages", "err", err)
		}
		if n == o.opt.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// Work claims one batch of due messages and sends them, one after the other, each
// marked right after its send; it returns how many it claimed.
func (o *Outbox) Work(ctx context.Context) (int, error) {
	batch, err := o.claim(ctx)
	if err != nil {
		return 0, err
	}
	for i, c := range batch {
		if err := o.send(ctx, c); err != nil {
			// The rest of the batch is taken again when its lease ends.
			return i, err
		}
	}
	return len(batch), nil
}

// claim takes up to Options.Batch due messages: queued ones whose time has come and
// sending ones whose lease ran out. On PostgreSQL the rows are locked with SKIP
// LOCKED, so concurrent workers take different rows; SQLite's one writer runs one
// claim at a time. Taking a row counts an attempt and moves its due time to the end
// of the lease.
func (o *Outbox) claim(ctx context.Context) ([]claimed, error) {
	var out []claimed
	err := o.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		out = out[:0]
		now := store.Now()
		ids, err := store.All(ctx, tx, store.String, `SELECT id FROM outbox WHERE state IN ('queued','sending') AND due_at <= $1
			ORDER BY due_at, id LIMIT $2`+tx.Locking(" FOR UPDATE SKIP LOCKED"), now, o.opt.Batch)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := []any{now.Add(o.opt.Lease)}
		for _, id := range ids {
			args = append(args, id)
		}
		out, err = store.All(ctx, tx, func(r store.Scanner) (claimed, error) {
			var c claimed
			err := r.Scan(&c.id, &c.kind, &c.channel, &c.ref, &c.region, &c.lang, &c.payload, &c.attempts)
			return c, err
		}, `UPDATE outbox SET state = 'sending', attempts = attempts + 1, due_at = $1 WHERE id IN (`+store.InList(tx.Engine, 2, len(ids))+`)
			RETURNING id, kind, channel, ref, region, lang, payload, attempts`, args...)
		return err
	})
	return out, err
}

// send renders and sends one claimed message and marks the outcome.
func (o *Outbox) send(ctx context.Context, c claimed) error {
	var p payload
	plain, err := o.vault.Open(c.payload, ad(c.id))
	if err == nil {
		err = json.Unmarshal(plain, &p)
	}
	if err != nil {
		return o.mark(ctx, c, "", Permanent(fmt.Errorf("the sealed recipient does not open: %w", err)))
	}
	args := maps.Clone(p.Args)
	if args == nil {
		args = map[string]string{}
	}
	for name, fn := range o.derived {
		args[name] = fn(c.ref)
	}
	subject, text, err := render(c.kind, c.lang, args)
	if err != nil {
		return o.mark(ctx, c, p.To, Permanent(fmt.Errorf("render: %w", err)))
	}
	// A send must end well inside the lease, or another worker may take the row.
	sctx, cancel := context.WithTimeout(ctx, o.opt.Lease/2)
	err = o.senders[c.channel].Send(sctx, Envelope{Key: Key(c.id), Kind: c.kind, Channel: c.channel, To: p.To,
		Lang: c.lang, Subject: subject, Text: text})
	cancel()
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // stopping: the lease hands the message to the next worker
	}
	return o.mark(ctx, c, p.To, err)
}

// mark records the outcome of an attempt, in its own transaction, fenced by the
// attempt number: a worker whose lease another worker took over changes nothing.
func (o *Outbox) mark(ctx context.Context, c claimed, to string, sendErr error) error {
	now := store.Now()
	state, query, args := Sent, `UPDATE outbox SET state = 'sent', payload = '', sent_at = $3, last_error = ''
		WHERE id = $1 AND attempts = $2 AND state = 'sending'`, []any{c.id, c.attempts, now}
	if sendErr != nil {
		reason := scrub(sendErr.Error(), to)
		if IsPermanent(sendErr) || c.attempts >= o.opt.Attempts {
			state, query, args = Dead, `UPDATE outbox SET state = 'dead', payload = '', last_error = $3
				WHERE id = $1 AND attempts = $2 AND state = 'sending'`, []any{c.id, c.attempts, reason}
		} else {
			state, query, args = Queued, `UPDATE outbox SET state = 'queued', due_at = $3, last_error = $4
				WHERE id = $1 AND attempts = $2 AND state = 'sending'`, []any{c.id, c.attempts, now.Add(o.backoff(c.attempts)), reason}
		}
	}
	var lost bool
	err := o.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			lost = true
			return err
		}
		if state == Queued {
			return nil
		}
		detail := map[string]any{"kind": c.kind, "channel": c.channel, "ref": c.ref, "attempts": c.attempts}
		if state == Dead {
			detail["error"] = args[2]
		}
		return audit.Record(ctx, tx, audit.Change{Action: "message." + state, ObjectType: "message", ObjectID: c.id,
			Region: c.region, Chain: auditChain, Detail: detail})
	})
	if err != nil {
		return err
	}
	switch {
	case lost:
		o.log.Warn("message lease lost before its outcome was marked", "id", c.id, "attempt", c.attempts)
	case state == Sent:
		o.sent.Add(1)
	case state == Dead:
		o.failed.Add(1)
		o.dead.Add(1)
		o.log.Warn("message dead", "id", c.id, "kind", c.kind, "channel", c.channel, "attempts", c.attempts, "err", args[2])
	default:
		o.failed.Add(1)
		o.log.Info("message send failed, will retry", "id", c.id, "kind", c.kind, "attempt", c.attempts, "err", args[3])
	}
	return nil
}

// backoff is the delay after the attempt-th failed attempt: Backoff doubled for each
// attempt before, at most MaxBackoff, drawn from the upper half of that so that
// messages failed together do not come back together.
func (o *Outbox) backoff(attempt int) time.Duration {
	d := o.opt.Backoff << min(attempt-1, 30)
	if d <= 0 || d > o.opt.MaxBackoff {
		d = o.opt.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// scrub keeps the recipient out of a stored error (an SMTP server's "550 <a@b>:
// no such user", say) and bounds its length.
func scrub(reason, to string) string {
	if to != "" {
		reason = strings.ReplaceAll(reason, to, Mask(to))
	}
	if r := []rune(reason); len(r) > 500 {
		reason = string(r[:500])
	}
	return reason
}

// Pending counts the messages not yet sent or dead.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	var n int
	err := store.One(ctx, o.db.R(), `SELECT COUNT(*) FROM outbox WHERE state IN ('queued','sending')`).Scan(&n)
	return n, err
}

// WaitIdle wakes the worker and waits until every message is sent or dead, or ctx
// ends. Tests use it after an event that enqueues; Run must be running.
func (o *Outbox) WaitIdle(ctx context.Context) error {
	for {
		o.Wake()
		n, err := o.Pending(ctx)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("%d messages still pending", n))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
