package registry

import (
	"context"
	"slices"

	"github.com/gotong/gotong/internal/store"
)

// Retention (issue 14, item 6): when every program a household or person needed
// aid from has been closed long enough, package retention asks the registry to
// forget who they were. The rows stay, anonymous, so that needs, allocations and
// every count that joins them still hold; RW and institution targets are not
// personal data and are left whole.

// Anonymous is the name a purged target or member keeps.
const Anonymous = "—"

// HeldPurged is the held mark of a purged target: Eligible skips held targets, so
// an anonymous household is never seeded into a later program, where nobody could
// find it.
const HeldPurged = "purged"

// PurgedTargets counts what one purge call removed.
type PurgedTargets struct {
	Targets int64 `json:"targets"`
	Members int64 `json:"members"`
}

// PurgeTargets removes, inside tx, the personal data of the households and persons
// among ids and of their members: names, NIK and No. KK (sealed values, keyed
// hashes and masks), birth dates, phones, addresses, contact names, positions and
// row hashes. Kind, region, RW/RT, size, families, sex and tags stay: the counts
// and the coverage are made of them. Rows already purged are not counted again, so
// a second call changes nothing.
func (s *Service) PurgeTargets(ctx context.Context, tx *store.Tx, ids []string) (PurgedTargets, error) {
	var n PurgedTargets
	if len(ids) == 0 {
		return n, nil
	}
	ids, err := withMerged(ctx, tx, ids)
	if err != nil {
		return n, err
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, Anonymous)
	for _, id := range ids {
		args = append(args, id)
	}
	in := store.InList(tx.Engine, 2, len(ids))
	res, err := tx.ExecContext(ctx, `UPDATE members SET name = $1, name_norm = '', nik_enc = '', nik_hash = NULL, nik_mask = '',
		key_hash = '', birth_date = '', row_hash = ''
		WHERE target_id IN (`+in+`) AND (name <> $1 OR nik_enc <> '' OR nik_hash IS NOT NULL OR key_hash <> '' OR birth_date <> '')
		AND target_id IN (SELECT id FROM targets WHERE kind IN ('household','person'))`, args...)
	if err != nil {
		return n, err
	}
	if n.Members, err = res.RowsAffected(); err != nil {
		return n, err
	}
	// The mark is $2 and the ids follow it: SQLite numbers a generated "?" after
	// the highest parameter written before it (store.InList).
	args = append([]any{Anonymous, HeldPurged}, args[1:]...)
	res, err = tx.ExecContext(ctx, `UPDATE targets SET name = $1, name_norm = '', address = '', domicile = '', phone = '',
		id_enc = '', id_hash = NULL, id_mask = '', birth_date = '', contact_name = '', lat = NULL, lon = NULL, row_hash = '', held = $2
		WHERE id IN (`+store.InList(tx.Engine, 3, len(ids))+`) AND kind IN ('household','person') AND held <> $2`, args...)
	if err != nil {
		return n, err
	}
	n.Targets, err = res.RowsAffected()
	return n, err
}

// withMerged adds to ids the records merged into them (duplicates resolved, at any
// depth): they hold the same people's data.
func withMerged(ctx context.Context, tx *store.Tx, ids []string) ([]string, error) {
	all := slices.Clone(ids)
	for next := ids; len(next) > 0; {
		args := make([]any, len(next))
		for i, id := range next {
			args[i] = id
		}
		var err error
		if next, err = store.All(ctx, tx, store.String, `SELECT id FROM targets WHERE merged_into IN (`+store.InList(tx.Engine, 1, len(next))+`)`, args...); err != nil {
			return nil, err
		}
		all = append(all, next...)
	}
	return all, nil
}

// NotEligible returns those of ids that no program of keep may serve: the others
// are kept whole, since a draft program, which has no needs yet, may still be for
// them.
func (s *Service) NotEligible(ctx context.Context, tx *store.Tx, ids []string, keep []Criteria) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	// The ids come first and each condition's arguments after them, in the order
	// they are written: SQLite numbers parameters as it meets them (store.InList).
	q := `SELECT t.id FROM targets t WHERE t.id IN (` + store.InList(tx.Engine, 1, len(ids)) + `)`
	for _, c := range keep {
		if len(c.Kinds) == 0 {
			continue
		}
		cond, more := Eligible(c, len(args)+1)
		q += ` AND NOT (` + cond + `)`
		args = append(args, more...)
	}
	return store.All(ctx, tx, store.String, q+` ORDER BY t.id`, args...)
}
