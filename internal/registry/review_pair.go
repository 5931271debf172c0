package registry

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Pair returns a pair in the viewer's scope with its two targets and their members,
// side by side, for an office to decide on. The office of the region gets the NIKs
// and No. KKs in clear — the numbers are what tells two records apart — and that
// read is one audit entry for the pair, in the audit log before anything is shown;
// others get them masked. A target that has left the viewer's scope since the pair
// was filed makes the pair not found.
func (s *Service) Pair(ctx context.Context, v Viewer, id string) (Duplicate, []Target, error) {
	d, err := s.Duplicate(ctx, v, id)
	if err != nil {
		return d, nil, err
	}
	ts, err := s.pairTargets(ctx, v, d)
	if err != nil || !v.Office {
		return d, ts, err
	}
	shown := false
	for i := range ts {
		ok, err := s.reveal(&ts[i])
		if err != nil {
			return d, nil, err
		}
		shown = shown || ok
	}
	if !shown {
		return d, ts, nil
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "duplicate.view_personal_data", ObjectType: "duplicate", ObjectID: d.ID, Region: d.Region,
			Detail: map[string]any{"targets": d.TargetIDs, "fields": []string{"nik", "kk"}}})
	})
	if err != nil {
		return d, nil, err
	}
	return d, ts, nil
}

// PairTargets returns the two targets of each pair, masked (the list of pairs shows
// names, birth dates, addresses and members, never numbers in clear), in the order
// of ds. A pair whose target has left the viewer's scope gets none.
func (s *Service) PairTargets(ctx context.Context, v Viewer, ds []Duplicate) ([][]Target, error) {
	out := make([][]Target, len(ds))
	for i, d := range ds {
		ts, err := s.pairTargets(ctx, v, d)
		if errs.KindOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = ts
	}
	return out, nil
}

