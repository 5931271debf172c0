package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/store"
)

// queuePair records a possible duplicate of targets a and b (in either order); a pair
// already known — open or decided — is not queued again, so an office never sees the
// same pair twice. It returns the pair's id.
func queuePair(ctx context.Context, tx *store.Tx, a, b, region string, score float64, reasons []string, imp string, now time.Time) (string, error) {
	id, _, err := queuePairID(ctx, tx, newID(), a, b, region, score, reasons, imp, now)
	return id, err
}

// queuePairID is queuePair with the id a new pair gets.
// It also reports whether the pair is new.
func queuePairID(ctx context.Context, tx *store.Tx, newPairID, a, b, region string, score float64, reasons []string, imp string, now time.Time) (string, bool, error) {
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

// blockMember is a member as the fuzzy pass sees it.
type blockMember struct {
	id, targetID, region, birth, nameNorm, importID string
	line                                            int
	inserted                                        bool // written new (not updated) by its import
}

// fuzzyPass compares the members this import wrote with every member of the same
// kelurahan and birth date (the block), so the cost grows with the data, not with its
// square. A pair in different targets at or above namematch.Review is queued for
// review; the rows it came from move from "accepted" to "review".
func (s *Service) fuzzyPass(ctx context.Context, imp string) (int, error) {
	if s.db.Engine == store.Postgres {
		// An import can grow members by orders of magnitude faster than autovacuum
		// re-analyses it; on the statistics of a near-empty table PostgreSQL plans the
		// block join below as a nested loop over every pair of rows (20,000 rows: 72 s
		// instead of 0.1 s). Fresh statistics cost a sample of the table.
		if _, err := s.db.W().ExecContext(ctx, `ANALYZE members`); err != nil {
			return 0, err
		}
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT m.id, m.target_id, m.region, m.birth_date, m.name_norm, COALESCE(m.import_id, ''), m.line,
		CASE WHEN m.created_at = m.updated_at THEN 1 ELSE 0 END
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
		if err := rows.Scan(&m.id, &m.targetID, &m.region, &m.birth, &m.nameNorm, &m.importID, &m.line, &m.inserted); err != nil {
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
	queued := 0
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		now := store.Now()
		lines := map[string]bool{}
		fromAccepted, fromUpdated := 0, 0
		for _, p := range pairs {
			reasons := []string{
				fmt.Sprintf("nama mirip (%.0f%%)", p.score*100),
				"tanggal lahir sama " + p.a.birth,
				"kelurahan sama " + s.villageName(p.a.region),
			}
			_, created, err := queuePairID(ctx, tx, newID(), p.a.targetID, p.b.targetID, p.a.region, p.score, reasons, imp, now)
			if err != nil {
				return err
			}
			if !created {
				continue // known pair: open already, or decided, which stays decided
			}
			for _, m := range []blockMember{p.a, p.b} {
				if m.importID == imp && !lines[m.id] {
					lines[m.id] = true
					queued++
					if m.inserted {
						fromAccepted++
					} else {
						fromUpdated++
					}
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE imports SET accepted = accepted - $1, updated = updated - $2, review = review + $3
			WHERE id = $4`, fromAccepted, fromUpdated, queued, imp)
		return err
	})
	return queued, err
}

// villageName names a kelurahan for a reason an office reads.
func (s *Service) villageName(code string) string {
	if r, ok := s.regions.Get(code); ok {
		return r.Name
	}
	return code
}
