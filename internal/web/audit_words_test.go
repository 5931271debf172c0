package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/registry"
)

// recordedActions finds every audit action the code records: the literal in an
// audit.Change's Action field, and the literal passed where a function's parameter
// is named action (the helpers that record for their callers). It reads the source
// rather than a list, so a new action without words fails the test below.
func recordedActions(t *testing.T) []string {
	t.Helper()
	files := sourceFiles(t)
	code := regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)

	found := map[string]bool{}
	lit := func(e ast.Expr) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			if s, err := strconv.Unquote(b.Value); err == nil && code.MatchString(s) {
				found[s] = true
			}
		}
	}
	// Functions that take the action as a parameter, and at which position.
	actionArg := map[string]int{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			i := 0
			for _, field := range fd.Type.Params.List {
				names := field.Names
				if len(names) == 0 {
					i++
					continue
				}
				for _, n := range names {
					if n.Name == "action" {
						actionArg[fd.Name.Name] = i
					}
					i++
				}
			}
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Action" {
					lit(n.Value)
				}
			case *ast.AssignStmt: // action := "…", or action, detail := "…", …
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "action" && i < len(n.Rhs) {
						lit(n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if i, ok := actionArg[name]; ok && i < len(n.Args) {
					lit(n.Args[i])
				}
			}
			return true
		})
	}
	var out []string
	for s := range found {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// sourceFiles parses every Go file of the program (tests left out).
func sourceFiles(t *testing.T) []*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// recordedDetailKeys finds the keys of the audit details the code writes: those of
// a map literal in an audit.Change's Detail field or assigned to a variable named
// detail, and those set as detail["key"].
func recordedDetailKeys(t *testing.T) []string {
	t.Helper()
	found := map[string]bool{}
	mapKeys := func(e ast.Expr) {
		m, ok := e.(*ast.CompositeLit)
		if !ok {
			return
		}
		for _, el := range m.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if b, ok := kv.Key.(*ast.BasicLit); ok && b.Kind == token.STRING {
					if k, err := strconv.Unquote(b.Value); err == nil {
						found[k] = true
					}
				}
			}
		}
	}
	isDetail := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && id.Name == "detail"
	}
	for _, f := range sourceFiles(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Detail" {
					mapKeys(n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if isDetail(l) && i < len(n.Rhs) {
						mapKeys(n.Rhs[i])
					}
					if ix, ok := l.(*ast.IndexExpr); ok && isDetail(ix.X) {
						if b, ok := ix.Index.(*ast.BasicLit); ok && b.Kind == token.STRING {
							if k, err := strconv.Unquote(b.Value); err == nil {
								found[k] = true
							}
						}
					}
				}
			}
			return true
		})
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every key of an audit detail reads as words in Indonesian, not as English made
// from the code ("User email"). The role table's test checks the details its
// requests wrote as well, which finds keys built elsewhere (a struct's fields).
func TestAuditDetailKeysHaveWords(t *testing.T) {
	keys := recordedDetailKeys(t)
	if len(keys) < 50 {
		t.Fatalf("found only %d audit detail keys in the source; the scan is broken", len(keys))
	}
	for _, k := range keys {
		if _, ok := catalog["word "+k]; !ok {
			t.Errorf("the audit detail key %q has no words (add \"word %s\" to the catalogue)", k, k)
		}
	}
}

func TestAuditActionsHaveWords(t *testing.T) {
	actions := recordedActions(t)
	if len(actions) < 50 {
		t.Fatalf("found only %d audit actions in the source; the scan is broken", len(actions))
	}
	// Actions the code builds from parts, which the scan cannot read.
	actions = append(actions, "organization.verify", "organization.reject", "message.sent", "message.dead")
	for _, a := range actions {
		for _, lang := range []string{langID, langEN} {
			v := view{Lang: lang}
			if got := v.Action(a); got == a || got == "audit "+a {
				t.Errorf("audit action %s has no words in %s: shows %q", a, lang, got)
			}
		}
	}
}

func TestAuditEntryReadsAsWords(t *testing.T) {
	v := view{Lang: langID}
	if got := v.Actor(audit.Entry{ActorID: "system", Actor: "bootstrap"}); got != "Sistem (awal)" {
		t.Errorf("the first start's actor reads %q", got)
	}
	if got := v.Actor(audit.Entry{ActorID: "u1", Actor: "ani@example.org"}); got != "ani@example.org" {
		t.Errorf("a person reads %q", got)
	}
	lines := v.Detail(`{"units": 1500, "org_id": "o1", "ok": true, "regions": ["31.71", "31.72"]}`)
	want := []detailLine{{"Ok", "ya"}, {"Organisasi", "o1"}, {"Regions", "31.71, 31.72"}, {"Unit", "1.500"}}
	if len(lines) != len(want) {
		t.Fatalf("detail lines %v, want %v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("detail line %d is %v, want %v", i, lines[i], want[i])
		}
	}
	found := false
	for _, c := range v.AuditActions() {
		found = found || c == actionChoice{"program.publish", "Menerbitkan program"}
	}
	if !found {
		t.Errorf("the audit filter does not offer program.publish as Menerbitkan program")
	}
	if got := v.Tag("ibu_hamil"); got != "Ibu hamil" {
		t.Errorf("tag ibu_hamil reads %q", got)
	}
	if got := (view{Lang: langEN}).Tag("some_new_tag"); got != "Some new tag" {
		t.Errorf("an unknown tag reads %q", got)
	}
}

// The import templates download under Indonesian names, one per kind.
func TestImportTemplatesHaveIndonesianNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range registry.Kinds {
		n := templateNames[k]
		if n == "" || seen[n] {
			t.Errorf("kind %s has the template name %q", k, n)
		}
		seen[n] = true
	}
	if templateNames[registry.Household] != "keluarga" {
		t.Errorf("the household template is named %q", templateNames[registry.Household])
	}
}

// Every kind of institution the registry knows reads as words.
func TestInstitutionKindsHaveWords(t *testing.T) {
	for _, k := range registry.InstitutionKinds {
		if _, ok := catalog["word "+k]; !ok {
			t.Errorf("institution kind %s has no words", k)
		}
	}
}
