package registry

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/store"
)

// queuePair records a possible duplicate of targets a and b (in either order); a pair
// already known — open or decided — is not queued again, so an office never sees the
// same pair twice. It returns the pair's id.
func queuePair(ctx context.Context, tx *store.Tx, a, b, region string, score float64, reasons []msg.Message, imp string, now time.Time) (string, error) {
	id, _, err := queuePairID(ctx, tx, newID(), a, b, region, score, reasons, imp, now)
	return id, err
}

// queuePairID is queuePair with the id a new pair gets.
// It also reports whether the pair is new.
func queuePairID(ctx context.Context, tx *store.Tx, newPairID, a, b, region string, score float64, reasons []msg.Message, imp string, now time.Time) (string, bool, error) {
	if b < a {
		a, b = b, a
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM duplicates WHERE target_a = $1 AND target_b = $2`, a, b).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	id = newPairID
	why, _ := json.Marshal(reasons)
	if _, err := tx.ExecContext(ctx, `INSERT INTO duplicates (id, target_a, target_b, region, score, reasons, import_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, a, b, region, score, string(why), imp, now); err != nil {
		return "", false, err
	}
	return id, true, audit.Record(ctx, tx, audit.Change{Action: "duplicate.queue", ObjectType: "duplicate", ObjectID: id, Region: region,
		Detail: map[string]any{"targets": []string{a, b}, "score": score, "import_id": imp}})
}

// reviewPair is a fuzzy pair going to review.
type reviewPair struct {
	a, b    blockMember
	score   float64
	reasons []msg.Message
}

// queuePairs records the fuzzy pairs for review in multi-row statements, skipping
// pairs already known (ON CONFLICT on the ordered target pair) and pairs repeated in
// the list (two members of one household resembling two of another). It reports,
// per pair, whether it was created, and audits each statement's new pairs in one
// entry that lists their ids (first 40) with a SHA-256 over all of them: a million-row
// import queues tens of thousands of pairs, and one round trip and one audit entry
// per pair made the pass eight times slower on PostgreSQL.
func queuePairs(ctx context.Context, tx *store.Tx, pairs []reviewPair, imp, scope string, now time.Time) ([]bool, error) {
	created := make([]bool, len(pairs))
	type key struct{ a, b string }
	first := map[key]int{}
	var fresh []int // indexes of the first pair of each target pair
	for i, p := range pairs {
		a, b := p.a.targetID, p.b.targetID
		if b < a {
			a, b = b, a
		}
		if _, dup := first[key{a, b}]; dup {
			continue
		}
		first[key{a, b}] = i
		fresh = append(fresh, i)
	}
	const batch = 500
	for lo := 0; lo < len(fresh); lo += batch {
		part := fresh[lo:min(lo+batch, len(fresh))]
		args := make([]any, 0, len(part)*8)
		ids := map[key]string{}
		for _, i := range part {
			p := pairs[i]
			a, b := p.a.targetID, p.b.targetID
			if b < a {
				a, b = b, a
			}
			why, _ := json.Marshal(p.reasons)
			id := newID()
			ids[key{a, b}] = id
			args = append(args, id, a, b, p.a.region, p.score, string(why), imp, now)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO duplicates (id, target_a, target_b, region, score, reasons, import_id, created_at) VALUES `+
			store.Values(tx.Engine, 1, len(part), 8)+` ON CONFLICT (target_a, target_b) DO NOTHING RETURNING id, target_a, target_b`, args...)
		if err != nil {
			return nil, err
		}
		var newIDs []string
		for rows.Next() {
			var id, a, b string
			if err := rows.Scan(&id, &a, &b); err != nil {
				rows.Close()
				return nil, err
			}
			i := first[key{a, b}]
			created[i] = true
			newIDs = append(newIDs, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(newIDs) == 0 {
			continue
		}
		sort.Strings(newIDs)
		sum := sha256.Sum256([]byte(strings.Join(newIDs, "\n")))
		if err := audit.Record(ctx, tx, audit.Change{Action: "duplicate.queue", ObjectType: "import", ObjectID: imp, Region: scope,
			Detail: map[string]any{"pairs": len(newIDs), "ids": newIDs[:min(40, len(newIDs))], "ids_sha256": hex.EncodeToString(sum[:])}}); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// blockMember is a member as the fuzzy pass sees it.
type blockMember struct {
	id, targetID, region, birth, nameNorm, importID, sex string
	line                                                 int
	inserted                                             bool // written new (not updated) by its import
	hasNIK                                               bool
}

// fuzzyPass compares the members this import wrote with every member of the same
// kelurahan and birth date (the block), so the cost grows with the data, not with its
// square. A pair in different targets at or above namematch.Review is either merged
// at once (see autoMergeable) or queued for review; the rows it came from move from
// "accepted" (or "updated") to "merged" or "review".
func (s *Service) fuzzyPass(ctx context.Context, imp string) (int, error) {
	// The block join below needs fresh statistics on PostgreSQL (dedup_postgres.go).
	analyze := store.Choose(s.db.Engine, analyzeMembersPostgres, analyzeMembersSQLite)
	if err := analyze(ctx, s.db); err != nil {
		return 0, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT m.id, m.target_id, m.region, m.birth_date, m.name_norm, COALESCE(m.import_id, ''), m.line,
		CASE WHEN m.created_at = m.updated_at THEN 1 ELSE 0 END, m.sex, CASE WHEN m.nik_hash IS NOT NULL THEN 1 ELSE 0 END
		FROM members m JOIN (SELECT DISTINCT region, birth_date FROM members WHERE import_id = $1) b
		ON m.region = b.region AND m.birth_date = b.birth_date
		WHERE m.merged_into IS NULL AND m.held = '' ORDER BY m.region, m.birth_date, m.id`, imp)
	if err != nil {
		return 0, err
	}
	type pair struct {
		a, b  blockMember
		score float64
	}
	var pairs []pair
	var block []blockMember
	check := func() {
		for i := range block {
			for j := i + 1; j < len(block); j++ {
				x, y := block[i], block[j]
				if x.targetID == y.targetID || (x.importID != imp && y.importID != imp) {
					continue
				}
				if sc := namematch.Compare(x.nameNorm, y.nameNorm); sc >= namematch.Review {
					pairs = append(pairs, pair{x, y, sc})
				}
			}
		}
	}
	for rows.Next() {
		var m blockMember
		if err := rows.Scan(&m.id, &m.targetID, &m.region, &m.birth, &m.nameNorm, &m.importID, &m.line, &m.inserted, &m.sex, &m.hasNIK); err != nil {
			rows.Close()
			return 0, err
		}
		if len(block) > 0 && (block[0].region != m.region || block[0].birth != m.birth) {
			check()
			block = block[:0]
		}
		block = append(block, m)
	}
	check()
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(pairs) == 0 {
		return 0, nil
	}
	// How many pairs each member is in: a member that resembles two others is
	// ambiguous, and never merged without a person looking.
	inPairs := map[string]int{}
	for _, p := range pairs {
		inPairs[p.a.id]++
		inPairs[p.b.id]++
	}
	queued := 0
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		lines := map[string]bool{}
		fromAccepted, fromUpdated, merged := 0, 0, 0
		// settle moves the row of m, if it came from this import, out of the
		// counter it was first counted under.
		settle := func(m blockMember) bool {
			if m.importID != imp || lines[m.id] {
				return false
			}
			lines[m.id] = true
			if m.inserted {
				fromAccepted++
			} else {
				fromUpdated++
			}
			return true
		}
		var review []reviewPair
		for _, p := range pairs {
			reasons := []msg.Message{
				msg.New("similar name (%.0f%%)", p.score*100),
				msg.New("same birth date %s", p.a.birth),
				msg.New("same kelurahan %s", s.villageName(p.a.region)),
			}
			if keep, drop, ok := autoMergeable(p.a, p.b, p.score, imp, inPairs); ok {
				done, err := s.autoMerge(ctx, tx, keep, drop, p.score, reasons, imp, now)
				if err != nil {
					return err
				}
				if done {
					if settle(drop) {
						merged++
					}
					continue
				}
			}
			review = append(review, reviewPair{a: p.a, b: p.b, score: p.score, reasons: reasons})
		}
		var scope string
		if err := tx.QueryRowContext(ctx, `SELECT scope FROM imports WHERE id = $1`, imp).Scan(&scope); err != nil {
			return err
		}
		created, err := queuePairs(ctx, tx, review, imp, scope, now)
		if err != nil {
			return err
		}
		for i, q := range review {
			if !created[i] {
				continue // known pair: open already, or decided, which stays decided
			}
			for _, m := range []blockMember{q.a, q.b} {
				if settle(m) {
					queued++
				}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE imports SET accepted = accepted - $1, updated = updated - $2, review = review + $3,
			merged = merged + $4 WHERE id = $5`, fromAccepted, fromUpdated, queued, merged, imp)
		return err
	})
	return queued, err
}

// autoMergeable decides whether a fuzzy pair is merged without review, and which
// member is kept. The rule is deliberately narrow, because a wrong merge hides a
// person while a needless review costs an office a click: the names score at least
// namematch.Same (which only equal names, known spelling variants, reordered names
// and dropped name parts reach, never a guess such as a typo); both are in one block
// (same kelurahan and birth date) and of the same sex; neither is in any other pair;
// and the member folded away was added by this import and has no NIK, so that no two
// NIKs conflict and nothing stored before is hidden. When both lack a NIK and came
// from this import, the later row is folded into the earlier. autoMerge then also
// requires the folded member to be alone in its household.
func autoMergeable(a, b blockMember, score float64, imp string, inPairs map[string]int) (keep, drop blockMember, ok bool) {
	if score < namematch.Same || a.sex != b.sex || a.birth != b.birth || a.region != b.region ||
		inPairs[a.id] != 1 || inPairs[b.id] != 1 {
		return keep, drop, false
	}
	droppable := func(m blockMember) bool { return m.importID == imp && m.inserted && !m.hasNIK }
	switch {
	case droppable(a) && droppable(b):
		if b.line < a.line {
			return b, a, true
		}
		return a, b, true
	case droppable(b):
		return a, b, true
	case droppable(a):
		return b, a, true
	}
	return keep, drop, false
}

// autoMerge folds member drop, and its household, into member keep and keep's
// household, keeping the history as a reviewed merge does: the member and the target
// are marked merged (nothing is deleted), the pair is recorded as decided "merged"
// (so it never comes back and offices can list it), and the audit log gets a
// "duplicate.auto_merge" entry with the score and the reasons. It merges nothing, and
// reports false, when the pair is already known (open or decided), when drop's
// household holds anyone else (the same person in two households is a question for
// an office), or when either household was merged meanwhile.
func (s *Service) autoMerge(ctx context.Context, tx *store.Tx, keep, drop blockMember, score float64, reasons []msg.Message, imp string, now time.Time) (bool, error) {
	a, b := keep.targetID, drop.targetID
	if b < a {
		a, b = b, a
	}
	var known string
	err := tx.QueryRowContext(ctx, `SELECT id FROM duplicates WHERE target_a = $1 AND target_b = $2`, a, b).Scan(&known)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	var others, mergedTargets int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE target_id = $1 AND id <> $2 AND merged_into IS NULL`,
		drop.targetID, drop.id).Scan(&others); err != nil {
		return false, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM targets WHERE id IN ($1, $2) AND (merged_into IS NOT NULL OR kind <> 'household')`,
		keep.targetID, drop.targetID).Scan(&mergedTargets); err != nil {
		return false, err
	}
	if others > 0 || mergedTargets > 0 {
		return false, nil
	}
	id := newID()
	why, _ := json.Marshal(reasons)
	if _, err := tx.ExecContext(ctx, `INSERT INTO duplicates (id, target_a, target_b, region, score, reasons, status, keep, import_id,
		decided_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'merged', $7, $8, $9, $9)`,
		id, a, b, keep.region, score, string(why), keep.targetID, imp, now); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET merged_into = $1, updated_at = $2 WHERE id = $3`, keep.id, now, drop.id); err != nil {
		return false, err
	}
	if err := s.mergeTargets(ctx, tx, keep.targetID, drop.targetID, now); err != nil {
		return false, err
	}
	return true, audit.Record(ctx, tx, audit.Change{Action: "duplicate.auto_merge", ObjectType: "duplicate", ObjectID: id, Region: keep.region,
		Detail: map[string]any{"targets": []string{a, b}, "keep": keep.targetID, "members": []string{keep.id, drop.id},
			"score": score, "reasons": reasons, "import_id": imp}})
}

// villageName names a kelurahan for a reason an office reads.
func (s *Service) villageName(code string) string {
	if r, ok := s.regions.Get(code); ok {
		return r.Name
	}
	return code
}
