package registry

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/store"
)

// Reasons say why two targets may be the same, as catalogue keys and arguments; the
// web layer renders them in the reader's language. Pairs queued before reasons were
// stored as keys hold finished Indonesian sentences, read as keys without a
// catalogue entry and shown as they are.
type Reasons []msg.Message

// Duplicate is a pair of targets that may be the same, as API.md shows it.
type Duplicate struct {
	ID        string    `json:"id"`
	TargetIDs []string  `json:"target_ids"`
	Score     float64   `json:"score"`
	Reasons   Reasons   `json:"reasons"`
	Region    string    `json:"region"`
	Status    string    `json:"status"`
	Keep      string    `json:"keep,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

const dupColumns = `id, target_a, target_b, score, reasons, region, status, keep, created_at`

func scanDup(row interface{ Scan(...any) error }) (Duplicate, error) {
	var d Duplicate
	var a, b, reasons string
	err := row.Scan(&d.ID, &a, &b, &d.Score, &reasons, &d.Region, &d.Status, &d.Keep, &d.CreatedAt)
	d.TargetIDs = []string{a, b}
	_ = json.Unmarshal([]byte(reasons), &d.Reasons)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

// ListDuplicates lists pairs in the viewer's scope with a status (default open),
// oldest first: the queue an office works through (a Back cursor gives the page
// before it).
func (s *Service) ListDuplicates(ctx context.Context, v Viewer, status string, limit int, cursor string) ([]Duplicate, string, error) {
	if status == "" {
		status = "open"
	}
	if status != "open" && status != "merged" && status != "distinct" {
		return nil, "", errs.E(errs.Invalid, "status must be open, merged or distinct")
	}
	cur, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = store.Limit(limit)
	args := []any{status, v.Scope, v.Scope + ".%"}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	after, order := cur.Keyset("created_at", "id", false, arg)
	ds, err := store.All(ctx, s.db.R(), scanDup, `SELECT `+dupColumns+` FROM duplicates WHERE status = $1 AND `+scopeClause("region", 2)+
		after+order+` LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	ds, next := store.PageAround(ds, limit, cur, func(d Duplicate) store.Cursor { return store.Cursor{At: d.CreatedAt, ID: d.ID} })
	return ds, next, nil
}

// Duplicate returns one pair in the viewer's scope.
func (s *Service) Duplicate(ctx context.Context, v Viewer, id string) (Duplicate, error) {
	d, err := scanDup(store.One(ctx, s.db.R(), `SELECT `+dupColumns+` FROM duplicates WHERE id = $1 AND `+scopeClause("region", 2),
		id, v.Scope, v.Scope+".%"))
	if err != nil {
		return d, store.NotFound(err, "duplicate not found")
	}
	return d, nil
}

// Resolve decides a pair: "merge" keeps one target (keep) and folds the other into
// it — its members move over, a member already present (same NIK) is marked merged
// into the kept one, and nothing is deleted, so the history stays —; "distinct"
// records that they are different. Either way the pair never comes back.
func (s *Service) Resolve(ctx context.Context, v Viewer, id, decision, keep string) (Duplicate, error) {
	d, err := s.Duplicate(ctx, v, id)
	if err != nil {
		return d, err
	}
	if d.Status != "open" {
		return d, errs.E(errs.Conflict, "this pair was already decided (%s)", d.Status)
	}
	a, b := d.TargetIDs[0], d.TargetIDs[1]
	var drop string
	switch decision {
	case "merge":
		switch keep {
		case a:
			drop = b
		case b:
			drop = a
		default:
			return d, errs.E(errs.Invalid, "keep must be one of the pair's two targets")
		}
	case "distinct":
		keep = ""
	default:
		return d, errs.E(errs.Invalid, "decision must be merge, distinct or move")
	}
	actor, _ := audit.ActorFrom(ctx)
	now := store.Now()
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Re-check the status inside the transaction: two offices deciding the same
		// pair at once must not both apply.
		res, err := tx.ExecContext(ctx, `UPDATE duplicates SET status = $1, keep = $2, decided_by = $3, decided_at = $4
			WHERE id = $5 AND status = 'open'`, map[string]string{"merge": "merged", "distinct": "distinct"}[decision], keep, actor.ID, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "this pair was already decided")
		}
		// Both targets must lie in the decider's region now, not only when the pair
		// was filed: a household may have moved since.
		sides := map[string]pairSide{}
		for _, t := range d.TargetIDs {
			var p pairSide
			if err := store.One(ctx, tx, `SELECT region, held FROM targets WHERE id = $1 AND `+scopeClause("region", 2),
				t, v.Scope, v.Scope+".%").Scan(&p.region, &p.held); err != nil {
				return store.NotFound(err, "duplicate not found")
			}
			sides[t] = p
		}
		if decision == "distinct" {
			if sides[a].held == id || sides[b].held == id {
				return errs.E(errs.Conflict, "these two share one No. KK or NIK, so they are one record: merge them, or correct the number in the file")
			}
		} else {
			if err := s.mergeTargets(ctx, tx, keep, drop, now); err != nil {
				return err
			}
			if err := s.tellMerged(ctx, tx, id, keep, drop); err != nil {
				return err
			}
			// A copy held for this pair becomes the live record when kept; its
			// members held with it join it.
			if _, err := tx.ExecContext(ctx, `UPDATE targets SET held = '', updated_at = $1 WHERE id IN ($2, $3) AND held = $4`, now, keep, drop, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE members SET held = '', updated_at = $1 WHERE target_id = $2 AND held = $3 AND merged_into IS NULL`, now, keep, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE targets SET size = (SELECT COUNT(*) FROM members WHERE target_id = $1 AND merged_into IS NULL AND held = '')
				WHERE id = $1 AND kind = 'household'`, keep); err != nil {
				return err
			}
			// Each region's history says what became of its record.
			for _, t := range []struct{ id, role, other string }{{drop, "merged_into", keep}, {keep, "kept_from", drop}} {
				if err := audit.Record(ctx, tx, audit.Change{Action: "target.merge", ObjectType: "target", ObjectID: t.id, Region: sides[t.id].region,
					Detail: map[string]any{"duplicate": id, t.role: t.other}}); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "duplicate." + decision, ObjectType: "duplicate", ObjectID: id, Region: d.Region,
			Detail: map[string]any{"targets": d.TargetIDs, "keep": keep}})
	})
	if err != nil {
		return d, err
	}
	s.changed()
	return s.Duplicate(ctx, v, id)
}

