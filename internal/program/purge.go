package program

import (
	"context"
	"database/sql"
	"time"

	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Retention (issue 14, item 6): package retention asks which programs are closed
// before a day, purges their recipients' personal data through each owner, and then
// marks the program here.

// ClosedProgram is a program closed before a day, as the purge needs it.
type ClosedProgram struct {
	ID       string
	Name     string
	ClosedAt time.Time
	// Purged is set when an earlier purge finished this program.
	Purged bool
}

// ClosedBefore lists the programs closed before the instant, oldest first.
func (s *Service) ClosedBefore(ctx context.Context, before time.Time) ([]ClosedProgram, error) {
	return store.All(ctx, s.db.R(), func(r store.Scanner) (ClosedProgram, error) {
		var p ClosedProgram
		var purged sql.NullTime
		err := r.Scan(&p.ID, &p.Name, &p.ClosedAt, &purged)
		p.ClosedAt, p.Purged = p.ClosedAt.UTC(), purged.Valid
		return p, err
	}, `SELECT id, name, closed_at, personal_data_purged_at FROM programs
		WHERE status = 'closed' AND closed_at < $1 ORDER BY closed_at, id`, before.UTC())
}

// MarkPurged records, inside the purge's last transaction, that the personal data
// of the program's recipients is gone. It reports whether it marked the program
// (false: a purge running beside this one marked it first).
func (s *Service) MarkPurged(ctx context.Context, tx *store.Tx, id string, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE programs SET personal_data_purged_at = $1 WHERE id = $2 AND personal_data_purged_at IS NULL`, at.UTC(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurgedAt says when the personal data of a program's recipients was purged, or
// nil when it was not.
func (s *Service) PurgedAt(ctx context.Context, id string) (*time.Time, error) {
	var at sql.NullTime
	if err := store.One(ctx, s.db.R(), `SELECT personal_data_purged_at FROM programs WHERE id = $1`, id).Scan(&at); err != nil {
		return nil, store.NotFound(err, "no such program")
	}
	if !at.Valid {
		return nil, nil
	}
	t := at.Time.UTC()
	return &t, nil
}

// OpenCriteria returns who the draft and published programs are for: a target
// one of them may still serve is kept whole by the purge, though a draft has no
// needs yet.
func (s *Service) OpenCriteria(ctx context.Context) ([]registry.Criteria, error) {
	ps, err := store.All(ctx, s.db.R(), func(r store.Scanner) (Program, error) { return scanProgram(r) },
		`SELECT `+programCols+` FROM programs WHERE status IN ('draft','published') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Criteria, len(ps))
	for i, p := range ps {
		out[i] = registry.Criteria{Kinds: p.TargetKinds, Regions: p.Regions, InstitutionKinds: p.InstitutionKinds, Tags: p.Tags}
	}
	return out, nil
}
