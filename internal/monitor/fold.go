package monitor

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// foldLock is the advisory lock that lets one fold run at a time, whichever
// process runs it: two folds updating the same counter rows in different orders
// could deadlock.
const foldLock = 0x676f746f6e67 // "gotong"

// foldSQL moves every committed delta into counters in one statement: rows a
// concurrent transaction appends meanwhile are not in this statement's snapshot
// and stay for the next fold.
func foldSQL() string {
	cols := strings.Join(columns, ", ")
	sets := make([]string, len(columns))
	sel := make([]string, len(columns))
	for i, c := range columns {
		sets[i] = c + " = counters." + c + " + excluded." + c
		sel[i] = "SUM(" + c + ")"
	}
	return `WITH d AS (DELETE FROM counter_deltas RETURNING *)
		INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, ` + cols + `)
		SELECT program_id, phase_id, region, rw, org_id, day, ` + strings.Join(sel, ", ") + `
		FROM d GROUP BY program_id, phase_id, region, rw, org_id, day
		ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET ` + strings.Join(sets, ", ")
}

// Fold moves the changes the triggers appended into the counters and returns how
// many counter rows it changed. On SQLite the triggers change the counters
// themselves and there is nothing to fold. Readers see the same figures before
// and after a fold; folding keeps what they add up small.
func (s *Service) Fold(ctx context.Context) (int, error) {
	if !s.deltas {
		return 0, nil
	}
	var n int
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(foldLock)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, foldSQL())
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n = int(k)
		return err
	})
	return n, err
}

// Run folds every interval until ctx ends (at once on SQLite, which has nothing to
// fold).
func (s *Service) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	if !s.deltas {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Fold(ctx); err != nil && ctx.Err() == nil {
				log.Warn("folding the counters", "err", err)
			}
		}
	}
}