func (s *Service) pairTargets(ctx context.Context, v Viewer, d Duplicate) ([]Target, error) {
	ts := make([]Target, 0, 2)
	for _, id := range d.TargetIDs {
		t, err := s.loadTarget(ctx, v, id)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// Merged tells what a merge did: household Dropped (in region DroppedRegion, with
// its No. KK masked) was folded into Kept, whose masked No. KK, region and RW/RT
// name it without personal data.
type Merged struct {
	Duplicate     string
	Kept          string
	KeptKKMasked  string
	KeptRegion    string
	KeptRW        int
	KeptRT        int
	Dropped       string
	DroppedKK     string // masked
	DroppedRegion string
}

// OnMerged registers fn to run inside the transaction of every merge an office
// decides, after the targets are folded: the allocations' owner tells the
// organisations serving the dropped household. An error from fn undoes the merge.
// Register it before serving.
func (s *Service) OnMerged(fn func(ctx context.Context, tx *store.Tx, m Merged) error) {
	s.onMerged = fn
}

// tellMerged runs the OnMerged hook for the merge of drop into keep.
func (s *Service) tellMerged(ctx context.Context, tx *store.Tx, pair, keep, drop string) error {
	if s.onMerged == nil {
		return nil
	}
	m := Merged{Duplicate: pair, Kept: keep, Dropped: drop}
	if err := store.One(ctx, tx, `SELECT id_mask, region, rw, rt FROM targets WHERE id = $1`, keep).Scan(&m.KeptKKMasked, &m.KeptRegion, &m.KeptRW, &m.KeptRT); err != nil {
		return err
	}
	if err := store.One(ctx, tx, `SELECT id_mask, region FROM targets WHERE id = $1`, drop).Scan(&m.DroppedKK, &m.DroppedRegion); err != nil {
		return err
	}
	return s.onMerged(ctx, tx, m)
}

// Move decides a pair by moving one member from one of its households to the
// other, leaving both in the registry as different households: the same person
// listed in both (same NIK) is removed from the household it should not be in and
// kept in the other (marked merged into the member there, so its history stays);
// a member who moved households is moved over. to is the household receiving the
// member. The head of a household is not moved (it would leave a household
// without its head): merge the pair, or correct the file. Both households' sizes
// follow their members, and programs' needs follow the sizes as for a correction
// (registry changed: never below what is allocated, a shrink below it flagged).
func (s *Service) Move(ctx context.Context, v Viewer, id, memberID, to string) (Duplicate, error) {
	d, err := s.Duplicate(ctx, v, id)
	if err != nil {
		return d, err
	}
	if d.Status != "open" {
		return d, errs.E(errs.Conflict, "this pair was already decided (%s)", d.Status)
	}
	var from string
	switch to {
	case d.TargetIDs[0]:
		from = d.TargetIDs[1]
	case d.TargetIDs[1]:
		from = d.TargetIDs[0]
	default:
		return d, errs.E(errs.Invalid, "to must be one of the pair's two targets")
	}
	if memberID == "" {
		return d, errs.E(errs.Invalid, "member_id is required to move a member")
	}
	actor, _ := audit.ActorFrom(ctx)
	now := store.Now()
	var into string // the member already listed in to, when the same person
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE duplicates SET status = 'distinct', keep = '', decided_by = $1, decided_at = $2
			WHERE id = $3 AND status = 'open'`, actor.ID, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "this pair was already decided")
		}
		// Both households must lie in the decider's region now.
		regions := map[string]string{}
		for _, t := range d.TargetIDs {
			var kind, held, region, merged string
			if err := store.One(ctx, tx, `SELECT kind, held, region, COALESCE(merged_into, '') FROM targets WHERE id = $1 AND `+scopeClause("region", 2),
				t, v.Scope, v.Scope+".%").Scan(&kind, &held, &region, &merged); err != nil {
				return store.NotFound(err, "duplicate not found")
			}
			if kind != string(Household) {
				return errs.E(errs.Conflict, "only members of households can be moved; merge or mark them distinct")
			}
			if held == id {
				return errs.E(errs.Conflict, "these two share one No. KK or NIK, so they are one record: merge them, or correct the number in the file")
			}
			if merged != "" {
				return errs.E(errs.Conflict, "one of these targets was already merged into another")
			}
			regions[t] = region
		}
		var hash, enc, relation string
		if err := store.One(ctx, tx, `SELECT nik_hash, nik_enc, relation FROM members WHERE id = $1 AND target_id = $2 AND merged_into IS NULL AND held = ''`,
			memberID, from).Scan(store.HashText(&hash), &enc, &relation); err != nil {
			return store.NotFound(err, "member not found in the other household of this pair")
		}
		if relation == "Kepala Keluarga" {
			return errs.E(errs.Conflict, "the head of a household cannot be moved: merge the two, or correct the file")
		}
		if hash != "" {
			// During a key rotation the two households' rows may hold the NIK's hash
			// under different keys: look for both.
			hs, err := s.nikHashes(memberID, enc, hash)
			if err != nil {
				return err
			}
			if err := store.One(ctx, tx, `SELECT id FROM members WHERE target_id = $1 AND nik_hash IN ($2, $3) AND merged_into IS NULL AND held = ''`,
				to, store.HashArg(hs[0]), store.HashArg(hs[len(hs)-1])).Scan(&into); err != nil && !errs.Is(store.Map(err), errs.NotFound) {
				return err
			}
		}
		if into != "" {
			_, err = tx.ExecContext(ctx, `UPDATE members SET merged_into = $1, updated_at = $2 WHERE id = $3`, into, now, memberID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE members SET target_id = $1, updated_at = $2 WHERE id = $3`, to, now, memberID)
		}
		if err != nil {
			return err
		}
		if err := resize(ctx, tx, now, from, to); err != nil {
			return err
		}
		// Each household's history says what it lost or gained.
		for _, t := range []struct{ id, role, other string }{{from, "moved_to", to}, {to, "moved_from", from}} {
			if err := audit.Record(ctx, tx, audit.Change{Action: "target.member_move", ObjectType: "target", ObjectID: t.id, Region: regions[t.id],
				Detail: map[string]any{"duplicate": id, "member": memberID, t.role: t.other, "same_person": into != ""}}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "duplicate.move", ObjectType: "duplicate", ObjectID: id, Region: d.Region,
			Detail: map[string]any{"targets": d.TargetIDs, "member": memberID, "from": from, "to": to, "same_person": into != ""}})
	})
	if err != nil {
		return d, err
	}
	s.changed()
	return s.Duplicate(ctx, v, id)
}

// resize sets households' sizes to their live members, stamping them changed so
// that the programs' sync brings their needs in step.
func resize(ctx context.Context, tx *store.Tx, now time.Time, ids ...string) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE targets SET updated_at = $1,
			size = (SELECT COUNT(*) FROM members WHERE target_id = $2 AND merged_into IS NULL AND held = '') WHERE id = $2`, now, id); err != nil {
			return err
		}
	}
	return nil
}
