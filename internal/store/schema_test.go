package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// schema is what the two engines' migrations must agree on; column types may
// differ as each engine needs.
type schema struct {
	// columns: "table.column" → "null" or "not null".
	columns map[string]string
	// indexes: a key naming the index → "table (columns) unique? partial?". An
	// index made by CREATE INDEX is keyed by its name; one a constraint made (a
	// primary key, a UNIQUE) by its table and kind, since each engine names those
	// its own way.
	indexes map[string]string
}

// engineOnly are the differences the migrations make on purpose, each with its
// reason (the key as the schema has it, the engine that has it alone).
var engineOnly = map[string]store.Engine{
	// The stacking check under PostgreSQL's claim lock probes the held needs of a
	// target; planned on stale statistics it read all of needs_held per probe
	// (postgres/00005_claim_indexes.sql has the measurements). SQLite probes
	// needs_target.
	"needs_held_target": store.Postgres,
	// PostgreSQL's counter triggers append deltas for monitor's fold, so that claims
	// at once never wait on one counter row; SQLite's one writer adds to counters
	// directly (internal/monitor's package doc).
	"counter_deltas": store.Postgres,
}

func TestEnginesMigrateToTheSameSchema(t *testing.T) {
	engines := storetest.Engines(t)
	if len(engines) < 2 {
		t.Skip("needs PostgreSQL (GOTONG_TEST_POSTGRES)")
	}
	ctx := context.Background()
	lite := readSQLiteSchema(t, ctx, storetest.Open(t, store.SQLite))
	pg := readPostgresSchema(t, ctx, storetest.Open(t, store.Postgres))
	for key, eng := range engineOnly {
		only := map[store.Engine]schema{store.SQLite: pg, store.Postgres: lite}[eng]
		if _, ok := only.indexes[key]; ok {
			t.Errorf("%s is listed as %s only but exists on both: take it off engineOnly", key, eng)
		}
		delete(lite.indexes, key)
		delete(pg.indexes, key)
		// A table of one engine: its columns too.
		for _, cols := range []map[string]string{lite.columns, pg.columns} {
			for c := range cols {
				if strings.HasPrefix(c, key+".") {
					delete(cols, c)
				}
			}
		}
	}
	for _, part := range []struct {
		what     string
		lite, pg map[string]string
	}{{"column", lite.columns, pg.columns}, {"index", lite.indexes, pg.indexes}} {
		for _, diff := range compareSchemas(part.lite, part.pg) {
			t.Errorf("%s %s", part.what, diff)
		}
	}
	if len(lite.columns) < 50 || len(lite.indexes) < 20 {
		t.Fatalf("read %d columns and %d indexes: the schema queries read too little", len(lite.columns), len(lite.indexes))
	}
}

// compareSchemas lists the keys missing on one side or different on the two.
func compareSchemas(lite, pg map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(mapsKeys(lite, pg)) {
		l, lok := lite[k]
		p, pok := pg[k]
		switch {
		case !pok:
			out = append(out, fmt.Sprintf("%s only on SQLite (%s)", k, l))
		case !lok:
			out = append(out, fmt.Sprintf("%s only on PostgreSQL (%s)", k, p))
		case l != p:
			out = append(out, fmt.Sprintf("%s: SQLite %s, PostgreSQL %s", k, l, p))
		}
	}
	return out
}

