package store_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ownerExceptions are the reads of a table by a package that does not own it,
// allowed because one statement must join the table with the reader's own, by
// file (relative to the module root) and table. Writes are never excepted.
var ownerExceptions = map[string][]string{
	// The allocation engine reads its commitments together with their program and
	// phase (name, stack group, dates) in one query per page or claim; program owns
	// them and never changes a published program's phases.
	"internal/allocate/view.go":           {"programs", "phases"},
	"internal/allocate/waitlist.go":       {"programs", "phases"},
	"internal/allocate/claim.go":          {"programs"},
	"internal/allocate/claim_postgres.go": {"targets"}, // the claim locks a need with its target (package doc)
	// The seed of a program's needs is one INSERT … SELECT over targets × phases.
	"internal/allocate/needs.go": {"phases"},
	// The recount of `gotong counters verify` counts the counted tables themselves.
	"internal/monitor/verify.go": {"needs", "allocations", "commitments", "callback_items"},
	// A donor's impact sums, in one grouped read, the allocations of the
	// commitments that give from a warehouse's stock, by program and area; it
	// writes nothing there, and a per-commitment call into allocate would read
	// every allocation row into Go to sum it.
	"internal/donate/impact.go": {"commitments", "allocations", "programs"},
}

// sqlTable finds the table a statement reads or writes: a keyword written in
// capitals, as all of Gotong's SQL is, then a name.
var sqlTable = regexp.MustCompile(`\b(INSERT INTO|UPDATE|DELETE FROM|FROM|JOIN)\s+([a-z_][a-z0-9_]*)`)

// TestTablesHaveOneOwner checks the ownership table of the package doc against
// the migrations and the module's SQL: every table has one owner, and no package
// names a table it does not own in its SQL, except for the listed reads.
func TestTablesHaveOneOwner(t *testing.T) {
	owners := docOwners(t)
	tables := migratedTables(t)
	for _, tb := range tables {
		if owners[tb] == "" {
			t.Errorf("table %s has no owner in the package doc's table", tb)
		}
	}
	for tb := range owners {
		if !slices.Contains(tables, tb) {
			t.Errorf("the package doc names table %s, which no migration creates", tb)
		}
	}
	used := map[string]bool{}
	for _, v := range moduleSQL(t, tables) {
		owner := owners[v.table]
		if owner == v.pkg || owner == "" {
			continue
		}
		if !v.write && slices.Contains(ownerExceptions[v.file], v.table) {
			used[v.file+" "+v.table] = true
			continue
		}
		t.Errorf("%s:%d: package %s %s table %s, which %s owns: ask the owner (or list a read for speed in ownerExceptions, with why)",
			v.file, v.line, v.pkg, map[bool]string{true: "writes", false: "reads"}[v.write], v.table, owner)
	}
	for file, tbs := range ownerExceptions {
		for _, tb := range tbs {
			if !used[file+" "+tb] {
				t.Errorf("ownerExceptions lists a read of %s in %s that is no longer there: remove it", tb, file)
			}
		}
	}
}

// docOwners reads the "table owner …" lines of the package doc (store.go).
func docOwners(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("store.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	owners := map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "//\ttable "):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			fs := strings.Fields(strings.TrimPrefix(line, "//"))
			if _, dup := owners[fs[0]]; dup {
				t.Errorf("table %s is owned twice in the package doc", fs[0])
			}
			owners[fs[0]] = fs[1]
		case in:
			in = false
		}
	}
	if len(owners) == 0 {
		t.Fatal("no ownership table in store.go's package doc")
	}
	return owners
}

var createTable = regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)`)

// migratedTables are the tables the migrations of both engines create.
func migratedTables(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("migrations/*/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	var out []string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

type tableUse struct {
	file, pkg, table string
	line             int
	write            bool
}

// moduleSQL finds the tables named by SQL in the string literals of the module's
// non-test Go files; a file's package is its folder's name.
func moduleSQL(t *testing.T, tables []string) []tableUse {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []tableUse
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		pkg := filepath.Base(filepath.Dir(path))
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, m := range sqlTable.FindAllStringSubmatch(s, -1) {
				if slices.Contains(tables, m[2]) {
					out = append(out, tableUse{file: rel, pkg: pkg, table: m[2], line: fset.Position(lit.Pos()).Line,
						write: m[1] != "FROM" && m[1] != "JOIN"})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("found no SQL in the module: the scan is broken")
	}
	return out
}
