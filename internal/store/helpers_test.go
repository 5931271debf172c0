package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestValuesNumbersThePlaceholdersAsTheEngineReadsThem(t *testing.T) {
	for _, c := range []struct {
		eng  store.Engine
		want string
	}{
		{store.Postgres, "($3,$4),($5,$6)"},
		{store.SQLite, "(?,?),(?,?)"},
	} {
		if got := store.Values(c.eng, 3, 2, 2); got != c.want {
			t.Errorf("%s: Values(3, 2 rows, 2 wide) = %q, want %q", c.eng, got, c.want)
		}
	}
}

// Insert splits rows into statements of at most MaxParams parameters; every row
// must arrive once, with the values shared by all, and be counted.
func TestInsertWritesEveryRowAcrossStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = store.MaxParams/3*2 + 7 // three statements of three parameters a row
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{fmt.Sprintf("r%05d", i), i}
		}
		var affected int64
		err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE insert_test (id TEXT PRIMARY KEY, n INTEGER NOT NULL, tag TEXT NOT NULL)`); err != nil {
				return err
			}
			var err error
			affected, err = tx.Insert(ctx, `INSERT INTO insert_test (id, n, tag) VALUES `, ` ON CONFLICT DO NOTHING`, rows, "shared")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var count, sum int64
		var tags int
		if err := store.One(ctx, db.R(), `SELECT COUNT(*), SUM(n), COUNT(DISTINCT tag) FROM insert_test`).Scan(&count, &sum, &tags); err != nil {
			t.Fatal(err)
		}
		if affected != n || count != n || sum != int64(n)*(n-1)/2 || tags != 1 {
			t.Fatalf("inserted %d rows (affected %d, sum %d, %d tags), want %d rows, sum %d, 1 tag", count, affected, sum, tags, n, n*(n-1)/2)
		}
	})
}

func TestReadHelpersMapErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var x int
		err := store.One(ctx, db.R(), `SELECT 1 WHERE 1 = 0`).Scan(&x)
		if !errs.Is(err, errs.NotFound) || !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("a missing row: %v, want not_found wrapping sql.ErrNoRows", err)
		}
		if err := store.NotFound(err, "no such thing"); !errs.Is(err, errs.NotFound) || err.Error() != "no such thing" {
			t.Errorf("NotFound: %v", err)
		}
		if _, err := store.All(ctx, db.R(), store.String, `SELECT nope FROM nowhere`); !errs.Is(err, errs.Internal) {
			t.Errorf("All on a bad query: %v, want internal", err)
		}
		got, err := store.All(ctx, db.R(), store.String, `SELECT 'a' UNION ALL SELECT 'b' ORDER BY 1`)
		if err != nil || len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Errorf("All = %v, %v; want [a b]", got, err)
		}
		stop := errors.New("stop")
		calls := 0
		err = store.Each(ctx, db.R(), func(r store.Scanner) error { calls++; return stop }, `SELECT 'a' UNION ALL SELECT 'b'`)
		if calls != 1 || !errors.Is(err, stop) {
			t.Errorf("Each: %d calls, %v; want 1 call and the callback's error", calls, err)
		}
	})
}