func mapsKeys(ms ...map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

func describeIndex(table string, cols []string, unique, partial bool) string {
	d := table + " (" + strings.Join(cols, ", ") + ")"
	if unique {
		d += " unique"
	}
	if partial {
		d += " partial"
	}
	return d
}

// constraintKey keys an index a constraint made.
func constraintKey(table, kind string, cols []string) string {
	return table + " " + kind + " (" + strings.Join(cols, ", ") + ")"
}

func query[T any](t *testing.T, ctx context.Context, db *store.DB, scan func(store.Scanner) (T, error), q string, args ...any) []T {
	t.Helper()
	out, err := store.All(ctx, db.R(), scan, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func readSQLiteSchema(t *testing.T, ctx context.Context, db *store.DB) schema {
	s := schema{columns: map[string]string{}, indexes: map[string]string{}}
	tables := query(t, ctx, db, store.String, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name <> 'goose_db_version' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	type column struct {
		name        string
		notNull, pk int
	}
	type index struct {
		name, origin    string
		unique, partial int
	}
	for _, table := range tables {
		cols := query(t, ctx, db, func(r store.Scanner) (column, error) {
			var c column
			return c, r.Scan(&c.name, &c.notNull, &c.pk)
		}, `SELECT name, "notnull", pk FROM pragma_table_info($1) ORDER BY cid`, table)
		var pk []string
		for _, c := range cols {
			null := "null"
			// SQLite lets a primary key that is not an INTEGER rowid hold NULL
			// unless the column says NOT NULL (a bug it keeps for compatibility);
			// PostgreSQL's primary keys are NOT NULL. Gotong's TEXT ids are written
			// by the application, never NULL, and declaring them NOT NULL on SQLite
			// means rebuilding seventeen tables, so a primary-key column reads as not
			// null here. A new table should still say NOT NULL on its key.
			if c.notNull == 1 || c.pk > 0 {
				null = "not null"
			}
			if c.pk > 0 {
				pk = append(pk, c.name)
			}
			s.columns[table+"."+c.name] = null
		}
		if len(pk) > 0 {
			s.indexes[constraintKey(table, "primary key", pk)] = describeIndex(table, pk, true, false)
		}
		idx := query(t, ctx, db, func(r store.Scanner) (index, error) {
			var i index
			return i, r.Scan(&i.name, &i.unique, &i.origin, &i.partial)
		}, `SELECT name, "unique", origin, partial FROM pragma_index_list($1)`, table)
		for _, i := range idx {
			if i.origin == "pk" {
				continue // recorded above, from the columns
			}
			cols := query(t, ctx, db, store.String, `SELECT COALESCE(name, '(expression)') FROM pragma_index_info($1) ORDER BY seqno`, i.name)
			key := i.name
			if i.origin == "u" {
				key = constraintKey(table, "unique", cols)
			}
			s.indexes[key] = describeIndex(table, cols, i.unique == 1, i.partial == 1)
		}
	}
	return s
}

func readPostgresSchema(t *testing.T, ctx context.Context, db *store.DB) schema {
	s := schema{columns: map[string]string{}, indexes: map[string]string{}}
	type column struct{ table, name, nullable string }
	cols := query(t, ctx, db, func(r store.Scanner) (column, error) {
		var c column
		return c, r.Scan(&c.table, &c.name, &c.nullable)
	}, `SELECT table_name, column_name, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`)
	for _, c := range cols {
		null := "null"
		if c.nullable == "NO" {
			null = "not null"
		}
		s.columns[c.table+"."+c.name] = null
	}
	type index struct {
		table, name, kind string
		cols              string
		unique, partial   bool
	}
	idx := query(t, ctx, db, func(r store.Scanner) (index, error) {
		var i index
		return i, r.Scan(&i.table, &i.name, &i.kind, &i.cols, &i.unique, &i.partial)
	}, `SELECT t.relname, i.relname,
			CASE WHEN x.indisprimary THEN 'primary key' WHEN c.contype = 'u' THEN 'unique' ELSE '' END,
			(SELECT string_agg(COALESCE(a.attname, '(expression)'), ', ' ORDER BY k.n)
			   FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
			   LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum <> 0),
			x.indisunique, x.indpred IS NOT NULL
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> 'goose_db_version'`)
	for _, i := range idx {
		cols := strings.Split(i.cols, ", ")
		key := i.name
		if i.kind != "" {
			key = constraintKey(i.table, i.kind, cols)
		}
		s.indexes[key] = describeIndex(i.table, cols, i.unique, i.partial)
	}
	return s
}
