package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x@y/z"); err == nil {
		t.Fatal("opening a mysql:// URL succeeded")
	}
}

// TestSQLitePathIsTakenLiterally: a data folder whose name holds what a URI would
// read as a query, a fragment or an escape opens the file at exactly that path.
func TestSQLitePathIsTakenLiterally(t *testing.T) {
	for _, name := range []string{"Data #2", "what?", "100% bantuan", "a%23b"} {
		dir := filepath.Join(t.TempDir(), name)
		path := filepath.Join(dir, "gotong.db")
		db, err := store.Open(context.Background(), "sqlite:"+path)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if _, err := db.W().Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("%q: the database is not at %s: %v", name, path, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dir))
		if len(entries) != 1 {
			t.Errorf("%q: the folder above holds %d entries, want only %q", name, len(entries), name)
		}
	}
}

func TestAReadReplicaNeedsPostgres(t *testing.T) {
	_, err := store.OpenWith(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "g.db"), store.Options{Replica: "postgres://x@127.0.0.1:1/db"})
	if err == nil || !strings.Contains(err.Error(), "read replica needs PostgreSQL") {
		t.Fatalf("a SQLite database with a read replica: %v", err)
	}
}

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, eng))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			v, pending, err := db.SchemaState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v != 0 || pending == 0 {
				t.Fatalf("empty database: version %d, pending %d; want 0 and >0", v, pending)
			}
			if err := db.Prepare(ctx, false); err != nil {
				t.Fatalf("an empty database must be migrated by Prepare: %v", err)
			}
			_, pending, _ = db.SchemaState(ctx)
			if pending != 0 {
				t.Fatalf("after Prepare %d migrations still pending", pending)
			}
			n, err := db.Migrate(ctx)
			if err != nil || n != 0 {
				t.Fatalf("second Migrate ran %d migrations, err %v; want 0, nil", n, err)
			}
		})
	}
}

func TestPrepareRefusesStaleSchema(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, eng)
			// Pretend the newest migration has not run yet.
			if _, err := db.W().ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`); err != nil {
				t.Fatal(err)
			}
			if err := db.Prepare(ctx, false); !errors.Is(err, store.ErrStale) {
				t.Fatalf("Prepare on a stale schema: %v, want ErrStale", err)
			}
		})
	}
}

func TestDriverErrorsMapToKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := func(id, email string) error {
			return db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, password_hash, created_at)
					VALUES ($1, $2, 'A', 'admin', 'x', $3)`, id, email, store.Now())
				return err
			})
		}
		if err := insert("u1", "a@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := insert("u2", "a@example.org"); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate live email: %v, want conflict", err)
		}
		err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, password_hash, created_at)
				VALUES ('u3', 'b@example.org', 'B', 'office', 'x', $1)`, store.Now())
			return err
		})
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("office without region (CHECK): %v, want conflict", err)
		}
		err = db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, org_id, password_hash, created_at)
				VALUES ('u4', 'c@example.org', 'C', 'collaborator', 'nope', 'x', $1)`, store.Now())
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown organisation (FK): %v, want invalid", err)
		}
		var s string
		err = store.Map(db.R().QueryRowContext(ctx, `SELECT id FROM users WHERE id = 'none'`).Scan(&s))
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("no rows: %v, want not_found", err)
		}
	})
}

func TestWriteRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errs.E(errs.Invalid, "boom")
		err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, password_hash, created_at)
				VALUES ('r1', 'r@example.org', 'R', 'admin', 'x', $1)`, store.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write returned %v, want the function's error", err)
		}
		var n int
		if err := db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d users after a failed transaction, want 0", n)
		}
	})
}

func TestConcurrentWritersAllCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.W().ExecContext(ctx, `INSERT INTO audit_heads (chain, seq, hash) VALUES ('c', 0, '')`); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errc := make(chan error, workers*each)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					errc <- db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
						q := `SELECT seq FROM audit_heads WHERE chain = 'c'`
						if tx.Engine == store.Postgres {
							q += " FOR UPDATE"
						}
						var seq int
						if err := tx.QueryRowContext(ctx, q).Scan(&seq); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = $1 WHERE chain = 'c'`, seq+1)
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		var seq int
		if err := db.R().QueryRowContext(ctx, `SELECT seq FROM audit_heads WHERE chain = 'c'`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		if seq != workers*each {
			t.Fatalf("counter = %d after %d read-modify-write transactions: lost updates", seq, workers*each)
		}
	})
}

func TestReadPoolRefusesWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := db.R().ExecContext(context.Background(), `DELETE FROM users`); err == nil {
			t.Fatal("a write through the read pool succeeded")
		}
	})
}

func TestPoolSizes(t *testing.T) {
	ctx := context.Background()
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			write := 3
			if eng == store.SQLite {
				write = 1
			}
			db, err := store.OpenWith(ctx, storetest.DSN(t, eng), store.Options{ReadConns: 5, WriteConns: write})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r, w := db.PoolStats()
			if r.MaxOpenConnections != 5 || w.MaxOpenConnections != write {
				t.Fatalf("pools of %d read and %d write connections, want 5 and %d", r.MaxOpenConnections, w.MaxOpenConnections, write)
			}
			for _, bad := range []store.Options{{ReadConns: -1}, {WriteConns: -1}, {ReadConns: store.MaxConns + 1}} {
				if _, err := store.OpenWith(ctx, storetest.DSN(t, eng), bad); !errors.Is(err, store.ErrPoolSize) {
					t.Errorf("open with %+v: %v, want ErrPoolSize", bad, err)
				}
			}
		})
	}
	if _, err := store.OpenWith(ctx, storetest.DSN(t, store.SQLite), store.Options{WriteConns: 2}); !errors.Is(err, store.ErrPoolSize) {
		t.Errorf("a SQLite database with two writer connections: %v, want ErrPoolSize", err)
	}
}

// TestReadsDoNotWaitForWriters holds every connection of the write pool in open
// write transactions: the read pool still answers at once.
func TestReadsDoNotWaitForWriters(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			writers := 2
			if eng == store.SQLite {
				writers = 1
			}
			db, err := store.OpenWith(context.Background(), storetest.DSN(t, eng), store.Options{ReadConns: 2, WriteConns: writers})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			release := make(chan struct{})
			var holding, done sync.WaitGroup
			for range writers {
				holding.Add(1)
				done.Go(func() {
					_ = db.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
						if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, 'x')`, store.Now().String()); err != nil {
							return err
						}
						holding.Done()
						<-release
						return nil
					})
				})
			}
			holding.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var n int
			err = db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE value = 'x'`).Scan(&n)
			if pingErr := db.Ping(ctx); err == nil {
				err = pingErr
			}
			close(release)
			done.Wait()
			if err != nil || n != 0 {
				t.Fatalf("a read while every writer connection is in a transaction: %d rows, %v; want 0 (uncommitted), nil", n, err)
			}
		})
	}
}