// pairSide is what deciding a pair reads of each of its targets.
type pairSide struct{ region, held string }

// mergeTargets folds target drop into keep.
func (s *Service) mergeTargets(ctx context.Context, tx *store.Tx, keep, drop string, now time.Time) error {
	var kindKeep, kindDrop, tagsKeep, tagsDrop, mergedKeep, mergedDrop string
	if err := store.One(ctx, tx, `SELECT kind, tags, COALESCE(merged_into, '') FROM targets WHERE id = $1`, keep).Scan(&kindKeep, &tagsKeep, &mergedKeep); err != nil {
		return err
	}
	if err := store.One(ctx, tx, `SELECT kind, tags, COALESCE(merged_into, '') FROM targets WHERE id = $1`, drop).Scan(&kindDrop, &tagsDrop, &mergedDrop); err != nil {
		return err
	}
	if mergedKeep != "" || mergedDrop != "" {
		return errs.E(errs.Conflict, "one of these targets was already merged into another")
	}
	if kindKeep != kindDrop {
		return errs.E(errs.Conflict, "targets of different kinds cannot be merged; mark them distinct")
	}
	type mem struct{ id, hash, held string }
	load := func(target string) (map[string]mem, []mem, error) {
		rows, err := tx.QueryContext(ctx, `SELECT id, nik_hash, nik_enc, held FROM members WHERE target_id = $1 AND merged_into IS NULL`, target)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		byHash := map[string]mem{}
		var all []mem
		for rows.Next() {
			var m mem
			var enc string
			if err := rows.Scan(&m.id, store.HashText(&m.hash), &enc, &m.held); err != nil {
				return nil, nil, err
			}
			hs, err := s.nikHashes(m.id, enc, m.hash)
			if err != nil {
				return nil, nil, err
			}
			m.hash = hs[0]
			byHash[m.hash] = m
			all = append(all, m)
		}
		return byHash, all, rows.Err()
	}
	keepMembers, _, err := load(keep)
	if err != nil {
		return err
	}
	_, dropMembers, err := load(drop)
	if err != nil {
		return err
	}
	var release []string
	for _, m := range dropMembers {
		// Members without a NIK (empty hash) match nobody by NIK.
		if k, ok := keepMembers[m.hash]; ok && m.hash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE members SET merged_into = $1, updated_at = $2 WHERE id = $3`, k.id, now, m.id); err != nil {
				return err
			}
			if k.held != "" {
				release = append(release, k.id)
			}
			continue
		}
		// A household has one head: the head of the folded-in household joins the
		// kept one as "Famili Lain" (another relative).
		if _, err := tx.ExecContext(ctx, `UPDATE members SET target_id = $1, held = '', updated_at = $2,
			relation = CASE WHEN relation = 'Kepala Keluarga' THEN 'Famili Lain' ELSE relation END WHERE id = $3`, keep, now, m.id); err != nil {
			return err
		}
	}
	for _, id := range release {
		if _, err := tx.ExecContext(ctx, `UPDATE members SET held = '', updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
	}
	tags := unionTags(tagsKeep, strings.Split(strings.Trim(tagsDrop, ","), ","))
	// Flatten: whatever was merged into the dropped target now points at the kept one.
	// (Two statements rather than one with OR, so that each can use its index.)
	if _, err := tx.ExecContext(ctx, `UPDATE targets SET merged_into = $1, updated_at = $2 WHERE merged_into = $3`, keep, now, drop); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE targets SET merged_into = $1, updated_at = $2 WHERE id = $3`, keep, now, drop); err != nil {
		return err
	}
	if kindKeep == string(Household) {
		_, err = tx.ExecContext(ctx, `UPDATE targets SET tags = $1, updated_at = $2,
			size = (SELECT COUNT(*) FROM members WHERE target_id = $3 AND merged_into IS NULL AND held = '') WHERE id = $3`, tags, now, keep)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE targets SET tags = $1, updated_at = $2 WHERE id = $3`, tags, now, keep)
	}
	return err
}
