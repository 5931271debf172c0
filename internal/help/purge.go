package help

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// PurgeHelpRequests forgets what the requests accepted for targets say about
// people once the program they were accepted into is purged (retention): the
// sealed names, NIK, phones, address and need in words, the NIK's mask and
// keyed hash, and the status lookup's check (the reference no longer answers).
// What offices count by stays: kind, status, region, RW/RT, urgency, dates.
// It runs in the purge's transaction and returns how many requests it cleared.
func (s *Service) PurgeHelpRequests(ctx context.Context, tx *store.Tx, programID string, targetIDs []string) (int64, error) {
	if len(targetIDs) == 0 {
		return 0, nil
	}
	args := []any{programID}
	for _, id := range targetIDs {
		args = append(args, id)
	}
	res, err := tx.ExecContext(ctx, `UPDATE help_requests SET sealed = '', nik_mask = '', nik_hash = '', check_hash = ''
		WHERE program_id = $1 AND target_id IN (`+store.InList(tx.Engine, 2, len(targetIDs))+`) AND sealed <> ''`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
