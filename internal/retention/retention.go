// Package retention removes the personal data of closed programs' recipients once
// they have been closed long enough (issue 14, item 6; UU 27/2022 on personal data
// protection), and keeps every count: `gotong purge --closed-before DAY` runs it
// once, `gotong serve --retention-days N` once a day.
//
// A target (household or person) is forgotten when every program it has a need in
// was closed before the day and no draft or published program may serve it: a
// target still needed by a draft, published or recently closed program is kept
// whole. RW and institution targets are not
// personal data and stay. Each table's owner clears its own columns (store's
// ownership table), called here in order inside one transaction per batch of
// targets:
//
//	registry  targets and members: names, NIK / No. KK (sealed, hashed, masked), birth dates, phones, addresses
//	allocate  failed deliveries' notes; recipient_reveals (who was shown whose contact details)
//	deliver   delivery proofs: who received, where, and the photo files
//	message   messages to the recipients still waiting in the outbox
//	callback  call-back notes
//	HelpRequests, when set: help requests about the targets (another package's table)
//
// Before the programs, the registry removes the rows it kept for the fix files of
// imports that ended before the day (import_rows).
//
// then, once a program's targets are done, deliver clears its runs' couriers and
// ends their links, program marks it purged (programs.personal_data_purged_at) and
// one audit entry records the counts removed. Rows stay as anonymous rows, so
// foreign keys, joins and counters hold. A purge killed half-way leaves whole
// batches behind it; run again, it walks the same program (not yet marked) and
// finishes, counting only what was left. A marked program is not walked again.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/callback"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// HelpRequests is the hook for the help requests (issue 14, item 2: table
// help_requests, owned by another package that is not on this branch). The
// purger calls it in each batch's transaction with the program and the targets
// being forgotten; it clears what the requests say about them and returns how
// many requests it cleared.
type HelpRequests interface {
	PurgeHelpRequests(ctx context.Context, tx *store.Tx, programID string, targetIDs []string) (int64, error)
}

// Purger runs the purge.
type Purger struct {
	DB           *store.DB
	Programs     *program.Service
	Registry     *registry.Service
	Allocations  *allocate.Service
	Deliveries   *deliver.Service
	Callbacks    *callback.Service
	Messages     *message.Outbox
	HelpRequests HelpRequests // nil: none
	// Batch is how many targets one transaction forgets (0: 200).
	Batch int
	// Now is the clock (tests move it).
	Now func() time.Time
	// Interval is how often Every purges (0: once a day).
	Interval time.Duration
}

// Counts is what a purge removed.
type Counts struct {
	Programs     int   `json:"programs"`
	Targets      int64 `json:"targets"`
	Members      int64 `json:"members"`
	Notes        int64 `json:"notes"`
	Reveals      int64 `json:"reveals"`
	Proofs       int64 `json:"proofs"`
	Photos       int64 `json:"photos"`
	Messages     int64 `json:"messages"`
	Callbacks    int64 `json:"callbacks"`
	Couriers     int64 `json:"couriers"`
	HelpRequests int64 `json:"help_requests"`
	// ImportRows counts the rejected rows kept for imports' fix files (registry)
	// that ended before the day.
	ImportRows int64 `json:"import_rows"`
}

func (c *Counts) add(o Counts) {
	c.Programs += o.Programs
	c.Targets += o.Targets
	c.Members += o.Members
	c.Notes += o.Notes
	c.Reveals += o.Reveals
	c.Proofs += o.Proofs
	c.Photos += o.Photos
	c.Messages += o.Messages
	c.Callbacks += o.Callbacks
	c.Couriers += o.Couriers
	c.HelpRequests += o.HelpRequests
	c.ImportRows += o.ImportRows
}

// String is the one-line summary the command prints.
func (c Counts) String() string {
	return fmt.Sprintf("purged %d programs: %d targets, %d members, %d proofs (%d photos), %d couriers' runs, %d notes, %d reveals, %d messages, %d call-back notes, %d help requests, %d rejected import rows",
		c.Programs, c.Targets, c.Members, c.Proofs, c.Photos, c.Couriers, c.Notes, c.Reveals, c.Messages, c.Callbacks, c.HelpRequests, c.ImportRows)
}

// wib is the platform's day: a program closed on a WIB calendar day is closed
// on that day wherever the command runs.
var wib = time.FixedZone("WIB", 7*3600)

// DayStart is the start (00:00 WIB) of a YYYY-MM-DD day.
func DayStart(day string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, day, wib)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a day (YYYY-MM-DD)", day)
	}
	return t, nil
}

