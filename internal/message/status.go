package message

import (
	"context"
	"database/sql"
	"time"

	"github.com/gotong/gotong/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Status is a message as the office sees it: never its recipient or arguments.
type Status struct {
	ID        string
	Kind      string
	Channel   string
	Ref       string
	State     string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// List returns the messages about ref (all when ref is ""), in state (all when ""),
// newest first, at most limit (store.Limit).
func (o *Outbox) List(ctx context.Context, ref, state string, limit int) ([]Status, error) {
	return store.All(ctx, o.db.R(), func(r store.Scanner) (Status, error) {
		var s Status
		var sent sql.NullTime
		err := r.Scan(&s.ID, &s.Kind, &s.Channel, &s.Ref, &s.State, &s.Attempts, &s.LastError, &s.CreatedAt, &sent)
		if sent.Valid {
			t := sent.Time.UTC()
			s.SentAt = &t
		}
		s.CreatedAt = s.CreatedAt.UTC()
		return s, err
	}, `SELECT id, kind, channel, ref, state, attempts, last_error, created_at, sent_at FROM outbox
		WHERE ($1 = '' OR ref = $1) AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3`, ref, state, store.Limit(limit))
}

// Register exports the outbox's metrics: messages pending, and sends that
// succeeded, failed (each failed attempt) and were given up.
func (o *Outbox) Register(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gotong_messages_queued",
			Help: "Messages in the outbox not yet sent or given up."}, func() float64 {
			n, err := o.Pending(context.Background())
			if err != nil {
				return -1
			}
			return float64(n)
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_messages_sent_total",
			Help: "Messages sent (acknowledged by the mail server or gateway) by this process."}, func() float64 { return float64(o.sent.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_messages_failed_total",
			Help: "Failed send attempts of this process, retried or not."}, func() float64 { return float64(o.failed.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_messages_dead_total",
			Help: "Messages given up by this process after a permanent error or the last attempt."}, func() float64 { return float64(o.dead.Load()) }),
	)
}
