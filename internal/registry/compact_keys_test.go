package registry

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

// TestMigrationToCompactKeysKeepsEveryPromise fills a registry through the real
// import (households with members, one without a NIK, persons with and without a
// NIK, a pair still open with its held member, a merged household), takes the
// database back to 00033 (keyed hashes as hex text, ” for none), checks that it
// is in that shape, and migrates it up again as an upgrade would: every stored hash
// must then be the 32 bytes of the vault's hash of the opened NIK or No. KK,
// re-importing the same files must add nothing, and dedup and lookups by NIK must
// find what they found before.
func TestMigrationToCompactKeysKeepsEveryPromise(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) { testMigrationToCompactKeys(t, eng) })
	}
}

func testMigrationToCompactKeys(t *testing.T, eng store.Engine) {
	ctx := context.Background()
	dsn := storetest.MigratedDSN(t, eng)
	// Each step opens the database anew, as the programs of an upgrade would (a
	// PostgreSQL connection's cached plans do not outlive a column's new type).
	reopen := func() *store.DB {
		t.Helper()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	var before string
	var v *vault.Vault
	var files []struct {
		kind       Kind
		name, body string
	}
	{
		db := reopen()
		e := newEnv(t, db, 100)
		v = e.s.vault
		hh := string(householdFile()) + householdHeader +
			hhRow("3171010101200003", "", "Bayi Tanpa NIK", "2024-05-05", "P", "Anak", "31.71.01.1001", "1", "1", "Jl. Tanah Abang 1", "", "")
		moved := householdHeader + hhRow("3171010101200077", nikOf("317101", "2010-01-20", false, 3), "Rizki Santoso", "2010-01-20", "L",
			"Kepala Keluarga", "31.71.01.1001", "9", "9", "Jl. Baru No. 1", "", "")
		merged := householdHeader + hhRow("3171010101200088", nikOf("317101", "1950-11-11", false, 4), "H. Soetomo", "1950-11-11", "L",
			"Kepala Keluarga", "31.71.01.1003", "4", "4", "Jl. Lain No. 4", "", "")
		persons := "NIK,Nama,Tanggal Lahir,Jenis Kelamin,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n" +
			",Mbah Karto,1938-08-17,L,31.71.01.1002,3,4,Jl. Cideng No. 9,,,lansia\n" +
			nikOf("317101", "1975-01-01", true, 41) + ",Wati,1975-01-01,P,31.71.01.1002,3,4,Jl. Cideng No. 10,,,\n"
		files = []struct {
			kind       Kind
			name, body string
		}{{Household, "a.csv", hh}, {Household, "b.csv", moved}, {Household, "c.csv", merged}, {Person, "p.csv", persons}}
		for _, f := range files {
			e.importFile(f.kind, f.name, []byte(f.body))
		}
		// c.csv's household shares H. Soetomo's NIK: merge it into the first one.
		viewer := Viewer{Scope: "31", Office: true}
		dups, _, err := e.s.ListDuplicates(e.ctx, viewer, "open", 0, "")
		if err != nil || len(dups) != 2 {
			t.Fatalf("open pairs: %d, %v; want 2", len(dups), err)
		}
		var keep string
		if err := db.R().QueryRowContext(ctx, `SELECT target_id FROM members WHERE name = 'H. Soetomo' AND held = ''`).Scan(&keep); err != nil {
			t.Fatal(err)
		}
		for _, d := range dups {
			if slices.Contains(d.TargetIDs, keep) {
				if _, err := e.s.Resolve(e.ctx, viewer, d.ID, "merge", keep); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM targets WHERE merged_into IS NOT NULL`); n != 1 {
			t.Fatalf("%d merged targets, want 1", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE held <> '' AND merged_into IS NULL`); n != 1 {
			t.Fatalf("%d held members, want 1 (the open pair's)", n)
		}
		before = registryCounts(t, db)
		e.s.Close()
		db.Close()
	}
	{
		db := reopen()
		count := func(q string) int { return countIn(t, db, q) }
		if err := db.MigrateDownTo(ctx, 33); err != nil {
			t.Fatal(err)
		}
		// 00033's shape: lowercase hex text, '' for a member without a NIK.
		oldHex := regexp.MustCompile(`^[0-9a-f]{64}$`)
		rows := storedHashes(t, db, func(dst *string) any { return dst })
		for _, r := range rows {
			if r.hash != "" && !oldHex.MatchString(r.hash) {
				t.Fatalf("%s under 00033 holds %q, not 64 hex digits", r.what, r.hash)
			}
		}
		checkHashes(t, v, rows)
		if n := count(`SELECT COUNT(*) FROM members WHERE nik_hash = ''`); n != 1 {
			t.Fatalf("%d members under 00033 with an empty nik_hash, want 1", n)
		}

		db.Close()
	}
	db := reopen()
	count := func(q string) int { return countIn(t, db, q) }
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows := storedHashes(t, db, func(dst *string) any { return store.HashText(dst) })
	checkHashes(t, v, rows)
	if n := count(`SELECT COUNT(*) FROM members WHERE nik_hash IS NULL`); n != 1 {
		t.Fatalf("%d members without a NIK hash after the migration, want 1", n)
	}
	if n := count(`SELECT COUNT(*) FROM members WHERE length(nik_hash) <> 32`) +
		count(`SELECT COUNT(*) FROM targets WHERE length(id_hash) <> 32`); n != 0 {
		t.Fatalf("%d stored hashes are not 32 bytes", n)
	}
	if db.Engine == store.SQLite {
		if n := count(`SELECT COUNT(*) FROM members WHERE typeof(nik_hash) NOT IN ('blob', 'null')`) +
			count(`SELECT COUNT(*) FROM targets WHERE typeof(id_hash) NOT IN ('blob', 'null')`); n != 0 {
			t.Fatalf("%d hashes are not stored as BLOBs", n)
		}
	}
	if got := registryCounts(t, db); got != before {
		t.Fatalf("the migration changed the registry:\nbefore %s\nafter  %s", before, got)
	}

	// The same service (and key) on the migrated database.
	e2 := newEnvWith(t, db, v, 100)
	for _, f := range files {
		im := e2.importFile(f.kind, f.name, []byte(f.body))
		if im.Accepted != 0 {
			t.Errorf("re-importing %s after the migration: %s, want nothing accepted", f.name, counters(im))
		}
	}
	if got := registryCounts(t, db); got != before {
		t.Fatalf("re-importing the files changed the registry:\nbefore %s\nafter  %s", before, got)
	}
	// Lookups by NIK find the live member, the held one and the person.
	for nik, want := range map[string]int{
		nikOf("317101", "1970-03-02", false, 1): 1, // Budi
		nikOf("317101", "2010-01-20", false, 3): 2, // Rizki, and his held copy
		nikOf("317101", "1975-01-01", true, 41): 1, // Wati, a person
	} {
		hs, err := e2.s.HoldersOfNIK(e2.ctx, nik)
		if err != nil || len(hs) != want {
			t.Errorf("holders of %s: %v, %v; want %d", nik, hs, err, want)
		}
	}
	// Dedup still sees a known NIK under a new No. KK.
	again := householdHeader + hhRow("3171010101200099", nikOf("317101", "1974-07-05", true, 2), "Siti Aminah", "1974-07-05", "P",
		"Kepala Keluarga", "31.71.01.1004", "1", "1", "Jl. Baru No. 9", "", "")
	if im := e2.importFile(Household, "d.csv", []byte(again)); im.Review != 1 {
		t.Fatalf("a known NIK under a new KK after the migration: %s, want review=1", counters(im))
	}
}

func countIn(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type storedHash struct{ what, kind, enc, hash, region, name, birth, target string }

// storedHashes reads every target's and member's keyed hash, scanned by scan.
func storedHashes(t *testing.T, db *store.DB, scan func(dst *string) any) []storedHash {
	t.Helper()
	ctx := context.Background()
	targets, err := store.All(ctx, db.R(), func(r store.Scanner) (storedHash, error) {
		var h storedHash
		err := r.Scan(&h.what, &h.kind, &h.enc, scan(&h.hash), &h.region, &h.name, &h.birth)
		h.what = "target " + h.what
		return h, err
	}, `SELECT id, kind, id_enc, id_hash, region, name, birth_date FROM targets WHERE kind IN ('household', 'person') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	members, err := store.All(ctx, db.R(), func(r store.Scanner) (storedHash, error) {
		h := storedHash{kind: "member"}
		err := r.Scan(&h.what, &h.enc, scan(&h.hash), &h.target)
		h.what = "member " + h.what
		return h, err
	}, `SELECT id, nik_enc, nik_hash, target_id FROM members ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) < 6 || len(members) < 7 {
		t.Fatalf("read %d targets and %d members: too few for the test to mean anything", len(targets), len(members))
	}
	return append(targets, members...)
}

// checkHashes fails unless each row's hash is the vault's keyed hash of its opened
// NIK or No. KK (or, for a person without a NIK, of its person key), and a member
// without a NIK has none.
func checkHashes(t *testing.T, v *vault.Vault, rows []storedHash) {
	t.Helper()
	for _, r := range rows {
		id := r.what[strings.IndexByte(r.what, ' ')+1:]
		var want string
		switch {
		case r.kind == "member" && r.enc == "":
			want = ""
		case r.kind == "member":
			want = v.Hash("nik", openSealed(t, v, r.enc, "members", id, "nik"))
		case r.kind == "household":
			want = v.Hash("kk", openSealed(t, v, r.enc, "targets", id, "kk"))
		case r.enc != "":
			want = v.Hash("nik", openSealed(t, v, r.enc, "targets", id, "nik"))
		default:
			want = v.Hash("person_key", r.region+"|"+namematch.Normalize(r.name)+"|"+r.birth)
		}
		if r.hash != want {
			t.Errorf("%s: stored hash %s, want %s", r.what, r.hash, want)
		}
	}
}

func openSealed(t *testing.T, v *vault.Vault, enc, table, id, field string) string {
	t.Helper()
	b, err := v.Open(enc, vault.AD(table, id, field))
	if err != nil {
		t.Fatalf("%s %s: %v", table, id, err)
	}
	return string(b)
}

// registryCounts sums up what the registry holds, to compare before and after.
func registryCounts(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*) FROM targets`, `SELECT COUNT(*) FROM targets WHERE merged_into IS NOT NULL`,
		`SELECT COUNT(*) FROM targets WHERE held <> ''`, `SELECT COUNT(*) FROM members`,
		`SELECT COUNT(*) FROM members WHERE merged_into IS NOT NULL`, `SELECT COUNT(*) FROM members WHERE held <> ''`,
		`SELECT COUNT(*) FROM members WHERE key_hash <> ''`, `SELECT COUNT(*) FROM duplicates WHERE status = 'open'`,
		`SELECT COUNT(*) FROM duplicates WHERE status = 'merged'`, `SELECT COALESCE(SUM(size), 0) FROM targets WHERE merged_into IS NULL`,
	} {
		var n int
		if err := db.R().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d ", n)
	}
	return b.String()
}

// A batch with more hashes than one lookup sends (lookupChunk) is looked up in
// parts: importing it again finds every row, on both engines.
func TestALargeBatchIsLookedUpInParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 2*lookupChunk)
		var b strings.Builder
		b.WriteString(householdHeader)
		rows := lookupChunk + 500
		for i := range rows {
			birth := fmt.Sprintf("19%02d-%02d-%02d", 40+i%60, 1+i%12, 1+i%28)
			b.WriteString(hhRow(fmt.Sprintf("3171010101%06d", i+1), nikOf("317101", birth, false, 1+i%9999), fmt.Sprintf("Warga %d", i), birth, "L",
				"Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Panjang", "", ""))
		}
		file := []byte(b.String())
		if im := e.importFile(Household, "big.csv", file); im.Accepted+im.Review != rows {
			t.Fatalf("first import: %s, want %d accepted or for review", counters(im), rows)
		}
		before := registryCounts(t, db)
		if im := e.importFile(Household, "big.csv", file); im.Accepted != 0 || im.Updated != 0 || im.RowsDone != rows {
			t.Fatalf("again: %s, want every row found", counters(im))
		}
		if got := registryCounts(t, db); got != before {
			t.Fatalf("importing the file again changed the registry:\nbefore %s\nafter  %s", before, got)
		}
		if n := e.count(`SELECT COUNT(*) FROM members`); n != rows {
			t.Fatalf("%d members, want %d", n, rows)
		}
	})
}
