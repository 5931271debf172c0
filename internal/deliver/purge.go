package deliver

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gotong/gotong/internal/store"
)

// Retention (issue 14, item 6): package retention asks this package to forget the
// proofs of the purged recipients' deliveries and the couriers of a closed
// program's runs. Proof rows, runs and stops stay: they are counted.

// PurgeProofs removes, inside tx, the personal fields of the allocations' proofs
// (who received, the photo and where it was taken) and the photo files. The files
// go first: when the transaction fails after that, the rows still name them and a
// second purge finishes (a missing file is not an error). It returns how many
// proofs and photos it cleared.
func (s *Service) PurgeProofs(ctx context.Context, tx *store.Tx, allocationIDs []string) (proofs, photos int64, err error) {
	if len(allocationIDs) == 0 {
		return 0, 0, nil
	}
	args := make([]any, len(allocationIDs))
	for i, id := range allocationIDs {
		args[i] = id
	}
	in := store.InList(tx.Engine, 1, len(allocationIDs))
	names, err := store.All(ctx, tx, store.String, `SELECT photo FROM delivery_proofs WHERE allocation_id IN (`+in+`) AND photo <> ''`, args...)
	if err != nil {
		return 0, 0, err
	}
	for _, name := range names {
		// The name was made by storePhoto (random hex); Base keeps a damaged row
		// from reaching outside the folder.
		if err := os.Remove(filepath.Join(s.photoDir, filepath.Base(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, 0, err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE delivery_proofs SET received_by = '', photo = '', lat = NULL, lon = NULL
		WHERE allocation_id IN (`+in+`) AND (received_by <> '' OR photo <> '' OR lat IS NOT NULL OR lon IS NOT NULL)`, args...)
	if err != nil {
		return 0, 0, err
	}
	proofs, err = res.RowsAffected()
	return proofs, int64(len(names)), err
}

// PurgeCouriers removes, inside tx, the couriers' names, phones, plates and booking
// references from the runs of the commitments, and ends their links.
func (s *Service) PurgeCouriers(ctx context.Context, tx *store.Tx, commitmentIDs []string, now time.Time) (int64, error) {
	if len(commitmentIDs) == 0 {
		return 0, nil
	}
	args := []any{now.UTC()}
	for _, id := range commitmentIDs {
		args = append(args, id)
	}
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET courier_name = '', courier_phone = '', plate = '', booking_ref = '',
		token_gen = token_gen + 1, link_expires_at = CASE WHEN link_expires_at > $1 THEN $1 ELSE link_expires_at END
		WHERE commitment_id IN (`+store.InList(tx.Engine, 2, len(commitmentIDs))+`)
		AND (courier_name <> '' OR courier_phone <> '' OR plate <> '' OR booking_ref <> '')`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
