package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// explain returns the engine's plan for q, one line per step. On PostgreSQL
// sequential scans are priced out (enable_seqscan off), so that on a test's small
// tables the plan shows whether an index can serve the query at all: one that
// cannot still reads the table from start to end.
func explain(t *testing.T, db *store.DB, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		prefix := "EXPLAIN QUERY PLAN "
		if db.Engine == store.Postgres {
			prefix = "EXPLAIN "
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, prefix+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			// SQLite: id, parent, notused, detail; PostgreSQL: one line of text.
			var id, parent, unused int
			var line string
			dst := []any{&line}
			if db.Engine == store.SQLite {
				dst = []any{&id, &parent, &unused, &line}
			}
			if err := rows.Scan(dst...); err != nil {
				return err
			}
			lines = append(lines, strings.TrimSpace(line))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	return strings.Join(lines, " | ")
}

func randomHashes(n int) []string {
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		out[i] = hex.EncodeToString(b)
	}
	return out
}

// The import's lookups by keyed hash, and HoldersOfNIK, go through indexes on both
// engines, and through the ones migration 00034 left: members by NIK through the
// unique members_nik (live members) and the partial members_nik_held (held ones),
// so that no index of every member's hash (the dropped members_nik_any) is needed;
// targets by No. KK or NIK through targets_hash, which the unique targets_id_hash
// cannot replace (the lookup must find merged and held targets as well).
func TestRegistryLookupsUseTheirIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		e.importFile(Household, "a.csv", householdFile())
		fill(t, db, 20_000)
		const n = 50
		hashes := randomHashes(n)
		twice := append(store.HashArgs(hashes), store.HashArgs(hashes)...)
		one := store.HashArg(hashes[0])
		scan := map[store.Engine]string{store.SQLite: "SCAN ", store.Postgres: "Seq Scan"}[db.Engine]
		for _, c := range []struct {
			what string
			q    string
			args []any
			want []string
		}{
			{"members by NIK (membersByHash)", membersByHashSQL(db.Engine, n), twice, []string{"members_nik ", "members_nik_held"}},
			{"targets by No. KK (targetsByHash)", targetsByHashSQL(db.Engine, n), append([]any{"household"}, store.HashArgs(hashes)...), []string{"targets_hash"}},
			{"members by natural key (membersByKey)", membersByKeySQL(db.Engine, n), anys(hashes), []string{"members_key_any"}},
			{"holders of a NIK (HoldersOfNIK)", holdersOfNIKSQL, []any{one, one}, []string{"members_nik ", "members_nik_held", "targets_hash"}},
		} {
			plan := explain(t, db, c.q, c.args...) + " "
			if strings.Contains(plan, scan) {
				t.Errorf("%s reads a whole table: %s", c.what, plan)
			}
			for _, idx := range c.want {
				if !strings.Contains(plan, idx) {
					t.Errorf("%s does not use %s: %s", c.what, strings.TrimSpace(idx), plan)
				}
			}
		}
	})
}

// fill adds n households of one member each, one in a hundred merged away and one in
// fifty held, and analyses the tables, so that the planners weigh the indexes
// against tables of some size.
func fill(t *testing.T, db *store.DB, n int) {
	t.Helper()
	series := `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) SELECT i FROM s) s`
	hash := `randomblob(32)`
	if db.Engine == store.Postgres {
		series = `generate_series(1, $1::int) AS s(i)`
		hash = `decode(md5(s.i::text) || md5(s.i::text || 'x'), 'hex')`
	}
	ctx := context.Background()
	err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO targets (id, kind, region, name, name_norm, id_hash, created_at, updated_at)
			SELECT 'fill-t' || s.i, 'household', '31.71.01.1001', 'x', 'x', `+hash+`, $2, $2 FROM `+series, n, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE targets SET merged_into = (SELECT MIN(id) FROM targets) WHERE id LIKE 'fill-t%00'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, name, name_norm, birth_date,
			sex, relation, held, row_hash, created_at, updated_at)
			SELECT 'fill-m' || s.i, 'fill-t' || s.i, '31.71.01.1001', 'x', `+hash+`, 'x', 'x', 'x', '1970-01-01', 'L', 'Kepala Keluarga',
			CASE WHEN s.i % 50 = 0 THEN 'pair' ELSE '' END, 'h', $2, $2 FROM `+series, n, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