// Purge forgets the personal data of the programs closed before the instant and
// returns what it removed; ctx carries the audited actor.
func (p *Purger) Purge(ctx context.Context, before time.Time) (Counts, error) {
	var total Counts
	// The rows kept for imports' fix files hold what their files held; an import
	// that ended before the day is past fixing.
	if err := p.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if total.ImportRows, err = p.Registry.PurgeImportRows(ctx, tx, before); err != nil || total.ImportRows == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "import.purge_rows", ObjectType: "import",
			Detail: map[string]any{"rows": total.ImportRows, "ended_before": before.UTC()}})
	}); err != nil {
		return total, err
	}
	closed, err := p.Programs.ClosedBefore(ctx, before)
	if err != nil {
		return total, err
	}
	ids := make([]string, len(closed))
	for i, c := range closed {
		ids[i] = c.ID
	}
	for _, c := range closed {
		if c.Purged {
			continue
		}
		n, err := p.program(ctx, c, ids)
		if err != nil {
			return total, fmt.Errorf("program %s: %w", c.ID, err)
		}
		total.add(n)
	}
	return total, nil
}

// program forgets one program's recipients, batch by batch, then its couriers,
// and marks it.
func (p *Purger) program(ctx context.Context, c program.ClosedProgram, closed []string) (Counts, error) {
	n := Counts{Programs: 1}
	batch := p.Batch
	if batch <= 0 {
		batch = 200
	}
	keep, err := p.Programs.OpenCriteria(ctx)
	if err != nil {
		return n, err
	}
	for after := ""; ; {
		targets, err := p.Allocations.PurgeCandidates(ctx, c.ID, closed, after, batch)
		if err != nil || len(targets) == 0 {
			if err != nil {
				return n, err
			}
			break
		}
		var b Counts
		err = p.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			b = Counts{}
			ids, err := p.Registry.NotEligible(ctx, tx, targets, keep)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			return p.targets(ctx, tx, c.ID, ids, &b)
		})
		if err != nil {
			return n, err
		}
		n.add(b)
		after = targets[len(targets)-1]
	}
	commitments, err := p.Allocations.ProgramCommitments(ctx, c.ID)
	if err != nil {
		return n, err
	}
	err = p.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := p.now()
		n.Couriers = 0
		for i := 0; i < len(commitments); i += 1000 {
			k, err := p.Deliveries.PurgeCouriers(ctx, tx, commitments[i:min(i+1000, len(commitments))], now)
			if err != nil {
				return err
			}
			n.Couriers += k
		}
		// Two purges at once (two worker processes) both get here: the one that
		// marks the program audits the purge, the other leaves it be.
		if marked, err := p.Programs.MarkPurged(ctx, tx, c.ID, now); err != nil || !marked {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "program.purge_personal_data", ObjectType: "program", ObjectID: c.ID,
			Detail: n})
	})
	return n, err
}

// targets forgets one batch of targets inside tx, owner by owner.
func (p *Purger) targets(ctx context.Context, tx *store.Tx, programID string, ids []string, b *Counts) error {
	t, err := p.Registry.PurgeTargets(ctx, tx, ids)
	if err != nil {
		return err
	}
	b.Targets, b.Members = t.Targets, t.Members
	a, err := p.Allocations.PurgeAllocations(ctx, tx, ids)
	if err != nil {
		return err
	}
	b.Notes, b.Reveals = a.Notes, a.Reveals
	for i := 0; i < len(a.Allocations); i += 1000 {
		part := a.Allocations[i:min(i+1000, len(a.Allocations))]
		proofs, photos, err := p.Deliveries.PurgeProofs(ctx, tx, part)
		if err != nil {
			return err
		}
		msgs, err := p.Messages.PurgeRecipientMessages(ctx, tx, part)
		if err != nil {
			return err
		}
		notes, err := p.Callbacks.PurgeNotes(ctx, tx, part)
		if err != nil {
			return err
		}
		b.Proofs, b.Photos, b.Messages, b.Callbacks = b.Proofs+proofs, b.Photos+photos, b.Messages+msgs, b.Callbacks+notes
	}
	if p.HelpRequests != nil {
		k, err := p.HelpRequests.PurgeHelpRequests(ctx, tx, programID, ids)
		if err != nil {
			return err
		}
		b.HelpRequests = k
	}
	return nil
}

func (p *Purger) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return store.Now()
}

// Every purges, at once and then once a day until ctx ends, the programs closed
// more than days days ago. Failures are logged; the next day tries again.
func (p *Purger) Every(ctx context.Context, days int, log *slog.Logger) {
	every := p.Interval
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := p.Purge(ctx, p.now().AddDate(0, 0, -days))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention purge", "err", err)
		case err == nil && n.Programs > 0:
			log.Info("retention purge", "summary", n.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
