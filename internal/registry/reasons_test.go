package registry

import (
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Rows written before reasons were stored as catalogue keys (schema version 10) hold
// a finished Indonesian sentence; after the upgrade they are still shown, as they
// are, while new rows are rendered in the reader's language.
func TestUpgradeKeepsReasonsWrittenAsSentences(t *testing.T) {
	const oldReason = "NIK tertulis sebagai angka ilmiah (“3.17101E+15”)"
	const oldPair = "NIK 3171********0001 tercatat di dua KK"
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			ctx := t.Context()
			db, exec := atVersion(t, eng, 10)
			now := store.Now()
			exec(`INSERT INTO users (id, email, name, role, region, password_hash, created_at) VALUES ('u-office', 'office@test', 'Office', 'admin', '', 'x', $1)`, now)
			exec(`INSERT INTO imports (id, kind, user_id, scope, filename, path, format, status, created_at)
				VALUES ('old', 'household', 'u-office', '31', 'a.csv', 'a.csv', 'csv', 'done', $1)`, now)
			exec(`INSERT INTO import_errors (import_id, line, col, value, reason) VALUES ('old', 5, 'NIK', '3.17101E+15', $1)`, oldReason)
			for _, id := range []string{"a1", "a2"} {
				exec(`INSERT INTO targets (id, kind, region, name, name_norm, created_at, updated_at) VALUES ($1, 'household', $2, 'x', 'x', $3, $3)`, id, kelPusat, now)
			}
			exec(`INSERT INTO duplicates (id, target_a, target_b, region, score, reasons, created_at) VALUES ('p1', 'a1', 'a2', $1, 1, $2, $3)`,
				kelPusat, `["`+oldPair+`"]`, now)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, db, 100)

			if csv := e.errorsCSV("old"); !strings.Contains(csv, `5,NIK,3.17101E+15,`+oldReason) {
				t.Errorf("the old reason is not shown as it was written:\n%s", csv)
			}
			pairs, _, err := e.s.ListDuplicates(e.ctx, Viewer{Scope: "31", Office: true}, "open", 0, "")
			if err != nil || len(pairs) != 1 || len(pairs[0].Reasons) != 1 || pairs[0].Reasons[0].String() != oldPair {
				t.Fatalf("the old pair reads back as %+v (%v), want its sentence", pairs, err)
			}

			// A new import stores keys: the same reason reads in whatever language
			// the renderer asks for.
			im := e.importFile(Household, "warga.csv", householdFile())
			if im.Rejected != 2 {
				t.Fatalf("%s, want 2 rejected", counters(im))
			}
			var buf strings.Builder
			shout := func(m msg.Message) string { return strings.ToUpper(m.String()) }
			if err := e.s.WriteErrors(e.ctx, im.ID, &buf, shout); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "SCIENTIFIC NOTATION") || !strings.Contains(e.errorsCSV(im.ID), "scientific notation") {
				t.Errorf("a new reason is not rendered by the caller:\n%s", buf.String())
			}
			var key, args string
			if err := db.R().QueryRowContext(ctx, `SELECT reason, reason_args FROM import_errors WHERE import_id = $1 AND col = 'NIK'`, im.ID).Scan(&key, &args); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(key, "%s is written in scientific notation") || !strings.HasPrefix(args, "[") {
				t.Errorf("stored reason %q %q, want a catalogue key and JSON arguments", key, args)
			}
		})
	}
}

// atVersion opens a new database of engine eng migrated up to version only, for a
// test of the upgrade from it, with exec to write rows in that version's shape.
func atVersion(t *testing.T, eng store.Engine, version int64) (*store.DB, func(q string, args ...any)) {
	t.Helper()
	db, err := store.Open(t.Context(), storetest.DSN(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return db, func(q string, args ...any) {
		t.Helper()
		if _, err := db.W().ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
